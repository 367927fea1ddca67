"""Plans: every argument of a (transposed) convolution validated once and frozen into plain data.

The library, the CLI and every algorithm use these plans; nothing else re-derives a size.

>>> plan = plan_conv_transpose((1, 1, 3, 3), (1, 1, 2, 2))
>>> plan.output_shape
(1, 1, 4, 4)
>>> plan.axes[0].equivalent().pad_begin           # seed 001: pad one ring of zeros
1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from ._axes import IntOrSeq, as_int, as_shape, per_axis, show
from .errors import TconvError
from .shapes import (
    ConvAxis,
    TransposedAxis,
    check_padding_mode,
    check_padding_word,
    conv_axes,
    output_padding_for,
    transposed_axes,
)

__all__ = [
    "ConvPlan",
    "ConvTransposePlan",
    "plan_conv",
    "plan_conv_transpose",
]

# --------------------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------------------

#: What PyTorch's CPU transposed convolution computes (bfloat16 has no NumPy dtype).
SUPPORTED_DTYPES = ("float16", "float32", "float64", "complex64", "complex128", "int64")


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype arithmetic runs in: float16 accumulates in float32 (as PyTorch's CPU kernels do).

    >>> compute_dtype(np.dtype(np.float16)), compute_dtype(np.dtype(np.complex64))
    (dtype('float32'), dtype('complex64'))
    """
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def check_dtype(name: str, dtype: np.dtype) -> None:
    """Refuse a dtype outside :data:`SUPPORTED_DTYPES`, naming the array and the dtypes that work.

    >>> check_dtype("weight", np.dtype(np.float32))
    >>> check_dtype("input", np.dtype(np.int32))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: input dtype int32 is not supported: use one of float16, float32, float64, complex64,
    complex128, int64 (PyTorch's CPU convolutions refuse the others too)
    """
    if dtype.name not in SUPPORTED_DTYPES:
        raise TconvError(
            f"{name} dtype {dtype.name} is not supported: use one of {', '.join(SUPPORTED_DTYPES)} "
            f"(PyTorch's CPU convolutions refuse the others too)"
        )


