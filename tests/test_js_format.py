"""The JavaScript engine writes numbers as the library does (format.js against tconv._format.format_number)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import js_mirror
from tconv._format import format_number

# the shared fixtures, used here by name
js, site_url = js_mirror.js, js_mirror.site_url

TIES = [1.0625, 2.5e-7, 0.00012345, 12345.0, 1e15, 1.5e15, 99995.0, 0.99995, -1.0625, 1 / 3, 1e-5, 123.45, 0.0]


@pytest.mark.parametrize("v", TIES, ids=str)
def test_hand_picked_numbers_are_written_as_python_writes_them(js, v):
    assert js("format.js", "formatNumber", v) == {"value": format_number(v)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                          st.integers(-10**6, 10**6),
                          st.decimals(-1000, 1000, places=4).map(float)), min_size=1, max_size=50))
def test_drawn_numbers_are_written_as_python_writes_them(js, values):
    got = js.many("format.js", "formatNumber", [[v] for v in values])
    assert [g["value"] for g in got] == [format_number(v) for v in values]
