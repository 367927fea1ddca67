"""Direct cross-correlation on an already padded input: the core of ``tconv.conv`` and of ``zero_insert``.

One GEMM per kernel tap (batched over groups):
out[n, g·Mg + m, o] += Σ_c w[g·Mg + m, c, tap] · xp[n, g·Cg + c, o·s + tap·d].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._axes import Index
from ..padding_modes import pad
from ..params import ConvPlan
from .blas import matmul


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
    mg = cout // groups
    xg = xp.reshape(n, groups, cg, *xp.shape[2:])
    wg = weight.reshape(groups, mg, cg, *kernel)
    count = int(np.prod(output_size, dtype=np.int64))
    out = np.zeros((n, groups, mg, count), dtype=np.result_type(xp.dtype, weight.dtype))
    for tap in np.ndindex(*kernel):
        window = tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(tap, dilation, stride, output_size)
        )
        at_window: Index = (..., *window)
        at_tap: Index = (..., *tap)
        patch = xg[at_window].reshape(n, groups, cg, count)
        out += matmul(wg[at_tap], patch)  # (g, Mg, Cg) @ (N, g, Cg, S) -> (N, g, Mg, S)
        del patch  # freed before the next tap's copy, so that one patch is in memory at a time
    return out.reshape(n, cout, *output_size)


def correlate_workspace(
    batch: int, in_channels: int, out_channels: int, output_size: Sequence[int], itemsize: int
) -> int:
    """Bytes of temporaries of :func:`correlate`: the accumulator, one tap's patch and one tap's product.

    >>> correlate_workspace(1, 1, 1, (3,), 8)      # three 3-cell float64 arrays
    72
    """
    count = int(np.prod(output_size, dtype=object))
    return (2 * batch * out_channels * count + batch * in_channels * count) * itemsize


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
