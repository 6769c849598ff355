"""The one protocol every metric kind's sufficient statistics follow.

Methods score any kind through these members only, so a new metric kind is one new
module (its statistics class and its metric class), not edits in every method:

* ``estimate()`` and ``variance_of_estimate()`` of each row (rate, mean, ratio);
* ``null_variance(treatment)``: the variance of treatment - control under H0 of no
  difference (pooled for proportions, the unpooled sum otherwise);
* ``difference_df(treatment)``: degrees of freedom of the reference distribution of the
  difference (``inf`` where it is the normal, Welch's df for means);
* ``counts()``: ``(successes, n)`` for count data, which unlocks exact methods (Fisher's
  test, Beta-Binomial posteriors), ``None`` otherwise;
* ``approximation_flags(treatment)``: warning flags of rows where the normal
  approximation of the difference is unreliable;
* ``regression_adjusted(treatment, interaction=...)``: the CUPED-adjusted pair
  (:class:`~abstats.statistics.cuped.Adjustment`) where the rows carry a pre-period
  covariate, else None; the adjusted arms follow this protocol too, so methods score
  them like any kind;
* ``take(rows)`` and ``concat(parts)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar, runtime_checkable

import numpy as np

from abstats.vocabulary import MetricKind

if TYPE_CHECKING:
    from abstats.statistics.cuped import Adjustment

_S = TypeVar("_S")


@runtime_checkable
class SufficientStats(Protocol):
    """Sufficient statistics of one metric kind, one element per experiment x variant row."""

    kind: ClassVar[MetricKind]

    @property
    def n(self) -> np.ndarray: ...  # read-only: the statistics classes are frozen dataclasses

    def __len__(self) -> int: ...

    def estimate(self) -> np.ndarray: ...

    def variance_of_estimate(self) -> np.ndarray: ...

    def unit_variance(self) -> np.ndarray: ...

    def null_variance(self, treatment: Self) -> np.ndarray: ...

    def difference_df(self, treatment: Self) -> np.ndarray: ...

    def counts(self) -> tuple[np.ndarray, np.ndarray] | None: ...

    def approximation_flags(self, treatment: Self) -> dict[str, np.ndarray]: ...

    def take(self, rows: np.ndarray) -> Self: ...

    def regression_adjusted(self, treatment: Self, *, interaction: bool = False) -> Adjustment | None: ...


def take_rows(stats: _S, rows: np.ndarray) -> _S:
    """A copy of a statistics dataclass with every array field indexed by ``rows`` (None fields stay None)."""
    values = {f.name: getattr(stats, f.name) for f in fields(stats)}  # type: ignore[arg-type]
    return type(stats)(**{k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in values.items()})


def concat(parts: Sequence[_S]) -> _S:
    """Rows of several statistics objects of one kind, in order (a field None in any part is None)."""
    first = parts[0]
    kinds = {type(p) for p in parts}
    if len(kinds) != 1:
        raise TypeError(f"cannot concatenate statistics of different kinds: {sorted(k.__name__ for k in kinds)}")
    out: dict[str, Any] = {}
    for f in fields(first):  # type: ignore[arg-type]
        column = [getattr(p, f.name) for p in parts]
        if not isinstance(column[0], np.ndarray | None):  # a flag such as _validated: the parts agree
            out[f.name] = all(column)
            continue
        out[f.name] = None if any(c is None for c in column) else np.concatenate(column)
    return type(first)(**out)


def no_shift() -> np.ndarray:
    """Default of a ``shift`` field: an empty array that :func:`fill_shift` turns into zeros."""
    return np.zeros(0)


def fill_shift(shift: np.ndarray | None, n: np.ndarray) -> np.ndarray:
    """A shift field as an array of one value per row: zeros when none was given (raw sums).

    Always an array, never None: :func:`concat` drops a field that is None in any part,
    which for a shift would silently move the other parts' estimates.
    """
    if shift is None or (np.size(shift) == 0 and np.size(n) > 0):
        return np.zeros(np.shape(n))
    return shift


def unpooled_null_variance(control: SufficientStats, treatment: SufficientStats) -> np.ndarray:
    """Var(treatment - control) = v_c + v_t: the default for kinds without a pooled null."""
    return control.variance_of_estimate() + treatment.variance_of_estimate()


def normal_df(rows: int) -> np.ndarray:
    """Infinite degrees of freedom: the reference distribution is the standard normal."""
    return np.broadcast_to(np.inf, (rows,))


def validate_direct(stats: Any, build: Callable[..., Any]) -> None:
    """Run ``build`` (the class's ``from_arrays``) on statistics constructed directly, keeping its arrays.

    ``from_arrays`` validates and marks its result ``_validated``; a direct call of the constructor
    (``BinaryStats(n, conversions)``) would otherwise skip every check, so ``__post_init__`` calls this.
    """
    if stats._validated:
        return
    given = {f.name: getattr(stats, f.name) for f in fields(stats) if f.name != "_validated"}
    checked = build(**given)
    for name in given:
        object.__setattr__(stats, name, getattr(checked, name))
    object.__setattr__(stats, "_validated", True)
