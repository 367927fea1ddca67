"""tconv.Explorer, the notebook widget, on its Python side, without a browser: its traits, the refusals (the web
API's, word for word where the API has the state's words), what it exposes (report, to_svg, arrays), the layers it
opens, the view's messages (simulated as ipywidgets delivers them: ``set_state`` with JSON lists) and the
walkthrough it answers over the comm."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st

import tconv
from tconv._extras import install_hint
from tconv.arrays import random_arrays
from tconv.report import layer_report
from tconv.web.app import create_app
from tconv.web.jobs import explain_info, parse_config, shape_info

pytest.importorskip("anywidget")
from tconv.notebook import Explorer, ExplorerError

SIZE_KNOBS = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")
TRAITS = (*SIZE_KNOBS, "output_size", "output_size_given", "mode", "view", "lang", "values", "numbers", "layers",
          "frame")
# the API, in-process: the oracle of which states are refused (its schema holds the request limits)
API = TestClient(create_app(workers=1, pool="thread"))
SVG = "{http://www.w3.org/2000/svg}"


def traits(ex: Explorer) -> dict[str, Any]:
    return {name: getattr(ex, name) for name in TRAITS}


def output_rects(svg: str) -> int:
    """The output panel's cells in an SVG scene (each a rect with id "output-row-col")."""
    return sum(1 for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("id", "").startswith("output-"))


# ---- defaults and the knobs' semantics


def test_defaults_are_the_page_s() -> None:
    ex = Explorer()
    assert traits(ex) == {
        "input_size": (3, 3), "kernel_size": (3, 3), "stride": (1, 1), "padding": (0, 0), "output_padding": (0, 0),
        "dilation": (1, 1), "output_size": (5, 5), "output_size_given": False, "mode": "transposed", "view": "gather",
        "lang": "en", "values": 0, "numbers": True, "layers": 1, "frame": 0}


def test_three_to_seven_with_stride_two() -> None:
    assert Explorer(input_size=3, kernel_size=3, stride=2).output_size == (7, 7)


def test_scalars_are_a_square_layer_and_a_one_tuple_one_axis() -> None:
    ex = Explorer(input_size=(5,), kernel_size=3, stride=2, padding=1)
    assert (ex.input_size, ex.kernel_size, ex.stride, ex.output_size) == ((5,), (3,), (2,), (9,))
    ex.stride = 1  # an int on a 1-D state is one axis
    assert (ex.stride, ex.output_size) == ((1,), (5,))
    assert Explorer(input_size=(5, 4), kernel_size=(3, 2)).output_size == (7, 5)


def test_output_size_asked_for_then_derived_again() -> None:
    ex = Explorer(3, 3, stride=2)
    ex.output_size = 8
    assert (ex.output_size, ex.output_size_given, ex.report()["output_padding"]) == ((8, 8), True, [1, 1])
    with pytest.raises(tconv.TconvError, match=r"output_size 8 on axis 0 is out of range"):
        ex.padding = 1  # asked for: kept, so checked against the new layer (5..6 with padding 1)
    assert (ex.padding, ex.output_size, ex.output_size_given) == ((0, 0), (8, 8), True)
    ex.output_size = None
    assert (ex.output_size, ex.output_size_given) == ((7, 7), False)
    ex.stride = 3  # derived: it follows
    assert ex.output_size == (9, 9)
    ex.output_size = (9, 10)
    assert (ex.output_size, ex.output_size_given, ex.report()["output_padding"]) == ((9, 10), True, [0, 1])
    ex.output_size_given = False
    assert (ex.output_size, ex.output_size_given) == ((9, 9), False)
    ex.output_size_given = True  # the size on screen becomes the one asked for
    with pytest.raises(tconv.TconvError, match=r"output_size 9 on axis 0 is out of range"):
        ex.stride = 4  # (3 − 1)·4 + 3 = 11..14: 9 is not among them
    assert (ex.stride, ex.output_size, ex.output_size_given) == ((3, 3), (9, 9), True)


