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

from ..params import ConvTransposePlan
from ._correlate import correlate, correlate_workspace

NAME = "zero_insert"
SUMMARY = "the seeds' view: insert s−1 zeros, pad d(k−1)−p, flip the kernel, correlate at stride 1"


def flipped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """(Cin, Cout/g, *k) transposed-conv weight -> (Cout, Cin/g, *k) direct-conv weight, flipped 180°."""
    cin, mg, *kernel = weight.shape
    cg = cin // groups
    spatial = tuple(range(2, weight.ndim))
    flipped = np.flip(weight, axis=spatial)
    return np.ascontiguousarray(
        flipped.reshape(groups, cg, mg, *kernel).swapaxes(1, 2).reshape(groups * mg, cg, *kernel)
    )


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    eqs = [ax.equivalent() for ax in plan.axes]
    stretched = plan.batch * plan.in_channels * math.prod(e.stretched_size for e in eqs)
    padded = plan.batch * plan.in_channels * math.prod(max(e.padded_size, 0) for e in eqs)
    work = correlate_workspace(plan.batch, plan.in_channels, plan.out_channels, plan.output_size, itemsize)
    return (stretched + padded) * itemsize + work


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    n, cin = x.shape[:2]
    eqs = [ax.equivalent() for ax in plan.axes]
    # 1. zeros between the cells
    stretched = np.zeros((n, cin, *(e.stretched_size for e in eqs)), dtype=x.dtype)
    stretched[(Ellipsis, *(slice(None, None, ax.stride) for ax in plan.axes))] = x
    # 2. pad d(k−1)−p before and d(k−1)−p+op after; a negative amount crops
    padded = np.zeros((n, cin, *(e.padded_size for e in eqs)), dtype=x.dtype)
    src = tuple(slice(max(0, -e.pad_begin), e.stretched_size - max(0, -e.pad_end)) for e in eqs)
    # max(0, ...): a crop larger than the stretched input (huge stride with output_padding) leaves nothing
    dst = tuple(
        slice(max(0, e.pad_begin), max(0, e.pad_begin) + max(0, s.stop - s.start)) for e, s in zip(eqs, src)
    )
    padded[(Ellipsis, *dst)] = stretched[(Ellipsis, *src)]
    # 3 + 4. flipped, channel-swapped kernel at stride 1
    return correlate(padded, flipped_weight(weight, plan.groups), plan.groups, (1,) * plan.nd, plan.dilation, plan.output_size)
