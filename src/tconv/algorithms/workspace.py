"""The fast engines' temporaries, kept per thread from one call to the next (a small arena, as ONNX Runtime and
oneDNN keep theirs).

Why: a NumPy temporary of a few MiB comes from glibc's heap or a fresh ``mmap``, and glibc gives freed memory
back to the kernel once the heap's free top passes its trim threshold. A call that frees its temporaries and its
caller's previous result together then trims, and the next call page-faults every temporary in again, zeroing
4 KiB at a time: on the stride-1 benchmark layer called in a loop that was 2,100 page faults per call and about
a quarter of its time (docs/algorithms.md, "Temporaries kept between calls"). glibc's thresholds (``mallopt``)
are process-wide, so tconv does not touch them; it keeps its own buffers instead.

A call runs inside :func:`scope` (:func:`~tconv.algorithms.chunks.for_chunks` opens one on each thread that runs
chunks; an engine that needs a buffer outside its chunk loop, like ``phase``'s padded input, opens the outer one);
an engine asks it for named buffers with :meth:`Workspace.take`. The bytes stay with the thread after the call, up
to :data:`KEEP_BYTES` per thread (beyond it, the buffers the call did not take go first, then the largest), and
:func:`release` frees the calling thread's at once. The memory guard counts every temporary as new, kept or not:
a kept buffer only makes a call allocate less than it was allowed to.

>>> import numpy as np
>>> with scope() as ws:
...     a = ws.take("a", (2, 3), np.float32, zero=True)
...     a[...] = 7
...     same = ws.take("a", (2, 3), np.float32, zero=True)  # the same buffer within a call: not zeroed again
>>> int(same.sum())
42
>>> with scope() as ws:
...     again = ws.take("a", (2, 3), np.float32, zero=True)  # kept, and zeroed at the next call's first take
>>> int(again.sum()), np.shares_memory(a, again)
(0, True)
>>> release(); held_bytes()
0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import DTypeLike

__all__ = ["KEEP_BYTES", "Workspace", "held_bytes", "release", "scope"]

#: Bytes of temporaries a thread keeps after a call: enough for every benchmark layer's (the largest, the
#: padded input and one chunk of the DCGAN 128→64 layer, is about 16 MiB), small beside the calls that need them.
KEEP_BYTES = 32 << 20

#: Buffers start at this alignment (AVX-512's vector width), whatever malloc gives.
ALIGN = 64


class Workspace:
    """One thread's named buffers: raw bytes, viewed with the shape and dtype each call asks for.

    >>> ws = Workspace()
    >>> ws.take("cols", (4, 4), np.float64).shape, ws.nbytes       # 128 bytes and room to align them
    ((4, 4), 192)
    >>> ws.take("cols", (2, 8), np.float32).shape, ws.nbytes       # a smaller view of the same bytes
    ((2, 8), 192)
    """

    def __init__(self) -> None:
        self._raw: dict[str, np.ndarray] = {}
        self._taken: dict[str, tuple[tuple[int, ...], np.dtype]] = {}  # in the current call: name → (shape, dtype)
        self.depth = 0

    def take(self, name: str, shape: tuple[int, ...], dtype: DTypeLike, *, zero: bool = False) -> np.ndarray:
        """A C-contiguous buffer of ``shape`` and ``dtype``: this thread's buffer ``name``, grown if needed.

        Within one call, taking the same name with the same shape and dtype again gives the same buffer as it was
        left (an engine's chunks reuse it, padding included). ``zero=True`` zero-fills it the first time it is
        taken in a call with this shape and dtype.

        >>> ws = Workspace()
        >>> a = ws.take("a", (3,), np.int64, zero=True)
        >>> a[...] = 5
        >>> ws.take("a", (3,), np.int64, zero=True)      # same call, same shape: left as it was
        array([5, 5, 5])
        >>> ws.take("a", (3,), np.int32, zero=True)      # another dtype: zero-filled again
        array([0, 0, 0], dtype=int32)
        """
        dt = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        nbytes = math.prod(shape) * dt.itemsize
        raw = self._raw.get(name)
        if raw is None or raw.nbytes - ALIGN < nbytes:
            self._raw.pop(name, None)
            del raw  # freed before the larger one is allocated: one copy at a time, as the memory guard counts
            raw = np.empty(nbytes + ALIGN, dtype=np.uint8)
            self._raw[name] = raw
        start = -raw.ctypes.data % ALIGN
        view = raw[start:start + nbytes].view(dt).reshape(shape)
        if zero and self._taken.get(name) != (shape, dt):
            view.fill(0)
        self._taken[name] = (shape, dt)
        return view

    @property
    def nbytes(self) -> int:
        """Bytes held, alignment slack included.

        >>> ws = Workspace()
        >>> _ = ws.take("a", (1000,), np.float64), ws.take("b", (10,), np.uint8)
        >>> ws.nbytes                 # 8000 + 10, and 64 of slack each
        8138
        """
        return sum(raw.nbytes for raw in self._raw.values())

    def end_call(self, keep: int) -> None:
        """The end of a call: free buffers until at most ``keep`` bytes are held, first those the call did not take
        (another engine's), then the largest; the next call's ``zero=True`` takes zero-fill again.

        >>> ws = Workspace()
        >>> _ = ws.take("big", (1000,), np.float64), ws.take("small", (10,), np.float64)
        >>> ws.end_call(keep=1000)
        >>> ws.nbytes                 # the largest went, the 80 bytes (+ 64) stay
        144
        """
        order = sorted(self._raw, key=lambda n: (n in self._taken, -self._raw[n].nbytes))
        for name in order:
            if self.nbytes <= keep:
                break
            del self._raw[name]
        self._taken.clear()

    def clear(self) -> None:
        """Free every buffer.

        >>> ws = Workspace()
        >>> _ = ws.take("a", (100,), np.float64)
        >>> ws.clear()
        >>> ws.nbytes
        0
        """
        self._raw.clear()
        self._taken.clear()


_LOCAL = threading.local()


def _workspace() -> Workspace:
    ws: Workspace | None = getattr(_LOCAL, "workspace", None)
    if ws is None:
        ws = _LOCAL.workspace = Workspace()
    return ws


@contextmanager
def scope() -> Iterator[Workspace]:
    """This thread's workspace for the length of one call. Scopes nest: an inner one (an engine's chunk loop
    inside the scope its ``run`` opened) shares the outer one's buffers, and only the outermost one ends the call
    (:meth:`Workspace.end_call`, keeping at most :data:`KEEP_BYTES`).

    >>> with scope() as outer, scope() as inner:
    ...     outer is inner
    True
    """
    ws = _workspace()
    ws.depth += 1
    try:
        yield ws
    finally:
        ws.depth -= 1
        if ws.depth == 0:
            ws.end_call(KEEP_BYTES)


def held_bytes() -> int:
    """Bytes of temporaries the calling thread keeps between calls.

    >>> release()
    >>> with scope() as ws:
    ...     _ = ws.take("example", (1024,), np.float64)
    >>> held_bytes()              # 8 KiB kept for the next call (+ 64 of alignment slack)
    8256
    >>> release()
    """
    return _workspace().nbytes


def release() -> None:
    """Free the calling thread's kept temporaries now (a later call allocates them again).

    >>> with scope() as ws:
    ...     _ = ws.take("example", (1024,), np.float64)
    >>> release()
    >>> held_bytes()
    0
    """
    ws = _workspace()
    if ws.depth == 0:  # never under a running call's feet
        ws.clear()
