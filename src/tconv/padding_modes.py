"""Padding modes: PyTorch's ``padding_mode`` for convolution, and its adjoint for transposed convolution.

A direct convolution with padding mode m pads its input with a linear operator P (``F.pad``'s reflect,
replicate, circular; zeros for "zeros") and convolves without padding: conv_m(x) = conv(P x). Its adjoint, the
transposed convolution with that mode, is therefore Pᵀ applied to the uncropped transposed convolution:
⟨conv_m(x), y⟩ = ⟨x, Pᵀ conv_transpose(y)⟩. Pᵀ folds each margin back onto the cells it copied:

- zeros: the margins are dropped (PyTorch's crop);
- circular: each margin is added onto the opposite side (the stamps wrap around);
- reflect: each margin cell is added onto its mirror image, the edge cell excluded;
- replicate: the whole margin is added onto the edge cell.

P and Pᵀ are separable: one axis after another. :func:`pad` is P (the direct convolution's), :func:`fold` is Pᵀ.

>>> import numpy as np
>>> z = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])            # margins of 1 and 2 around 3 cells
>>> [fold(z.copy(), [(1, 2)], m).tolist() for m in ("zeros", "circular", "reflect", "replicate")]
[[2.0, 3.0, 4.0], [7.0, 9.0, 5.0], [8.0, 9.0, 4.0], [3.0, 3.0, 15.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._axes import Index

__all__ = ["fold", "fold_bytes", "folded_index", "pad"]

#: NumPy's names for PyTorch's modes (``np.pad``'s reflect excludes the edge, as PyTorch's does).
_NUMPY_MODE = {"zeros": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}


def pad(x: np.ndarray, margins: Sequence[tuple[int, int]], mode: str) -> np.ndarray:
    """P: ``x`` padded on its last ``len(margins)`` axes, ``(begin, end)`` each, as ``F.pad(x, ..., mode=mode)``.

    >>> pad(np.array([1, 2, 3]), [(2, 1)], "reflect").tolist(), pad(np.array([1, 2, 3]), [(2, 1)], "circular").tolist()
    ([3, 2, 1, 2, 3, 2], [2, 3, 1, 2, 3, 1])
    """
    widths = [(0, 0)] * (x.ndim - len(margins)) + [tuple(m) for m in margins]
    padded: np.ndarray = np.pad(x, widths, mode=_NUMPY_MODE[mode])  # type: ignore[call-overload]
    return padded


def fold(z: np.ndarray, margins: Sequence[tuple[int, int]], mode: str) -> np.ndarray:
    """Pᵀ: the margins of ``z``'s last ``len(margins)`` axes folded back onto the interior, which is returned (a view
    of ``z``, whose interior the fold adds into: ``z`` is spent).

    The margins must be what the mode can pad (:func:`tconv.shapes.check_padding_mode`): reflect smaller than the
    interior, circular at most as large.

    >>> z = np.arange(1.0, 8.0)           # the interior is 3, 4, 5 with margins (2, 2)
    >>> fold(z.copy(), [(2, 2)], "circular").tolist()    # 1, 2 wrap onto the end; 6, 7 onto the begin
    [9.0, 12.0, 7.0]
    """
    lead = z.ndim - len(margins)
    for a, (begin, end) in enumerate(margins):
        axis = lead + a
        n = z.shape[axis] - begin - end

        def part(start: int, stop: int, step: int = 1, axis: int = axis) -> Index:
            """Cells start..stop−1 of this axis, reversed for step −1 (reflect's mirror)."""
            cells = slice(start, stop) if step > 0 else slice(stop - 1, None if start == 0 else start - 1, -1)
            return (*(slice(None),) * axis, cells)

        if mode == "circular":
            if begin:
                z[part(n, n + begin)] += z[part(0, begin)]                   # x[n − b + j] was copied to j
            if end:
                z[part(begin, begin + end)] += z[part(begin + n, begin + n + end)]  # x[j] was copied to b + n + j
        elif mode == "reflect":
            if begin:
                z[part(begin + 1, 2 * begin + 1)] += z[part(0, begin, -1)]    # cell j mirrors x[b − j]
            if end:
                stop = begin + n - 1
                z[part(stop - end, stop)] += z[part(begin + n, begin + n + end, -1)]  # x[n − 2 − j]
        elif mode == "replicate":
            if begin:
                z[part(begin, begin + 1)] += z[part(0, begin)].sum(axis=axis, keepdims=True)
            if end:
                z[part(begin + n - 1, begin + n)] += z[part(begin + n, begin + n + end)].sum(axis=axis, keepdims=True)
        z = z[part(begin, begin + n)]
    return z


def fold_bytes(shape: Sequence[int], margins: Sequence[tuple[int, int]], mode: str, itemsize: int) -> int:
    """What :func:`fold` allocates beyond its input: replicate's sums, one slab of the largest margin's axis.

    >>> fold_bytes((2, 7, 5), [(2, 2), (1, 0)], "replicate", 8)      # 2·5 sums along axis 1, 2·7 along axis 2
    112
    >>> fold_bytes((2, 7, 5), [(2, 2), (1, 0)], "circular", 8)
    0
    """
    if mode != "replicate":
        return 0
    lead = len(shape) - len(margins)
    slabs = [math.prod(shape) // max(shape[lead + a], 1) for a, m in enumerate(margins) if any(m)]
    return max(slabs, default=0) * itemsize


def folded_index(position: np.ndarray, begin: int, size: int, mode: str) -> np.ndarray:
    """Where each cell of the uncropped output lands on one axis after :func:`fold`: the output cell it adds onto,
    or −1 where it is dropped (zeros' crop). ``begin`` is the margin before the ``size`` output cells. This is Pᵀ as
    an index map: the walkthroughs and animations draw each stamp cell where it lands.

    >>> p = np.arange(7)                                   # margins (2, 2) around 3 cells
    >>> [folded_index(p, 2, 3, m).tolist() for m in ("zeros", "circular", "reflect", "replicate")]
    [[-1, -1, 0, 1, 2, -1, -1], [1, 2, 0, 1, 2, 0, 1], [2, 1, 0, 1, 2, 1, 0], [0, 0, 0, 1, 2, 2, 2]]
    """
    i = np.asarray(position) - begin
    landed: np.ndarray
    if mode == "circular":
        landed = np.mod(i, size)
    elif mode == "reflect":
        landed = np.where(i < 0, -i, np.where(i >= size, 2 * (size - 1) - i, i))
    elif mode == "replicate":
        landed = np.clip(i, 0, size - 1)
    else:
        landed = np.where((i >= 0) & (i < size), i, -1)
    return landed
