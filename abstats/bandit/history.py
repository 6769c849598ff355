"""The allocation history of a bandit experiment: the weights of each period and the traffic it received.

A bandit changes its split every period, so the split the sample-ratio-mismatch check must expect
is not equal, nor the last weights: it is the traffic-weighted mean of the periods' weights,

    expected share of arm v = sum_t N_t w_{t,v} / sum_t N_t,

with N_t the units that entered in period t and w_{t,v} the weight arm v had then. Under a working
assignment the units of period t fall multinomially on the arms with the probabilities w_t, so
the expected count of arm v is sum_t N_t w_{t,v}. (Pearson's statistic on the pooled counts is
then slightly conservative: a sum of multinomials with different probabilities varies less than
one multinomial with their mean.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abstats.checks import check_finite_array
from abstats.data.columns import get_column
from abstats.errors import ConfigError, InputError

# A period's weights must sum to 1 within this (they are shares; rounding of stored weights is allowed).
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class AllocationHistory:
    """Weights per period and arm, and each period's traffic, for one or many experiments.

    Build it with :meth:`from_table`. ``adaptive`` marks the data analysed with it as adaptively
    allocated (see :func:`abstats.analyze`'s ``allocation``).

    Examples
    --------
    >>> h = AllocationHistory.from_table({"period": [1, 1, 2, 2], "variant": ["A", "B", "A", "B"],
    ...                                   "weight": [0.5, 0.5, 0.2, 0.8], "traffic": [1000, 1000, 3000, 3000]})
    >>> h.expected_split()
    {('', 'A'): 0.275, ('', 'B'): 0.725}
    """

    experiment: np.ndarray
    period: np.ndarray
    variant: np.ndarray
    weight: np.ndarray
    traffic: np.ndarray

    @classmethod
    def from_table(
        cls,
        table: Any,
        *,
        period: str = "period",
        variant: str = "variant",
        weight: str = "weight",
        traffic: str = "traffic",
        experiment: str | None = None,
    ) -> AllocationHistory:
        """Read a history from a table with one row per (experiment,) period x arm.

        Parameters
        ----------
        table
            A mapping of columns or a pandas/polars DataFrame.
        period, variant, weight, traffic
            Columns: the period's label, the arm, its weight in that period, and the units that
            entered the experiment in that period (the same on every row of the period).
        experiment
            Column of experiment labels (none: one experiment, labelled ``""``).
        """
        w = check_finite_array("weight", get_column(table, weight))
        n = check_finite_array("traffic", get_column(table, traffic))
        labels = np.asarray(get_column(table, variant), dtype=object)
        periods = np.asarray(get_column(table, period), dtype=object)
        exps = np.full(len(w), "", dtype=object) if experiment is None else np.asarray(
            get_column(table, experiment), dtype=object)
        if len(w) == 0:
            raise InputError("allocation", "an empty table", "one row per period x arm")
        if (w < 0).any() or (w > 1).any():
            raise InputError("weight", float(w[(w < 0) | (w > 1)][0]), "a share in [0, 1]")
        if (n < 0).any():
            raise InputError("traffic", float(n[n < 0][0]), "units >= 0")
        key = pd.MultiIndex.from_arrays([exps, periods])
        codes, uniques = pd.factorize(key)
        sums = np.bincount(codes, weights=w)
        off = np.flatnonzero(np.abs(sums - 1.0) > _SUM_TOLERANCE)
        if len(off):
            e, t = uniques[off[0]]
            raise InputError("weight", float(sums[off[0]]), "weights summing to 1 in every period",
                             experiment=e or None, variant=None) from None
        first = np.full(len(uniques), -1)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        differs = np.flatnonzero(n != n[first[codes]])
        if len(differs):
            raise InputError("traffic", float(n[differs[0]]), "one traffic value per period (the units of the "
                             f"period, repeated on each of its rows; period {periods[differs[0]]!r})")
        return cls(exps, periods, labels, w, n)

    def expected_split(self) -> dict[tuple[Any, Any], float]:
        """(experiment, variant) -> expected share of units, the traffic-weighted mean of the weights."""
        key = pd.MultiIndex.from_arrays([self.experiment, self.variant])
        codes, uniques = pd.factorize(key)
        expected = np.bincount(codes, weights=self.weight * self.traffic)
        exp_codes, _ = pd.factorize(self.experiment)
        # every period's traffic once per experiment: sum over arms of N_t w_tv = N_t
        totals = np.bincount(exp_codes, weights=self.weight * self.traffic)
        first = np.full(len(uniques), -1)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        share = expected / np.where(totals > 0, totals, 1.0)[exp_codes[first]]
        return {tuple(k): float(v) for k, v in zip(uniques, share, strict=True)}

    def shares_for(self, experiment: np.ndarray, variant: np.ndarray) -> np.ndarray:
        """The expected share of each (experiment, variant) row of analysed data (positive, for the SRM check)."""
        split = self.expected_split()
        single = set(pd.unique(self.experiment).tolist()) == {""}
        known = pd.MultiIndex.from_tuples(list(split), names=["experiment", "variant"])
        asked = pd.MultiIndex.from_arrays([np.full(len(variant), "", dtype=object) if single
                                           else np.asarray(experiment, dtype=object),
                                           np.asarray(variant, dtype=object)])
        where = known.get_indexer(asked)
        if (where < 0).any():
            row = int(np.flatnonzero(where < 0)[0])
            raise ConfigError("allocation", f"no periods for variant {variant[row]!r}",
                              "a history covering every analysed arm", experiment=None if single else experiment[row])
        share = np.fromiter(split.values(), dtype=float, count=len(split))[where]
        if (share <= 0).any():
            row = int(np.flatnonzero(share <= 0)[0])
            raise ConfigError("allocation", 0.0, "a positive expected share (the arm had weight in no period "
                              "with traffic)", variant=variant[row], experiment=None if single else experiment[row])
        return share
