"""Arrays for the shells: read from ``.npy`` files, ``.json`` files or inline JSON, made up from sizes, or given
their channel axes.

The CLI reads ``--input``/``--weight``/``--bias`` with :func:`load_arrays` (each with :func:`load_array`), shows
:func:`worked_example` when it is given nothing, and :func:`random_arrays` when it is given only sizes;
:func:`with_channels` puts a plain (single-channel) input and kernel into PyTorch's layout. Every refusal is a
:class:`~tconv.TconvError` naming the array as the caller calls it (``name``).

>>> from tconv.arrays import load_array, with_channels
>>> x, w, b, plain = with_channels(load_array("[[1, 2], [3, 4]]"), load_array("[[1, 0], [0, 1]]"))
>>> x.shape, w.shape, b, plain
((1, 2, 2), (1, 1, 2, 2), None, True)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ._axes import IntOrSeq, as_int, count_axes, per_axis, quote
from .dtypes import as_arrays
from .errors import TconvError
from .settings import check_memory

__all__ = ["load_array", "load_arrays", "random_arrays", "with_channels", "worked_example"]

# Seed 001's worked example: a 3×3 input and a 2×2 kernel, whose transposed convolution is 4×4.
_EXAMPLE_INPUT = [[4, 4, 3], [0, 3, 4], [2, 3, 2]]
_EXAMPLE_WEIGHT = [[1, 2], [0, 1]]


def load_array(source: str, name: str = "array") -> np.ndarray:
    """An array of numbers from a ``.npy`` file, a ``.json`` file, or inline JSON (``'[[1,2],[3,4]]'``).

    Anything else is a TconvError naming ``name``: a missing file, bad JSON, JSON nested too deeply, ragged rows,
    values that are not numbers. A ``.npy`` file's header is checked against the memory budget before its data
    is read (a file may claim any shape in a few bytes).

    >>> load_array("[[1, 2], [3, 4]]").tolist()
    [[1, 2], [3, 4]]
    >>> load_array("[[1, 2], [3]]", "--input")
    Traceback (most recent call last):
    tconv.errors.TconvError: --input is not a rectangular array: every row must have the same length
    (and at most 64 dimensions)
    """
    path = Path(source)
    if source.endswith(".npy"):
        try:
            header = np.load(path, allow_pickle=False, mmap_mode="r")  # memory-mapped: nothing read yet
            check_memory(header.size * header.itemsize, f"{name} {quote(source)} of shape {list(header.shape)}")
            array: np.ndarray = np.array(header)  # a .npy file holds one array
            del header
        except TconvError:  # the budget's refusal, already naming the file: not a reading error
            raise
        except (OSError, ValueError, EOFError) as exc:
            raise TconvError(f"{name} {quote(source)} could not be read as .npy: {exc}") from None
    else:
        text = source
        if source.endswith(".json"):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TconvError(f"{name} {quote(source)} could not be read: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TconvError(f"{name} is neither a .npy/.json file nor valid JSON: {exc}") from None
        except RecursionError:
            raise TconvError(f"{name} is JSON nested too deeply to read (arrays have at most 64 dimensions)") from None
        try:
            array = np.asarray(data)
        except (ValueError, TypeError, RecursionError):
            raise TconvError(
                f"{name} is not a rectangular array: every row must have the same length (and at most 64 dimensions)"
            ) from None
        if array.size == 0:  # JSON cannot say the shape of an empty array ([] is 0 wide, and nothing else)
            raise TconvError(f"{name} is empty: give at least one number")
    if array.dtype.kind not in "biufc":
        raise TconvError(f"{name} must hold numbers (integers that fit in int64, or floats), got {array.dtype} values")
    return array


def load_arrays(input: str, weight: str, bias: str | None = None, names: tuple[str, str, str] = (
        "--input", "--weight", "--bias")) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Input, weight and bias read with :func:`load_array`, their dtypes combined as the library combines them
    (:func:`tconv.dtypes.as_arrays`): JSON is plain data, so JSON arrays take their common type, or the dtype of
    the ``.npy`` array beside them, where a ``.npy`` file keeps its own. ``names`` name them in messages.

    >>> x, w, b = load_arrays("[[1.5, 2], [3, 4]]", "[[1, 2], [0, 1]]", "[1]")
    >>> x.dtype, w.dtype, b.dtype
    (dtype('float64'), dtype('float64'), dtype('float64'))
    """

    def read(source: str, name: str) -> ArrayLike:
        array = load_array(source, name)
        return array if source.endswith(".npy") else array.tolist()

    return as_arrays(read(input, names[0]), read(weight, names[1]), None if bias is None else read(bias, names[2]))


def worked_example() -> tuple[np.ndarray, np.ndarray]:
    """Seed 001's worked example, plain (no channel axes): a 3×3 input and a 2×2 kernel.

    >>> x, w = worked_example()
    >>> x.tolist(), w.tolist()
    ([[4, 4, 3], [0, 3, 4], [2, 3, 2]], [[1, 2], [0, 1]])
    """
    return np.array(_EXAMPLE_INPUT), np.array(_EXAMPLE_WEIGHT)


