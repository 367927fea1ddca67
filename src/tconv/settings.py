"""tconv's knobs in one place: threads, chunk size and memory budget, as a frozen :class:`Options`.

>>> import tconv
>>> with tconv.options(threads=1, memory_budget=1 << 30):
...     tconv.get_options().memory_budget
1073741824
>>> tconv.get_options().memory_budget is None     # back to the default outside the block
True

Three layers, the innermost wins: a ``with tconv.options(...)`` block (a :mod:`contextvars` variable, so it holds
for the calling thread or asyncio task only, never for another thread), then the process-wide defaults set by
:func:`set_options`, then the environment (``TCONV_THREADS``, ``TCONV_MEMORY_BUDGET``) and the built-in defaults.
A field left at ``None`` means "take it from the next layer"; :func:`get_options` returns the merged result
with ``None`` only where the built-in default is computed at call time (the memory budget).

No tconv call changes anything outside this module's state for the thread that made it: in particular the BLAS
thread count stays what the user set (see ``threads``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ._axes import as_bool, as_int
from .errors import TconvError

__all__ = [
    "Options",
    "check_memory",
    "format_bytes",
    "get_memory_budget",
    "get_options",
    "options",
    "set_memory_budget",
    "set_options",
    "total_memory",
]

#: Chunks of the batch are sized so that one chunk's temporaries take about this many bytes (measured:
#: docs/benchmarks.md, 4 MiB was fastest or within noise of the fastest on every benchmark layer).
DEFAULT_CHUNK_BYTES = 4 << 20
#: The default memory budget is this fraction of the machine's memory (its RAM, or the container's limit when
#: that is lower), read once: the same call is accepted or refused whatever else runs at the moment.
DEFAULT_BUDGET_FRACTION = 0.5
#: Where the machine's memory cannot be read (no /proc, no sysconf), the budget assumes this much.
FALLBACK_TOTAL_MEMORY = 8 << 30
#: The most ``blas_threads`` (and ``threads``) accepted. BLAS takes the count as a C int (2**32 + 1 would arrive as
#: 1) and caps it at its build's own most (OpenBLAS's is often 64); tconv's own pool would start one OS thread per
#: chunk up to ``threads``. More than this is a typo, never a machine.
MAX_BLAS_THREADS = 4096
MAX_THREADS = MAX_BLAS_THREADS

#: Each thread count's refusal above its bound, by field: what the count is of, and why more is never useful.
_TOO_MANY = {
    "threads": (MAX_THREADS, "more threads than tconv starts",
                "a call uses at most one per chunk; the cores are what speeds it up"),
    "blas_threads": (MAX_BLAS_THREADS, "more BLAS threads than tconv sets",
                     "BLAS itself uses at most its build's count"),
}


def _check_count(field: str, name: str, value: int) -> int:
    """``value`` (at least 1 already) of the thread count ``field``, refused above its bound (:data:`_TOO_MANY`)
    naming ``name`` (the option or the environment variable) and the range; other fields pass."""
    if field in _TOO_MANY and value > _TOO_MANY[field][0]:
        most, what, why = _TOO_MANY[field]
        raise TconvError(f"{name} {value} is {what}: valid range 1..{most} ({why})")
    return value


@dataclass(frozen=True)
class Options:
    """The knobs of every tconv call. ``None`` means "not set here": the next layer decides.

    Attributes:
        threads: tconv's own threads for the chunks of a batch. ``1`` (the default) runs every chunk on the
            calling thread, and BLAS multithreads each GEMM with the thread count the user gave it: nothing
            outside tconv changes. ``2`` or more is an opt-in: the chunks run on that many threads, each with a
            single-threaded BLAS, which needs BLAS's *process-wide* thread count set to 1 for the duration of the
            call (restored after; one such call at a time). Other threads of the process see BLAS single-threaded
            meanwhile. Environment: ``TCONV_THREADS``.
        chunk_bytes: the temporaries of one chunk of the batch, in bytes (cache-sized by default).
        memory_budget: the most bytes one call may allocate, output and every temporary included; ``None``:
            ``TCONV_MEMORY_BUDGET``, else half the machine's memory (see :func:`get_memory_budget`).
        tune: ``True`` makes ``algorithm="auto"`` time the fast engines once per layer configuration on this
            machine and keep the fastest in a per-machine cache file (:mod:`tconv.algorithms.tune`, FFTW's
            wisdom); ``False`` (the default) uses the measured rule. Environment: ``TCONV_TUNE=1``.
        blas_threads: NumPy's BLAS thread count during a call whose chunks run on the calling thread. ``None``
            (the default) leaves it as the user set it. A number is an opt-in for a busy machine: OpenBLAS splits
            each GEMM over its threads and waits for the slowest, so a core taken by another process makes a call
            wait for it (docs/algorithms.md, "Threads on a busy machine"); ``1`` keeps every GEMM on the calling
            thread. Like ``threads``, it sets BLAS's *process-wide* count for the duration of the call (restored
            after; one such call at a time, another meanwhile runs as it finds BLAS). Environment:
            ``TCONV_BLAS_THREADS``.

    >>> Options(threads=2)
    Options(threads=2, chunk_bytes=None, memory_budget=None, tune=None, blas_threads=None)
    >>> Options(threads=0)
    Traceback (most recent call last):
    tconv.errors.TconvError: threads 0 must be at least 1
    >>> Options(blas_threads=2**32 + 1)
    Traceback (most recent call last):
    tconv.errors.TconvError: blas_threads 4294967297 is more BLAS threads than tconv sets: valid range 1..4096 (BLAS
    itself uses at most its build's count)
    """

    threads: int | None = None
    chunk_bytes: int | None = None
    memory_budget: int | None = None
    tune: bool | None = None
    blas_threads: int | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None:
                checked = (as_bool(field.name, value) if field.name == "tune"
                           else _check_count(field.name, field.name, as_int(field.name, value, minimum=1)))
                object.__setattr__(self, field.name, checked)

    def merged(self, under: Options) -> Options:
        """These options, with the fields left at ``None`` taken from ``under``.

        >>> Options(threads=2).merged(Options(threads=1, chunk_bytes=1024))
        Options(threads=2, chunk_bytes=1024, memory_budget=None, tune=None, blas_threads=None)
        """
        return Options(**{
            f.name: getattr(under, f.name) if getattr(self, f.name) is None else getattr(self, f.name)
            for f in dataclasses.fields(self)
        })


_FIELDS = tuple(f.name for f in dataclasses.fields(Options))
_BUILTIN = Options(threads=1, chunk_bytes=DEFAULT_CHUNK_BYTES, tune=False)
_process = Options()  # set_options()
_scoped: contextvars.ContextVar[Options | None] = contextvars.ContextVar("tconv_options", default=None)
# The options of the call in progress on this thread (frozen), so that one call reads them once: its memory
# estimate and its run see the same chunk size and threads, and the environment is not read again per chunk.
_call: contextvars.ContextVar[Options | None] = contextvars.ContextVar("tconv_call_options", default=None)


def _checked(changes: dict[str, int | None]) -> Options:
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise TconvError(f"option {unknown[0]!r} is not known: choose among {', '.join(_FIELDS)}")
    return Options(**changes)  # type: ignore[arg-type]  # each field's type is checked in __post_init__


_ENVIRONMENT = ("TCONV_THREADS", "TCONV_MEMORY_BUDGET", "TCONV_TUNE", "TCONV_BLAS_THREADS")


def _environment(texts: tuple[str | None, ...]) -> Options:
    """The environment layer from the variables' texts."""
    values: dict[str, int | bool] = {}
    for env, (name, field, what) in zip(texts, (
        ("TCONV_THREADS", "threads", f"a whole number of threads, 1..{MAX_THREADS} "
         "(1 keeps every call on the calling thread)"),
        ("TCONV_MEMORY_BUDGET", "memory_budget", "a positive number of bytes"),
        ("TCONV_TUNE", "tune", "1 (time the engines once per layer) or 0"),
        ("TCONV_BLAS_THREADS", "blas_threads", f"a whole number of BLAS threads during a call, 1..{MAX_BLAS_THREADS}"),
    )):
        if env and field == "tune":
            if env.strip() not in ("0", "1"):
                raise TconvError(f"{name} {env!r} must be 1 (time the engines once per layer) or 0")
            values[field] = env.strip() == "1"
        elif env:
            try:
                values[field] = as_int(name, int(env), minimum=1)
            except ValueError:
                raise TconvError(f"{name} {env!r} must be {what}") from None
            _check_count(field, name, int(values[field]))
    return Options(**values)  # type: ignore[arg-type]  # an int or a bool per field, as read above


def get_options() -> Options:
    """The options in force for a call made here and now: scoped, then process-wide, then environment, then
    the built-in defaults (``threads`` 1, ``chunk_bytes`` 4 MiB; ``memory_budget`` stays ``None`` unless set,
    see :func:`get_memory_budget`).

    >>> get_options().threads, get_options().chunk_bytes
    (1, 4194304)
    """
    fixed = _call.get()
    if fixed is not None:
        return fixed
    # The environment is read at each call (a variable set after import still counts); the merge is cached.
    return _merge(_scoped.get(), _process, tuple(os.environ.get(name) for name in _ENVIRONMENT))


@functools.lru_cache(maxsize=64)
def _merge(scoped: Options | None, process: Options, environment: tuple[str | None, ...]) -> Options:
    below = process.merged(_environment(environment).merged(_BUILTIN))
    return below if scoped is None else scoped.merged(below)


@contextmanager
def options(**changes: int | None) -> Iterator[Options]:
    """Change options for the calling thread (or asyncio task) inside a ``with`` block; yields the options in
    force inside. Other threads keep theirs: the change lives in a :mod:`contextvars` variable.

    >>> with options(chunk_bytes=1 << 16) as inside:
    ...     inside.chunk_bytes
    65536
    >>> options(thread=2).__enter__()
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: option 'thread' is not known: choose among threads, chunk_bytes, memory_budget, tune,
    blas_threads
    """
    token = _scoped.set(_checked(changes).merged(_scoped.get() or Options()))
    try:
        yield get_options()
    finally:
        _scoped.reset(token)


@contextmanager
def one_call() -> Iterator[Options]:
    """Read the options once for the call made inside the block: every :func:`get_options` inside returns them.

    >>> with one_call() as fixed, options(threads=3):
    ...     get_options() is fixed
    True
    """
    fixed = get_options()
    token = _call.set(fixed)
    try:
        yield fixed
    finally:
        _call.reset(token)


def set_options(**changes: int | None) -> Options:
    """Set process-wide defaults (every thread, below any ``with options(...)`` block); ``None`` unsets a field.
    Returns the previous process-wide settings, which ``set_options(**dataclasses.asdict(previous))`` restores.

    >>> previous = set_options(threads=2)
    >>> get_options().threads
    2
    >>> _ = set_options(**dataclasses.asdict(previous))
    >>> get_options().threads
    1
    """
    global _process
    previous = _process
    new = _checked(changes)
    _process = Options(**{name: getattr(new, name) if name in changes else getattr(previous, name) for name in _FIELDS})
    return previous


def _cgroup_limit() -> int | None:
    """The container's memory limit (cgroup v2, then v1), or None when there is none."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # "max", or v1's huge "no limit" number
            return int(text)
    return None


@functools.cache
def total_memory() -> int:
    """The machine's memory in bytes: its RAM, or the container's (cgroup) limit when lower. Read once per
    process, so the default budget does not follow what else happens to run.

    >>> total_memory() > 0
    True
    """
    ram = None
    with contextlib.suppress(ValueError, OSError, AttributeError):  # not on Linux/macOS: no sysconf names
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limits = [n for n in (ram, _cgroup_limit()) if n is not None and n > 0]
    return min(limits) if limits else FALLBACK_TOTAL_MEMORY


def get_memory_budget() -> int:
    """The largest number of bytes one call may allocate (output plus temporaries): the ``memory_budget`` option
    (:func:`options` for a block, :func:`set_options` or :func:`set_memory_budget` for the process,
    ``TCONV_MEMORY_BUDGET``), else half of :func:`total_memory`.

    >>> get_memory_budget() > 0
    True
    """
    budget = get_options().memory_budget
    return int(total_memory() * DEFAULT_BUDGET_FRACTION) if budget is None else budget


def format_bytes(n: float) -> str:
    """Bytes for people: ``format_bytes(3 << 20)`` is ``'3.0 MiB'``; from a million PiB on, in scientific notation.

    >>> format_bytes(512), format_bytes(3 << 20), format_bytes(5 * 2**60)
    ('512 B', '3.0 MiB', '5120.0 PiB')
    >>> format_bytes(8 * 10**40), format_bytes(10**400)    # what sizes of 20 and 200 digits ask for
    ('7.1e+25 PiB', '8.9e+384 PiB')
    """
    if isinstance(n, int) and n >= 10**6 * 1024**5:  # exact: an int past a float's range divides in Decimal
        from decimal import Decimal

        return f"{Decimal(n) / 1024**5:.1e} PiB"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            break
        n /= 1024
    if unit == "B":
        return f"{n:.0f} B"
    return f"{n:.1f} {unit}" if n < 1e6 else f"{n:.1e} {unit}"


def check_memory(nbytes: int, what: str | Callable[[], str]) -> None:
    """Refuse, before allocating, a call whose memory need exceeds the budget: every entry point that allocates
    in proportion to its arguments calls this first, with everything it will allocate counted. ``what`` names
    the call; a function giving the name is called only for the refusal (a call in a loop builds no message).

    >>> with options(memory_budget=1 << 20):  # doctest: +ELLIPSIS
    ...     check_memory(2 << 20, "a test")
    Traceback (most recent call last):
    tconv.errors.TconvError: a test needs about 2.0 MiB, more than the memory budget of 1.0 MiB; use smaller sizes ...
    """
    budget = get_memory_budget()
    if nbytes > budget:
        if callable(what):
            what = what()
        raise TconvError(
            f"{what} needs about {format_bytes(nbytes)}, more than the memory budget of {format_bytes(budget)}; "
            "use smaller sizes or raise tconv.options(memory_budget=...) or TCONV_MEMORY_BUDGET"
        )


def set_memory_budget(nbytes: int | None) -> int | None:
    """Set the process-wide memory budget in bytes (None restores the default); returns the previous setting.
    The same as ``set_options(memory_budget=nbytes)``.

    >>> old = set_memory_budget(1 << 30)
    >>> get_memory_budget()
    1073741824
    >>> _ = set_memory_budget(old)
    """
    if nbytes is not None:
        nbytes = as_int("memory budget", nbytes, minimum=1)
    return set_options(memory_budget=nbytes).memory_budget
