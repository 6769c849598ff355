"""Posterior densities of each comparison's effect, from a Bayesian Result, in closed form (no sampling)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from abstats.metrics import BinaryMetric
from abstats.result.decision_style import NEUTRAL_COLOUR, decision_colour
from abstats.result.plot import SCALES, add_decision_legend
from abstats.result.table import level_label

if TYPE_CHECKING:
    from abstats.result.result import Result

MAX_PANELS = 24
"""More comparisons than this are refused: plot the forest (``Result.plot``) instead."""


def posterior_plot(result: Result, scale: str = "relative") -> Any:
    """One small panel per comparison: its posterior density of the effect, its credible interval shaded.

    The curve is coloured by the row's decision; the shaded band is the credible interval the Result
    reports (grey when it contains 0, as in the forest plot), and the title gives P(beats control).
    Binary rows draw the exact density of the contrast of two Beta posteriors, mean and ratio rows
    their normal posterior (:mod:`abstats.bayesian.posterior`).

    Parameters
    ----------
    result
        A Result of a method with closed-form posteriors (``method="bayesian"``).
    scale
        ``"relative"`` (treatment / control - 1) or ``"absolute"`` (treatment - control).

    Examples
    --------
    >>> import matplotlib
    >>> from abstats import BinaryMetric, analyze
    >>> matplotlib.use("Agg")
    >>> table = {"arm": ["old", "new", "newer"], "n": [2000, 2000, 2000], "conversions": [210, 250, 190]}
    >>> fig = analyze(table, metric=BinaryMetric("signup"), variant="arm", control="old",
    ...               method="bayesian").plot_posteriors("absolute")
    >>> [ax.get_visible() for ax in fig.axes]
    [True, True]
    """
    import matplotlib.pyplot as plt

    from abstats.errors import ConfigError

    if scale not in SCALES:
        raise ConfigError("scale", scale, "'relative' or 'absolute'")
    method = result.method_object
    if method.effect_posterior is None:
        raise ConfigError("method", result.method,
                          "a Result of a method with closed-form posteriors (method='bayesian'); "
                          "use Result.plot() for the intervals of any method")
    if not 0 < len(result) <= MAX_PANELS:
        raise ConfigError("result", f"{len(result)} comparisons", f"1 to {MAX_PANELS} comparisons (one panel each)")
    posteriors = method.effect_posterior(scale, result.columns, result._settings_of)
    cols = min(3, len(result))
    rows = -(-len(result) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows + 1.0), squeeze=False)
    kinds, prob = result["metric_type"], result["prob_beats_control"]
    for i, (ax, post) in enumerate(zip(axes.ravel(), posteriors, strict=False)):
        colour = decision_colour(result.decision[i])
        if post.pdf is None:  # no variance: the effect is known, a spike
            ax.axvline(post.low, color=colour, lw=2)
        else:
            x = post.support()
            y = post.pdf(x)
            ax.plot(x, y, color=colour, lw=2)
            inside = (x >= post.low) & (x <= post.high)
            # as in the forest plot: a credible interval containing 0 is grey whatever the decision
            band = NEUTRAL_COLOUR if post.low < 0.0 < post.high else colour
            ax.fill_between(x[inside], y[inside], color=band, alpha=0.25, lw=0)
        ax.axvline(0.0, color="black", lw=0.8)
        ax.set_yticks([])
        if scale == "relative":
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.0%}"))
        elif kinds[i] == BinaryMetric.kind:
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:+.2g} pp"))
        several = len(set(result["experiment"].tolist())) > 1
        head = (f"{result['experiment'][i]} · " if several else "") + f"{result['metric'][i]}: "
        ax.set_title(f"{head}{result['treatment'][i]} vs {result['control'][i]}\nP(beats) = {prob[i]:.3f}",
                     fontsize=9)
    for ax in axes.ravel()[len(result):]:
        ax.set_visible(False)
    fig.suptitle(f"Posterior of the {scale} effect ({level_label(result)} shaded) · {method.label}", fontsize=11)
    add_decision_legend(fig, result.decision, crossing_zero=any(p.low < 0.0 < p.high for p in posteriors))
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
