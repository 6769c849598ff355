"""Builds the Result's JSON Schema from the column list, the vocabulary and the registered methods.

The published file (``abstats/result/schema/result-<version>.json``) is this function's output;
a test checks the two agree. Re-write the file after changing a column or a rule code::

    python -m abstats.result.schema_source
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from abstats.result.columns import COLUMNS
from abstats.result.reasons import SHARED_RULES
from abstats.result.result import SCHEMA_VERSION
from abstats.result.warnings import MESSAGES
from abstats.vocabulary import ALTERNATIVES, CORRECTIONS, DECISIONS, FAMILIES, HYPOTHESES, MARGIN_TYPES, ROLES, VERDICTS

_TYPES: dict[str, Any] = {
    "id": ["string", "integer"],
    "number": "number",
    "number?": ["number", "null"],
    "string": "string",
    "string?": ["string", "null"],
    "boolean": "boolean",
    "boolean?": ["boolean", "null"],
}

_DESCRIPTION = (
    "One row per experiment x metric x treatment-vs-control comparison. Effects are treatment - control; "
    "relative effects treatment / control - 1. null marks a value the method does not produce, an undefined value "
    "(see warnings) or the unbounded side of a one-sided interval."
)


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``Result.to_dict()`` for the built-in methods."""
    from abstats.methods.registry import METHODS

    methods = [METHODS.get(name) for name in METHODS.names()]
    rules = sorted({*SHARED_RULES, *(code for m in methods for code in m.rules)})
    warnings = sorted({*MESSAGES, *(code for m in methods for code in m.warnings)})
    columns: dict[str, Any] = {}
    for name, kind, description in COLUMNS:
        spec: dict[str, Any] = {"type": _TYPES[kind], "description": description}
        enum = {"decision": list(DECISIONS), "rule": rules, "role": list(ROLES)}.get(name)
        if enum is not None:
            spec["enum"] = enum
        columns[name] = spec
    columns["warnings"] = {
        "type": "array",
        "description": "warnings of this row",
        "items": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {"code": {"type": "string", "enum": warnings}, "message": {"type": "string"}},
        },
    }
    label = {"type": ["string", "integer"]}
    verdict = {
        "experiment": label,
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "ship": {"type": "array", "items": label, "description": "treatments that ship"},
        "reason": {"type": "string"},
    }
    verdict_rows = {
        "type": "array",
        "description": "one verdict per experiment: the primary metrics decide, a failed guardrail vetoes, "
        "a sample-ratio mismatch makes it investigate",
        "items": {"type": "object", "required": list(verdict), "additionalProperties": False, "properties": verdict},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://abstats.dev/schema/result-{SCHEMA_VERSION}.json",
        "title": "abstats Result",
        "description": _DESCRIPTION,
        "type": "object",
        "required": ["schema_version", "method", "settings", "verdicts"],
        "additionalProperties": False,
        # to_json(orient="rows") writes "comparisons" (objects), orient="columns" writes "columns" (arrays)
        "oneOf": [
            {"required": ["comparisons"], "properties": {"verdicts": {"type": "array"}, "columns": False}},
            {"required": ["columns"], "properties": {"verdicts": {"type": "object"}, "comparisons": False}},
        ],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "method": {"type": "string", "enum": [m.name for m in methods]},
            "settings": {
                "type": "object",
                "description": "every setting that changes a number: alpha, alternative, correction, variance "
                "choices, priors, thresholds, the metrics' roles and margins. Shared settings take the values of "
                "abstats.vocabulary.",
                "properties": {
                    "alternative": {"enum": list(ALTERNATIVES)},
                    "correction": {"enum": list(CORRECTIONS)},
                    "margin_type": {"enum": list(MARGIN_TYPES)},
                    "hypothesis": {"enum": list(HYPOTHESES)},
                    "family": {"enum": list(FAMILIES)},
                },
            },
            "verdicts": {
                "description": "row orientation: an array of verdict objects; column orientation: an object of "
                "equal-length arrays, one per verdict field",
                "oneOf": [verdict_rows, _as_columns(verdict, "verdicts as columns, one element per experiment")],
            },
            "comparisons": {
                "type": "array",
                "description": "row orientation (the default): one object per comparison",
                "items": {
                    "type": "object",
                    "required": list(columns),
                    "additionalProperties": False,
                    "properties": columns,
                },
            },
            "columns": _as_columns(columns, "column orientation (to_json(orient=\"columns\")): each comparison "
                                   "field as one array, element i of every array being comparison i"),
        },
    }


def _as_columns(fields: dict[str, Any], description: str) -> dict[str, Any]:
    """An object holding, for each field of a record, an array of that field's values."""
    return {
        "type": "object",
        "description": description,
        "required": list(fields),
        "additionalProperties": False,
        "properties": {name: {"type": "array", "items": spec} for name, spec in fields.items()},
    }


def write_schema() -> Path:
    """Write :func:`build_schema` to the package's schema file for this version."""
    path = Path(__file__).parent / "schema" / f"result-{SCHEMA_VERSION}.json"
    path.write_text(json.dumps(build_schema(), indent=2) + "\n")
    return path


if __name__ == "__main__":
    print(write_schema())
