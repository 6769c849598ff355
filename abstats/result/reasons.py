"""Pieces of reason texts that several methods share.

Each method owns its rule codes and their texts (``Method.rules``); the Result formats a
row's text only when a user asks for it (``reasons``, ``to_frame``, ``to_dict``, ``str``),
so scoring 100,000 rows pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Row = Mapping[str, Any]
Settings = Mapping[str, Any]

_CORRECTION_LABEL = {
    "bonferroni": "Bonferroni-adjusted p",
    "holm": "Holm-adjusted p",
    "benjamini_hochberg": "BH-adjusted p",
    "benjamini_yekutieli": "BY-adjusted p",
}


def p_label(settings: Settings) -> str:
    """``p`` or the name of the adjusted p-value under the recorded correction."""
    correction = settings.get("correction", "none")
    if correction == "none":
        return "p"
    return _CORRECTION_LABEL.get(correction, "adjusted p")


def direction_text(row: Row) -> str:
    """Which way the treatment moved and which way is better."""
    side = "higher" if row["effect"] > 0 else "lower"
    better = "higher" if row["higher_is_better"] else "lower"
    return f"treatment is {side} than control ({row['effect']:+.4g}) and {better} is better"


def undefined_text(row: Row, settings: Settings) -> str:
    return "the test is undefined for this row (see warnings): no verdict"


def _srm(row: Row, settings: Settings) -> str:
    return (
        f"sample-ratio mismatch: {_srm_test_label(settings)} p = {row['srm_p_value']:.3g} < srm_alpha = "
        f"{settings['srm_alpha']:g} "
        f"({row['control_n']:.0f} control vs {row['treatment_n']:.0f} treatment units against the planned split "
        f"{settings.get('expected_split', 'equal')}): the assignment may be broken, so no statistical verdict: "
        "investigate"
    )


def _no_traffic(row: Row, settings: Settings) -> str:
    arm = "control" if row["control_n"] == 0 else "treatment"
    return (
        f"the {arm} received no units (n = 0): there is nothing to compare and the assignment is broken "
        "(see the SRM check): investigate"
    )


# Rules any method's rows can carry: the analysis applies them after the method has scored.
SHARED_RULES = {"srm": _srm, "no_traffic": _no_traffic}


def _srm_test_label(settings: Settings) -> str:
    return "exact-test" if settings.get("srm_test") == "exact" else "chi-square"
