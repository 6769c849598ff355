"""Funnel sentences of a Result's reason and warning texts, read from ``settings["funnel"]``.

Imported by :mod:`abstats.result` itself: imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Row = Mapping[str, Any]
Settings = Mapping[str, Any]
RuleText = Callable[[Row, Settings], str]


def with_funnel_context(texts: Mapping[str, RuleText]) -> dict[str, RuleText]:
    """Every rule text followed by what the funnel adds to its row (see :func:`funnel_context`)."""
    return {code: _followed_by_context(text) for code, text in texts.items()}


def _followed_by_context(text: RuleText) -> RuleText:
    def reason(row: Row, settings: Settings) -> str:
        extra = funnel_context(row, settings)
        return text(row, settings) + (f". {extra}" if extra else "")

    return reason


def funnel_context(row: Row, settings: Settings) -> str:
    """The overall row: each variant's bottleneck and where this treatment differs most; a conditional row:
    that it is not randomised; other rows: nothing."""
    funnel = settings.get("funnel")
    if not isinstance(funnel, Mapping):
        return ""
    info = funnel.get("rows", {}).get(row["metric"])
    if info is None:
        return ""
    if info["kind"] == "conditional":
        return (f"Conditional on reaching {info['previous']}: not randomised (the arms' {info['previous']} "
                "units may differ in kind), so this locates a change; decide on the first-stage rows")
    if info["kind"] != "overall":
        return ""
    wanted = {str(row["control"]), str(row["treatment"])}
    bottlenecks = ", ".join(f"{b['variant']} at {b['stage']} ({b['drop_off']:.1%} drop off)"
                            for b in funnel["bottleneck"] if str(b["variant"]) in wanted)
    text = f"Bottleneck (largest drop-off): {bottlenecks}"
    for d in funnel["differs_most"]:
        if str(d["treatment"]) == str(row["treatment"]):
            text += (f"; {d['treatment']} differs most at {d['stage']} (stage conversion {d['treatment_rate']:.2%} "
                     f"vs {d['control_rate']:.2%}, {d['rel_diff']:+.1%})")
    return text


def selection_warning(row: Row, settings: Settings) -> str:
    """Message of the ``funnel_selection`` warning."""
    funnel = settings.get("funnel", {})
    info = funnel.get("rows", {}).get(row["metric"], {})
    p = funnel.get("selection_p", {}).get(str(row["treatment"]), {}).get(row["metric"], float("nan"))
    previous = info.get("previous", "the previous stage")
    return (f"the arms reach {previous} in different proportions (z-test of the share of first-stage units, "
            f"p = {p:.3g} < {funnel.get('selection_alpha', 0.05):g}): the units compared at this "
            "stage were selected differently by the treatment, so this conditional comparison may be biased")
