"""TensorFlow ``tf.nn.conv_transpose`` and Keras ``ConvNDTranspose`` (notes §3), and conversions.

TF's filters are ``(*kernel, out, in)`` (the ``tf.nn.conv_transpose`` docstring has it the wrong way round) and need
no flip; data is channels-last by default. ``padding="SAME"`` crops the odd cell at the **end** (ONNX
``SAME_UPPER``); PyTorch's ``padding=k//2, output_padding=1`` idiom crops it at the begin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq, as_choice, as_int, as_shape, count_axes, per_axis, show
from ..dtypes import as_arrays
from ..errors import TconvError
from ..shapes import effective_kernel_size, full_output_size
from .common import PaddingSpec, TorchEquivalent, channels_first, channels_last, spatial_ints, torch_equivalent

if TYPE_CHECKING:
    from ..shapes import TransposedAxis

__all__ = [
    "from_keras",
    "from_tf",
    "keras_conv_transpose",
    "tf_conv_transpose",
    "tf_default_output_size",
    "to_keras",
    "to_tf",
]


def _tf_perm(nd: int) -> tuple[int, ...]:
    """(*k, out, in) -> (in, out, *k)."""
    return (nd + 1, nd, *range(nd))


def _explicit_pairs(padding: object, count: int) -> list[list[object]]:
    """TensorFlow's explicit padding: ``count`` [before, after] pairs, each checked for its shape before it is read
    (no other value, however long or odd, is iterated).

    >>> _explicit_pairs([[0, 0], [1, 1], [2, 2], [0, 0]], 4)
    [[0, 0], [1, 1], [2, 2], [0, 0]]
    >>> _explicit_pairs(None, 4)
    Traceback (most recent call last):
    tconv.errors.TconvError: explicit padding must give 4 [before, after] pairs, got None
    """
    def is_pair(value: object) -> bool:
        return isinstance(value, list | tuple) and len(value) == 2

    if getattr(padding, "shape", None) == (count, 2) and hasattr(padding, "tolist"):  # an array of pairs
        padding = padding.tolist()
    if not isinstance(padding, list | tuple) or len(padding) != count or not all(map(is_pair, padding)):
        raise TconvError(f"explicit padding must give {count} [before, after] pairs, got {show(padding)}")
    return [list(pair) for pair in padding]


def _same_begin(out: int, s: int, ek: int) -> int:
    """TF SAME: the forward convolution's pad_before on an input of length ``out``."""
    return max((math.ceil(out / s) - 1) * s + ek - out, 0) // 2


def _is_channels_last(data_format: str | None, nd: int, keras: bool = False) -> bool:
    if keras:
        return as_choice("data_format", data_format, ("channels_last", "channels_first")) == "channels_last"
    if data_format is None:
        return True
    letters = {1: "W", 2: "HW", 3: "DHW"}[nd]
    data_format = as_choice("data_format", data_format, ("N" + letters + "C", "NC" + letters))
    if data_format == "N" + letters + "C":
        return True
    if data_format == "NC" + letters:
        return False
    raise TconvError(f"data_format {data_format!r} is not valid for {nd}-D: use 'N{letters}C' or 'NC{letters}'")


