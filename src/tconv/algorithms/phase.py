"""``phase``: the sub-pixel (polyphase) decomposition; no multiplication by an inserted zero.

The output splits into phases (:mod:`tconv.algorithms.geometry`), each an ordinary stride-1 correlation on the
low-resolution grid. Each phase is one GEMM over an im2col of shifted views of the input. When every kernel size
is a multiple of its stride and dilation is 1, all phases share the same shifts, so one GEMM computes them all
(Shi et al.'s sub-pixel form). Phases without taps get zeros (the bias only, added by the front end). Each phase
is written straight into the output with a strided assignment: no zero-inserted input, no shuffled temporary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._axes import Index
from ..params import ConvTransposePlan
from .base import weight_size
from .blas import matmul
from .chunks import FOLD_BELOW, chunk_size, for_chunks, threads_for
from .geometry import Phase, PhaseGeometry, output_covered, phase_geometry, phases, shared_shifts, shift_bounds
from .workspace import Workspace, scope

NAME = "phase"
SUMMARY = "sub-pixel decomposition: s^d stride-1 GEMMs (one when k % s == 0), strided writes, no inserted zeros"


@dataclass(frozen=True)
class Gemm:
    """One GEMM: the phases it computes (sharing their shifts), where each lands, the low corner and extent of
    the low-resolution cells it computes, and each phase's taps as flat kernel indices.

    >>> from tconv.params import plan_conv_transpose
    >>> even = prepare(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)).gemms[0]
    >>> even.flat_taps, even.lo, even.extent     # taps 0 and 2 on the even cells 0, 2, 4, 6
    (((0, 2),), (0,), (4,))
    """

    phases: tuple[Phase, ...]
    geometries: tuple[PhaseGeometry, ...]
    lo: tuple[int, ...]
    extent: tuple[int, ...]
    flat_taps: tuple[tuple[int, ...], ...]

    @property
    def shifts(self) -> tuple[tuple[int, ...], ...]:
        """The shifts ``q`` its phases read (the same for all of them).

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 1, 4, 4), (1, 1, 4, 4), stride=2)).gemms[0].shifts   # k = 2·s
        ((0, 0), (0, 1), (1, 0), (1, 1))
        """
        return self.phases[0].shifts

    def per_image(self, in_channels: int, out_channels: int) -> int:
        """Elements per image of its im2col (taps × Cin) and product (phases × Cout).

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)).gemms[0].per_image(1, 1)   # (2 + 1) · 4
        12
        """
        return (in_channels * len(self.shifts) + len(self.phases) * out_channels) * math.prod(self.extent)


@dataclass(frozen=True)
class PhasePlan:
    """The phases of one layer grouped into GEMMs, with the input padding their shifted windows need.

    >>> from tconv.params import plan_conv_transpose
    >>> unet = prepare(plan_conv_transpose((1, 8, 32, 32), (8, 8, 2, 2), stride=2))   # k2 s2: x read directly
    >>> len(unet.gemms), unet.direct
    (1, True)
    """

    layer: ConvTransposePlan
    gemms: tuple[Gemm, ...]
    qmax: tuple[int, ...]
    after: tuple[int, ...]
    direct: bool
    zeroed_output: bool

    def chunk(self, gemm: Gemm, batch: int, itemsize: int) -> int:
        """Images per chunk for one GEMM (the same number in the memory estimate and in the computation).

        >>> from tconv.params import plan_conv_transpose
        >>> layer = prepare(plan_conv_transpose((1, 64, 16, 16), (64, 64, 4, 4), stride=2))
        >>> layer.chunk(layer.gemms[0], 16, 4)      # (64·4 + 4·64) · 17² float32: 0.6 MB an image
        7
        """
        return chunk_size(batch, gemm.per_image(self.layer.in_channels, self.layer.out_channels) * itemsize)

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """Bytes :meth:`run` allocates besides the output: the padded input, the largest GEMM's chunks, the weight.

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> prepare(plan).workspace_bytes(1, 8)     # (6 padded + 12 + 2 · 3) float64
        192
        """
        plan = self.layer
        padded = 0 if self.direct else batch * plan.in_channels * math.prod(
            ax.input_size + q + a for ax, q, a in zip(plan.axes, self.qmax, self.after))
        work = 0
        for gemm in self.gemms:
            chunk = self.chunk(gemm, batch, itemsize)
            per_image = gemm.per_image(plan.in_channels, plan.out_channels)
            work = max(work, threads_for(batch, chunk) * chunk * per_image)  # one chunk in flight per thread
        # A GEMM's weight matrix is built from the weight's taps in two copies (gathered, then laid out).
        return (padded + work + 2 * weight_size(plan)) * itemsize

    def run(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        """Write the transposed convolution of ``x`` into ``out``, GEMM by GEMM (no bias).

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
        qmax = self.qmax
        with scope() as ws:
            xp = x
            if not self.direct:  # x[m − q] = xp[m − q + qmax]
                padded = (ax.input_size + q + a for ax, q, a in zip(plan.axes, qmax, self.after))
                xp = ws.take("phase.padded", (n, plan.in_channels, *padded), x.dtype, zero=True)
                xp[(slice(None), slice(None), *(slice(q, q + ax.input_size) for ax, q in zip(plan.axes, qmax)))] = x
            wg = weight.reshape(g, cg, mg, -1)  # (g, Cg, Mg, prod(k))
            for index, gemm in enumerate(self.gemms):
                self._run_gemm(index, gemm, x, xp, wg, out)

    def write_phases(self, index: int, y: np.ndarray, target: np.ndarray) -> None:
        """Write the product ``y`` ``(B, g, P, Mg, *extent)`` of GEMM ``index`` into ``target`` ``(B, g, Mg, *O)``:
        one strided assignment per phase (``fused`` does it in one compiled pass).

        >>> from tconv.params import plan_conv_transpose
        >>> layer = prepare(plan_conv_transpose((1, 1, 2), (1, 1, 2), stride=2))     # k2 s2: phases 0 and 1
        >>> target = np.zeros((1, 1, 1, 4))
        >>> layer.write_phases(0, np.array([[[[[1.0, 2.0]], [[10.0, 20.0]]]]]), target)
        >>> target.ravel()
        array([ 1., 10.,  2., 20.])
        """
        gemm = self.gemms[index]
        for pi, geo in enumerate(gemm.geometries):
            src = tuple(slice(ml - low, mh - low + 1) for ml, mh, low in zip(geo.m_lo, geo.m_hi, gemm.lo))
            dst: Index = (slice(None), slice(None), slice(None), *geo.out)
            phase_at: Index = (slice(None), slice(None), pi, slice(None), *src)
            target[dst] = y[phase_at]

    def _run_gemm(self, index: int, gemm: Gemm, x: np.ndarray, xp: np.ndarray, wg: np.ndarray,
                  out: np.ndarray) -> None:
        plan = self.layer
        n = x.shape[0]
        g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
        lo, extent, shifts, qmax, direct = gemm.lo, gemm.extent, gemm.shifts, self.qmax, self.direct
        count = math.prod(extent)
        t = len(shifts)
        nphases = len(gemm.phases)
        # The weights of this GEMM, rows (phase, m_out) and columns (c, tap), are laid out as their transpose
        # (c, tap) × (phase, m_out), which BLAS reads transposed: each input channel's (Mg × taps) block is then
        # transposed on its own, in cache. (Laying out (phase, m_out) × (tap, c) directly gathers every c from
        # across the whole weight: 1 ms of the 1-D benchmark layer's 4.6, a 2 MiB weight.)
        taps = [j for phase_taps in gemm.flat_taps for j in phase_taps]
        chosen = wg[:, :, :, taps].reshape(g, cg, mg, nphases, t)
        wt = np.ascontiguousarray(chosen.transpose(0, 1, 4, 3, 2)).reshape(g, cg * t, nphases * mg)
        del chosen  # freed before the GEMMs: two copies of the weight at most, as counted
        wmat = wt.transpose(0, 2, 1)  # (g, P·Mg, Cg·T), a view
        # Small images make thin per-image GEMMs: fold the batch into the GEMM's long dimension instead.
        fold = count < FOLD_BELOW

        def body(b0: int, b1: int, ws: Workspace) -> None:
            nb = b1 - b0
            if direct:
                cols = x[b0:b1]  # (B, Cin, *L) is (B, g, 1·Cg, count): no copy
            elif fold:  # rows (c, tap), as the weights' columns
                cols = ws.take("phase.cols", (g, cg, t, nb, *extent), x.dtype)
            else:
                cols = ws.take("phase.cols", (nb, g, cg, t, *extent), x.dtype)
            for ti, q in enumerate(() if direct else shifts):
                window = tuple(slice(low - qa + qm, low - qa + qm + e) for low, qa, qm, e in zip(lo, q, qmax, extent))
                part = xp[(slice(b0, b1), slice(None), *window)].reshape(nb, g, cg, *extent)
                if fold:
                    cols[:, :, ti] = np.moveaxis(part, 0, 2)
                else:
                    cols[:, :, :, ti] = part
            if fold:
                y = ws.take("phase.product", (g, nphases * mg, nb * count), x.dtype)
                matmul(wmat, cols.reshape(g, cg * t, nb * count), out=y)  # (g, P·Mg, B·count)
                y = np.moveaxis(y.reshape(g, nphases, mg, nb, *extent), 3, 0)  # (B, g, P, Mg, *extent), a view
            else:
                y = ws.take("phase.product", (nb, g, nphases * mg, count), x.dtype)
                matmul(wmat, cols.reshape(nb, g, cg * t, count), out=y)  # (B, g, P·Mg, count)
                y = y.reshape(nb, g, nphases, mg, *extent)
            # written through a (B, g, Mg, ...) view of the output: merging g and Mg of y could copy
            self.write_phases(index, y, out[b0:b1].reshape(nb, g, mg, *plan.output_size))

        for_chunks(n, self.chunk(gemm, n, x.itemsize), body)


