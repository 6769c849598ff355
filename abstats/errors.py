"""Typed exceptions: every bad input names the field, the value and what was expected."""

from __future__ import annotations

from typing import Any


class AbstatsError(ValueError):
    """Base class of every error abstats raises on purpose.

    A subclass of :class:`ValueError`, so callers that already guard numeric
    code with ``except ValueError`` keep working.
    """


class InputError(AbstatsError):
    """An input value is invalid.

    Parameters
    ----------
    field
        Name of the offending input (``"conversions"``, ``"alpha"``...).
    value
        The value that was given (for arrays: the first offending element).
    expected
        What would have been accepted, in words.
    metric, variant, experiment
        Where the value sits, when it belongs to one row of sufficient statistics.

    Examples
    --------
    >>> raise InputError("conversions", 12, "<= n (10)", metric="signup", variant="B")
    Traceback (most recent call last):
    abstats.errors.InputError: metric 'signup', variant 'B': conversions = 12, expected <= n (10)
    """

    def __init__(
        self,
        field: str,
        value: Any,
        expected: str,
        *,
        metric: str | None = None,
        variant: Any = None,
        experiment: Any = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.metric = metric
        self.variant = variant
        self.experiment = experiment
        where = []
        if metric is not None:
            where.append(f"metric {metric!r}")
        if experiment is not None:
            where.append(f"experiment {experiment!r}")
        if variant is not None:
            where.append(f"variant {variant!r}")
        prefix = ", ".join(where) + ": " if where else ""
        super().__init__(f"{prefix}{field} = {value!r}, expected {expected}")


class ConfigError(InputError):
    """A setting (alpha, alternative, correction, method option...) is invalid."""


class OutputError(InputError):
    """A place to write a file is not usable: its folder is missing, or it cannot be written.

    Examples
    --------
    >>> raise OutputError("path", "/no/such/report.html", "a file in an existing folder")
    Traceback (most recent call last):
    abstats.errors.OutputError: path = '/no/such/report.html', expected a file in an existing folder
    """


class AbstatsWarning(UserWarning):
    """Base class of every warning abstats issues on purpose (filter them with ``warnings``)."""


class MultiVariantUnitsWarning(AbstatsWarning):
    """Some units were seen in more than one variant; the message says how many and what was done."""


class CupedWarning(AbstatsWarning):
    """CUPED could not adjust some rows (a pre-period covariate without variance): they are analysed unadjusted."""


class AdaptiveAllocationWarning(AbstatsWarning):
    """A fixed-horizon (frequentist or sequential) analysis was asked for on adaptively allocated data.

    A bandit moves traffic toward the arms that look best, so which units an arm received
    depends on earlier outcomes: fixed-horizon p-values and confidence intervals, which assume a
    split fixed in advance, can be biased. Posterior readings (``method="bayesian"``) stay valid.
    """


class PrecisionWarning(AbstatsWarning):
    """Sufficient statistics whose variance is below the float resolution of the sums given.

    Raised (as a :func:`warnings.warn`, not an exception) when ``sum_sq - sum**2 / n``
    is smaller than about 1e-8 of ``sum_sq``: the values share an offset so large
    against their spread that float64 sums of raw values and raw squares have
    cancelled, and the variance, standard error and p-value built on them are not
    reliable (or the values are exactly constant, which the sums cannot tell
    apart). The remedy is centred sums: aggregate ``value - shift`` for a shift
    near the mean and pass the shift (see :func:`abstats.from_aggregates`), or give
    the raw rows to :func:`abstats.from_units`, which centres them itself.
    """