# --------------------------------------------------------------------------------------------------
# plans
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What every plan holds: per-axis sizes, batch, channels, groups and dtype (the bias changes no size, so a plan
    does not record it)."""

    axes: tuple[Any, ...]
    batch: int
    batched: bool
    in_channels: int
    out_channels: int
    groups: int
    dtype: str = "float64"

    @cached_property
    def nd(self) -> int:
        return len(self.axes)

    @cached_property
    def input_size(self) -> tuple[int, ...]:
        return tuple(ax.input_size for ax in self.axes)

    @cached_property
    def kernel_size(self) -> tuple[int, ...]:
        return tuple(ax.kernel_size for ax in self.axes)

    @cached_property
    def stride(self) -> tuple[int, ...]:
        return tuple(ax.stride for ax in self.axes)

    @cached_property
    def dilation(self) -> tuple[int, ...]:
        return tuple(ax.dilation for ax in self.axes)

    @cached_property
    def output_size(self) -> tuple[int, ...]:
        return tuple(ax.output_size for ax in self.axes)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @cached_property
    def output_shape(self) -> tuple[int, ...]:
        """The shape of the result, without the batch axis for unbatched input."""
        lead = (self.batch, self.out_channels) if self.batched else (self.out_channels,)
        return lead + self.output_size


@dataclass(frozen=True)
class ConvTransposePlan(_Plan):
    """A validated transposed convolution: per-axis sizes, channels, groups, batch and dtype.

    >>> plan = plan_conv_transpose((2, 4, 5, 5), (4, 3, 3, 3), stride=2, padding=1, output_padding=1, groups=2)
    >>> plan.output_shape, plan.in_channels, plan.out_channels, plan.nd
    ((2, 6, 10, 10), 4, 6, 2)
    """

    axes: tuple[TransposedAxis, ...]
    #: How the cropped margins come back (:mod:`tconv.padding_modes`): "zeros" drops them, as PyTorch does; the
    #: other modes fold them back onto the output, the adjoint of the direct convolution that pads so.
    padding_mode: str = "zeros"

    @cached_property
    def padding(self) -> tuple[int, ...]:
        """The padding of each axis (the crop at the begin).

        >>> plan_conv_transpose((1, 1, 5, 5), (1, 1, 3, 3), padding=(1, 0)).padding
        (1, 0)
        """
        return tuple(ax.padding for ax in self.axes)

    @cached_property
    def padding_end(self) -> tuple[int, ...]:
        """The crop at the end of each axis before output_padding: ``padding``, except where ``padding="same"``
        crops the odd cell there.

        >>> plan_conv_transpose((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding="same").padding_end
        (1, 1)
        """
        return tuple(ax.end_padding for ax in self.axes)

    @cached_property
    def unfolded(self) -> ConvTransposePlan:
        """The same layer with nothing cropped (padding 0, output_padding kept): what an engine computes before a
        padding mode other than zeros folds the margins back (the padded input of the direct convolution).

        >>> p = plan_conv_transpose((1, 1, 5), (1, 1, 3), stride=2, padding=1, padding_mode="circular")
        >>> p.output_size, p.unfolded.output_size, p.unfolded.padding_mode
        ((9,), (11,), 'zeros')
        """
        axes = tuple(TransposedAxis(ax.input_size, ax.kernel_size, ax.stride, 0, ax.output_padding, ax.dilation)
                     for ax in self.axes)
        return replace(self, axes=axes, padding_mode="zeros")

    @cached_property
    def output_padding(self) -> tuple[int, ...]:
        """The output_padding of each axis, also when ``output_size=`` chose it.

        >>> plan_conv_transpose((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1, output_size=(10, 9)).output_padding
        (1, 0)
        """
        return tuple(ax.output_padding for ax in self.axes)

    @property
    def full_size(self) -> tuple[int, ...]:
        """F = (L−1)·s + d·(k−1) + 1 per axis: the uncropped output that padding then crops.

        >>> plan_conv_transpose((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1).full_size
        (11, 11)
        """
        return tuple(ax.full_size for ax in self.axes)

    @property
    def macs(self) -> int:
        """Useful multiply-adds: N · Cin · Cout/g · prod(input) · prod(kernel).

        >>> plan_conv_transpose((2, 4, 5, 5), (4, 3, 3, 3), groups=2).macs    # 2 · 4 · 3 · 25 · 9
        5400
        """
        per_image = self.in_channels * self.out_per_group * math.prod(self.input_size) * math.prod(self.kernel_size)
        return self.batch * per_image


@dataclass(frozen=True)
class ConvPlan(_Plan):
    """A validated direct convolution (cross-correlation), as PyTorch's ``conv*d``; padding may be asymmetric.

    >>> plan = plan_conv((1, 3, 7, 8), (6, 3, 4, 3), padding="same")
    >>> plan.output_shape, [(ax.pad_begin, ax.pad_end) for ax in plan.axes]
    ((1, 6, 7, 8), [(1, 2), (1, 1)])
    """

    axes: tuple[ConvAxis, ...]
    #: How the input is padded: PyTorch's ``nn.Conv*d(padding_mode=...)`` (``F.pad``'s modes; "zeros" is zeros).
    padding_mode: str = "zeros"


def _shapes(input_shape: Sequence[int], weight_shape: Sequence[int], bias_shape: Sequence[int] | None
            ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...] | None]:
    """The three shapes as tuples of Python ints, each refused by name when it is no shape (a float, a bool, a
    negative size, a scalar): a plan holds only ints, so that equal plans are the same layer."""
    given: tuple[tuple[str, Any], ...] = (("input shape", input_shape), ("weight shape", weight_shape),
                                          ("bias shape", bias_shape))
    for name, value in given:
        if getattr(value, "ndim", 1) > 1:  # an array where its shape was meant
            raise TconvError(f"{name} must be a shape, got an array of shape {list(value.shape)} (an array's .shape "
                             "is its shape: tconv.plan(x.shape, weight.shape), or tconv.conv_transpose(x, weight))")
    return (as_shape("input shape", input_shape), as_shape("weight shape", weight_shape),
            None if bias_shape is None else as_shape("bias shape", bias_shape))


def _ndim_of(weight_shape: Sequence[int], nd: int | None, op: str) -> int:
    wdim = len(weight_shape)
    if nd is not None:
        nd = as_int("nd", nd, minimum=1)
    if nd is None:
        if not 3 <= wdim <= 5:
            raise TconvError(
                f"weight must have 3, 4 or 5 dimensions (channels, channels, then 1-3 kernel axes), "
                f"got shape {list(weight_shape)} ({wdim} dimensions)"
            )
        return wdim - 2
    if wdim != nd + 2:
        raise TconvError(
            f"weight for {op}{nd}d must have {nd + 2} dimensions, got shape {list(weight_shape)} ({wdim} dimensions)"
        )
    return nd


def _split_input(input_shape: Sequence[int], nd: int, op: str) -> tuple[bool, int, int, tuple[int, ...]]:
    rank = len(input_shape)
    if rank not in (nd + 1, nd + 2):
        raise TconvError(
            f"input must have {nd + 1} (unbatched) or {nd + 2} (batched) dimensions for {op}{nd}d, "
            f"got shape {list(input_shape)} ({rank} dimensions)"
        )
    batched = rank == nd + 2
    batch = input_shape[0] if batched else 1
    channels = input_shape[1] if batched else input_shape[0]
    spatial = tuple(input_shape[-nd:])
    for a, size in enumerate(spatial):
        if size < 1 and not (batched and batch == 0 and op == "conv_transpose"):  # PyTorch: see transposed_axes
            raise TconvError(
                f"input size {size} on spatial axis {a} must be at least 1 (only the batch or channel "
                f"dimension may be empty), got input shape {list(input_shape)}"
            )
    return batched, batch, channels, spatial


def _check_bias(bias_shape: Sequence[int] | None, out_channels: int) -> None:
    if bias_shape is not None and tuple(bias_shape) != (out_channels,):
        raise TconvError(
            f"bias must be 1-dimensional with {out_channels} elements (one per output channel), "
            f"got shape {list(bias_shape)}"
        )


def _spatial_output_size(output_size: IntOrSeq, nd: int, batched: bool, input_shape: Sequence[int]) -> list[Any]:
    """The spatial entries of ``output_size``, which may also list N and C (PyTorch ignores them, as we do)."""
    non_spatial = 2 if batched else 1
    if isinstance(output_size, int | np.integer) and not isinstance(output_size, bool) and nd == 1:
        given = [output_size]
    elif isinstance(output_size, list | tuple) or (getattr(output_size, "ndim", None) == 1
                                                   and hasattr(output_size, "tolist")):
        count = len(output_size)  # type: ignore[arg-type]  # a list, tuple, 1-D array or tensor: all sized
        if count > nd + non_spatial:  # before its values are read: a list of 10⁷ is refused as one
            raise TconvError(f"output_size must have {nd} or {nd + non_spatial} elements for a {len(input_shape)}-D "
                             f"input (got {count:,}: {show(output_size)})")
        given = list(output_size.tolist() if hasattr(output_size, "tolist") else output_size)  # 1-D array, tensor
    else:
        raise TconvError(f"output_size must be a sequence of {nd} or {nd + non_spatial} integers, got "
                         f"{show(output_size)}")
    sizes = given[non_spatial:] if len(given) == nd + non_spatial else given
    if len(sizes) != nd:
        raise TconvError(
            f"output_size must have {nd} or {nd + non_spatial} elements for a {len(input_shape)}-D input "
            f"(got {len(given)}: {show(given)})"
        )
    return sizes


def plan_conv_transpose(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int] | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    nd: int | None = None,
    dtype: str = "float64",
    padding_mode: str = "zeros",
) -> ConvTransposePlan:
    """Validate a transposed convolution from its array shapes and parameters (PyTorch's rules).

    ``weight_shape`` is PyTorch's ``(in_channels, out_channels/groups, *kernel)``; ``nd`` fixes the number of
    spatial dimensions (as ``conv_transpose2d`` does), else the weight's rank decides. Beyond PyTorch,
    ``padding`` may be ``"same"`` or ``"valid"`` (:func:`tconv.shapes.same_padding`) and ``padding_mode`` any
    of :data:`tconv.shapes.PADDING_MODES`; the plan holds integers either way.

    >>> plan_conv_transpose((2, 4, 5, 5), (4, 3, 3, 3), stride=2, padding=1, output_padding=1, groups=2).output_shape
    (2, 6, 10, 10)
    >>> plan_conv_transpose((4, 5, 5), (4, 3, 3, 3), stride=2, padding=1, output_size=(10, 10)).output_shape
    (3, 10, 10)
    >>> plan_conv_transpose((4, 5, 5), (4, 3, 3, 3), stride=2, padding="same").output_shape
    (3, 10, 10)
    >>> plan_conv_transpose((1, 3, 5, 5), (4, 3, 3, 3))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: input has 3 channels but the weight of shape [4, 3, 3, 3] expects 4 (weight is
    (in_channels, out_channels/groups, *kernel)), input shape [1, 3, 5, 5]
    """
    if isinstance(padding, str):  # the plain str of a word, NumPy's str_ included (as padding_mode below)
        padding = word = check_padding_word(padding)
    else:
        word = None
    padding_mode = check_padding_mode(padding_mode)
    input_shape, weight_shape, bias_shape = _shapes(input_shape, weight_shape, bias_shape)
    nd = _ndim_of(weight_shape, nd, "conv_transpose")
    batched, batch, channels, spatial = _split_input(input_shape, nd, "conv_transpose")
    groups = as_int("groups", groups, minimum=1)
    w_in, w_out, *kernel = weight_shape
    if w_in < groups or w_in % groups:
        raise TconvError(
            f"groups {groups} must divide the weight's first dimension (in_channels = {w_in}), "
            f"got weight of shape {list(weight_shape)}; valid groups divide {w_in}"
        )
    if channels != w_in:
        raise TconvError(
            f"input has {channels} channels but the weight of shape {list(weight_shape)} expects {w_in} "
            f"(weight is (in_channels, out_channels/groups, *kernel)), input shape {list(input_shape)}"
        )
    if w_out < 1:
        raise TconvError(
            f"weight dimension 1 (out_channels/groups) must be at least 1, got weight of shape {list(weight_shape)}"
        )
    for a, k in enumerate(kernel):
        if k < 1:
            raise TconvError(
                f"kernel size {k} on axis {a} must be at least 1, got weight of shape {list(weight_shape)}"
            )
    _check_bias(bias_shape, w_out * groups)
    same_size = None
    if output_size is not None:
        wanted = _spatial_output_size(output_size, nd, batched, input_shape)
        if word == "same":  # the crop follows the size (TensorFlow's rule), output_padding stays 0
            same_size = wanted
        else:  # PyTorch's _ConvTransposeNd._output_padding
            output_padding = output_padding_for(spatial, wanted, kernel, stride, padding, dilation, nd=nd)
    axes = transposed_axes(spatial, kernel, stride, padding, output_padding, dilation, nd=nd,
                           empty_batch=batched and batch == 0, output_size=same_size)
    check_padding_mode(padding_mode, [(ax.padding, ax.end_padding) for ax in axes],
                       [ax.output_size for ax in axes], "output")
    return ConvTransposePlan(axes, batch, batched, w_in, w_out * groups, groups, dtype, padding_mode)


def plan_conv(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int] | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
    *,
    nd: int | None = None,
    dtype: str = "float64",
    padding_mode: str = "zeros",
) -> ConvPlan:
    """Validate a direct convolution; ``weight_shape`` is ``(out_channels, in_channels/groups, *kernel)``.

    ``padding_mode`` is ``nn.Conv*d``'s, with ``F.pad``'s limits (reflect pads less than the input size).

    >>> plan_conv((1, 4, 8, 8), (6, 2, 4, 4), stride=2, padding=1, groups=2).output_shape
    (1, 6, 4, 4)
    >>> plan_conv((1, 1, 3), (1, 1, 3), padding=3, padding_mode="reflect")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: padding_mode 'reflect' needs padding smaller than the input it pads: ...
    """
    padding_mode = check_padding_mode(padding_mode)  # a plain str, NumPy's str_ included
    input_shape, weight_shape, bias_shape = _shapes(input_shape, weight_shape, bias_shape)
    nd = _ndim_of(weight_shape, nd, "conv")
    batched, batch, channels, spatial = _split_input(input_shape, nd, "conv")
    groups = as_int("groups", groups, minimum=1)
    w_out, w_in, *kernel = weight_shape
    if w_out < groups or w_out % groups:
        raise TconvError(
            f"groups {groups} must divide the weight's first dimension (out_channels = {w_out}), "
            f"got weight of shape {list(weight_shape)}"
        )
    if w_in < 1 or channels != w_in * groups:
        raise TconvError(
            f"input has {channels} channels but the weight of shape {list(weight_shape)} with groups={groups} "
            f"expects {w_in * groups} (weight is (out_channels, in_channels/groups, *kernel))"
        )
    for a, k in enumerate(kernel):
        if k < 1:
            raise TconvError(
                f"kernel size {k} on axis {a} must be at least 1, got weight of shape {list(weight_shape)}"
            )
    _check_bias(bias_shape, w_out)
    if isinstance(padding, str):
        axes = conv_axes(spatial, kernel, stride, check_padding_word(padding), dilation, nd=nd)
    else:
        axes = conv_axes(spatial, kernel, stride, per_axis("padding", padding, nd, minimum=0), dilation, nd=nd)
    check_padding_mode(padding_mode, [(ax.pad_begin, ax.pad_end) for ax in axes], [ax.input_size for ax in axes])
    return ConvPlan(axes, batch, batched, channels, w_out, groups, dtype, padding_mode)
