"""tconv.grad and the layers' backward equal torch 2.13.0's autograd, for every rank, parameter and dtype."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tconv
from helpers import TORCH_CONV, TORCH_MODULE, TORCH_TRANSPOSED, Case, torch
from strategies import valid_cases, valid_conv_cases
from tconv import grad
from test_memory import SLACK, _layout, budget, memory_cases, traced_peak


@contextmanager
def engine(name: str) -> Iterator[None]:
    """``"flat"`` forces the flat layout (:mod:`tconv.algorithms._strided`) onto every layer, however narrow and
    small (the drawn layers are both, so they would never reach it); ``"auto"`` leaves the rule as it is."""
    from tconv.algorithms import _strided

    saved = _strided.MIN_CHANNELS, _strided.MAX_ZEROS
    if name == "flat":
        _strided.MIN_CHANNELS, _strided.MAX_ZEROS = 1, float("inf")
    try:
        yield
    finally:
        _strided.MIN_CHANNELS, _strided.MAX_ZEROS = saved


ENGINES = ["auto", "flat"]
#: The dtype × path matrices draw half the profile's examples each (every cell still sees dozens of layers).
HALF = settings(max_examples=max(10, settings.default.max_examples // 2))

#: Absolute tolerance per dtype for a sum of O(1) terms, scaled by the square root of the number of terms (as
#: tests/helpers.py scales the forward's); float16 is compared with torch's float32 gradients as the forward is.
TOLERANCE = {np.float64: 1e-10, np.float32: 2e-5, np.complex128: 1e-10, np.complex64: 2e-5}
FLOATS = [np.float64, np.float32, np.complex128, np.complex64]


def arrays(shapes: list[tuple[int, ...] | None], dtype: Any, seed: int = 0) -> list[np.ndarray | None]:
    """Random arrays of these shapes (None stays None): small integers for int64, standard normal values otherwise,
    with imaginary parts for complex dtypes."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray | None] = []
    for shape in shapes:
        if shape is None:
            out.append(None)
        elif np.dtype(dtype) == np.int64:
            out.append(rng.integers(-4, 5, size=shape))
        else:
            a = rng.standard_normal(shape)
            if np.dtype(dtype).kind == "c":
                a = a + 1j * rng.standard_normal(shape)
            out.append(a.astype(dtype))
    return out


def assert_grad_close(actual: np.ndarray, expected: np.ndarray, dtype: Any, terms: int) -> None:
    """Same shape and dtype; values within the dtype's tolerance for a sum of ``terms`` products (exact for int64;
    float16 against torch's float32, with the forward's float16 tolerances)."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    if np.dtype(dtype) == np.int64:
        np.testing.assert_array_equal(actual, expected.astype(np.int64))
    elif np.dtype(dtype) == np.float16:
        np.testing.assert_allclose(actual.astype(np.float32), expected, rtol=2e-3, atol=2e-2)
    else:
        tol = TOLERANCE[np.dtype(dtype).type]
        np.testing.assert_allclose(actual, expected, rtol=tol * 10, atol=tol * max(1.0, np.sqrt(terms)))


def _tensor(a: np.ndarray | None, grad: bool = True) -> Any:
    if a is None:
        return None
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.requires_grad_() if grad else t


def torch_transposed_grads(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dy: np.ndarray, case: Case,
                           output_size: Any = None) -> list[np.ndarray | None]:
    """torch's forward (its module where output_size is given) and autograd: [dx, dw, db or None]."""
    tx, tw, tb = _tensor(x), _tensor(w), _tensor(b)
    if output_size is None:
        y = TORCH_TRANSPOSED[case.nd](tx, tw, tb, **case.kwargs())
        params = [tx, tw] + ([tb] if tb is not None else [])
    else:
        m = TORCH_MODULE[case.nd](w.shape[0], w.shape[1] * case.groups, case.kernel_size, case.stride, case.padding,
                                  case.output_padding, case.groups, b is not None, case.dilation, dtype=tw.dtype)
        with torch.no_grad():
            m.weight.copy_(tw)
            if b is not None:
                m.bias.copy_(tb)
        y = m(tx, output_size=output_size)
        params = [tx, m.weight] + ([m.bias] if b is not None else [])
    got = [g.numpy() for g in torch.autograd.grad(y, params, _tensor(dy, grad=False))]
    return got + ([None] if b is None else [])


