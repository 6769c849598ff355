"""Sample-ratio mismatch: goodness of fit of unit counts to the planned split.

Pearson's chi-square (the default, any size) or exact tests: the binomial test for two arms and
the multinomial test by enumeration for three or more (small experiments), see :func:`srm_p_values`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from abstats.checks import check_choice
from abstats.errors import InputError
from abstats.vocabulary import SRM_TESTS, SrmTest


def srm_test(
    n: np.ndarray, experiment_code: np.ndarray, expected_share: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson chi-square per experiment over all its variants.

    Parameters
    ----------
    n
        Units per experiment x variant row.
    experiment_code
        Index of each row's experiment (0..E-1).
    expected_share
        Planned share of each row within its experiment (normalised per experiment here); None: an
        equal split.

    Returns
    -------
    chi2, p_value
        Per experiment (length E); df = variants - 1. Vectorised with bincount
        because scipy.stats.chisquare needs equal-length groups.
    """
    totals = np.bincount(experiment_code, weights=n)
    arms = np.bincount(experiment_code)
    # (n - N s / S)^2 / (N s / S) in place, in the order of the formula (no fresh temporary per step). An
    # equal split has s = 1 and S = the number of arms: the same numbers, without the shares' passes.
    expected = totals[experiment_code]
    if expected_share is None:
        expected /= arms[experiment_code]
    else:
        expected *= expected_share
        expected /= np.bincount(experiment_code, weights=expected_share)[experiment_code]
    contribution = n - expected
    contribution *= contribution
    positive = expected > 0
    if positive.all():
        contribution /= expected
    else:  # an experiment with no units at all has nothing to mismatch: chi2 = 0 (p = 1), not 0 / 0
        contribution = np.divide(contribution, expected, out=np.zeros(len(n)), where=positive)
    chi2 = np.bincount(experiment_code, weights=contribution)
    return chi2, chi2_sf(chi2, arms - 1)


def chi2_sf(chi2: np.ndarray, df: np.ndarray | int) -> np.ndarray:
    """Chi-square survival function; 1 df (every two-arm experiment) as erfc(sqrt(c / 2)).

    scipy's chdtrc costs about 0.5 us per value, erfc 0.01 us: the 1-df shortcut keeps SRM checks of
    100,000 two-arm experiments from dominating an analysis.
    """
    df = np.broadcast_to(df, np.shape(chi2))
    p = np.multiply(0.5, chi2)
    p = special.erfc(np.sqrt(p, out=p), out=p)
    more = df != 1
    if more.any():
        p[more] = special.chdtrc(df[more], chi2[more])
    return p


def srm_two_arm(n_c: np.ndarray, n_t: np.ndarray, treatment_share: float) -> tuple[np.ndarray, np.ndarray]:
    """The same chi-square test for paired two-arm rows, without grouping (the batch path).

    With two arms chi2 = z^2, z = (n_t - N s) / sqrt(N s (1 - s)), so p = erfc(|z| / sqrt 2) = 2 Phi(-|z|);
    scipy's ``ndtr`` computes the latter about a third faster than ``erfc`` the former, to the same bits on
    the values we checked.
    """
    total = n_c + n_t
    z = (n_t - total * treatment_share) / np.sqrt(total * (treatment_share * (1.0 - treatment_share)))
    return z * z, 2.0 * special.ndtr(-np.abs(z))


def srm_two_arm_p_value(n_c: np.ndarray, n_t: np.ndarray, treatment_share: float) -> np.ndarray:
    """The p-value of :func:`srm_two_arm` for arrays, bit for bit: the same operations in the same order,
    in place (at 1e5 rows the fresh temporaries cost about a fifth of the time)."""
    return _p_of_abs_z(_two_arm_abs_z(n_c, n_t, treatment_share))


def _two_arm_abs_z(n_c: np.ndarray, n_t: np.ndarray, treatment_share: float) -> np.ndarray:
    """|z| of :func:`srm_two_arm`, in one buffer; NaN for a row without units (reported as ``no_traffic``)."""
    total = np.add(n_c, n_t, dtype=float)
    z = np.multiply(total, treatment_share)
    np.subtract(n_t, z, out=z)
    with np.errstate(invalid="ignore"):  # 0 / 0
        z /= np.sqrt(np.multiply(total, treatment_share * (1.0 - treatment_share), out=total), out=total)
    return np.abs(z, out=z)


def _p_of_abs_z(z: np.ndarray) -> np.ndarray:
    """2 Phi(-|z|) from |z|, in its buffer."""
    z = np.negative(z, out=z)
    z = special.ndtr(z, out=z)
    z *= 2.0
    return z


