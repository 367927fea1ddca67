"""Fuzz every public entry point of the library: from a call that works, hypothesis replaces some arguments with
junk (wrong types, negative, huge, NaN, ragged lists, dicts, sets, strings, broadcast giants, huge lazy ranges,
tensors where ints go, lists nested thousands deep, odd dtypes). The only exception allowed out is TconvError,
raised at once (within 2 s) and without allocating beyond the budget, on one line of at most MAX_MESSAGE_LENGTH
characters; a NumPy traceback, a TypeError, a MemoryError or a RecursionError is a bug.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tconv
import tconv.dask
from tconv import frameworks
from tconv.errors import MAX_MESSAGE_LENGTH

BUDGET = 256 << 20  # junk may ask for anything: the budget keeps every accepted call small


def _giant() -> np.ndarray:
    return np.broadcast_to(np.float32(1), (1, 1, 10**6, 10**6))


JUNK: list[Any] = [
    -1, 0, 1, 2, 7, 10**9, 10**30, 2**63, -(2**63), 1.5, -0.5, float("nan"), float("inf"), True, False, None,
    "", "3", "abc", "1,2", [], [0], [1, 2, 3, 4, 5], [[1]], [1, [2]], [[1, 2], [3]], (1, 2), (2, -1), [1.5, 2],
    {3: "a"}, {1}, frozenset({2}), range(3), np.int64(3), np.int8(-1), np.float32(2.5), np.bool_(True),
    np.array([1, 2]), np.array([[1]]), np.array(["a"]), np.array([1.5]), np.array([], dtype=np.int64),
    complex(1, 1), b"x", object(), [None], ["a", "b"], [float("nan")], [10**20], [-3, 3],
    # NumPy's string scalars (a str subclass, what indexing an array of strings gives): read as the words they hold
    np.str_("zeros"), np.str_("reflect"), np.str_("same"), np.str_("auto"), np.str_("phase"), np.str_("gather"),
    np.str_("SAME"), np.str_("x"),
]


@st.composite
def junk(draw: st.DrawFn) -> Any:
    i = draw(st.integers(0, len(JUNK) + 8))
    if i < len(JUNK):
        return JUNK[i]
    extra = i - len(JUNK)
    if extra == 0:
        return _giant()
    if extra == 1:
        return np.ones((1, 2, 3), dtype=draw(st.sampled_from(["float16", "int8", "uint8", "bool", "complex64",
                                                                 "float64", "int32", "object", "<U1"])))
    if extra == 2:
        return draw(st.lists(st.integers(-3, 12), min_size=0, max_size=4))
    if extra == 3:
        return np.full((1, 1, 3, 3), draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0])))
    if extra == 5:  # lazy and huge: read only by its length
        return draw(st.sampled_from([range(10**8), range(10**12), range(10**20)]))
    if extra == 6:  # a broadcast giant where one int per axis goes
        return np.broadcast_to(draw(st.sampled_from([1, 2, 0])), (10**8,))
    if extra == 7:  # a tensor where an int goes
        torch = pytest.importorskip("torch")
        return torch.tensor(draw(st.sampled_from([2, 0, -1, 1.5, True])))
    if extra == 4:
        nested: Any = 1
        for _ in range(draw(st.sampled_from([3, 50, 5000]))):
            nested = [nested]
        return nested
    return draw(st.text(max_size=5))


def _budget_in_a_block(nbytes: Any) -> int:
    """The budget in force inside ``with tconv.options(memory_budget=nbytes)``: the block is entered and left."""
    with tconv.options(memory_budget=nbytes):
        return tconv.get_memory_budget()


def _torch_layer() -> Any:
    import torch

    return torch.nn.ConvTranspose1d(2, 3, 3, stride=2)


def _torch_model() -> Any:
    import torch

    return torch.nn.Sequential(torch.nn.MaxPool1d(2), torch.nn.ConvTranspose1d(2, 2, 2, stride=2))


def _layer_backward(grad_output: Any) -> Any:
    """A layer's backward after a call: returns the input's gradient (the weight's is checked beside it)."""
    layer = tconv.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=np.float64, rng=0)
    layer(np.arange(50.0).reshape(1, 2, 5, 5) / 50)
    return layer.backward(grad_output), layer.weight_grad, layer.bias_grad


