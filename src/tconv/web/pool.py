"""The explorer's heavy work, bounded: a few worker processes, a bounded queue in front of them, and a cache of
the answers.

Why processes: the scenes, SVG, GIF, walkthroughs and heatmaps are pure Python that holds the GIL, so in threads
they would also stall the event loop that answers ``/api/shape`` (measured in docs/explorer.md). Worker processes
take the CPU and the memory of a render away from the server process; each one is forked from a forkserver that
has already imported tconv, so a fresh worker costs milliseconds, and a worker is replaced when its memory stays
high after a job (or after many jobs), which gives the memory back to the machine.

Not ``concurrent.futures.ProcessPoolExecutor``: its ``max_tasks_per_child`` deadlocks once a worker is replaced
while jobs are queued (CPython gh-115634, present since 3.11 and not fixed there), and without it a worker's memory
is never given back. Here each worker is owned by one dispatcher thread, which sends it one job at a time over a pipe.

Everything in this module is plumbing: it runs a job function with its arguments and returns the bytes that job
made; what a job computes is the library's (tconv.web.jobs defines the jobs).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

__all__ = ["Busy", "HeavyPool", "Result", "ResultCache", "cpu_count", "malloc_trim", "rss_bytes", "tune_allocator"]

#: What the jobs import, loaded once in the forkserver so that each forked worker starts with them (shared pages,
#: and no import time per worker). A module missing here is imported by the first job that needs it; one that no
#: longer exists is skipped by the forkserver.
PRELOAD = ["tconv.web.jobs", "tconv.scene", "tconv.render", "tconv.render.svg", "tconv.render.raster",
           "tconv.render.gif", "tconv.explain", "tconv.explain.writers", "numpy.random", "xml.sax.saxutils",
           "PIL.Image", "PIL.GifImagePlugin", "PIL.ImageDraw", "PIL.ImageFont"]

PoolKind = Literal["process", "thread"]

#: Workers run at this niceness: renders are background work, and the server's event loop (which answers
#: /api/shape and sends the answers) gets the CPU first when both want it.
WORKER_NICE = 5
#: After this many seconds without a job the worker processes are stopped (the next job forks one in about 10
#: ms): memory goes back to the machine after a burst of load, and an idle server holds no workers.
IDLE_SHRINK_S = 2.0


@dataclass(frozen=True)
class Result:
    """A finished answer: the body's bytes, its media type and extra headers. Cached as is, so a repeated query
    answers the very same bytes.

    >>> Result(b"<svg/>", "image/svg+xml", (("Cache-Control", "max-age=3600"),)).media_type
    'image/svg+xml'
    """

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


class Busy(Exception):
    """Every worker is busy and the queue is full: the request is answered 503 with Retry-After.

    >>> busy = Busy(running=2, queued=4, retry_after=3)
    >>> print(busy); busy.retry_after
    the server is busy (renders running: 2, waiting: 4, the most it holds); retry in 3 s
    3
    """

    def __init__(self, running: int, queued: int, retry_after: int) -> None:
        super().__init__(
            f"the server is busy (renders running: {running}, waiting: {queued}, the most it holds); "
            f"retry in {retry_after} s"
        )
        self.retry_after = retry_after


def cpu_count() -> int:
    """The cores this process may run on (its affinity mask, which containers and taskset narrow).

    >>> 1 <= cpu_count() <= (os.cpu_count() or 1)
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process in bytes (Linux /proc; 0 where it cannot be read).

    >>> rss_bytes(2**30)          # no such process
    0
    >>> rss_bytes() > 10 << 20 or not os.path.exists("/proc/self/statm")      # this one holds NumPy at least
    True
    """
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


_LIBC = _libc()


def malloc_trim() -> bool:
    """Give the allocator's free pages back to the system (glibc ``malloc_trim(0)``); False where there is none.

    >>> malloc_trim() in (True, False)      # True: glibc returned some memory; nothing else changes
    True
    """
    return bool(_LIBC is not None and _LIBC.malloc_trim(0))


def tune_allocator() -> None:
    """For a long-running server process: glibc's mmap threshold fixed at 1 MiB (by default it grows up to 32 MiB
    after a large block is freed, and later large bodies then come from the heap, which fragments and is not
    returned), and at most 2 arenas (one per thread by default, each keeping its own free memory)."""
    if _LIBC is not None and hasattr(_LIBC, "mallopt"):
        m_mmap_threshold, m_arena_max = -3, -8  # from glibc's malloc.h
        _LIBC.mallopt(m_mmap_threshold, 1 << 20)
        _LIBC.mallopt(m_arena_max, 2)


class ResultCache:
    """Answers by query, least recently used first out, within a byte budget (bodies counted). Thread-safe.

    >>> cache = ResultCache(budget=10)
    >>> cache.put("a", Result(b"12345", "text/plain")); cache.put("b", Result(b"12345", "text/plain"))
    >>> cache.put("c", Result(b"123", "text/plain"))        # 13 bytes > 10: "a", the oldest, goes
    >>> cache.keys(), cache.size
    (['b', 'c'], 8)
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[Hashable, Result] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Result | None:
        """The answer kept for ``key`` (now the most recently used), or None; counted as a hit or a miss.

        >>> cache = ResultCache(budget=100)
        >>> cache.put("q", Result(b"body", "text/plain"))
        >>> cache.get("q").body, cache.get("other"), (cache.hits, cache.misses)
        (b'body', None, (1, 1))
        """
        with self._lock:
            result = self._items.get(key)
            if result is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return result

    def put(self, key: Hashable, result: Result) -> None:
        """Keep an answer, evicting the least recently used ones until it fits; one larger than the whole budget
        is not kept.

        >>> cache = ResultCache(budget=4)
        >>> cache.put("small", Result(b"1234", "text/plain")); cache.put("large", Result(b"12345", "text/plain"))
        >>> cache.keys()              # the 5-byte body is over the whole budget: not kept, nothing evicted
        ['small']
        """
        need = len(result.body)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            if need > self.budget:
                return
            while self.size + need > self.budget:
                _, evicted = self._items.popitem(last=False)
                self.size -= len(evicted.body)
            self._items[key] = result
            self.size += need

    def keys(self) -> list[Hashable]:
        """The cached keys, least recently used first.

        >>> cache = ResultCache(budget=100)
        >>> for key in "abc":
        ...     cache.put(key, Result(b"x", "text/plain"))
        >>> _ = cache.get("a")
        >>> cache.keys()
        ['b', 'c', 'a']
        """
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        return len(self._items)