def test_output_size_is_the_library_s_refusal_and_changes_nothing() -> None:
    ex = Explorer(3, 3, stride=2)
    before = traits(ex)
    with pytest.raises(tconv.TconvError) as err:
        ex.output_size = 9
    assert str(err.value) == ("output_size 9 on axis 0 is out of range: requested [9, 9], but valid sizes range from "
                              "[7, 7] to [8, 8] for an input of size [3, 3]")
    assert isinstance(err.value, ValueError) and traits(ex) == before


def test_conv_mode_ignores_output_padding_and_drops_an_asked_output_size() -> None:
    ex = Explorer(5, 3, stride=2, output_padding=1, output_size=12)
    ex.mode = "conv"
    assert (ex.output_size, ex.output_size_given, ex.output_padding) == ((2, 2), False, (1, 1))
    with pytest.raises(tconv.TconvError, match="only applies to transposed convolution"):
        ex.output_size = 2
    ex.mode = "transposed"
    assert (ex.output_size, ex.output_size_given) == ((12, 12), False)  # from output_padding 1, kept


def test_several_knobs_change_together_in_a_hold_block() -> None:
    ex = Explorer(3, 3, stride=2, output_padding=1)
    with pytest.raises(tconv.TconvError, match=r"output_padding 1 on axis 0 must be smaller than stride \(1\)"):
        ex.stride = 1
    with ex.hold_trait_notifications():
        ex.stride = 1
        ex.output_padding = 0
    assert (ex.stride, ex.output_padding, ex.output_size) == ((1, 1), (0, 0), (5, 5))
    # refused together: every knob of the block is put back
    before = traits(ex)
    with pytest.raises(tconv.TconvError, match="output_padding 3"), ex.hold_trait_notifications():
        ex.stride = 2
        ex.output_padding = 3
    assert traits(ex) == before
    # the number of axes changes with every size knob at once
    with ex.hold_trait_notifications():
        for name, value in zip(SIZE_KNOBS, [(6,), 4, 2, 1, 0, 1]):
            setattr(ex, name, value)
    assert (ex.input_size, ex.kernel_size, ex.output_size) == ((6,), (4,), (12,))


@pytest.mark.parametrize(("name", "value", "message"), [
    ("stride", 7, "stride 7 is outside the explorer's limits: valid range: 1 to 6"),
    ("input_size", (3, 17), "input_size 17 on axis 1 is outside the explorer's limits: valid range: 1 to 16"),
    ("stride", "2", "stride must be an integer or a tuple of one or two integers, got '2' (str)"),
    ("stride", 2.0, "stride must be an integer, got 2.0 (float)"),
    ("padding", True, "padding must be an integer, got True (bool)"),
    ("dilation", (1, 1, 1), "dilation (1, 1, 1) lists 3 values: the explorer draws 1-D and 2-D layers"),
    ("kernel_size", (3,), "the sizes disagree on the number of axes"),
    ("mode", "Conv", "mode 'Conv' is not known: choose one of 'transposed', 'conv'"),
    ("view", "conv", "view 'conv' is not known: choose one of 'gather', 'scatter', 'matrix', 'overlap'"),
    ("lang", "fr", "lang 'fr' is not known"),
    ("numbers", 1, "numbers must be True or False, got 1 (int)"),
    ("layers", 5, "layers 5 is outside the explorer's limits: valid range: 1 to 4"),
    ("frame", -1, "frame -1 must be at least 0"),
    ("values", -1, "seed -1 is outside the explorer's limits"),
    ("values", 2**31, "seed 2147483648 is outside the explorer's limits: valid range: 0 to 2147483647"),
    ("values", "3", "values must be a seed"),
    ("output_size", 0, "output_size 0 is outside the explorer's limits: valid range: 1 to 64"),
], ids=lambda v: repr(v) if not (isinstance(v, str) and len(v) > 20) else "")
def test_a_refused_knob_raises_tconv_error_and_changes_nothing(name: str, value: Any, message: str) -> None:
    ex = Explorer(4, 3, stride=2)
    before = traits(ex)
    with pytest.raises(tconv.TconvError) as err:
        setattr(ex, name, value)
    assert message in str(err.value)
    assert traits(ex) == before


# ---- random states: the API's verdict, the API's numbers