def from_tf(
    input_shape: Sequence[int],
    filters_shape: Sequence[int],
    output_shape: Sequence[int],
    strides: IntOrSeq,
    padding: PaddingSpec = "SAME",
    data_format: str | None = None,
    dilations: IntOrSeq | None = None,
) -> TorchEquivalent:
    """The PyTorch equivalent of ``tf.nn.conv_transpose`` for these shapes (``output_shape`` includes N and C).

    >>> eq = from_tf((1, 3, 3, 1), (3, 3, 1, 1), (1, 6, 6, 1), 2, "SAME")
    >>> eq.padding, eq.crop, eq.output_size
    ((0, 0), ((0, 1), (0, 1)), (6, 6))
    """
    input_shape = as_shape("input_shape", input_shape)
    filters_shape = as_shape("filters_shape", filters_shape)
    nd = len(input_shape) - 2
    if nd not in (1, 2, 3) or len(filters_shape) != nd + 2:
        raise TconvError(f"input must be (N, *spatial, C) with 1-3 spatial axes and filters (*kernel, out, in) of the "
                         f"same rank, got input {list(input_shape)} and filters {list(filters_shape)}")
    last = _is_channels_last(data_format, nd)
    spatial = input_shape[1:-1] if last else input_shape[2:]
    cin = input_shape[-1] if last else input_shape[1]
    kernel, cout, fin = filters_shape[:nd], filters_shape[nd], filters_shape[nd + 1]
    if fin != cin:
        raise TconvError(f"filters {list(filters_shape)} expect {fin} input channels (layout (*kernel, out, in)) "
                         f"but the input has {cin} (TensorFlow: input depth must be evenly divisible by filter depth)")
    s = spatial_ints("strides", strides, nd, minimum=1, allow_full=True)
    d = spatial_ints("dilations", dilations, nd, minimum=1, allow_full=True)
    if any(v != 1 for v in d):
        raise TconvError(f"dilations {list(d)}: TensorFlow's CPU kernels refuse dilation rates larger than 1 "
                         f"(Current CPU implementations do not yet support dilation rates larger than 1)")
    out_full = list(as_shape("output_shape", output_shape))
    if len(out_full) != nd + 2:
        raise TconvError(f"output_shape must list all {nd + 2} dimensions (N, spatial, C), got {list(output_shape)}")
    out = out_full[1:-1] if last else out_full[2:]
    n_out, c_out = (out_full[0], out_full[-1]) if last else (out_full[0], out_full[1])
    if n_out != input_shape[0] or c_out != cout:
        raise TconvError(f"output_shape {out_full} must have the input's batch {input_shape[0]} and the filters' "
                         f"{cout} output channels")
    begin, end = [], []
    for a, (L, k, st, o) in enumerate(zip(spatial, kernel, s, out)):
        ek = k  # dilation 1 (refused above otherwise)
        full = full_output_size(L, k, st)
        if isinstance(padding, str):
            if padding not in ("SAME", "VALID"):
                raise TconvError(f"padding {show(padding)} must be 'SAME', 'VALID' or explicit pairs (TensorFlow)")
            if padding == "SAME":
                b, computed, lo_ok, hi_ok = _same_begin(o, st, ek), math.ceil(o / st), (L - 1) * st + 1, L * st
            else:
                b = 0
                computed = (o - ek) // st + 1 if o >= ek else 0
                lo_ok, hi_ok = full, full + st - 1
        else:
            if nd != 2:
                raise TconvError(f"padding {show(padding)}: TensorFlow takes explicit padding only for 2-D transposed "
                                 f"convolutions (Expected string for argument 'padding'); use 'SAME' or 'VALID'")
            pairs = _explicit_pairs(padding, nd + 2)
            sp = pairs[1:-1] if last else pairs[2:]
            lo, hi = (as_int("padding", v, minimum=0, axis=a) for v in sp[a])
            b = lo
            computed = (o + lo + hi - ek) // st + 1 if o + lo + hi >= ek else 0
            lo_ok = max(1, full - lo - hi)
            hi_ok = lo_ok + st - 1
        if computed != L:
            raise TconvError(
                f"output_shape {o} on axis {a} does not fit the input size {L} with padding {show(padding)}: "
                f"a convolution of {o} gives {computed}; valid sizes are {lo_ok}..{hi_ok} (TensorFlow: Size of "
                f"out_backprop doesn't match computed)")
        begin.append(b)
        end.append(full - b - o)
    return torch_equivalent("TensorFlow", tuple(begin), tuple(end), input_size=tuple(spatial),
                            kernel_size=tuple(kernel), stride=s, dilation=d, in_channels=cin, out_channels=cout,
                            groups=1, weight_permutation=_tf_perm(nd), channels_last=last)


