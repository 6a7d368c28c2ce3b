"""Property-based requests from the served OpenAPI document (schemathesis): no answer is a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.integration.producer.api.conftest import COHORT, Api

EXAMPLES = 25  # per operation: bounded, so the run takes seconds, not minutes


def test_no_request_from_the_openapi_document_gets_a_server_error(api: Api) -> None:
    api.upload(api.a, "c.csv", COHORT)  # one real batch, so listings have something to show
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    seen: dict[str, set[int]] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=api.a.auth)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            assert "Traceback" not in response.text

        check()
    # Every operation was reached, and none answered with a 5xx (checked above).
    assert set(seen) == {op.label for op in operations}
    assert all(
        code < 500 or label.endswith("/healthz") for label, codes in seen.items() for code in codes
    )