def _query_text(value: Any) -> str | None:
    """A size knob as the page's query writes it, or None for a value a query cannot carry (a wrong type)."""
    if isinstance(value, tuple):
        return None if not all(type(v) is int for v in value) else ",".join(map(str, value)) + (
            "," if len(value) == 1 else "")
    return str(value) if type(value) is int else None


def sizes(nd: int, low: int, high: int, typical: int) -> st.SearchStrategy[Any]:
    """A size knob: mostly an int or one per axis within ``low..typical``; one in twenty beyond the limits
    (``low..high``), of a wrong type or of the other number of axes."""
    good = st.integers(low, typical)
    ok = st.one_of(good, st.tuples(*[good] * nd))
    bad = st.one_of(st.integers(low - 2, low - 1), st.integers(high + 1, high + 2), st.tuples(*[good] * (3 - nd)),
                    st.tuples(good, st.integers(high + 1, high + 2)), st.tuples(good, good, good),
                    st.sampled_from(["2", 2.0, True, None, (1.5,), [2]]))
    return st.integers(0, 19).flatmap(lambda r: bad if r == 0 else ok)


@st.composite
def knob_states(draw: st.DrawFn) -> dict[str, Any]:
    nd = draw(st.sampled_from([1, 2]))
    state = {"input_size": draw(sizes(nd, 1, 16, 16)), "kernel_size": draw(sizes(nd, 1, 7, 7)),
             "stride": draw(sizes(nd, 1, 6, 6)), "padding": draw(sizes(nd, 0, 16, 2)),
             "output_padding": draw(sizes(nd, 0, 5, 1)), "dilation": draw(sizes(nd, 1, 4, 4))}
    state["mode"] = draw(st.sampled_from(["transposed"] * 6 + ["conv"] * 3 + ["Conv"]))
    state["output_size"] = draw(st.one_of(*[st.none()] * 4, sizes(nd, 1, 64, 40)))
    state["values"] = draw(st.integers(0, 11).flatmap(
        lambda r: st.sampled_from([-1, 2**31, "3", 2.0]) if r == 0 else st.integers(0, 2**31 - 1)))
    return state


def api_verdict(state: dict[str, Any], via_view: bool) -> dict[str, Any] | None:
    """/api/shape's answer for the state as the page would send it, or None when the state is refused (by the API,
    or before: a type a query cannot carry, a mode the page does not have, output_size asked for in conv mode).
    A refusal by the library (not the schema) is {"refused": its message}. The view's output_size in conv mode is
    its copy of the conv's size: ignored, as the page ignores it."""
    if via_view and state["mode"] == "conv":
        state = state | {"output_size": None}
    texts = {name: _query_text(state[name]) for name in SIZE_KNOBS}
    os_text = None if state["output_size"] is None else _query_text(state["output_size"])
    if None in texts.values() or (state["output_size"] is not None and os_text is None) or type(
            state["values"]) is not int:  # a seed as a string is a query's, not a Python knob's
        return None
    if state["mode"] not in ("transposed", "conv") or (state["mode"] == "conv" and state["output_size"] is not None):
        return None
    query = {"mode": state["mode"], "i": texts["input_size"], "k": texts["kernel_size"], "s": texts["stride"],
             "p": texts["padding"], "op": texts["output_padding"], "d": texts["dilation"], "seed": state["values"]}
    if state["mode"] == "conv":  # the page sends op 0 and no os in conv mode; the op knob is still checked alone
        import re

        from tconv.web.app import size_pattern

        if not re.match(size_pattern("op"), query["op"]):
            return None
        query["op"] = "0"
    elif os_text is not None:
        query["os"] = os_text
    response = API.get("/api/shape", params=query)
    assert response.status_code in (200, 422), response.text
    body = response.json()
    if response.status_code == 422:
        return None if body["parameter"] is not None else {"refused": body["detail"]}
    return body