def transposed_grads(x: np.ndarray, w_shape: tuple[int, ...], w: np.ndarray, dy: np.ndarray, nd: int,
                     **kwargs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (grad.conv_transpose_input(x.shape, w, dy, **kwargs), grad.conv_transpose_weight(x, w_shape, dy, **kwargs),
            grad.bias(dy, nd))


def _cast(arrs: Any, dtype: Any) -> list[np.ndarray | None]:
    return [None if a is None else a.astype(dtype) for a in arrs]


def _oracle_dtype(dtype: Any) -> Any:
    """What torch computes the expected gradients in: float32 for float16 (as the forward's tests do), float64 for
    int64 (torch has no int64 backward; small integers are exact in float64), else the dtype itself."""
    return {np.float16: np.float32, np.int64: np.float64}.get(dtype, dtype)


def check_transposed(case: Case, dtype: Any, seed: int = 0, output_size: Any = None) -> None:
    drawn = np.float64 if dtype == np.float16 else dtype
    x, w, b = _cast(arrays([a if a is None else a.shape for a in case.arrays(seed)], drawn, seed), dtype)
    assert x is not None and w is not None
    kwargs = dict(case.kwargs(), output_size=output_size)
    (dy,) = _cast(arrays([tconv.conv_transpose(x, w, **kwargs).shape], drawn, seed + 1), dtype)
    assert dy is not None
    oracle = _oracle_dtype(dtype)
    expected = torch_transposed_grads(*_cast((x, w, b, dy), oracle), case, output_size)  # type: ignore[arg-type]
    actual = transposed_grads(x, w.shape, w, dy, case.nd, **kwargs)
    n = x.shape[0] if case.batch is not None else 1
    terms = (case.out_per_group * int(np.prod(case.kernel_size)), n * int(np.prod(case.input_size)),
             n * int(np.prod(dy.shape[-case.nd:])))
    for got, want, count in zip(actual, expected, terms):
        if want is not None:
            assert_grad_close(got, want, dtype, count)


@pytest.mark.parametrize("how", ENGINES)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@HALF
@given(case=valid_cases())
def test_transposed_gradients_equal_autograd(how: str, dtype: Any, case: Case) -> None:
    """conv_transpose_input, conv_transpose_weight and bias equal torch.autograd.grad through
    F.conv_transpose{1,2,3}d, for every rank, stride, padding, output_padding, dilation, groups, unbatched input and
    dtype (complex: torch's conjugate convention, dx = Cᴴ dy), on both paths (patches and the flat layout)."""
    with engine(how):
        check_transposed(case, dtype)


@pytest.mark.parametrize("how", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64], ids=lambda d: np.dtype(d).name)
@HALF
@given(case=valid_cases(max_size=4), data=st.data())
def test_transposed_gradients_with_output_size(how: str, dtype: Any, case: Case, data: st.DataObject) -> None:
    """output_size (as nn.ConvTranspose*d.forward takes it) chooses output_padding for the gradients too; float16
    against torch's float32 gradients, int64 exactly (torch has no int64 backward: its float64 one)."""
    lo = [(L - 1) * s - 2 * p + d * (k - 1) + 1
          for L, s, p, d, k in zip(case.input_size, case.stride, case.padding, case.dilation, case.kernel_size)]
    assume(all(m + s - 1 >= 1 for m, s in zip(lo, case.stride)))
    wanted = [data.draw(st.integers(max(1, m), m + s - 1)) for m, s in zip(lo, case.stride)]
    with engine(how):
        check_transposed(case, dtype, output_size=wanted)


