"""The algorithm registry: one module per algorithm, all with the same signature, all exact.

Each module exposes ``NAME``, ``SUMMARY``, ``compute(x, weight, plan)`` and ``workspace_bytes(plan, itemsize)``.
``compute`` takes a batched input ``(N, Cin, *L)`` and the weight, both already in the compute dtype, and
returns ``(N, Cout, *O)`` without bias; the front end (:func:`tconv.conv_transpose`) does validation, batching,
bias, dtype and the memory check. Adding an algorithm is adding a module and a line below.

>>> available_algorithms()
('scatter', 'zero_insert', 'matrix', 'col2im', 'phase', 'implicit', 'stacked')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from . import col2im, implicit, matrix, phase, scatter, stacked, zero_insert

__all__ = ["REGISTRY", "Algorithm", "available_algorithms", "choose", "get"]


@dataclass(frozen=True)
class Algorithm:
    name: str
    summary: str
    compute: Callable[[np.ndarray, np.ndarray, ConvTransposePlan], np.ndarray]
    workspace_bytes: Callable[[ConvTransposePlan, int], int]


def _from_module(module: ModuleType) -> Algorithm:
    return Algorithm(module.NAME, module.SUMMARY, module.compute, module.workspace_bytes)


REGISTRY: dict[str, Algorithm] = {
    m.NAME: _from_module(m) for m in (scatter, zero_insert, matrix, col2im, phase, implicit, stacked)
}


def available_algorithms() -> tuple[str, ...]:
    """Names accepted by ``algorithm=`` besides ``"auto"``."""
    return tuple(REGISTRY)


#: Below this many input cells per image, col2im's single GEMM beats the phase GEMMs (measured: 8×8 images).
TINY_INPUT = 256


def choose(plan: ConvTransposePlan) -> Algorithm:
    """The rule behind ``algorithm="auto"``, measured on the benchmark layers (docs/benchmarks.md).

    1. stride 1 on every axis: ``stacked`` (the last axis's taps stacked into the GEMMs' inner dimension;
       faster than ``implicit``, one tall GEMM on the flat padded input, on both stride-1 benchmark layers);
    2. a small output head (``out_channels · prod(stride) < in_channels``) or a tiny input (fewer than
       ``TINY_INPUT`` cells per image): ``col2im`` (one GEMM over every tap; its long dimension is the taps);
    3. otherwise ``phase`` (the sub-pixel decomposition, one GEMM when every kernel size is a multiple of its
       stride and dilation is 1).

    Every one of them is exact; ``scatter``, ``zero_insert`` and ``matrix`` are never faster, so never chosen.
    """
    if all(s == 1 for s in plan.stride):
        return REGISTRY["stacked"]
    if plan.out_channels * math.prod(plan.stride) < plan.in_channels or math.prod(plan.input_size) < TINY_INPUT:
        return REGISTRY["col2im"]
    return REGISTRY["phase"]


def get(name: str, plan: ConvTransposePlan) -> Algorithm:
    """The algorithm called ``name`` (``"auto"`` applies :func:`choose`), or a TconvError listing the choices."""
    if name == "auto":
        return choose(plan)
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise TconvError(
            f"algorithm {name!r} is not known: choose 'auto' or one of {', '.join(map(repr, REGISTRY))}"
        ) from None
