"""The GEMM of the BLAS that NumPy loaded, called directly for what ``np.matmul`` cannot say: *accumulate*.

``np.matmul`` computes ``C = A·B`` only. A BLAS GEMM computes ``C = α·A·B + β·C`` into any matrix with a row
pitch, so that every kernel tap of a convolution can add its product into one output buffer in place (β = 1),
instead of writing each product out and summing the products in separate passes over memory
(:mod:`tconv.algorithms.accumulate`). NumPy does not export its BLAS, but the library is loaded in the process:
:func:`loaded_blas` looks its CBLAS symbols up through NumPy's own extension module (:func:`numpy_symbol`), which
finds the library NumPy links, not another one the process has loaded. Only OpenBLAS is used (the BLAS of NumPy's
wheels, ``scipy_openblas64_``, and of most Linux builds), where the integer width of its interface can be read from
the library itself; anywhere else :func:`gemm` falls back to ``np.matmul`` and an add, with the same results.

:func:`gemm` takes NumPy views and derives every pointer, size and leading dimension from their shapes and strides,
so BLAS reads and writes exactly the elements of the views, nothing else: a view BLAS cannot describe (no unit
stride on either axis, a byte-swapped dtype, memory shared between the output and an operand) takes the fallback.

Every GEMM of the engines goes through :func:`gemm` or :func:`matmul`, so that a profiler can time them all
(:func:`clocked`, ``tconv bench --profile``): the clock is held in a context variable, so that it sees the GEMMs of
the calls made in its own block and thread (and the chunks those calls hand to worker threads), nothing else; with
no clock set, a GEMM costs one lookup more than the NumPy or BLAS call itself.

>>> import numpy as np
>>> a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
>>> c = np.ones((2, 2))
>>> gemm(a, b, c, accumulate=True)
>>> c.tolist()
[[4.0, 4.0], [13.0, 13.0]]
"""

from __future__ import annotations

import ctypes
import importlib
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import numpy as np

__all__ = ["Blas", "Clock", "clocked", "gemm", "library_path", "loaded_blas", "matmul", "numpy_symbol"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

#: (prefix, suffix) of the CBLAS names, most specific first: NumPy's wheels (``scipy_openblas64_``), then the
#: ILP64 builds with a symbol suffix, then plain OpenBLAS.
_NAMINGS = (("scipy_cblas_", "64_"), ("cblas_", "64_"), ("scipy_cblas_", ""), ("cblas_", ""))
_CONFIG_NAMES = ("scipy_openblas_get_config64_", "openblas_get_config64_", "scipy_openblas_get_config",
                 "openblas_get_config")


@lru_cache(maxsize=1)
def _numpy_scope() -> ctypes.CDLL | None:
    """NumPy's own extension module, opened again (it is loaded: this only returns its handle). A symbol looked
    up through it comes from the module or the libraries it links, in their order: NumPy's BLAS, whatever other
    BLAS the process has loaded (SciPy brings its own OpenBLAS, with 32-bit integers and its own threads)."""
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # NumPy 2, NumPy 1
        try:
            return ctypes.CDLL(importlib.import_module(name).__file__)
        except (ImportError, OSError, TypeError):
            continue
    return None


def numpy_symbol(*names: str) -> tuple[str, Callable[..., object]] | None:
    """The first of ``names`` that NumPy's BLAS (or NumPy) defines, with its function; None where none is found.

    >>> numpy_symbol("no_such_symbol") is None
    True
    """
    scope = _numpy_scope()
    for name in names if scope is not None else ():
        func = getattr(scope, name, None)
        if func is not None:
            return name, func
    return None


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p), ("dli_sname", ctypes.c_char_p),
                ("dli_saddr", ctypes.c_void_p)]


def library_path(func: Callable[..., object]) -> str:
    """The file of the shared library that defines ``func`` (``dladdr``), or "" where that cannot be asked.

    >>> library_path(ctypes.CDLL(None).dladdr).startswith("/")       # the C library's file, e.g. /lib/…/libc.so.6
    True
    >>> library_path(ctypes.CFUNCTYPE(None)())       # a null function pointer: in no library
    ''
    """
    try:
        dladdr = ctypes.CDLL(None).dladdr
    except (OSError, AttributeError):
        return ""
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    dladdr.restype = ctypes.c_int
    info = _DlInfo()
    address = ctypes.cast(cast(Any, func), ctypes.c_void_p).value
    if not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return ""
    return os.path.realpath(bytes(info.dli_fname).decode(errors="replace"))