def torch_conv_grads(cfg: dict, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                     dy: np.ndarray) -> list[np.ndarray | None]:
    tx, tw, tb = _tensor(x), _tensor(w), _tensor(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about "same" with even kernels
        y = TORCH_CONV[cfg["nd"]](tx, tw, tb, **cfg["kwargs"])
    params = [p for p in (tx, tw, tb) if p is not None]
    got = [g.numpy() for g in torch.autograd.grad(y, params, _tensor(dy, grad=False))]
    return got + ([None] if b is None else [])


def check_conv(cfg: dict, dtype: Any, seed: int = 0) -> None:
    b_shape = (cfg["w_shape"][0],) if cfg["bias"] else None
    drawn = np.float64 if dtype == np.float16 else dtype
    x, w, b = _cast(arrays([cfg["x_shape"], cfg["w_shape"], b_shape], drawn, seed), dtype)
    assert x is not None and w is not None
    kwargs, nd = cfg["kwargs"], cfg["nd"]
    (dy,) = _cast(arrays([tconv.conv(x, w, **kwargs).shape], drawn, seed + 1), dtype)
    assert dy is not None
    expected = torch_conv_grads(cfg, *_cast((x, w, b, dy), _oracle_dtype(dtype)))  # type: ignore[arg-type]
    actual = (grad.conv_input(x.shape, w, dy, **kwargs), grad.conv_weight(x, w.shape, dy, **kwargs),
              grad.bias(dy, nd))
    n = x.shape[0] if x.ndim == nd + 2 else 1
    terms = (cfg["w_shape"][0] * int(np.prod(cfg["w_shape"][2:])), n * int(np.prod(dy.shape[-nd:])),
             n * int(np.prod(dy.shape[-nd:])))
    for got, want, count in zip(actual, expected, terms):
        if want is not None:
            assert_grad_close(got, want, dtype, count)


@pytest.mark.parametrize("how", ENGINES)
@pytest.mark.parametrize("dtype", [*FLOATS, np.float16, np.int64], ids=lambda d: np.dtype(d).name)
@HALF
@given(cfg=valid_conv_cases())
def test_conv_gradients_equal_autograd(how: str, dtype: Any, cfg: dict) -> None:
    """conv_input, conv_weight and bias equal torch.autograd.grad through F.conv{1,2,3}d (what torch.nn.grad's
    conv*d_input/_weight compute), padding="same"/"valid" and unbatched input included, which torch.nn.grad refuses
    but autograd through the functional form takes."""
    with engine(how):
        check_conv(cfg, dtype)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_torch_nn_grad_functions_give_the_same(nd: int) -> None:
    """The same numbers as torch.nn.grad.conv{1,2,3}d_input and _weight themselves (the names mirrored)."""
    rng = np.random.default_rng(nd)
    x, w = rng.standard_normal((2, 4) + (6,) * nd), rng.standard_normal((6, 2) + (3,) * nd)
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    dy = rng.standard_normal(tconv.conv(x, w, **kw).shape)
    tx, tw, tdy = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(dy)
    expected_x = getattr(torch.nn.grad, f"conv{nd}d_input")(tx.shape, tw, tdy, **kw).numpy()
    expected_w = getattr(torch.nn.grad, f"conv{nd}d_weight")(tx, tw.shape, tdy, **kw).numpy()
    np.testing.assert_allclose(grad.conv_input(x.shape, w, dy, **kw), expected_x, atol=1e-12)
    np.testing.assert_allclose(grad.conv_weight(x, w.shape, dy, **kw), expected_w, atol=1e-12)


# --------------------------------------------------------------------------------------------------
# The gradients tied to tconv's own forward: y is linear in x and in w, so ⟨dy, y⟩ = ⟨dx, x⟩ = ⟨dw, w⟩
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=lambda d: np.dtype(d).name)
@given(case=valid_cases())
def test_transposed_gradients_are_the_forwards_adjoints(dtype: Any, case: Case) -> None:
    """For y = conv_transpose(x, w): ⟨dy, y⟩ = ⟨dx, x⟩ = ⟨dw, w⟩ (vdot, the first argument conjugated: dx = Cᴴ dy),
    and ⟨dy, y(b) − y(0)⟩ = ⟨db, b⟩: the gradients are the forward's adjoints, whatever torch says."""
    x, w, b = arrays([s.shape if s is not None else None for s in case.arrays()], dtype, 5)
    assert x is not None and w is not None
    y = tconv.conv_transpose(x, w, **case.kwargs())
    (dy,) = arrays([y.shape], dtype, 6)
    assert dy is not None
    dx, dw, db = transposed_grads(x, w.shape, w, dy, case.nd, **case.kwargs())
    inner = np.vdot(dy, y)
    np.testing.assert_allclose(np.vdot(dx, x), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.vdot(dw, w), inner, rtol=1e-9, atol=1e-9)
    if b is not None:  # y(b) − y(0) is b in every cell: ⟨dy, b⟩ = Σ_c b_c · conj(Σ dy_c) = ⟨db, b⟩
        with_bias = tconv.conv_transpose(x, w, b, **case.kwargs())
        np.testing.assert_allclose(np.vdot(dy, with_bias - y), np.vdot(db, b), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=lambda d: np.dtype(d).name)
