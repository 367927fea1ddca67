"""Reading arrays with PyTorch's dtype rules: which dtypes combine, which bias a dtype takes, bfloat16.

Every compute entry point reads its arrays here, so that the library, the CLI and the web refuse the same mixes.

>>> import numpy as np
>>> x, w, b = as_arrays(np.ones((1, 3), np.float32), [[[1, 1]]], [2])
>>> x.dtype, w.dtype, b.dtype
(dtype('float32'), dtype('float32'), dtype('float32'))
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._axes import length, show
from .errors import TconvError
from .params import SUPPORTED_DTYPES, check_dtype
from .settings import check_memory

__all__ = ["BFLOAT16", "as_arrays", "check_bias_dtype", "dtype_name", "planned_dtype", "read_array", "read_arrays"]


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "dtype") and hasattr(value, "shape")


#: NumPy has no bfloat16: such tensors (and ml_dtypes arrays) are read as float32, which holds every bfloat16
#: value exactly, and computed and returned in float32.
BFLOAT16 = "bfloat16"


@lru_cache(maxsize=64)
def dtype_name(dtype: np.dtype) -> str:
    """``dtype.name``, remembered: NumPy computes the name in Python on every access, and a layer called in a loop
    asks for it several times per call.

    >>> dtype_name(np.dtype(np.float32))
    'float32'
    """
    return dtype.name


def planned_dtype(value: Any) -> str:
    """The name of the dtype a plan is made for, refused by name unless it is one the library computes in.

    >>> planned_dtype(np.float32), planned_dtype("float64"), planned_dtype(np.dtype("complex64"))
    ('float32', 'float64', 'complex64')
    >>> planned_dtype("int8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: dtype int8 is not supported: use one of float16, float32, float64, complex64, ...
    """
    if value is None or isinstance(value, bool):  # np.dtype(None) is float64: a default no one asked for
        raise TconvError(f"dtype {value!r} is not a NumPy dtype: use np.float32 or np.float64")
    try:
        dtype = np.dtype(value)
    except (TypeError, ValueError, SyntaxError, RecursionError):  # NumPy parses a dtype's text
        raise TconvError(f"dtype {show(value)} is not a NumPy dtype: use np.float32 or np.float64") from None
    if dtype_name(dtype) not in SUPPORTED_DTYPES:
        raise TconvError(f"dtype {dtype} is not supported: use one of {', '.join(SUPPORTED_DTYPES)} (PyTorch's CPU "
                         "convolutions refuse the others too)")
    return dtype_name(dtype)


#: NumPy reads nested sequences to at most this many dimensions; a deeper one is refused whatever its size.
_MAX_DIMS = 64
#: The least an element of plain data takes once read (Python ints and floats become int64 and float64).
_ELEMENT_BYTES = 8


def _plain_elements(value: Any) -> int | None:
    """How many elements plain data (a list, tuple or range, nested) holds, counted from its length and its first
    items' lengths alone, without reading the rest (a ragged one is refused once read, and is no larger); None
    when ``value`` is not a sized sequence (a number, an array: its memory is already there).

    >>> _plain_elements([[1, 2, 3], [4, 5, 6]]), _plain_elements(range(10**20)), _plain_elements(2.0)
    (6, 100000000000000000000, None)
    """
    if not isinstance(value, list | tuple | range):
        return None
    count = 1
    for _ in range(_MAX_DIMS + 1):
        if isinstance(value, list | tuple | range):
            count *= length(value) or 0
            if not count:
                break
            value = value[0]
        else:
            shape = getattr(value, "shape", None)  # a list of arrays: each counts as its size
            if isinstance(shape, tuple):
                count *= math.prod(int(n) for n in shape)
            break
    return count


def _check_size(name: str, value: Any) -> None:
    """Refuse, before NumPy reads it, plain data whose array would exceed the memory budget, and iterators,
    whose length cannot be told without consuming them."""
    if isinstance(value, Iterator):
        raise TconvError(f"{name} must be an array or a (nested) list of numbers, got a {type(value).__name__}, "
                         "which is read only by consuming it: pass np.fromiter(...) or list(...)")
    elements = _plain_elements(value)
    if elements is not None:
        check_memory(elements * _ELEMENT_BYTES,
                     lambda: f"reading {name} (a {type(value).__name__} of {elements:,} elements) as an array")


def read_array(name: str, value: Any) -> tuple[np.ndarray, str]:
    """The array and the name of the dtype it came with (``"bfloat16"`` for bfloat16 data, read as float32).

    Anything NumPy reads, and torch tensors without importing torch (detached, moved to the CPU).

    >>> read_array("input", [[1, 2], [3, 4]])[1]
    'int64'
    >>> read_array("input", "text")
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: input must hold numbers, got an array of dtype <U4 (str)

    Plain data is sized before it is read, against the memory budget:

    >>> import tconv
    >>> with tconv.options(memory_budget=50 << 20):  # doctest: +ELLIPSIS
    ...     read_array("input", range(10**9))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: reading input (a range of 1,000,000,000 elements) as an array needs about 7.5 GiB, ...
    """
    if type(value) is np.ndarray and value.dtype.kind in "biufc":  # the common case, read at no cost
        return value, dtype_name(value.dtype)
    _check_size(name, value)
    source = str(getattr(value, "dtype", "")).removeprefix("torch.")
    try:
        if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor: no torch import needed
            if getattr(getattr(value, "device", None), "type", None) == "meta":
                raise TconvError(f"{name} is a tensor on the meta device: it has a shape but no values to compute "
                                 "with; for shapes alone use tconv.shapes (or tconv.doctor for a whole model)")
            value = value.detach().cpu()
            if source == BFLOAT16:
                value = value.float()
            value = value.numpy()
        arr = np.asarray(value)
        if source == BFLOAT16 and arr.dtype.name == BFLOAT16:  # ml_dtypes' bfloat16 (JAX arrays)
            arr = arr.astype(np.float32)
    except (ValueError, TypeError, RuntimeError, NotImplementedError, MemoryError) as exc:  # torch: 3rd, 4th
        raise TconvError(f"{name} could not be read as a numeric array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TconvError(f"{name} must hold numbers, got an array of dtype {arr.dtype} ({type(value).__name__})")
    return arr, BFLOAT16 if source == BFLOAT16 else dtype_name(arr.dtype)


def _cast(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``arr`` in ``dtype``; values beyond its range become ±inf silently, as they do in a torch tensor."""
    with np.errstate(over="ignore", invalid="ignore"):
        return arr.astype(dtype)


def read_arrays(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, names: tuple[str, str] = ("input", "weight"),
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str, str | None]:
    """:func:`as_arrays`, also returning the names of the input's and the bias's dtypes as given (bfloat16 is
    computed in float32, but the bias rules see it as bfloat16, as PyTorch does). ``names`` are the first two
    arrays' names in messages (the gradients read ``grad_output`` beside the weight or the input).

    >>> x, w, b, x_name, b_name = read_arrays(np.ones(3, np.float32), [1, 2], [0.5])
    >>> w.dtype, x_name, b_name
    (dtype('float32'), 'float32', 'float32')
    >>> read_arrays(np.ones(3), np.ones(2, np.float32), None, names=("grad_output", "weight"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: grad_output dtype float64 and weight dtype float32 differ; PyTorch refuses mixed ...
    """
    first, second = names
    x_typed, w_typed = _is_array_like(input), _is_array_like(weight)
    x, x_name = read_array(first, input)
    w, w_name = read_array(second, weight)
    if x_typed and not w_typed and np.can_cast(w.dtype, x.dtype, "same_kind"):
        w, w_name = _cast(w, x.dtype), x_name
    elif w_typed and not x_typed and np.can_cast(x.dtype, w.dtype, "same_kind"):
        x, x_name = _cast(x, w.dtype), w_name
    elif not x_typed and not w_typed:
        common = np.result_type(x.dtype, w.dtype)
        x, w = _cast(x, common), _cast(w, common)
        x_name = w_name = common.name
    if x_name != BFLOAT16:
        check_dtype(first, x.dtype)
    if w_name != BFLOAT16:
        check_dtype(second, w.dtype)
    if x_name != w_name:
        raise TconvError(
            f"{first} dtype {x_name} and {second} dtype {w_name} differ; PyTorch refuses mixed dtypes too: "
            f"convert one, e.g. {second}.astype(np.{x_name})" if x_name != BFLOAT16 else
            f"{first} dtype {x_name} and {second} dtype {w_name} differ; PyTorch refuses mixed dtypes too: "
            f"convert one, e.g. {second}.to(torch.bfloat16)"
        )
    b, b_name = None, None
    if bias is not None:
        b, b_name = read_array("bias", bias)
        if not _is_array_like(bias) and np.can_cast(b.dtype, x.dtype, "same_kind"):
            b, b_name = _cast(b, x.dtype), x_name  # plain data takes the input's dtype, as for the weight
        elif b_name == BFLOAT16 and x_name == BFLOAT16:
            b = _cast(b, x.dtype)
    return x, w, b, x_name, b_name


def as_arrays(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Convert to arrays with PyTorch's dtype rule: input and weight must share a dtype.

    Arrays (anything with a dtype) keep theirs and must match; plain Python data (lists, scalars) takes the
    dtype of the array it is paired with, or, when both are plain, their common NumPy type. bfloat16 tensors
    are read as float32 (NumPy has no bfloat16). The bias keeps its dtype (plain data takes the input's);
    :func:`check_bias_dtype` applies PyTorch's rule for it, which depends on the operation.

    >>> x, w, b = as_arrays(np.ones((1, 2), np.float32), [[[1, 2]]])
    >>> x.dtype, w.dtype, b
    (dtype('float32'), dtype('float32'), None)
    """
    x, w, b, x_name, b_name = read_arrays(input, weight, bias)
    if b is not None and b.dtype.kind == "c" and x.dtype.kind != "c":
        raise TconvError(f"bias dtype {b_name} is complex but input dtype {x_name} is real")
    return x, w, b


def check_bias_dtype(op: str, nd: int, batch: int, input_dtype: str, bias_dtype: str) -> None:
    """Refuse a bias dtype exactly where PyTorch 2.13's CPU path does (its native kernels; docs/guide.md).

    * ``conv`` (every rank), and ``conv_transpose3d`` with a non-empty batch: the bias dtype must equal the
      input's.
    * ``conv_transpose1d/2d``, and 3d with an empty batch: the bias is added in place to the output, so a
      complex input needs the same complex dtype, an int64 input an integer or bool bias, and a floating input
      (float16, bfloat16, float32, float64) any real bias (integers and bool included); the result keeps the
      input's dtype.

    PyTorch's oneDNN path (float32 on some shapes and thread counts, bfloat16, float16 on CPUs with native
    float16) refuses every bias dtype that differs from the input's, whatever the rank.

    >>> check_bias_dtype("conv_transpose", nd=2, batch=1, input_dtype="float32", bias_dtype="int64")
    >>> check_bias_dtype("conv_transpose", nd=3, batch=1, input_dtype="float32", bias_dtype="int64")
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: bias dtype int64 does not fit input dtype float32 in conv_transpose3d: use float32, the
    input's dtype (conv_transpose3d with a non-empty batch needs the same dtype), as PyTorch does
    """
    loose = op == "conv_transpose" and (nd < 3 or batch == 0)
    kind = "f" if input_dtype == BFLOAT16 else np.dtype(input_dtype).kind
    bkind = "f" if bias_dtype == BFLOAT16 else np.dtype(bias_dtype).kind
    if bias_dtype == input_dtype:
        return
    if loose and kind != "c" and bkind in ("biu" if kind in "iu" else "biuf"):
        return
    if loose and kind == "c":
        valid = f"{input_dtype}, as the input (a complex input takes a bias of its own dtype only)"
    elif loose and kind in "iu":
        valid = f"an integer or bool dtype (an {input_dtype} input cannot take a floating or complex bias)"
    elif loose:
        valid = "a real dtype (an integer, bool, float16, bfloat16, float32 or float64), not complex"
    else:
        rank = "every convolution" if op == "conv" else f"conv_transpose{nd}d with a non-empty batch"
        valid = f"{input_dtype}, the input's dtype ({rank} needs the same dtype)"
    raise TconvError(f"bias dtype {bias_dtype} does not fit input dtype {input_dtype} in {op}{nd}d: use {valid}, "
                     "as PyTorch does")
