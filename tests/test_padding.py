"""padding="same"/"valid" and padding_mode, beyond PyTorch's ConvTranspose (pytorch/pytorch#80301, #46027).

- padding_mode for transposed convolution is the adjoint of the direct convolution that pads so: tconv equals
  torch autograd's vector–Jacobian product of ``F.conv*d(F.pad(x, mode=m))``, and refuses what ``F.pad`` refuses;
- padding_mode for convolution equals ``nn.Conv*d(padding_mode=m)``;
- "same" and "valid" equal the outputs recorded from TensorFlow, Keras and JAX, Keras's window rule, and every
  engine honours the asymmetric crop;
- the layers' ``to_torch_code()`` runs in torch and gives the layer's numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from helpers import TOLERANCE, TORCH_CONV
from tconv import frameworks as F
from tconv.padding_modes import fold, folded_index, pad
from tconv.params import plan_conv_transpose
from tconv.shapes import effective_kernel_size, full_output_size
from test_memory import SLACK, budget, traced_peak

MODES = ("zeros", "circular", "reflect", "replicate")
DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "frameworks.json").read_text())["cases"]
ARRAYS = np.load(DATA / "frameworks.npz")
LAYERS = {1: tconv.ConvTranspose1d, 2: tconv.ConvTranspose2d, 3: tconv.ConvTranspose3d}
TORCH_CONV_MODULE = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}


def _close(actual: np.ndarray, expected: np.ndarray, dtype: Any, terms: int) -> None:
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    tol = TOLERANCE[np.dtype(dtype).type]
    np.testing.assert_allclose(actual, expected, rtol=tol * 10, atol=tol * np.sqrt(terms))


def _torch_pads(margins: list[tuple[int, int]]) -> tuple[int, ...]:
    """F.pad's order: the last axis first, (begin, end) each."""
    return tuple(v for b, e in reversed(margins) for v in (b, e))


# --------------------------------------------------------------------------------------------------
# padding_mode: the adjoint of F.pad + conv
# --------------------------------------------------------------------------------------------------


@st.composite
def mode_cases(draw: st.DrawFn) -> dict[str, Any]:
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: tuple(draw(st.integers(lo, hi)) for _ in range(nd))  # noqa: E731
    kernel, stride, dilation = ints(1, 3), ints(1, 3), ints(1, 2)
    size = ints(1, {1: 5, 2: 4, 3: 3}[nd])
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = ints(0, 3)
    groups = draw(st.integers(1, 2))
    return dict(nd=nd, kernel=kernel, stride=stride, dilation=dilation, size=size, output_padding=output_padding,
                padding=padding, groups=groups, cg=draw(st.integers(1, 2)), mg=draw(st.integers(1, 2)),
                mode=draw(st.sampled_from(MODES)), dtype=draw(st.sampled_from([np.float64, np.float32])),
                bias=draw(st.booleans()), batched=draw(st.booleans()), seed=draw(st.integers(0, 99)))


