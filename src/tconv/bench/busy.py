"""The busy-machine scenario of ``tconv bench --busy``: one other process spinning on a core for the whole run, as a
browser, a notebook server or a training job would beside the user's code; stopped when the run ends, however it
ends (a normal exit, Ctrl-C, SIGTERM from ``kill``, ``timeout`` or a CI cancellation, even SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["SPIN", "busy_process"]

#: What the busy process runs: a pure-Python loop, one core at 100 % and no memory traffic to speak of. It is given
#: its parent's pid and stops as soon as its parent is another (the parent died, whatever killed it, and the
#: spinner was adopted), checked every 100,000 turns (a few ms: the system call does not thin the load). On Linux
#: it also asks the kernel to kill it with its parent (PR_SET_PDEATHSIG), which acts at once.
SPIN = """\
import os, sys
parent = int(sys.argv[1])
if sys.platform.startswith("linux"):
    try:
        import ctypes, signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
while os.getppid() == parent:  # also true no longer if the parent died before the prctl above
    for _ in range(100_000):
        pass
"""


class _Terminated(SystemExit):
    """SIGTERM reached the bench while the spinner ran: unwinds like ``sys.exit(143)`` (128 + SIGTERM, the status a
    shell reports for it), so that the ``finally`` below stops the spinner."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(128 + signum)


@contextmanager
def busy_process() -> Iterator[int]:
    """Run the block beside one spinning process (its pid is yielded); it is stopped, and waited for, after.

    Inside the block (on the main thread, where SIGTERM has its default action) SIGTERM unwinds the bench as
    SystemExit, so the spinner is stopped; and the spinner itself exits when its parent is gone, whatever killed it
    (:data:`SPIN`).

    >>> import os
    >>> with busy_process() as pid:
    ...     alive = os.path.exists(f"/proc/{pid}")
    >>> alive, os.path.exists(f"/proc/{pid}")
    (True, False)
    """
    proc = subprocess.Popen([sys.executable, "-c", SPIN, str(os.getpid())], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # SIGTERM's default (to die at once, skipping every finally) only: a handler the program set stays its own
    handle = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) in (
        signal.SIG_DFL, None)
    if handle:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield proc.pid
    finally:
        if handle:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
