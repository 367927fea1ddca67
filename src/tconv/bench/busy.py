"""The busy-machine scenario of ``tconv bench --busy``: one other process spinning on a core for the whole run, as a
browser, a notebook server or a training job would beside the user's code; stopped when the run ends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SPIN", "busy_process"]

#: What the busy process runs: a pure-Python loop, one core at 100 % and no memory traffic to speak of.
SPIN = "while True: pass"


@contextmanager
def busy_process() -> Iterator[int]:
    """Run the block beside one spinning process (its pid is yielded); it is stopped, and waited for, after.

    >>> import os
    >>> with busy_process() as pid:
    ...     alive = os.path.exists(f"/proc/{pid}")
    >>> alive, os.path.exists(f"/proc/{pid}")
    (True, False)
    """
    proc = subprocess.Popen([sys.executable, "-c", SPIN], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