@settings(max_examples=150, deadline=None)
@given(case=mode_cases())
def test_padding_mode_is_the_vjp_of_padded_conv(case: dict[str, Any]) -> None:
    """tconv.conv_transpose(y, w, padding_mode=m) = torch.autograd.grad(F.conv(F.pad(x, mode=m), w), x, y) + bias,
    for every mode, rank, stride, dilation, output_padding and groups; refused exactly where torch refuses."""
    nd, s, d, p, op = case["nd"], case["stride"], case["dilation"], case["padding"], case["output_padding"]
    g, mode, dtype = case["groups"], case["mode"], case["dtype"]
    out = tuple((L - 1) * si - 2 * pi + effective_kernel_size(k, di) + o
                for L, k, si, pi, di, o in zip(case["size"], case["kernel"], s, p, d, op))
    rng = np.random.default_rng(case["seed"])
    cin, cout = g * case["cg"], g * case["mg"]
    y = rng.standard_normal((2, cin, *case["size"])).astype(dtype)
    w = rng.standard_normal((cin, case["mg"], *case["kernel"])).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if case["bias"] else None
    try:
        assert min(out) >= 1, "PyTorch's own size rule"
        x = torch.zeros(2, cout, *out, dtype=torch.from_numpy(y).dtype, requires_grad=True)
        padded = torch.nn.functional.pad(x, _torch_pads([(pi, pi) for pi in p]),
                                         mode="constant" if mode == "zeros" else mode)
        conv = TORCH_CONV[nd](padded, torch.from_numpy(w), stride=s, dilation=d, groups=g)
        # output_padding ≥ stride (dilation allows it) makes the conv longer: its adjoint reads the first cells
        conv = conv[(..., *(slice(0, L) for L in case["size"]))]
        (grad,) = torch.autograd.grad(conv, x, torch.from_numpy(y))
        expected = grad.numpy() + (0 if b is None else b.reshape((1, -1) + (1,) * nd))
    except (RuntimeError, AssertionError):
        with pytest.raises(tconv.TconvError):
            tconv.conv_transpose(y, w, b, s, p, op, g, d, padding_mode=mode)
        return
    yy = y if case["batched"] else y[0]
    got = tconv.conv_transpose(yy, w, b, s, p, op, g, d, padding_mode=mode)
    _close(got if case["batched"] else got[None], expected[:2 if case["batched"] else 1].astype(dtype), dtype,
           case["cg"] * int(np.prod(case["kernel"])) * 4)
    assert got.dtype == dtype


@settings(max_examples=100, deadline=None)
@given(case=mode_cases(), same=st.booleans())
def test_conv_padding_mode_equals_torch_module(case: dict[str, Any], same: bool) -> None:
    """tconv.conv(..., padding_mode=m) is nn.Conv*d(padding_mode=m)'s forward (with padding='same' at stride 1
    too), refused where the module refuses."""
    nd, mode, dtype, g = case["nd"], case["mode"], case["dtype"], case["groups"]
    s = (1,) * nd if same else case["stride"]
    padding: Any = "same" if same else case["padding"]
    rng = np.random.default_rng(case["seed"])
    cin, cout = g * case["cg"], g * case["mg"]
    size = tuple(n + 2 for n in case["size"])
    x = rng.standard_normal((2, cin, *size)).astype(dtype)
    w = rng.standard_normal((cout, case["cg"], *case["kernel"])).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if case["bias"] else None
    try:
        module = TORCH_CONV_MODULE[nd](cin, cout, case["kernel"], s, padding, case["dilation"], g, b is not None,
                                       mode, dtype=torch.from_numpy(x).dtype)
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(w))
            if b is not None:
                module.bias.copy_(torch.from_numpy(b))
            expected = module(torch.from_numpy(x)).numpy()
    except (RuntimeError, ValueError):
        with pytest.raises(tconv.TconvError):
            tconv.conv(x, w, b, s, padding, case["dilation"], g, padding_mode=mode)
        return
    got = tconv.conv(x, w, b, s, padding, case["dilation"], g, padding_mode=mode)
    _close(got, expected, dtype, case["cg"] * int(np.prod(case["kernel"])))


@settings(max_examples=60, deadline=None)
@given(case=mode_cases())
def test_same_stride_1_is_the_adjoint_of_conv_same(case: dict[str, Any]) -> None:
    """At stride 1, conv_transpose(padding="same", padding_mode=m) is the adjoint of conv(padding="same",
    padding_mode=m): ⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩, the asymmetric margins of an even kernel included."""
    mode, g = case["mode"], case["groups"]
    rng = np.random.default_rng(case["seed"])
    cin, cout = g * case["cg"], g * case["mg"]
    size = tuple(n + 3 for n in case["size"])
    x = rng.standard_normal((1, cin, *size))
    w = rng.standard_normal((cout, case["cg"], *case["kernel"]))
    y = rng.standard_normal((1, cout, *size))
    try:
        cx = tconv.conv(x, w, None, 1, "same", case["dilation"], g, padding_mode=mode)
    except tconv.TconvError:
        with pytest.raises(tconv.TconvError):
            tconv.conv_transpose(y, w, None, 1, "same", 0, g, case["dilation"], padding_mode=mode)
        return
    ty = tconv.conv_transpose(y, w, None, 1, "same", 0, g, case["dilation"], padding_mode=mode)
    assert cx.shape == y.shape and ty.shape == x.shape
    np.testing.assert_allclose(np.vdot(cx, y), np.vdot(x, ty), rtol=1e-10, atol=1e-9)


