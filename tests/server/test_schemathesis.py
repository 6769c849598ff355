"""Schemathesis against the live OpenAPI description: no input gives a 500, every answer follows its schema.

Positive (schema-valid) and negative (schema-breaking) requests for every operation, sent in process
to the ASGI app. Bounded (``max_examples`` per operation, no deadline) to stay under a minute on 2 cores.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from abstats.server import create_app

pytestmark = pytest.mark.http

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
# Zero server errors, zero schema violations, only documented statuses and content types. Not
# positive_data_acceptance: a schema-valid body may still break a rule the schema cannot say
# (conversions <= n), and that is a correct 422.
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_responses_follow_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
