"""The algorithm registry: one module per algorithm, one typed interface, one cache of prepared layers.

Each module implements :class:`~tconv.algorithms.base.Algorithm`: ``NAME``, ``SUMMARY`` and
``prepare(layer) -> Prepared``, whose ``run(x, weight, out)`` computes a batched input ``(N, Cin, *L)`` into
``(N, Cout, *O)`` without bias and whose ``workspace_bytes(batch, itemsize)`` says what that allocates. The front
end (:func:`tconv.conv_transpose`) does validation, batching, bias, dtype and the memory check. Adding an
algorithm is adding a module and a line below.

>>> available_algorithms()[:8]             # and 'fused' where numba is installed and compiles (the numba extra)
('scatter', 'zero_insert', 'matrix', 'col2im', 'phase', 'implicit', 'stacked', 'accumulate')
>>> from tconv.params import plan_conv_transpose
>>> prepared("auto", plan_conv_transpose((16, 8, 12, 12), (8, 4, 4, 4), stride=2)) is prepared(
...     "col2im", plan_conv_transpose((2, 8, 12, 12), (8, 4, 4, 4), stride=2, dtype="float32"))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._axes import as_choice
from ..params import ConvTransposePlan
from ..settings import get_options
from . import accumulate, col2im, fused, implicit, matrix, phase, scatter, stacked, zero_insert
from .base import Algorithm, Prepared, layer_of
from .blas import loaded_blas
from .geometry import axis_phases

__all__ = [
    "FUSED_MIN_OUTPUT", "MIN_GROUP_CHANNELS", "MIN_IN_CHANNELS", "NAN_EXACT", "PHASE", "REGISTRY", "TINY_INPUT",
    "TINY_STRIDE_1", "Algorithm", "Choice", "Prepared", "accumulates", "available_algorithms", "cache_clear",
    "cache_info", "choose", "finite_weight", "get", "one_tap_per_phase", "prepared", "select",
]

# Typed as the protocol, so that mypy checks every module against it.
# The compiled engines are listed where numba is installed (found, not imported: ``import tconv`` stays NumPy-only).
_MODULES: tuple[Algorithm, ...] = (scatter, zero_insert, matrix, col2im, phase, implicit, stacked, accumulate,
                                   *((fused,) if fused.compiled_available() else ()))
REGISTRY: dict[str, Algorithm] = {m.NAME: m for m in _MODULES}

#: The sub-pixel engine ``auto`` picks for calls of at least :data:`FUSED_MIN_OUTPUT` output elements: ``fused``
#: (``phase`` with its phases interleaved by a compiled kernel, the same numbers) where numba is installed, else
#: ``phase``; ``phase`` too, at call time, while numba's JIT is disabled (:func:`tconv.algorithms.fused.usable`).
PHASE = "fused" if "fused" in REGISTRY else "phase"

#: Below this many output elements per call, ``fused``'s fixed cost (numba's dispatch and the arrays it is given:
#: about 10–20 µs a call, measured on a 4→4 8² layer: 0.16–0.17 against 0.15–0.16 ms for ``phase``) outweighs
#: what its one pass saves over ``phase``'s strided writes (about half a nanosecond per element: 0.55 against
#: 1.1 ms for the 3-D benchmark layer's million), so ``auto`` keeps ``phase``.
FUSED_MIN_OUTPUT = 1 << 16


def available_algorithms() -> tuple[str, ...]:
    """Names ``auto`` and tuning choose among, each also accepted by ``algorithm=``: every registered engine,
    ``fused`` only while numba compiles (under ``NUMBA_DISABLE_JIT=1`` it would run as interpreted Python;
    ``algorithm="fused"`` is still accepted there).

    >>> "phase" in available_algorithms(), "auto" in available_algorithms()
    (True, False)
    """
    return tuple(name for name in REGISTRY if name != fused.NAME or fused.jit_enabled())


#: Below this many input cells per image, col2im's single GEMM beats the phase GEMMs (measured: 8×8 images).
TINY_INPUT = 256

#: At stride 1, below this many input cells per image, col2im's one GEMM beats the flat engines, whose zeros
#: around each image outweigh it (measured, 64 channels: 2×2 images 0.31 against 1.14 ms, 4×4 0.55 against 0.62;
#: from 8×8 on, ``accumulate`` is faster).
TINY_STRIDE_1 = 32

#: ``accumulate`` is picked for grouped layers with at least this many channels per group on both sides: below it
#: the engine computes all groups with one batched product per shift and an add (its ``NARROW_GROUPS``), which
#: measured slower than ``phase`` or ``stacked`` (benchmarks/engines.py: 16 per group, 8 groups, 1.27× ``phase``;
#: depthwise, 1.6× ``stacked``).
MIN_GROUP_CHANNELS = accumulate.NARROW_GROUPS

#: ... and for ungrouped layers with at least this many input channels (its GEMMs' inner dimension): with 3 it
#: measured 1.15× ``phase`` (3→16, k4 s2 at 64²), with 16 1.5× faster (16→16).
MIN_IN_CHANNELS = 8


def one_tap_per_phase(plan: ConvTransposePlan) -> bool:
    """Whether every phase has a single kernel tap (k ≤ s, as U-Net's k2 s2): nothing to accumulate.

    >>> from tconv.params import plan_conv_transpose
    >>> one_tap_per_phase(plan_conv_transpose((1, 4, 8, 8), (4, 4, 2, 2), stride=2))
    True
    """
    return all(len(axis_phases(ax)) == ax.kernel_size for ax in plan.axes)


def accumulates(plan: ConvTransposePlan) -> bool:
    """Whether ``accumulate`` runs at BLAS speed for this plan: NumPy's BLAS is an OpenBLAS
    (:func:`tconv.algorithms.blas.loaded_blas`), the dtype is one BLAS computes (float16 computes in float32; int64
    does not), and the channels are enough: :data:`MIN_IN_CHANNELS` input channels without groups, at least
    :data:`MIN_GROUP_CHANNELS` per group on both sides with them.

    >>> from tconv.params import plan_conv_transpose
    >>> accumulates(plan_conv_transpose((1, 16, 32, 32), (16, 16, 4, 4), stride=2)) == (loaded_blas() is not None)
    True
    >>> accumulates(plan_conv_transpose((1, 3, 32, 32), (3, 16, 4, 4), stride=2))                 # 3 < 8 channels
    False
    >>> accumulates(plan_conv_transpose((1, 16, 32, 32), (16, 16, 4, 4), stride=2, dtype="int64"))  # no BLAS for it
    False
    """
    if plan.groups == 1:
        wide = plan.in_channels >= MIN_IN_CHANNELS
    else:
        wide = min(plan.in_per_group, plan.out_per_group) >= MIN_GROUP_CHANNELS
    return (
        wide
        and plan.dtype in ("float16", "float32", "float64", "complex64", "complex128")
        and loaded_blas() is not None
    )


def choose(plan: ConvTransposePlan) -> Algorithm:
    """The rule behind ``algorithm="auto"``, measured on the benchmark layers (docs/benchmarks.md).

    1. stride 1 on every axis: ``col2im`` for a tiny input (fewer than ``TINY_STRIDE_1`` cells per image),
       else ``accumulate`` where it runs at BLAS speed (:func:`accumulates`), else ``stacked`` (the last axis's
       taps stacked into the GEMMs' inner dimension);
    2. a small output head (``out_channels · prod(stride) < in_channels``) or a tiny input (fewer than
       ``TINY_INPUT`` cells per image): ``col2im`` (one GEMM over every tap; its long dimension is the taps);
    3. one tap per phase (k ≤ s): ``phase`` (one GEMM straight on the input, nothing to accumulate);
    4. otherwise ``accumulate`` where it runs at BLAS speed, else ``phase`` (the sub-pixel decomposition, one
       GEMM over an im2col of the phases' shifts).

    Where numba is installed and compiles, ``phase`` is ``fused`` (:data:`PHASE`) for calls of at least
    :data:`FUSED_MIN_OUTPUT` output elements: the same GEMMs, its phases written into the output by one compiled
    pass instead of one strided NumPy assignment each.

    Every one of them is exact; ``scatter``, ``zero_insert``, ``matrix`` and ``implicit`` are never faster, so
    never chosen.

    >>> from tconv.params import plan_conv_transpose
    >>> choose(plan_conv_transpose((1, 8, 4, 4), (8, 4, 3, 3))).NAME                      # rule 1: 16 < 32 cells
    'col2im'
    >>> choose(plan_conv_transpose((1, 64, 32, 32), (64, 1, 4, 4), stride=2)).NAME        # rule 2: 1·4 < 64
    'col2im'
    >>> choose(plan_conv_transpose((8, 16, 64, 64), (16, 8, 2, 2), stride=2)).NAME == PHASE     # rule 3: k2 s2
    True
    >>> choose(plan_conv_transpose((1, 3, 16, 16), (3, 16, 4, 4), stride=2)).NAME         # rule 4, 3 channels
    'phase'
    >>> choose(plan_conv_transpose((1, 16, 32, 32), (16, 8, 2, 2), stride=2)).NAME        # 32,768 outputs: small
    'phase'
    """
    if all(s == 1 for s in plan.stride):
        if math.prod(plan.input_size) < TINY_STRIDE_1:
            return REGISTRY["col2im"]
        return REGISTRY["accumulate" if accumulates(plan) else "stacked"]
    if plan.out_channels * math.prod(plan.stride) < plan.in_channels or math.prod(plan.input_size) < TINY_INPUT:
        return REGISTRY["col2im"]
    if one_tap_per_phase(plan) or not accumulates(plan):
        cells = plan.batch * plan.out_channels * math.prod(plan.output_size)
        return REGISTRY[PHASE if cells >= FUSED_MIN_OUTPUT and fused.jit_enabled() else "phase"]
    return REGISTRY["accumulate"]


@lru_cache(maxsize=256)  # plans are frozen, and layer_of() makes batch and dtype uniform
def _prepare(name: str, layer: ConvTransposePlan) -> Prepared:
    return REGISTRY[name].prepare(layer)


def prepared(name: str, plan: ConvTransposePlan) -> Prepared:
    """The algorithm ``name`` (or ``"auto"``) prepared for the plan's layer, from the one cache of prepared
    layers: keyed on the algorithm and what preparation depends on (the per-axis sizes, channels and groups),
    not on the batch or the dtype.

    The prepared engine computes into an output the caller allocates, without bias:

    >>> from tconv.params import plan_conv_transpose
    >>> engine = prepared("scatter", plan_conv_transpose((1, 1, 3), (1, 1, 2), stride=2))
    >>> out = np.zeros((1, 1, 6))
    >>> engine.run(np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, 10.0]]]), out)
    >>> out
    array([[[ 1., 10.,  2., 20.,  3., 30.]]])
    """
    return _prepare(get(name, plan).NAME, layer_of(plan))


#: Hits, misses and size of the cache of prepared layers (``functools.lru_cache``'s ``cache_info``).
cache_info = _prepare.cache_info
#: Empty the cache of prepared layers.
cache_clear = _prepare.cache_clear


#: The engines whose results have NaN and Inf exactly where PyTorch's have them, whatever the input and the weight
#: hold: they multiply only real input cells by the weight, as PyTorch's GEMM + col2im does. The others multiply
#: the weight by padding or inserted zeros too, so a non-finite weight (NaN·0 = NaN, Inf·0 = NaN) reaches cells
#: PyTorch leaves finite; with a finite weight every engine is exact (docs/algorithms.md).
NAN_EXACT = ("scatter", "matrix", "col2im")


@dataclass(frozen=True)
class Choice:
    """The engines for a plan: one for a weight that is all finite, one for a weight holding NaN or Inf.

    They differ only where ``"auto"`` picked an engine that is not NaN-exact: a non-finite weight then goes to
    ``col2im``, so that NaN and Inf land exactly where PyTorch puts them. A named algorithm is always itself.

    >>> from tconv.params import plan_conv_transpose
    >>> choice = select("auto", plan_conv_transpose((1, 4, 32, 32), (4, 4, 2, 2), stride=2))
    >>> choice.finite.NAME, choice.nonfinite.NAME
    ('phase', 'col2im')
    """

    finite: Algorithm
    nonfinite: Algorithm


def finite_weight(weight: np.ndarray) -> bool:
    """Whether a weight is all finite, by one sum: a NaN or Inf in it, or an overflow of the sum, says no (an
    overflow costs only the faster engine).

    >>> finite_weight(np.ones(3)), finite_weight(np.array([1.0, np.inf])), finite_weight(np.ones(3, np.int64))
    (True, False, True)
    """
    if weight.dtype.kind not in "fc":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(weight.sum()))


def select(name: str, plan: ConvTransposePlan) -> Choice:
    """The one place an engine is chosen: a named algorithm, or for ``"auto"`` the measured rule (:func:`choose`),
    tuning where it is on (:mod:`tconv.algorithms.tune`), and the NaN-exact engine for a non-finite weight.

    >>> from tconv.params import plan_conv_transpose
    >>> select("auto", plan_conv_transpose((1, 8, 4, 4), (8, 4, 3, 3), stride=2)).finite.NAME
    'col2im'
    >>> select("scatter", plan_conv_transpose((1, 8, 4, 4), (8, 4, 3, 3))).nonfinite.NAME
    'scatter'
    """
    if name == fused.NAME and name not in REGISTRY:  # known, but its extra is missing: say how to install it
        fused.prepare(plan)
    name = as_choice("algorithm", name, ("auto", *REGISTRY))
    if name != "auto":
        return Choice(REGISTRY[name], REGISTRY[name])
    if get_options().tune:  # measured planning, opt-in
        from .tune import tuned

        pick = tuned(plan, choose(plan))
    else:
        pick = choose(plan)
    return Choice(pick, pick if pick.NAME in NAN_EXACT else REGISTRY["col2im"])


def get(name: str, plan: ConvTransposePlan) -> Algorithm:
    """The algorithm called ``name`` for a finite weight (``"auto"`` resolved by :func:`select`), or a TconvError
    listing the choices.

    >>> from tconv.params import plan_conv_transpose
    >>> get("auto", plan_conv_transpose((1, 4, 32, 32), (4, 4, 2, 2), stride=2)).NAME
    'phase'
    """
    return select(name, plan).finite
