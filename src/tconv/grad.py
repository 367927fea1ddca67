"""Gradients of convolution and transposed convolution, exactly as ``torch.autograd`` gives them.

``torch.nn.grad``'s names and argument order, with the transposed convolution's two added:

* :func:`conv_transpose_input` and :func:`conv_transpose_weight`: the gradients of ``tconv.conv_transpose``;
* :func:`conv_input` and :func:`conv_weight`: the gradients of ``tconv.conv`` (``torch.nn.grad.conv{1,2,3}d_*``);
* :func:`bias`: the bias gradient of either, the sum of ``grad_output`` over the batch and every spatial cell.

Each is what the forward is, read backwards (seed 002): a convolution is ``y = C x``, its transposed convolution
``y = Cᵀ x``, so the input gradient of one is the other with the same weight (``dx = Cᵀ dy``, ``dx = C dy``), and
both weight gradients are one GEMM per block of kernel taps (:mod:`tconv.algorithms._weight_grad`). Complex
arrays follow torch's convention (the conjugate Wirtinger derivative): ``dx = Cᴴ dy``, the weight's gradient the
products with the conjugated input.

>>> import numpy as np
>>> from tconv import grad
>>> x = np.array([[[1.0, 2.0, 3.0]]])                         # (N, C_in, L)
>>> w = np.array([[[1.0, 10.0]]])                             # (C_in, C_out, k)
>>> dy = np.array([[[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]]])         # y = conv_transpose(x, w, stride=2) has 6 cells
>>> grad.conv_transpose_input(x.shape, w, dy, stride=2)       # x[0] reached y[0] (w 1), x[2] reached y[5] (w 10)
array([[[ 1.,  0., 10.]]])
>>> grad.conv_transpose_weight(x, w.shape, dy, stride=2)      # w[0] met x[0] at y[0], w[1] met x[2] at y[5]
array([[[1., 3.]]])
>>> grad.bias(dy)
array([2.])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._axes import Index, IntOrSeq, as_int, as_shape
from .algorithms._correlate import conv_forward
from .algorithms._strided import StridedLayout, strided_correlate, strided_workspace, use_flat
from .algorithms._weight_grad import tap_products, tap_products_workspace
from .dtypes import dtype_name, read_array, read_arrays
from .errors import TconvError
from .functional import conv_memory_need
from .padding_modes import fold, pad
from .params import ConvPlan, ConvTransposePlan, check_dtype, compute_dtype, plan_conv
from .recipe import recipe_for, ufunc_buffers, validated_plan
from .settings import check_memory

__all__ = [
    "bias",
    "conv_input",
    "conv_input_of",
    "conv_transpose_input",
    "conv_transpose_input_of",
    "conv_transpose_weight",
    "conv_transpose_weight_of",
    "conv_weight",
    "conv_weight_of",
    "memory_need",
]


# --------------------------------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------------------------------


def _shape_of(name: str, value: Any) -> tuple[int, ...]:
    """``input_size`` or ``weight_size`` as a shape, refused by its own name (an array where its shape was meant
    is named as such, as the plans do)."""
    if getattr(value, "ndim", 1) > 1 or (hasattr(value, "shape") and getattr(value, "ndim", 1) == 0):
        raise TconvError(f"{name} must be a shape, got an array of shape {list(value.shape)} (an array's .shape is "
                         f"its shape: pass x.shape)")
    return as_shape(name, value)


def _check_grad_output(grad_output: np.ndarray, expected: tuple[int, ...], what: str) -> None:
    if grad_output.shape != expected:
        raise TconvError(f"grad_output has shape {list(grad_output.shape)}, but {what} has shape {list(expected)}: "
                         f"grad_output must have the forward's output shape {list(expected)}")


def _batched(arr: np.ndarray, batched: bool) -> np.ndarray:
    return arr if batched else arr[None]


def _unbatched(arr: np.ndarray, batched: bool) -> np.ndarray:
    return arr if batched else arr[0]


def _first(size: tuple[int, ...]) -> Index:
    """The index of the first ``size`` cells of the last axes (a gradient cut to the input's size)."""
    return (..., *(slice(0, n) for n in size))


def _shown(shape: tuple[int, ...]) -> str:
    return str(list(shape))


# --------------------------------------------------------------------------------------------------
# Memory: what each gradient allocates at most
# --------------------------------------------------------------------------------------------------


def _layout(plan: ConvTransposePlan) -> StridedLayout:
    """The flat layout of the transposed convolution's input gradient: ``dx[i]`` reads ``dy[i·s + j·d − p]``."""
    return StridedLayout.of(plan.input_size, plan.output_size, plan.kernel_size, plan.stride, plan.dilation,
                            plan.padding)


def _transposed_as_conv(plan: ConvTransposePlan) -> ConvPlan:
    """The direct convolution whose output, cut to the input's size, is the input gradient of ``plan``: the same
    weight, stride, padding, dilation and groups, on ``grad_output``."""
    shape = (plan.batch, plan.out_channels, *plan.output_size)
    weight = (plan.in_channels, plan.out_per_group, *plan.kernel_size)
    return plan_conv(shape, weight, None, plan.stride, plan.padding, plan.dilation, plan.groups, nd=plan.nd,
                     dtype=plan.dtype)


def _conv_as_transposed(plan: ConvPlan) -> ConvTransposePlan:
    """The transposed convolution whose output, cut to the input's size, is the input gradient of ``plan``:
    padding the leading padding, output_padding what reaches the input's last cell (0 where the end's padding is
    larger, "same" with an even kernel: one cell more is cut)."""
    padding, output_padding = [], []
    for ax in plan.axes:
        reach = ax.padded_size - ax.effective_kernel  # = (O − 1)·s + the cells the last window leaves out
        output_padding.append(max(0, ax.pad_begin - ax.pad_end + reach % ax.stride))
        padding.append(ax.pad_begin)
    weight = (plan.out_channels, plan.in_channels // plan.groups, *plan.kernel_size)
    return validated_plan(plan.output_shape, weight, None, tuple(ax.stride for ax in plan.axes), tuple(padding),
                          tuple(output_padding), plan.groups, tuple(ax.dilation for ax in plan.axes), None, plan.nd,
                          plan.dtype)


def _weight_grad_need(a_shape: tuple[int, ...], b_shape: tuple[int, ...], groups: int, stride: tuple[int, ...],
                      dilation: tuple[int, ...], pad_begin: tuple[int, ...], kernel: tuple[int, ...],
                      dtype: np.dtype) -> int:
    ctype = compute_dtype(dtype)
    work = tap_products_workspace(a_shape, b_shape, groups, stride, dilation, pad_begin, kernel, ctype.itemsize)
    weight = a_shape[1] * (b_shape[1] // groups) * math.prod(kernel)
    back = weight * dtype.itemsize if ctype != dtype else 0  # the result converted back (float16)
    return work + back + ufunc_buffers(ctype)


def memory_need(plan: ConvTransposePlan | ConvPlan, which: str, first: np.ndarray, grad_output: np.ndarray) -> int:
    """The bytes one gradient of ``plan`` allocates at most, result included: ``which`` is ``"input"`` (``first``
    is the weight) or ``"weight"`` (``first`` is the input). The memory guard refuses a call beyond the budget
    with this figure, before anything is allocated.

    * the input gradient of a transposed convolution: the direct convolution's need
      (:func:`tconv.functional.conv_memory_need`), the conjugated weight (complex) and the cut result;
    * the input gradient of a convolution: the transposed convolution's recipe's need, the conjugated weight and
      the cut result;
    * a weight gradient: :func:`tconv.algorithms._weight_grad.tap_products_workspace`, and the result converted back.

    >>> from tconv.params import plan_conv_transpose
    >>> x, w = np.ones((1, 1, 3)), np.ones((1, 1, 2))
    >>> plan = plan_conv_transpose(x.shape, w.shape, stride=2)
    >>> dy = np.ones(plan.output_shape)
    >>> memory_need(plan, "weight", x, dy) - ufunc_buffers(x.dtype)    # 3 + 0 + 2·3 + 2·2 float64 cells
    104
    """
    ctype = compute_dtype(grad_output.dtype)
    conj = first.size * ctype.itemsize if ctype.kind == "c" and which == "input" else 0
    batched_shape = (plan.batch, *grad_output.shape[-plan.nd - 1:])
    if which == "input" and isinstance(plan, ConvTransposePlan):
        layout = _layout(plan)
        if use_flat(layout, plan.out_per_group):
            back = plan.batch * plan.in_channels * math.prod(plan.input_size) * grad_output.dtype.itemsize
            return (strided_workspace(layout, plan.batch, plan.in_channels, plan.out_channels, plan.groups,
                                      ctype.itemsize, gradient=False) + back + ufunc_buffers(ctype))
        cut = plan.batch * plan.in_channels * math.prod(plan.input_size) * ctype.itemsize
        return conv_memory_need(_transposed_as_conv(plan), grad_output, first) + conj + cut
    if which == "input" and isinstance(plan, ConvPlan):
        recipe = recipe_for(_conv_as_transposed(plan), "auto", None)
        cut = plan.batch * plan.in_channels * math.prod(plan.input_size) * grad_output.dtype.itemsize
        return recipe.memory_need(grad_output, first) + conj + cut
    input_shape = (plan.batch, *first.shape[-plan.nd - 1:])
    if isinstance(plan, ConvTransposePlan):
        return _weight_grad_need(input_shape, batched_shape, plan.groups, plan.stride, plan.dilation, plan.padding,
                                 plan.kernel_size, grad_output.dtype)
    return _weight_grad_need(batched_shape, input_shape, plan.groups, plan.stride, plan.dilation,
                             tuple(ax.pad_begin for ax in plan.axes), plan.kernel_size, grad_output.dtype)


def _guard(plan: ConvTransposePlan | ConvPlan, which: str, first: np.ndarray, grad_output: np.ndarray,
           name: str) -> None:
    check_memory(memory_need(plan, which, first, grad_output),
                 lambda: f"{name} for an input of shape {_shown((plan.batch, plan.in_channels, *plan.input_size))} "
                 f"({plan.dtype}, kernel_size {list(plan.kernel_size)})")


def _ghost(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` that holds no memory: what a memory figure reads before the array exists."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype=dtype), shape, (0,) * len(shape))


def _uncropped(plan: ConvTransposePlan, grad_output: np.ndarray, which: str, first: np.ndarray
               ) -> tuple[ConvTransposePlan, np.ndarray]:
    """A transposed convolution whose output is a window of its uncropped one, made plain for its gradients: the
    uncropped layer (:attr:`~tconv.params.ConvTransposePlan.unfolded`) and ``grad_output`` taken back to it.

    With a padding mode, y = Pᵀ u (u the uncropped output; Pᵀ folds the margins back), so du = P dy: ``grad_output``
    padded as ``F.pad`` pads. With zeros and an end crop other than the begin's (``padding="same"``), y is u's window
    ``[padding, padding + O)``, so du is ``grad_output`` in that window and zeros elsewhere (a window reaching past
    u, where "same" adds cells no input reaches, contributes nothing). A plain layer is returned as it is."""
    if plan.padding_mode == "zeros" and plan.padding_end == plan.padding:
        return plan, grad_output
    full = plan.unfolded
    lead = grad_output.shape[:grad_output.ndim - plan.nd]
    shape = (*lead, *full.output_size)
    check_memory(math.prod(shape) * grad_output.dtype.itemsize
                 + memory_need(full, which, first, _ghost(shape, grad_output.dtype)),
                 lambda: f"the gradient of a transposed convolution with output of shape "
                         f"{_shown((*lead, *plan.output_size))} ({plan.dtype}, padding_mode {plan.padding_mode!r})")
    if plan.padding_mode != "zeros":
        margins = [(ax.padding, ax.end_padding) for ax in plan.axes]
        return full, np.ascontiguousarray(pad(grad_output, margins, plan.padding_mode))
    du = np.zeros(shape, dtype=grad_output.dtype)
    kept = [min(o, u - ax.padding) for o, u, ax in zip(plan.output_size, full.output_size, plan.axes, strict=True)]
    window: Index = (Ellipsis, *(slice(ax.padding, ax.padding + n) for ax, n in zip(plan.axes, kept, strict=True)))
    head: Index = (Ellipsis, *(slice(0, n) for n in kept))
    du[window] = grad_output[head]
    return full, du


def _padded_conv(plan: ConvPlan) -> tuple[ConvPlan, list[tuple[int, int]]]:
    """A direct convolution with a padding mode as the convolution without padding of the padded input (conv_m(x)
    = conv(P x)), and its margins."""
    margins = [(ax.pad_begin, ax.pad_end) for ax in plan.axes]
    padded = tuple(ax.input_size + b + e for ax, (b, e) in zip(plan.axes, margins, strict=True))
    shape = ((plan.batch,) if plan.batched else ()) + (plan.in_channels, *padded)
    weight = (plan.out_channels, plan.in_channels // plan.groups, *plan.kernel_size)
    bare = plan_conv(shape, weight, None, tuple(ax.stride for ax in plan.axes), 0,
                     tuple(ax.dilation for ax in plan.axes), plan.groups, nd=plan.nd, dtype=plan.dtype)
    return bare, margins


# --------------------------------------------------------------------------------------------------
# The computations on validated plans (the layers' backward calls these)
# --------------------------------------------------------------------------------------------------


def conv_transpose_input_of(plan: ConvTransposePlan, weight: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """The input gradient of a validated transposed convolution, from arrays already read and checked against
    ``plan``: the direct convolution of ``grad_output`` with the same weight (conjugated, for complex arrays), cut
    to the input's size (with output_padding ≥ stride the convolution reaches further). Wide groups go to
    :func:`tconv.algorithms._strided.strided_correlate` (a GEMM per tap on ``grad_output``'s phases), the rest to
    ``tconv.conv``'s engine (a GEMM per block of taps).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 2), stride=2)
    >>> conv_transpose_input_of(plan, np.array([[[1.0, 10.0]]]), np.ones((1, 1, 6)))
    array([[[11., 11., 11.]]])
    """
    shape = ((plan.batch,) if plan.batched else ()) + (plan.in_channels, *plan.input_size)
    if plan.batch == 0:
        return np.zeros(shape, dtype=grad_output.dtype)
    plan, grad_output = _uncropped(plan, grad_output, "input", weight)  # padding words and modes: made plain
    _guard(plan, "input", weight, grad_output, "conv_transpose_input")
    ctype = compute_dtype(grad_output.dtype)
    layout = _layout(plan)
    if use_flat(layout, plan.out_per_group):  # wide groups: a GEMM per tap on grad_output's phases, no im2col
        with np.errstate(invalid="ignore", over="ignore"):
            dx = strided_correlate(_batched(grad_output, plan.batched), weight, plan.groups, layout, ctype,
                                   conj_weight=ctype.kind == "c")
        return _unbatched(dx.astype(grad_output.dtype, copy=False), plan.batched)
    dy = np.ascontiguousarray(_batched(grad_output, plan.batched), dtype=ctype)
    w = np.conjugate(weight).astype(ctype, copy=False) if ctype.kind == "c" else weight.astype(ctype, copy=False)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and Inf propagate silently, as in PyTorch
        dx = conv_forward(dy, np.ascontiguousarray(w), _transposed_as_conv(plan))
    dx = dx[_first(plan.input_size)]
    return _unbatched(np.ascontiguousarray(dx, dtype=grad_output.dtype), plan.batched)


def conv_transpose_weight_of(plan: ConvTransposePlan, input: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """The weight gradient of a validated transposed convolution, from arrays already read and checked: weight
    tap ``j`` gathers ``x[i] · dy[i·s + j·d − p]`` (the input conjugated, for complex arrays) over the batch and
    every input cell, a GEMM per block of taps.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 2), stride=2)
    >>> conv_transpose_weight_of(plan, np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, 0, 0, 0, 0, 1]]]))
    array([[[1., 3.]]])
    """
    shape = (plan.in_channels, plan.out_per_group, *plan.kernel_size)
    if plan.batch == 0:
        return np.zeros(shape, dtype=grad_output.dtype)
    plan, grad_output = _uncropped(plan, grad_output, "weight", input)  # padding words and modes: made plain
    _guard(plan, "weight", input, grad_output, "conv_transpose_weight")
    ctype = compute_dtype(grad_output.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        dw = tap_products(_batched(input, plan.batched), _batched(grad_output, plan.batched), plan.groups,
                          plan.stride, plan.dilation, plan.padding, plan.kernel_size, dtype=ctype,
                          conj_a=ctype.kind == "c")
    return dw.astype(grad_output.dtype, copy=False)


def conv_input_of(plan: ConvPlan, weight: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """The input gradient of a validated convolution, from arrays already read and checked: the transposed
    convolution of ``grad_output`` with the same weight (conjugated, for complex arrays), through tconv's fast
    engines, with the output_padding that reaches the input's last cell.

    >>> plan = plan_conv((1, 1, 4), (1, 1, 2), stride=2)                 # two windows: cells 0-1 and 2-3
    >>> conv_input_of(plan, np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0]]]))
    array([[[ 1., 10.,  2., 20.]]])
    """
    shape = ((plan.batch,) if plan.batched else ()) + (plan.in_channels, *plan.input_size)
    if plan.batch == 0:
        return np.zeros(shape, dtype=grad_output.dtype)
    if plan.padding_mode != "zeros":  # conv(P x): the gradient of the padded input, its margins folded back (Pᵀ)
        bare, margins = _padded_conv(plan)
        return np.ascontiguousarray(fold(conv_input_of(bare, weight, grad_output), margins, plan.padding_mode))
    _guard(plan, "input", weight, grad_output, "conv_input")
    w = np.conjugate(weight) if weight.dtype.kind == "c" else weight
    recipe = recipe_for(_conv_as_transposed(plan), "auto", None)
    dx = recipe.apply(grad_output, w)
    if dx.shape[-plan.nd:] != plan.input_size:  # "same" with an even kernel: the end's extra padding is cut
        dx = np.ascontiguousarray(dx[_first(plan.input_size)])
    return dx


def conv_weight_of(plan: ConvPlan, input: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """The weight gradient of a validated convolution, from arrays already read and checked: weight tap ``j``
    gathers ``dy[i] · x[i·s + j·d − p]`` (the input conjugated, for complex arrays) over the batch and every output
    cell, a GEMM per block of taps.

    >>> plan = plan_conv((1, 1, 4), (1, 1, 2), stride=2)
    >>> conv_weight_of(plan, np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, 10.0]]]))   # 1·1 + 10·3, ...
    array([[[31., 42.]]])
    """
    shape = (plan.out_channels, plan.in_channels // plan.groups, *plan.kernel_size)
    if plan.batch == 0:
        return np.zeros(shape, dtype=grad_output.dtype)
    if plan.padding_mode != "zeros":  # conv(P x): the weight meets the padded input
        bare, margins = _padded_conv(plan)
        padded_shape = ((plan.batch,) if plan.batched else ()) + (plan.in_channels, *bare.input_size)
        check_memory(math.prod(padded_shape) * input.dtype.itemsize,
                     lambda: f"conv_weight's padded input of shape {_shown(padded_shape)} ({plan.dtype})")
        return conv_weight_of(bare, pad(input, margins, plan.padding_mode), grad_output)
    _guard(plan, "weight", input, grad_output, "conv_weight")
    ctype = compute_dtype(grad_output.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        dw = tap_products(_batched(grad_output, plan.batched), _batched(input, plan.batched), plan.groups,
                          tuple(ax.stride for ax in plan.axes), tuple(ax.dilation for ax in plan.axes),
                          tuple(ax.pad_begin for ax in plan.axes), plan.kernel_size, dtype=ctype,
                          conj_b=ctype.kind == "c")
    return dw.astype(grad_output.dtype, copy=False)


# --------------------------------------------------------------------------------------------------
# The public functions
# --------------------------------------------------------------------------------------------------


def conv_transpose_input(
    input_size: IntOrSeq,
    weight: ArrayLike,
    grad_output: ArrayLike,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """The gradient of ``conv_transpose(input, weight, ...)`` with respect to its input, as ``torch.autograd``
    gives it: the direct convolution of ``grad_output`` with the same weight. The transposed convolution is
    ``y = Cᵀ x`` (``C`` the convolution's matrix), so ``dx = C dy`` (``C̄ dy`` for complex arrays).

    ``input_size`` is the input's shape, ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``; the other
    arguments are :func:`tconv.conv_transpose`'s, checked by the same validator, and ``grad_output`` must have the
    output's shape. The rank comes from the weight's.

    >>> import numpy as np, tconv
    >>> x, w = np.ones((1, 2, 3, 3)), np.ones((2, 4, 3, 3))
    >>> dy = np.ones(tconv.conv_transpose(x, w, stride=2, padding=1).shape)      # (1, 4, 5, 5)
    >>> conv_transpose_input(x.shape, w, dy, stride=2, padding=1)[0, 0]         # 4 output channels × the taps kept
    array([[16., 24., 16.],
           [24., 36., 24.],
           [16., 24., 16.]])

    Raises:
        TconvError: for anything the forward refuses, a ``grad_output`` of another shape or dtype, and calls
            beyond the memory budget.
    """
    dy, w, _, _, _ = read_arrays(grad_output, weight, None, names=("grad_output", "weight"))
    size = _shape_of("input_size", input_size)
    plan = validated_plan(size, w.shape, None, stride, padding, output_padding, groups, dilation, output_size, None,
                          dtype_name(dy.dtype), padding_mode)
    _check_grad_output(dy, plan.output_shape, f"the transposed convolution of an input of shape {_shown(size)}")
    return conv_transpose_input_of(plan, w, dy)


def conv_transpose_weight(
    input: ArrayLike,
    weight_size: IntOrSeq,
    grad_output: ArrayLike,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """The gradient of ``conv_transpose(input, weight, ...)`` with respect to its weight, as ``torch.autograd``
    gives it: tap ``j`` of the weight gathers ``input[i] · grad_output[i·s + j·d − p]`` over the batch and every
    input cell (the input conjugated for complex arrays).

    ``weight_size`` is the weight's shape, ``(C_in, C_out/groups, *kernel)``; the rank comes from it.

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> dy = np.ones((1, 1, 3, 3))                               # a 2×2 kernel at stride 1: 3×3 output
    >>> conv_transpose_weight(x, (1, 1, 2, 2), dy)               # every tap meets every input cell: 0+1+2+3
    array([[[[6., 6.],
             [6., 6.]]]])
    """
    x, dy, _, _, _ = read_arrays(input, grad_output, None, names=("input", "grad_output"))
    plan = validated_plan(x.shape, _shape_of("weight_size", weight_size), None, stride, padding, output_padding,
                          groups, dilation, output_size, None, dtype_name(x.dtype), padding_mode)
    _check_grad_output(dy, plan.output_shape, f"the transposed convolution of an input of shape {_shown(x.shape)}")
    return conv_transpose_weight_of(plan, x, dy)


def conv_input(
    input_size: IntOrSeq,
    weight: ArrayLike,
    grad_output: ArrayLike,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """The gradient of ``conv(input, weight, ...)`` with respect to its input, as ``torch.nn.grad.conv{1,2,3}d_input``
    and ``torch.autograd`` give it: the transposed convolution of ``grad_output`` with the same weight, sized to
    ``input_size`` (seed 002: the transposed convolution's matrix is Cᵀ).

    ``padding`` may be ``"same"`` or ``"valid"`` as in :func:`tconv.conv` (torch.nn.grad refuses strings; autograd
    through ``F.conv2d(padding="same")`` gives the same numbers), and an unbatched ``input_size`` is accepted.

    >>> import numpy as np, tconv
    >>> w = np.array([[[1.0, 0.0, -1.0]]])
    >>> conv_input((1, 1, 5), w, np.ones((1, 1, 3)))     # the three windows' gradients, added where they overlap
    array([[[ 1.,  1.,  0., -1., -1.]]])
    >>> conv_input((1, 1, 5), w, np.ones((1, 1, 5)), padding="same")
    array([[[ 0.,  1.,  0., -1.,  0.]]])
    """
    dy, w, _, _, _ = read_arrays(grad_output, weight, None, names=("grad_output", "weight"))
    size = _shape_of("input_size", input_size)
    plan = plan_conv(size, w.shape, None, stride, padding, dilation, groups, dtype=dtype_name(dy.dtype),
                     padding_mode=padding_mode)
    _check_grad_output(dy, plan.output_shape, f"the convolution of an input of shape {_shown(size)}")
    return conv_input_of(plan, w, dy)


def conv_weight(
    input: ArrayLike,
    weight_size: IntOrSeq,
    grad_output: ArrayLike,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """The gradient of ``conv(input, weight, ...)`` with respect to its weight, as ``torch.nn.grad.conv{1,2,3}d_weight``
    and ``torch.autograd`` give it: tap ``j`` gathers ``grad_output[i] · input[i·s + j·d − p]`` over the batch and
    every output cell (the input conjugated for complex arrays).

    ``weight_size`` is the weight's shape, ``(C_out, C_in/groups, *kernel)``.

    >>> import numpy as np
    >>> x = np.array([[[0.0, 1.0, 2.0, 3.0, 4.0]]])
    >>> conv_weight(x, (1, 1, 3), np.ones((1, 1, 3)))      # tap j sums x[j], x[j+1], x[j+2]
    array([[[3., 6., 9.]]])
    """
    x, dy, _, _, _ = read_arrays(input, grad_output, None, names=("input", "grad_output"))
    plan = plan_conv(x.shape, _shape_of("weight_size", weight_size), None, stride, padding, dilation, groups,
                     dtype=dtype_name(x.dtype), padding_mode=padding_mode)
    _check_grad_output(dy, plan.output_shape, f"the convolution of an input of shape {_shown(x.shape)}")
    return conv_weight_of(plan, x, dy)


def bias(grad_output: ArrayLike, nd: int | None = None) -> np.ndarray:
    """The gradient of the bias of a convolution or a transposed convolution: ``grad_output`` summed over the batch
    and every spatial cell, one value per output channel (no conjugate: the bias enters with a factor 1).

    ``grad_output`` is ``(N, C_out, *spatial)``; an unbatched ``(C_out, *spatial)`` needs ``nd``, the number of
    spatial dimensions, since its rank alone cannot tell it from a batched one of lower rank. float16 is summed in
    float32; the result has ``grad_output``'s dtype.

    >>> import numpy as np
    >>> bias(np.ones((2, 3, 4, 4)))             # 2 images × 16 cells per channel
    array([32., 32., 32.])
    >>> bias(np.ones((3, 4, 4)), nd=2)          # unbatched
    array([16., 16., 16.])
    """
    dy, name = read_array("grad_output", grad_output)
    if name != "bfloat16":
        check_dtype("grad_output", dy.dtype)
    if nd is None:
        if not 3 <= dy.ndim <= 5:
            raise TconvError(f"grad_output must have 3, 4 or 5 dimensions (N, C_out, 1-3 spatial axes), got shape "
                             f"{list(dy.shape)} ({dy.ndim} dimensions); for an unbatched one pass nd=")
        channel_axis = 1
    else:
        nd = as_int("nd", nd, minimum=1)
        if nd > 3 or dy.ndim not in (nd + 1, nd + 2):
            raise TconvError(f"grad_output must have {nd + 1} (unbatched) or {nd + 2} (batched) dimensions for nd="
                             f"{nd} (nd in 1..3), got shape {list(dy.shape)} ({dy.ndim} dimensions)")
        channel_axis = dy.ndim - nd - 1
    ctype = compute_dtype(dy.dtype)
    check_memory(dy.shape[channel_axis] * (ctype.itemsize + dy.itemsize) + ufunc_buffers(ctype),
                 lambda: f"bias gradient of shape {list(dy.shape[channel_axis:channel_axis + 1])}")
    axes = tuple(a for a in range(dy.ndim) if a != channel_axis)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(dy.sum(axis=axes, dtype=ctype)).astype(dy.dtype, copy=False)
