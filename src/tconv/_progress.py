"""A dependency-free progress bar for long commands (gallery, benchmarks), written to stderr.

On a terminal it redraws one line; elsewhere (CI logs) it prints one line per step.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """A bar of ``width`` cells for ``total`` steps, written to ``stream`` (stderr by default).

    >>> import io
    >>> log = io.StringIO()                   # not a terminal: one line per step
    >>> bar = Progress(2, "frames", log, width=4)
    >>> bar.step("a.svg"); bar.step("b.svg")
    >>> print(log.getvalue(), end="")
    frames ██░░ 1/2 a.svg
    frames ████ 2/2 b.svg
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 24) -> None:
        self.total, self.label, self.width, self.done = total, label, width, 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, item: str = "") -> None:
        """One more step done, ``item`` naming it; on a terminal the line is redrawn, ending at the last step.

        >>> import io
        >>> log = io.StringIO()
        >>> Progress(4, "gifs", log, width=8).step()
        >>> log.getvalue()
        'gifs ██░░░░░░ 1/4 \\n'
        """
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        bar = "█" * filled + "░" * (self.width - filled)
        line = f"{self.label} {bar} {self.done}/{self.total} {item}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