def _torch_backward(forward: str, x: np.ndarray, w: np.ndarray, dy: np.ndarray, **kwargs: Any) -> tuple[Any, ...]:
    """torch.autograd's gradients of torch.nn.functional's ``forward``: (input's, weight's, the bias's sum)."""
    import torch

    tx, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
    y = getattr(torch.nn.functional, forward)(tx, tw, **kwargs)
    gx, gw = torch.autograd.grad(y, (tx, tw), torch.from_numpy(dy))
    return gx.numpy(), gw.numpy(), dy.sum(axis=(0, *range(2, dy.ndim)))


def _torch_layer_backward() -> tuple[Any, ...]:
    layer = tconv.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=np.float64, rng=0)
    x = np.arange(50.0).reshape(1, 2, 5, 5) / 50
    gx, gw, _ = _torch_backward("conv_transpose2d", x, layer.weight, DY_LAYER, stride=2, padding=1, output_padding=1,
                                groups=2)
    return gx, gw, DY_LAYER.sum(axis=(0, 2, 3))


SCENE = tconv.animate(2, 2)
WALK = tconv.explain(np.arange(4).reshape(1, 2, 2), np.ones((1, 1, 2, 2), np.int64))
X2 = np.arange(9.0).reshape(1, 1, 3, 3)
W2 = np.ones((1, 2, 2, 2))
DY2 = np.arange(50.0).reshape(1, 2, 5, 5)  # the gradient of conv_transpose(X2, W2, stride=2, padding=1, op=1)
WC2 = np.arange(8.0).reshape(2, 1, 2, 2)
DZ2 = np.arange(32.0).reshape(1, 2, 4, 4)  # the gradient of conv(X2, WC2, padding=1)
DY_LAYER = np.arange(400.0).reshape(1, 4, 10, 10) / 400


