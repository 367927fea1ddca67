"""``phase``: the sub-pixel (polyphase) decomposition; no multiplication by an inserted zero.

Number the uncropped output ``f = o + padding``. Output cell ``f`` only receives the taps ``j`` with
``j·d ≡ f (mod s)``, so the output splits into ``s^d`` phases (residues ``r``), each an ordinary stride-1
correlation on the low-resolution grid: with ``q_j = (j·d − r) / s``,

    y_r[m] = Σ_{j in phase r} x[m − q_j] · w[j],        f = s·m + r.

Each phase is one GEMM over an im2col of shifted views of the input. When every kernel size is a multiple of
its stride and dilation is 1, all phases share the same shifts, so one GEMM computes them all (Shi et al.'s
sub-pixel form). Phases without taps get zeros (the bias only, added by the front end). Each phase is written
straight into the output with a strided assignment: no zero-inserted input, no shuffled temporary.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..params import ConvTransposePlan
from ._chunks import chunk_size, for_chunks, threads_for

NAME = "phase"
SUMMARY = "sub-pixel decomposition: s^d stride-1 GEMMs (one when k % s == 0), strided writes, no inserted zeros"

#: Below this many low-resolution cells per image, the batch is folded into one GEMM (measured: 8×8 images).
FOLD_BELOW = 1024


def _axis_phases(ax) -> list[tuple[int, list[int], list[int]]]:
    """Per residue r that some tap reaches: (r, taps j, shifts q_j) on one axis.

    Built from the taps (at most k residues), never by walking all s residues: a huge stride must stay cheap.
    """
    by_residue: dict[int, list[int]] = {}
    for j in range(ax.kernel_size):
        by_residue.setdefault((j * ax.dilation) % ax.stride, []).append(j)
    return [(r, taps, [(j * ax.dilation - r) // ax.stride for j in taps]) for r, taps in sorted(by_residue.items())]


@lru_cache(maxsize=128)  # plans are frozen: the bookkeeping is done once per configuration
def _phases(plan: ConvTransposePlan) -> tuple[tuple[tuple[int, ...], list[tuple[int, ...]], list[tuple[int, ...]]], ...]:
    """Every non-empty phase: (residues per axis, taps (multi-index), shifts (multi-index)).

    Phases no tap reaches get zeros (the bias only), so they are simply not listed.
    """
    per_axis = [_axis_phases(ax) for ax in plan.axes]
    result = []
    for combo in np.ndindex(*(len(p) for p in per_axis)):
        parts = [per_axis[a][c] for a, c in enumerate(combo)]
        taps = list(np.ndindex(*(len(t) for _, t, _ in parts)))
        result.append((
            tuple(r for r, _, _ in parts),
            [tuple(parts[a][1][i] for a, i in enumerate(t)) for t in taps],
            [tuple(parts[a][2][i] for a, i in enumerate(t)) for t in taps],
        ))
    return tuple(result)  # cached: immutable


def _geometry(plan: ConvTransposePlan, residues: tuple[int, ...], shifts: list[tuple[int, ...]]):
    """For one phase: the LR range of m written to the output, the output slice, and the shift range."""
    m_lo, m_hi, out_sl = [], [], []
    for a, ax in enumerate(plan.axes):
        r = residues[a]
        # o = s·m + r − p must lie in [0, O): m from ceil((p − r)/s) to floor((O − 1 + p − r)/s)
        lo = max(0, -(-(ax.padding - r) // ax.stride))
        hi = (ax.output_size - 1 + ax.padding - r) // ax.stride
        m_lo.append(lo)
        m_hi.append(hi)
        start = ax.stride * lo + r - ax.padding
        out_sl.append(slice(start, start + ax.stride * (hi - lo) + 1, ax.stride) if hi >= lo else slice(0, 0))
    return m_lo, m_hi, tuple(out_sl)


def _shift_bounds(plan: ConvTransposePlan) -> tuple[list[int], list[int]]:
    """Padding of x that makes every shifted window x[m − q] a slice: max q before, what m may exceed after."""
    qmax = [((ax.kernel_size - 1) * ax.dilation) // ax.stride + 1 for ax in plan.axes]
    after = [max(0, (ax.output_size - 1 + ax.padding) // ax.stride - (ax.input_size - 1)) for ax in plan.axes]
    return qmax, after


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    n, cin = plan.batch, plan.in_channels
    qmax, after = _shift_bounds(plan)
    padded = n * cin * math.prod(ax.input_size + q + a for ax, q, a in zip(plan.axes, qmax, after))
    work = 0
    for batch, _, _, extent in _gemm_groups(plan):
        chunk = _chunk(plan, batch, extent, itemsize)
        work = max(work, threads_for(n, chunk) * chunk * _per_image(plan, batch, extent))  # one chunk per thread
    return (padded + work) * itemsize


@lru_cache(maxsize=128)
def _gemm_groups(plan: ConvTransposePlan):
    """Each GEMM: (its phases, their geometries, the low corner and extent of the m it computes); empty ones
    are left out. One GEMM for every phase when they share their shifts (k % s == 0, d == 1), else one each."""
    phases = _phases(plan)
    groups_of_phases = [phases] if _one_gemm_phases(plan) > 1 else [[p] for p in phases]
    result = []
    for batch in groups_of_phases:
        geos = [_geometry(plan, res, sh) for res, _, sh in batch]
        lo = [min(geo[0][a] for geo in geos) for a in range(plan.nd)]
        hi = [max(geo[1][a] for geo in geos) for a in range(plan.nd)]
        if any(h < l for h, l in zip(hi, lo)):
            continue
        result.append((batch, geos, lo, [h - l + 1 for h, l in zip(hi, lo)]))
    return tuple(result)  # cached: immutable


def _per_image(plan: ConvTransposePlan, batch, extent: list[int]) -> int:
    """Elements per image of one GEMM's im2col (taps × Cin) and product (phases × Cout)."""
    return (plan.in_channels * len(batch[0][2]) + len(batch) * plan.out_channels) * math.prod(extent)


