"""The cumulative path of each comparison: the same comparisons scored at every look, and its plot.

Built from the data layer's daily (hourly, weekly...) cumulative statistics
(:func:`abstats.cumulative_from_events`): look *k* is scored with the method as it stood at
the end of period *k*, so the plot shows what a person checking the dashboard every day would
have seen: the effect, its interval and, for group-sequential designs, the efficacy (and
futility) boundaries the statistic has to cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.errors import ConfigError
from abstats.methods.base import MethodSettings
from abstats.metrics import BinaryMetric
from abstats.progress import ProgressBar
from abstats.result.decision_style import decision_colour
from abstats.result.plot import SCALES, add_decision_legend
from abstats.result.result import Result
from abstats.sequential.design import GroupSequentialDesign

if TYPE_CHECKING:
    import pandas as pd

    from abstats.data.events import Look

MAX_COMPARISONS = 12
"""Comparisons drawn in one path plot (one row of panels each)."""


@dataclass(frozen=True)
class EffectPath:
    """The same comparisons scored at every look.

    Attributes
    ----------
    periods
        Start of each look's period (the look includes everything up to its end).
    results
        One Result per look, rows in the same order at every look.
    """

    periods: tuple[Any, ...]
    results: tuple[Result, ...]

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per look x comparison with the effect, its interval, statistic, boundaries, decision."""
        import pandas as pd

        frames = []
        for k, (period, r) in enumerate(zip(self.periods, self.results, strict=True), start=1):
            frame = r.to_frame()
            frame.insert(0, "period", period)
            frame.insert(0, "look_number", k)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def plot(self, kind: str = "absolute") -> Any:
        """Effect and interval over time (top), statistic against the boundaries (bottom), per comparison.

        Points are coloured by the decision at that look (:mod:`abstats.result.decision_style`). The
        lower panel shows the z statistic with the efficacy / futility boundaries when the method
        has them (group-sequential), otherwise the p-value against alpha (always-valid methods
        keep it valid at every look; a fixed-horizon p-value read daily is the peeking problem).
        Returns the matplotlib Figure.

        Parameters
        ----------
        kind
            ``"absolute"`` (treatment - control) or ``"relative"``.
        """
        return _path_plot(self, kind)


def effect_path(
    looks: Sequence[Look],
    *,
    control: Any,
    method: str | MethodSettings | GroupSequentialDesign = "msprt",
    progress: bool | None = None,
) -> EffectPath:
    """Score every look of :func:`abstats.cumulative_from_events` with one method.

    Parameters
    ----------
    looks
        The looks, in order.
    control
        Control variant name.
    method
        A method name (``"msprt"``, ``"confidence_sequence"``, ``"frequentist"``...), its settings object,
        or a :class:`~abstats.sequential.GroupSequentialDesign`: look *k* is then scored as the design's
        look *k* (at its planned information fraction), so there must be no more looks than the design has.
    progress
        A bar over the looks on stderr: True, False, or None (default) to show it only in a terminal or
        Jupyter (:func:`abstats.progress.show_progress`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, abstats, matplotlib
    >>> from ibis import _
    >>> from abstats.data.events import converted
    >>> from abstats.sequential import GroupSequentialDesign
    >>> matplotlib.use("Agg")
    >>> rng = np.random.default_rng(1)
    >>> events = pd.DataFrame({"user": np.arange(4000), "variant": rng.choice(["A", "B"], 4000),
    ...                        "day": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 5, 4000), "D"),
    ...                        "bought": rng.random(4000) < 0.1})
    >>> looks = abstats.cumulative_from_events(events, {abstats.BinaryMetric("cr"): converted(_.bought)},
    ...                                        unit="user", timestamp="day")
    >>> path = abstats.effect_path(looks, control="A", method=GroupSequentialDesign("obrien_fleming", looks=5))
    >>> len(path.results), len(path.plot().axes)
    (5, 2)
    """
    from abstats.analysis import analyze  # the one analysis path; imported here to keep modules acyclic
    from abstats.sequential.settings import GroupSequentialSettings

    if not looks:
        raise ConfigError("looks", looks, "at least one look (from abstats.cumulative_from_events)")
    if isinstance(method, GroupSequentialDesign) and len(looks) > (method.looks or 0):
        raise ConfigError("looks", f"{len(looks)} looks", f"at most the design's {method.looks} looks")
    results = []
    with ProgressBar("scoring looks", total=len(looks), progress=progress) as bar:
        for k, look in enumerate(looks, start=1):
            settings = GroupSequentialSettings(method, look=k) if isinstance(method, GroupSequentialDesign) else method
            results.append(analyze(list(look.data), control=control, method=settings))
            bar.advance()
    return EffectPath(tuple(look.period for look in looks), tuple(results))


