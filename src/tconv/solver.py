"""The inverse problem: which kernel, stride, padding, output_padding and dilation map one size to another.

:func:`solve` searches bounded ranges of each parameter, per axis, with the sizes of :mod:`tconv.shapes`, and
lists the solutions most common first (the kernel/stride pairs decoders, U-Nets and GANs use most).

>>> from tconv.solver import solve
>>> print(solve(16, 32)[0][0])
kernel_size=4, stride=2, padding=1
>>> print(solve(32, 16, transposed=False)[0][0])
kernel_size=4, stride=2, padding=1
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from ._axes import IntOrSeq, as_bool, as_int, count_axes, per_axis, show
from .errors import TconvError
from .shapes import ConvAxis, TransposedAxis, effective_kernel_size, output_padding_limit

__all__ = ["MAX_SOLVE_CANDIDATES", "Solution", "solve"]


@dataclass(frozen=True, order=True)
class Solution:
    """One parameter set for one axis that maps ``input_size`` to ``output_size``.

    Its text is the keyword arguments a layer takes, leaving out output_padding 0 and dilation 1:

    >>> print(Solution(kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1))
    kernel_size=3, stride=2, padding=1, output_padding=1
    >>> solve(16, 32)[0][0]
    Solution(kernel_size=4, stride=2, padding=1, output_padding=0, dilation=1)
    """

    kernel_size: int
    stride: int
    padding: int
    output_padding: int
    dilation: int

    def __str__(self) -> str:
        parts = [f"kernel_size={self.kernel_size}", f"stride={self.stride}", f"padding={self.padding}"]
        if self.output_padding:
            parts.append(f"output_padding={self.output_padding}")
        if self.dilation != 1:
            parts.append(f"dilation={self.dilation}")
        return ", ".join(parts)


# Kernel/stride pairs seen most in decoders, U-Nets and GANs, most common first.
_COMMON = [
    (4, 2), (2, 2), (3, 2), (3, 1), (1, 1), (5, 2), (4, 4), (8, 4), (5, 1), (7, 1), (6, 2), (3, 3), (6, 3), (8, 2)
]


def _commonness(sol: Solution) -> tuple[int, ...]:
    pair = (sol.kernel_size, sol.stride)
    rank = _COMMON.index(pair) if pair in _COMMON else len(_COMMON)
    # Conventional padding keeps the kernel centred: p = (k − s)/2 rounded up, as in k4 s2 p1 or k3 s2 p1 op1.
    centred = sol.padding == math.ceil(max(effective_kernel_size(sol.kernel_size, sol.dilation) - sol.stride, 0) / 2)
    return (sol.dilation != 1, rank, not centred, sol.output_padding, sol.padding, sol.kernel_size, sol.stride)


#: The most candidates :func:`solve` tries: one per axis, kernel size, stride, dilation and padding. Measured on a
#: 2-core AMD EPYC: 0.3 to 1.3 million candidates a second (slowest when most candidates are solutions, which are
#: then ranked), so the cap takes at most about 0.3 s there and about a second on a CPU three times slower.
#: The default bounds try 580 per axis.
MAX_SOLVE_CANDIDATES = 100_000


def _axis_range(name: str, values: int | Iterable[int]) -> list[int]:
    # one integer: a Python or NumPy one, or a 0-d array or tensor holding one (these have __iter__ but no items)
    if isinstance(values, numbers.Integral) or getattr(values, "ndim", None) == 0:
        values = [as_int(name, values, minimum=1)]
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise TconvError(f"{name} must be an integer or an iterable of integers, got {show(values)}")
    # every value is at least one candidate: more than the cap is refused before the values are even read
    try:
        taken = list(itertools.islice(values, MAX_SOLVE_CANDIDATES + 1))  # type: ignore[arg-type]  # iterable
    except TypeError as exc:  # an object whose __iter__ refuses (a dict view of a closed object, a broken class)
        raise TconvError(f"{name} must be an integer or an iterable of integers, got {show(values)} "
                         f"({type(values).__name__}: {exc})") from None
    if len(taken) > MAX_SOLVE_CANDIDATES:
        shown = f"{values.start}..{values.stop - 1}" if isinstance(values, range) and values.step == 1 else "given"
        raise TconvError(
            f"{name} {shown} has more than {MAX_SOLVE_CANDIDATES:,} values, each one candidate at least: "
            f"valid range: at most {MAX_SOLVE_CANDIDATES:,} candidates in all (solve's cap, about a second of search)"
        )
    return [as_int(name, v, minimum=1) for v in taken]


def _solve_candidates(n_axes: int, bounds: dict[str, list[int]], max_padding: int | None) -> int:
    """How many candidates solve tries, counted from the bounds in Python ints (no loop over the candidates)."""
    ks, ss, ds = bounds["kernel_sizes"], bounds["strides"], bounds["dilations"]
    if max_padding is None:  # paddings 0..d·(k−1) for each (k, d): Σ_k Σ_d (d·(k−1) + 1)
        per_stride = sum(ds) * sum(k - 1 for k in ks) + len(ks) * len(ds)
    else:
        per_stride = len(ks) * len(ds) * (max_padding + 1)
    return n_axes * len(ss) * per_stride


def _shown(values: list[int]) -> str:
    ordered = sorted(set(values))
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}..{ordered[-1]}"
    return str(ordered) if len(ordered) <= 6 else f"{ordered[0]}..{ordered[-1]} ({len(ordered)} values)"


def _check_search_size(n_axes: int, bounds: dict[str, list[int]], max_padding: int | None) -> None:
    """Refuse bounds whose search could not finish in about a second (MAX_SOLVE_CANDIDATES), before searching."""
    count = _solve_candidates(n_axes, bounds, max_padding)
    if count <= MAX_SOLVE_CANDIDATES:
        return
    # what would fit: for each bound, the largest prefix of its values that fits with the other bounds as given
    fits = []
    for name, values in bounds.items():
        ordered = sorted(values)
        lo, hi = 0, len(ordered)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _solve_candidates(n_axes, {**bounds, name: ordered[:mid]}, max_padding) <= MAX_SOLVE_CANDIDATES:
                lo = mid
            else:
                hi = mid - 1
        if lo:
            fits.append(f"{name} {_shown(ordered[:lo])}")
    if max_padding is not None:
        top = MAX_SOLVE_CANDIDATES // _solve_candidates(n_axes, bounds, 0) - 1
        if top >= 0:
            fits.append(f"max_padding {top}")
    given = ", ".join(f"{name} {_shown(values)}" for name, values in bounds.items())
    padding = "padding 0..d·(k−1)" if max_padding is None else f"max_padding {max_padding}"
    hint = " or ".join(fits) + " with the other bounds as given" if fits else "narrow several bounds"
    axes = "1 axis" if n_axes == 1 else f"{n_axes} axes"
    raise TconvError(
        f"{given} and {padding} make {count:,} candidates for solve on {axes}; valid range: at most "
        f"{MAX_SOLVE_CANDIDATES:,} (about a second of search), e.g. {hint}"
    )


def solve(
    input_size: IntOrSeq,
    output_size: IntOrSeq,
    *,
    transposed: bool = True,
    kernel_sizes: int | Iterable[int] = range(1, 8),
    strides: int | Iterable[int] = range(1, 5),
    dilations: int | Iterable[int] = (1, 2, 3),
    max_padding: int | None = None,
) -> tuple[list[Solution], ...]:
    """Every (kernel, stride, padding, output_padding, dilation) within bounds that maps one size to the other.

    One list per axis, most common first. Padding runs from 0 to d·(k−1) unless ``max_padding`` is given;
    output_padding up to max(stride, dilation) − 1 (transposed only). Bounds that would make more than
    ``MAX_SOLVE_CANDIDATES`` (100,000) candidates, about a second of search, are refused before searching.

    >>> import numpy as np
    >>> print(solve(16, 32, strides=np.array(2))[0][0])    # an integer may be a NumPy one, or a 0-d array
    kernel_size=4, stride=2, padding=1
    >>> best = solve(17, 34)[0][:3]            # how do I upsample 17 to 34?
    >>> for s in best:
    ...     print(s)
    kernel_size=4, stride=2, padding=1
    kernel_size=2, stride=2, padding=0
    kernel_size=3, stride=2, padding=1, output_padding=1
    """
    transposed = as_bool("transposed", transposed)
    nd = count_axes(input_size=input_size, output_size=output_size)
    sizes = per_axis("input_size", input_size, nd, minimum=1)
    targets = per_axis("output_size", output_size, nd, minimum=1)
    ks = _axis_range("kernel_sizes", kernel_sizes)
    ss = _axis_range("strides", strides)
    ds = _axis_range("dilations", dilations)
    if max_padding is not None:
        max_padding = as_int("max_padding", max_padding, minimum=0)
    _check_search_size(nd, {"kernel_sizes": ks, "strides": ss, "dilations": ds}, max_padding)
    result = []
    for L, target in zip(sizes, targets):
        found = []
        for k in ks:
            for s in ss:
                for d in ds:
                    if d > 1 and k == 1:
                        continue  # dilation does nothing to a 1-tap kernel; listing it would only repeat k=1
                    top = d * (k - 1) if max_padding is None else max_padding
                    for p in range(top + 1):
                        if transposed:
                            # O = (L−1)s − 2p + d(k−1) + 1 + op  →  op is fixed by the other four
                            op = target - TransposedAxis(L, k, s, p, 0, d).min_output_size
                            if 0 <= op <= output_padding_limit(s, d):
                                found.append(Solution(k, s, p, op, d))
                        else:
                            ax = ConvAxis(L, k, s, p, p, d)
                            if ax.padded_size >= ax.effective_kernel and ax.output_size == target:
                                found.append(Solution(k, s, p, 0, d))
        found.sort(key=_commonness)
        result.append(found)
    return tuple(result)
