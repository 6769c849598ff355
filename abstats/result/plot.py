"""Forest plot of a Result: each comparison's relative effect with its interval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from abstats.result.result import Result

_COLOURS = {"stop_winner": "#1a7f37", "stop_loser": "#cf222e", "stop_futility": "#8250df"}


def forest_plot(result: Result, ax: Any = None, kind: str = "relative") -> Any:
    """Horizontal interval per row (relative effect by default), coloured by decision.

    Bayesian results draw their credible intervals. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    bayes = result.method == "bayesian"
    if kind == "relative":
        est, prefix, label = result["rel_effect"], "rel_cred" if bayes else "rel_ci", "relative effect"
    elif kind == "absolute":
        est, prefix, label = result["effect"], "effect_cred" if bayes else "effect_ci", "absolute effect"
    else:
        raise ValueError(f"kind must be 'relative' or 'absolute', got {kind!r}")
    low = np.asarray(result[f"{prefix}_low"], dtype=float)
    high = np.asarray(result[f"{prefix}_high"], dtype=float)
    est = np.asarray(est, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(result) + 1.2))
    y = np.arange(len(result))[::-1]
    for i in range(len(result)):
        colour = _COLOURS.get(str(result.decision[i]), "#57606a")
        lo = low[i] if np.isfinite(low[i]) else est[i]
        hi = high[i] if np.isfinite(high[i]) else est[i]
        ax.plot([lo, hi], [y[i], y[i]], color=colour, lw=2)
        ax.plot([est[i]], [y[i]], "o", color=colour)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{m}: {t} vs {c}" for m, t, c in zip(result["metric"], result["treatment"], result["control"])])
    if kind == "relative":
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.0%}"))
    ax.set_xlabel(label + (" (credible interval)" if bayes else " (confidence interval)"))
    ax.figure.tight_layout()
    return ax