@given(cfg=valid_conv_cases())
def test_conv_gradients_are_the_forwards_adjoints(dtype: Any, cfg: dict) -> None:
    """For z = conv(x, w): ⟨dz, z⟩ = ⟨dx, x⟩ = ⟨dw, w⟩."""
    x, w = arrays([cfg["x_shape"], cfg["w_shape"]], dtype, 7)
    assert x is not None and w is not None
    z = tconv.conv(x, w, **cfg["kwargs"])
    (dz,) = arrays([z.shape], dtype, 8)
    assert dz is not None
    inner = np.vdot(dz, z)
    np.testing.assert_allclose(np.vdot(grad.conv_input(x.shape, w, dz, **cfg["kwargs"]), x), inner, rtol=1e-9,
                               atol=1e-9)
    np.testing.assert_allclose(np.vdot(grad.conv_weight(x, w.shape, dz, **cfg["kwargs"]), w), inner, rtol=1e-9,
                               atol=1e-9)


@given(case=valid_cases(unbatched=False))
def test_each_input_gradient_is_the_other_convolution(case: Case) -> None:
    """Seed 002: the input gradient of conv_transpose is tconv.conv with the same weight, and the input gradient of
    that conv is conv_transpose with the same weight (output_padding set so that it reaches the input's size)."""
    x, w, _ = case.arrays(9)
    y = tconv.conv_transpose(x, w, **case.kwargs())
    conv_kw = dict(stride=case.stride, padding=case.padding, dilation=case.dilation, groups=case.groups)
    dx = grad.conv_transpose_input(x.shape, w, y, **case.kwargs())
    np.testing.assert_allclose(dx, tconv.conv(y, w, **conv_kw)[(..., *(slice(0, n) for n in case.input_size))],
                               atol=1e-10)
    # and back: conv's input gradient, for the conv whose input has y's shape, is conv_transpose of its output
    z = tconv.conv(y, w, **conv_kw)
    assume(all(n == m for n, m in zip(z.shape[2:], case.input_size)))  # op < stride: the conv gives back x's size
    np.testing.assert_allclose(grad.conv_input(y.shape, w, x, **conv_kw), y, atol=1e-10)


# --------------------------------------------------------------------------------------------------
# Refusals and the memory guard
# --------------------------------------------------------------------------------------------------


X, W = np.ones((1, 2, 4, 4)), np.ones((2, 3, 3, 3))
DY = np.ones((1, 3, 9, 9))  # conv_transpose(X, W, stride=2): (4 − 1)·2 + 3 = 9


@pytest.mark.parametrize("call,pattern", [
    (lambda: grad.conv_transpose_input(X.shape, W, np.ones((1, 3, 8, 8)), stride=2),
     r"grad_output has shape \[1, 3, 8, 8\], but the transposed convolution of an input of shape \[1, 2, 4, 4\] has "
     r"shape \[1, 3, 9, 9\]"),
    (lambda: grad.conv_transpose_weight(X, W.shape, np.ones((1, 3, 9, 9)), stride=1),
     r"grad_output has shape \[1, 3, 9, 9\].*\[1, 3, 6, 6\]"),
    (lambda: grad.conv_input((1, 3, 9, 9), W, np.ones((1, 2, 5, 5)), stride=2),
     r"grad_output has shape \[1, 2, 5, 5\], but the convolution of an input of shape \[1, 3, 9, 9\] has shape "
     r"\[1, 2, 4, 4\]"),
    (lambda: grad.conv_weight(DY, W.shape, np.ones((1, 2, 4, 4, 1)), stride=2), r"grad_output has shape"),
    (lambda: grad.conv_transpose_input(X, W, DY, stride=2), r"input_size must be a shape, got an array of shape"),
    (lambda: grad.conv_transpose_input("1, 2", W, DY), r"input_size must be a sequence of at most 8 integers"),
    (lambda: grad.conv_transpose_weight(X, (2, 3, 3), DY),  # the rank comes from the weight, as in the forward
     r"input must have 2 \(unbatched\) or 3 \(batched\) dimensions for conv_transpose1d"),
    (lambda: grad.conv_weight(DY, [3, 2.5, 3, 3], X), r"weight_size"),
    (lambda: grad.conv_transpose_input(X.shape, W, DY.astype(np.float32), stride=2),
     r"grad_output dtype float32 and weight dtype float64 differ"),
    (lambda: grad.conv_transpose_weight(X.astype(np.float32), W.shape, DY, stride=2),
     r"input dtype float32 and grad_output dtype float64 differ"),
    (lambda: grad.conv_transpose_input(X.shape, W, DY, stride=2, output_padding=2),
     r"output_padding 2 on axis 0 must be smaller than stride \(2\)"),  # the forward's own words
    (lambda: grad.conv_input((1, 3, 9, 9), W, DY, stride=2, padding="same"), r"padding 'same' needs stride 1"),
    (lambda: grad.conv_input((1, 3, 9, 9), W, DY.astype(np.int8)), r"grad_output dtype int8 is not supported"),
    (lambda: grad.bias(np.ones((3, 4))), r"grad_output must have 3, 4 or 5 dimensions"),
    (lambda: grad.bias(np.ones((3, 4)), nd=2), r"grad_output must have 3 \(unbatched\) or 4 \(batched\) dimensions"),
    (lambda: grad.bias(np.ones((3, 4)), nd=0), r"nd 0 must be at least 1"),
    (lambda: grad.bias(["a"]), r"grad_output must hold numbers"),
], ids=["shape-transposed-input", "shape-transposed-weight", "shape-conv-input", "shape-conv-weight",
        "array-as-input-size", "string-as-input-size", "weight-size-rank", "float-in-weight-size", "dtype-vs-weight",
        "dtype-vs-input", "output-padding", "same-with-stride", "int8", "bias-rank", "bias-nd-rank", "bias-nd",
        "bias-text"])