def test_fold_is_the_transpose_of_pad() -> None:
    """Pᵀ of every mode, as a matrix, is P's transpose (P built column by column from np.pad)."""
    for mode in MODES:
        for n, margins in ((3, (1, 2)), (4, (3, 3)), (5, (0, 4)), (2, (1, 0))):
            if (mode == "reflect" and max(margins) >= n) or (mode == "circular" and max(margins) > n):
                continue
            P = np.stack([pad(np.eye(n)[i], [margins], mode) for i in range(n)], axis=1)  # (n + b + e, n)
            PT = np.stack([fold(np.eye(n + sum(margins))[j].copy(), [margins], mode)
                           for j in range(n + sum(margins))], axis=1)
            np.testing.assert_array_equal(PT, P.T, err_msg=f"{mode} {n} {margins}")
            where = folded_index(np.arange(n + sum(margins)), margins[0], n, mode)
            for j, i in enumerate(where):  # the index map: the one non-zero of each column of Pᵀ
                assert (PT[:, j] != 0).sum() == (i >= 0) and (i < 0 or PT[i, j] == 1)


def test_padding_mode_refusals_name_the_mode_the_padding_and_the_limit() -> None:
    with pytest.raises(tconv.TconvError, match=r"padding_mode 'reflect' needs padding smaller than the output it "
                                               r"pads: padding 2 at the begin of axis 0, whose output has 2 cells; "
                                               r"valid range 0\.\.1"):
        tconv.conv_transpose(np.ones((1, 1, 2)), np.ones((1, 1, 5)), padding=2, stride=1, padding_mode="reflect",
                             output_padding=0)
    with pytest.raises(tconv.TconvError, match="padding_mode 'circular' needs padding at most the output"):
        tconv.conv_transpose(np.ones((1, 1, 1)), np.ones((1, 1, 5)), padding=2, padding_mode="circular")
    with pytest.raises(tconv.TconvError, match="padding_mode 'mirror' is not known"):
        tconv.conv(np.ones((1, 1, 3)), np.ones((1, 1, 3)), padding_mode="mirror")
    with pytest.raises(tconv.TconvError, match="padding_mode 'reflect' needs padding smaller than the input"):
        tconv.conv(np.ones((1, 1, 3)), np.ones((1, 1, 3)), padding=3, padding_mode="reflect")


def test_padding_mode_memory_is_guarded() -> None:
    """The uncropped result, the folded copy and replicate's sums are in the need, before anything is allocated."""
    x, w = np.ones((1, 4, 64, 64)), np.ones((4, 4, 3, 3))
    zeros = tconv.plan(x.shape, w.shape, stride=2, padding=1, dtype="float64")
    for mode in ("circular", "reflect", "replicate"):
        folded = tconv.plan(x.shape, w.shape, stride=2, padding=1, dtype="float64", padding_mode=mode)
        assert folded.memory_need(x, w) > zeros.memory_need(x, w) + 4 * 127 * 127 * 8 - 1
        with tconv.options(memory_budget=folded.memory_need(x, w) - 1), pytest.raises(tconv.TconvError,
                                                                                       match="memory budget"):
            tconv.conv_transpose(x, w, stride=2, padding=1, padding_mode=mode)


# --------------------------------------------------------------------------------------------------
# padding="same" and "valid"
# --------------------------------------------------------------------------------------------------


def _keras_size(L: int, k: int, s: int, d: int, padding: str) -> int:
    """Keras's default output size (output_padding None) and JAX's: L·s for same, max(F, L·s) for valid."""
    return L * s if padding == "same" else max(full_output_size(L, k, s, d), L * s)


