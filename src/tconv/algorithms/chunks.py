"""How the fast engines walk the batch: cache-sized chunks, on the calling thread unless the user opts in.

The GEMM engines stream their temporaries (im2col copies, products, accumulators) through NumPy operations that
run at memory speed when the temporaries are larger than the caches and several times faster when they fit.
The batch is chunked so that one chunk's temporaries take about ``chunk_bytes`` (an option, 4 MiB by default,
the size measured fastest on the benchmark layers: docs/benchmarks.md).

By default the chunks run one after the other on the calling thread, and BLAS multithreads each GEMM with
whatever thread count the user gave it: a call changes nothing another thread can see. With the ``threads``
option at 2 or more (:func:`tconv.options`, ``TCONV_THREADS``), :func:`for_chunks` hands the chunks to that many
threads (NumPy releases the GIL in its copies and GEMMs), each calling a single-threaded BLAS, so that the
copies of one chunk overlap the GEMM of another. That needs BLAS's thread count set to 1, which is
process-wide in every BLAS NumPy ships with (OpenBLAS's ``openblas_set_num_threads_local`` changes the global
count too in NumPy's build): so it is an opt-in, one such call at a time, restored after. The ``blas_threads``
option is the same opt-in for the calling thread alone: BLAS set to that many threads while the call's chunks run
on it (one thread keeps a call off a core another process is using: docs/algorithms.md). :func:`blas_threads`
finds NumPy's own OpenBLAS or MKL; where neither is found the chunks run on the
calling thread.
"""

from __future__ import annotations

import contextvars
import ctypes
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from functools import lru_cache

from ..settings import get_options
from .blas import numpy_symbol
from .workspace import Workspace, scope

#: Below this many low-resolution cells per image, the GEMM engines fold the batch into one GEMM's long
#: dimension instead of running thin per-image GEMMs (measured: 8×8 images).
FOLD_BELOW = 1024