@dataclass(frozen=True)
class Blas:
    """The CBLAS GEMMs of one loaded OpenBLAS, per NumPy dtype character (``f``, ``d``, ``F``, ``D``), and the
    largest size its integers hold.

    >>> blas = loaded_blas()         # NumPy's wheels: scipy_openblas64_, 64-bit integers
    >>> blas is None or (sorted(blas.gemms), blas.int_max >= 2**31 - 1) == (["D", "F", "d", "f"], True)
    True
    """

    path: str
    gemms: dict[str, Callable[..., None]]
    int_max: int


def _int_type(suffix: str) -> type[ctypes.c_int32] | type[ctypes.c_int64] | None:
    """The C type of the library's integers: 64-bit where the names say so, else what its build config says."""
    if suffix == "64_":
        return ctypes.c_int64
    found = numpy_symbol(*_CONFIG_NAMES)
    if found is None:
        return None  # not an OpenBLAS that says (MKL, Accelerate): do not guess the width of its integers
    get_config = found[1]
    get_config.restype, get_config.argtypes = ctypes.c_char_p, []  # type: ignore[attr-defined]
    config = get_config() or b""
    return ctypes.c_int64 if isinstance(config, bytes) and b"USE64BITINT" in config else ctypes.c_int32


@lru_cache(maxsize=1)
def loaded_blas() -> Blas | None:
    """The GEMMs of NumPy's own BLAS when it is an OpenBLAS, or None (MKL, Accelerate, a NumPy without BLAS): then
    :func:`gemm` uses ``np.matmul``.

    Looked up once per process, through NumPy's extension module (:func:`numpy_symbol`), so that another
    OpenBLAS in the process (SciPy's) is never taken for NumPy's.

    >>> blas = loaded_blas()
    >>> blas is loaded_blas() and (blas is None or "openblas" in os.path.basename(blas.path).lower())
    True
    """
    for prefix, suffix in _NAMINGS:
        names = {char: f"{prefix}{kind}gemm{suffix}" for char, kind in zip("fdFD", "sdcz")}
        found = {char: numpy_symbol(name) for char, name in names.items()}
        if any(f is None for f in found.values()):
            continue
        integer = _int_type(suffix)
        if integer is None:
            return None
        gemms: dict[str, Callable[..., None]] = {}
        for char, pair in found.items():
            assert pair is not None
            func = pair[1]
            real = char in "fd"
            scalar = (ctypes.c_float if char == "f" else ctypes.c_double) if real else ctypes.c_void_p
            func.restype = None  # type: ignore[attr-defined]
            func.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer, scalar,  # type: ignore[attr-defined]
                             ctypes.c_void_p, integer, ctypes.c_void_p, integer, scalar, ctypes.c_void_p, integer]
            gemms[char] = func  # type: ignore[assignment]
        path = library_path(gemms["f"])
        return Blas(path, gemms, (1 << 63) - 1 if integer is ctypes.c_int64 else (1 << 31) - 1)
    return None


def _layout(m: np.ndarray) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) that describe the 2-D view ``m`` to a row-major BLAS, or None."""
    rows, cols = m.shape
    item = m.itemsize
    s0, s1 = m.strides
    # a stride over an axis of length 1 is never used: either layout may take it (a 1 × K row with a non-unit
    # stride is a column-major matrix with a leading dimension of that stride)
    if (s1 == item or cols == 1) and (rows == 1 or (s0 % item == 0 and s0 // item >= max(cols, 1))):
        return _NO_TRANS, max(cols, 1) if rows == 1 else s0 // item
    if (s0 == item or rows == 1) and (cols == 1 or (s1 % item == 0 and s1 // item >= max(rows, 1))):
        return _TRANS, max(rows, 1) if cols == 1 else s1 // item
    return None


#: What a profiler's clock is given for each GEMM: its seconds and its FLOPs (two per multiply-add).
Clock = Callable[[float, int], None]

#: The clock of the calling context, None unless a :func:`clocked` block is running in it.
_CLOCK: ContextVar[Clock | None] = ContextVar("tconv_gemm_clock", default=None)


@contextmanager
def clocked(clock: Clock) -> Iterator[None]:
    """Time every GEMM the engines run within the block, in this context only: ``clock(seconds, flops)`` per GEMM.

    Other threads, and calls outside the block, are not timed; the chunks a call in the block hands to tconv's
    worker threads (the ``threads`` option) are, so ``clock`` must be safe to call from several threads.

    >>> record = []
    >>> with clocked(lambda seconds, flops: record.append(flops)):
    ...     _ = matmul(np.ones((2, 3)), np.ones((3, 4)))
    >>> _ = matmul(np.ones((2, 3)), np.ones((3, 4)))   # outside the block: not timed
    >>> record
    [48]
    """
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)``, timed by a :func:`clocked` block around it: the engines' batched GEMM.

    >>> matmul(np.ones((2, 2, 3)), np.ones((3, 1))).tolist()
    [[[3.0], [3.0]], [[3.0], [3.0]]]
    """
    clock = _CLOCK.get()
    if clock is None:
        return np.matmul(a, b, out=out)
    start = time.perf_counter()
    result = np.matmul(a, b, out=out)
    seconds = time.perf_counter() - start
    batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    clock(seconds, 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1])
    return result