def tf_conv_transpose(
    input: ArrayLike,
    filters: ArrayLike,
    output_shape: Sequence[int],
    strides: IntOrSeq,
    padding: PaddingSpec = "SAME",
    data_format: str | None = None,
    dilations: IntOrSeq | None = None,
) -> np.ndarray:
    """``tf.nn.conv_transpose``: input channels-last by default, filters ``(*kernel, out, in)``, no bias.

    >>> x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    >>> tf_conv_transpose(x, np.ones((3, 1, 1)), (1, 6, 1), 2, "SAME")[0, :, 0].tolist()
    [1.0, 1.0, 3.0, 2.0, 5.0, 3.0]
    """
    x, w, _ = as_arrays(input, filters)
    eq = from_tf(x.shape, w.shape, output_shape, strides, padding, data_format, dilations)
    xf = channels_first(x) if eq.channels_last else x
    y = eq.apply(xf, eq.torch_weight(w))
    return channels_last(y) if eq.channels_last else y


def _keras_window(L: int, k: int, s: int, d: int, padding: str, op: int | None) -> tuple[int, int, int]:
    """(begin, end, length) of Keras's output on one axis.

    Keras turns its arguments into padding of the zero-inserted input, ``(lo, hi)``, as its backends do
    (``_convert_conv_transpose_padding_args_from_keras_to_jax``); then ``b = ek−1−lo`` and ``e = ek−1−hi``.
    """
    ek = effective_kernel_size(k, d)
    if padding == "valid":
        extra = max(ek, s) - ek if op is None else op
        lo, hi = ek - 1, ek - 1 + extra
    else:
        pad_len = s + ek - 2 if op is None else ek + ek % 2 - 2 + op
        lo = min(pad_len // 2 + pad_len % 2, ek - 1)
        hi = pad_len - lo
    b, e = ek - 1 - lo, ek - 1 - hi
    return b, e, full_output_size(L, k, s, d) - b - e


def tf_default_output_size(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    strides: IntOrSeq = 1,
    padding: str = "SAME",
    dilations: IntOrSeq = 1,
) -> tuple[int, ...]:
    """The spatial output size TensorFlow's layers pick when none is given: ``L·s`` for SAME, ``max(F, L·s)``
    for VALID (F the full size).

    ``tf.nn.conv_transpose`` has no default (``output_shape`` is required); this is the size Keras's
    ``ConvNDTranspose`` (``tf.keras``) computes with ``output_padding=None`` and passes to it. ``padding`` is TF's
    ``"SAME"``/``"VALID"`` or Keras's ``"same"``/``"valid"``.

    >>> tf_default_output_size(16, 3, strides=2)                      # SAME: L·s
    (32,)
    >>> tf_default_output_size((3, 4), (3, 1), strides=2, padding="VALID")   # the stamps, at least L·s
    (7, 8)
    """
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, strides=strides, dilations=dilations)
    size = per_axis("input_size", input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", kernel_size, nd, minimum=1)
    s = per_axis("strides", strides, nd, minimum=1)
    d = per_axis("dilations", dilations, nd, minimum=1)
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise TconvError(f"padding {show(padding)} must be 'SAME' or 'VALID' (TensorFlow; Keras's 'same'/'valid' too)")
    # Keras's window with output_padding=None is exactly this default, so the rule is written once, there.
    return tuple(_keras_window(L, k, st, dd, padding.lower(), None)[2] for L, k, st, dd in zip(size, kernel, s, d))


def from_keras(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    strides: IntOrSeq = 1,
    padding: str = "valid",
    output_padding: IntOrSeq | None = None,
    dilation_rate: IntOrSeq = 1,
    *,
    filters: int = 1,
    in_channels: int = 1,
    data_format: str = "channels_last",
    use_bias: bool = True,
) -> TorchEquivalent:
    """The PyTorch equivalent of a Keras ``ConvNDTranspose`` applied to an input of ``input_size`` (spatial).

    >>> eq = from_keras(16, 3, strides=2, padding="same", output_padding=1)
    >>> eq.padding, eq.output_padding, eq.crop, eq.output_size    # not PyTorch's padding=1, output_padding=1
    ((0,), (0,), ((0, 1),), (32,))
    >>> from_keras(16, 3, strides=2, padding="same", output_padding=0).padding   # op=0 is not op=None
    (1,)
    """
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, strides=strides, output_padding=output_padding,
                    dilation_rate=dilation_rate)
    size = per_axis("input_size", input_size, nd, minimum=1)
    k = per_axis("kernel_size", kernel_size, nd, minimum=1)
    s = per_axis("strides", strides, nd, minimum=1)
    d = per_axis("dilation_rate", dilation_rate, nd, minimum=1)
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise TconvError(f"The `padding` argument must be one of {{'same', 'valid'}} (Keras). "
                         f"Received: {show(padding)}")
    padding = padding.lower()
    if any(v > 1 for v in s) and any(v > 1 for v in d):
        raise TconvError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1` (Keras). Received: "
                         f"strides={s} and dilation_rate={d}")
    ops: list[int | None] = [None] * nd
    if output_padding is not None:
        given = per_axis("output_padding", output_padding, nd, minimum=0)
        ops = list(given)
        for a, (o, st) in enumerate(zip(given, s)):
            if o >= st:
                raise TconvError(f"`output_padding` must be strictly less than `strides` for all dimensions (Keras). "
                                 f"At dimension {a}, `output_padding` is {o} but `strides` is {st}")
    windows = [_keras_window(L, kk, st, dd, padding, o) for L, kk, st, dd, o in zip(size, k, s, d, ops)]
    _is_channels_last(data_format, nd, keras=True)
    return torch_equivalent("Keras", tuple(w[0] for w in windows), tuple(w[1] for w in windows), input_size=size,
                            kernel_size=k, stride=s, dilation=d,
                            in_channels=as_int("in_channels", in_channels, minimum=1),
                            out_channels=as_int("filters", filters, minimum=1), groups=1,
                            weight_permutation=_tf_perm(nd), channels_last=data_format == "channels_last",
                            bias=use_bias, allow_empty=True)


def keras_conv_transpose(
    inputs: ArrayLike,
    kernel: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    strides: IntOrSeq = 1,
    padding: str = "valid",
    output_padding: IntOrSeq | None = None,
    dilation_rate: IntOrSeq = 1,
    data_format: str = "channels_last",
) -> np.ndarray:
    """Keras ``Conv{1,2,3}DTranspose``: kernel ``(*kernel, filters, in)``, bias ``(filters,)``.

    >>> x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    >>> keras_conv_transpose(x, np.ones((3, 1, 1)), strides=2, padding="same")[0, :, 0].tolist()
    [1.0, 1.0, 3.0, 2.0, 5.0, 3.0]
    """
    x, w, b = as_arrays(inputs, kernel, bias)
    nd = x.ndim - 2
    if nd not in (1, 2, 3) or w.ndim != nd + 2:
        raise TconvError(f"inputs must be (N, *spatial, C) and kernel (*kernel, filters, in) of the same rank, got "
                         f"{list(x.shape)} and {list(w.shape)}")
    last = _is_channels_last(data_format, nd, keras=True)
    spatial = x.shape[1:-1] if last else x.shape[2:]
    cin = x.shape[-1] if last else x.shape[1]
    if w.shape[-1] != cin:
        raise TconvError(f"kernel {list(w.shape)} expects {w.shape[-1]} input channels but the inputs have {cin}")
    eq = from_keras(tuple(spatial), tuple(w.shape[:nd]), strides, padding, output_padding, dilation_rate,
                    filters=w.shape[nd], in_channels=cin, data_format=data_format, use_bias=b is not None)
    y = eq.apply(channels_first(x) if last else x, eq.torch_weight(w), b)
    return channels_last(y) if last else y


def _target(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq,
    padding: IntOrSeq,
    output_padding: IntOrSeq,
    dilation: IntOrSeq,
) -> tuple[tuple[TransposedAxis, ...], list[tuple[int, int]]]:
    from ..shapes import transposed_axes

    axes = transposed_axes(input_size, kernel_size, stride, padding, output_padding, dilation)
    return axes, [(ax.crop_begin, ax.crop_end) for ax in axes]


def to_tf(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> dict[str, Any]:
    """``tf.nn.conv_transpose`` arguments (spatial output_shape, strides, padding) for a PyTorch layer.

    Filters are PyTorch's weight permuted to ``(*kernel, out, in)``.

    >>> to_tf(3, 3, stride=2, padding=1, output_padding=1)
    {'output_shape': [6], 'strides': [2], 'padding': [[1, 0]], 'dilations': [1]}
    >>> to_tf(3, 3, stride=2)['padding']
    'VALID'
    """
    axes, want = _target(input_size, kernel_size, stride, padding, output_padding, dilation)
    if any(ax.dilation != 1 for ax in axes):
        raise TconvError(
            "TensorFlow's CPU kernels refuse dilation rates larger than 1, so this layer has no TF form "
            "that runs on the CPU"
        )
    out = [ax.output_size for ax in axes]
    for name in ("VALID", "SAME"):
        got = []
        for ax, o in zip(axes, out):
            b = 0 if name == "VALID" else _same_begin(o, ax.stride, ax.effective_kernel)
            got.append((b, ax.full_size - b - o))
        ok = all(
            ax.input_size
            == ((o - ax.effective_kernel) // ax.stride + 1 if name == "VALID" else math.ceil(o / ax.stride))
            for ax, o in zip(axes, out)
        )
        if ok and got == want:
            return {
                "output_shape": out,
                "strides": [ax.stride for ax in axes],
                "padding": name,
                "dilations": [1] * len(axes),
            }
    pairs = []
    for a, ax in enumerate(axes):
        hi = ax.padding - ax.output_padding
        if hi < 0:
            raise TconvError(
                f"axis {a}: output_padding {ax.output_padding} > padding {ax.padding} extends the output past the "
                f"stamps, which TensorFlow's explicit padding (non-negative) cannot express; compute with padding 0 "
                f"and zero-pad {-hi} at the end"
            )
        pairs.append([ax.padding, hi])
    return {"output_shape": out, "strides": [ax.stride for ax in axes], "padding": pairs, "dilations": [1] * len(axes)}


def to_keras(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> dict[str, Any]:
    """Keras ``ConvNDTranspose`` arguments for a PyTorch layer, where Keras can express it.

    >>> to_keras(16, 4, stride=2, padding=1)
    {'strides': [2], 'padding': 'same', 'output_padding': None, 'dilation_rate': [1]}
    """
    axes, want = _target(input_size, kernel_size, stride, padding, output_padding, dilation)
    if any(ax.stride > 1 for ax in axes) and any(ax.dilation > 1 for ax in axes):
        raise TconvError("Keras does not support strides > 1 together with dilation_rate > 1")
    nd = len(axes)
    for pad in ("valid", "same"):
        for op_choice in [None, *range(max(ax.stride for ax in axes))]:
            ops: list[int | None] = [op_choice] * nd
            if op_choice is not None and any(op_choice >= ax.stride for ax in axes):
                continue
            got = [
                _keras_window(ax.input_size, ax.kernel_size, ax.stride, ax.dilation, pad, o)[:2]
                for ax, o in zip(axes, ops)
            ]
            if got == want:
                return {
                    "strides": [ax.stride for ax in axes],
                    "padding": pad,
                    "output_padding": None if op_choice is None else ops,
                    "dilation_rate": [ax.dilation for ax in axes],
                }
    # per-axis output_padding combinations (rare): search each axis independently with a shared padding
    for pad in ("valid", "same"):
        found_ops: list[int] = []
        for ax, w in zip(axes, want):
            found = [
                o
                for o in range(ax.stride)
                if _keras_window(ax.input_size, ax.kernel_size, ax.stride, ax.dilation, pad, o)[:2] == w
            ]
            if not found:
                break
            found_ops.append(found[0])
        else:
            return {
                "strides": [ax.stride for ax in axes],
                "padding": pad,
                "output_padding": found_ops,
                "dilation_rate": [ax.dilation for ax in axes],
            }
    raise TconvError(
        f"Keras cannot express this layer: it crops {want} (begin, end) per axis, but 'valid' crops nothing at the "
        f"begin and 'same' crops the odd cell at the end; use padding='valid' and a CroppingND layer with "
        f"{[[b, e] for b, e in want]} (negative: ZeroPaddingND)"
    )