@settings(max_examples=150)
@given(state=knob_states(), via_view=st.booleans())
def test_a_random_state_is_accepted_exactly_when_the_api_accepts_it(state: dict[str, Any], via_view: bool) -> None:
    ex = Explorer(4, 3, stride=2, padding=1)
    before = traits(ex)
    verdict = api_verdict(state, via_view)
    refused = None if verdict is None else verdict.get("refused")
    expected = None if refused is not None else verdict
    event("accepted" if expected is not None else "refused by the library" if refused else "refused")
    try:
        if via_view:  # as JSON sends it: lists; the output_size asked for with its flag
            message = {k: list(v) if isinstance(v, tuple) else v for k, v in state.items()}
            ex.set_state(message | {"output_size_given": state["output_size"] is not None})
        else:
            with ex.hold_trait_notifications():
                for name, value in state.items():
                    setattr(ex, name, value)
    except tconv.TconvError as err:
        assert expected is None, f"refused ({err}) what the API answers"
        if refused is not None:  # the library's refusal: the API's words
            assert str(err) == refused
        assert isinstance(err, ExplorerError) and traits(ex) == before
        return
    assert expected is not None, f"accepted what the API refuses: {state}"
    assert ex.output_size == tuple(expected["output_size"])
    report = ex.report()
    assert report == {k: v for k, v in expected.items() if k != "code"} | {"relation": report["relation"]}
    assert [r["number"] for r in report["relation"]] == [r["number"] for r in expected["relation"]]
    assert ex.output_size_given is (state["output_size"] is not None)


def test_report_is_the_layer_report_and_shape_info_without_the_code() -> None:
    ex = Explorer(5, 3, stride=2, padding=1, output_size=10)
    report = ex.report()
    assert report == layer_report((5, 5), (3, 3), stride=(2, 2), padding=(1, 1), output_padding=(0, 0),
                                  dilation=(1, 1), output_size=(10, 10))
    info = shape_info(parse_config("transposed", "5", "3", "2", "1", "0", "1", "10", 0))
    assert report == {k: v for k, v in info.items() if k != "code"}
    assert report["output_padding"] == [1, 1]


# ---- values