def prepare(layer: ConvTransposePlan) -> PhasePlan:
    """Group the layer's phases into GEMMs: one for every phase when they share their shifts, else one each;
    empty ones are left out.

    >>> from tconv.params import plan_conv_transpose
    >>> len(prepare(plan_conv_transpose((1, 1, 8, 8), (1, 1, 3, 3), stride=2)).gemms)   # 4 phases, own shifts
    4
    >>> len(prepare(plan_conv_transpose((1, 1, 8, 8), (1, 1, 4, 4), stride=2)).gemms)   # shared: one GEMM
    1
    """
    all_phases = phases(layer)
    groups_of_phases = [all_phases] if shared_shifts(layer) else [(p,) for p in all_phases]
    gemms = []
    for batch in groups_of_phases:
        geos = tuple(phase_geometry(layer, p.residues) for p in batch)
        lo = tuple(min(geo.m_lo[a] for geo in geos) for a in range(layer.nd))
        hi = tuple(max(geo.m_hi[a] for geo in geos) for a in range(layer.nd))
        live = [(p, geo) for p, geo in zip(batch, geos) if not geo.empty]
        if not live:  # (an empty union of the m ranges leaves every phase empty too)
            continue
        flat = tuple(tuple(int(np.ravel_multi_index(j, layer.kernel_size)) for j in p.taps) for p, _ in live)
        gemms.append(Gemm(tuple(p for p, _ in live), tuple(geo for _, geo in live), lo,
                          tuple(h - low + 1 for h, low in zip(hi, lo)), flat))
    qmax, after = shift_bounds(layer)
    # The GEMM reads x itself when its one tap has no shift and its m are exactly x's cells (k == s, no padding:
    # U-Net's k2 s2); otherwise x is padded once: qmax before (shifts), enough after for the largest m.
    direct = all(len(gm.shifts) == 1 and not any(gm.shifts[0]) and not any(gm.lo)
                 and gm.extent == layer.input_size and math.prod(gm.extent) >= FOLD_BELOW for gm in gemms)
    return PhasePlan(layer, tuple(gemms), qmax, after, direct, not output_covered(layer))
