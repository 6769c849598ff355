"""Writes ``schema/spec-<version>.json`` from the model: ``python -m abstats.spec.schema_source``.

A test checks that the published file equals ``ExperimentSpec.model_json_schema()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from abstats.spec.model import SPEC_VERSION, ExperimentSpec

SCHEMA_PATH = Path(__file__).parent / "schema" / f"spec-{SPEC_VERSION}.json"


def build_schema() -> dict[str, Any]:
    """The model's JSON Schema with its ``$schema`` and ``$id``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://abstats.dev/schema/spec-{SPEC_VERSION}.json",
        **ExperimentSpec.model_json_schema(),
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
