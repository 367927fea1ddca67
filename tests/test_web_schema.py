"""The explorer's API against its own OpenAPI document: schemathesis generates requests from /openapi.json (valid
ones and ones the schema forbids) and calls the app in-process (ASGI, no socket).

Checks run on every response:
- not_a_server_error: no 5xx, whatever the query;
- status_code_conformance: every status answered is documented for the operation;
- content_type_conformance: the media type answered is the one documented for that status (JSON, SVG, GIF);
- response_schema_conformance: JSON bodies validate against the documented schema (the Error model for 422);
- negative_data_rejection: a query the schema forbids is refused with a 4xx.

Not run: positive_data_acceptance. The schema states each parameter's own range, but whether a layer exists
depends on several at once (padding against the kernel and input, output_padding below the stride or the
dilation, output_size within its range, the animation's frame limit). OpenAPI cannot express those relations,
so schema-valid queries that the library refuses with a 422 are the documented contract, not a failure.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tconv.web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
# Small examples per operation keep the run bounded; the schema's request limits keep each request small.
schema.config.generation.update(max_examples=30)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=CHECKS)
    # The coverage phase also tries other methods on each path: those are 405, the rest is answered or refused.
    assert response.status_code in ((200, 422) if case.method.upper() == "GET" else (405,)), response.text
