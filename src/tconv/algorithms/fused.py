"""``fused``: ``phase`` with its phases interleaved into the output by one compiled pass (the ``numba`` extra).

``phase`` computes each GEMM's phases into a cache-sized product and writes every phase into the output with a
strided NumPy assignment: ``s^d`` sweeps over the chunk's output, each touching every cache line for a fraction of
its cells (the 3-D benchmark layer spent 0.9 of its 1.3 ms outside its GEMMs, the U-Net 10.5 of 25 ms:
docs/benchmarks.md). Here one compiled kernel (:func:`tconv.algorithms._compiled.interleave`) walks the output row
by row and fills each row from its phases while it is in the cache. The GEMMs, the im2col and every number are
``phase``'s: the kernel only moves BLAS's results, so ``fused`` equals ``phase`` bit for bit.

Listed by :func:`tconv.available_algorithms`, and picked by ``auto``, where numba is installed (the ``numba``
extra) and compiles (not under ``NUMBA_DISABLE_JIT=1``: there the kernel runs as interpreted Python, tens of times
slower than ``phase``; ``algorithm="fused"`` named explicitly still runs it so, for debugging). numba is imported
on the first call of this engine, not by ``import tconv``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._extras import install_hint
from ..errors import TconvError
from ..params import ConvTransposePlan
from . import phase
from .phase import Gemm, PhasePlan

NAME = "fused"
SUMMARY = "phase's GEMMs, the phases interleaved into the output by one compiled pass (numba extra)"

#: Spatial axes the kernel walks: 1-D and 2-D layers are viewed with leading axes of size 1.
AXES = 3


def _axis_tables(gemm: Gemm, axis: int, size: int) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """Per residue of one axis (in order): (first output cell, first low-resolution cell, count, step)."""
    found: dict[int, tuple[int, int, int, int]] = {}
    for p, geo in zip(gemm.phases, gemm.geometries):
        r = p.residues[axis]
        sl = geo.out[axis]
        start, stop, step = sl.indices(size)
        found[r] = (start, geo.m_lo[axis] - gemm.lo[axis], len(range(start, stop, step)), step)
    residues = sorted(found)
    return residues, [found[r] for r in residues]


def tables(layer: ConvTransposePlan, gemm: Gemm) -> tuple[tuple[np.ndarray, ...], int]:
    """The kernel's tables for one GEMM (see :func:`tconv.algorithms._compiled.interleave`) and the last axis's
    step, the axes padded in front to three.

    >>> from tconv.params import plan_conv_transpose
    >>> (pidx, res0, m0, res1, m1, first, start, count), step = tables(
    ...     plan_conv_transpose((1, 1, 3), (1, 1, 2), stride=2), phase.prepare(
    ...         plan_conv_transpose((1, 1, 3), (1, 1, 2), stride=2)).gemms[0])
    >>> pidx.tolist(), first.tolist(), count.tolist(), step      # k2 s2 over 3 cells: 0, 2, 4 and 1, 3, 5
    ([[[0, 1]]], [0, 1], [3, 3], 2)
    """
    pad = AXES - layer.nd
    sizes = (1,) * pad + layer.output_size
    per_axis = [([0], [(0, 0, 1, 1)])] * pad + [
        _axis_tables(gemm, a, layer.output_size[a]) for a in range(layer.nd)]
    pidx = np.full(tuple(len(res) for res, _ in per_axis), -1, dtype=np.int64)
    for pi, p in enumerate(gemm.phases):
        full = (0,) * pad + p.residues
        pidx[tuple(res.index(r) for (res, _), r in zip(per_axis, full))] = pi
    rows: list[np.ndarray] = []
    for a in range(2):
        res = np.full(sizes[a], -1, dtype=np.int64)
        cell = np.zeros(sizes[a], dtype=np.int64)
        for ri, (first, m, count, step) in enumerate(per_axis[a][1]):
            res[first:first + count * step:step] = ri
            cell[first:first + count * step:step] = np.arange(m, m + count)
        rows += [res, cell]
    last = per_axis[2][1]
    step = last[0][3]
    assert all(s == step or c <= 1 for _, _, c, s in last)
    columns = [np.array([t[i] for t in last], dtype=np.int64) for i in range(3)]
    return (pidx, *rows, *columns), step


@dataclass(frozen=True)
class FusedPlan(PhasePlan):
    """``phase``'s plan, with the kernel's tables for each of its GEMMs, built on the first call (they hold a
    few integers per output row and column: a layer the memory guard refuses never builds them).

    >>> from tconv.params import plan_conv_transpose
    >>> len(prepare(plan_conv_transpose((1, 1, 8, 8), (1, 1, 3, 3), stride=2)).tables)   # one per phase GEMM
    4
    """

    @cached_property
    def tables(self) -> tuple[tuple[tuple[np.ndarray, ...], int], ...]:
        """The kernel's tables of each GEMM (:func:`tables`) and its last axis's step.

        >>> from tconv.params import plan_conv_transpose
        >>> [step for _, step in prepare(plan_conv_transpose((1, 1, 4, 4), (1, 1, 4, 4), stride=2)).tables]
        [2]
        """
        return tuple(tables(self.layer, gemm) for gemm in self.gemms)

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """``phase``'s workspace and the tables: two integers per output cell of the first two axes, a few more
        per phase.

        >>> from tconv.params import plan_conv_transpose
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> prepare(plan).workspace_bytes(1, 8) - phase.prepare(plan).workspace_bytes(1, 8)   # two GEMMs' tables
        224
        """
        sizes = ((1,) * AXES + self.layer.output_size)[-AXES:]
        per_gemm = 8 * (2 * (sizes[0] + sizes[1]) + 4 * len(self.gemms[0].phases) + 2 * AXES) if self.gemms else 0
        return super().workspace_bytes(batch, itemsize) + len(self.gemms) * per_gemm

    def write_phases(self, index: int, y: np.ndarray, target: np.ndarray) -> None:
        """Write GEMM ``index``'s product ``y`` ``(B, g, P, Mg, *extent)`` into ``target`` ``(B, g, Mg, *O)`` in
        one compiled pass (views with three spatial axes: nothing is copied).

        >>> from tconv.params import plan_conv_transpose
        >>> layer = prepare(plan_conv_transpose((1, 1, 2), (1, 1, 2), stride=2))     # k2 s2: phases 0 and 1
        >>> target = np.zeros((1, 1, 1, 4))
        >>> layer.write_phases(0, np.array([[[[[1.0, 2.0]], [[10.0, 20.0]]]]]), target)
        >>> target.ravel()
        array([ 1., 10.,  2., 20.])
        """
        from ._compiled import interleave

        pad = AXES - self.layer.nd
        front: tuple[None, ...] = (None,) * pad
        y7 = y[(slice(None),) * 4 + front]
        out6 = target[(slice(None),) * 3 + front]
        found, step = self.tables[index]
        interleave(y7, out6, found, step)


def compiled_available() -> bool:
    """Whether numba can be imported (the ``numba`` extra); the registry lists this engine only then.

    >>> isinstance(compiled_available(), bool)
    True
    """
    import importlib.util

    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # a broken or blocked entry in sys.modules
        return False


def jit_enabled() -> bool:
    """Whether numba compiles rather than interprets (``NUMBA_DISABLE_JIT`` unset or 0), asked without importing
    numba: ``numba.config.DISABLE_JIT`` where numba is imported already (a program may set it), else the
    environment variable numba reads when imported (as numba does: an integer; anything else is ignored).

    >>> import os
    >>> jit_enabled() == (os.environ.get("NUMBA_DISABLE_JIT", "0").strip() in ("", "0"))
    True
    """
    numba = sys.modules.get("numba")
    if numba is not None:  # None too where the import was blocked
        return not getattr(getattr(numba, "config", None), "DISABLE_JIT", False)
    try:
        return not int(os.environ.get("NUMBA_DISABLE_JIT", "0"))
    except ValueError:  # numba warns and keeps its default, the JIT on
        return True


def usable() -> bool:
    """Whether this engine is a candidate for ``auto``, tuning and :func:`tconv.available_algorithms`: numba is
    installed and compiles (:func:`compiled_available`, :func:`jit_enabled`).

    >>> usable() == (compiled_available() and jit_enabled())
    True
    """
    return compiled_available() and jit_enabled()


def prepare(layer: ConvTransposePlan) -> FusedPlan:
    """``phase``'s plan for the layer and the kernel's tables, or a TconvError where numba is missing.

    >>> from tconv.params import plan_conv_transpose
    >>> prepare(plan_conv_transpose((1, 2, 32, 32), (2, 3, 2, 2), stride=2)).direct   # k2 s2: x read directly
    True
    """
    if not compiled_available():
        raise TconvError(f"algorithm {NAME!r} needs numba: {install_hint('numba')}")
    base = phase.prepare(layer)
    return FusedPlan(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