def test_values_are_a_seed_or_typed_arrays_checked_against_the_sizes() -> None:
    ex = Explorer(input_size=(2, 3), kernel_size=2, values=7)
    x, w = random_arrays((2, 3), (2, 2), seed=7)
    got_x, got_w = ex.arrays()
    assert got_x.dtype == np.float64 and got_x.tolist() == x.tolist() and got_w.tolist() == w.tolist()
    ex.values = (np.array([[1, 2, 3], [4, 5, 6]]), [[0.5, -1], [0, 1e6]])
    assert ex.values == (((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)), ((0.5, -1.0), (0.0, 1e6)))
    assert [a.tolist() for a in ex.arrays()] == [[[1, 2, 3], [4, 5, 6]], [[0.5, -1], [0, 1e6]]]
    before = traits(ex)
    x, w = [[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]]
    refusals = [(([1, 2, 3], w), "input values: 1 × 3 typed, but input_size is 2 × 3"),
                ((x, [[1, 0], [0, 2e6]]), "kernel values: 2000000 is beyond ±1,000,000"),
                (([[1, 2, float("nan")], [4, 5, 6]], w), 'input values: "nan" (row 1) is not a number'),
                ((["a"], [1]), "typed input values (x) must be a 1-D or 2-D array")]
    for bad, message in refusals:
        with pytest.raises(tconv.TconvError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ex.values = bad
        assert traits(ex) == before
    with pytest.raises(tconv.TconvError, match="input values: 2 × 3 typed, but input_size is 3 × 3"):
        ex.input_size = 3  # typed values hold the sizes: change both in one hold block
    with ex.hold_trait_notifications():
        ex.input_size = 1
        ex.values = ([[2]], [[1, 1], [1, 1]])
    assert ex.arrays()[0].tolist() == [[2.0]] and ex.output_size == (2, 2)


def test_values_travel_in_the_page_s_url_form() -> None:
    ex = Explorer(input_size=2, kernel_size=1, values=([[0.1, 2], [3, 4]], [[5]]))
    to_json = ex.trait_metadata("values", "to_json")
    assert to_json(ex.values, ex) == {"x": "0.1,2;3,4", "w": "5"}  # as the page writes them
    assert to_json(3, ex) == {"seed": 3}
    ex.set_state({"values": {"x": "1,2;3,4", "w": "-1"}})
    assert ex.values == (((1.0, 2.0), (3.0, 4.0)), ((-1.0,),))
    ex.set_state({"values": {"seed": 12}})
    assert ex.values == 12


# ---- the view's messages

def test_the_view_s_json_state_is_accepted() -> None:
    ex = Explorer(3, 3)
    ex.set_state({"stride": [2, 2], "output_padding": [1, 1], "view": "scatter", "lang": "zh", "frame": 4,
                  "numbers": False, "layers": 2})
    assert (ex.stride, ex.output_padding, ex.output_size, ex.view, ex.lang, ex.frame, ex.numbers, ex.layers) == (
        (2, 2), (1, 1), (8, 8), "scatter", "zh", 4, False, 2)
    ex.set_state({"output_size": [7, 8], "output_size_given": True})
    assert (ex.output_size, ex.output_size_given) == ((7, 8), True)
    ex.set_state({"output_size": [8, 8], "output_size_given": False})  # the view's copy of a derived size
    assert (ex.output_size, ex.output_size_given) == ((8, 8), False)
    ex.set_state({"input_size": [4], "kernel_size": [3], "stride": [1], "padding": [0], "output_padding": [0],
                  "dilation": [1]})
    assert (ex.input_size, ex.output_size) == ((4,), (6,))


def test_a_refused_view_message_puts_the_view_back(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = Explorer(3, 3, stride=2)
    before = traits(ex)
    sent: list[Any] = []
    monkeypatch.setattr(ex, "send_state", lambda key=None: sent.append(key))
    with pytest.raises(tconv.TconvError, match="output_padding 2 on axis 0 must be smaller than stride"):
        ex.set_state({"stride": [2, 2], "output_padding": [2, 2]})
    assert traits(ex) == before and sent == [["stride", "output_padding"]]
    with pytest.raises(tconv.TconvError, match=r"stride on axis 0 must be an integer, got '2' \(str\)"):
        ex.set_state({"stride": ["2", 2]})
    assert traits(ex) == before


def test_explain_is_answered_as_the_api_answers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = Explorer()
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(ex, "send", lambda content, buffers=None: sent.append(content))
    query = {"mode": "transposed", "i": "3", "k": "2", "s": "2", "p": "0", "op": "1", "d": "1", "os": "",
             "seed": "4", "x": "", "w": "", "view": "scatter", "values": "true", "lang": "zh"}
    for handler in ex._msg_callbacks.callbacks:
        handler(ex, {"type": "explain", "id": 3, "query": query}, [])
        handler(ex, {"type": "explain", "id": 4, "query": query | {"s": "9"}}, [])
        handler(ex, {"type": "explain", "id": 5, "query": query | {"mode": "conv"}}, [])
        handler(ex, {"type": "something else"}, [])
    expected = explain_info(parse_config("transposed", "3", "2", "2", "0", "1", "1", None, 4), "scatter", "zh")
    assert sent[0] == {"type": "explain", "id": 3, "text": expected["text"]}
    assert sent[0]["text"] == API.get("/api/explain", params={k: v for k, v in query.items() if v}).json()["text"]
    assert sent[1] == {"type": "explain", "id": 4,
                       "error": "stride 9 is outside the explorer's limits: valid range: 1 to 6"}
    assert sent[2] == {"type": "explain", "id": 5,
                       "error": "walkthroughs explain transposed convolution: switch the mode to transposed"}
    assert len(sent) == 3


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats() | st.text(max_size=12),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=12)
_QUERY_KEYS = ("mode", "i", "k", "s", "p", "op", "d", "os", "seed", "x", "w", "view", "lang")
_QUERY_TEXT = st.sampled_from(["", "0", "1", "2", "3", "3,", "3,2", "9", "17", "-1", "1e3", "2,2,2", "a", "1;2",
                               "4,4,3;0,3,4;2,3,2", "gather", "matrix", "conv", "zh", "transposed", " 2"])


@settings(max_examples=150, deadline=None)
@given(content=st.dictionaries(st.sampled_from(["type", "id", "query"]), _JSON, max_size=3)
       | st.fixed_dictionaries({"type": st.just("explain"), "id": _JSON,
                                "query": st.dictionaries(st.sampled_from(_QUERY_KEYS), _QUERY_TEXT | _JSON,
                                                         max_size=8)}))
def test_any_message_from_the_view_is_answered_once_or_ignored(content: dict[str, Any]) -> None:
    """The comm is an entry point: whatever the view sends, an explain request gets one answer (the text, or a
    refusal's words), anything else is ignored, and the kernel never answers with a bug."""
    ex = Explorer()
    sent: list[dict[str, Any]] = []
    ex.send = lambda msg, buffers=None: sent.append(msg)  # type: ignore[method-assign]
    for handler in ex._msg_callbacks.callbacks:
        handler(ex, content, [])
    if content.get("type") != "explain":
        assert sent == []
        return
    assert len(sent) == 1 and sent[0]["type"] == "explain" and sent[0]["id"] == content.get("id")
    answer = sent[0]
    assert ("text" in answer) != ("error" in answer)
    if "error" in answer:
        assert answer["error"] and "internal error" not in answer["error"]
    else:
        assert answer["text"].startswith("tconv.explain")


# ---- what is on screen

@pytest.mark.parametrize(("knobs", "outputs", "title"), [
    (dict(view="gather"), 16, "ConvTranspose2d  k=2 s=2 p=0 op=0 d=1:  2 × 2 → 4 × 4"),
    (dict(view="scatter"), 16, "(scatter: stamps added)"),
    (dict(view="matrix"), 16, "ConvTranspose2d  k=2 s=2 p=0 op=0 d=1:  2 × 2 → 4 × 4"),
    (dict(mode="conv"), 1, "Conv2d"),
], ids=["gather", "scatter", "matrix-draws-gather", "conv"])
def test_to_svg_draws_the_frame_on_screen(knobs: dict[str, Any], outputs: int, title: str, tmp_path: Path) -> None:
    ex = Explorer(2, 2, stride=2, **knobs)
    ex.frame = ex._frames() - 1  # the last frame
    path = tmp_path / "frame.svg"
    svg = ex.to_svg(path)
    assert path.read_text(encoding="utf-8") == svg
    assert output_rects(svg) == outputs
    assert title in ET.fromstring(svg).find(f"{SVG}title").text  # type: ignore[union-attr]


def test_to_svg_draws_the_overlap_map_of_the_stacked_layers() -> None:
    ex = Explorer(4, 3, stride=2, view="overlap", layers=2, numbers=True)
    svg = ex.to_svg()
    cells = [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("data-role") == "heat"]
    assert len(cells) == 19 * 19  # two layers: (4 − 1)·2 + 3 = 9, then (9 − 1)·2 + 3 = 19


# ---- layers

def test_from_layer_opens_torch_and_tconv_layers() -> None:
    torch = pytest.importorskip("torch")
    ex = Explorer.from_layer(torch.nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, groups=2), 5)
    assert (ex.mode, ex.kernel_size, ex.stride, ex.padding, ex.output_padding, ex.output_size) == (
        "transposed", (4, 4), (2, 2), (1, 1), (0, 0), (10, 10))
    ex = Explorer.from_layer(torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1, output_padding=1, dilation=2), 6)
    assert (ex.input_size, ex.kernel_size, ex.output_padding, ex.dilation, ex.output_size) == (
        (6,), (3,), (1,), (2,), (14,))
    assert ex.output_size == tuple(torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1, output_padding=1,
                                                            dilation=2)(torch.zeros(1, 1, 6)).shape[2:])
    ex = Explorer.from_layer(torch.nn.Conv2d(3, 3, (3, 2), stride=2, padding=(1, 0)), (7, 6))
    assert (ex.mode, ex.kernel_size, ex.output_size) == ("conv", (3, 2), (4, 3))
    ex = Explorer.from_layer(tconv.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, rng=0), 3)
    assert (ex.kernel_size, ex.output_padding, ex.output_size) == ((3, 3), (1, 1), (6, 6))


