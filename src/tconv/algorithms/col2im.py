"""``col2im``: one GEMM then col2im, PyTorch's and Caffe's CPU path, done phase by phase.

``cols = Wᵀ·X`` computes every (output channel, kernel tap) contribution of every input cell at once, an
``(Cout·prod(k)/g × Cin/g)·(Cin/g × N·prod(L))`` product; col2im then adds each tap's block into the output at
stride steps. The adds are grouped by output phase: the taps of one phase are summed into a contiguous buffer with
unit-stride adds, and the phase is written once with a strided assignment. Best for small output heads
(Cout·s^d < Cin), where the GEMM's long dimension is the kernel taps, not the output channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..params import ConvTransposePlan
from .blas import matmul
from .chunks import FOLD_BELOW, chunk_size, for_chunks, threads_for
from .geometry import output_covered, phase_geometry, phases, shift_bounds
from .workspace import Workspace

NAME = "col2im"
SUMMARY = "one GEMM Wᵀ·X for every tap, then col2im summed phase by phase"

#: A folded GEMM (small images) gets at least this many columns, whatever the cache size. Measured on the 8×8
#: DCGAN layer (N16): chunks of 4 images (256 columns, 4 MiB) 1.06× torch's time, of 8 (two chunks, one per core)
#: 1.01×, of 16 (one chunk) 1.09×.
MIN_FOLD_COLUMNS = 512

#: One tap's add: (the tap's multi-index, the cells of the GEMM's columns it reads, the cells of the phase
#: buffer it adds to).
Add = tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]


@dataclass(frozen=True)
class PhaseAdds:
    """One non-empty phase: its output slice, its extent, and the adds of its taps.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> odd = prepare(plan).phase_adds[1]     # tap 1 of cells 0, 1, 2 lands on output cells 1, 3, 5
    >>> odd.out, odd.adds
    ((slice(1, 6, 2),), (((1,), (slice(0, 3, None),), (slice(0, 3, None),)),))
    """

    out: tuple[slice, ...]
    extent: tuple[int, ...]
    adds: tuple[Add, ...]


@dataclass(frozen=True)
class Col2imPlan:
    """One layer's col2im: the adds of each phase, and the size of the buffer a phase is summed in.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> [len(p.adds) for p in prepare(plan).phase_adds]     # taps 0 and 2 on even cells, 1 on odd ones
    [2, 1]
    """

    layer: ConvTransposePlan
    phase_adds: tuple[PhaseAdds, ...]
    phase_buffer: int  # elements per image of the largest phase buffer's bound (Cout × padded input)
    zeroed_output: bool

    @property
    def fold(self) -> bool:
        """Small images make thin per-image GEMMs: the batch is folded into the GEMM's long dimension.

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 2, 8, 8), (2, 3, 3, 3))).fold, prepare(
        ...     plan_conv_transpose((1, 2, 64, 64), (2, 3, 3, 3))).fold
        (True, False)
        """
        return math.prod(self.layer.input_size) < FOLD_BELOW

    def chunk(self, batch: int, itemsize: int) -> int:
        """Images per chunk: cache-sized, but a folded GEMM gets at least MIN_FOLD_COLUMNS columns.

        Here 4 images of 1 MiB of columns fit in 4 MiB, but 8 images of 64 cells make the 512 columns:

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 64, 8, 8), (64, 256, 4, 4))).chunk(64, 4)
        8
        """
        plan = self.layer
        cells = math.prod(plan.input_size)
        chunk = chunk_size(batch, plan.out_channels * math.prod(plan.kernel_size) * cells * itemsize)
        if self.fold:
            chunk = max(1, min(batch, max(chunk, -(-MIN_FOLD_COLUMNS // max(1, cells)))))
        return chunk

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """Bytes :meth:`run` allocates besides the output: per thread, a chunk's columns and phase buffer.

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> prepare(plan).workspace_bytes(1, 8)     # 9 columns, a 5-cell phase buffer, the 3 cells folded
        136
        """
        plan = self.layer
        cells = math.prod(plan.input_size)
        per_image = plan.out_channels * math.prod(plan.kernel_size) * cells  # the GEMM's columns
        folded = plan.in_channels * cells if self.fold else 0  # the batch-innermost copy of the input
        chunk = self.chunk(batch, itemsize)
        # one chunk in flight per thread (for_chunks)
        return threads_for(batch, chunk) * chunk * (per_image + self.phase_buffer + folded) * itemsize

    def run(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        """Write the transposed convolution of ``x`` into ``out``, chunk by chunk (no bias).

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> out = np.zeros((1, 1, 7))
        >>> prepare(plan).run(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 3)), out)    # as scatter stamps it
        >>> out
        array([[[1., 1., 3., 2., 5., 3., 3.]]])
        """
        plan = self.layer
        n = x.shape[0]
        g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
        ktaps = math.prod(plan.kernel_size)
        L = plan.input_size
        # (g, Mg·K, Cg): row (m, tap) of Wᵀ
        wt = weight.reshape(g, cg, mg * ktaps).transpose(0, 2, 1)
        # Folded, the batch is the innermost axis, so that the col2im adds below run over contiguous
        # (row × batch) blocks instead of rows of a few cells.
        fold = self.fold
        all_ = (slice(None),) * 3
        # the axes before the spatial ones: (g, Mg) folded (batch last), else (B, g, Mg)
        lead = all_[:2] if fold else all_

        cells = math.prod(L)

        def body(b0: int, b1: int, ws: Workspace) -> None:
            nb = b1 - b0
            if fold:  # (g, Cg, S·B): one GEMM per group
                xg = ws.take("col2im.folded", (g, cg, *L, nb), x.dtype)
                xg[...] = np.moveaxis(x[b0:b1].reshape(nb, g, cg, *L), 0, -1)
                cols = ws.take("col2im.cols", (g, mg * ktaps, cells * nb), x.dtype)
                matmul(wt, xg.reshape(g, cg, cells * nb), out=cols)
                cols = cols.reshape(g, mg, *plan.kernel_size, *L, nb)
            else:
                xb = x[b0:b1].reshape(nb, g, cg, cells)
                cols = ws.take("col2im.cols", (nb, g, mg * ktaps, cells), x.dtype)
                matmul(wt, xb, out=cols)
                cols = cols.reshape(nb, g, mg, *plan.kernel_size, *L)
            for phase in self.phase_adds:
                shape = (g, mg, *phase.extent, nb) if fold else (nb, g, mg, *phase.extent)
                buf = ws.take("col2im.phase", shape, x.dtype)
                buf.fill(0)
                for j, src, dst in phase.adds:
                    buf[(*lead, *dst)] += cols[(*lead, *j, *src)]
                # written through a (B, g, Mg, ...) view of the output: reshaping the moved buffer would copy it
                target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)[(*all_, *phase.out)]
                target[...] = np.moveaxis(buf, -1, 0) if fold else buf

        for_chunks(n, self.chunk(n, x.itemsize), body)


def prepare(layer: ConvTransposePlan) -> Col2imPlan:
    """Per non-empty phase, the adds of its taps: tap j of input cell i lands on m = i + q.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> prepare(plan).phase_adds[0].adds[1]     # tap 2 (shift 1): cells 0..2 land on m = 1..3
    ((2,), (slice(0, 3, None),), (slice(1, 4, None),))
    """
    L = layer.input_size
    result = []
    for phase in phases(layer):
        geo = phase_geometry(layer, phase.residues)
        if geo.empty:
            continue
        adds: list[Add] = []
        for j, q in zip(phase.taps, phase.shifts):
            # the m in [m_lo, m_hi] with i = m − q in [0, L)
            src, dst = [], []
            for a in range(layer.nd):
                i0 = max(0, geo.m_lo[a] - q[a])
                i1 = min(L[a], geo.m_hi[a] - q[a] + 1)
                src.append(slice(i0, max(i0, i1)))
                dst.append(slice(i0 + q[a] - geo.m_lo[a], i0 + q[a] - geo.m_lo[a] + max(0, i1 - i0)))
            adds.append((j, tuple(src), tuple(dst)))
        extent = tuple(h - low + 1 for h, low in zip(geo.m_hi, geo.m_lo))
        result.append(PhaseAdds(geo.out, extent, tuple(adds)))
    qmax, _ = shift_bounds(layer)
    phase_buffer = layer.out_channels * math.prod(ax.input_size + q for ax, q in zip(layer.axes, qmax))
    return Col2imPlan(layer, tuple(result), phase_buffer, not output_covered(layer))
