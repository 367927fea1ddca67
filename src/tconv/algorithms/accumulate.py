"""``accumulate``: one GEMM per kernel tap, each adding into its phase's output in place (BLAS β = 1); no im2col.

The output splits into phases (:mod:`tconv.algorithms.geometry`; stride 1 has one), each a stride-1 correlation of
the input on the low-resolution grid: ``y_r[m] = Σ_j w[j]ᵀ · x[m − q_j]``. Lay the batch out flat, channels
first, every image followed by zeros along each axis (at least as many as a shift reaches past an edge), and
``x[m − q_j]`` over all ``m`` of every image is one *contiguous slice* of that buffer, offset by ``q_j``: the zeros
after one row are also the zeros before the next. So each tap is one GEMM straight on the input buffer, whose
product BLAS adds into the phase's buffer (:func:`tconv.algorithms.blas.gemm`), and the phase is written into the
output once. Against ``stacked``/``implicit`` and ``phase``, this removes the im2col copies and the shifted sums:
what is left is one copy of the input into the layout and one write of each phase. The GEMMs compute the columns
of the zeros too (about (L + z)/L per axis: 1.04× for 56×56 images with k3 p1), so small images go to ``col2im``.

The batch is processed in chunks of whole images (:mod:`tconv.algorithms.chunks`), each thread with its own
buffers, kept between calls (:mod:`tconv.algorithms.workspace`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._axes import Index
from ..params import ConvTransposePlan
from . import blas
from .base import weight_size
from .chunks import chunk_size, for_chunks, threads_for
from .geometry import output_covered, phase_geometry, phases, shared_shifts
from .workspace import Workspace

#: Groups with fewer channels than this on either side are computed with one batched ``np.matmul`` per shift over
#: all groups, and an add: one BLAS call per group and shift costs microseconds each from Python, which made a
#: depthwise layer (64 groups) tens of times slower than ``phase``.
NARROW_GROUPS = 32

NAME = "accumulate"
SUMMARY = "a GEMM per kernel tap on the flat zero-separated input, each adding into its phase in place (BLAS β = 1)"


@dataclass(frozen=True)
class TapGroup:
    """Phases computed together: they read the same shifts of the input (all of them where
    :func:`~tconv.algorithms.geometry.shared_shifts`, else one each), so each shift is one GEMM with a row block
    per phase. ``lo`` and ``extent`` are the low-resolution cells it computes (the union of its phases'); per
    phase, where it lands in the output and which of those cells it keeps; per shift, the offset of its input slice
    (from the start of the data) and where its phases' taps start in the laid-out weight (consecutive).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> even = prepare(plan).groups[0]       # taps 0 and 2 on cells 0, 2, 4, 6: x[m] and x[m − 1]
    >>> even.extent, even.offsets, even.first
    ((4,), (0, -1), (0, 2))
    """

    lo: tuple[int, ...]
    extent: tuple[int, ...]
    writes: tuple[tuple[tuple[slice, ...], tuple[slice, ...]], ...]
    offsets: tuple[int, ...]
    first: tuple[int, ...]


@dataclass(frozen=True)
class AccumulatePlan:
    """The flat layout of one layer: each image's ``rows`` (its size plus zeros, per axis; ``pitch`` apart), the
    zeros ``lead`` before the first image, the groups of phases, and whether they are one group of every phase
    (``shared``: the weight's taps are then laid out shift by shift, each shift's phases consecutive).

    >>> from tconv.params import plan_conv_transpose
    >>> layout = prepare(plan_conv_transpose((1, 2, 4, 4), (2, 3, 4, 4), stride=2))   # k = 2·s: shared shifts
    >>> layout.shared, len(layout.groups), layout.rows     # one GEMM per shift for all 4 phases; 4 + 1 zeros
    (True, 1, (5, 5))
    """

    layer: ConvTransposePlan
    rows: tuple[int, ...]
    pitch: tuple[int, ...]
    lead: int
    groups: tuple[TapGroup, ...]
    shared: bool
    zeroed_output: bool

    @property
    def image(self) -> int:
        """Elements of one image's block in the flat layout (per channel).

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 2, 4, 4), (2, 3, 4, 4), stride=2)).image     # 5 × 5
        25
        """
        return math.prod(self.rows)

    @property
    def row_blocks(self) -> int:
        """Phases in the largest group: its sums hold that many blocks of Cout rows.

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 2, 4, 4), (2, 3, 4, 4), stride=2)).row_blocks    # all 4 phases
        4
        """
        return max((len(gr.writes) for gr in self.groups), default=1)

    def per_image(self) -> int:
        """Elements per image of a chunk's buffers: the flat input (Cin channels) and one group's sums.

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 2, 4, 4), (2, 3, 4, 4), stride=2)).per_image()   # (2 + 4·3) · 25
        350
        """
        return (self.layer.in_channels + self.row_blocks * self.layer.out_channels) * self.image

    def chunk(self, batch: int, itemsize: int) -> int:
        """Images per chunk: as many as :func:`~tconv.algorithms.chunks.chunk_size` lets fit.

        >>> from tconv.params import plan_conv_transpose
        >>> layout = prepare(plan_conv_transpose((1, 64, 32, 32), (64, 64, 4, 4), stride=2))
        >>> layout.chunk(16, 4), layout.chunk(16, 8)       # 1.4 MB an image in float32: 3 fit in 4 MiB
        (3, 1)
        """
        return chunk_size(batch, self.per_image() * itemsize)

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """Bytes :meth:`run` allocates besides the output: each thread's chunk buffers and the laid-out weight.

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> prepare(plan).workspace_bytes(1, 8)
        152
        """
        chunk = self.chunk(batch, itemsize)
        # + a product beside the sums: narrow groups' batched products, or what np.matmul makes where BLAS cannot
        # be called (blas.gemm's fallback: no OpenBLAS, int64)
        fallback = self.row_blocks * self.layer.out_channels * self.image
        per_thread = chunk * (self.per_image() + fallback) + self.layer.in_channels * self.lead
        # + the weight, laid out shift by shift (two copies at most at once)
        return (threads_for(batch, chunk) * per_thread + 2 * weight_size(self.layer)) * itemsize

    def laid_out(self, weight: np.ndarray) -> np.ndarray:
        """The weight ``(Cin, Cout/g, *k)`` as ``(g, Cg, T, Mg)``, taps in the order the GEMMs read them: each
        shift's phases consecutive (``shared``: kernel axis ``k`` split as ``(k/s, s)``, shifts before residues),
        else in the kernel's order. Tap ``t`` of group ``gi`` is then ``wt[gi, :, t, :]``, the ``Cg × Mg``
        transpose of its GEMM's A with a unit stride, and consecutive taps are the row blocks of one GEMM. One
        copy, each input channel's ``Mg × T`` block transposed on its own (in cache).

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> prepare(plan).laid_out(np.array([[[10.0, 11.0, 12.0]]])).ravel()   # (g, Cg, T, Mg) = (1, 1, 3, 1)
        array([10., 11., 12.])
        """
        plan = self.layer
        g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
        taps = math.prod(plan.kernel_size)
        if not self.shared:
            split = weight.reshape(g, cg, mg, taps).transpose(0, 1, 3, 2)
        else:
            nd = plan.nd
            halves = [n for ax in plan.axes for n in (ax.kernel_size // ax.stride, ax.stride)]
            split = weight.reshape(g, cg, mg, *halves)
            order = (0, 1, *(3 + 2 * a for a in range(nd)), *(4 + 2 * a for a in range(nd)), 2)
            split = split.transpose(order)
        return np.ascontiguousarray(split).reshape(g, cg, taps, mg)

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
        wt = self.laid_out(weight)
        chunk = self.chunk(n, x.itemsize)
        rows, pitch, image, lead = self.rows, self.pitch, self.image, self.lead
        size = plan.input_size
        narrow = g > 1 and min(cg, mg) < NARROW_GROUPS

        def body(b0: int, b1: int, ws: Workspace) -> None:
            nb = b1 - b0
            # zeroed once per call: the data cells are overwritten by each chunk, the zeros between them stay
            flat = ws.take("accumulate.input", (plan.in_channels, lead + chunk * image), x.dtype, zero=True)
            cells = flat[:, lead:lead + nb * image].reshape(plan.in_channels, nb, *rows)
            inside: Index = (slice(None), slice(None), *(slice(0, s) for s in size))
            cells[inside] = np.moveaxis(x[b0:b1], 0, 1)  # (Cin, B, *L): channels first, images one after another
            target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)
            for gr in self.groups:
                blocks = len(gr.writes)
                total = ws.take("accumulate.sums", (g, blocks * mg, chunk * image), x.dtype)
                span = (nb - 1) * image + sum((e - 1) * p for e, p in zip(gr.extent, pitch)) + 1
                if narrow:  # one batched product per shift over every group, added: not one BLAS call per group
                    product = ws.take("accumulate.product", (g, blocks * mg, chunk * image), x.dtype)[..., :span]
                    for k, offset in enumerate(gr.offsets):
                        start = lead + offset
                        a_all = wt[:, :, gr.first[k]:gr.first[k] + blocks].reshape(g, cg, blocks * mg)
                        b_all = flat[:, start:start + span].reshape(g, cg, span)
                        # one input channel per group (depthwise): the product is an outer product, a broadcast
                        multiply = np.multiply if cg == 1 else blas.matmul
                        multiply(a_all.transpose(0, 2, 1), b_all, out=total[:, :, :span] if k == 0 else product)
                        if k:
                            total[:, :, :span] += product
                else:
                    for gi in range(g):
                        sums = total[gi, :, :span]
                        for k, offset in enumerate(gr.offsets):  # one GEMM per shift, β = 1 after the first
                            start = lead + offset
                            a = wt[gi, :, gr.first[k]:gr.first[k] + blocks].reshape(cg, blocks * mg).T
                            blas.gemm(a, flat[gi * cg:(gi + 1) * cg, start:start + span], sums, accumulate=k > 0)
                # each phase's cells: (g, Mg, B, *rows) cut to its part, written at stride steps
                result = total[:, :, :nb * image].reshape(g, blocks, mg, nb, *rows)
                for p, (out_sl, src) in enumerate(gr.writes):
                    dst: Index = (slice(None), slice(None), slice(None), *out_sl)
                    phase_at: Index = (slice(None), p, slice(None), slice(None), *src)
                    target[dst] = np.moveaxis(result[phase_at], 2, 0)

        for_chunks(n, chunk, body)


def prepare(layer: ConvTransposePlan) -> AccumulatePlan:
    """The groups of phases, their shifts' offsets, and the zeros each axis needs after its cells.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> layout = prepare(plan)        # two phases, x[m − 1] read: one zero before the data, one after each image
    >>> len(layout.groups), layout.lead, layout.rows
    (2, 1, (4,))
    """
    nd = layer.nd
    all_phases = phases(layer)
    live = [(p, geo) for p in all_phases if not (geo := phase_geometry(layer, p.residues)).empty]
    # every phase in one group when they share their shifts and none is empty (the weight's layout then assumes
    # all of them); else one group per phase
    shared = shared_shifts(layer) and len(live) == len(all_phases)
    grouped = [live] if shared else [[one] for one in live]
    # per axis: how far a shifted read x[m − q] reaches before 0 and past L − 1, and how far a group's cells run
    # past L (its sums are laid out with the input's pitches): the zeros after each row cover all three
    spans = []
    before = [0] * nd
    past = [0] * nd
    for members in grouped:
        lo = tuple(min(geo.m_lo[a] for _, geo in members) for a in range(nd))
        hi = tuple(max(geo.m_hi[a] for _, geo in members) for a in range(nd))
        shifts = members[0][0].shifts
        spans.append((lo, hi))
        for a in range(nd):
            qs = [q[a] for q in shifts]
            before[a] = max(before[a], max(qs) - lo[a])
            past[a] = max(past[a], hi[a] - min(qs) - (layer.input_size[a] - 1), hi[a] - lo[a] + 1 - layer.input_size[a])
    rows = tuple(size + max(0, b, a) for size, b, a in zip(layer.input_size, before, past))
    pitch = tuple(math.prod(rows[a + 1:]) for a in range(nd))
    groups = []
    reach = 0
    for members, (lo, hi) in zip(grouped, spans):
        shifts = members[0][0].shifts
        # cell m reads x[m − q]: flat (m − lo)·pitch from the group's column 0, plus (lo − q)·pitch
        offsets = tuple(sum((lo[a] - q[a]) * pitch[a] for a in range(nd)) for q in shifts)
        reach = max(reach, max(-o for o in offsets))
        # shared: shift i's phases are taps i·P … i·P + P − 1 of the laid-out weight (shifts in the same order
        # as phases() lists them: ascending per axis); else the phase's own taps, in the kernel's order
        first = (tuple(i * len(members) for i in range(len(shifts))) if shared else
                 tuple(int(np.ravel_multi_index(j, layer.kernel_size)) for j in members[0][0].taps))
        writes = tuple((geo.out, tuple(slice(ml - low, mh - low + 1) for ml, mh, low in zip(geo.m_lo, geo.m_hi, lo)))
                       for _, geo in members)
        groups.append(TapGroup(lo, tuple(h - low + 1 for h, low in zip(hi, lo)), writes, offsets, first))
    return AccumulatePlan(layer, rows, pitch, max(0, reach), tuple(groups), shared, not output_covered(layer))