_ONE = {char: np.ones(1, dtype=char) for char in "FD"}  # α = 1 (and β = 1) for the complex GEMMs, by pointer
_ZERO = {char: np.zeros(1, dtype=char) for char in "FD"}


def gemm(a: np.ndarray, b: np.ndarray, c: np.ndarray, *, accumulate: bool) -> None:
    """``c = a @ b``, or ``c += a @ b`` with ``accumulate``, for 2-D arrays of one dtype, in place in ``c``.

    With an OpenBLAS loaded and float32, float64, complex64 or complex128 views that BLAS can describe (a unit
    stride on one axis of each, ``c``'s on its last), one BLAS call; otherwise ``np.matmul`` (and an add).

    >>> a = np.ones((2, 3), np.float32)
    >>> out = np.zeros((2, 8), np.float32)
    >>> gemm(a, np.ones((3, 4), np.float32), out[:, ::2], accumulate=False)   # no unit stride: np.matmul
    >>> gemm(a, np.ones((3, 4), np.float32), out[:, 4:], accumulate=True)
    >>> out.tolist()[0]
    [3.0, 0.0, 3.0, 0.0, 6.0, 3.0, 6.0, 3.0]
    """
    if a.ndim != 2 or b.ndim != 2 or c.shape != (a.shape[0], b.shape[1]) or a.shape[1] != b.shape[0]:
        raise ValueError(f"gemm: shapes {a.shape} @ {b.shape} into {c.shape}")
    if not c.flags.writeable:
        raise ValueError("gemm: the output is read-only")
    clock = _CLOCK.get()
    start = time.perf_counter() if clock is not None else 0.0
    if not _blas_call(a, b, c, accumulate):
        if accumulate:
            c += a @ b
        else:
            np.matmul(a, b, out=c)
    if clock is not None:
        clock(time.perf_counter() - start, 2 * a.shape[0] * a.shape[1] * b.shape[1])


def _blas_call(a: np.ndarray, b: np.ndarray, c: np.ndarray, accumulate: bool) -> bool:
    """One BLAS GEMM for ``gemm``, or False where it cannot be one (then nothing was touched)."""
    blas = loaded_blas()
    char = c.dtype.char
    if blas is None or char not in blas.gemms or not (a.dtype == b.dtype == c.dtype) or not c.dtype.isnative:
        return False
    rows, inner = a.shape
    cols = b.shape[1]
    if rows == 0 or cols == 0:
        return True  # nothing to write
    if inner == 0:  # an empty sum: BLAS may leave c as it was
        if not accumulate:
            c.fill(0)
        return True
    if not (a.flags.aligned and b.flags.aligned and c.flags.aligned):
        return False  # BLAS's kernels may assume aligned elements
    la, lb, lc = _layout(a), _layout(b), _layout(c)
    if la is None or lb is None or lc is None or lc[0] != _NO_TRANS:
        return False
    if np.may_share_memory(c, a) or np.may_share_memory(c, b):
        return False  # BLAS would read what it writes
    if max(rows, cols, inner, la[1], lb[1], lc[1]) > blas.int_max:
        return False
    if char in "fd":
        alpha: object = 1.0
        beta: object = 1.0 if accumulate else 0.0
    else:
        alpha = _ONE[char].ctypes.data
        beta = (_ONE if accumulate else _ZERO)[char].ctypes.data
    blas.gemms[char](_ROW_MAJOR, la[0], lb[0], rows, cols, inner, alpha, a.ctypes.data, la[1], b.ctypes.data,
                     lb[1], beta, c.ctypes.data, lc[1])
    return True