def _dask_computed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A tconv.dask entry point, computed at once on the synchronous scheduler: junk must be refused when the graph
    is built, and what is accepted must compute (a task's error would only surface here)."""
    return lambda **kwargs: fn(**kwargs).compute(scheduler="synchronous")


def _dask_input() -> Any:
    import dask.array

    return dask.array.from_array(X2, chunks=(1, 1, 2, 1))


# (name, function, a call that works as keyword arguments)
ENTRY_POINTS: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
    ("conv_transpose", tconv.conv_transpose, dict(input=X2, weight=W2, bias=np.zeros(2), stride=2, padding=1,
                                                  output_padding=1, groups=1, dilation=1, output_size=None,
                                                  algorithm="auto")),
    ("conv_transpose1d", tconv.conv_transpose1d, dict(input=np.ones((1, 2, 5)), weight=np.ones((2, 1, 3)), stride=2)),
    ("conv_transpose(padding='same', padding_mode)", tconv.conv_transpose,
     dict(input=X2, weight=W2, bias=np.zeros(2), stride=2, padding="same", output_padding=0, groups=1, dilation=1,
          output_size=None, algorithm="auto", padding_mode="circular")),
    ("conv(padding_mode)", tconv.conv, dict(input=X2, weight=np.ones((2, 1, 2, 2)), bias=None, stride=1, padding=1,
                                            dilation=1, groups=1, padding_mode="reflect")),
    ("ConvTranspose1d(padding='same', padding_mode)", tconv.ConvTranspose1d,
     dict(in_channels=2, out_channels=2, kernel_size=3, stride=2, padding="same", output_padding=0, groups=1,
          bias=False, dilation=1, padding_mode="replicate", dtype=np.float64, rng=0)),
    ("conv", tconv.conv, dict(input=X2, weight=np.ones((2, 1, 2, 2)), bias=None, stride=1, padding=1, dilation=1,
                              groups=1)),
    ("conv_transpose_output_size", tconv.conv_transpose_output_size,
     dict(input_size=(5, 5), kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1)),
    ("conv_output_size", tconv.conv_output_size, dict(input_size=7, kernel_size=3, stride=2, padding=1, dilation=1)),
    ("pool_output_size", tconv.pool_output_size, dict(input_size=7, kernel_size=3, stride=2, padding=1, dilation=1,
                                                      ceil_mode=True)),
    ("output_size_range", tconv.output_size_range, dict(input_size=5, kernel_size=3, stride=2, padding=1,
                                                        dilation=1)),
    ("output_padding_for", tconv.output_padding_for, dict(input_size=5, output_size=10, kernel_size=3, stride=2,
                                                          padding=1, dilation=1)),
    ("conv_transpose_equivalent", tconv.conv_transpose_equivalent,
     dict(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=0, dilation=1)),
    ("relation", tconv.relation, dict(input_size=5, kernel_size=3, stride=2, padding=1, output_padding=0,
                                      dilation=1, transposed=True, pool=False, ceil_mode=False)),
    ("solve", tconv.solve, dict(input_size=16, output_size=32, transposed=True, kernel_sizes=range(1, 5),
                                strides=range(1, 3), dilations=(1,), max_padding=3)),
    ("explain", tconv.explain, dict(input=np.arange(9).reshape(1, 3, 3), weight=np.ones((1, 1, 2, 2), np.int64),
                                    bias=None, stride=2, padding=0, output_padding=0, groups=1, dilation=1,
                                    view="gather", lang="en")),
    ("explain backward", tconv.explain, dict(input=np.arange(9.0).reshape(1, 3, 3), weight=np.ones((1, 1, 2, 2)),
                                             bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                                             output_size=None, view="backward", lang="zh",
                                             conv_input=np.arange(16.0).reshape(1, 4, 4))),
    ("animate", tconv.animate, dict(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1,
                                    view="equivalent", values=True, seed=0, cell_size=20, duration_ms=100)),
    ("overlap", tconv.overlap, dict(input_size=4, kernel_size=3, stride=2, padding=0, output_padding=0, dilation=1,
                                    layers=2)),
    ("ConvTranspose2d", tconv.ConvTranspose2d, dict(in_channels=2, out_channels=4, kernel_size=3, stride=2,
                                                    padding=1, output_padding=1, groups=2, bias=True, dilation=1,
                                                    padding_mode="zeros", dtype=np.float32, rng=0)),
    ("options(memory_budget=)", lambda nbytes: _budget_in_a_block(nbytes), dict(nbytes=1 << 20)),
    ("from_tf", frameworks.from_tf, dict(input_shape=(1, 5, 1), filters_shape=(3, 1, 1), output_shape=(1, 10, 1),
                                         strides=2, padding="SAME", data_format=None, dilations=None)),
    ("from_keras", frameworks.from_keras, dict(input_size=5, kernel_size=3, strides=2, padding="same",
                                               output_padding=None, dilation_rate=1, filters=2, in_channels=1)),
    ("from_onnx", frameworks.from_onnx, dict(input_shape=(1, 1, 5), weight_shape=(1, 1, 3), auto_pad="SAME_UPPER",
                                             dilations=None, group=1, kernel_shape=None, output_padding=None,
                                             output_shape=None, pads=None, strides=2)),
    ("onnx_conv_transpose", frameworks.onnx_conv_transpose,
     dict(X=np.ones((1, 1, 5)), W=np.ones((1, 1, 3)), B=None, pads=[1, 1], strides=[2], output_padding=[1])),
    ("from_jax", frameworks.from_jax, dict(lhs_shape=(1, 5, 1), rhs_shape=(3, 1, 1), strides=2, padding="SAME",
                                           rhs_dilation=None, dimension_numbers=None, transpose_kernel=False)),
    ("Scene.save", lambda target, kind, frame: SCENE.save(target, kind, frame=frame) or target,
     dict(target=io.BytesIO(), kind="svg", frame=0)),
    ("OverlapMap.scene", lambda cell_size, values: tconv.overlap(4, 3, stride=2).scene(cell_size, values),
     dict(cell_size=20, values=True)),
    ("Walkthrough.to_text", lambda color: WALK.to_text(color=color), dict(color=False)),
    ("from_torch", lambda module: tconv.ConvTranspose1d.from_torch(module), dict(module=_torch_layer())),
    ("doctor", tconv.doctor, dict(model=_torch_model(), input_shape=(1, 2, 9), sizes=(4, 12))),
    ("to_onnx", frameworks.to_onnx, dict(kernel_size=3, stride=2, padding=1, output_padding=1)),
    ("to_tf", frameworks.to_tf, dict(input_size=5, kernel_size=3, stride=2, padding=1, output_padding=1)),
    ("to_jax", frameworks.to_jax, dict(kernel_size=3, stride=2, padding=1, output_padding=1)),
    ("grad.conv_transpose_input", tconv.grad.conv_transpose_input,
     dict(input_size=X2.shape, weight=W2, grad_output=DY2, stride=2, padding=1, output_padding=1, groups=1,
          dilation=1, output_size=None)),
    ("grad.conv_transpose_weight", tconv.grad.conv_transpose_weight,
     dict(input=X2, weight_size=W2.shape, grad_output=DY2, stride=2, padding=1, output_padding=1, groups=1,
          dilation=1, output_size=None)),
    ("grad.conv_input", tconv.grad.conv_input, dict(input_size=X2.shape, weight=WC2, grad_output=DZ2, stride=1,
                                                    padding=1, dilation=1, groups=1)),
    ("grad.conv_weight", tconv.grad.conv_weight, dict(input=X2, weight_size=WC2.shape, grad_output=DZ2, stride=1,
                                                      padding=1, dilation=1, groups=1)),
    ("grad.bias", tconv.grad.bias, dict(grad_output=DY2, nd=2)),
    ("ConvTranspose2d.backward", _layer_backward, dict(grad_output=DY_LAYER)),
    ("dask.conv_transpose", _dask_computed(tconv.dask.conv_transpose),
     dict(input=_dask_input(), weight=W2, bias=np.zeros(2), stride=2, padding=1, output_padding=1, groups=1,
          dilation=1, output_size=None, algorithm="auto", padding_mode="zeros")),
    ("dask.conv", _dask_computed(tconv.dask.conv), dict(input=_dask_input(), weight=np.ones((2, 1, 2, 2)), bias=None,
                                                        stride=1, padding=1, dilation=1, groups=1,
                                                        padding_mode="reflect")),
]


