"""One colour per decision, shared by plots, HTML, the terminal and the report.

Colour means the decision everywhere a Result is shown, so a reader who learned green = ship in a plot reads
the table the same way. Hex colours are GitHub's Primer palette (readable on white and in colour-blind
simulation for the green/red pair thanks to the distinct lightness); terminal styles are rich style names.
"""

from __future__ import annotations

from abstats.vocabulary import DECISIONS, Decision

DECISION_COLOURS: dict[Decision, str] = {
    "stop_winner": "#1a7f37",
    "stop_loser": "#cf222e",
    "stop_futility": "#8250df",
    "investigate": "#bc4c00",
    "inconclusive": "#57606a",
    "continue": "#0969da",
}
"""Hex colour of each decision, for matplotlib and HTML."""

DECISION_TERMINAL_STYLES: dict[Decision, str] = {
    "stop_winner": "bold green",
    "stop_loser": "bold red",
    "stop_futility": "magenta",
    "investigate": "bold yellow",
    "inconclusive": "dim",
    "continue": "blue",
}
"""rich style of each decision, for terminal tables."""

NEUTRAL_COLOUR = "#57606a"
"""Colour of a row without a decision (missing or unknown)."""

assert set(DECISION_COLOURS) == set(DECISIONS) == set(DECISION_TERMINAL_STYLES)  # every decision has a colour


def decision_colour(decision: object) -> str:
    """Hex colour of ``decision``; the neutral grey for anything that is not a decision.

    Parameters
    ----------
    decision
        A decision code such as ``"stop_winner"`` (or None / NaN for rows without one).

    Examples
    --------
    >>> decision_colour("stop_winner")
    '#1a7f37'
    """
    return DECISION_COLOURS.get(decision, NEUTRAL_COLOUR) if isinstance(decision, str) else NEUTRAL_COLOUR  # type: ignore[call-overload]
