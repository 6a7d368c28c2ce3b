"""Property-based requests from the served OpenAPI document (schemathesis), valid and invalid,
on PostgreSQL (which refuses NUL and out-of-range integers): no answer is a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.integration.producer.api.conftest import COHORT, Api

# Per operation: bounded, so both runs together take well under a minute.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 80}


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
def test_no_request_from_the_openapi_document_gets_a_server_error(
    api: Api, mode: GenerationMode
) -> None:
    api.upload(api.a, "c.csv", COHORT)  # one real batch, so listings have something to show
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    seen: dict[str, set[int]] = {}

    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=api.a.auth)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            assert "Traceback" not in response.text
            if 400 <= response.status_code < 500 and case.operation.path.startswith("/v1/"):
                assert set(response.json()) == {"code", "message"}

        try:
            check()
        except Unsatisfiable:
            # Nothing of this operation can be made invalid (no parameters, no body).
            assert mode == GenerationMode.NEGATIVE and not operation.definition.raw.get(
                "parameters"
            )
    # Every operation with something to vary was reached, and none answered with a 5xx.
    assert len(seen) >= 10
    assert all(
        code < 500 or label.endswith("/healthz") for label, codes in seen.items() for code in codes
    )
    if mode == GenerationMode.NEGATIVE:
        # Invalid input is refused, not served.
        assert {code for codes in seen.values() for code in codes} & {404, 422}