#: How an entry point's messages may name a parameter, where its own vocabulary differs from the argument's name
#: (ONNX's X and W, the layer a module must be, the place a scene is written to).
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "onnx_conv_transpose": {"X": ("input",), "W": ("weight",), "B": ("bias",)},
    "from_onnx": {"input_shape": ("X",), "weight_shape": ("W",)},
    "from_tf": {"input_shape": ("input",), "filters_shape": ("filters",), "output_shape": ("output",)},
    "from_jax": {"lhs_shape": ("lhs",), "rhs_shape": ("rhs",)},
    "from_torch": {"module": ("torch.nn.ConvTranspose1d",)},
    "Scene.save": {"target": ("write",)},
    "animate": {"kernel_size": ("kernel",), "input_size": ("input",)},
    "options(memory_budget=)": {"nbytes": ("memory_budget",)},
    # the gradients' sizes are checked by the forward's validator, which names the arrays they describe
    "grad.conv_transpose_input": {"input_size": ("input",)},
    "grad.conv_transpose_weight": {"weight_size": ("weight",)},
    "grad.conv_input": {"input_size": ("input",)},
    "grad.conv_weight": {"weight_size": ("weight",)},
}


#: The bounds a refusal may name instead of a parameter: the memory budget, what a walkthrough and a scene show.
BOUNDS = ("memory_budget", "a walkthrough shows", "are drawn")


def _known(name: str, fn: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keep only the parameters this function has (the frameworks' signatures differ slightly by release)."""
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def _torch(name: str, x: np.ndarray, w: np.ndarray, **kwargs: Any) -> np.ndarray:
    """torch.nn.functional's ``name`` on NumPy arrays: the oracle of the numeric entry points."""
    import torch

    return getattr(torch.nn.functional, name)(torch.from_numpy(x), torch.from_numpy(w), **kwargs).numpy()


def _circular_same() -> np.ndarray:
    import torch

    x = torch.zeros(1, 2, 6, 6, dtype=torch.float64, requires_grad=True)
    conv = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (0, 1, 0, 1), mode="circular"),
                                      torch.from_numpy(W2), stride=2)  # the transposed weight, read as conv's
    (grad,) = torch.autograd.grad(conv, x, torch.from_numpy(X2))
    return grad.numpy()


