"""``zero_insert``: the seeds' construction, as in Dumoulin & Visin's guide.

1. insert s−1 zeros between the input cells (length (L−1)·s + 1, the guide's ĩ′);
2. pad d·(k−1)−p zeros on each side and output_padding more at the end; where p > d·(k−1) this "padding" is
   negative and crops instead;
3. flip the kernel 180° and swap its in/out channels within each group;
4. correlate with stride 1 and the same dilation.

It multiplies every inserted zero (s^d times the useful work) and materialises the stretched input: it is here to
show the construction and check the others, not for speed.
"""

from __future__ import annotations

import math

import numpy as np

from .._axes import Index
from ..params import ConvTransposePlan
from ._correlate import correlate, correlate_workspace
from .base import Reference, weight_size
from .geometry import flipped_weight, placement

__all__ = ["NAME", "SUMMARY", "cell_kinds", "compute", "flipped_weight", "insert_zeros", "pad", "prepare"]

NAME = "zero_insert"
SUMMARY = "the seeds' view: insert s−1 zeros, pad d(k−1)−p, flip the kernel, correlate at stride 1"


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    """Bytes :func:`compute` allocates: the stretched and padded inputs, the flipped weight, the correlation's.

    >>> from tconv.params import plan_conv_transpose
    >>> workspace_bytes(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), 8)   # (5 + 9 + 3) · 8 + 304
    440
    """
    eqs = [ax.equivalent() for ax in plan.axes]
    stretched = plan.batch * plan.in_channels * math.prod(e.stretched_size for e in eqs)
    padded = plan.batch * plan.in_channels * math.prod(max(e.padded_size, 0) for e in eqs)
    work = correlate_workspace(plan.batch, plan.in_channels, plan.out_channels, plan.output_size, itemsize,
                               plan.kernel_size, plan.groups)
    return (stretched + padded + weight_size(plan)) * itemsize + work  # + the flipped, regrouped weight


def insert_zeros(x: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """Step 1: s−1 zeros between neighbouring cells on every spatial axis (the last ``plan.nd`` axes).

    >>> from tconv.params import plan_conv_transpose
    >>> insert_zeros(np.array([1, 2, 3]), plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2))
    array([1, 0, 2, 0, 3])
    """
    lead = x.shape[: x.ndim - plan.nd]
    stretched = np.zeros(lead + tuple(ax.equivalent().stretched_size for ax in plan.axes), dtype=x.dtype)
    cells: Index = (..., *(slice(None, None, ax.stride) for ax in plan.axes))
    stretched[cells] = x
    return stretched


def pad(stretched: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """Step 2: d(k−1)−p zeros before, d(k−1)−p+output_padding after; negative amounts crop.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2, padding=1)   # 3 − 1 − 1 = 1 zero each side
    >>> pad(insert_zeros(np.array([1, 2, 3]), plan), plan)
    array([0, 1, 0, 2, 0, 3, 0])
    """
    lead = stretched.shape[: stretched.ndim - plan.nd]
    padded = np.zeros(lead + tuple(ax.equivalent().padded_size for ax in plan.axes), dtype=stretched.dtype)
    src, dst = placement(plan)
    to: Index = (..., *dst)
    frm: Index = (..., *src)
    padded[to] = stretched[frm]
    return padded


def cell_kinds(plan: ConvTransposePlan) -> tuple[np.ndarray, np.ndarray]:
    """What each cell of the stretched and of the padded grid is: "input", "zero" (inserted) or "pad".

    >>> from tconv.params import plan_conv_transpose
    >>> stretched, padded = cell_kinds(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2, padding=1))
    >>> padded.tolist()
    ['pad', 'input', 'zero', 'input', 'zero', 'input', 'pad']
    """
    kinds = np.array(["zero", "input", "pad"], dtype="<U5")
    code = insert_zeros(np.ones(plan.input_size, dtype=np.int8), plan)  # 1 = input, 0 = inserted zero
    padded = np.full(tuple(ax.equivalent().padded_size for ax in plan.axes), 2, dtype=np.int8)
    src, dst = placement(plan)
    padded[dst] = code[src]
    return kinds[code], kinds[padded]


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """The transposed convolution of batched ``x`` ``(N, Cin, *L)`` by the four steps above (no bias).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> compute(np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, 0.0, -1.0]]]), plan)   # scatter's answer
    array([[[ 1.,  0.,  1.,  0.,  1.,  0., -3.]]])
    """
    padded = pad(insert_zeros(x, plan), plan)
    # 3 + 4. flipped, channel-swapped kernel at stride 1
    weight = flipped_weight(weight, plan.groups)
    return correlate(padded, weight, plan.groups, (1,) * plan.nd, plan.dilation, plan.output_size)


def prepare(layer: ConvTransposePlan) -> Reference:
    """Nothing to prepare: :func:`compute` wrapped for the registry.

    >>> from tconv.params import plan_conv_transpose
    >>> prepare(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)).workspace_bytes(1, 8)   # + the 7-cell result
    496
    """
    return Reference(layer, compute, workspace_bytes)
