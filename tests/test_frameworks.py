"""Frameworks: tconv computes what ONNX Runtime, TensorFlow, Keras and JAX compute, and converts exactly."""

from __future__ import annotations

import importlib.util
import json
import runpy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tconv
from helpers import torch
from strategies import layer_params
from tconv import frameworks as F

DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "frameworks.json").read_text())
ARRAYS = np.load(DATA / "frameworks.npz")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
ort.set_default_logger_severity(3)


def run_ort(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attrs: dict) -> np.ndarray:
    from onnx import TensorProto, helper

    names = ["X", "W"] + (["B"] if b is not None else [])
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in zip(names, (x, w, b))]
    node = helper.make_node("ConvTranspose", names, ["Y"], **attrs)
    graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = dict(zip(names, (x, w, b)))
    return session.run(None, feeds)[0]


@st.composite
def onnx_configs(draw):
    nd = draw(st.integers(1, 2))
    ints = lambda lo, hi: [draw(st.integers(lo, hi)) for _ in range(nd)]  # noqa: E731
    L, k, s, d = ints(1, 4), ints(1, 3), ints(1, 3), ints(1, 2)
    g, cg, mg = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    op = [draw(st.integers(0, si - 1)) for si in s]
    attrs = {"strides": s, "dilations": d, "group": g, "output_padding": op}
    mode = draw(st.sampled_from(["pads", "SAME_UPPER", "SAME_LOWER", "VALID", "output_shape", "output_shape_upper"]))
    if mode == "pads":
        attrs["pads"] = ints(0, 2) + ints(0, 2)  # asymmetric
    elif mode.startswith("output_shape"):
        full = [(li - 1) * si + di * (ki - 1) + 1 for li, si, di, ki in zip(L, s, d, k)]
        attrs["output_shape"] = [max(1, f + o - draw(st.integers(0, 3))) for f, o in zip(full, op)]
        if mode == "output_shape_upper":
            attrs["auto_pad"] = "SAME_UPPER"
    else:
        attrs["auto_pad"] = mode
    return nd, L, k, g, cg, mg, draw(st.booleans()), attrs


@given(cfg=onnx_configs(), seed=st.integers(0, 9))
def test_onnx_equals_onnxruntime_or_both_refuse(cfg, seed) -> None:
    _, L, k, g, cg, mg, with_bias, attrs = cfg
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, g * cg, *L)).astype(np.float32)
    w = rng.standard_normal((g * cg, mg, *k)).astype(np.float32)
    b = rng.standard_normal(g * mg).astype(np.float32) if with_bias else None
    try:
        expected = run_ort(x, w, b, attrs)
    except Exception:
        with pytest.raises(tconv.TconvError):
            F.onnx_conv_transpose(x, w, b, **attrs)
        return
    actual = F.onnx_conv_transpose(x, w, b, **attrs)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-4)


def _onnx_cases() -> list:
    """The ConvTranspose node cases shipped with onnx (collect_testcases), one per data set: (id, node, inputs,
    expected output)."""
    import warnings

    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():  # collecting imports every operator's case module; some of them warn
        warnings.simplefilter("ignore")
        cases = collect_testcases("ConvTranspose")
    return [pytest.param(case.model.graph.node, inputs, outputs[0], id=case.name + (f"-{i}" if i else ""))
            for case in cases for i, (inputs, outputs) in enumerate(case.data_sets)]


ONNX_CASES = _onnx_cases()


def test_onnx_ships_its_conformance_cases() -> None:
    assert len(ONNX_CASES) >= 11


@pytest.mark.parametrize("nodes,inputs,expected", ONNX_CASES)
def test_onnx_conformance_case(nodes, inputs: list, expected: np.ndarray) -> None:
    """Every ConvTranspose node case shipped with onnx, inputs and outputs included."""
    from onnx import helper

    (node,) = nodes
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    np.testing.assert_allclose(F.onnx_conv_transpose(*inputs, **attrs), expected, atol=1e-5)


