"""A dependency-free progress bar for long commands (gallery, benchmarks), written to stderr.

On a terminal it redraws one line; elsewhere (CI logs) it prints one line per step.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 24) -> None:
        self.total, self.label, self.width, self.done = total, label, width, 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, item: str = "") -> None:
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