def test_refusals_name_the_parameter(call: Any, pattern: str) -> None:
    with pytest.raises(tconv.TconvError, match=pattern):
        call()


@pytest.mark.parametrize("name", ["conv_transpose_input", "conv_transpose_weight", "conv_input", "conv_weight"])
def test_memory_guard_refuses_before_allocating(name: str) -> None:
    """A gradient beyond the budget is refused before anything is allocated (tracemalloc sees almost nothing)."""
    x = np.broadcast_to(np.float32(1), (64, 64, 256, 256))  # 1 GiB were it real; 4 bytes here
    w = np.ones((64, 64, 3, 3), np.float32)
    if name.startswith("conv_transpose"):
        dy = np.broadcast_to(np.float32(1), (64, 64, 258, 258))
        call = {"conv_transpose_input": lambda: grad.conv_transpose_input(x.shape, w, dy),
                "conv_transpose_weight": lambda: grad.conv_transpose_weight(x, w.shape, dy)}[name]
    else:
        dy = np.broadcast_to(np.float32(1), (64, 64, 254, 254))
        call = {"conv_input": lambda: grad.conv_input(x.shape, w, dy),
                "conv_weight": lambda: grad.conv_weight(x, w.shape, dy)}[name]

    def refused() -> None:
        with pytest.raises(tconv.TconvError, match=f"{name} for an input of shape .* memory budget"):
            call()

    with budget(256 << 20):
        _, peak = traced_peak(refused)
    assert peak < SLACK


@given(memory_cases(), st.sampled_from(["input", "weight"]), st.sampled_from(ENGINES))
def test_transposed_peak_stays_within_what_the_guard_checked(case: dict[str, Any], which: str, how: str) -> None:
    """tracemalloc's peak during a gradient ≤ what the guard checked (grad.memory_need) + SLACK, for drawn layers,
    dtypes and memory layouts; with the budget one byte short the call is refused."""
    dtype, kwargs = case["dtype"], case["kwargs"]
    x = _layout(np.ones(case["x_shape"], dtype), case["x_layout"])
    w = _layout(np.ones(case["w_shape"], dtype), case["w_layout"])
    plan = tconv.plan(x.shape, w.shape, None, **kwargs, dtype=np.dtype(dtype).name).plan
    dy = _layout(np.ones(plan.output_shape, dtype), case["x_layout"])
    first = w if which == "input" else x
    call = ((lambda: grad.conv_transpose_input(x.shape, w, dy, **kwargs)) if which == "input" else
            (lambda: grad.conv_transpose_weight(x, w.shape, dy, **kwargs)))
    with engine(how):
        need = grad.memory_need(plan, which, first, dy)
        call()
        with budget(need):
            result, peak = traced_peak(call)
        with budget(need - 1), pytest.raises(tconv.TconvError, match="memory budget"):
            call()
    assert result.shape == (x.shape if which == "input" else w.shape) and result.dtype == dtype
    assert peak <= need + SLACK, f"peak {peak:,} > checked {need:,} + {SLACK:,}"


