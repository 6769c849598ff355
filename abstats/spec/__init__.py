"""The experiment spec: one declaration of an analysis for every door (Python, the CLI, the HTTP service).

>>> from abstats.spec import ExperimentSpec, check_rules
>>> spec = ExperimentSpec.model_validate({
...     "data": {"aggregates": [{"variant": "A", "n": 1000, "conversions": 100},
...                             {"variant": "B", "n": 1000, "conversions": 130}]},
...     "control": "A",
...     "metrics": [{"kind": "binary", "name": "signup"}],
... })
>>> check_rules(spec.run(), spec).passed
True

Public surface: :class:`ExperimentSpec` (``from_file``, ``model_validate``, ``run``, ``check``),
:func:`check_rules` -> :class:`CheckOutcome`, :func:`spec_error` (pydantic's ValidationError as one
:class:`abstats.ConfigError`) and :func:`spec_schema` (the published JSON Schema).
"""

from __future__ import annotations

import json
from typing import Any

from abstats.spec.errors import SpecError, spec_error
from abstats.spec.model import (
    SPEC_VERSION,
    BinaryMetricSpec,
    CheckRules,
    ColumnRef,
    DataSpec,
    EventsSource,
    ExperimentSpec,
    MeanMetricSpec,
    RatioMetricSpec,
)
from abstats.spec.rules import CheckOutcome, check_rules

__all__ = [
    "SPEC_VERSION",
    "BinaryMetricSpec",
    "CheckOutcome",
    "CheckRules",
    "ColumnRef",
    "DataSpec",
    "EventsSource",
    "ExperimentSpec",
    "MeanMetricSpec",
    "RatioMetricSpec",
    "SpecError",
    "check_rules",
    "spec_error",
    "spec_schema",
]


def spec_schema() -> dict[str, Any]:
    """The published JSON Schema of the spec (``abstats/spec/schema/spec-1.0.json``)."""
    from importlib.resources import files

    schema: dict[str, Any] = json.loads(
        files("abstats.spec").joinpath(f"schema/spec-{SPEC_VERSION}.json").read_text(encoding="utf-8")
    )
    return schema