class _RemoteTraceback(Exception):
    """The worker's traceback, chained to an exception re-raised in the server so that its log shows both."""

    def __str__(self) -> str:
        return str(self.args[0])


class WorkerDied(RuntimeError):
    """A worker process ended during a job (killed, or crashed): an internal error, answered 500.

    >>> isinstance(WorkerDied("worker 4242 was killed by signal 9"), RuntimeError)
    True
    """


def _worker_main(conn: Connection, memory_budget: int | None) -> None:
    """A worker: run the jobs it is sent, one at a time; reply with the outcome and its memory after the job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops its workers
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)
    tune_allocator()
    if memory_budget is not None:
        from ..settings import set_memory_budget

        set_memory_budget(memory_budget)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        del message
        # Each reply: a header, the body's raw bytes for a Result (pickling them would copy them once more on each
        # side), then the worker's memory once the job's garbage is freed.
        try:
            result = fn(*args)
            header: tuple[Any, ...] = ("result", result.media_type, result.headers) if isinstance(result, Result) \
                else ("value", result)
        except Exception as exc:
            result, header = None, ("error", exc, traceback.format_exc())
        del fn, args
        try:
            conn.send(header)
        except Exception:  # an exception or value that does not pickle: say what it was
            conn.send(("error", RuntimeError(f"the job's outcome does not pickle: {header[1]!r}"), ""))
        else:
            if header[0] == "result":
                conn.send_bytes(result.body)
        del result, header
        malloc_trim()
        conn.send(rss_bytes())


class _Worker:
    def __init__(self, context: Any, memory_budget: int | None, start: bool = True) -> None:
        self.conn, self._child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(self._child, memory_budget), daemon=True,
                                       name="tconv-web-worker")
        self.started = False
        if start:
            self.start()
        self.jobs = 0
        self.rss = 0  # after its last job
        self.base = 0  # after its first job

    def start(self) -> None:
        """Fork the process (from the forkserver: about 10 ms); a worker made lazily starts on its first job."""
        if not self.started:
            self.process.start()
            self._child.close()
            self.started = True

    def stop(self, kill: bool = False) -> None:
        if not self.started:
            self.conn.close()
            self._child.close()
            return
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.conn.close()


class _ProcessWorkers:
    """A fixed number of worker processes; ``call`` runs one job on an idle one (blocking: from a dispatcher
    thread, one per worker, so an idle worker is always there)."""

    def __init__(self, workers: int, max_jobs: int, recycle_bytes: int, memory_budget: int | None) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._max_jobs, self._recycle_bytes, self._memory_budget = max_jobs, recycle_bytes, memory_budget
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._retired: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.recycled = 0
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self, start: bool = True) -> _Worker:
        worker = _Worker(self._context, self._memory_budget, start)
        with self._lock:
            self._all.add(worker)
            for old in [w for w in self._retired if not w.process.is_alive()]:  # reap the ones that have exited
                old.process.join()
                self._retired.remove(old)
        return worker

    def _retire(self, worker: _Worker, kill: bool = False) -> None:
        worker.stop(kill)
        with self._lock:
            self._all.discard(worker)
            self._retired.append(worker)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """The job's return value; a :class:`Result`'s body travels as raw bytes."""
        worker = self._idle.get()
        worker.start()  # a worker put to rest by shrink() starts again here
        try:
            worker.conn.send((fn, args))  # pickled before anything is written: a job that does not pickle...
        except (EOFError, OSError):
            pass  # (a dead worker: found by the recv below)
        except Exception:
            self._idle.put(worker)  # ...leaves the worker as it was
            raise
        try:
            header = worker.conn.recv()
            body = worker.conn.recv_bytes() if header[0] == "result" else b""
            rss = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.process.join(timeout=1)  # it has ended, or is ending: its exit code
            code = worker.process.exitcode
            self._retire(worker, kill=True)
            self._idle.put(self._spawn())
            raise WorkerDied(f"a worker process ended during a job (exit code {code})") from exc
        worker.jobs, worker.rss = worker.jobs + 1, rss
        worker.base = worker.base or rss
        if rss > self._recycle_bytes or worker.jobs >= self._max_jobs:  # give its memory back
            self._retire(worker)
            self.recycled += 1
            worker = self._spawn()
        self._idle.put(worker)
        if header[0] == "result":
            return Result(body, header[1], header[2])
        if header[0] == "value":
            return header[1]
        raise header[1] from _RemoteTraceback(header[2])

    def _take_idle(self) -> list[_Worker]:
        """Every worker waiting for a job, taken out of the idle queue (the caller puts each one, or its
        replacement, back)."""
        idle: list[_Worker] = []
        with contextlib.suppress(queue.Empty):
            while True:
                idle.append(self._idle.get_nowait())
        return idle

    def refresh(self) -> None:
        """Replace the idle workers that have grown by more than a quarter of ``recycle_bytes`` since their first
        job (run when the pool has gone idle: a fresh worker costs about 10 ms, and the memory that the last renders
        left behind goes back to the machine)."""
        for worker in self._take_idle():
            if worker.rss > worker.base + self._recycle_bytes // 4:
                self._retire(worker)
                self.recycled += 1
                worker = self._spawn()
            self._idle.put(worker)

    def shrink(self) -> None:
        """Stop every idle worker and leave a lazy one in its place (run after the pool has been idle for
        IDLE_SHRINK_S): at rest the server keeps no worker processes, so their memory goes back to the machine;
        the next job forks a fresh one (about 10 ms)."""
        for worker in self._take_idle():
            if worker.started:
                self._retire(worker)
                worker = self._spawn(start=False)
            self._idle.put(worker)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.started and w.process.pid is not None]

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker)
        for worker in [w for w in workers if w.started]:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


class HeavyPool:
    """Runs the expensive jobs: at most ``workers`` at once, at most ``queue`` more waiting, the rest refused with
    :class:`Busy`. Identical queries share one job while it runs and are answered from the cache afterwards.

    ``kind="process"`` runs jobs in worker processes (the server's choice); ``"thread"`` runs them in threads of
    this process (the same bounds, for tests that patch the library, and for comparison).

    >>> import asyncio
    >>> def square(n):
    ...     return Result(str(n * n).encode(), "text/plain")
    >>> pool = HeavyPool(workers=1, queue=0, cache_bytes=1024, kind="thread")
    >>> async def twice():
    ...     return [(await pool.answer(square, 7)).body for _ in range(2)]
    >>> asyncio.run(twice())          # computed once, then answered from the cache
    [b'49', b'49']
    >>> pool.jobs, pool.cache.hits
    (1, 1)
    >>> pool.close()
    """

    def __init__(
        self,
        workers: int,
        queue: int,
        cache_bytes: int,
        kind: PoolKind = "process",
        max_jobs: int = 500,
        recycle_bytes: int = 64 << 20,
        memory_budget: int | None = None,
        retry_after: int = 1,
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError(f"a pool needs at least one worker and a queue of 0 or more, got {workers}, {queue}")
        self.workers, self.queue, self.kind = workers, queue, kind
        self.limit = workers + queue
        self.cache = ResultCache(cache_bytes)
        self.retry_after = retry_after
        self._options = (max_jobs, recycle_bytes, memory_budget)
        self._dispatch: ThreadPoolExecutor | None = None
        self._processes: _ProcessWorkers | None = None
        self._pending: dict[Hashable, asyncio.Future[Result]] = {}
        self._lock = threading.Lock()
        self._running = 0  # jobs accepted and not finished: running, or waiting for a worker
        self._since_trim = 0
        self.jobs = 0
        self.refused = 0
        self.shared = 0

    def start(self) -> None:
        """Start the dispatcher threads and (for processes) the workers; the first job does it if not done.

        >>> pool = HeavyPool(workers=1, queue=0, cache_bytes=0, kind="thread")
        >>> pool.start(); pool.start()        # the second call finds it started
        >>> pool.worker_pids()                # threads: no worker process
        []
        >>> pool.close()
        """
        with self._lock:
            if self._dispatch is not None:
                return
            if self.kind == "process":
                self._processes = _ProcessWorkers(self.workers, *self._options)
            self._dispatch = ThreadPoolExecutor(self.workers, thread_name_prefix="tconv-web-dispatch")

    def close(self) -> None:
        """Stop the dispatcher and the workers, cancelling the jobs still waiting; a later job starts them again.

        >>> import asyncio
        >>> def square(n):
        ...     return Result(str(n * n).encode(), "text/plain")
        >>> pool = HeavyPool(workers=1, queue=0, cache_bytes=1024, kind="thread")
        >>> asyncio.run(pool.answer(square, 3)).body
        b'9'
        >>> pool.close(); pool.close()        # the second finds nothing to stop
        """
        with self._lock:
            dispatch, processes = self._dispatch, self._processes
            self._dispatch = self._processes = None
        if dispatch is not None:
            dispatch.shutdown(wait=True, cancel_futures=True)
        if processes is not None:
            processes.close()

    def worker_pids(self) -> list[int]:
        """The process ids of the live workers (none for ``kind="thread"``, or before the pool starts).

        >>> HeavyPool(workers=2, queue=0, cache_bytes=0).worker_pids()     # processes start with the first job
        []
        """
        return [] if self._processes is None else self._processes.pids()

    def _run(self, fn: Callable[..., Result], args: tuple[Any, ...]) -> Result:
        if self._processes is not None:
            result: Result = self._processes.call(fn, args)
            return result
        memory_budget = self._options[2]
        if memory_budget is None:
            return fn(*args)
        from ..settings import options

        with options(memory_budget=memory_budget):  # scoped to this thread's call, as a worker sets its own
            return fn(*args)

    async def answer(self, fn: Callable[..., Result], *args: Hashable) -> Result:
        """The job's answer for these arguments: from the cache, from the same job already running, or from a new
        job if the pool has room (else :class:`Busy`). A job's exception reaches every request that waited on it.

        >>> import asyncio
        >>> def square(n):
        ...     return Result(str(n * n).encode(), "text/plain")
        >>> pool = HeavyPool(workers=1, queue=0, cache_bytes=1024, kind="thread")
        >>> async def three():               # the same query three times at once: one job, shared
        ...     return await asyncio.gather(*(pool.answer(square, 12) for _ in range(3)))
        >>> [r.body for r in asyncio.run(three())], pool.jobs
        ([b'144', b'144', b'144'], 1)
        >>> pool.close()
        """
        key = (fn.__module__, fn.__qualname__, args)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        shared = self._pending.get(key)
        if shared is not None and shared.get_loop() is loop:
            self.shared += 1
            return await asyncio.shield(shared)
        self.start()
        with self._lock:
            if self._running >= self.limit:
                self.refused += 1
                raise Busy(min(self._running, self.workers), self._running - min(self._running, self.workers),
                           self.retry_after)
            self._running += 1
            self.jobs += 1
        assert self._dispatch is not None
        future = loop.run_in_executor(self._dispatch, self._run, fn, args)
        self._pending[key] = future
        future.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(future)

    def _finished(self, key: Hashable, future: asyncio.Future[Result]) -> None:
        with self._lock:
            self._running -= 1
            idle = self._running == 0
        if self._pending.get(key) is future:
            del self._pending[key]
        if not future.cancelled() and future.exception() is None:
            result = future.result()
            if isinstance(result, Result):
                self.cache.put(key, result)
                self._since_trim += len(result.body)
        if idle and self._since_trim > 8 << 20:  # idle after large answers: hand their freed pages back
            self._since_trim = 0
            malloc_trim()
        if idle and self._processes is not None and self._dispatch is not None:
            self._dispatch.submit(self._processes.refresh)
            generation = self.jobs
            timer = threading.Timer(IDLE_SHRINK_S, self._shrink_if_still_idle, (generation,))
            timer.daemon = True
            timer.start()

    def _shrink_if_still_idle(self, generation: int) -> None:
        """After IDLE_SHRINK_S without a new job, stop the workers (see :meth:`_ProcessWorkers.shrink`)."""
        with self._lock:
            still_idle = self._running == 0 and self.jobs == generation
            processes, dispatch = self._processes, self._dispatch
        if still_idle and processes is not None and dispatch is not None:
            with contextlib.suppress(RuntimeError):  # the pool closed meanwhile
                dispatch.submit(processes.shrink)

    def stats(self) -> dict[str, Any]:
        """The pool's counters: jobs, refusals, shared jobs, recycled workers, and the cache's.

        >>> stats = HeavyPool(workers=2, queue=4, cache_bytes=1024, kind="thread").stats()
        >>> stats["workers"], stats["jobs"], stats["cache"]
        (2, 0, {'budget': 1024, 'bytes': 0, 'entries': 0, 'hits': 0, 'misses': 0})
        """
        return {
            "kind": self.kind, "workers": self.workers, "queue": self.queue, "running": self._running,
            "jobs": self.jobs, "refused": self.refused, "shared": self.shared,
            "recycled": 0 if self._processes is None else self._processes.recycled,
            "cache": {"budget": self.cache.budget, "bytes": self.cache.size, "entries": len(self.cache),
                      "hits": self.cache.hits, "misses": self.cache.misses},
        }