def chunk_size(batch: int, per_image_bytes: int) -> int:
    """Images per chunk: as many as fit in the ``chunk_bytes`` option, at least one, at most the batch.

    >>> chunk_size(16, 1 << 20), chunk_size(16, 64 << 20), chunk_size(2, 1)
    (4, 1, 2)
    """
    limit = get_options().chunk_bytes
    assert limit is not None  # get_options() fills it
    return max(1, min(batch, limit // max(1, per_image_bytes)))


def workers(chunks: int) -> int:
    """Threads that :func:`for_chunks` uses for ``chunks`` chunks: the ``threads`` option (1 by default), at
    most one per chunk, and one where BLAS's thread count cannot be set.

    >>> workers(1), workers(8)
    (1, 1)
    """
    cap = get_options().threads or 1
    if chunks < 2 or cap < 2 or blas_controls() is None:
        return 1
    return min(cap, chunks)


def threads_for(batch: int, chunk: int) -> int:
    """How many chunks of ``chunk`` images are in flight at once over a batch (one per thread): the multiplier of
    a chunk's temporaries in an engine's memory estimate.

    >>> threads_for(1, 1)
    1
    """
    return workers(-(-batch // max(1, chunk)))


@lru_cache(maxsize=1)
def blas_controls() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of the thread count of NumPy's own BLAS (looked up through NumPy's extension module, as
    :func:`tconv.algorithms.blas.numpy_symbol` does: another BLAS in the process, such as SciPy's OpenBLAS, is never
    the one set), or None where it cannot be found.

    >>> controls = blas_controls()
    >>> controls is None or controls[0]() >= 1       # (get, set): read only here, set by blas_threads
    True
    """
    pairs = [
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
        ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
        ("openblas_get_num_threads", "openblas_set_num_threads"),
        ("MKL_Get_Max_Threads", "MKL_Set_Num_Threads"),
    ]
    for get_name, set_name in pairs:
        get, set_ = numpy_symbol(get_name), numpy_symbol(set_name)
        if get is not None and set_ is not None:
            get_func, set_func = get[1], set_[1]
            get_func.restype, get_func.argtypes = ctypes.c_int, []  # type: ignore[attr-defined]
            set_func.restype, set_func.argtypes = None, [ctypes.c_int]  # type: ignore[attr-defined]
            return get_func, set_func  # type: ignore[return-value]
    return None


_SECTION = threading.Lock()  # one parallel section at a time: BLAS's thread count is process-wide
_POOL: ThreadPoolExecutor | None = None


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: forget the pool (it would wait forever) and the lock."""
    global _POOL, _SECTION
    _POOL = None
    _SECTION = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Run the block with BLAS limited to ``n`` threads, restoring the previous count after.

    >>> controls = blas_controls()
    >>> before = controls[0]() if controls else None
    >>> with blas_threads(1):
    ...     inside = controls[0]() if controls else 1
    >>> inside, (controls[0]() if controls else None) == before
    (1, True)
    """
    blas = blas_controls()
    if blas is None:
        yield
        return
    get, set_ = blas
    previous = get()
    set_(n)
    try:
        yield
    finally:
        set_(previous)


def chunk_bounds(batch: int, chunk: int, count: int) -> list[int]:
    """Chunk boundaries for ``count`` threads: as many chunks as ``chunk`` images need, rounded up to a multiple
    of the threads (at most one per image), all of the same size to within one image, none larger than ``chunk``.

    Chunks of exactly ``chunk`` images would leave a thread idle at the end: 16 images in chunks of 5 make
    5, 5, 5, 1, which two threads share as 10 against 6 images; balanced, they are 4 × 4.

    >>> chunk_bounds(16, 5, 2), chunk_bounds(10, 3, 2), chunk_bounds(3, 1, 2), chunk_bounds(5, 2, 1)
    ([0, 4, 8, 12, 16], [0, 2, 5, 7, 10], [0, 1, 2, 3], [0, 1, 3, 5])
    """
    pieces = -(-batch // max(1, chunk))
    pieces = min(batch, -(-pieces // count) * count)
    return [batch * i // pieces for i in range(pieces + 1)]


def for_chunks(batch: int, chunk: int, body: Callable[[int, int, Workspace], None]) -> None:
    """Call ``body(b0, b1, workspace)`` for chunks ``[b0, b1)`` that cover the batch, none over ``chunk`` images.

    ``workspace`` is the :class:`~tconv.algorithms.workspace.Workspace` of the thread running the call, for
    buffers a body reuses from chunk to chunk (and, kept, from call to call).
    By default the calls run in order on the calling thread. With the ``threads`` option at 2 or more and two or
    more chunks, the calls are shared among :func:`workers` threads, BLAS single-threaded meanwhile:
    the chunks are balanced (:func:`chunk_bounds`) and each thread takes the next one when it is done with its
    last, so that a thread slowed by the machine does not hold the others up. The bodies write disjoint slices of the
    output, so their order does not matter.

    >>> seen = []
    >>> for_chunks(5, 2, lambda b0, b1, workspace: seen.append((b0, b1)))
    >>> sorted(i for b0, b1 in seen for i in range(b0, b1)), max(b1 - b0 for b0, b1 in seen)
    ([0, 1, 2, 3, 4], 2)
    """
    count = threads_for(batch, chunk)
    if count < 2:
        limit = get_options().blas_threads
        # the blas_threads opt-in: BLAS's count set for this call, where no other call holds it
        section = limit is not None and blas_controls() is not None and _SECTION.acquire(blocking=False)
        try:
            with blas_threads(limit) if section and limit is not None else nullcontext(), scope() as ws:
                for b0, b1 in itertools.pairwise(chunk_bounds(batch, chunk, 1)):
                    body(b0, b1, ws)
        finally:
            if section:
                _SECTION.release()
        return
    if not _SECTION.acquire(blocking=False):
        with scope() as ws:
            for b0, b1 in itertools.pairwise(chunk_bounds(batch, chunk, 1)):
                body(b0, b1, ws)
        return
    global _POOL
    try:
        if _POOL is None or _POOL._max_workers < count:  # grown only if the threads option grows
            if _POOL is not None:
                _POOL.shutdown(wait=False)  # idle (calls are serialised by _SECTION): its threads exit now
            _POOL = ThreadPoolExecutor(max_workers=count, thread_name_prefix="tconv")
        bounds = chunk_bounds(batch, chunk, count)
        taken = [0]  # the next chunk to take, under the lock
        lock = threading.Lock()

        def take() -> int:
            with lock:
                k = taken[0]
                taken[0] += 1
                return k

        def worker() -> None:
            with scope() as ws:  # this thread's own buffers
                while (k := take()) < len(bounds) - 1:
                    body(bounds[k], bounds[k + 1], ws)

        with blas_threads(1):
            # each worker runs in a copy of the caller's context: what the call's context holds holds for its
            # chunks too, NumPy's errstate (a context variable: NaN and Inf stay silent as on the calling thread)
            # and a profiler's GEMM clock (tconv.algorithms.blas.clocked)
            futures = [_POOL.submit(contextvars.copy_context().run, worker) for _ in range(count)]
            wait(futures)  # all of them, so that none still runs when BLAS's count is restored
            for future in futures:
                future.result()  # re-raises a worker's exception here
    finally:
        _SECTION.release()
