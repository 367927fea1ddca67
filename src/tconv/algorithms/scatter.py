"""``scatter``: the definition of transposed convolution.

Every input cell x[i] stamps x[i]·w[j] onto the output at o = i·s + j·d (j runs over the kernel taps), the
stamps add up, then ``padding`` is cropped from both ends and ``output_padding`` kept at the end (cells past the
last stamp are zero). The stamps are grouped by tap: for one tap j, all cells stamp at once, which is one GEMM
over the channels of each group followed by a strided add, so the arithmetic is exactly the definition's.
"""

from __future__ import annotations

import math

import numpy as np

from .._axes import Index
from ..params import ConvTransposePlan
from .base import Reference
from .blas import matmul

NAME = "scatter"
SUMMARY = "the definition: each input cell stamps value × kernel at stride steps; crop padding"


def _buffer_size(plan: ConvTransposePlan) -> tuple[int, ...]:
    return tuple(ax.buffer_size for ax in plan.axes)


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    """Bytes :func:`compute` allocates: the uncropped output buffer and one tap's stamp.

    >>> from tconv.params import plan_conv_transpose
    >>> workspace_bytes(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), 8)   # (7 + 3) float64 cells
    80
    """
    n, cout = plan.batch, plan.out_channels
    return (n * cout * math.prod(_buffer_size(plan)) + n * cout * math.prod(plan.input_size)) * itemsize


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """The transposed convolution of batched ``x`` ``(N, Cin, *L)``, by the definition (no bias).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> compute(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 3)), plan)   # stamps at 0, 2, 4 overlap by one
    array([[[1., 1., 3., 2., 5., 3., 3.]]])
    """
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    full = np.zeros((n, g, mg, *_buffer_size(plan)), dtype=x.dtype)
    xg = x.reshape(n, g, cg, math.prod(plan.input_size))
    # (Cin, Mg, *k) -> (g, Mg, Cg, *k): for each tap a (Mg × Cg) matrix per group
    wg = np.swapaxes(weight.reshape(g, cg, mg, *plan.kernel_size), 1, 2)
    for tap in np.ndindex(*plan.kernel_size):
        stamp = matmul(wg[(Ellipsis, *tap)], xg).reshape(n, g, mg, *plan.input_size)
        where = tuple(
            slice(j * ax.dilation, j * ax.dilation + ax.stride * (ax.input_size - 1) + 1, ax.stride)
            for j, ax in zip(tap, plan.axes)
        )
        at: Index = (..., *where)
        full[at] += stamp
        del stamp  # else the next tap's stamp is computed while this one is still held: two in memory
    window: Index = (..., *(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes))
    return np.ascontiguousarray(full[window]).reshape(n, plan.out_channels, *plan.output_size)


def prepare(layer: ConvTransposePlan) -> Reference:
    """Nothing to prepare: :func:`compute` wrapped for the registry.

    >>> from tconv.params import plan_conv_transpose
    >>> out = np.empty((1, 1, 7))
    >>> prepare(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)).run(np.ones((1, 1, 3)), np.ones((1, 1, 3)), out)
    >>> out
    array([[[1., 1., 2., 1., 2., 1., 1.]]])
    """
    return Reference(layer, compute, workspace_bytes)
