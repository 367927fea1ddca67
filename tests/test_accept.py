"""tconv accepts exactly what torch 2.13 (CPU) accepts: bias dtypes, per-axis values, empty batches and zero-length
outputs, bfloat16. torch is asked live for every combination; its native kernels are the oracle (oneDNN, which
torch picks for float32 on some shapes and thread counts, refuses more: see test_onednn_refuses_more)."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from helpers import TORCH_CONV, TORCH_TRANSPOSED, torch

INPUT_DTYPES = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128", "int64"]
BIAS_DTYPES = [*INPUT_DTYPES, "int32", "bool"]
REFUSALS = (RuntimeError, ValueError, TypeError, NotImplementedError, IndexError)  # IndexError: torch on a 0 kernel


@contextlib.contextmanager
def native_kernels() -> Iterator[None]:
    """torch with oneDNN off: its native CPU kernels, whose rules do not depend on shapes or thread counts.
    (torch warns about TF32 on Intel GPUs whenever the flags are set; not our concern.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with torch.backends.mkldnn.flags(enabled=False):
            yield


def _torch_call(op: str, nd: int, x, w, b, **kw):
    fn = TORCH_TRANSPOSED[nd] if op == "conv_transpose" else TORCH_CONV[nd]
    with native_kernels():
        return fn(x, w, b, **kw)


def _tconv_call(op: str, nd: int, x, w, b, **kw):
    return getattr(tconv, f"{op}{nd}d")(x, w, b, **kw)


# The rule the table below checks against torch, written out (functional.check_bias_dtype implements it).
def bias_rule(op: str, nd: int, batch: int, xd: str, bd: str) -> bool:
    if xd == bd:
        return True
    if op == "conv" or (nd == 3 and batch > 0):
        return False
    if xd.startswith("complex"):
        return False
    if xd == "int64":
        return bd in ("int64", "int32", "bool")
    return not bd.startswith("complex")


BIAS_TABLE = [
    pytest.param(op, nd, batch, xd, bd, id=f"{op}{nd}d-N{batch}-{xd}-bias_{bd}")
    for op, nd, batch, xd, bd in itertools.product(
        ["conv_transpose", "conv"], [1, 2, 3], [1, 0], INPUT_DTYPES, BIAS_DTYPES
    )
]


@pytest.mark.parametrize("op,nd,batch,xd,bd", BIAS_TABLE)
def test_bias_dtype_accepted_exactly_where_torch_accepts_it(op: str, nd: int, batch: int, xd: str, bd: str) -> None:
    x = torch.full((batch, 2) + (3,) * nd, 2).to(getattr(torch, xd))
    w = torch.full((2, 2) + (2,) * nd, 3).to(getattr(torch, xd))
    b = torch.tensor([0.7, -2.0]).to(getattr(torch, bd)) if bd != "bool" else torch.tensor([True, False])
    try:
        expected = _torch_call(op, nd, x, w, b)
    except REFUSALS:
        expected = None
    assert (expected is not None) == bias_rule(op, nd, batch, xd, bd)  # the rule as documented is torch's
    if expected is None:
        with pytest.raises(tconv.TconvError, match=f"bias dtype {bd} does not fit input dtype {xd} in {op}{nd}d"):
            _tconv_call(op, nd, x, w, b)
        return
    actual = _tconv_call(op, nd, x, w, b)
    reference = expected.to(torch.float32) if xd == "bfloat16" else expected
    assert actual.dtype == np.dtype("float32" if xd == "bfloat16" else xd)  # bfloat16: computed, returned in f32
    assert actual.shape == tuple(expected.shape)
    tol = 0.05 if xd in ("float16", "bfloat16") else 1e-6
    np.testing.assert_allclose(actual, reference.numpy(), rtol=tol, atol=tol)


def test_onednn_refuses_more() -> None:
    """The one known difference, documented in docs/guide.md: with oneDNN (torch's default, here chosen for a
    grouped float32 layer), torch refuses a float64 bias that its native kernels, and tconv, accept."""
    x, w, b = torch.ones(1, 2, 4, 4), torch.ones(2, 1, 3, 3), torch.ones(2, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="bias type"):
        torch.nn.functional.conv_transpose2d(x, w, b, groups=2)
    y = tconv.conv_transpose2d(x, w, b, groups=2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, _torch_call("conv_transpose", 2, x, w, b, groups=2).numpy())


def test_int64_input_float_bias_is_refused_not_truncated() -> None:
    x, w = np.ones((1, 1, 3), np.int64), np.ones((1, 1, 2), np.int64)
    with pytest.raises(tconv.TconvError, match="use an integer or bool dtype"):
        tconv.conv_transpose(x, w, np.array([0.7]))
    with pytest.raises(tconv.TconvError, match="use int64, the input's dtype"):
        tconv.conv(x, w, np.array([0.7]))
    assert tconv.conv_transpose(x, w, [5]).tolist() == [[[6, 7, 7, 6]]]  # plain data takes the input's dtype


# ------------------------------------------------------------------------------------------------------------
# per-axis values
# ------------------------------------------------------------------------------------------------------------

PER_AXIS_REFUSED = [
    pytest.param({3: "a"}, "dict", id="dict"),
    pytest.param({2, 3}, "set", id="set"),
    pytest.param(range(2, 4), "range", id="range"),
    pytest.param(True, "bool", id="bool"),
    pytest.param(2.0, "float", id="float"),
    pytest.param((2.0, 2), "float", id="tuple-with-float"),
    pytest.param("2", "string", id="str"),
    pytest.param(torch.tensor([2, 2]), "Tensor", id="tensor-1d"),
]


@pytest.mark.parametrize("value,words", PER_AXIS_REFUSED)
@pytest.mark.parametrize("name", ["stride", "padding", "dilation", "output_padding"])
def test_per_axis_values_torch_refuses_are_refused(name: str, value, words: str) -> None:
    x, w = torch.ones(1, 1, 5, 5, dtype=torch.float64), torch.ones(1, 1, 3, 3, dtype=torch.float64)
    with pytest.raises(TypeError):
        torch.nn.functional.conv_transpose2d(x, w, **{name: value})
    with pytest.raises(tconv.TconvError) as info:
        tconv.conv_transpose2d(x, w, **{name: value})
    assert name in str(info.value) and words in str(info.value)


PER_AXIS_ACCEPTED = [
    pytest.param(2, id="int"),
    pytest.param(np.int64(2), id="numpy-int"),
    pytest.param((2, 2), id="tuple"),
    pytest.param([2, 2], id="list"),
    pytest.param((2,), id="one-element"),
    pytest.param(torch.tensor(2), id="0d-tensor"),
    pytest.param((np.int64(2), 2), id="tuple-numpy-int"),
    pytest.param(torch.Size([2, 2]), id="torch.Size"),
]


@pytest.mark.parametrize("value", PER_AXIS_ACCEPTED)
@pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
def test_per_axis_values_torch_accepts_are_accepted(name: str, value) -> None:
    x, w = torch.rand(1, 1, 5, 5, dtype=torch.float64), torch.rand(1, 1, 3, 3, dtype=torch.float64)
    expected = torch.nn.functional.conv_transpose2d(x, w, **{name: value}).numpy()
    np.testing.assert_allclose(tconv.conv_transpose2d(x, w, **{name: value}), expected, atol=1e-12)


def test_one_dimensional_integer_array_is_the_one_extension() -> None:
    """Beyond torch (docs/guide.md): a 1-D NumPy integer array per axis; a float array is still refused."""
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(tconv.conv_transpose(x, w, stride=np.array([2, 1])),
                                  tconv.conv_transpose(x, w, stride=(2, 1)))
    with pytest.raises(tconv.TconvError, match=r"stride on axis 0 must be an integer, got np.float64\(2.0\)"):
        tconv.conv_transpose(x, w, stride=np.array([2.0, 1.0]))


# ------------------------------------------------------------------------------------------------------------
# empty batches, empty channels, zero-length outputs
# ------------------------------------------------------------------------------------------------------------


@st.composite
def edge_cases(draw):
    """Small configurations around zero: batch 0 (and unbatched), 0 channels, 0 spatial sizes, outputs of
    length 0 or below, dilation 0, output_padding past the limit."""
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: tuple(draw(st.integers(lo, hi)) for _ in range(nd))  # noqa: E731
    batch = draw(st.sampled_from([None, 0, 0, 1, 2]))
    groups = draw(st.integers(1, 2))
    cin = draw(st.sampled_from([0, groups, 2 * groups]))
    mg = draw(st.sampled_from([0, 1, 1, 2]))
    lead = (cin,) if batch is None else (batch, cin)
    return dict(
        nd=nd, x_shape=lead + ints(0, 3), w_shape=(cin, mg) + ints(0, 2), bias=draw(st.booleans()),
        kw=dict(stride=ints(1, 2), padding=ints(0, 3), output_padding=ints(0, 2), dilation=ints(0, 2), groups=groups),
    )


@given(cfg=edge_cases())
def test_zero_sizes_accepted_exactly_where_torch_accepts_them(cfg: dict) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(cfg["x_shape"]), rng.standard_normal(cfg["w_shape"])
    b = rng.standard_normal(cfg["w_shape"][1] * cfg["kw"]["groups"]) if cfg["bias"] else None
    tb = None if b is None else torch.from_numpy(b)
    try:
        expected = _torch_call("conv_transpose", cfg["nd"], torch.from_numpy(x), torch.from_numpy(w), tb, **cfg["kw"])
    except REFUSALS as exc:
        with pytest.raises(tconv.TconvError):
            tconv.conv_transpose(x, w, b, **cfg["kw"])
        assert str(exc)
        return
    actual = tconv.conv_transpose(x, w, b, **cfg["kw"])
    assert actual.shape == tuple(expected.shape)
    np.testing.assert_allclose(actual, expected.numpy(), atol=1e-9)


EMPTY = [  # (input shape, weight shape, kwargs, torch's result shape): PyTorch's empty-batch rules, spelled out
    ((0, 2, 1, 3), (2, 1, 1, 1), dict(stride=2, padding=(1, 0), output_padding=(1, 0)), (0, 1, 0, 5)),
    ((0, 2, 3, 3), (2, 1, 3, 3), dict(output_padding=5), (0, 1, 10, 10)),
    ((0, 2, 3, 3), (2, 1, 3, 3), dict(dilation=(1, 0)), (0, 1, 5, 3)),
    ((0, 2, 0, 3), (2, 1, 3, 3), {}, (0, 1, 2, 5)),
]


@pytest.mark.parametrize("xs,ws,kw,shape", EMPTY, ids=["output-0", "output_padding-5", "dilation-0", "input-0"])
def test_empty_batch_skips_the_size_checks_as_torch_does(xs, ws, kw, shape) -> None:
    assert tuple(_torch_call("conv_transpose", 2, torch.ones(xs), torch.ones(ws), None, **kw).shape) == shape
    y = tconv.conv_transpose(np.ones(xs, np.float32), np.ones(ws, np.float32), **kw)
    assert y.shape == shape and y.dtype == np.float32


def test_zero_length_output_with_a_batch_is_refused_naming_the_size() -> None:
    with pytest.raises(tconv.TconvError, match=r"padding 1 on axis 0 leaves no output: .* = 0, which must be at"):
        tconv.conv_transpose(np.ones((1, 2, 1, 1)), np.ones((2, 1, 1, 1)), stride=2, padding=1, output_padding=1)
    with pytest.raises(tconv.TconvError, match=r"padding 2 on axis 0 gives a negative output size: .* = -3"):
        tconv.conv_transpose(np.ones((0, 2, 1, 3)), np.ones((2, 1, 1, 1)), padding=(2, 0))


# ------------------------------------------------------------------------------------------------------------
# bfloat16
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_bfloat16_is_computed_and_returned_in_float32(nd: int) -> None:
    g = torch.Generator().manual_seed(nd)
    x = torch.randn((2, 4) + (5,) * nd, generator=g).to(torch.bfloat16)
    w = torch.randn((4, 3) + (3,) * nd, generator=g).to(torch.bfloat16)
    b = torch.randn(3, generator=g).to(torch.bfloat16)
    actual = tconv.conv_transpose(x, w, b, stride=2, padding=1)
    assert actual.dtype == np.float32
    exact = torch.nn.functional.conv_transpose2d if nd == 2 else TORCH_TRANSPOSED[nd]
    in_float32 = exact(x.float(), w.float(), b.float(), stride=2, padding=1).numpy()
    np.testing.assert_allclose(actual, in_float32, rtol=1e-5, atol=1e-5)  # the bfloat16 values, exactly, in f32
    rounded = torch.from_numpy(actual).to(torch.bfloat16).float()
    torch_bf16 = exact(x, w, b, stride=2, padding=1).float()
    np.testing.assert_allclose(rounded.numpy(), torch_bf16.numpy(), rtol=2 ** -7, atol=2e-2)  # bf16 rounding


def test_bfloat16_mixed_with_float32_is_refused_as_torch_does() -> None:
    x, w = torch.ones(1, 1, 3, dtype=torch.bfloat16), torch.ones(1, 1, 2)
    with pytest.raises(RuntimeError):
        torch.nn.functional.conv_transpose1d(x, w)
    with pytest.raises(tconv.TconvError, match="input dtype bfloat16 and weight dtype float32 differ"):
        tconv.conv_transpose(x, w)


def test_ml_dtypes_bfloat16_arrays_are_read_as_float32() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([[[1.5, 2.0, -3.0]]], dtype=ml_dtypes.bfloat16)
    w = np.array([[[1.0, 0.5]]], dtype=ml_dtypes.bfloat16)
    y = tconv.conv_transpose(x, w)
    assert y.dtype == np.float32
    assert y.tolist() == [[[1.5, 2.75, -2.0, -1.5]]]


# ------------------------------------------------------------------------------------------------------------
# ONNX: output_shape with output_padding, against ONNX Runtime
# ------------------------------------------------------------------------------------------------------------

ONNX_SHAPES = [
    (L, k, s, op, out)
    for L, k, s in [(3, 3, 2), (2, 2, 2), (3, 3, 3), (3, 2, 1)]
    for op in range(s)
    for out in range((L - 1) * s + k - 1, (L - 1) * s + k + s + 1)
]


@pytest.mark.parametrize("L,k,s,op,out", ONNX_SHAPES, ids=["L{}-k{}-s{}-op{}-out{}".format(*c) for c in ONNX_SHAPES])
def test_onnx_output_shape_with_output_padding_as_onnxruntime(L: int, k: int, s: int, op: int, out: int) -> None:
    """With output_shape, ONNX Runtime accepts at most F + stride − 1, whatever output_padding is."""
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    from tconv.frameworks.onnx import onnx_conv_transpose

    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], strides=[s], output_padding=[op], output_shape=[out])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, L]),
                                            helper.make_tensor_value_info("W", TensorProto.FLOAT, [1, 1, k])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.arange(1, L + 1, dtype=np.float32).reshape(1, 1, L)
    w = np.arange(1, k + 1, dtype=np.float32).reshape(1, 1, k)
    options = ort.SessionOptions()
    options.log_severity_level = 4  # ORT logs its refusal to stderr too
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    try:
        expected = session.run(None, {"X": x, "W": w})[0]
    except Exception:  # onnxruntime's own exception types
        expected = None
    full = (L - 1) * s + k
    assert (expected is not None) == (out <= full + s - 1)
    if expected is None:
        with pytest.raises(tconv.TconvError, match=f"the largest for input {L} is {full + s - 1}, whatever"):
            onnx_conv_transpose(x, w, strides=[s], output_padding=[op], output_shape=[out])
    else:
        np.testing.assert_array_equal(onnx_conv_transpose(x, w, strides=[s], output_padding=[op], output_shape=[out]),
                                      expected)
