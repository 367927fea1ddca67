"""``col2im``: one GEMM then col2im, PyTorch's and Caffe's CPU path, done phase by phase.

``cols = Wᵀ·X`` computes every (output channel, kernel tap) contribution of every input cell at once, an
``(Cout·prod(k)/g × Cin/g)·(Cin/g × N·prod(L))`` product; col2im then adds each tap's block into the output at
stride steps. The adds are grouped by output phase: the taps of one phase are summed into a contiguous buffer with
unit-stride adds, and the phase is written once with a strided assignment. Best for small output heads
(Cout·s^d < Cin), where the GEMM's long dimension is the kernel taps, not the output channels.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..params import ConvTransposePlan
from ._chunks import chunk_size, for_chunks, threads_for
from .phase import FOLD_BELOW, _geometry, _output, _phases, _shift_bounds

NAME = "col2im"
SUMMARY = "one GEMM Wᵀ·X for every tap, then col2im summed phase by phase"

#: A folded GEMM (small images) gets at least this many columns, whatever the cache size. Measured on the 8×8
#: DCGAN layer (N16): chunks of 4 images (256 columns, 4 MiB) 1.06× torch's time, of 8 (two chunks, one per core)
#: 1.01×, of 16 (one chunk) 1.09×.
MIN_FOLD_COLUMNS = 512


def _chunk(plan: ConvTransposePlan, itemsize: int) -> int:
    """Images per chunk: cache-sized, but a folded GEMM gets at least MIN_FOLD_COLUMNS columns."""
    cells = math.prod(plan.input_size)
    chunk = chunk_size(plan.batch, plan.out_channels * math.prod(plan.kernel_size) * cells * itemsize)
    if cells < FOLD_BELOW:
        chunk = max(1, min(plan.batch, max(chunk, -(-MIN_FOLD_COLUMNS // max(1, cells)))))
    return chunk


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    cells = math.prod(plan.input_size)
    per_image = plan.out_channels * math.prod(plan.kernel_size) * cells  # the GEMM's columns
    qmax, _ = _shift_bounds(plan)
    phase_buf = plan.out_channels * math.prod(ax.input_size + q for ax, q in zip(plan.axes, qmax))
    folded = plan.in_channels * cells if cells < FOLD_BELOW else 0  # the batch-innermost copy of the input
    chunk = _chunk(plan, itemsize)
    # one chunk in flight per thread (for_chunks)
    return threads_for(plan.batch, chunk) * chunk * (per_image + phase_buf + folded) * itemsize


@lru_cache(maxsize=128)  # plans are frozen: worked out once per configuration, not once per chunk
def _adds(plan: ConvTransposePlan):
    """Per non-empty phase: (its output slice, its extent, and per tap (j, the cells of cols it reads, the cells
    of the phase buffer it adds to))."""
    L = plan.input_size
    result = []
    for residues, taps, shifts in _phases(plan):
        m_lo, m_hi, out_sl = _geometry(plan, residues, shifts)
        if any(h < l for h, l in zip(m_hi, m_lo)):
            continue
        adds = []
        for j, q in zip(taps, shifts):
            # tap j of input cell i lands on m = i + q: the m in [m_lo, m_hi] with i = m − q in [0, L)
            src, dst = [], []
            for a in range(plan.nd):
                i0 = max(0, m_lo[a] - q[a])
                i1 = min(L[a], m_hi[a] - q[a] + 1)
                src.append(slice(i0, max(i0, i1)))
                dst.append(slice(i0 + q[a] - m_lo[a], i0 + q[a] - m_lo[a] + max(0, i1 - i0)))
            adds.append((j, tuple(src), tuple(dst)))
        result.append((out_sl, tuple(h - l + 1 for h, l in zip(m_hi, m_lo)), tuple(adds)))
    return tuple(result)


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    ktaps = math.prod(plan.kernel_size)
    L = plan.input_size
    out = _output(plan, x.dtype)
    # (g, Mg·K, Cg): row (m, tap) of Wᵀ
    wt = weight.reshape(g, cg, mg * ktaps).transpose(0, 2, 1)
    chunk = _chunk(plan, x.itemsize)
    phase_adds = _adds(plan)
    # Small images make thin per-image GEMMs: fold the batch into the GEMM's long dimension, as its innermost
    # axis, so that the col2im adds below run over contiguous (row × batch) blocks instead of rows of a few cells.
    fold = math.prod(L) < FOLD_BELOW
    all_ = (slice(None),) * 3
    lead = all_[:2] if fold else all_  # the axes before the spatial ones: (g, Mg) folded (batch last), else (B, g, Mg)

    def body(b0: int, b1: int, scratch: dict) -> None:
        nb = b1 - b0
        if fold:  # (g, Cg, S·B): one GEMM per group
            xg = np.moveaxis(x[b0:b1].reshape(nb, g, cg, *L), 0, -1).reshape(g, cg, math.prod(L) * nb)
            cols = np.matmul(wt, xg).reshape(g, mg, *plan.kernel_size, *L, nb)
        else:
            cols = np.matmul(wt, x[b0:b1].reshape(nb, g, cg, math.prod(L))).reshape(nb, g, mg, *plan.kernel_size, *L)
        for out_sl, extent, adds in phase_adds:
            buf = np.zeros((g, mg, *extent, nb) if fold else (nb, g, mg, *extent), dtype=x.dtype)
            for j, src, dst in adds:
                buf[(*lead, *dst)] += cols[(*lead, *j, *src)]
            # written through a (B, g, Mg, ...) view of the output: reshaping the moved buffer would copy it
            target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)[(*all_, *out_sl)]
            target[...] = np.moveaxis(buf, -1, 0) if fold else buf

    for_chunks(n, chunk, body)
    return out
