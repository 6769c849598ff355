"""A reference to a column of the input table, for settings that differ per experiment.

Examples
--------
>>> import abstats
>>> table = {"experiment": ["e1", "e1", "e2", "e2"], "variant": ["ctrl", "B", "A", "B"],
...          "control": ["ctrl", "ctrl", "A", "A"], "n": [1000] * 4, "conversions": [100, 130, 90, 95]}
>>> r = abstats.analyze(table, metric=abstats.BinaryMetric("cr"), experiment="experiment",
...                     control=abstats.Column("control"))
>>> r["control"].tolist()
['ctrl', 'A']
"""

from __future__ import annotations

from dataclasses import dataclass

from abstats.errors import ConfigError


@dataclass(frozen=True)
class Column:
    """The column ``name`` of the analysed table, read per row (one value per experiment or per variant row).

    Parameters
    ----------
    name
        Column name in the table passed to :func:`abstats.analyze`.
    """

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError("Column", self.name, "a column name (a non-empty string)")

    def __str__(self) -> str:
        return f"column {self.name!r}"
