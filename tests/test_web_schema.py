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
ignored_auth, object_level_authorization (no authentication). positive_data_acceptance has its own test below:
the schema states each parameter's own range and each endpoint's modes (/api/explain and /api/overlap take only
mode=transposed), but whether a layer exists depends on several parameters at once, which OpenAPI cannot express
(the descriptions say it). A schema-valid query may be refused only by one of CROSS_PARAMETER_RULES, each named
with its reason; any other 422 fails.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")
import schemathesis
from hypothesis import settings
from schemathesis import GenerationMode
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
@settings(max_examples=30, deadline=None, derandomize=True, database=None)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=CHECKS)
    # The coverage phase also tries other methods on each path: those are 405, the rest is answered or refused.
    assert response.status_code in ((200, 422) if case.method.upper() == "GET" else (405,)), response.text


#: The refusals of schema-valid queries: rules between parameters, each with the reason OpenAPI cannot state it.
CROSS_PARAMETER_RULES = {
    "every size lists the same number of axes (5, is one axis, 5,4 two): a rule between all the sizes":
        r"the sizes disagree on the number of axes",
    "output_padding must be below max(stride, dilation): a bound set by two other parameters":
        r"output_padding \d+ on axis \d+ must be smaller than stride",
    "output_padding and output_size exist for transposed convolution only: a bound set by mode":
        r"(output_padding|output_size) .*only applies to transposed convolution",
    "output_size must lie in the range the other sizes give": r"output_size \d+ on axis \d+ is out of range",
    "padding must leave an output: a bound set by the input, kernel, stride and dilation":
        r"padding \d+ on axis \d+ leaves no output",
    "a direct convolution pads at most half its kernel (PyTorch's rule): a bound set by kernel_size":
        r"padding \d+ on axis \d+ must be at most half of the kernel size",
    "a direct convolution's kernel must fit the padded input: set by input_size and padding":
        r"kernel_size \d+ on axis \d+ \(dilated span \d+\) is larger than the padded input",
    "scene views pair with modes (gather and scatter transposed, conv direct): a rule between view and mode":
        r"view '\w+' draws a (direct|transposed) convolution",
    "pooling is drawn on the direct convolution only: a rule between pool and mode": r"pool",
    "a drawing has at most so many cells and frames: a product of all the sizes": r"are drawn|frames",
    "an overlap map has at most a million cells: a product of the sizes and the layers stacked":
        r"the overlap map after \d+ layer\(s\) would have [\d,]+ cells",
    "a walkthrough shows at most so many products: a product of all the sizes": r"a walkthrough shows",
    "a render stays within the server's memory budget: set by all the sizes together": r"memory budget",
    "typed values come with each other (x with w) and are shaped as the sizes say: rules between x, w, i and k":
        r"^(input values|kernel values): |^x and w: give both",
}

positive = schemathesis.openapi.from_asgi("/openapi.json", create_app(pool="thread"))
positive.config.generation.update(max_examples=30, modes=[GenerationMode.POSITIVE])


@positive.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None)  # the same queries here and in CI
def test_schema_valid_queries_are_answered_or_refused_by_a_named_rule(case: schemathesis.Case) -> None:
    if case.method.upper() != "GET":
        return  # the coverage phase's other methods: 405, checked above
    response = case.call()
    if response.status_code == 422:
        detail = response.json()["detail"]
        named = [reason for reason, rule in CROSS_PARAMETER_RULES.items() if re.search(rule, detail)]
        assert named, f"a schema-valid query refused by no documented rule: {case.path} {case.query}: {detail}"
    else:
        assert response.status_code == 200, response.text
