"""The algorithm registry: one module per algorithm, all with the same signature, all exact.

Each module exposes ``NAME``, ``SUMMARY``, ``compute(x, weight, plan)`` and ``workspace_bytes(plan, itemsize)``.
``compute`` takes a batched input ``(N, Cin, *L)`` and the weight, both already in the compute dtype, and
returns ``(N, Cout, *O)`` without bias; the front end (:func:`tconv.conv_transpose`) does validation, batching,
bias, dtype and the memory check. Adding an algorithm is adding a module and a line below.

>>> available_algorithms()
('scatter', 'zero_insert', 'matrix')
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from . import matrix, scatter, zero_insert

__all__ = ["Algorithm", "REGISTRY", "available_algorithms", "choose", "get"]


@dataclass(frozen=True)
class Algorithm:
    name: str
    summary: str
    compute: Callable[[np.ndarray, np.ndarray, ConvTransposePlan], np.ndarray]
    workspace_bytes: Callable[[ConvTransposePlan, int], int]


def _from_module(module: ModuleType) -> Algorithm:
    return Algorithm(module.NAME, module.SUMMARY, module.compute, module.workspace_bytes)


REGISTRY: dict[str, Algorithm] = {m.NAME: _from_module(m) for m in (scatter, zero_insert, matrix)}


def available_algorithms() -> tuple[str, ...]:
    """Names accepted by ``algorithm=`` besides ``"auto"``."""
    return tuple(REGISTRY)


def choose(plan: ConvTransposePlan) -> Algorithm:
    """The rule behind ``algorithm="auto"``.

    ``scatter`` does exactly the useful multiply-adds, one GEMM per kernel tap, with an output-sized buffer;
    ``zero_insert`` multiplies s^d times as much (the inserted zeros) and ``matrix`` is a sparse product with
    per-element scatter-adds, both slower at every size. So auto is ``scatter``. (The fast GEMM engines of the
    benchmark issue will refine this rule.)
    """
    return REGISTRY["scatter"]


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