class TwoArmSrmP:
    """The two-arm SRM p-value of paired rows (:func:`srm_two_arm_p_value`), computed when first read.

    The batch path's Result holds it as a deferred column (:mod:`abstats.result.deferred`): its ``ndtr``
    costs a fifth of scoring 1e5 comparisons, and the SRM gate needs only which rows fall below
    ``srm_alpha``, which :meth:`below` answers exactly from |z| with ``ndtr`` evaluated on the few rows
    near or past the threshold.

    Examples
    --------
    >>> srm = TwoArmSrmP(np.array([500.0, 500.0]), np.array([500.0, 620.0]), 0.5)
    >>> srm.below(0.001).tolist(), srm.materialise().round(4).tolist()
    ([False, True], [1.0, 0.0003])
    """

    __slots__ = ("n_c", "n_t", "treatment_share", "_p")

    def __init__(self, n_c: np.ndarray, n_t: np.ndarray, treatment_share: float) -> None:
        self.n_c, self.n_t, self.treatment_share = n_c, n_t, treatment_share
        self._p: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.n_c)

    def materialise(self) -> np.ndarray:
        """The p-values (computed once)."""
        if self._p is None:
            self._p = srm_two_arm_p_value(self.n_c, self.n_t, self.treatment_share)
        return self._p

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        p = self.materialise()
        return p if dtype is None else p.astype(dtype)

    def below(self, alpha: float) -> np.ndarray:
        """Rows whose p-value is below ``alpha`` (in (0, 1)): the same mask as ``materialise() < alpha``.

        p < alpha exactly when |z| > z_alpha = -ndtri(alpha / 2). Below 0.9 z_alpha the p-value exceeds alpha
        by at least 9 % (for z_alpha > 1), far beyond ndtr's rounding, so only rows with z^2 above
        (0.9 z_alpha)^2 (compared without the root and the division: rounding there is far inside the 10 %
        margin) are evaluated, with the same operations as :meth:`materialise`; NaN rows (no units) are never
        below.
        """
        z_alpha = -special.ndtri(alpha / 2.0)
        if not z_alpha > 1.0:  # alpha above 0.32: no shortcut
            return self.materialise() < alpha
        s = self.treatment_share
        # (n_t - N s)^2 > (0.9 z_alpha)^2 N s (1 - s), in two buffers
        total = np.add(self.n_c, self.n_t, dtype=float)
        deviation = np.multiply(total, s)
        np.subtract(self.n_t, deviation, out=deviation)
        deviation *= deviation
        total *= (0.9 * z_alpha) ** 2 * (s * (1.0 - s))
        rows = np.flatnonzero(deviation > total)
        out = np.zeros(len(total), dtype=bool)
        out[rows] = _p_of_abs_z(_two_arm_abs_z(self.n_c[rows], self.n_t[rows], s)) < alpha
        return out


# --- exact tests -------------------------------------------------------------------------------

#: Largest number of possible allocations (compositions of N units into k arms, C(N + k - 1, k - 1))
#: the exact multinomial test enumerates for one experiment of three or more arms; about 1,400 units
#: for three arms, 180 for four, 70 for five. Two-arm experiments have no bound (exact binomial).
MAX_EXACT_OUTCOMES = 1_000_000

# scipy.stats.binomtest's tolerance: outcomes at most this factor more likely than the observed
# one count as "as extreme" (guards against rounding of equal probabilities).
_RERR = 1.0 + 1e-7


