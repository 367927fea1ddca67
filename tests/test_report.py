"""One layer report: ``tconv shape --json``, the explorer's ``/api/shape`` and walkthroughs carry exactly the data of
``tconv.report.layer_report``, and all three refuse the same configurations with the same message."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from strategies import layer_params
from tconv.cli import main
from tconv.report import layer_report

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from tconv.web.app import create_app  # noqa: E402

client = TestClient(create_app())


def _csv(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def cli_shape(*argv: str) -> tuple[int, Any, str]:
    """``tconv shape … --json`` in-process: exit code, parsed stdout (None when empty), stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["shape", *argv, "--json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def web_shape(params: dict[str, str]) -> tuple[int, dict[str, Any]]:
    r = client.get("/api/shape", params=params)
    return r.status_code, r.json()


@st.composite
def two_axis_layers(draw: st.DrawFn) -> dict[str, Any]:
    """A 2-D layer within the explorer's limits (it draws 2-D; scalars mean square), transposed or direct,
    sometimes with output_size, sometimes invalid (then all three must refuse alike)."""
    i, k, s, p, op, d = draw(layer_params(2, max_size=6, max_kernel=4))
    transposed = draw(st.booleans())
    if not transposed:
        op = (0, 0)
        p = tuple(draw(st.integers(0, 3)) for _ in range(2))  # may leave no output: a shared refusal
    output_size = None
    if transposed and draw(st.booleans()):
        try:
            base = tconv.conv_transpose_output_size(i, k, s, p, 0, d)
        except tconv.TconvError:  # a layer with no output: refused alike without output_size too
            base = None
        if base is not None:
            output_size = tuple(b + draw(st.integers(0, st_ - 1)) for b, st_ in zip(base, s))
    return dict(i=i, k=k, s=s, p=p, op=op, d=d, transposed=transposed, output_size=output_size)


@given(layer=two_axis_layers())
def test_cli_json_equals_api_shape_equals_layer_report(layer: dict[str, Any]) -> None:
    i, k, s, p, op, d = (layer[n] for n in ("i", "k", "s", "p", "op", "d"))
    argv = ["-i", _csv(i), "-k", _csv(k), "-s", _csv(s), "-p", _csv(p), "-d", _csv(d)]
    if layer["transposed"]:  # the CLI refuses --output-padding for a direct convolution, even at 0
        argv += ["--output-padding", _csv(op)]
    params = {"mode": "transposed" if layer["transposed"] else "conv", "i": _csv(i), "k": _csv(k), "s": _csv(s),
              "p": _csv(p), "op": _csv(op), "d": _csv(d)}
    if layer["output_size"] is not None:
        argv += ["--output-size", _csv(layer["output_size"])]
        params["os"] = _csv(layer["output_size"])
    if not layer["transposed"]:
        argv.append("--no-transposed")
    try:
        expected = layer_report(i, k, s, p, op, d, output_size=layer["output_size"], transposed=layer["transposed"])
    except tconv.TconvError as exc:
        code, printed, err = cli_shape(*argv)
        status, body = web_shape(params)
        assert (code, printed, status) == (2, None, 422)
        assert err == f"tconv shape: error: {exc}\n" and body["detail"] == str(exc)
        return
    code, printed, _ = cli_shape(*argv)
    status, body = web_shape(params)
    assert (code, status) == (0, 200)
    assert body.pop("code")["pytorch"].startswith("import torch")  # the web adds the PyTorch code, nothing else
    assert printed == body == json.loads(json.dumps(expected))
    assert printed["kind"] == ("transposed" if layer["transposed"] else "conv")


@pytest.mark.parametrize(
    "argv, args, kwargs, output_size",
    [
        (["-i", "7,", "-k", "2", "--ceil-mode"], (7, 2), dict(ceil_mode=True), [4]),
        (["-i", "7,", "-k", "2", "-d", "2"], (7, 2), dict(dilation=2), [3]),
        # ceil_mode's extra window would start in the right padding on both axes: PyTorch drops it (6 → 5, 4 → 3)
        (["-i", "9,5", "-k", "2", "-s", "2", "-p", "1", "--ceil-mode"], ((9, 5), 2),
         dict(stride=2, padding=1, ceil_mode=True), [5, 3]),
    ],
    ids=["ceil_mode", "dilation", "padded-2d"],
)
def test_cli_pool_json_equals_layer_report(argv: list[str], args: tuple[Any, ...], kwargs: dict[str, Any],
                                           output_size: list[int]) -> None:
    code, printed, _ = cli_shape("--pool", *argv)
    assert code == 0 and printed == json.loads(json.dumps(layer_report(*args, pool=True, **kwargs)))
    assert printed["kind"] == "pool" and printed["output_size"] == output_size


def test_walkthrough_carries_the_same_report() -> None:
    wt = tconv.explain([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[[1, 0], [2, 1]]]], stride=2, padding=1,
                       output_padding=1)
    code, printed, _ = cli_shape("-i", "3", "-k", "2", "-s", "2", "-p", "1", "--output-padding", "1")
    assert code == 0
    square = json.loads(json.dumps(layer_report((3, 3), 2, 2, 1, 1)))
    assert wt.to_dict()["output_size"] == wt.size.to_dict() == square
    assert printed == square  # the shells' bare number: a square 2-D layer, as the walkthrough's arrays
    assert square["output_size"] == [5, 5]


def test_report_refusals_name_the_parameter() -> None:
    with pytest.raises(tconv.TconvError, match="output_size 6 only applies to transposed convolution"):
        layer_report(5, 3, output_size=6, transposed=False)
    with pytest.raises(tconv.TconvError, match="ceil_mode only applies to pooling"):
        layer_report(5, 3, ceil_mode=True)
    with pytest.raises(tconv.TconvError, match="padding 'full' is a string other than 'same' and 'valid': use 'same', "
                                               "'valid' or integers"):
        layer_report(5, 3, padding="full")
    with pytest.raises(tconv.TconvError, match="padding_mode 'reflect' does not apply to pooling"):
        layer_report(5, 3, pool=True, padding_mode="reflect")
    same = layer_report(5, 3, stride=2, padding="same")  # beyond PyTorch: TensorFlow's crop, the odd cell at the end
    assert (same["output_size"], same["padding"], same["padding_end"], same["padding_rule"]) == ([10], [0], [1],
                                                                                                  "same")
    assert same["output_size_range"] == [[9, 10]] and same["relation"][0]["number"] is None
    assert layer_report(5, 3, stride=2, padding="valid")["output_size"] == [11]
    assert layer_report(7, 3, padding="same", transposed=False)["padding"] == [1]
    assert layer_report((7, 8), (3, 2), padding="same", transposed=False)["pad_end"] == [1, 1]
