"""Property-based tests from the app's own OpenAPI description (schemathesis): whatever a client sends,
valid or malformed, the answer is never a server error, and documented answers match their schemas.

Each operation gets its cases from `APIOperation.as_strategy` under Hypothesis; schemathesis' own pytest
loader (`schemathesis.pytest.from_fixture`) fails on pytest 9 (`Function._nodeid`), so it is not used."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from web.app import create_app
from worker.queue import queue_for

EXAMPLES = 25  # per operation and mode: about 600 requests, well under a minute


@pytest.fixture
def api_schema(seeded, redis):
    """The live schema of an app whose record holds one finished document, and that document's ids."""
    app_settings, ids = seeded
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(app_settings)), ids
    queue_for(app_settings, redis).empty()  # uploads enqueue jobs; no worker runs here


def existing(path: str, ids: dict) -> dict:
    """Path parameters that name the seeded document, page and a cell, so valid cases reach real rows."""
    known = {"doc_id": ids["document"], "cell_id": ids["review"], "number": 1}
    return {name: value for name, value in known.items() if "{" + name + "}" in path}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "malformed"])
def test_no_request_gets_a_server_error(api_schema, mode):
    schema, ids = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    operations.sort(key=lambda op: op.path.endswith("/reprocess"))  # it clears the document: last
    checks = [not_a_server_error] + ([response_schema_conformance] if mode == GenerationMode.POSITIVE else [])
    for operation in operations:
        cases = operation.as_strategy(generation_mode=mode)
        if mode == GenerationMode.POSITIVE and existing(operation.path, ids):
            cases = st.one_of(cases, operation.as_strategy(path_parameters=existing(operation.path, ids)))

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_server_error(case):
            case.call_and_validate(checks=checks)

        try:
            no_server_error()
        except Unsatisfiable:  # nothing to get wrong: an operation without parameters or body
            assert (
                mode == GenerationMode.NEGATIVE
                and not operation.path_parameters
                and not operation.query
                and not list(operation.body)
            ), operation.label