def _recorded_call(i: int) -> tuple[Any, ...] | None:
    """The recorded framework case i as a tconv call: (input, weight, bias, kwargs, expected, back to the
    framework's layout), or None where it is not a named padding or tconv cannot express it."""
    case = RECORDED[i]
    a = case["args"]
    if "error" in case or not isinstance(a["padding"], str) or 0 in case["output_shape"]:
        return None
    x, w, y = ARRAYS[f"{i}_x"], ARRAYS[f"{i}_w"], ARRAYS[f"{i}_y"]
    b = ARRAYS.get(f"{i}_b", None)
    nd = x.ndim - 2
    word = a["padding"].lower()
    if case["framework"] == "jax":
        eq = F.from_jax(x.shape, w.shape, a["strides"], a["padding"], a["rhs_dilation"], a["dimension_numbers"],
                        a["transpose_kernel"])
        from tconv.frameworks.jax import _specs

        lhs, _, out = _specs(a["dimension_numbers"], nd)
        letters = [c for c in lhs if c not in "NC"]
        xt = np.transpose(x, [lhs.index(c) for c in ("N", "C", *letters)])
        back = [("N", "C", *letters).index(c) for c in out]
        wt, stride, dilation = eq.torch_weight(w), eq.stride, eq.dilation
        kw: dict[str, Any] = {}
        if word == "valid":
            kw["output_size"] = [_keras_size(L, k, st, dd, word) for L, k, st, dd in
                                 zip(xt.shape[2:], eq.kernel_size, stride, dilation)]
        return xt, wt, None, dict(stride=stride, padding=word, dilation=dilation, **kw), y, back
    xt, wt = np.moveaxis(x, -1, 1), np.transpose(w, (nd + 1, nd, *range(nd)))
    back = [0, *range(2, nd + 2), 1]
    kernel = w.shape[:nd]
    if case["framework"] == "tf":
        return xt, wt, None, dict(stride=a["strides"], padding=word, output_size=a["output_shape"][1:-1]), y, back
    stride, dilation, op = a["strides"], a["dilation_rate"], a["output_padding"]
    kw = dict(stride=stride, padding=word, dilation=dilation)
    if op is None:  # Keras's default size: "same" is tconv's default, "valid" picks max(F, L·s)
        if word == "valid":
            kw["output_size"] = [_keras_size(L, k, st, dd, word) for L, k, st, dd in
                                 zip(x.shape[1:-1], kernel, stride, dilation)]
    elif word == "valid":
        kw["output_padding"] = op
    else:  # Keras's same with output_padding: the size (L − 1)·s + ek % 2 + op, TensorFlow's crop for it
        kw["output_size"] = [(L - 1) * st + effective_kernel_size(k, dd) % 2 + o
                             for L, k, st, dd, o in zip(x.shape[1:-1], kernel, stride, dilation, op)]
        if any(o < (L - 1) * st + 1 for o, L, st in zip(kw["output_size"], x.shape[1:-1], stride)):
            return None  # below TensorFlow's range (an even kernel, output_padding 0): tconv's "same" refuses it
    return xt, wt, b, kw, y, back


NAMED = [i for i in range(len(RECORDED)) if _recorded_call(i) is not None]


def test_the_recordings_hold_every_framework_and_word() -> None:
    kinds = {(RECORDED[i]["framework"], RECORDED[i]["args"]["padding"].lower()) for i in NAMED}
    assert kinds == {(fw, word) for fw in ("tf", "keras", "jax") for word in ("same", "valid")}
    assert len(NAMED) >= 70


@pytest.mark.parametrize("i", NAMED, ids=[f"{RECORDED[i]['framework']}-{RECORDED[i]['args']['padding']}-{i}"
                                          for i in NAMED])
def test_same_and_valid_equal_the_recorded_frameworks(i: int) -> None:
    """Outputs recorded from TensorFlow 2.21, Keras 3.15 and JAX 0.10 (scripts/record_frameworks.py)."""
    x, w, b, kw, expected, back = _recorded_call(i)  # type: ignore[misc]
    got = np.transpose(tconv.conv_transpose(x, w, b, **kw), back)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4)


@st.composite
def same_cases(draw: st.DrawFn) -> dict[str, Any]:
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: tuple(draw(st.integers(lo, hi)) for _ in range(nd))  # noqa: E731
    return dict(size=ints(1, 4), kernel=ints(1, 5), stride=ints(1, 4), dilation=ints(1, 2),
                groups=draw(st.integers(1, 2)), seed=draw(st.integers(0, 99)))