def test_from_layer_refuses_what_the_explorer_does_not_draw() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (torch.nn.ConvTranspose3d(1, 1, 2), 4, "ConvTranspose3d has 3 spatial axes: the explorer draws 1-D and 2-D"),
        (torch.nn.Conv2d(1, 1, 3, padding="same"), 4, "Conv2d's padding='same' is not drawn"),
        (torch.nn.Conv2d(1, 1, 3, padding_mode="circular"), 4, "Conv2d's padding_mode='circular' is not drawn"),
        (torch.nn.Conv2d(1, 1, 11), 12, "Conv2d's kernel_size 11 on axis 0 is outside the explorer's limits"),
        (torch.nn.ConvTranspose2d(1, 1, 3), 224, "input_size 224 is more than the explorer draws (at most 16 per "
                                                  "axis): try a smaller input_size, the layer's geometry is the same"),
        (tconv.ConvTranspose3d(1, 1, 2, rng=0), 3, "ConvTranspose3d has 3 spatial axes"),
        (torch.nn.Linear(2, 2), 3, "from_layer opens a torch.nn.ConvTranspose1d/2d"),
    ]
    for layer, size, message in cases:
        with pytest.raises(tconv.TconvError) as err:
            Explorer.from_layer(layer, size)
        assert message in str(err.value)
    assert Explorer.from_layer(torch.nn.Conv2d(1, 1, 3, padding="valid"), 5).output_size == (3, 3)


