"""Geometry the engines share: the output's phases (sub-pixel residues), where each phase lands, and where the
input lands in the zero-inserted, padded grid. Plain functions of a plan; the engines call them once per layer,
when they prepare (:mod:`tconv.algorithms.base`).

Number the uncropped output ``f = o + padding``. Output cell ``f`` only receives the taps ``j`` with
``j·d ≡ f (mod s)``, so the output splits into phases (residues ``r``), each an ordinary stride-1 correlation on
the low-resolution grid: with ``q_j = (j·d − r) / s``,

    y_r[m] = Σ_{j in phase r} x[m − q_j] · w[j],        f = s·m + r.

>>> from tconv.params import plan_conv_transpose
>>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
>>> [(p.residues, p.taps, p.shifts) for p in phases(plan)]     # taps 0 and 2 on even cells, tap 1 on odd ones
[((0,), ((0,), (2,)), ((0,), (1,))), ((1,), ((1,),), ((0,),))]
>>> output_covered(plan)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..params import ConvTransposePlan
from ..shapes import TransposedAxis

__all__ = [
    "Phase",
    "PhaseGeometry",
    "axis_phases",
    "flipped_weight",
    "output_covered",
    "phase_geometry",
    "phases",
    "placement",
    "shared_shifts",
    "shift_bounds",
]


@dataclass(frozen=True)
class Phase:
    """One non-empty phase: its residue per axis, its taps (multi-indices) and their shifts ``q``.

    >>> from tconv.params import plan_conv_transpose
    >>> phases(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2))[0]    # even cells: taps 0 and 2, shifts 0 and 1
    Phase(residues=(0,), taps=((0,), (2,)), shifts=((0,), (1,)))
    """

    residues: tuple[int, ...]
    taps: tuple[tuple[int, ...], ...]
    shifts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class PhaseGeometry:
    """Where one phase lands: the low-resolution ``m`` range it writes (``m_lo``..``m_hi``, inclusive, per axis;
    empty where ``m_hi < m_lo``) and the output slice those cells are (stride steps).

    >>> from tconv.params import plan_conv_transpose
    >>> phase_geometry(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), (1,))   # odd cells 1, 3, 5
    PhaseGeometry(m_lo=(0,), m_hi=(2,), out=(slice(1, 6, 2),))
    """

    m_lo: tuple[int, ...]
    m_hi: tuple[int, ...]
    out: tuple[slice, ...]

    @property
    def empty(self) -> bool:
        """Whether the phase writes no output cell (padding cropped all of it).

        >>> PhaseGeometry(m_lo=(2,), m_hi=(1,), out=(slice(0, 0),)).empty
        True
        """
        return any(h < lo for h, lo in zip(self.m_hi, self.m_lo))


def axis_phases(ax: TransposedAxis) -> list[tuple[int, list[int], list[int]]]:
    """Per residue r that some tap reaches: (r, taps j, shifts q_j) on one axis.

    Built from the taps (at most k residues), never by walking all s residues: a huge stride must stay cheap.

    >>> from tconv.params import plan_conv_transpose
    >>> axis_phases(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2).axes[0])
    [(0, [0, 2], [0, 1]), (1, [1], [0])]
    """
    by_residue: dict[int, list[int]] = {}
    for j in range(ax.kernel_size):
        by_residue.setdefault((j * ax.dilation) % ax.stride, []).append(j)
    return [(r, taps, [(j * ax.dilation - r) // ax.stride for j in taps]) for r, taps in sorted(by_residue.items())]


def phases(plan: ConvTransposePlan) -> tuple[Phase, ...]:
    """Every non-empty phase. Phases no tap reaches get zeros (the bias only), so they are simply not listed.

    >>> from tconv.params import plan_conv_transpose
    >>> [p.residues for p in phases(plan_conv_transpose((1, 1, 4, 4), (1, 1, 1, 2), stride=2))]   # k=1: no odd rows
    [(0, 0), (0, 1)]
    """
    per_axis = [axis_phases(ax) for ax in plan.axes]
    result = []
    for combo in np.ndindex(*(len(p) for p in per_axis)):
        parts = [per_axis[a][c] for a, c in enumerate(combo)]
        taps = list(np.ndindex(*(len(t) for _, t, _ in parts)))
        result.append(Phase(
            tuple(r for r, _, _ in parts),
            tuple(tuple(parts[a][1][i] for a, i in enumerate(t)) for t in taps),
            tuple(tuple(parts[a][2][i] for a, i in enumerate(t)) for t in taps),
        ))
    return tuple(result)


def phase_geometry(plan: ConvTransposePlan, residues: tuple[int, ...]) -> PhaseGeometry:
    """For one phase: the low-resolution range of m written to the output, and the output slice.

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2, padding=1)   # output 5: cells 0..4
    >>> phase_geometry(plan, (0,)).out, phase_geometry(plan, (1,)).out         # f = o + 1: even f on odd o
    ((slice(1, 4, 2),), (slice(0, 5, 2),))
    """
    m_lo, m_hi, out_sl = [], [], []
    for r, ax in zip(residues, plan.axes):
        # o = s·m + r − p must lie in [0, O): m from ceil((p − r)/s) to floor((O − 1 + p − r)/s)
        lo = max(0, -(-(ax.padding - r) // ax.stride))
        hi = (ax.output_size - 1 + ax.padding - r) // ax.stride
        m_lo.append(lo)
        m_hi.append(hi)
        start = ax.stride * lo + r - ax.padding
        out_sl.append(slice(start, start + ax.stride * (hi - lo) + 1, ax.stride) if hi >= lo else slice(0, 0))
    return PhaseGeometry(tuple(m_lo), tuple(m_hi), tuple(out_sl))


def shared_shifts(plan: ConvTransposePlan) -> bool:
    """Whether the phases, more than one, all read the same shifts of the input (every kernel size a multiple of its
    stride, dilation 1): then one GEMM with a row block per phase computes them all (Shi et al.'s sub-pixel form).

    >>> from tconv.params import plan_conv_transpose
    >>> shared_shifts(plan_conv_transpose((1, 1, 8, 8), (1, 1, 4, 4), stride=2)), shared_shifts(
    ...     plan_conv_transpose((1, 1, 8, 8), (1, 1, 3, 3), stride=2))
    (True, False)
    """
    return math.prod(min(ax.stride, ax.kernel_size) for ax in plan.axes) > 1 and all(
        ax.dilation == 1 and ax.kernel_size % ax.stride == 0 for ax in plan.axes)


def shift_bounds(plan: ConvTransposePlan) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Padding of x that makes every shifted window x[m − q] a slice: max q before, what m may exceed after.

    >>> from tconv.params import plan_conv_transpose
    >>> shift_bounds(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2))   # q reaches 1; m runs to 3 past x's 2
    ((2,), (1,))
    """
    qmax = tuple(((ax.kernel_size - 1) * ax.dilation) // ax.stride + 1 for ax in plan.axes)
    after = tuple(max(0, (ax.output_size - 1 + ax.padding) // ax.stride - (ax.input_size - 1)) for ax in plan.axes)
    return qmax, after


def output_covered(plan: ConvTransposePlan) -> bool:
    """Whether the phases write every output cell (every residue of every axis has a tap), so that an engine
    writing phase by phase may start from an uninitialised output: no memset, and no first-touch page faults of
    a fresh zeroed buffer.

    >>> from tconv.params import plan_conv_transpose
    >>> output_covered(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)), output_covered(
    ...     plan_conv_transpose((1, 1, 3), (1, 1, 1), stride=2))              # k=1, s=2: odd cells stay zero
    (True, False)
    """
    return all(len(axis_phases(ax)) == ax.stride for ax in plan.axes)


def placement(plan: ConvTransposePlan) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Which part of the zero-inserted input lands where in the padded one (negative padding crops).

    >>> from tconv.params import plan_conv_transpose
    >>> placement(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2))             # 5 cells, after 2 of padding
    ((slice(0, 5, None),), (slice(2, 7, None),))
    >>> placement(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2, padding=3))  # padding −1: one cell cropped
    ((slice(1, 4, None),), (slice(0, 3, None),))
    """
    eqs = [ax.equivalent() for ax in plan.axes]
    src = tuple(slice(max(0, -e.pad_begin), e.stretched_size - max(0, -e.pad_end)) for e in eqs)
    # max(0, ...): a crop larger than the stretched input (huge stride with output_padding) leaves nothing
    dst = tuple(slice(max(0, e.pad_begin), max(0, e.pad_begin) + max(0, s.stop - s.start)) for e, s in zip(eqs, src))
    return src, dst


def flipped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """(Cin, Cout/g, *k) transposed-conv weight -> (Cout, Cin/g, *k) direct-conv weight, flipped 180°.

    >>> flipped_weight(np.arange(4).reshape(1, 1, 4), 1).tolist()
    [[[3, 2, 1, 0]]]
    """
    cin, mg, *kernel = weight.shape
    cg = cin // groups
    spatial = tuple(range(2, weight.ndim))
    flipped = np.flip(weight, axis=spatial)
    return np.ascontiguousarray(
        flipped.reshape(groups, cg, mg, *kernel).swapaxes(1, 2).reshape(groups * mg, cg, *kernel)
    )