@given(memory_cases(), st.sampled_from(["input", "weight"]), st.sampled_from(ENGINES))
def test_conv_peak_stays_within_what_the_guard_checked(case: dict[str, Any], which: str, how: str) -> None:
    """The same for the direct convolution's gradients (padding d·(k − 1): every kernel fits every input)."""
    from tconv.params import plan_conv

    dtype, kw = case["dtype"], case["kwargs"]
    cin, mg, *kernel = case["w_shape"]
    kwargs = dict(stride=kw["stride"], padding=[d * (k - 1) for k, d in zip(kernel, kw["dilation"])],
                  dilation=kw["dilation"], groups=kw["groups"])
    x = _layout(np.ones(case["x_shape"], dtype), case["x_layout"])
    w = _layout(np.ones((mg * kw["groups"], cin // kw["groups"], *kernel), dtype), case["w_layout"])
    plan = plan_conv(x.shape, w.shape, None, **kwargs, dtype=np.dtype(dtype).name)
    dy = _layout(np.ones(plan.output_shape, dtype), case["x_layout"])
    first = w if which == "input" else x
    call = ((lambda: grad.conv_input(x.shape, w, dy, **kwargs)) if which == "input" else
            (lambda: grad.conv_weight(x, w.shape, dy, **kwargs)))
    with engine(how):
        need = grad.memory_need(plan, which, first, dy)
        call()
        with budget(need):
            result, peak = traced_peak(call)
        with budget(need - 1), pytest.raises(tconv.TconvError, match="memory budget"):
            call()
    assert result.shape == (x.shape if which == "input" else w.shape) and result.dtype == dtype
    assert peak <= need + SLACK, f"peak {peak:,} > checked {need:,} + {SLACK:,}"


def test_empty_batch_gives_zero_gradients() -> None:
    """A batch of 0: the input gradient is empty, the weight's and the bias's are zeros (an empty sum), as torch's."""
    x, w = np.zeros((0, 2, 4)), np.ones((2, 3, 3))
    dy = np.zeros((0, 3, 6))
    assert grad.conv_transpose_input(x.shape, w, dy).shape == (0, 2, 4)
    assert grad.conv_transpose_weight(x, w.shape, dy).tolist() == np.zeros((2, 3, 3)).tolist()
    assert grad.bias(dy).tolist() == [0.0, 0.0, 0.0]
    assert grad.conv_weight(np.zeros((0, 3, 6)), (2, 3, 3), np.zeros((0, 2, 4))).shape == (2, 3, 3)


def test_bfloat16_tensors_are_computed_and_returned_in_float32() -> None:
    """bfloat16, as the forward reads it: exactly as float32 values, computed and returned in float32."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5)).astype(np.float32), rng.standard_normal((2, 3, 3)).astype(np.float32)
    dy = rng.standard_normal((1, 3, 11)).astype(np.float32)
    as_bf16 = [torch.from_numpy(a).to(torch.bfloat16) for a in (x, w, dy)]
    exact = [t.float().numpy() for t in as_bf16]
    got = grad.conv_transpose_weight(as_bf16[0], w.shape, as_bf16[2], stride=2)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, grad.conv_transpose_weight(exact[0], w.shape, exact[2], stride=2), rtol=1e-6)


# --------------------------------------------------------------------------------------------------
# The layers' backward
# --------------------------------------------------------------------------------------------------


@given(case=valid_cases(dtypes=(np.float64,)), use_output_size=st.booleans())
def test_layer_backward_equals_torch_modules(case: Case, use_output_size: bool) -> None:
    """layer.backward(dy) returns torch's input gradient and stores its weight.grad and bias.grad, for every rank,
    parameter, bias on and off, unbatched input and output_size."""
    x, w, b = case.arrays(11)
    module = TORCH_MODULE[case.nd](w.shape[0], w.shape[1] * case.groups, case.kernel_size, case.stride, case.padding,
                                   case.output_padding, case.groups, b is not None, case.dilation,
                                   dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(w))
        if b is not None:
            module.bias.copy_(torch.from_numpy(b))
    output_size = None
    # the size the layer gives anyway, asked for explicitly (torch's range: output_padding < stride)
    if use_output_size and all(op < s for op, s in zip(case.output_padding, case.stride)):
        output_size = list(tconv.conv_transpose(x, w, **case.kwargs()).shape[-case.nd:])
    tx = torch.from_numpy(x).requires_grad_()
    y = module(tx, output_size=output_size)
    dy = np.random.default_rng(12).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(dy))
    layer = getattr(tconv, f"ConvTranspose{case.nd}d").from_torch(module)
    out = layer(x, output_size=output_size)
    np.testing.assert_allclose(out, y.detach().numpy(), atol=1e-10)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(layer.weight_grad, module.weight.grad.numpy(), atol=1e-10)
    if b is None:
        assert layer.bias_grad is None
    else:
        np.testing.assert_allclose(layer.bias_grad, module.bias.grad.numpy(), atol=1e-10)


def test_layer_backward_refusals() -> None:
    layer = tconv.ConvTranspose2d(2, 3, 3, stride=2, rng=0)
    with pytest.raises(tconv.TconvError, match=r"ConvTranspose2d.backward needs a forward call first"):
        layer.backward(np.ones((1, 3, 9, 9), np.float32))
    layer(np.ones((1, 2, 4, 4), np.float32))
    with pytest.raises(tconv.TconvError, match=r"grad_output has shape \[1, 3, 8, 8\], but the layer's last output "
                                               r"had shape \[1, 3, 9, 9\]"):
        layer.backward(np.ones((1, 3, 8, 8), np.float32))
    with pytest.raises(tconv.TconvError, match=r"grad_output dtype float64 and weight dtype float32 differ"):
        layer.backward(np.ones((1, 3, 9, 9)))
    layer.weight = np.ones((2, 3, 2, 2), np.float32)
    with pytest.raises(tconv.TconvError, match=r"call the layer again before backward"):
        layer.backward(np.ones((1, 3, 9, 9), np.float32))
    copied = __import__("copy").deepcopy(layer)  # the kept input is not part of the layer's state
    with pytest.raises(tconv.TconvError, match=r"needs a forward call first"):
        copied.backward(np.ones((1, 3, 9, 9), np.float32))


# --------------------------------------------------------------------------------------------------
# The guide's example: a tiny decoder trained in NumPy, step by step as in torch
# --------------------------------------------------------------------------------------------------


def _guide_training_block() -> str:
    text = (Path(__file__).parent.parent / "docs" / "guide.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "decoder.backward" in b]
    assert len(blocks) == 1, "docs/guide.md's Gradients section has one training example"
    return blocks[0]


def test_the_guides_training_matches_torch_step_by_step() -> None:
    """docs/guide.md trains ConvTranspose2d(4, 2, 4, stride=2, padding=1) with MSE and SGD for 5 steps in NumPy;
    the same training in torch gives the same loss at every step (rtol 1e-5, float64)."""
    namespace: dict[str, Any] = {}
    exec(_guide_training_block(), namespace)
    losses = namespace["losses"]
    assert len(losses) == 5 and losses[-1] < losses[0]
    start = tconv.ConvTranspose2d(4, 2, 4, stride=2, padding=1, dtype=np.float64, rng=0)  # the guide's layer
    module = torch.nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in start.state_dict().items()})
    optimizer = torch.optim.SGD(module.parameters(), lr=namespace["lr"])
    z, target = torch.from_numpy(namespace["z"]), torch.from_numpy(namespace["target"])
    expected = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(module(z), target)
        expected.append(loss.item())
        loss.backward()
        optimizer.step()
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    np.testing.assert_allclose(namespace["decoder"].weight, module.weight.detach().numpy(), rtol=1e-10)


# ---- padding words and padding modes: the gradients of what tconv computes beyond PyTorch's forward

MODES = ["zeros", "circular", "reflect", "replicate"]


@st.composite
def padded_layers(draw: st.DrawFn) -> dict[str, Any]:
    """A transposed layer with padding "same"/"valid" or a padding mode (within F.pad's limits), 1-3-D."""
    nd = draw(st.integers(1, 3))
    size = tuple(draw(st.integers(2, 5)) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    groups = draw(st.sampled_from([1, 2]))
    mode = draw(st.sampled_from(MODES))
    if mode == "zeros" and draw(st.booleans()):
        padding: Any = draw(st.sampled_from(["same", "valid"]))
    else:
        padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    return dict(nd=nd, size=size, kernel=kernel, stride=stride, dilation=dilation, groups=groups, mode=mode,
                padding=padding, batch=draw(st.integers(1, 2)), seed=draw(st.integers(0, 2**16)))


@settings(max_examples=80, deadline=None)
@given(layer=padded_layers())
def test_gradients_of_padding_words_and_modes_are_the_forwards_adjoints(layer: dict[str, Any]) -> None:
    """The forward is linear in its input and in its weight, so its gradients are its adjoints: for any x' and w',
    ⟨T(x'), dy⟩ = ⟨x', dx⟩ and ⟨T_w'(x), dy⟩ = ⟨w', dw⟩, with the forward that tests/test_padding.py holds to
    torch (the mode's adjoint of F.pad + conv; Keras/TF/JAX's "same")."""
    g, nd = layer["groups"], layer["nd"]
    x_shape = (layer["batch"], 2 * g, *layer["size"])
    w_shape = (2 * g, 1, *layer["kernel"])
    kw = dict(stride=layer["stride"], padding=layer["padding"], groups=g, dilation=layer["dilation"],
              padding_mode=layer["mode"])
    x, w, x2, w2 = arrays([x_shape, w_shape, x_shape, w_shape], np.float64, layer["seed"])
    try:
        y = tconv.conv_transpose(x, w, **kw)
    except tconv.TconvError:
        assume(False)  # a mode's limit (reflect's margins) or a layer with no output: refused by the forward
    dy = arrays([y.shape], np.float64, layer["seed"] + 1)[0]
    dx = grad.conv_transpose_input(x.shape, w, dy, **kw)
    dw = grad.conv_transpose_weight(x, w.shape, dy, **kw)
    assert dx.shape == x.shape and dw.shape == w.shape
    scale = 1e-9 * (1 + np.abs(dy).sum())
    assert abs(np.vdot(tconv.conv_transpose(x2, w, **kw), dy) - np.vdot(x2, dx)) < scale
    assert abs(np.vdot(tconv.conv_transpose(x, w2, **kw), dy) - np.vdot(w2, dw)) < scale
    # and the layer's backward says the same
    cls = [tconv.ConvTranspose1d, tconv.ConvTranspose2d, tconv.ConvTranspose3d][nd - 1]
    layer_ = cls(2 * g, 2, layer["kernel"], stride=layer["stride"], padding=layer["padding"], groups=g,
                 dilation=layer["dilation"], padding_mode=layer["mode"], bias=False, dtype=np.float64, rng=0)
    layer_.weight = w
    layer_(x)
    np.testing.assert_allclose(layer_.backward(dy), dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer_.weight_grad, dw, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(nd=st.integers(1, 3), mode=st.sampled_from(MODES[1:]), data=st.data())
def test_conv_gradients_with_a_padding_mode_equal_autograd(nd: int, mode: str, data: st.DataObject) -> None:
    """nn.Conv*d(padding_mode=m) is conv(F.pad(x, mode=m)): torch's autograd through it is the oracle."""
    size = tuple(data.draw(st.integers(3, 6)) for _ in range(nd))
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    padding = tuple(data.draw(st.integers(0, 2)) for _ in range(nd))
    stride = tuple(data.draw(st.integers(1, 2)) for _ in range(nd))
    x, w = arrays([(2, 2, *size), (3, 2, *kernel)], np.float64, data.draw(st.integers(0, 99)))
    try:
        y = tconv.conv(x, w, stride=stride, padding=padding, padding_mode=mode)
    except tconv.TconvError:
        assume(False)
    dy = arrays([y.shape], np.float64, 7)[0]
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    pads = [p for pair in reversed([(p, p) for p in padding]) for p in pair]
    conv = [torch.nn.functional.conv1d, torch.nn.functional.conv2d, torch.nn.functional.conv3d][nd - 1]
    ty = conv(torch.nn.functional.pad(tx, pads, mode=mode), tw, stride=stride)
    gx, gw = torch.autograd.grad(ty, (tx, tw), torch.tensor(dy))
    np.testing.assert_allclose(grad.conv_input(x.shape, w, dy, stride, padding, padding_mode=mode), gx.numpy(),
                               atol=1e-10)
    np.testing.assert_allclose(grad.conv_weight(x, w.shape, dy, stride, padding, padding_mode=mode), gw.numpy(),
                               atol=1e-10)