# ---- packaging

def test_tconv_explorer_is_the_widget() -> None:
    assert tconv.Explorer is Explorer and "Explorer" in dir(tconv) and "Explorer" not in tconv.__all__


def test_without_anywidget_the_install_hint() -> None:
    code = ("import sys, pydoc; sys.modules['anywidget'] = None; import tconv\n"
            "for get in (lambda: tconv.Explorer, lambda: __import__('tconv.notebook')):\n"
            "    try: get()\n"
            "    except tconv.TconvError as e: print(type(e).__name__, '|', e)\n"
            # introspection goes on as without the name: hasattr, getattr's default, help(tconv)
            "print(hasattr(tconv, 'Explorer'), getattr(tconv, 'Explorer', None),\n"
            "      'conv_transpose' in pydoc.render_doc(tconv))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    hint = f"the notebook explorer needs anywidget: {install_hint('notebook')}"
    assert result.stdout.splitlines() == ["_MissingExtra | " + hint, "TconvError | " + hint, "False None True"]


def test_the_frame_stays_on_the_scene() -> None:
    ex = Explorer(3, 3, stride=2)
    ex.frame = 48  # the last of 7 × 7 output cells
    ex.padding = 1  # 5 × 5: the view shows its last frame, and Python says so
    assert ex.frame == 24
    with pytest.raises(tconv.TconvError, match="frame 25 is beyond the scene's 25 frames: valid range 0 to 24"):
        ex.frame = 25
    ex.view = "scatter"  # one stamp per input cell
    assert ex.frame == 8 and ex.to_svg().startswith("<svg")


def test_typed_values_give_the_sizes_and_the_repr_the_call() -> None:
    ex = Explorer(values=([[4, 4, 3], [0, 3, 4], [2, 3, 2]], [[1, 2], [0, 1]]))
    assert (ex.input_size, ex.kernel_size, ex.output_size) == ((3, 3), (2, 2), (4, 4))
    assert repr(ex) == "tconv.Explorer(input_size=(3, 3), kernel_size=(2, 2), values=...)  # 3 × 3 → 4 × 4"
    one = Explorer(values=([1, 2, 3], [1, 1]), stride=2)
    assert (one.input_size, one.kernel_size, one.output_size) == ((3,), (2,), (6,))
    one_axis = Explorer((5,), 3, stride=2, padding=1, output_size=10, lang="zh")
    assert repr(one_axis) == (
        "tconv.Explorer(input_size=(5,), kernel_size=(3,), stride=(2,), padding=(1,), output_size=(10,), "
        "lang='zh')  # 5 → 10")


def test_signature_is_the_knobs_not_args_kwargs() -> None:
    """help(Explorer) and the API page read __init__'s parameters (traitlets' __new__ would give *args, **kwargs)."""
    import inspect

    from tconv.notebook import Explorer

    params = inspect.signature(Explorer).parameters
    assert list(params)[:7] == ["input_size", "kernel_size", "stride", "padding", "output_padding", "dilation",
                                "output_size"]
    assert params["stride"].default == 1 and params["mode"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "self" not in params
