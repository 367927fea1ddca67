"""Typed values are read alike by the page (static/values.js) and the web API (tconv.web.values): the same arrays,
the same refusals with the same messages, on drawn texts and sizes; and the API draws and explains them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import js_mirror
from tconv.errors import TconvError
from tconv.web.app import create_app
from tconv.web.values import parse_values

# the shared fixtures, used here by name
js, site_url = js_mirror.js, js_mirror.site_url

TOKENS = st.one_of(
    st.integers(-20, 20).map(str),
    st.decimals(-100, 100, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e3", "2E-2", ".5", "5.", "-0", "+3", "1e7", "-2000000", "abc", "1,", "", "0x10", "1_0", "١",
                     "inf", "NaN", " "]),
)


@st.composite
def texts(draw: st.DrawFn) -> tuple[str, str, list[int]]:
    rows = draw(st.lists(st.lists(TOKENS, min_size=0, max_size=5), min_size=1, max_size=5))
    sep = draw(st.sampled_from([",", " ", ", ", "\t"]))
    flat = ";".join(sep.join(r) for r in rows)
    which = draw(st.sampled_from(["x", "w"]))
    nd = draw(st.sampled_from([1, 2]))
    if draw(st.booleans()):  # mostly the size typed, so that the numbers themselves are read
        size = [len(rows[0])] if nd == 1 else [len(rows), len(rows[0])]
        size = [max(1, n) for n in size]
    else:
        size = draw(st.lists(st.integers(1, 6), min_size=nd, max_size=nd))
    return flat, which, size


def python_answer(flat: str, which: str, size: list[int]) -> dict:
    try:
        v = parse_values(flat, which, tuple(size))
    except TconvError as exc:
        return {"error": str(exc)}
    return {"value": [list(r) for r in v] if len(size) == 2 else list(v)}


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(texts(), min_size=30, max_size=30))
def test_typed_values_are_read_alike_by_the_page_and_the_api(js, cases) -> None:
    got = js.many("values.js", "parseValues", [[flat, which, size, "en"] for flat, which, size in cases])
    for (flat, which, size), answer in zip(cases, got):
        want = python_answer(flat, which, size)
        if "error" in want:
            assert answer.get("error", {}).get("en") == want["error"], (flat, which, size, answer)
            assert answer["error"]["zh"] and answer["error"]["zh"] != answer["error"]["en"]
        else:
            assert answer.get("value") == want["value"], (flat, which, size, answer)


@pytest.mark.parametrize(("flat", "size", "message"), [
    ("4,4,3;0,3,4", (3, 3), "input values: 2 × 3 typed, but input_size is 3 × 3: type 3 × 3 values, or clear both "
                            "boxes for random ones"),
    ("1,a", (1, 2), 'input values: "a" (row 1) is not a number'),
    ("1e7", (1,), "input values: 1e7 is beyond ±1,000,000"),
    ("1;2", (2,), "input values: a 1-D layer takes one row; 2 rows were typed"),
], ids=["wrong-shape", "not-a-number", "too-large", "rows-in-1d"])
def test_bad_values_are_told_at_their_box(js, flat: str, size: tuple[int, ...], message: str) -> None:
    with pytest.raises(TconvError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        parse_values(flat, "x", size)
    got = js("values.js", "parseValues", flat, "x", list(size), "zh")["error"]
    assert got["en"] == message and got["message"] == got["zh"] and got["zh"].startswith("输入的数值：")


client = TestClient(create_app(pool="thread"))
EXAMPLE = {"mode": "transposed", "i": "3", "k": "2", "s": "1", "p": "0", "op": "0", "d": "1",
           "x": "4,4,3;0,3,4;2,3,2", "w": "1,2;0,1"}


@pytest.mark.parametrize(("padding", "output"), [
    ("0", [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]),
    ("1", [[7, 14], [7, 11]]),
], ids=["padding-0", "padding-1"])
def test_the_api_draws_and_explains_typed_values(padding: str, output: list[list[int]]) -> None:
    query = EXAMPLE | {"p": padding}
    explained = client.get("/api/explain", params=query | {"view": "gather"})
    assert explained.status_code == 200, explained.text
    assert explained.json()["output"] == [output]
    scene = client.get("/api/scene", params=query | {"view": "scatter", "values": "true"}).json()["scene"]
    finals: dict[tuple[int, int], float] = {}
    for f in scene["frames"]:
        for _panel, r, c, v in f["updates"]:
            finals[(r, c)] = v
    pad = int(padding)
    kept = [[finals[(r + pad, c + pad)] for c in range(len(output))] for r in range(len(output))]
    assert kept == output


@pytest.mark.parametrize(("extra", "detail"), [
    ({"w": None}, "x and w: give both typed input and kernel values, or neither (then random integers from the seed)"),
    ({"i": "4"}, "input values: 3 × 3 typed, but input_size is 4 × 4: type 4 × 4 values, or clear both boxes for "
                 "random ones"),
], ids=["x-without-w", "sizes-disagree"])
def test_the_api_refuses_typed_values_that_do_not_fit(extra: dict, detail: str) -> None:
    query = {k: v for k, v in (EXAMPLE | extra).items() if v is not None}
    r = client.get("/api/shape", params=query)
    assert r.status_code == 422 and r.json()["detail"] == detail
