"""The planner's inputs: the keywords every entry point shares, checked once and coerced.

Every public planning function takes a metric object (the one given to
:func:`abstats.analyze`), the quantities it solves from (``mde``, ``power``,
``n_per_arm``) and the shared keywords of :class:`PlanningSettings`. Those are
checked here, at the entry point, and the coerced values travel on as one
frozen :class:`~abstats.planning.design.Design`; the solvers never see raw input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import numpy as np
from numpy.typing import ArrayLike

from abstats.checks import require_cells
from abstats.errors import ConfigError, InputError
from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric
from abstats.statistics.ratio import RatioStats
from abstats.vocabulary import Alternative, Correction, Hypothesis, MarginType, MdeType

# A planning grid allocates about twenty float arrays of its full broadcast shape
# (more during a bisection), so ten million cells already take a few GB.
MAX_CELLS = 10_000_000
_METRIC_CLASSES = (BinaryMetric, MeanMetric, RatioMetric)


class PlanningSettings(TypedDict, total=False):
    """Keywords shared by every planning entry point (all optional; defaults in brackets).

    Numbers may be Python or numpy numbers or arrays, which broadcast into a grid of plans.

    - ``baseline``: control conversion rate (binary) or mean (mean metric; needed for a
      relative mde or margin). Ratio metrics take it from ``pre_period``.
    - ``sd``, ``sd_treatment``: per-unit standard deviations of a mean metric
      (``sd_treatment`` defaults to ``sd``).
    - ``pre_period``: ratio metric only, pre-period sums (``RatioStats`` or a mapping of
      ``n``, ``num_sum``, ``den_sum``, ``num_sum_sq``, ``den_sum_sq``, ``num_den_sum``).
    - ``mde_type`` [``"relative"``]: the mde as a share of ``baseline`` (0.1 = +10 %) or ``"absolute"``.
    - ``alpha`` [0.05]: level of the whole test, before the correction.
    - ``alternative`` [``"two-sided"``]: ``"greater"`` or ``"less"`` about treatment - control,
      as in :func:`abstats.analyze`.
    - ``hypothesis`` [``"superiority"``], ``margin`` [None], ``margin_type`` [``"absolute"``]:
      with a margin the test is one-sided in the metric's better direction, H0 being
      "no better than the margin" (superiority) or "worse by at least the margin" (non-inferiority).
    - ``allocation`` [1.0]: n_treatment / n_control for each treatment arm.
    - ``treatments`` [1], ``correction`` [``"holm"``]: k treatment arms each compared with the
      control, and the family-wise correction (``"none"``, ``"bonferroni"``, ``"holm"``).
    - ``variance`` [per metric]: the variance formula, see :func:`~abstats.planning.plan_sample_size`.
    - ``variance_reduction`` [None] or ``correlation`` [None]: CUPED (the metric analysed with a
      pre-period covariate): the expected share of variance the covariate removes, or the
      covariate's correlation rho with the metric (variance_reduction = rho^2). Every per-unit
      variance is multiplied by ``1 - variance_reduction``, so the planned n shrinks by that
      factor: n_cuped = n (1 - rho^2) (Deng et al. 2013). From pre-period data use
      :func:`abstats.planning.expected_variance_reduction`.
    """

    baseline: ArrayLike | None
    sd: ArrayLike | None
    sd_treatment: ArrayLike | None
    pre_period: RatioStats | Mapping[str, ArrayLike] | None
    mde_type: MdeType
    alpha: ArrayLike
    alternative: Alternative
    hypothesis: Hypothesis
    margin: ArrayLike | None
    margin_type: MarginType
    allocation: ArrayLike
    treatments: ArrayLike
    correction: Correction
    variance: str | None
    variance_reduction: ArrayLike | None
    correlation: ArrayLike | None


SETTING_NAMES: tuple[str, ...] = tuple(PlanningSettings.__annotations__)


def check_metric(metric: Any) -> Metric:
    """The metric object itself; a kind name such as ``"binary"`` is refused with what to pass instead."""
    if isinstance(metric, _METRIC_CLASSES):
        return metric
    if isinstance(metric, str):
        cls = {"binary": "BinaryMetric", "mean": "MeanMetric", "ratio": "RatioMetric"}.get(metric, "BinaryMetric")
        expected = f"a metric object, e.g. abstats.{cls}('conversion'), the one given to abstats.analyze"
    else:
        expected = "an abstats.BinaryMetric, MeanMetric or RatioMetric object (the one given to abstats.analyze)"
    raise ConfigError("metric", metric, expected)


def check_setting_names(settings: Mapping[str, Any]) -> None:
    """Refuse a keyword no planning function knows (a typo would otherwise be silently ignored)."""
    unknown = sorted(set(settings) - set(SETTING_NAMES))
    if unknown:
        raise ConfigError(unknown[0], settings[unknown[0]], "a planning setting: " + ", ".join(SETTING_NAMES))


def number_array(field: str, value: Any, *, setting: bool = True) -> np.ndarray:
    """``value`` as a finite float array; strings, booleans and non-numeric arrays raise a named error.

    ``np.asarray("0.05", dtype=float)`` would silently parse a string and ``True``
    would count as 1, so the dtype is checked before any conversion.
    """
    error_kind = ConfigError if setting else InputError
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise error_kind(field, value, "a number or an array of numbers (not a string or a boolean)")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise error_kind(field, value, "a number or an array of numbers") from None
    if raw.dtype.kind not in "iuf":
        raise error_kind(field, value, "a number or an array of numbers (not a string or a boolean)")
    arr = raw.astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise error_kind(field, float(arr[bad].flat[0]), "a finite number (no NaN or infinity)")
    return arr


def unit_interval_array(field: str, value: Any, *, setting: bool = True) -> np.ndarray:
    """Every cell strictly between 0 and 1 (alpha, power, a baseline rate)."""
    arr = number_array(field, value, setting=setting)
    require_cells((arr <= 0) | (arr >= 1), field, arr, "a number strictly between 0 and 1", setting=setting)
    return arr


def positive_array(field: str, value: Any, *, setting: bool = True) -> np.ndarray:
    """Every cell a finite number > 0."""
    arr = number_array(field, value, setting=setting)
    require_cells(arr <= 0, field, arr, "a number > 0", setting=setting)
    return arr


def grid_shape(arrays: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """Common broadcast shape of the inputs, refused with a ConfigError if they do not fit or it is too big."""
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items() if np.ndim(v))
        raise ConfigError("shape", shapes, "array inputs that broadcast together (numpy rules)") from None
    cells = int(np.prod(shape, dtype=np.int64))
    if cells > MAX_CELLS:
        raise ConfigError("shape", shape, f"a grid of at most {MAX_CELLS:,} cells (this one has {cells:,})")
    return shape