@settings(max_examples=100, deadline=None)
@given(case=same_cases())
def test_same_is_keras_tensorflow_and_jax(case: dict[str, Any]) -> None:
    """"same" is input × stride with TensorFlow's crop (Keras's window with output_padding None, JAX's SAME):
    the same numbers as tconv.frameworks' converters, which the recordings hold to the real libraries."""
    L, k, s, d = case["size"], case["kernel"], case["stride"], case["dilation"]
    nd = len(L)
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((1, 2, *L))
    w = rng.standard_normal((2, 3, *k))
    got = tconv.conv_transpose(x, w, None, s, "same", dilation=d)
    assert got.shape[2:] == tuple(Li * si for Li, si in zip(L, s))
    channels_last = (0, *range(2, nd + 2), 1)
    w_tf = np.transpose(w, (*range(2, nd + 2), 1, 0))
    if not (any(v > 1 for v in s) and any(v > 1 for v in d)):  # Keras refuses strides with dilation
        keras = F.keras_conv_transpose(np.transpose(x, channels_last), w_tf, None, strides=s, padding="same",
                                       dilation_rate=d)
        np.testing.assert_allclose(np.transpose(got, channels_last), keras, atol=1e-10)
    jax = F.jax_conv_transpose(x, w, s, "SAME", d, dimension_numbers=["NC" + "DHW"[3 - nd:], "OI" + "DHW"[3 - nd:],
                                                                      "NC" + "DHW"[3 - nd:]], transpose_kernel=True)
    np.testing.assert_allclose(got, jax, atol=1e-10)
    for out in tuple((Li - 1) * si + 1 for Li, si in zip(L, s)), tuple(Li * si for Li, si in zip(L, s)):
        tf = F.tf_conv_transpose(np.transpose(x, channels_last), w_tf, (1, *out, 3), s, "SAME", dilations=d) \
            if all(v == 1 for v in d) else None
        mine = tconv.conv_transpose(x, w, None, s, "same", dilation=d, output_size=out)
        if tf is not None:
            np.testing.assert_allclose(np.transpose(mine, channels_last), tf, atol=1e-10)
    valid = tconv.conv_transpose(x, w, None, s, "valid", dilation=d)
    np.testing.assert_array_equal(valid, tconv.conv_transpose(x, w, None, s, 0, dilation=d))


@settings(max_examples=60, deadline=None)
@given(case=same_cases(), algorithm=st.sampled_from(tconv.available_algorithms()),
       mode=st.sampled_from(MODES), dtype=st.sampled_from([np.float64, np.float32, np.int64]))
def test_every_engine_honours_the_asymmetric_crop(case: dict[str, Any], algorithm: str, mode: str,
                                                   dtype: type) -> None:
    """Every engine computes "same"'s window [b, F − e) itself (the plan's padding and padding_end), equal to
    PyTorch's uncropped output cut there; and with a padding mode, the fold of that uncropped output."""
    L, k, s, d, g = case["size"], case["kernel"], case["stride"], case["dilation"], case["groups"]
    rng = np.random.default_rng(case["seed"])
    x = rng.integers(-4, 5, (2, 2 * g, *L)).astype(dtype)
    w = rng.integers(-3, 4, (2 * g, 2, *k)).astype(dtype)
    try:
        plan = plan_conv_transpose(x.shape, w.shape, None, s, "same", 0, g, d, padding_mode=mode)
    except tconv.TconvError as exc:
        assert mode in ("reflect", "circular") and "padding_mode" in str(exc)
        return
    full = torch.nn.functional.__dict__[f"conv_transpose{len(L)}d"](
        torch.from_numpy(x), torch.from_numpy(w), None, s, 0, [ax.output_padding for ax in plan.axes], g, d).numpy()
    margins = [(ax.padding, ax.end_padding) for ax in plan.axes]
    expected = fold(full.copy(), margins, mode)
    try:
        got = tconv.conv_transpose(x, w, None, s, "same", 0, g, d, algorithm=algorithm, padding_mode=mode)
    except tconv.TconvError as exc:  # an engine that cannot take this layer (matrix's size) says so
        assert "algorithm" in str(exc) or "matrix" in str(exc)
        return
    assert got.shape == expected.shape == plan.output_shape
    _close(got, expected, dtype, 2 * int(np.prod(k)))


