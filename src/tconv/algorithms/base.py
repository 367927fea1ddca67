"""The one interface every algorithm implements, einops-style: prepare once per layer, then run.

An algorithm is a module with ``NAME``, ``SUMMARY`` and ``prepare(layer) -> Prepared``; mypy checks each module
of the registry against :class:`Algorithm`. ``prepare`` gets the layer: a plan whose batch is 1 and dtype
float64 (:func:`layer_of`), because nothing an engine works out in advance (phases, shifts, offsets, layouts)
depends on the batch or the dtype. The registry caches the prepared layers (:func:`tconv.algorithms.prepared`),
so a model that calls the same layer again pays for this once. What does depend on them (the chunk of the batch
that fits the cache, the memory estimate) is computed per call from ``batch`` and ``itemsize``: it is
arithmetic on a few numbers.

>>> from tconv.params import plan_conv_transpose
>>> layer_of(plan_conv_transpose((8, 2, 5), (2, 3, 3), dtype="float32")).batch
1
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..params import ConvTransposePlan

__all__ = ["Algorithm", "Prepared", "Reference", "layer_of", "weight_size"]


class Prepared(Protocol):
    """One algorithm's work for one layer, done in advance.

    ``run(x, weight, out)`` writes the transposed convolution of batched ``x`` ``(N, Cin, *L)`` into ``out``
    ``(N, Cout, *O)`` (no bias; all three in the compute dtype). ``out`` comes zero-filled where
    ``zeroed_output`` is true, uninitialised otherwise (every cell is then written); ``x`` and ``weight`` come
    C-contiguous. ``workspace_bytes`` is the memory ``run`` allocates besides ``out`` for that batch and itemsize,
    at most: every temporary, per-thread buffers and the copies of the weight included (the memory guard adds
    it to the result's size and refuses calls beyond the budget before anything is allocated; a test holds
    tracemalloc's peak to it). It raises TconvError for a layer the algorithm cannot compute.
    """

    @property
    def zeroed_output(self) -> bool: ...

    def workspace_bytes(self, batch: int, itemsize: int) -> int: ...

    def run(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None: ...


class Algorithm(Protocol):
    """What a module of the registry provides."""

    NAME: str
    SUMMARY: str

    def prepare(self, layer: ConvTransposePlan) -> Prepared: ...


def layer_of(plan: ConvTransposePlan) -> ConvTransposePlan:
    """The plan with what preparation does not depend on made uniform: batch 1, batched, float64.
    Two calls of the same layer with other batches or dtypes share one prepared entry.

    >>> from tconv.params import plan_conv_transpose
    >>> layer_of(plan_conv_transpose((8, 2, 5), (2, 3, 3), dtype="float32")) == layer_of(
    ...     plan_conv_transpose((2, 5), (2, 3, 3)))          # batch 8 in float32, and one unbatched image
    True
    """
    return dataclasses.replace(plan, batch=1, batched=True, dtype="float64")


def weight_size(layer: ConvTransposePlan) -> int:
    """Elements of the layer's weight ``(Cin, Cout/g, *k)``: engines count their copies of it in multiples.

    >>> from tconv.params import plan_conv_transpose
    >>> weight_size(plan_conv_transpose((1, 4, 5, 5), (4, 3, 2, 2), groups=2))   # (4, 3/… per group, 2, 2)
    48
    """
    return layer.in_channels * layer.out_per_group * math.prod(layer.kernel_size)


@dataclass(frozen=True)
class Reference:
    """The prepared form of the reference algorithms (scatter, zero_insert, matrix): nothing to prepare; they
    return a fresh array, copied into ``out``. They are there to be read and to check the engines, not for speed.

    >>> from tconv.params import plan_conv_transpose
    >>> from tconv.algorithms import scatter
    >>> ref = Reference(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), scatter.compute, scatter.workspace_bytes)
    >>> out = np.zeros((1, 1, 7))
    >>> ref.run(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 3)), out)
    >>> out
    array([[[1., 1., 3., 2., 5., 3., 3.]]])
    """

    layer: ConvTransposePlan
    compute: Callable[[np.ndarray, np.ndarray, ConvTransposePlan], np.ndarray]
    workspace: Callable[[ConvTransposePlan, int], int]
    zeroed_output: bool = False

    def _plan(self, batch: int) -> ConvTransposePlan:
        return dataclasses.replace(self.layer, batch=batch)

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """The algorithm's own workspace for ``batch`` images, plus the array it returns (copied into ``out``).

        >>> from tconv.params import plan_conv_transpose
        >>> from tconv.algorithms import scatter
        >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
        >>> Reference(plan, scatter.compute, scatter.workspace_bytes).workspace_bytes(2, 8)   # 2 · (80 + 7 · 8)
        272
        """
        count = batch * self.layer.out_channels * int(np.prod(self.layer.output_size, dtype=object))
        return self.workspace(self._plan(batch), itemsize) + count * itemsize

    def run(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        """Compute ``x``'s batch with the algorithm and copy the result into ``out``.

        >>> from tconv.params import plan_conv_transpose
        >>> from tconv.algorithms import matrix
        >>> plan = plan_conv_transpose((1, 1, 2), (1, 1, 2), stride=2)
        >>> out = np.zeros((2, 1, 4))
        >>> Reference(plan, matrix.compute, matrix.workspace_bytes).run(np.array([[[1.0, 2.0]], [[3.0, 4.0]]]),
        ...                                                             np.array([[[1.0, -1.0]]]), out)
        >>> out             # a batch of two, though the plan said one: the batch comes from x
        array([[[ 1., -1.,  2., -2.]],
               [[ 3., -3.,  4., -4.]]])
        """
        out[...] = self.compute(x, weight, self._plan(x.shape[0]))
