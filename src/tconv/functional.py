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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import algorithms
from ._axes import IntOrSeq
from .algorithms._correlate import conv_forward, correlate_workspace
from .algorithms.base import Prepared
from .errors import TconvError
from .params import (
    ConvPlan,
    ConvTransposePlan,
    check_dtype,
    compute_dtype,
    plan_conv,
    plan_conv_transpose,
)
from .settings import check_memory, one_call

__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "conv_transpose", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
]


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "dtype") and hasattr(value, "shape")


#: NumPy has no bfloat16: such tensors (and ml_dtypes arrays) are read as float32, which holds every bfloat16
#: value exactly, and computed and returned in float32.
BFLOAT16 = "bfloat16"


def _read(name: str, value: Any) -> tuple[np.ndarray, str]:
    """The array and the name of the dtype it came with (``"bfloat16"`` for bfloat16 data, read as float32)."""
    source = str(getattr(value, "dtype", "")).removeprefix("torch.")
    try:
        if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor: no torch import needed
            if getattr(getattr(value, "device", None), "type", None) == "meta":
                raise TconvError(f"{name} is a tensor on the meta device: it has a shape but no values to compute "
                                 "with; for shapes alone use tconv.shapes (or tconv.doctor for a whole model)")
            value = value.detach().cpu()
            if source == BFLOAT16:
                value = value.float()
            value = value.numpy()
        arr = np.asarray(value)
        if source == BFLOAT16 and arr.dtype.name == BFLOAT16:  # ml_dtypes' bfloat16 (JAX arrays)
            arr = arr.astype(np.float32)
    except (ValueError, TypeError, RuntimeError, NotImplementedError) as exc:  # torch raises the last two
        raise TconvError(f"{name} could not be read as a numeric array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TconvError(f"{name} must hold numbers, got an array of dtype {arr.dtype} ({type(value).__name__})")
    return arr, BFLOAT16 if source == BFLOAT16 else arr.dtype.name


def _to_array(name: str, value: Any, dtype: np.dtype | None = None) -> np.ndarray:
    arr = _read(name, value)[0]
    return arr if dtype is None else arr.astype(dtype)


def _read_all(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str, str | None]:
    """:func:`as_arrays`, also returning the names of the input's and the bias's dtypes as given (bfloat16 is
    computed in float32, but the bias rules see it as bfloat16, as PyTorch does)."""
    x_typed, w_typed = _is_array_like(input), _is_array_like(weight)
    x, x_name = _read("input", input)
    w, w_name = _read("weight", weight)
    if x_typed and not w_typed and np.can_cast(w.dtype, x.dtype, "same_kind"):
        w, w_name = w.astype(x.dtype), x_name
    elif w_typed and not x_typed and np.can_cast(x.dtype, w.dtype, "same_kind"):
        x, x_name = x.astype(w.dtype), w_name
    elif not x_typed and not w_typed:
        common = np.result_type(x.dtype, w.dtype)
        x, w = x.astype(common), w.astype(common)
        x_name = w_name = common.name
    if x_name != BFLOAT16:
        check_dtype("input", x.dtype)
    if w_name != BFLOAT16:
        check_dtype("weight", w.dtype)
    if x_name != w_name:
        raise TconvError(
            f"input dtype {x_name} and weight dtype {w_name} differ; PyTorch refuses mixed dtypes too: "
            f"convert one, e.g. weight.astype(np.{x_name})" if x_name != BFLOAT16 else
            f"input dtype {x_name} and weight dtype {w_name} differ; PyTorch refuses mixed dtypes too: "
            f"convert one, e.g. weight.to(torch.bfloat16)"
        )
    b, b_name = None, None
    if bias is not None:
        b, b_name = _read("bias", bias)
        if not _is_array_like(bias) and np.can_cast(b.dtype, x.dtype, "same_kind"):
            b, b_name = b.astype(x.dtype), x_name  # plain data takes the input's dtype, as for the weight
        elif b_name == BFLOAT16 and x_name == BFLOAT16:
            b = b.astype(x.dtype)
    return x, w, b, x_name, b_name


def as_arrays(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Convert to arrays with PyTorch's dtype rule: input and weight must share a dtype.

    Arrays (anything with a dtype) keep theirs and must match; plain Python data (lists, scalars) takes the
    dtype of the array it is paired with, or, when both are plain, their common NumPy type. bfloat16 tensors
    are read as float32 (NumPy has no bfloat16). The bias keeps its dtype (plain data takes the input's);
    :func:`check_bias_dtype` applies PyTorch's rule for it, which depends on the operation.
    """
    x, w, b, x_name, b_name = _read_all(input, weight, bias)
    if b is not None and b.dtype.kind == "c" and x.dtype.kind != "c":
        raise TconvError(f"bias dtype {b_name} is complex but input dtype {x_name} is real")
    return x, w, b


def check_bias_dtype(op: str, nd: int, batch: int, input_dtype: str, bias_dtype: str) -> None:
    """Refuse a bias dtype exactly where PyTorch 2.13's CPU path does (its native kernels; docs/guide.md).

    * ``conv`` (every rank), and ``conv_transpose3d`` with a non-empty batch: the bias dtype must equal the
      input's.
    * ``conv_transpose1d/2d``, and 3d with an empty batch: the bias is added in place to the output, so a
      complex input needs the same complex dtype, an int64 input an integer or bool bias, and a floating input
      (float16, bfloat16, float32, float64) any real bias (integers and bool included); the result keeps the
      input's dtype.

    PyTorch's oneDNN path (float32 on some shapes and thread counts, bfloat16, float16 on CPUs with native
    float16) refuses every bias dtype that differs from the input's, whatever the rank.
    """
    loose = op == "conv_transpose" and (nd < 3 or batch == 0)
    kind = "f" if input_dtype == BFLOAT16 else np.dtype(input_dtype).kind
    bkind = "f" if bias_dtype == BFLOAT16 else np.dtype(bias_dtype).kind
    if bias_dtype == input_dtype:
        return
    if loose and kind != "c" and bkind in ("biu" if kind in "iu" else "biuf"):
        return
    if loose and kind == "c":
        valid = f"{input_dtype}, as the input (a complex input takes a bias of its own dtype only)"
    elif loose and kind in "iu":
        valid = f"an integer or bool dtype (an {input_dtype} input cannot take a floating or complex bias)"
    elif loose:
        valid = "a real dtype (an integer, bool, float16, bfloat16, float32 or float64), not complex"
    else:
        rank = "every convolution" if op == "conv" else f"conv_transpose{nd}d with a non-empty batch"
        valid = f"{input_dtype}, the input's dtype ({rank} needs the same dtype)"
    raise TconvError(f"bias dtype {bias_dtype} does not fit input dtype {input_dtype} in {op}{nd}d: use {valid}, "
                     "as PyTorch does")


def execute(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, algorithm: str) -> np.ndarray:
    """Run a validated plan: memory check, compute dtype, batching, the algorithm, bias, result dtype."""
    with one_call():  # the options are read once: the memory estimate and the run use the same ones
        return _execute(plan, x, w, b, algorithm)


def ufunc_buffers(dtype: np.dtype) -> int:
    """The bytes NumPy may buffer inside one operation on strided operands, whatever their size: up to
    ``np.getbufsize()`` elements for each of three operands (measured with tracemalloc on NumPy 2.4: an in-place
    add on (n, 70, 2) views peaks at 196,280 bytes for float64, from n = 480 up).

    >>> ufunc_buffers(np.dtype(np.float64)) == 3 * np.getbufsize() * 8
    True
    """
    return 3 * np.getbufsize() * dtype.itemsize


def memory_need(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, algorithm: str = "auto") -> int:
    """The bytes a call of ``plan`` on these arrays allocates, at most: the result, the engine's temporaries and
    its copies of the weight, and the contiguous, compute-dtype copies of input and weight it makes when they
    are not already so (a broadcast weight, zero strides, counts at its full size: it is copied).

    >>> import numpy as np
    >>> from tconv.params import plan_conv_transpose
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> memory_need(plan_conv_transpose(x.shape, w.shape), x, w, "scatter") - ufunc_buffers(x.dtype)
    456
    """
    return _need(algorithms.prepared(algorithm, plan), plan, x, w)


def _need(engine: Prepared, plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray) -> int:
    ctype = compute_dtype(x.dtype)
    count = plan.batch * plan.out_channels * math.prod(plan.output_size)
    return count * ctype.itemsize + engine.workspace_bytes(plan.batch, ctype.itemsize) + _front_end(x, w, count)


def _front_end(x: np.ndarray, w: np.ndarray, count: int) -> int:
    """What the front end adds for a result of ``count`` elements: the contiguous compute-dtype copies of input
    and weight where they are not already so, the result converted back, NumPy's ufunc buffers."""
    ctype = compute_dtype(x.dtype)
    need = sum(arr.size * ctype.itemsize for arr in (x, w) if arr.dtype != ctype or not arr.flags.c_contiguous)
    if ctype != x.dtype:
        need += count * x.dtype.itemsize  # the result converted back
    return need + ufunc_buffers(ctype)


def _execute(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, algorithm: str) -> np.ndarray:
    if plan.batch == 0:  # an empty result; such a plan may have sizes no engine prepares for (empty_batch)
        algorithms.get(algorithm, plan)  # still a known algorithm
        return _empty(plan.output_shape, x.dtype)
    algo = algorithms.get(algorithm, plan)  # "auto" resolved once, for the engine and the message
    name = algo.NAME
    engine = algorithms.prepared(name, plan)
    _check(engine, name, plan, x, w)  # before nan_safe reads the weight
    final = algorithms.nan_safe(algo, w).NAME if algorithm == "auto" else name  # col2im for a non-finite weight
    if final != name:
        engine = algorithms.prepared(final, plan)
        _check(engine, final, plan, x, w)
    ctype = compute_dtype(x.dtype)
    # Engines get C-contiguous arrays of the compute dtype, so that what they copy is what they count.
    xb = np.ascontiguousarray(x if plan.batched else x[None], dtype=ctype)
    wc = np.ascontiguousarray(w, dtype=ctype)
    shape = (plan.batch, plan.out_channels, *plan.output_size)
    y = (np.zeros if engine.zeroed_output else np.empty)(shape, dtype=ctype)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and Inf propagate silently, as in PyTorch
        engine.run(xb, wc, y)
        if b is not None:
            y += b.astype(ctype).reshape((1, -1) + (1,) * plan.nd)
    y = y.astype(x.dtype, copy=False)
    return y if plan.batched else y[0]


def _empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The empty result of an empty batch. PyTorch holds any such shape; NumPy refuses one whose other
    dimensions multiply past 2**63 even when one of them is 0: then say so."""
    try:
        return np.zeros(shape, dtype=dtype)
    except ValueError:
        raise TconvError(f"the output shape {list(shape)} is empty (batch 0) but NumPy cannot hold an array with "
                         "dimensions that large, even empty; PyTorch can: use smaller sizes") from None


def _check(engine: Prepared, name: str, plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray) -> None:
    check_memory(
        _need(engine, plan, x, w),
        f"conv_transpose of input size {list(plan.input_size)} with kernel_size {list(plan.kernel_size)}, "
        f"stride {list(plan.stride)}, padding {list(plan.padding)}, dilation {list(plan.dilation)} gives output "
        f"shape {list(plan.output_shape)} ({plan.dtype}); with algorithm {name!r} it",
    )


def _conv_transpose(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    stride: IntOrSeq,
    padding: IntOrSeq,
    output_padding: IntOrSeq,
    groups: int,
    dilation: IntOrSeq,
    output_size: IntOrSeq | None,
    algorithm: str,
    nd: int | None,
) -> np.ndarray:
    plan, x, w, b = read_transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                                    output_size, nd)
    return execute(plan, x, w, b, algorithm)


def read_transposed(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, stride: IntOrSeq, padding: IntOrSeq,
    output_padding: IntOrSeq, groups: int, dilation: IntOrSeq, output_size: IntOrSeq | None, nd: int | None,
) -> tuple[ConvTransposePlan, np.ndarray, np.ndarray, np.ndarray | None]:
    """The arrays of a transposed convolution and its plan, with every check PyTorch makes (dtypes, the bias's
    dtype for this rank and batch, shapes, sizes): what :func:`conv_transpose` and ``tconv.explain`` both read."""
    x, w, b, x_name, b_name = _read_all(input, weight, bias)
    plan = plan_conv_transpose(
        x.shape,
        w.shape,
        None if b is None else b.shape,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        output_size=output_size,
        nd=nd,
        dtype=x.dtype.name,
    )
    if b_name is not None:
        check_bias_dtype("conv_transpose", plan.nd, plan.batch, x_name, b_name)
    return plan, x, w, b


def conv_transpose(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
) -> np.ndarray:
    """Transposed convolution with PyTorch's ``conv_transpose{1,2,3}d`` semantics; the rank of ``weight`` decides 1-3D.

    >>> import numpy as np
    >>> y = conv_transpose(np.ones((2, 4, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32), stride=2, padding=1)
    >>> y.shape, y.dtype
    ((2, 3, 9, 9), dtype('float32'))
    >>> conv_transpose(np.ones((1, 4, 5, 5)), np.ones((4, 3, 3, 3)), stride=2, padding=1, output_size=(10, 10)).shape
    (1, 3, 10, 10)

    Args:
        input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.
        weight: ``(C_in, C_out/groups, *kernel)``, PyTorch's transposed layout (in-channels first).
        bias: ``(C_out,)`` or None; added everywhere, the output_padding cells included. Its dtype is checked
            as PyTorch checks it (:func:`check_bias_dtype`): in 1-D and 2-D a floating input takes any real bias,
            an int64 input an integer one, a complex input its own dtype; in 3-D the bias dtype must be the input's.
        stride, padding, output_padding, dilation: an int or one int per spatial axis (a list, tuple or 1-D
            integer NumPy array). ``padding`` crops the
            full output at both ends; ``output_padding`` (< max(stride, dilation)) keeps more at the end.
        groups: input and output channels are split into this many independent groups.
        output_size: the wanted spatial size (optionally with the leading N, C); replaces output_padding exactly
            like ``nn.ConvTranspose*d.forward(input, output_size)``, within its range.
        algorithm: ``"auto"`` or one of :func:`tconv.available_algorithms`.

    Returns:
        An array of the input's dtype (float16 is computed in float32). bfloat16 tensors are read as float32
        (exactly), computed in float32 and returned as float32: NumPy has no bfloat16.

    Raises:
        TconvError: for anything PyTorch refuses, and for calls beyond the memory budget.
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, None
    )


def conv_transpose1d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1, padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *, output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
) -> np.ndarray:
    """:func:`conv_transpose` for 1 spatial dimension: weight ``(C_in, C_out/g, k)``.

    >>> conv_transpose1d([[1, 2, 3]], [[[1, 1, 1]]], stride=2).tolist()
    [[1, 1, 3, 2, 5, 3, 3]]
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 1
    )


def conv_transpose2d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1, padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *, output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
) -> np.ndarray:
    """:func:`conv_transpose` for 2 spatial dimensions: weight ``(C_in, C_out/g, kh, kw)``.

    >>> conv_transpose2d([[[1, 2], [3, 4]]], [[[[1, 1], [1, 1]]]], stride=2).tolist()
    [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 2
    )


def conv_transpose3d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1, padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0, groups: int = 1, dilation: IntOrSeq = 1, *, output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
) -> np.ndarray:
    """:func:`conv_transpose` for 3 spatial dimensions: weight ``(C_in, C_out/g, kd, kh, kw)``.

    >>> conv_transpose3d(np.ones((1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)), stride=2).shape
    (1, 4, 4, 4)
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size, algorithm, 3
    )


def conv(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> np.ndarray:
    """Forward convolution (cross-correlation) with PyTorch's ``conv{1,2,3}d`` semantics.

    Weight ``(C_out, C_in/groups, *kernel)``; ``padding`` an int, per-axis ints, ``"same"`` (stride 1 only, the
    odd element at the end) or ``"valid"``. Note the order: ``dilation`` before ``groups``, as in PyTorch's conv
    (the transposed functions have ``groups`` first).

    >>> conv([[[0, 1, 2, 3, 4]]], [[[1, 0, -1]]]).tolist()
    [[[-2, -2, -2]]]
    >>> conv(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2, padding=1)[0, 0]
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, None)