def _layer_args(solution: Any) -> tuple[int, ...]:
    return solution.kernel_size, solution.stride, solution.padding, solution.output_padding, solution.dilation


def _same_size(solution: Any) -> tuple[int, ...]:
    return tconv.conv_transpose_output_size(16, *_layer_args(solution))


#: What each good call gives: (what is read from the result, the value it must have, found independently: torch's
#: functions, the size formula o = (i − 1)·s − 2p + d(k − 1) + op + 1 worked by hand, or the call's own inputs).
GOOD_RESULTS: dict[str, tuple[Callable[[Any], Any], Callable[[], Any]]] = {
    "conv_transpose": (np.asarray, lambda: _torch("conv_transpose2d", X2, W2, stride=2, padding=1,
                                                  output_padding=1)),
    "conv_transpose1d": (np.asarray, lambda: _torch("conv_transpose1d", np.ones((1, 2, 5)), np.ones((2, 1, 3)),
                                                    stride=2)),
    "conv": (np.asarray, lambda: _torch("conv2d", X2, np.ones((2, 1, 2, 2)), padding=1)),
    # circular "same": PyTorch's uncropped output (k3 s2: crop 0 before, 1 after) with the last cells wrapped onto
    # the first, found with torch: the VJP of F.conv2d(F.pad(x, (0, 1, 0, 1), mode="circular"), stride=2)
    "conv_transpose(padding='same', padding_mode)": (np.asarray, lambda: _circular_same()),
    "conv(padding_mode)": (np.asarray, lambda: _torch("conv2d", np.pad(X2, ((0, 0), (0, 0), (1, 1), (1, 1)),
                                                                       mode="reflect"), np.ones((2, 1, 2, 2)))),
    "ConvTranspose1d(padding='same', padding_mode)": (lambda r: (r.weight.shape, r(np.ones((1, 2, 5))).shape),
                                                      lambda: ((2, 2, 3), (1, 2, 10))),
    "conv_transpose_output_size": (tuple, lambda: (10, 10)),  # 4·2 − 2 + 2 + 1 + 1
    "conv_output_size": (tuple, lambda: (4,)),  # ⌊(7 + 2 − 3)/2⌋ + 1
    "pool_output_size": (tuple, lambda: (4,)),  # ⌈(7 + 2 − 2 − 1)/2⌉ + 1
    "output_size_range": (tuple, lambda: ((9, 10),)),  # 4·2 − 2 + 3, and one more with output_padding 1
    "output_padding_for": (tuple, lambda: (1,)),
    "conv_transpose_equivalent": (lambda r: (r[0].stretched_size, r[0].padded_size, r[0].output_size),
                                  lambda: (5, 7, 5)),  # 3 cells, 1 zero between: 5; padded by k − 1 − p = 1
    "relation": (lambda r: (r[0].number, r[0].output_size), lambda: (13, 9)),
    # every solution gives 32 from 16; the first is the usual k4 s2 p1
    "solve": (lambda r: ({_same_size(s) for s in r[0]}, _layer_args(r[0][0])), lambda: ({(32,)}, (4, 2, 1, 0, 1))),
    "explain": (lambda r: np.asarray(r.output), lambda: np.kron(np.arange(9).reshape(1, 3, 3), np.ones((2, 2)))),
    # dx = conv_transpose(dy, w), and dw = the correlation of x with dy: Σ over dy's 3 × 3 of x's window
    "explain backward": (lambda r: (r.output.tolist(), r.steps[3].grids[0].values.tolist()),
                         lambda: (_torch("conv_transpose2d", np.arange(9.0).reshape(1, 1, 3, 3),
                                         np.ones((1, 1, 2, 2)))[0].tolist(),
                                  [[sum(np.arange(16.0).reshape(4, 4)[i:i + 3, j:j + 3].ravel() * np.arange(9.0))
                                    for j in range(2)] for i in range(2)])),
    "animate": (lambda r: "3 × 3 → 6 × 6" in r.title, lambda: True),  # 2·2 − 2 + 3 + 1 = 6
    "overlap": (lambda r: (r.counts.shape, int(r.counts.sum())), lambda: ((19, 19), 4 * 4 * 9 * 9)),
    "ConvTranspose2d": (lambda r: (r.weight.shape, r(np.ones((1, 2, 5, 5), np.float32)).shape),
                        lambda: ((2, 2, 3, 3), (1, 4, 10, 10))),
    "options(memory_budget=)": (int, lambda: 1 << 20),
    "from_tf": (lambda r: (r.kernel_size, r.stride, r.output_size, r.crop), lambda: ((3,), (2,), (10,), ((0, 1),))),
    "from_keras": (lambda r: (r.out_channels, r.output_size, r.crop), lambda: (2, (10,), ((0, 1),))),
    "from_onnx": (lambda r: (r.output_size, r.crop, r.flip_kernel), lambda: ((10,), ((0, 1),), False)),
    "onnx_conv_transpose": (np.asarray, lambda: _torch("conv_transpose1d", np.ones((1, 1, 5)), np.ones((1, 1, 3)),
                                                       stride=2, padding=1, output_padding=1)),
    "from_jax": (lambda r: (r.output_size, r.crop, r.flip_kernel), lambda: ((10,), ((0, 1),), True)),
    "Scene.save": (lambda r: r.getvalue()[:5], lambda: b"<svg "),
    "OverlapMap.scene": (lambda r: r.panels[0].roles.shape, lambda: (9, 9)),  # 3·2 + 3 = 9
    "Walkthrough.to_text": (lambda r: r.splitlines()[0], lambda: "tconv.explain · view: gather (zero insertion, "
                                                                 "padding, flipped kernel)"),
    "from_torch": (lambda r: (r.in_channels, r.out_channels, r.kernel_size, r.stride, r.weight.shape),
                   lambda: (2, 3, (3,), (2,), (2, 3, 3))),
    "doctor": (lambda r: [layer.output_shape for layer in r.layers], lambda: [(1, 2, 4), (1, 2, 8)]),
    "to_onnx": (dict, lambda: {"kernel_shape": [3], "strides": [2], "pads": [1, 1], "output_padding": [1],
                               "dilations": [1], "group": 1}),
    "to_tf": (dict, lambda: {"output_shape": [10], "strides": [2], "padding": [[1, 0]], "dilations": [1]}),
    "to_jax": (dict, lambda: {"strides": [2], "padding": [(1, 2)], "rhs_dilation": [1],
                              "dimension_numbers": ("NCH", "OIH", "NCH"), "transpose_kernel": True}),
    "grad.conv_transpose_input": (np.asarray, lambda: _torch_backward("conv_transpose2d", X2, W2, DY2, stride=2,
                                                                      padding=1, output_padding=1)[0]),
    "grad.conv_transpose_weight": (np.asarray, lambda: _torch_backward("conv_transpose2d", X2, W2, DY2, stride=2,
                                                                       padding=1, output_padding=1)[1]),
    "grad.conv_input": (np.asarray, lambda: _torch_backward("conv2d", X2, WC2, DZ2, padding=1)[0]),
    "grad.conv_weight": (np.asarray, lambda: _torch_backward("conv2d", X2, WC2, DZ2, padding=1)[1]),
    "grad.bias": (np.asarray, lambda: _torch_backward("conv_transpose2d", X2, W2, DY2, stride=2, padding=1,
                                                      output_padding=1)[2]),
    "dask.conv_transpose": (np.asarray, lambda: _torch("conv_transpose2d", X2, W2, stride=2, padding=1,
                                                       output_padding=1)),
    "dask.conv": (np.asarray, lambda: _torch("conv2d", np.pad(X2, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect"),
                                             np.ones((2, 1, 2, 2)))),
    "ConvTranspose2d.backward": (lambda r: np.concatenate([a.ravel() for a in r]),
                                 lambda: np.concatenate([a.ravel() for a in _torch_layer_backward()])),
}


def test_every_entry_point_has_its_expected_result() -> None:
    assert sorted(GOOD_RESULTS) == sorted(name for name, _, _ in ENTRY_POINTS)


@pytest.mark.parametrize("name,fn,good", ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
def test_the_good_call_works(name: str, fn: Callable[..., Any], good: dict[str, Any]) -> None:
    """The starting points are valid calls that give the right answer, so what the fuzzer finds comes from the junk
    it put in."""
    read, expected = GOOD_RESULTS[name]
    actual, wanted = read(fn(**_known(name, fn, good))), expected()
    if isinstance(wanted, np.ndarray):
        np.testing.assert_allclose(actual, wanted, rtol=1e-12, atol=1e-12)
    else:
        assert actual == wanted


@pytest.mark.parametrize("name,fn,good", ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_junk_arguments_give_only_tconv_errors(name: str, fn: Callable[..., Any], good: dict[str, Any],
                                               data: st.DataObject) -> None:
    kwargs = dict(_known(name, fn, good))
    replaced = data.draw(st.lists(st.sampled_from(sorted(kwargs)), min_size=1, max_size=3, unique=True))
    for key in replaced:
        kwargs[key] = data.draw(junk(), label=key)
    start = time.perf_counter()
    with tconv.options(memory_budget=BUDGET):
        try:
            result = fn(**kwargs)
        except tconv.TconvError as exc:
            message = str(exc)
            assert message and "\n" not in message, f"not one line: {message!r}"
            assert len(message) <= MAX_MESSAGE_LENGTH, f"{len(message)} characters: {message[:200]!r}"
            # junk is refused from its lengths and types: reading a giant's values would take seconds
            assert time.perf_counter() - start < 2.0, f"refused after {time.perf_counter() - start:.1f} s"
            spellings = SPELLINGS.get(name, {})
            named = [key for key in kwargs if any(word in message for word in (key, *spellings.get(key, ())))]
            # a call too large for a bound names the bound instead: sizes together, not one parameter, exceed it
            assert named or any(bound in message for bound in BOUNDS), f"{message!r} names no parameter of {name}"
            return
    # Accepted: then it is a real answer, not a silently wrong shape. Arrays are finite in size and numeric.
    if isinstance(result, np.ndarray):
        assert result.dtype.kind in "biufc" and math.prod(result.shape) * result.itemsize <= BUDGET


def test_numpy_string_scalars_are_the_words_they_hold() -> None:
    """np.str_ (what a config read into a NumPy array gives) is accepted wherever a word is, as the plain str: the
    same result, and plans and recipes holding a plain str (a str_ once stopped a plan from being cached)."""
    s = np.str_
    for mode in ("zeros", "reflect", "replicate", "circular"):
        words = dict(padding=1, padding_mode=mode, algorithm="phase")
        expected = tconv.conv_transpose(X2, W2, stride=2, **words)
        np.testing.assert_array_equal(
            tconv.conv_transpose(X2, W2, stride=2, **{k: s(v) if isinstance(v, str) else v for k, v in words.items()}),
            expected)
        recipe = tconv.plan(X2.shape, W2.shape, stride=2, padding=s("same"), padding_mode=s(mode),
                            algorithm=s("phase"), dtype="float64")
        assert type(recipe.plan.padding_mode) is str and type(recipe.algorithm) is str
        np.testing.assert_array_equal(recipe(X2, W2), tconv.conv_transpose(X2, W2, stride=2, padding="same",
                                                                           padding_mode=mode))
        np.testing.assert_array_equal(tconv.conv(X2, WC2, padding=s("same"), padding_mode=s(mode)),
                                      tconv.conv(X2, WC2, padding="same", padding_mode=mode))
    layer = tconv.ConvTranspose2d(1, 2, 2, stride=2, padding=s("same"), padding_mode=s("circular"), rng=0)
    assert type(layer.padding_mode) is str and type(layer.padding) is str
    assert layer.recipe((1, 1, 3, 3)) is layer.recipe((1, 1, 3, 3))  # kept: its key is plain strings
    with pytest.raises(tconv.TconvError, match=r"padding_mode np.str_\('nope'\) is not known"):
        tconv.conv_transpose(X2, W2, padding_mode=s("nope"))