#: splitmix32's constants: the golden-ratio increment and the two multipliers of its output mix.
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35
_MASK32 = 0xFFFFFFFF


def _splitmix32(seed: int, count: int) -> np.ndarray:
    """The first ``count`` outputs (32-bit) of splitmix32 from ``seed``: integer steps that the explorer's
    JavaScript (static/sceneplan.js, ``randomArrays``) repeats exactly, where NumPy's generators have no portable
    twin. The state after i steps is seed + i·increment (mod 2³²), so all of them are computed at once; every
    product stays below 2⁶⁴ in unsigned 64-bit integers.

    >>> _splitmix32(0, 3).tolist()
    [2462723854, 1020716019, 454327756]
    """
    state = (np.uint64(seed & _MASK32) + np.uint64(_GOLDEN) * np.arange(1, count + 1, dtype=np.uint64)) \
        & np.uint64(_MASK32)
    z = ((state ^ (state >> np.uint64(16))) * np.uint64(_MIX1)) & np.uint64(_MASK32)
    z = ((z ^ (z >> np.uint64(13))) * np.uint64(_MIX2)) & np.uint64(_MASK32)
    return z ^ (z >> np.uint64(16))


def random_arrays(input_size: IntOrSeq, kernel_size: IntOrSeq, *, groups: int = 1, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Random small integers of these spatial sizes: input 0–4, kernel 0–3 (int64). With ``groups`` 1 they are
    plain; otherwise one channel in and out per group, in PyTorch's layout.

    Zeros are drawn as the tutorials draw them: their worked example has a zero in its kernel, and a zero shows
    that a product can vanish; the ranges stay small enough to add a window up by heart. The generator is
    splitmix32, one output per number (the input row by row, then the kernel) taken modulo 5 or 4: every shell
    (``tconv explain``, ``compute``, ``animate``) and the explorer's page (static/scene.js, in the browser) draw the
    very same numbers from the same seed.

    A scalar size is one axis, as in the library's arithmetic; shells that mean a square layer pass one size per
    axis (:func:`tconv._axes.drawn_axes`). The memory is checked first, counted in Python ints.

    >>> x, w = random_arrays((2, 3), (2, 2), seed=0)
    >>> x.tolist(), w.tolist()
    ([[4, 4, 1], [4, 3, 0]], [[3, 1], [0, 3]])
    >>> [a.shape for a in random_arrays(4, 3, groups=2)]
    [(2, 4), (2, 1, 3)]
    """
    groups = as_int("groups", groups, minimum=1)
    nd = count_axes(input_size=input_size, kernel_size=kernel_size)
    size = per_axis("input_size", input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", kernel_size, nd, minimum=1)
    nbytes = groups * (math.prod(size) + math.prod(kernel)) * np.dtype(np.int64).itemsize
    shown = ",".join(map(str, size)), ",".join(map(str, kernel))
    check_memory(nbytes, f"input_size {shown[0]} with kernel_size {shown[1]} (random integer arrays)")
    x_shape = size if groups == 1 else (groups, *size)
    w_shape = kernel if groups == 1 else (groups, 1, *kernel)
    nx, nw = math.prod(x_shape), math.prod(w_shape)
    z = _splitmix32(as_int("seed", seed, minimum=0), nx + nw)
    return ((z[:nx] % np.uint64(5)).astype(np.int64).reshape(x_shape),
            (z[nx:] % np.uint64(4)).astype(np.int64).reshape(w_shape))


def with_channels(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, *, plain: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Input, weight and bias in PyTorch's layout, and whether they were given plain (single-channel).

    A weight without channel axes (fewer than 3 dimensions, a plain kernel like ``[[1,2],[0,1]]``), or any weight
    with ``plain=True``, means one channel in and one out: the input gets a channel axis and the weight two.

    >>> x, w, _, plain = with_channels([[4, 4, 3], [0, 3, 4], [2, 3, 2]], [[1, 2], [0, 1]])
    >>> x.shape, w.shape, plain
    ((1, 3, 3), (1, 1, 2, 2), True)
    >>> with_channels([[1, 2], [3, 4]], [1, 2])
    Traceback (most recent call last):
    tconv.errors.TconvError: a plain (single-channel) weight of shape [2] needs an input with the same number of
    dimensions, got input shape [2, 2]
    """
    x, w, b = as_arrays(input, weight, bias)
    plain = plain or w.ndim < 3
    if plain:
        if x.ndim != w.ndim:
            raise TconvError(
                f"a plain (single-channel) weight of shape {list(w.shape)} needs an input with the same number of "
                f"dimensions, got input shape {list(x.shape)}"
            )
        x, w = x[None], w[None, None]
    return x, w, b, plain
