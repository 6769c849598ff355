"""The common Result object, its JSON schema and its renderings."""

from abstats.result.result import SCHEMA_VERSION, Result, result_schema

__all__ = ["SCHEMA_VERSION", "Result", "result_schema"]
