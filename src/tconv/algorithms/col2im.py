"""``col2im``: one GEMM then col2im, PyTorch's and Caffe's CPU path, done phase by phase.

``cols = Wᵀ·X`` computes every (output channel, kernel tap) contribution of every input cell at once, an
``(Cout·prod(k)/g × Cin/g)·(Cin/g × N·prod(L))`` product; col2im then adds each tap's block into the output at
stride steps. The adds are grouped by output phase: the taps of one phase are summed into a contiguous buffer with
unit-stride adds, and the phase is written once with a strided assignment. Best for small output heads
(Cout·s^d < Cin), where the GEMM's long dimension is the kernel taps, not the output channels.
"""

from __future__ import annotations

import math

import numpy as np

from ..params import ConvTransposePlan
from ._chunks import chunk_size
from .phase import FOLD_BELOW, _geometry, _phases, _shift_bounds

NAME = "col2im"
SUMMARY = "one GEMM Wᵀ·X for every tap, then col2im summed phase by phase"



def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    per_image = plan.out_channels * math.prod(plan.kernel_size) * math.prod(plan.input_size)
    chunk = chunk_size(plan.batch, per_image * itemsize)
    qmax, _ = _shift_bounds(plan)
    phase_buf = plan.out_channels * math.prod(ax.input_size + q for ax, q in zip(plan.axes, qmax))
    return (chunk * (per_image + phase_buf)) * itemsize


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    nd = plan.nd
    ktaps = math.prod(plan.kernel_size)
    L = plan.input_size
    out = np.zeros((n, plan.out_channels, *plan.output_size), dtype=x.dtype)
    # (g, Mg·K, Cg): row (m, tap) of Wᵀ
    wt = weight.reshape(g, cg, mg * ktaps).transpose(0, 2, 1)
    per_image = plan.out_channels * ktaps * math.prod(L) * x.itemsize
    chunk = chunk_size(n, per_image)
    phases = _phases(plan)
    fold = math.prod(L) < FOLD_BELOW  # thin per-image GEMMs for small images: fold the batch in
    for b0 in range(0, n, chunk):
        b1 = min(n, b0 + chunk)
        nb = b1 - b0
        if fold:  # (g, Cg, B·S): one GEMM per group
            xg = np.moveaxis(x[b0:b1].reshape(nb, g, cg, math.prod(L)), 0, 2).reshape(g, cg, nb * math.prod(L))
            cols = np.moveaxis(np.matmul(wt, xg).reshape(g, mg, ktaps, nb, *L), 3, 0)  # (B, g, Mg, K, *L), a view
        else:
            cols = np.matmul(wt, x[b0:b1].reshape(nb, g, cg, math.prod(L))).reshape(nb, g, mg, ktaps, *L)
        cols = cols.reshape(nb, g, mg, *plan.kernel_size, *L)
        for residues, taps, shifts in phases:
            m_lo, m_hi, out_sl = _geometry(plan, residues, shifts)
            if any(h < l for h, l in zip(m_hi, m_lo)):
                continue
            extent = [h - l + 1 for h, l in zip(m_hi, m_lo)]
            buf = np.zeros((nb, g, mg, *extent), dtype=x.dtype)
            for j, q in zip(taps, shifts):
                # tap j of input cell i lands on m = i + q: the m in [m_lo, m_hi] with i = m − q in [0, L)
                src, dst = [], []
                for a in range(nd):
                    i0 = max(0, m_lo[a] - q[a])
                    i1 = min(L[a], m_hi[a] - q[a] + 1)
                    src.append(slice(i0, max(i0, i1)))
                    dst.append(slice(i0 + q[a] - m_lo[a], i0 + q[a] - m_lo[a] + max(0, i1 - i0)))
                buf[(slice(None), slice(None), slice(None), *dst)] += cols[(slice(None), slice(None), slice(None), *j, *src)]
            out[(slice(b0, b1), slice(None), *out_sl)] = buf.reshape(nb, plan.out_channels, *extent)
    return out