def _recorded(i: int):
    case = RECORDED["cases"][i]
    x, w = ARRAYS[f"{i}_x"], ARRAYS[f"{i}_w"]
    b = ARRAYS.get(f"{i}_b", None)
    return case, x, w, b


def _ours(case: dict, x, w, b):
    a = case["args"]
    if case["framework"] == "tf":
        return F.tf_conv_transpose(x, w, a["output_shape"], a["strides"], a["padding"])
    if case["framework"] == "keras":
        return F.keras_conv_transpose(x, w, b, strides=a["strides"], padding=a["padding"],
                                      output_padding=a["output_padding"], dilation_rate=a["dilation_rate"])
    return F.jax_conv_transpose(x, w, a["strides"], a["padding"], a["rhs_dilation"], a["dimension_numbers"],
                                a["transpose_kernel"])


CASES = range(len(RECORDED["cases"]))
IDS = [f"{c['framework']}-{i}" for i, c in enumerate(RECORDED["cases"])]


@pytest.mark.parametrize("i", CASES, ids=IDS)
def test_recorded_tf_keras_jax(i: int) -> None:
    """Against outputs recorded with the real libraries (scripts/record_frameworks.py; versions in the JSON)."""
    case, x, w, b = _recorded(i)
    if "error" in case:
        with pytest.raises(tconv.TconvError):
            _ours(case, x, w, b)
        return
    got = _ours(case, x, w, b)
    expected = ARRAYS[f"{i}_y"]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.mark.parametrize("i", CASES, ids=IDS)
def test_recorded_torch_code_reproduces_the_framework(i: int) -> None:
    """TorchEquivalent.code(), executed with real torch on the framework's arrays, gives the framework's output."""
    case, x, w, b = _recorded(i)
    if "error" in case or 0 in case["output_shape"]:
        return
    a = case["args"]
    if case["framework"] == "tf":
        eq = F.from_tf(x.shape, w.shape, a["output_shape"], a["strides"], a["padding"])
    elif case["framework"] == "keras":
        nd = x.ndim - 2
        eq = F.from_keras(x.shape[1:-1], w.shape[:nd], a["strides"], a["padding"], a["output_padding"],
                          a["dilation_rate"], filters=w.shape[nd], in_channels=x.shape[-1])
    else:
        eq = F.from_jax(x.shape, w.shape, a["strides"], a["padding"], a["rhs_dilation"], a["dimension_numbers"],
                        a["transpose_kernel"])
    scope = {"x": x, "w": w, "b": b}
    exec(eq.code(), scope)
    np.testing.assert_allclose(scope["y"].detach().numpy(), ARRAYS[f"{i}_y"], atol=1e-4)


KERAS_DEFAULT_SIZE = [i for i, c in enumerate(RECORDED["cases"])
                      if c["framework"] == "keras" and c["args"]["output_padding"] is None and "error" not in c]
TF_NAMED_PADDING = [i for i, c in enumerate(RECORDED["cases"])
                    if c["framework"] == "tf" and isinstance(c["args"]["padding"], str) and "error" not in c]


@pytest.mark.parametrize("i", KERAS_DEFAULT_SIZE, ids=[IDS[i] for i in KERAS_DEFAULT_SIZE])
def test_tf_default_output_size_is_what_keras_computed(i: int) -> None:
    """The size tf.keras layers choose without output_padding, as recorded from the real library."""
    case = RECORDED["cases"][i]
    a, nd = case["args"], len(case["x_shape"]) - 2
    got = F.tf_default_output_size(case["x_shape"][1:-1], case["w_shape"][:nd], a["strides"], a["padding"],
                                   a["dilation_rate"])
    assert got == tuple(case["output_shape"][1:-1])


@pytest.mark.parametrize("i", TF_NAMED_PADDING, ids=[IDS[i] for i in TF_NAMED_PADDING])
def test_tf_default_output_size_is_one_tf_accepts(i: int) -> None:
    """tf.nn.conv_transpose accepts the default for the recorded layers (its 'doesn't match computed' rule)."""
    case = RECORDED["cases"][i]
    a, nd = case["args"], len(case["x_shape"]) - 2
    x_shape, w_shape = case["x_shape"], case["w_shape"]
    out = F.tf_default_output_size(x_shape[1:-1], w_shape[:nd], a["strides"], a["padding"])
    eq = F.from_tf(x_shape, w_shape, (x_shape[0], *out, w_shape[nd]), a["strides"], a["padding"])
    assert eq.output_size == out
    if a["padding"] == "SAME":
        assert out == tuple(L * s for L, s in zip(x_shape[1:-1], a["strides"]))


