"""Forest plot of a Result: each comparison's relative effect with its interval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.result.decision_style import decision_colour

if TYPE_CHECKING:
    from abstats.result.result import Result


def forest_plot(result: Result, ax: Any = None, kind: str = "relative") -> Any:
    """Horizontal interval per row (relative effect by default), coloured by decision.

    Draws the interval the method fills (credible intervals for Bayesian methods). Rows are
    labelled by experiment (or segment) when there are several. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    display = result.method_object.display
    if kind == "relative":
        est, label = result["rel_effect"], "relative effect"
    elif kind == "absolute":
        est, label = result["effect"], "absolute effect"
    else:
        raise ValueError(f"kind must be 'relative' or 'absolute', got {kind!r}")
    low_col, high_col = display.interval_columns(kind)
    low = np.asarray(result[low_col], dtype=float)
    high = np.asarray(result[high_col], dtype=float)
    est = np.asarray(est, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(result) + 1.2))
    y = np.arange(len(result))[::-1]
    for i in range(len(result)):
        colour = decision_colour(result.decision[i])
        lo = low[i] if np.isfinite(low[i]) else est[i]
        hi = high[i] if np.isfinite(high[i]) else est[i]
        ax.plot([lo, hi], [y[i], y[i]], color=colour, lw=2)
        ax.plot([est[i]], [y[i]], "o", color=colour)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y)
    experiments = result["experiment"].tolist()
    several = len(set(experiments)) > 1
    ax.set_yticklabels([
        (f"{e} · " if several else "") + f"{m}: {t} vs {c}"
        for e, m, t, c in zip(experiments, result["metric"], result["treatment"], result["control"], strict=True)
    ])
    if kind == "relative":
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.0%}"))
    ax.set_xlabel(f"{label} ({display.interval_label} interval)")
    ax.figure.tight_layout()
    return ax