def test_same_words_and_sizes() -> None:
    x, w = np.arange(3.0).reshape(1, 1, 3), np.ones((1, 1, 3))
    assert tconv.conv_transpose(x, w, stride=2, padding="same").tolist() == [[[0, 0, 1, 1, 3, 2]]]
    assert tconv.conv_transpose_output_size(5, 3, stride=2, padding="same") == (10,)
    assert tconv.conv_transpose_output_size(5, 3, stride=2, padding="valid") == (11,)
    assert tconv.output_size_range(5, 3, stride=2, padding="same") == ((9, 10),)
    plan = tconv.plan((1, 1, 5, 5), (1, 1, 4, 4), stride=2, padding="same").plan
    assert (plan.padding, plan.padding_end, plan.output_padding) == ((1, 1), (1, 1), (0, 0))
    plan = tconv.plan((1, 1, 5), (1, 1, 1), stride=3, padding="same").plan  # kernel shorter than stride
    assert (plan.padding, plan.padding_end, plan.output_padding, plan.output_size) == ((0,), (0,), (2,), (15,))


# --------------------------------------------------------------------------------------------------
# the layers and their PyTorch code
# --------------------------------------------------------------------------------------------------


@st.composite
def layer_cases(draw: st.DrawFn) -> dict[str, Any]:
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: tuple(draw(st.integers(lo, hi)) for _ in range(nd))  # noqa: E731
    stride, dilation = ints(1, 3), ints(1, 2)
    padding = draw(st.sampled_from(["same", "valid", "ints"]))
    return dict(nd=nd, kernel=ints(1, 4), stride=stride, dilation=dilation, size=ints(1, 4),
                padding=ints(0, 2) if padding == "ints" else padding,
                output_padding=(0,) * nd if padding == "same" else tuple(
                    draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)),
                groups=draw(st.integers(1, 2)), bias=draw(st.booleans()), mode=draw(st.sampled_from(MODES)),
                seed=draw(st.integers(0, 99)))


@settings(max_examples=80, deadline=None)
@given(case=layer_cases())
def test_layer_to_torch_code_runs_in_torch_and_gives_the_layers_numbers(case: dict[str, Any]) -> None:
    nd, g = case["nd"], case["groups"]
    layer = LAYERS[nd](2 * g, 3 * g, case["kernel"], case["stride"], case["padding"], case["output_padding"], g,
                       case["bias"], case["dilation"], case["mode"], dtype=np.float64, rng=case["seed"])
    x = np.random.default_rng(case["seed"]).standard_normal((2, 2 * g, *case["size"]))
    try:
        y = layer(x)
    except tconv.TconvError:
        return  # a size the layer refuses for this input (an output too short, a mode's margin)
    expected = tconv.conv_transpose(x, layer.weight, layer.bias, case["stride"], case["padding"],
                                    case["output_padding"], g, case["dilation"], padding_mode=case["mode"])
    np.testing.assert_array_equal(y, expected)
    scope: dict[str, Any] = {}
    exec(layer.to_torch_code(), scope)
    module = scope["layer"].double()
    module.load_state_dict({k: torch.as_tensor(v) for k, v in layer.state_dict().items()})
    with torch.no_grad():
        got = module(torch.from_numpy(x)).numpy()
    assert got.shape == y.shape
    np.testing.assert_allclose(got, y, atol=1e-10)


def test_layer_repr_and_refusals() -> None:
    layer = tconv.ConvTranspose2d(4, 8, 3, stride=2, padding="same", padding_mode="circular", rng=0)
    assert repr(layer) == ("ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=same, "
                           "padding_mode=circular)")
    assert layer(np.zeros((1, 4, 5, 6), np.float32)).shape == (1, 8, 10, 12)
    assert layer.output_shape((4, 5, 6)) == (8, 10, 12)
    with pytest.raises(tconv.TconvError, match="output_padding \\[1, 1\\] does not apply with padding='same'"):
        tconv.ConvTranspose2d(4, 8, 3, stride=2, padding="same", output_padding=1)
    with pytest.raises(tconv.TconvError, match="padding_mode 'mirror' is not known"):
        tconv.ConvTranspose1d(4, 8, 3, padding_mode="mirror")