def test_tf_default_output_size_values_and_refusal() -> None:
    assert F.tf_default_output_size(16, 3, strides=2) == (32,)
    assert F.tf_default_output_size(16, 3, strides=2, padding="valid") == (33,)   # F = 33 > L·s
    assert F.tf_default_output_size(4, 1, strides=3, padding="VALID") == (12,)    # F = 10 < L·s = 12
    assert F.tf_default_output_size((3, 2), 3, strides=1, padding="VALID", dilations=(2, 1)) == (7, 4)
    with pytest.raises(tconv.TconvError, match="padding 'full' must be 'SAME' or 'VALID'"):
        F.tf_default_output_size(4, 3, padding="full")
    with pytest.raises(tconv.TconvError, match="strides 0 on axis 0 must be at least 1"):
        F.tf_default_output_size(4, 3, strides=0)


LIVE = {fw: importlib.util.find_spec(mod) is not None
        for fw, mod in (("tf", "tensorflow"), ("keras", "keras"), ("jax", "jax"))}


@pytest.mark.parametrize("i", CASES, ids=IDS)
def test_live_libraries_when_installed(i: int) -> None:
    case, x, w, b = _recorded(i)
    if not LIVE[case["framework"]]:
        pytest.skip(f"{case['framework']} is not installed (the recorded outputs are tested instead)")
    recorder = runpy.run_path(str(Path(__file__).parent.parent / "scripts" / "record_frameworks.py"))
    try:
        expected = recorder["run"](case, x, w, b)
    except Exception:
        with pytest.raises(tconv.TconvError):
            _ours(case, x, w, b)
        return
    np.testing.assert_allclose(_ours(case, x, w, b), expected, atol=1e-4)


@st.composite
def torch_layers(draw):
    return draw(layer_params(draw(st.integers(1, 2)), max_size=5, max_kernel=4, max_dilation=2))


def _torch_reference(L, k, s, p, op, d, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2, *L)).astype(np.float32)
    w = rng.standard_normal((2, 3, *k)).astype(np.float32)
    return x, w, tconv.conv_transpose(x, w, None, s, p, op, 1, d)


@given(layer=torch_layers())
def test_to_onnx_round_trips_through_onnxruntime(layer) -> None:
    _, k, s, p, op, d = layer
    x, w, y = _torch_reference(*layer)
    try:
        attrs = F.to_onnx(k, s, p, op, d)
    except tconv.TconvError as exc:
        assert any(o >= si for o, si in zip(op, s)) and "ONNX Runtime refuses" in str(exc)
        return
    np.testing.assert_allclose(run_ort(x, w, None, attrs), y, atol=1e-4)


@given(layer=torch_layers())
def test_to_tf_keras_jax_reproduce_the_layer(layer) -> None:
    L, k, s, p, op, d = layer
    nd = len(L)
    x, w, y = _torch_reference(*layer)
    x_last = np.moveaxis(x, 1, -1)
    w_tf = np.transpose(w, (*range(2, nd + 2), 1, 0))  # (in, out, *k) -> (*k, out, in)
    y_last = np.moveaxis(y, 1, -1)
    jx = F.to_jax(k, s, p, op, d)
    got = F.jax_conv_transpose(x, w, jx["strides"], jx["padding"], jx["rhs_dilation"], jx["dimension_numbers"],
                               jx["transpose_kernel"])
    np.testing.assert_allclose(got, y, atol=1e-4)
    try:
        tf_args = F.to_tf(L, k, s, p, op, d)
    except tconv.TconvError as exc:
        assert any(di > 1 for di in d) or "explicit padding" in str(exc) or "cannot" in str(exc)
    else:
        assume(nd == 2 or isinstance(tf_args["padding"], str))  # TF takes explicit padding for 2-D only
        padding = tf_args["padding"] if isinstance(tf_args["padding"], str) else [[0, 0], *tf_args["padding"], [0, 0]]
        got = F.tf_conv_transpose(x_last, w_tf, [1, *tf_args["output_shape"], 3], tf_args["strides"], padding)
        np.testing.assert_allclose(got, y_last, atol=1e-4)
    try:
        ka = F.to_keras(L, k, s, p, op, d)
    except tconv.TconvError as exc:
        assert "Keras" in str(exc)
    else:
        got = F.keras_conv_transpose(x_last, w_tf, None, strides=ka["strides"], padding=ka["padding"],
                                     output_padding=ka["output_padding"], dilation_rate=ka["dilation_rate"])
        np.testing.assert_allclose(got, y_last, atol=1e-4)


