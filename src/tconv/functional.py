"""The compute entry points: ``conv_transpose`` (and its 1d/2d/3d forms) and the forward ``conv``.

Both follow PyTorch exactly: weight layouts, parameter order, output sizes, what is accepted and what refused.

>>> import numpy as np, tconv
>>> x = np.array([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]])          # seed 001, (C=1, H, W), unbatched
>>> w = np.array([[[[1, 2], [0, 1]]]])                          # (in=1, out=1, 2, 2)
>>> tconv.conv_transpose(x, w)
array([[[ 4, 12, 11,  6],
        [ 0,  7, 14, 11],
        [ 2,  7, 11,  8],
        [ 0,  2,  3,  2]]])
>>> tconv.conv_transpose(x, w, padding=1)
array([[[ 7, 14],
        [ 7, 11]]])
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._axes import IntOrSeq
from .algorithms._correlate import conv_forward, correlate_workspace
from .dtypes import check_bias_dtype, dtype_name, read_arrays
from .params import ConvPlan, ConvTransposePlan, compute_dtype, plan_conv
from .recipe import front_end, recipe_for, validated_plan
from .settings import check_memory

__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "conv_transpose", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
]


def _conv_transpose(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    stride: IntOrSeq,
    padding: IntOrSeq | str,
    output_padding: IntOrSeq,
    groups: int,
    dilation: IntOrSeq,
    output_size: IntOrSeq | None,
    algorithm: str,
    nd: int | None,
    padding_mode: str = "zeros",
) -> np.ndarray:
    layer, x, w, b = read_transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                                     output_size, nd, padding_mode)
    return recipe_for(layer, algorithm, None if b is None else b.shape).apply(x, w, b)


def read_transposed(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, stride: IntOrSeq, padding: IntOrSeq | str,
    output_padding: IntOrSeq, groups: int, dilation: IntOrSeq, output_size: IntOrSeq | None, nd: int | None,
    padding_mode: str = "zeros",
) -> tuple[ConvTransposePlan, np.ndarray, np.ndarray, np.ndarray | None]:
    """The arrays of a transposed convolution and its plan, with every check PyTorch makes (dtypes, the bias's
    dtype for this rank and batch, shapes, sizes): what :func:`conv_transpose` and ``tconv.explain`` both read.

    >>> plan, x, w, b = read_transposed([[1, 2, 3]], [[[1, 1]]], None, 2, 0, 1, 1, 1, None, None)
    >>> plan.output_size, x.dtype.name
    ((7,), 'int64')
    """
    x, w, b, x_name, b_name = read_arrays(input, weight, bias)
    layer = validated_plan(x.shape, w.shape, None if b is None else b.shape, stride, padding, output_padding, groups,
                           dilation, output_size, nd, dtype_name(x.dtype), padding_mode)
    if b_name is not None:
        check_bias_dtype("conv_transpose", layer.nd, layer.batch, x_name, b_name)
    return layer, x, w, b


def conv_transpose(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Transposed convolution with PyTorch's ``conv_transpose{1,2,3}d`` semantics; the rank of ``weight`` decides 1-3D.

    Beyond PyTorch (docs/guide.md): ``padding="same"`` (output = input × stride, TensorFlow's, Keras's and JAX's
    crop) and ``"valid"`` (padding 0); ``padding_mode`` "circular", "reflect" or "replicate", the adjoint of
    the direct convolution that pads so (the cropped margins fold back instead of being dropped).

    >>> import numpy as np
    >>> y = conv_transpose(np.ones((2, 4, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32), stride=2, padding=1)
    >>> y.shape, y.dtype
    ((2, 3, 9, 9), dtype('float32'))
    >>> conv_transpose(np.ones((1, 4, 5, 5)), np.ones((4, 3, 3, 3)), stride=2, padding=1, output_size=(10, 10)).shape
    (1, 3, 10, 10)
    >>> conv_transpose([[1, 2, 3]], [[[1, 1, 1]]], stride=2, padding="same").tolist()     # full [1,1,3,2,5,3,3]
    [[1, 1, 3, 2, 5, 3]]
    >>> conv_transpose([[1, 2, 3]], [[[1, 1, 1]]], stride=2, padding=1, padding_mode="circular").tolist()
    [[4, 3, 2, 5, 4]]

    Args:
        input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.
        weight: ``(C_in, C_out/groups, *kernel)``, PyTorch's transposed layout (in-channels first).
        bias: ``(C_out,)`` or None; added everywhere, the output_padding cells included. Its dtype is checked
            as PyTorch checks it (:func:`check_bias_dtype`): in 1-D and 2-D a floating input takes any real bias,
            an int64 input an integer one, a complex input its own dtype; in 3-D the bias dtype must be the input's.
        stride, padding, output_padding, dilation: an int or one int per spatial axis (a list, tuple or 1-D
            integer NumPy array). ``padding`` crops the
            full output at both ends; ``output_padding`` (< max(stride, dilation)) keeps more at the end.
            ``padding`` may also be ``"same"`` (output_padding then 0; ``output_size`` picks among
            (L−1)·s+1 .. L·s) or ``"valid"``.
        groups: input and output channels are split into this many independent groups.
        output_size: the wanted spatial size (optionally with the leading N, C); replaces output_padding exactly
            like ``nn.ConvTranspose*d.forward(input, output_size)``, within its range.
        algorithm: ``"auto"`` or one of :func:`tconv.available_algorithms`.
        padding_mode: ``"zeros"`` (PyTorch's), ``"circular"``, ``"reflect"`` or ``"replicate"``: the cropped
            margins wrap around, fold onto their mirror image, or onto the edge cell (reflect needs padding
            smaller than the output, circular at most the output).

    Returns:
        An array of the input's dtype (float16 is computed in float32). bfloat16 tensors are read as float32
        (exactly), computed in float32 and returned as float32: NumPy has no bfloat16.

    Raises:
        TconvError: for anything PyTorch refuses, and for calls beyond the memory budget.
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, None,
        padding_mode,
    )


def conv_transpose1d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *,
    output_size: IntOrSeq | None = None, algorithm: str = "auto", padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv_transpose` for 1 spatial dimension: weight ``(C_in, C_out/g, k)``.

    >>> conv_transpose1d([[1, 2, 3]], [[[1, 1, 1]]], stride=2).tolist()
    [[1, 1, 3, 2, 5, 3, 3]]
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 1,
        padding_mode,
    )


def conv_transpose2d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *,
    output_size: IntOrSeq | None = None, algorithm: str = "auto", padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv_transpose` for 2 spatial dimensions: weight ``(C_in, C_out/g, kh, kw)``.

    >>> conv_transpose2d([[[1, 2], [3, 4]]], [[[[1, 1], [1, 1]]]], stride=2).tolist()
    [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 2,
        padding_mode,
    )


def conv_transpose3d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *,
    output_size: IntOrSeq | None = None, algorithm: str = "auto", padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv_transpose` for 3 spatial dimensions: weight ``(C_in, C_out/g, kd, kh, kw)``.

    >>> conv_transpose3d(np.ones((1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)), stride=2).shape
    (1, 4, 4, 4)
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 3,
        padding_mode,
    )


def conv(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Forward convolution (cross-correlation) with PyTorch's ``conv{1,2,3}d`` semantics.

    Weight ``(C_out, C_in/groups, *kernel)``; ``padding`` an int, per-axis ints, ``"same"`` (stride 1 only, the
    odd element at the end) or ``"valid"``. Note the order: ``dilation`` before ``groups``, as in PyTorch's conv
    (the transposed functions have ``groups`` first). ``padding_mode`` is ``nn.Conv*d``'s (``F.conv*d`` has
    none): ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``, with ``F.pad``'s limits.

    >>> conv([[[0, 1, 2, 3, 4]]], [[[1, 0, -1]]]).tolist()
    [[[-2, -2, -2]]]
    >>> conv(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2, padding=1)[0, 0]
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]])
    >>> conv([[[1, 2, 3]]], [[[1, 1, 1]]], padding=1, padding_mode="circular").tolist()
    [[[6, 6, 6]]]
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, None, padding_mode)


def conv_memory_need(plan: ConvPlan, x: np.ndarray, w: np.ndarray) -> int:
    """What :func:`conv` allocates at most: the padded input, one block of taps' patch and weights, the accumulator
    and one product, the result, and the contiguous compute-dtype copies of input and weight where they are not
    already so.

    >>> import numpy as np
    >>> from tconv.params import plan_conv
    >>> from tconv.recipe import ufunc_buffers
    >>> x, w = np.ones((1, 1, 5)), np.ones((1, 1, 3))
    >>> conv_memory_need(plan_conv(x.shape, w.shape), x, w) - ufunc_buffers(x.dtype)  # 5 + 3·3 + 3·3 + 3 cells
    208
    """
    ctype = compute_dtype(x.dtype)
    out_count = plan.batch * plan.out_channels * math.prod(plan.output_size)
    padded = plan.batch * plan.in_channels * math.prod(ax.padded_size for ax in plan.axes)
    work = padded + correlate_workspace(plan.batch, plan.in_channels, plan.out_channels, plan.output_size, 1,
                                        plan.kernel_size, plan.groups)
    return (work + out_count) * ctype.itemsize + front_end(x, w, out_count)


def _conv(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, stride: IntOrSeq, padding: IntOrSeq | str,
    dilation: IntOrSeq, groups: int, nd: int | None, padding_mode: str = "zeros",
) -> np.ndarray:
    x, w, b, x_name, b_name = read_arrays(input, weight, bias)
    plan = plan_conv(x.shape, w.shape, None if b is None else b.shape, stride, padding, dilation, groups, nd=nd,
                     dtype=x.dtype.name, padding_mode=padding_mode)
    if b_name is not None:
        check_bias_dtype("conv", plan.nd, plan.batch, x_name, b_name)
    check_memory(conv_memory_need(plan, x, w), f"conv with output shape {list(plan.output_shape)} ({plan.dtype})")
    if plan.batch == 0:
        return np.zeros(plan.output_shape, dtype=x.dtype)
    ctype = compute_dtype(x.dtype)
    xb = np.ascontiguousarray(x if plan.batched else x[None], dtype=ctype)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and Inf propagate silently, as in PyTorch
        y = conv_forward(xb, np.ascontiguousarray(w, dtype=ctype), plan)
        if b is not None:
            y += b.astype(ctype).reshape((1, -1) + (1,) * plan.nd)
    y = y.astype(x.dtype, copy=False)
    return y if plan.batched else y[0]


def conv1d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1, *, padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv` for 1 spatial dimension, as ``torch.nn.functional.conv1d``: weight ``(C_out, C_in/g, k)``.

    >>> conv1d([[0, 1, 2, 3, 4]], [[[1, 0, -1]]], padding="same").tolist()
    [[-1, -2, -2, -2, 3]]
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, padding_mode)


def conv2d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1, *, padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv` for 2 spatial dimensions, as ``torch.nn.functional.conv2d``: weight ``(C_out, C_in/g, kh, kw)``.

    >>> conv2d([[[1, 2], [3, 4]]], [[[[1, 1], [1, 1]]]]).tolist()
    [[[10]]]
    >>> conv2d(np.ones((1, 2, 2)), np.ones((1, 1, 2, 2, 2)))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: weight for conv2d must have 4 dimensions, got shape [1, 1, 2, 2, 2] (5 dimensions)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, padding_mode)


def conv3d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1, *, padding_mode: str = "zeros",
) -> np.ndarray:
    """:func:`conv` for 3 spatial dimensions, as ``torch.nn.functional.conv3d``: weight ``(C_out, C_in/g, kd, kh, kw)``.

    >>> conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((2, 1, 2, 2, 2)), stride=2).shape
    (1, 2, 1, 1, 1)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, padding_mode)