# --------------------------------------------------------------------------------------------------
# the walkthrough and the CLI
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("view", ["scatter", "matrix"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_walkthrough_folds_the_margins_back(mode: str, view: str, lang: str) -> None:
    x = np.arange(1, 5).reshape(1, 2, 2)
    w = np.arange(1, 10).reshape(1, 1, 3, 3)
    wt = tconv.explain(x, w, [5], stride=2, padding=1, view=view, lang=lang, padding_mode=mode)
    expected = tconv.conv_transpose(x, w, [5], stride=2, padding=1, padding_mode=mode)
    np.testing.assert_array_equal(wt.output, expected)
    cells = [c for step in wt.steps for c in step.cells]
    assert len(cells) == expected.size
    for cell in cells:  # every output cell lists its products, the wrapped ones included, and they add up
        assert sum(t.product for t in cell.terms) + cell.bias == cell.value == expected[(cell.channel, *cell.position)]
    if view == "scatter":
        (fold_step,) = [s for s in wt.steps if s.key == "fold"]
        text = " ".join(m.render(lang) for m in fold_step.text)
        assert {"circular": {"en": "wrap around", "zh": "转到"}, "reflect": {"en": "mirror", "zh": "翻转"},
                "replicate": {"en": "first cell", "zh": "第一个位置"}}[mode][lang] in text
        assert "wrap" in {str(r) for g in fold_step.grids for r in np.ravel(g.roles)}
    assert f"padding_mode {mode}" in wt.to_text(color=False)


def test_walkthrough_same_and_gather_refusal() -> None:
    wt = tconv.explain([[1, 2, 3]], [[[1, 1, 1]]], stride=2, padding="same", view="scatter")
    assert wt.output.tolist() == [[1, 1, 3, 2, 5, 3]] and wt.size.to_dict()["padding_end"] == [1]
    assert "crops 0 at the start and 1 at the end" in wt.to_text(color=False)
    wt = tconv.explain([[1, 2, 3]], [[[1, 1, 1]]], stride=2, padding="same", lang="zh")
    assert wt.output.tolist() == [[1, 1, 3, 2, 5, 3]] and "末尾裁掉 1 个" in wt.to_text(color=False)
    with pytest.raises(tconv.TconvError, match="view 'gather' pads the zero-inserted input with zeros"):
        tconv.explain([[1, 2, 3]], [[[1, 1, 1]]], padding=1, padding_mode="circular")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from tconv.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's refusals: exit 2, one line
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_padding_words_and_padding_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "compute", "--input", "[1,2,3]", "--weight", "[1,1,1]", "--plain", "-s", "2",
                        "-p", "same", "--json")
    assert code == 0 and json.loads(out)["output"] == [1, 1, 3, 2, 5, 3]
    code, out, _ = _cli(capsys, "compute", "--input", "[1,2,3]", "--weight", "[1,1,1]", "--plain", "-s", "2",
                        "-p", "1", "--padding-mode", "circular", "--json")
    assert code == 0 and json.loads(out)["output"] == [4, 3, 2, 5, 4]
    code, out, _ = _cli(capsys, "shape", "-i", "16", "-k", "3", "-s", "2", "-p", "SAME", "--json")
    info = json.loads(out)
    assert code == 0 and info["output_size"] == [32, 32] and info["padding_end"] == [1, 1]
    assert info == json.loads(json.dumps(tconv.report.layer_report((16, 16), 3, 2, "same")))
    code, out, _ = _cli(capsys, "shape", "-i", "5", "-k", "3", "-p", "valid", "--padding-mode", "reflect", "--json")
    assert code == 0 and json.loads(out)["padding_mode"] == "reflect" and json.loads(out)["output_size"] == [7, 7]
    code, out, _ = _cli(capsys, "explain", "-i", "3,", "-k", "3", "-s", "2", "-p", "1", "--padding-mode",
                        "circular", "--view", "scatter", "--lang", "zh")
    assert code == 0 and "转到输出末尾" in out
    for argv, words in ((["shape", "-i", "3", "-k", "2", "-p", "full"], "expected same, valid"),
                        (["compute", "-i", "3", "-k", "5", "-p", "3", "--padding-mode", "reflect"],
                         "padding_mode 'reflect' needs padding smaller than the output"),
                        (["compute", "-i", "3", "-k", "3", "-s", "2", "-p", "same", "--output-padding", "1"],
                         "does not apply with padding='same'"),
                        (["shape", "-i", "3", "-k", "2", "--pool", "--padding-mode", "circular"],
                         "does not apply to pooling"),
                        (["explain", "-i", "3", "-k", "2", "--padding-mode", "circular"], "view 'gather'")):
        code, _, err = _cli(capsys, *argv)
        assert code == 2 and len(err.splitlines()) == 1 and words in err, (argv, err)


@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scatter_animation_folds_the_stamps_back(mode: str, lang: str) -> None:
    """The scatter animation draws the uncropped sums; a stamp cell in a margin adds in again where it folds back
    (circular: wrapped to the other side), so the kept window ends as the layer's output."""
    x, w = np.arange(1, 5), np.array([1, 2, 3])
    scene = tconv.animate(input=x, weight=w, stride=2, padding=1, view="scatter", values=True, lang=lang,
                          padding_mode=mode)
    expected = tconv.conv_transpose(x[None], w[None, None], stride=2, padding=1, padding_mode=mode)[0]
    sums = np.zeros(scene.panel("output").shape)
    for frame in scene.frames:
        for update in frame.updates:
            sums[update.row, update.col] = update.value
    np.testing.assert_array_equal(sums[0, 1:1 + expected.size], expected)
    roles = scene.panel("output").roles.tolist()[0]
    assert roles == ["wrap", *["output"] * expected.size, "wrap"] and mode in scene.title
    with pytest.raises(tconv.TconvError, match="view 'gather' pads the zero-inserted input with zeros"):
        tconv.animate(input=x, weight=w, stride=2, padding=1, padding_mode=mode)
    conv = tconv.animate(input=np.arange(5), weight=w, padding=1, view="conv", values=True, padding_mode=mode)
    assert conv.frames[-1].value == tconv.conv(np.arange(5)[None], w[None, None], padding=1,
                                               padding_mode=mode)[0, -1]


@settings(max_examples=40, deadline=None)
@given(case=mode_cases(), same=st.booleans(), algorithm=st.sampled_from(["auto", "scatter", "phase", "col2im"]))
def test_padding_mode_peak_stays_within_what_the_guard_checked(case: dict[str, Any], same: bool,
                                                               algorithm: str) -> None:
    """tracemalloc's peak of a folded call ≤ the need the guard checked (the engine's uncropped result, the fold's
    sums, the folded copy) + test_memory's slack; one byte less of budget and it is refused."""
    g, dtype, mode = case["groups"], case["dtype"], case["mode"]
    x = np.ones((3, g * case["cg"], *(n * 4 for n in case["size"])), dtype)
    w = np.ones((g * case["cg"], case["mg"], *case["kernel"]), dtype)
    kwargs: dict[str, Any] = dict(stride=case["stride"], padding="same" if same else case["padding"],
                                  output_padding=0 if same else case["output_padding"], groups=g,
                                  dilation=case["dilation"], padding_mode=mode)
    try:
        recipe = tconv.plan(x.shape, w.shape, dtype=x.dtype, algorithm=algorithm, **kwargs)
    except tconv.TconvError:
        return
    need = recipe.memory_need(x, w)
    tconv.conv_transpose(x, w, algorithm=algorithm, **kwargs)  # first calls import lazily: not traced
    with budget(need):
        y, peak = traced_peak(lambda: tconv.conv_transpose(x, w, algorithm=algorithm, **kwargs))
    with budget(need - 1), pytest.raises(tconv.TconvError, match="memory budget"):
        tconv.conv_transpose(x, w, algorithm=algorithm, **kwargs)
    assert y.shape == recipe.output_shape
    assert peak <= need + SLACK, f"peak {peak:,} > checked {need:,} + {SLACK:,}"