def _path_plot(path: EffectPath, kind: str) -> Any:
    import matplotlib.pyplot as plt

    if kind not in SCALES:
        raise ConfigError("kind", kind, "'relative' or 'absolute'")
    last = path.results[-1]
    if len(last) > MAX_COMPARISONS:
        raise ConfigError("looks", f"{len(last)} comparisons", f"at most {MAX_COMPARISONS} comparisons per path plot")
    display = last.method_object.display
    low_col, high_col = display.interval_columns(kind)
    column = "effect" if kind == "absolute" else "rel_effect"
    x = np.asarray(path.periods)

    def series(name: str) -> np.ndarray:
        return np.array([np.asarray(r[name], dtype=float) for r in path.results])  # looks x comparisons

    est, low, high = series(column), series(low_col), series(high_col)
    decisions = np.array([np.asarray(r.decision, dtype=object) for r in path.results])
    boundaries = "efficacy_boundary" in last.columns
    m = len(last)
    # two comparisons per row of the grid; each comparison is an effect panel over a statistic panel
    cols, grid_rows = min(2, m), -(-m // 2)
    fig, axes = plt.subplots(2 * grid_rows, cols, figsize=(6.0 * cols, 5.6 * grid_rows + 0.8), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 2] * grid_rows})
    for j in range(m):
        top, bottom = axes[2 * (j // 2), j % 2], axes[2 * (j // 2) + 1, j % 2]
        bottom.sharex(top)
        finite = np.isfinite(low[:, j]) & np.isfinite(high[:, j])
        top.fill_between(x[finite], low[finite, j], high[finite, j], color="#d0d7de", alpha=0.7, lw=0,
                         label=f"{display.interval_label} interval")
        top.plot(x, est[:, j], color="#24292f", lw=1)
        top.scatter(x, est[:, j], c=[decision_colour(d) for d in decisions[:, j]], s=22, zorder=3)
        top.axhline(0.0, color="black", lw=0.8)
        if kind == "relative":
            top.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.1%}"))
        elif last["metric_type"][j] == BinaryMetric.kind:
            top.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:+.2g} pp"))
        top.set_title(f"{last['metric'][j]}: {last['treatment'][j]} vs {last['control'][j]}", fontsize=10)
        top.set_ylabel(f"{kind} effect")
        if boundaries:
            _statistic_panel(bottom, x, series("statistic")[:, j], series("efficacy_boundary")[:, j],
                             series("futility_boundary")[:, j], decisions[:, j])
        else:
            _p_value_panel(bottom, x, series(display.probability[0] if display.probability else "p_value")[:, j],
                           last, decisions[:, j])
        bottom.tick_params(axis="x", labelrotation=30)
        top.tick_params(axis="x", labelbottom=False)
    for j in range(m, grid_rows * cols):  # an odd number of comparisons leaves one slot empty
        axes[2 * (j // 2), j % 2].set_visible(False)
        axes[2 * (j // 2) + 1, j % 2].set_visible(False)
    fig.suptitle(f"Cumulative {kind} effect by look · {last.method_object.label}", fontsize=12)
    add_decision_legend(fig, decisions.ravel())
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 1 - 0.35 / fig.get_figheight()))
    return fig


def _statistic_panel(ax: Any, x: np.ndarray, z: np.ndarray, efficacy: np.ndarray, futility: np.ndarray,
                     decisions: np.ndarray) -> None:
    ax.plot(x, efficacy, "--", color=decision_colour("stop_winner"), lw=1.2, label="efficacy boundary")
    ax.plot(x, -efficacy, "--", color=decision_colour("stop_loser"), lw=1.2, label="harm boundary")
    if np.isfinite(futility).any():
        ax.plot(x, futility, ":", color=decision_colour("stop_futility"), lw=1.2, label="futility boundary")
    ax.plot(x, z, color="#24292f", lw=1)
    ax.scatter(x, z, c=[decision_colour(d) for d in decisions], s=22, zorder=3)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_ylabel("z statistic")
    ax.legend(fontsize=8, loc="best")


def _p_value_panel(ax: Any, x: np.ndarray, p: np.ndarray, last: Result, decisions: np.ndarray) -> None:
    alpha = last.settings.get("alpha")
    ax.plot(x, p, color="#24292f", lw=1)
    ax.scatter(x, p, c=[decision_colour(d) for d in decisions], s=22, zorder=3)
    if isinstance(alpha, float):
        ax.axhline(alpha, linestyle="--", color=decision_colour("stop_winner"), lw=1.2, label=f"alpha = {alpha:g}")
        ax.legend(fontsize=8, loc="best")
    ax.set_ylim(0, 1)
    ax.set_ylabel(last.method_object.display.probability[1] if last.method_object.display.probability else "p-value")
