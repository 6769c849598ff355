"""Forest plot of a Result: each comparison's effect with its interval, coloured by its decision.

Colour means the decision (:mod:`abstats.result.decision_style`, the one palette of plots, HTML and the
terminal): the marker of every row is its decision's colour. An interval that contains zero is drawn dashed
in the neutral grey whatever the decision, so an expected-loss "ship" whose credible interval still
crosses zero is never read as a green, significant-looking bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.metrics import BinaryMetric
from abstats.result.decision_style import NEUTRAL_COLOUR, decision_colour
from abstats.result.table import level_label
from abstats.vocabulary import DECISIONS

if TYPE_CHECKING:
    from abstats.result.result import Result

SCALES = ("relative", "absolute")
CROSSES_ZERO_LABEL = "interval contains 0"


def forest_plot(result: Result, kind: str = "relative") -> Any:
    """Horizontal interval per comparison with a title and a decision legend; returns the matplotlib Figure.

    The relative view (``kind="relative"``) puts every row on one unit-free axis. The absolute view
    (``kind="absolute"``) draws one panel per metric with its own axis, since metrics have their own units
    (an AOV effect of +-6 and a conversion-rate effect of +-0.003 would otherwise collapse on zero); rate
    differences are labelled in percentage points.

    Parameters
    ----------
    result
        Any Result; the interval drawn is the method's own (credible for Bayesian methods).
    kind
        ``"relative"`` (treatment / control - 1) or ``"absolute"`` (treatment - control).

    Examples
    --------
    >>> import abstats, matplotlib
    >>> matplotlib.use("Agg")
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("conversion"), control="A")
    >>> fig = r.plot()
    >>> len(fig.axes), [t.get_text() for t in fig.legends[0].get_texts()]
    (1, ['stop winner', 'interval contains 0'])
    """
    import matplotlib.pyplot as plt

    if kind not in SCALES:
        from abstats.errors import ConfigError

        raise ConfigError("kind", kind, "'relative' or 'absolute'")
    display = result.method_object.display
    low_col, high_col = display.interval_columns(kind)
    est = np.asarray(result["rel_effect" if kind == "relative" else "effect"], dtype=float)
    low = np.asarray(result[low_col], dtype=float)
    high = np.asarray(result[high_col], dtype=float)
    metrics = np.asarray(result["metric"], dtype=object)
    panels = [np.arange(len(result))] if kind == "relative" else [
        np.flatnonzero(metrics == m) for m in dict.fromkeys(metrics.tolist())
    ]
    heights = [max(len(rows), 1) + 1.2 for rows in panels]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(8, 0.42 * sum(heights) + 1.6), squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    labels = _row_labels(result, with_metric=kind == "relative")
    kinds = np.asarray(result["metric_type"], dtype=object)
    for ax, rows in zip(axes[:, 0], panels, strict=True):
        _draw_rows(ax, rows, est, low, high, result.decision, labels)
        if kind == "relative":
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.1%}"))
        else:
            binary = bool(len(rows)) and kinds[rows[0]] == BinaryMetric.kind
            if binary:  # a difference of two rates reads as percentage points
                ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:+.2g} pp"))
            ax.set_title(f"{metrics[rows[0]]} ({kinds[rows[0]]})", fontsize=10, loc="left")
    axes[-1, 0].set_xlabel(f"{kind} effect, treatment vs control ({level_label(result)})")
    fig.suptitle(f"{kind.capitalize()} effects · {result.method_object.label}", fontsize=12)
    add_decision_legend(fig, result.decision, crossing_zero=True)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _draw_rows(
    ax: Any, rows: np.ndarray, est: np.ndarray, low: np.ndarray, high: np.ndarray, decisions: np.ndarray,
    labels: list[str],
) -> None:
    y = np.arange(len(rows))[::-1]
    for yi, i in zip(y, rows, strict=True):
        colour = decision_colour(decisions[i])
        lo = low[i] if np.isfinite(low[i]) else est[i]
        hi = high[i] if np.isfinite(high[i]) else est[i]
        crosses = lo < 0.0 < hi
        ax.plot([lo, hi], [yi, yi], color=NEUTRAL_COLOUR if crosses else colour, lw=2,
                linestyle="--" if crosses else "-")
        ax.plot([est[i]], [yi], "o", color=colour, markersize=7)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([labels[i] for i in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", color="#d0d7de", lw=0.6)


def add_decision_legend(fig: Any, decisions: Iterable[Any], *, crossing_zero: bool = False) -> Any:
    """A figure legend with one entry per decision shown (in :data:`abstats.vocabulary.DECISIONS` order).

    Parameters
    ----------
    fig
        The matplotlib Figure.
    decisions
        The decisions of the rows drawn.
    crossing_zero
        Also explain the dashed grey of an interval that contains zero.
    """
    from matplotlib.lines import Line2D

    present = {d for d in decisions if isinstance(d, str)}
    handles = [
        Line2D([], [], marker="o", color=decision_colour(d), lw=2, label=d.replace("_", " "))
        for d in DECISIONS if d in present
    ]
    if crossing_zero:
        handles.append(Line2D([], [], color=NEUTRAL_COLOUR, lw=2, linestyle="--", label=CROSSES_ZERO_LABEL))
    return fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), frameon=False,
                      title="decision", title_fontsize=9, fontsize=9)


def _row_labels(result: Result, *, with_metric: bool) -> list[str]:
    experiments = result["experiment"].tolist()
    several = len(set(experiments)) > 1
    return [
        (f"{e} · " if several else "") + (f"{m}: " if with_metric else "") + f"{t} vs {c}"
        for e, m, t, c in zip(experiments, result["metric"], result["treatment"], result["control"], strict=True)
    ]