def conv_memory_need(plan: ConvPlan, x: np.ndarray, w: np.ndarray) -> int:
    """What :func:`conv` allocates at most: the padded input, one tap's patch, the accumulator and one product,
    the result, and the contiguous compute-dtype copies of input and weight where they are not already so.

    >>> import numpy as np
    >>> from tconv.params import plan_conv
    >>> x, w = np.ones((1, 1, 5)), np.ones((1, 1, 3))
    >>> conv_memory_need(plan_conv(x.shape, w.shape), x, w) - ufunc_buffers(x.dtype)   # 3 outputs, 5 + 3 inputs
    136
    """
    ctype = compute_dtype(x.dtype)
    out_count = plan.batch * plan.out_channels * math.prod(plan.output_size)
    padded = plan.batch * plan.in_channels * math.prod(ax.padded_size for ax in plan.axes)
    work = padded + correlate_workspace(plan.batch, plan.in_channels, plan.out_channels, plan.output_size, 1)
    return (work + out_count) * ctype.itemsize + _front_end(x, w, out_count)


def _conv(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, stride: IntOrSeq, padding: IntOrSeq | str,
    dilation: IntOrSeq, groups: int, nd: int | None,
) -> np.ndarray:
    x, w, b, x_name, b_name = _read_all(input, weight, bias)
    plan = plan_conv(x.shape, w.shape, None if b is None else b.shape, stride, padding, dilation, groups, nd=nd,
                     dtype=x.dtype.name)
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
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1,
) -> np.ndarray:
    """:func:`conv` for 1 spatial dimension, as ``torch.nn.functional.conv1d``: weight ``(C_out, C_in/g, k)``.

    >>> conv1d([[0, 1, 2, 3, 4]], [[[1, 0, -1]]], padding="same").tolist()
    [[-1, -2, -2, -2, 3]]
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1,
) -> np.ndarray:
    """:func:`conv` for 2 spatial dimensions, as ``torch.nn.functional.conv2d``: weight ``(C_out, C_in/g, kh, kw)``.

    >>> conv2d([[[1, 2], [3, 4]]], [[[[1, 1], [1, 1]]]]).tolist()
    [[[10]]]
    >>> conv2d(np.ones((1, 2, 2)), np.ones((1, 1, 2, 2, 2)))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: weight for conv2d must have 4 dimensions, got shape [1, 1, 2, 2, 2] (5 dimensions)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0, dilation: IntOrSeq = 1, groups: int = 1,
) -> np.ndarray:
    """:func:`conv` for 3 spatial dimensions, as ``torch.nn.functional.conv3d``: weight ``(C_out, C_in/g, kd, kh, kw)``.

    >>> conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((2, 1, 2, 2, 2)), stride=2).shape
    (1, 2, 1, 1, 1)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)
