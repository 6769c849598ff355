"""Every funnel entry point, fed strings, booleans, None, NaN, wrong containers and wrong objects: a named
abstats error (a ``ValueError``), never an AttributeError, TypeError or numpy error from inside."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from ibis import _

import abstats

BAD: dict[str, Any] = {
    "string": "0.05",
    "bool": True,
    "none": None,
    "nan": math.nan,
    "list": [1, 2],
    "dict": {"a": 1},
    "object": object(),
}
STAGES = ["visit", "cart", "buy"]
COUNTS = {"c": [1000, 300, 90], "t": [1000, 320, 110]}
FUNNEL_COUNTS = abstats.Funnel(STAGES).from_counts(COUNTS)


def _analyze(**kwargs: Any) -> Any:
    return FUNNEL_COUNTS.analyze(**kwargs)


EVENTS = pd.DataFrame({"user": [1, 1, 2, 2, 3], "variant": ["c", "c", "t", "t", "t"],
                       "event": ["visit", "buy", "visit", "cart", "visit"],
                       "ts": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 11:00", "2026-01-01 10:00",
                                             "2026-01-01 12:00", "2026-01-02 09:00"])})
EVENT_FUNNEL = abstats.Funnel({"visit": _.event == "visit", "cart": _.event == "cart", "buy": _.event == "buy"})


def _from_events(**kwargs: Any) -> Any:
    return EVENT_FUNNEL.from_events(EVENTS, **kwargs)


ENTRY_POINTS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "Funnel": (abstats.Funnel, {"stages": STAGES, "order": "strict", "window": "7 days"}),
    "from_counts": (abstats.Funnel(STAGES).from_counts, {"counts": COUNTS}),
    "analyze": (_analyze, {"control": "c", "base": "first", "selection_alpha": 0.05, "srm_alpha": 0.001,
                           "method": "frequentist", "alpha": 0.05}),
    "from_events": (_from_events, {"unit": "user", "timestamp": "ts", "variant": "variant",
                                   "exposure": _.event == "visit", "metrics": None, "connection": None}),
}
# documented valid values of these types
VALID: dict[tuple[str, str], set[str]] = {
    ("Funnel", "window"): {"none"},
    ("Funnel", "stages"): {"dict"},  # {name: condition}: a funnel for events (its condition is checked there)
    ("from_events", "exposure"): {"none"},
    ("from_events", "metrics"): {"none"},
    ("from_events", "connection"): {"none"},
}

CASES = [
    pytest.param(entry, arg, kind, id=f"{entry}-{arg}-{kind}")
    for entry, (_, kwargs) in ENTRY_POINTS.items()
    for arg in kwargs
    for kind in BAD
]


@pytest.mark.parametrize(("entry", "arg", "kind"), CASES)
def test_bad_value_is_a_named_abstats_error(entry: str, arg: str, kind: str) -> None:
    call, kwargs = ENTRY_POINTS[entry]
    bad = {**kwargs, arg: BAD[kind]}
    if kind in VALID.get((entry, arg), set()):
        with contextlib.suppress(abstats.AbstatsError):
            call(**bad)
        return
    with pytest.raises(abstats.AbstatsError) as info:
        call(**bad)
    assert isinstance(info.value, ValueError)


def test_the_valid_calls_work() -> None:
    for call, kwargs in ENTRY_POINTS.values():
        call(**kwargs)