def _chunk(plan: ConvTransposePlan, batch, extent: list[int], itemsize: int) -> int:
    """Images per chunk for one GEMM (the same number in the memory estimate and in the computation)."""
    return chunk_size(plan.batch, _per_image(plan, batch, extent) * itemsize)


def _one_gemm_phases(plan: ConvTransposePlan) -> int:
    """The number of phases one GEMM computes: all of them when k % s == 0 and d == 1, else 1."""
    if all(ax.dilation == 1 and ax.kernel_size % ax.stride == 0 for ax in plan.axes):
        return math.prod(min(ax.stride, ax.kernel_size) for ax in plan.axes)
    return 1


def _output(plan: ConvTransposePlan, dtype: np.dtype) -> np.ndarray:
    """The output buffer: left uninitialised when the phases write every cell (every residue of every axis has
    a tap: no memset, and no first-touch page faults of a fresh zeroed buffer), zeros otherwise."""
    covered = all(len(_axis_phases(ax)) == ax.stride for ax in plan.axes)
    return (np.empty if covered else np.zeros)((plan.batch, plan.out_channels, *plan.output_size), dtype=dtype)


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    out = _output(plan, x.dtype)
    qmax, after = _shift_bounds(plan)
    groups = _gemm_groups(plan)
    # The GEMM reads x itself when its one tap has no shift and its m are exactly x's cells (k == s, no padding:
    # U-Net's k2 s2); otherwise x is padded once: qmax before (shifts), enough after for the largest m.
    direct = all(len(b[0][2]) == 1 and not any(b[0][2][0]) and not any(lo) and list(e) == list(plan.input_size)
                 and math.prod(e) >= FOLD_BELOW for b, _, lo, e in groups)
    xp = None
    if not direct:  # x[m − q] = xp[m − q + qmax]
        xp = np.zeros((n, plan.in_channels, *(ax.input_size + q + a for ax, q, a in zip(plan.axes, qmax, after))), dtype=x.dtype)
        xp[(slice(None), slice(None), *(slice(q, q + ax.input_size) for ax, q in zip(plan.axes, qmax)))] = x
    wg = weight.reshape(g, cg, mg, -1)  # (g, Cg, Mg, prod(k))
    for batch, geos, lo, extent in groups:
        shifts = batch[0][2]
        count = math.prod(extent)
        t = len(shifts)
        # weights of this GEMM: rows (phase, m_out), cols (tap, c): (g, P·Mg, T·Cg)
        taps_idx = [[int(np.ravel_multi_index(j, plan.kernel_size)) for j in taps] for _, taps, _ in batch]
        wmat = np.stack([wg[:, :, :, ti] for ti in taps_idx], axis=1)  # (g, P, Cg, Mg, T)
        wmat = wmat.transpose(0, 1, 3, 4, 2).reshape(g, len(batch) * mg, t * cg)
        chunk = _chunk(plan, batch, extent, x.itemsize)
        # Small images make thin per-image GEMMs: fold the batch into the GEMM's long dimension instead.
        fold = count < FOLD_BELOW

        def body(b0: int, b1: int, scratch: dict, batch=batch, geos=geos, lo=lo, extent=extent, shifts=shifts,
                 count=count, t=t, wmat=wmat, fold=fold) -> None:
            nb = b1 - b0
            if direct:
                cols = x[b0:b1]  # (B, Cin, *L) is (B, g, 1·Cg, count): no copy
            elif fold:
                cols = np.empty((g, t, cg, nb, *extent), dtype=x.dtype)
            else:
                cols = np.empty((nb, g, t, cg, *extent), dtype=x.dtype)
            for ti, q in enumerate(() if direct else shifts):
                window = tuple(slice(l - qa + qm, l - qa + qm + e) for l, qa, qm, e in zip(lo, q, qmax, extent))
                part = xp[(slice(b0, b1), slice(None), *window)].reshape(nb, g, cg, *extent)
                if fold:
                    cols[:, ti] = np.moveaxis(part, 0, 2)
                else:
                    cols[:, :, ti] = part
            if fold:
                y = np.matmul(wmat, cols.reshape(g, t * cg, nb * count))  # (g, P·Mg, B·count)
                y = np.moveaxis(y.reshape(g, len(batch), mg, nb, *extent), 3, 0)  # (B, g, P, Mg, *extent), a view
            else:
                y = np.matmul(wmat, cols.reshape(nb, g, t * cg, count))  # (B, g, P·Mg, count)
                y = y.reshape(nb, g, len(batch), mg, *extent)
            # written through a (B, g, Mg, ...) view of the output: merging g and Mg of y could copy
            target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)
            for pi, geo in enumerate(geos):
                m_lo, m_hi, out_sl = geo
                if any(h < l for h, l in zip(m_hi, m_lo)):
                    continue
                src = tuple(slice(ml - l, mh - l + 1) for ml, mh, l in zip(m_lo, m_hi, lo))
                target[(slice(None), slice(None), slice(None), *out_sl)] = y[(slice(None), slice(None), pi, slice(None), *src)]

        for_chunks(n, chunk, body)
    return out