def test_common_idioms_and_refusals() -> None:
    # TF 'SAME' k3 s2 = PyTorch p=0 then drop the last cell; ONNX SAME_LOWER k3 s2 = PyTorch p=1, op=1 exactly
    eq = F.from_tf((1, 3, 1), (3, 1, 1), (1, 6, 1), 2, "SAME")
    assert (eq.padding, eq.crop, eq.exact) == ((0,), ((0, 1),), False)
    eq = F.from_onnx((1, 1, 3), (1, 1, 3), auto_pad="SAME_LOWER", strides=[2])
    assert (eq.padding, eq.output_padding, eq.exact) == ((1,), (1,), True)
    # k=1, s=2 SAME: TF and JAX extend at the end; PyTorch p=0, op=1
    eq = F.from_jax((1, 3, 1), (1, 1, 1), (2,), "SAME", transpose_kernel=True)
    assert (eq.padding, eq.output_padding, eq.output_size) == ((0,), (1,), (6,))
    with pytest.raises(tconv.TconvError, match="Keras cannot express this layer"):
        F.to_keras(5, 3, stride=2, padding=2)
    with pytest.raises(tconv.TconvError, match="no feature groups"):
        F.to_jax(3, 2, groups=2)
    with pytest.raises(tconv.TconvError, match="dilation rates larger than 1"):
        F.to_tf(3, 3, dilation=2)
    with pytest.raises(tconv.TconvError, match="ONNX Runtime refuses"):
        F.to_onnx(3, stride=1, output_padding=1, dilation=2)
    with pytest.raises(tconv.TconvError, match="`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        F.keras_conv_transpose(np.ones((1, 3, 1)), np.ones((3, 1, 1)), strides=2, dilation_rate=2)
    with pytest.raises(tconv.TconvError, match="strictly less than `strides`"):
        F.keras_conv_transpose(np.ones((1, 3, 1)), np.ones((3, 1, 1)), strides=2, output_padding=2)
    with pytest.raises(tconv.TconvError, match="Size of out_backprop doesn't match computed"):
        F.tf_conv_transpose(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)), (1, 9, 9, 1), 2)
    with pytest.raises(tconv.TconvError, match="input depth must be evenly divisible by filter depth"):
        F.tf_conv_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 2, 1)), (1, 6, 6, 2), 2)
    with pytest.raises(tconv.TconvError, match="output_shape has incorrect size"):
        F.onnx_conv_transpose(np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 3, 3), np.float32),
                              output_shape=[1, 1, 6, 6])


def test_code_is_ready_to_paste() -> None:
    eq = F.from_keras((4, 4), 3, strides=2, padding="same", filters=2, in_channels=3)
    code = eq.code()
    assert "torch.nn.ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2))" in code
    assert "y = y[:, :, 0:-1, 0:-1]" in code and ".permute(3, 2, 0, 1)" in code and "permute(0, 3, 1, 2)" in code
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 4, 3)), rng.standard_normal((3, 3, 2, 3)), rng.standard_normal(2)
    scope = {"x": x, "w": w, "b": b}
    exec(code, scope)
    expected = F.keras_conv_transpose(x, w, b, strides=2, padding="same")
    np.testing.assert_allclose(scope["y"].detach().numpy(), expected, atol=1e-10)
    assert torch.is_tensor(scope["y"])


