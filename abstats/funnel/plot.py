"""Plots of a funnel Result: the funnel of every variant, and the stage-wise effects with intervals.

Colour is the decision, as in every abstats plot (:mod:`abstats.result.decision_style`): a
treatment's bar at a stage takes the decision of that stage's comparison; the control's bars and
the first stage (nothing to compare) are neutral.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.result.decision_style import NEUTRAL_COLOUR, decision_colour

if TYPE_CHECKING:
    from abstats.result import Result


def funnel_chart(result: Result) -> Any:
    """One panel per variant: a horizontal bar per stage (units reaching it), labelled with the units, the
    conversion from the first stage and from the previous stage. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    record = result._funnel_record()
    counts = result.funnel()
    decisions = _stage_decisions(result, record)
    n_var, n_stage = counts.counts.shape
    fig, axes = plt.subplots(1, n_var, figsize=(4.2 * n_var, 0.6 * n_stage + 1.6), sharey=True, squeeze=False)
    from_first, stage_conv = counts.from_first(), counts.stage_conversion()
    y = np.arange(n_stage)[::-1]
    for i, (ax, variant) in enumerate(zip(axes[0], counts.variants, strict=True)):
        colours = [decisions.get((str(variant), stage), NEUTRAL_COLOUR) for stage in counts.stages]
        ax.barh(y, counts.counts[i], color=colours, alpha=0.85)
        top = float(counts.counts[i, 0])
        for k in range(n_stage):
            label = f"{counts.counts[i, k]:,.0f}  {from_first[i, k]:.1%}"
            if k:
                label += f" ({stage_conv[i, k - 1]:.1%} of prev.)"
            ax.text(top * 0.02, y[k], label, va="center", ha="left", fontsize=8, color="black")
        control = variant == record["control"] and str(variant) != "control"
        ax.set_title(str(variant) + (" (control)" if control else ""))
        ax.set_xlim(0, top * 1.02)
        ax.set_xlabel("units")
    axes[0][0].set_yticks(y)
    axes[0][0].set_yticklabels(counts.stages)
    fig.suptitle("Funnel: units per stage, share of the first stage (and of the previous one)", fontsize=10)
    fig.tight_layout()
    return fig


def stage_effects(result: Result, kind: str = "absolute") -> Any:
    """The effect of every funnel row (stages, conditional stages, overall) with its interval, coloured by
    decision, drawn by the Result's forest plot. Returns the matplotlib Figure."""
    from abstats.result import Result
    from abstats.result.plot import forest_plot

    record = result._funnel_record()
    keep = np.array([m in record["rows"] for m in np.asarray(result["metric"], dtype=object)], dtype=bool)
    rows = Result(result.method, result.settings, {k: np.asarray(v)[keep] for k, v in result.columns.items()},
                  np.asarray(result.rules)[keep], {c: np.asarray(m)[keep] for c, m in result.warning_flags.items()})
    fig = forest_plot(rows, kind=kind)
    fig.suptitle(f"Funnel: {kind} effect at each stage, treatment vs control", fontsize=12)
    return fig


def _stage_decisions(result: Result, record: Any) -> dict[tuple[str, str], str]:
    """(treatment, stage) -> colour of the decision of that stage's first-stage row (else its conditional row)."""
    out: dict[tuple[str, str], str] = {}
    rows = record["rows"]
    for metric, treatment, decision in zip(result["metric"], result["treatment"], result.decision, strict=True):
        info = rows.get(metric)
        if info is None or info["kind"] == "overall":
            continue
        key = (str(treatment), info["stage"])
        if info["kind"] == "stage" or key not in out:
            out[key] = decision_colour(decision)
    return out