def exact_binomial_p_value(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Two-sided exact binomial p-value, vectorised: the probability of every count no more likely than ``k``.

    The same rule as :func:`scipy.stats.binomtest` (``alternative="two-sided"``, the
    "minimum-likelihood" method: sum of P(X = j) over j with P(X = j) <= P(X = k) (1 + 1e-7)),
    found per row by bisection on the far side of the mode instead of scipy's scalar search.

    Parameters
    ----------
    k, n
        Observed successes (units in the treatment arm) and trials (units in the experiment).
    p
        Success probability under H0 (the planned share of the treatment arm).
    """
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, p)))
    d = stats.binom.pmf(k, n, p) * _RERR
    mean = p * n
    out = np.ones(k.shape)
    low = k < mean
    high = k > mean
    if low.any():
        # smallest j in [ceil(np), n + 1] with P(X = j) <= d (P(X = n + 1) = 0): the far tail starts there
        kk, nn, pp, dd = k[low], n[low], p[low], d[low]
        j = _bisect(lambda x: stats.binom.pmf(x, nn, pp) <= dd, np.ceil(pp * nn), nn + 1.0, first=True)
        out[low] = stats.binom.cdf(kk, nn, pp) + stats.binom.sf(j - 1.0, nn, pp)
    if high.any():
        # largest j in [-1, floor(np)] with P(X = j) <= d (P(X = -1) = 0)
        kk, nn, pp, dd = k[high], n[high], p[high], d[high]
        j = _bisect(lambda x: stats.binom.pmf(x, nn, pp) <= dd, -1.0, np.floor(pp * nn), first=False)
        out[high] = stats.binom.cdf(j, nn, pp) + stats.binom.sf(kk - 1.0, nn, pp)
    return np.minimum(out, 1.0)


def _bisect(
    ok: Callable[[np.ndarray], np.ndarray], lo: np.ndarray | float, hi: np.ndarray | float, *, first: bool
) -> np.ndarray:
    """Integer bisection, vectorised. ``first``: the smallest x in [lo, hi] with ok(x) (ok monotone
    rising, ok(hi) true); otherwise the largest x with ok(x) (ok falling, ok(lo) true)."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    while True:
        active = hi > lo
        if not active.any():
            return lo
        mid = np.floor((lo + hi + (0 if first else 1)) / 2.0)
        good = ok(mid)
        if first:
            hi = np.where(active & good, mid, hi)
            lo = np.where(active & ~good, mid + 1.0, lo)
        else:
            lo = np.where(active & good, mid, lo)
            hi = np.where(active & ~good, mid - 1.0, hi)


def exact_multinomial_p_value(counts: np.ndarray, shares: np.ndarray) -> float:
    """Exact multinomial goodness-of-fit p-value of one experiment by enumeration.

    The probability, under the planned shares, of every allocation of the N units to the k
    arms that is no more likely than the observed one (the same minimum-likelihood rule as the
    exact binomial test; Read & Cressie 1988, ch. 2). Enumerates C(N + k - 1, k - 1)
    allocations: refused with :class:`~abstats.errors.InputError` above
    :data:`MAX_EXACT_OUTCOMES`.
    """
    counts = np.asarray(counts, dtype=np.int64)
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    total, k = int(counts.sum()), len(counts)
    outcomes = special.comb(total + k - 1, k - 1, exact=True)
    if outcomes > MAX_EXACT_OUTCOMES:
        raise InputError(
            "n", total,
            f"at most {MAX_EXACT_OUTCOMES:,} possible allocations for the exact multinomial SRM test "
            f"({k} arms and {total} units give {outcomes:,}); use srm_test='chi_square'",
        )
    grid = _compositions(total, k)
    log_shares = np.log(shares)
    log_pmf = special.gammaln(total + 1.0) - special.gammaln(grid + 1.0).sum(axis=1) + grid @ log_shares
    observed = special.gammaln(total + 1.0) - special.gammaln(counts + 1.0).sum() + counts @ log_shares
    keep = log_pmf <= observed + np.log(_RERR)
    return float(min(1.0, np.exp(log_pmf[keep]).sum()))


def _compositions(total: int, k: int) -> np.ndarray:
    """Every (x_1..x_k) of non-negative integers summing to ``total``, one per row."""
    if k == 1:
        return np.array([[total]], dtype=np.int64)
    parts = [np.column_stack((np.full(len(rest), first, dtype=np.int64), rest))
             for first in range(total + 1) for rest in (_compositions(total - first, k - 1),)]
    return np.concatenate(parts)


def srm_p_values(
    n: np.ndarray, experiment_code: np.ndarray, expected_share: np.ndarray | None, test: SrmTest = "chi_square"
) -> np.ndarray:
    """SRM p-value per experiment (length E), by the chosen test.

    Parameters
    ----------
    n, experiment_code, expected_share
        As in :func:`srm_test`: units per experiment x variant row, each row's experiment index
        (0..E-1) and planned share (normalised per experiment; None: an equal split).
    test
        ``"chi_square"``: Pearson's chi-square (asymptotic, any size). ``"exact"``: the exact
        binomial test for two-arm experiments (:func:`scipy.stats.binomtest`'s two-sided rule,
        any size) and the exact multinomial test for three or more arms (by enumeration,
        refused above :data:`MAX_EXACT_OUTCOMES` allocations with an :class:`InputError`).

    Examples
    --------
    >>> srm_p_values(np.array([40, 60]), np.array([0, 0]), np.array([1.0, 1.0]), "exact").round(4)
    array([0.0569])
    """
    check_choice("srm_test", test, SRM_TESTS)
    n = np.asarray(n, dtype=float)
    experiment_code = np.asarray(experiment_code)
    shares = None if expected_share is None else np.asarray(expected_share, dtype=float)
    if test == "chi_square":
        return srm_test(n, experiment_code, shares)[1]
    shares = np.ones(len(n)) if shares is None else shares
    arms = np.bincount(experiment_code)
    out = np.empty(len(arms))
    two = arms == 2
    order = np.argsort(experiment_code, kind="stable")
    starts = np.r_[0, np.cumsum(arms)[:-1]]
    if two.any():
        first, second = order[starts[two]], order[starts[two] + 1]
        share = shares[second] / (shares[first] + shares[second])
        out[two] = exact_binomial_p_value(n[second], n[first] + n[second], share)
    for e in np.flatnonzero(~two):
        rows = order[starts[e] : starts[e] + arms[e]]
        out[e] = 1.0 if arms[e] < 2 else exact_multinomial_p_value(n[rows], shares[rows])
    return out