def test_cli_convert(capsys) -> None:
    from tconv.cli import main

    assert main(["convert", "--from", "keras", "--padding", "same", "-s", "2", "-k", "3", "-i", "16,"]) == 0
    out = capsys.readouterr().out
    assert "then crop [[0, 1]]" in out and "output size (32,)" in out and "y = y[:, :, 0:-1]" in out
    assert main(["convert", "--from", "onnx", "--padding", "same_lower", "-s", "2", "-k", "3", "-i", "4,",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exact"] and data["padding"] == [1] and data["output_padding"] == [1]
    assert main(["convert", "--from", "tf", "-s", "2,2", "-k", "3", "-i", "3,4", "--output-size", "6,8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crop"] == [[0, 1], [0, 1]]
    # without --output-size: the size TF's layers would pick (VALID: max(F, L·s) = 33)
    assert main(["convert", "--from", "tf", "--padding", "valid", "-s", "2", "-k", "3", "-i", "16,", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_size"] == [33]
    assert F.tf_default_output_size(16, 3, 2, "VALID") == (33,)
    assert main(["convert", "--from", "jax", "--padding", "1:2", "-s", "2", "-k", "3", "-i", "4,", "--transpose-kernel",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exact"] is True
    assert main(["convert", "--to", "onnx", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1", "-i", "8",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pads"] == [1, 1, 1, 1]  # a bare -i 8: a square 2-D layer
    assert main(["convert", "--to", "keras", "-k", "3", "-s", "2", "-p", "2", "-i", "5"]) == 2
    assert "Keras cannot express this layer" in capsys.readouterr().err
    assert main(["convert", "--from", "jax", "--padding", "x", "-k", "3", "-i", "4"]) == 2
    assert "padding 'X' must be 'SAME', 'VALID' or a sequence of (lo, hi) pairs (JAX)" in capsys.readouterr().err


def _two_layer_model(batch: int | str = 1, height: int | str = 5):
    """X (batch, 4, height, 5) -> ConvTranspose SAME_UPPER s2 with bias -> Relu -> ConvTranspose p1 s2 op1."""
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.ones(shape, np.float32), name=name)
             for name, shape in (("W1", (4, 2, 3, 3)), ("B1", (2,)), ("W2", (2, 3, 3, 3)))]
    nodes = [
        helper.make_node("ConvTranspose", ["X", "W1", "B1"], ["H"], name="up1", strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["H"], ["R"]),
        helper.make_node("ConvTranspose", ["R", "W2", ""], ["Y"], name="up2", strides=[2, 2], pads=[1, 1, 1, 1],
                         output_padding=[1, 1]),
    ]
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [batch, 4, height, 5])
    graph = helper.make_graph(nodes, "g", [x], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])


def test_conv_transpose_nodes_lists_each_node_with_its_equivalent() -> None:
    up1, up2 = F.conv_transpose_nodes(_two_layer_model())
    assert (up1.name, up1.input_shape, up1.weight_shape, up1.bias) == ("up1", (1, 4, 5, 5), (4, 2, 3, 3), True)
    assert up1.attributes == {"strides": (2, 2), "auto_pad": "SAME_UPPER"}
    assert up1.problem is None and up1.computable
    eq = up1.equivalent
    assert (eq.padding, eq.crop, eq.output_size) == ((0, 0), ((0, 1), (0, 1)), (10, 10))
    assert up1.equivalent.bias is True and up1.equivalent.out_channels == 2
    # up2's input shape is known only through shape inference (the Relu's output)
    assert (up2.name, up2.input_shape, up2.weight_shape, up2.bias) == ("up2", (1, 2, 10, 10), (2, 3, 3, 3), False)
    assert up2.attributes == {"strides": (2, 2), "pads": (1, 1, 1, 1), "output_padding": (1, 1)}
    eq = up2.equivalent
    assert (eq.padding, eq.output_padding, eq.exact, eq.output_size) == ((1, 1), (1, 1), True, (20, 20))


def test_conv_transpose_nodes_do_not_need_the_batch_size() -> None:
    up1, up2 = F.conv_transpose_nodes(_two_layer_model(batch="N"))
    assert up1.input_shape == (None, 4, 5, 5) and up2.input_shape == (None, 2, 10, 10)
    assert (up1.equivalent.output_size, up2.equivalent.output_size) == ((10, 10), (20, 20))


def test_conv_transpose_nodes_agree_with_onnxruntime() -> None:
    """Each node's equivalent, applied, gives what ONNX Runtime computes for that node."""
    x = np.random.default_rng(0).standard_normal((1, 1, 3, 4)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((1, 2, 3, 2)).astype(np.float32)
    attrs = {"strides": [2, 3], "pads": [0, 1, 2, 0], "output_padding": [1, 0]}
    from onnx import TensorProto, helper

    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
                                            for n, a in (("X", x), ("W", w))], [])
    [record] = F.conv_transpose_nodes(helper.make_model(graph))
    eq = record.equivalent
    assert record.name == ""
    assert record.attributes == {"output_padding": (1, 0), "pads": (0, 1, 2, 0), "strides": (2, 3)}
    # axis 0 ends 2 − 1 short of the full 7: a crop at the end; axis 1 begins 1 in, which PyTorch says as p=1, op=1
    assert (eq.padding, eq.output_padding, eq.crop, eq.output_size) == ((0, 1), (0, 1), ((0, 1), (0, 0)), (6, 10))
    np.testing.assert_allclose(record.equivalent.apply(x, w), run_ort(x, w, None, attrs), atol=1e-5)


def test_conv_transpose_nodes_say_why_there_is_no_equivalent(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    up1, up2 = F.conv_transpose_nodes(_two_layer_model(batch="N", height="H"))
    assert up1.input_shape == (None, 4, None, 5) and up2.input_shape == (None, 2, None, 10)
    assert up1.equivalent is None and not up1.computable
    assert up1.problem == "needs X's spatial sizes H: with auto_pad SAME_UPPER the padding depends on them"
    # up2's explicit pads hold at any height: the layer, and its output size in terms of the symbolic one
    assert up2.equivalent is None and up2.general is not None and up2.problem is None
    assert (up2.general.padding, up2.general.output_padding) == ((1, 1), (1, 1))
    assert up2.formula[1] == "20" and up2.formula[0].startswith("2·")
    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="bad", strides=[2], output_padding=[2])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 3])
                                            for n in ("X", "W")], [])
    path = tmp_path / "bad_node.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    [bad] = F.conv_transpose_nodes(path)  # a path works as well as a ModelProto
    assert bad.equivalent is None and bad.problem == (
        "output_padding 2 on axis 0 must be smaller than the stride (2) in ONNX Runtime: valid range 0..1")
    (tmp_path / "junk.onnx").write_text("not a model")
    with pytest.raises(tconv.TconvError, match="model '.*junk.onnx' could not be read as an ONNX model"):
        F.conv_transpose_nodes(tmp_path / "junk.onnx")


