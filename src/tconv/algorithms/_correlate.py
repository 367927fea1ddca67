"""Direct cross-correlation on an already padded input: the core of ``tconv.conv``, of ``zero_insert``, and of the
input gradient of a transposed convolution (:mod:`tconv.grad`).

One GEMM per block of kernel taps (batched over groups), the taps' patches stacked into its inner dimension:
out[n, g·Mg + m, o] += Σ_{c, tap in block} w[g·Mg + m, c, tap] · xp[n, g·Cg + c, o·s + tap·d].
Small images fold the batch into the GEMM's long dimension (one GEMM for the whole batch, not one per image), and
each block's weights are laid out contiguously, so that every product is one BLAS call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._axes import Index
from ..padding_modes import pad
from ..params import ConvPlan
from .blas import matmul
from .chunks import FOLD_BELOW

#: Taps are stacked until a GEMM's inner dimension (taps × channels per group) reaches this, at most
#: :data:`MAX_TAPS` of them: one GEMM with a deep inner dimension runs nearer BLAS's peak than several thin ones.
TARGET_INNER = 256
#: ... and at most this many taps per GEMM: the stacked patch is that many copies of the input.
MAX_TAPS = 16


def taps_per_block(taps: int, channels: int) -> int:
    """Taps per GEMM: enough for :data:`TARGET_INNER` with ``channels`` each, at most :data:`MAX_TAPS` and all.

    >>> taps_per_block(9, 64), taps_per_block(16, 3), taps_per_block(9, 512)
    (4, 16, 1)
    """
    return max(1, min(taps, MAX_TAPS, -(-TARGET_INNER // max(channels, 1))))


def correlate(
    xp: np.ndarray,
    weight: np.ndarray,
    groups: int,
    stride: Sequence[int],
    dilation: Sequence[int],
    output_size: Sequence[int],
) -> np.ndarray:
    """Correlate padded ``xp`` (N, Cin, *P) with ``weight`` (Cout, Cin/g, *k); returns (N, Cout, *output_size).

    >>> xp = np.array([[[1.0, 2.0, 4.0, 8.0]]])
    >>> correlate(xp, np.array([[[-1.0, 1.0]]]), 1, (1,), (1,), (3,))     # differences of neighbours
    array([[[1., 2., 4.]]])
    >>> correlate(xp, np.array([[[-1.0, 1.0]]]), 1, (2,), (1,), (2,))     # every second window
    array([[[1., 4.]]])
    """
    n = xp.shape[0]
    cout, cg = weight.shape[:2]
    kernel = weight.shape[2:]
    g, mg = groups, cout // groups
    dtype = np.result_type(xp.dtype, weight.dtype)
    count = math.prod(output_size)
    taps = list(np.ndindex(*kernel))
    block = taps_per_block(len(taps), cg)
    fold = count < FOLD_BELOW  # small images: one GEMM over the whole batch, (g, Mg, T·Cg) @ (g, T·Cg, N·count)
    xg = xp.reshape(n, g, cg, *xp.shape[2:])
    wt = weight.reshape(g, mg, cg, len(taps))
    patch = np.empty((g, block, cg, n, *output_size) if fold else (n, g, block, cg, *output_size), dtype=dtype)
    total: np.ndarray | None = None
    for first in range(0, len(taps), block):
        chosen = taps[first:first + block]
        t = len(chosen)
        # this block's weights, columns (tap, c) as the patch's rows: one contiguous (Mg, T·Cg) matrix per group
        wb = np.ascontiguousarray(wt[..., first:first + t].transpose(0, 1, 3, 2)).reshape(g, mg, t * cg)
        for i, tap in enumerate(chosen):
            window: Index = (..., *(slice(j * d, j * d + s * (o - 1) + 1, s)
                                    for j, d, s, o in zip(tap, dilation, stride, output_size)))
            if fold:
                np.copyto(patch[:, i], np.moveaxis(xg[window], 0, 2))
            else:
                patch[:, :, i] = xg[window]
        if fold:
            product = matmul(wb, patch[:, :t].reshape(g, t * cg, n * count))  # (g, Mg, N·count)
        else:
            product = matmul(wb, patch[:, :, :t].reshape(n, g, t * cg, count))  # (N, g, Mg, count)
        del wb
        if total is None:
            total = product
        else:
            total += product
        del product  # freed before the next block's: one product beside the sums at a time
    del patch
    assert total is not None  # a kernel has at least one tap
    if fold:
        return np.ascontiguousarray(np.moveaxis(total.reshape(g, mg, n, count), 2, 0)).reshape(n, cout, *output_size)
    return total.reshape(n, cout, *output_size)


def correlate_workspace(
    batch: int, in_channels: int, out_channels: int, output_size: Sequence[int], itemsize: int,
    kernel: Sequence[int], groups: int,
) -> int:
    """Bytes of temporaries of :func:`correlate`: the sums and one block's product (the result, folded, laid out
    again in their place), one block's patch and its weights.

    >>> correlate_workspace(1, 1, 1, (3,), 8, (2,), 1)      # 2 · 3 outputs + 2 taps · 3 cells + 2 weights
    112
    """
    count = math.prod(output_size)
    taps = math.prod(kernel)
    cg = in_channels // groups
    block = taps_per_block(taps, cg)
    patch = batch * groups * block * cg * count
    weights = out_channels * block * cg
    return (2 * batch * out_channels * count + patch + weights) * itemsize


def conv_forward(x: np.ndarray, weight: np.ndarray, plan: ConvPlan) -> np.ndarray:
    """PyTorch's ``conv*d`` on batched ``x``: zero-pad by the plan's (possibly asymmetric) padding, correlate. A
    plan with another ``padding_mode`` pads as ``nn.Conv*d`` does with it.

    >>> from tconv.params import plan_conv
    >>> x = np.array([[[1.0, 2.0, 4.0, 8.0]]])
    >>> conv_forward(x, np.array([[[-1.0, 1.0]]]), plan_conv(x.shape, (1, 1, 2), padding=1))   # 0 | x | 0
    array([[[ 1.,  1.,  2.,  4., -8.]]])
    """
    n, cin = x.shape[:2]
    if plan.padding_mode != "zeros":  # nn.Conv*d's modes: F.pad's reflect, replicate or circular, then no padding
        padded = pad(x, [(ax.pad_begin, ax.pad_end) for ax in plan.axes], plan.padding_mode)
    else:
        padded = np.zeros((n, cin, *(ax.padded_size for ax in plan.axes)), dtype=x.dtype)
        inside: Index = (..., *(slice(ax.pad_begin, ax.pad_begin + ax.input_size) for ax in plan.axes))
        padded[inside] = x
    return correlate(
        padded,
        weight,
        plan.groups,
        tuple(ax.stride for ax in plan.axes),
        tuple(ax.dilation for ax in plan.axes),
        plan.output_size,
    )
