"""The explorer's API against its own OpenAPI document: schemathesis generates requests from /openapi.json (valid
ones and ones the schema forbids) and calls the app in-process (ASGI, no socket).

Checks run on every response:
- not_a_server_error: no 5xx, whatever the query;
- status_code_conformance: every status answered is documented for the operation;
- content_type_conformance: the media type answered is the one documented for that status (JSON, SVG, GIF);
- response_schema_conformance: JSON bodies validate against the documented schema (the Error model for 422);
- response_headers_conformance: documented response headers (the downloads' Content-Disposition) are well formed;
- negative_data_rejection: a query the schema forbids is refused with a 4xx;
- missing_required_header: trivially true, no operation requires a header (kept so that one added later is checked);
- unsupported_method, allow_header_conformance: other methods on a path are 405 with an Allow header naming GET.

Not run: use_after_free, ensure_resource_availability (no resources are created: the API is stateless),
ignored_auth, object_level_authorization (no authentication), and positive_data_acceptance. The schema states
each parameter's own range, but whether a layer exists depends on several at once (padding against the kernel
and input, output_padding below the stride or the dilation, output_size within its range, the animation's frame
limit). OpenAPI cannot express those relations, so schema-valid queries that the library refuses with a 422 are
the documented contract, not a failure.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tconv.web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
# 30 generated queries per operation (plus the coverage phase's boundary and missing-parameter cases) keep the
# run to about 20 s on two cores. derandomize: the same queries every run, so CI time is stable and a failure
# reproduces; the hypothesis fuzz in test_web_api.py is the one that explores.
schema.config.generation.update(max_examples=30)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=CHECKS)
    # The coverage phase also tries other methods on each path: those are 405, the rest is answered or refused.
    assert response.status_code in ((200, 422) if case.method.upper() == "GET" else (405,)), response.text