def test_cli_lists_onnx_model_nodes(tmp_path: Path, capsys) -> None:
    from onnx import TensorProto, helper, numpy_helper

    from tconv.cli import main

    w = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), name="W")
    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="up1", strides=[2, 2], auto_pad="SAME_UPPER")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 4, 5, 5])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    assert main(["onnx", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 ConvTranspose node(s)" in out and "up1: X [1, 4, 5, 5], W [4, 2, 3, 3]" in out
    assert "then crop [[0, 1], [0, 1]]" in out and "output size (10, 10)" in out
    assert "  attributes: auto_pad=SAME_UPPER, strides=[2, 2]\n" in out
    (tmp_path / "bad.onnx").write_text("not a model")
    assert main(["onnx", str(tmp_path / "bad.onnx")]) == 2
    assert "could not be read as an ONNX model" in capsys.readouterr().err


@pytest.mark.parametrize("model", [True, False, 0, 1, 2, np.int64(1), 1.5, [1], (1,), range(3), np.zeros(3), None,
                                   {"graph": 1}],
                         ids=["true-stdout", "false-stdin", "zero", "one", "two", "numpy-int", "float", "list", "tuple",
                              "range", "array", "none", "dict"])
def test_conv_transpose_nodes_refuse_what_is_no_model_before_opening_it(model) -> None:
    """An int is a file descriptor to onnx.load: reading True closed stdout. Refused by its type, nothing opened."""
    with pytest.raises(tconv.TconvError, match=r"^model must be a path to an ONNX file, its bytes, a binary file "
                                               r"open for reading or an onnx.ModelProto, got .* \(\w+\)$"):
        F.conv_transpose_nodes(model)
    import sys

    assert not sys.stdout.closed and not sys.stdin.closed


@pytest.mark.parametrize("source", ["path", "bytes", "file", "modelproto"])
def test_conv_transpose_nodes_read_a_path_bytes_a_file_or_a_modelproto(source: str, tmp_path: Path) -> None:
    model = _two_layer_model()
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    with path.open("rb") as f:
        given = {"path": str(path), "bytes": path.read_bytes(), "file": f, "modelproto": model}[source]
        assert [n.name for n in F.conv_transpose_nodes(given)] == ["up1", "up2"]


@pytest.mark.parametrize("content", [b"", b"\x08\x07"], ids=["empty", "ir-version-only"])
def test_an_empty_onnx_file_is_refused_by_tconv_onnx_as_by_doctor(content: bytes, tmp_path: Path, capsys) -> None:
    """A 0-byte file parses as a ModelProto with no graph: no model, not a model with 0 ConvTranspose nodes."""
    from tconv.cli import main

    path = tmp_path / "empty.onnx"
    path.write_bytes(content)
    with pytest.raises(tconv.TconvError, match=r"is not an ONNX model: it has no graph"):
        F.conv_transpose_nodes(path)
    assert main(["onnx", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("tconv onnx: error: model ") and "is not an ONNX model" in err
    assert len(err.splitlines()) == 1
    assert main(["doctor", str(path), "--input-shape", "1,1,4,4"]) == 2


@pytest.mark.parametrize("kind", ["device", "pipe", "folder"])
def test_a_model_path_that_is_no_regular_file_is_refused_before_reading(kind: str, tmp_path: Path) -> None:
    """/dev/zero would be read forever (and a pipe wait forever): the path is checked before onnx opens it."""
    import os

    path = tmp_path / "model.onnx"
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        path.mkdir()
    with pytest.raises(tconv.TconvError, match=r"is not a regular file \(a folder, a device or a pipe\)"):
        F.conv_transpose_nodes(path)


def test_a_model_file_beyond_the_budget_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.onnx"
    path.write_bytes(b"\0" * 4096)
    refusal = r"reading model .* \(4,096 bytes\) needs about 4.0 KiB"
    with tconv.options(memory_budget=1024), pytest.raises(tconv.TconvError, match=refusal):
        F.conv_transpose_nodes(path)


@pytest.mark.parametrize("padding", [None, 1, 1.5, True, range(3), [1], np.broadcast_to(1, (10**8,)), [[0, 0]] * 3],
                         ids=["none", "int", "float", "bool", "range", "short", "giant", "three-pairs"])
def test_explicit_tf_padding_that_is_no_list_of_pairs_is_refused(padding) -> None:
    with pytest.raises(tconv.TconvError, match=r"explicit padding must give 4 \[before, after\] pairs"):
        F.tf_conv_transpose(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), (1, 4, 4, 1), 1, padding=padding)


def test_explicit_tf_padding_as_an_array_of_pairs_is_read_as_its_list() -> None:
    pairs = [[0, 0], [0, 0], [0, 0], [0, 0]]
    x, w = np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))
    np.testing.assert_array_equal(F.tf_conv_transpose(x, w, (1, 4, 4, 1), 1, padding=np.array(pairs)),
                                  F.tf_conv_transpose(x, w, (1, 4, 4, 1), 1, padding=pairs))
