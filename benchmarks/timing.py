"""One timing turn, shared by the benchmark scripts: warm up, then the best of three calls."""

from __future__ import annotations

import time
from collections.abc import Callable


def turn(call: Callable[[], object], warmup_s: float) -> float:
    """Untimed calls for ``warmup_s`` (at least one: the first call prepares recipes and caches), then the best of 3
    timed calls, in seconds."""
    start = time.perf_counter()
    call()
    while time.perf_counter() - start < warmup_s:
        call()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return min(times)
