"""A Result's display rows as markdown for CI summaries and ``--format markdown``.

The rows themselves (rates as percentages, rate effects in percentage points, counts as integers,
one precision per interval) come from :mod:`abstats.result.table`, the same cells the notebook and
``str(result)`` show; the terminal table is :func:`abstats.result.terminal.print_table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abstats.result.table import Detail, result_rows, several_experiments
from abstats.result.terminal import note_lines

if TYPE_CHECKING:
    from abstats.result import Result


def detail_of(wide: bool) -> Detail:
    """The table width a CLI flag asks for: ``--wide`` is every column, else the 80-column four."""
    return "full" if wide else "terminal"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table (pipes in cells escaped).

    Examples
    --------
    >>> print(markdown_table(["metric", "effect"], [["signup", "+1.2 pp"]]))
    | metric | effect |
    |---|---|
    | signup | +1.2 pp |
    """

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def result_markdown(result: Result, *, wide: bool = False, title: str | None = None) -> str:
    """Verdict first, then the table, then the reasons and warnings grouped by experiment and metric.

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("signup"), control="A")
    >>> print(result_markdown(r).splitlines()[0])
    **Verdict: ship** (B): every primary metric of B won and no guardrail failed: ship
    """
    headers, rows = result_rows(result, detail_of(wide))
    several = several_experiments(result)
    parts = [f"### {title}"] if title else []
    for v in result.verdicts():
        where = f"{v['experiment']}: " if several else ""
        ship = f" ({', '.join(map(str, v['ship']))})" if v["ship"] else ""
        parts.append(f"{where}**Verdict: {v['verdict']}**{ship}: {v['reason']}")
    parts.append(markdown_table(headers, rows))
    parts.append("\n".join(line for _, line in note_lines(result)))
    return "\n\n".join(parts) + "\n"
