"""Bounds on the user's code that the doctor runs: a time limit on each forward, and exits turned into refusals.

>>> bounded(lambda: 42, 1.0, (1, 2, 8))
42
>>> import sys
>>> try:
...     bounded(lambda: sys.exit(3), 1.0, (1, 2, 8))
... except TconvError as exc:
...     print(exc)
the model raised SystemExit(3) at input size [1, 2, 8]: tconv doctor does not let a model exit or interrupt it
"""

from __future__ import annotations

import gc
import math
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .._axes import show
from ..errors import TconvError

__all__ = ["DEFAULT_TIMEOUT", "EXITS", "bounded", "check_timeout", "refuse_exit"]

T = TypeVar("T")

#: Seconds one forward of the model may take (``tconv doctor --timeout``).
DEFAULT_TIMEOUT = 60.0
#: What a model's code may raise that is not an ``Exception``: the doctor reports each as a refusal.
EXITS = (SystemExit, KeyboardInterrupt, GeneratorExit)


class _Expired(BaseException):
    """Raised in the main thread by the alarm; a BaseException so that a model's ``except Exception`` lets it by."""


def check_timeout(timeout: Any) -> float:
    """``timeout`` as seconds: a finite number from a millisecond (a timer shorter than that fires before the model
    starts).

    >>> check_timeout(2), check_timeout(0.5)
    (2.0, 0.5)
    >>> check_timeout(0)
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: timeout must be a number of seconds from 0.001, got 0: valid range e.g. 60
    """
    ok = (isinstance(timeout, int | float) and not isinstance(timeout, bool) and math.isfinite(timeout)
          and timeout >= 1e-3)
    if not ok:
        raise TconvError(f"timeout must be a number of seconds from 0.001, got {show(timeout)}: valid range e.g. "
                         f"{DEFAULT_TIMEOUT:g}")
    return float(timeout)


def refuse_exit(exc: BaseException, what: str) -> TconvError:
    """The refusal for a model's ``SystemExit``, ``KeyboardInterrupt`` or ``GeneratorExit``, naming it and ``what``.

    >>> str(refuse_exit(KeyboardInterrupt(), "while it was built"))
    'the model raised KeyboardInterrupt() while it was built: tconv doctor does not let a model exit or interrupt it'
    """
    args = ", ".join(show(a) for a in exc.args)
    return TconvError(f"the model raised {type(exc).__name__}({args}) {what}: tconv doctor does not let a model "
                      "exit or interrupt it")


def _where(input_shape: Sequence[int] | None) -> str:
    """What the model was doing: a forward at an input size, or (None) being imported and built."""
    return "while it was imported and built" if input_shape is None else f"at input size {list(input_shape)}"


def _expired(timeout: float, input_shape: Sequence[int] | None) -> TconvError:
    doing = "the model's forward" if input_shape is not None else "the model"
    return TconvError(f"{doing} did not finish within {timeout:g} s {_where(input_shape)}; raise --timeout "
                      "(timeout= in Python) if it is only slow")


def bounded(call: Callable[[], T], timeout: float, input_shape: Sequence[int] | None) -> T:
    """``call()`` (one forward of the model at ``input_shape``, or with None its import and construction), refused
    with a TconvError past ``timeout`` seconds or when it exits.

    A thread cannot be killed, so the limit stops the forward where it can and gives up on it where it cannot:

    - in the main thread of a Unix process, a real-time timer (``setitimer``) raises in the forward itself: a
      Python loop stops where it is and nothing keeps running afterwards. The previous SIGALRM handler and timer
      (pytest-timeout's, a server's) are restored, the timer less the time spent.
    - elsewhere (another thread, Windows), the forward runs in a daemon thread that the caller stops waiting for
      at the limit. That thread runs on until the model returns (the process can still exit); the trace it
      belongs to is abandoned, since the doctor raises.

    >>> import time
    >>> try:
    ...     bounded(lambda: time.sleep(5), 0.1, (1, 3, 64))
    ... except TconvError as exc:
    ...     print(str(exc).split(";")[0])
    the model's forward did not finish within 0.1 s at input size [1, 3, 64]
    """
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(call, timeout, input_shape)
    return _in_thread(call, timeout, input_shape)


def _in_gc_callback(frame: Any) -> bool:
    """Whether ``frame`` runs inside a garbage-collector callback (a profiler's, hypothesis'): an exception raised
    there is printed as unraisable and dropped, so the forward would go on past its limit."""
    codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


def _with_alarm(call: Callable[[], T], timeout: float, input_shape: Sequence[int] | None) -> T:
    def expire(signum: int, frame: Any) -> None:
        if _in_gc_callback(frame):  # raised there it would be lost: fire again a moment later, in the forward
            signal.setitimer(signal.ITIMER_REAL, 1e-3)
            return
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    outer = 0.0
    start = time.monotonic()
    try:
        try:  # the timer may fire before setitimer returns (a tiny timeout): inside the try, as the call is
            outer, _ = signal.setitimer(signal.ITIMER_REAL, timeout)
            return call()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise _expired(timeout, input_shape) from None
    except EXITS as exc:
        raise refuse_exit(exc, _where(input_shape)) from None
    finally:
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an earlier timer was pending: it keeps its deadline (at least a moment, so that it fires)
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


def _in_thread(call: Callable[[], T], timeout: float, input_shape: Sequence[int] | None) -> T:
    import contextvars

    result: list[T] = []
    raised: list[BaseException] = []
    context = contextvars.copy_context()  # tconv.options and the caller's other context go with the forward

    def run() -> None:
        try:
            result.append(context.run(call))
        except BaseException as exc:  # relayed to the caller, exits included
            raised.append(exc)

    worker = threading.Thread(target=run, name="tconv-doctor-forward", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _expired(timeout, input_shape)
    if raised:
        if isinstance(raised[0], EXITS):
            raise refuse_exit(raised[0], _where(input_shape)) from None
        raise raised[0]
    return result[0]
