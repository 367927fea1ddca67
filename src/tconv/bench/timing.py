"""How the suite times a method: turns of warm-up and timed calls, in an order shuffled afresh each round."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import numpy as np

__all__ = ["INNER", "SGEMM", "SLOW_S", "WARMUP_S", "matmul_peak", "round_order", "sgemm_fn", "time_turn"]

#: Each method's turn in a round starts with untimed back-to-back calls for at least this long. Measured here:
#: torch's OpenMP threads and OpenBLAS's threads spin-wait for up to about 0.1 s after a call, and a core that slept
#: through a pause wakes slowly, so a method timed right after the other library, or after a pause, ran up to 3×
#: slower than in its steady state (a pause of 0.1 s before each call still cost torch and NumPy 1.5–3× on the
#: small layers). Warming up puts every method in the state a user running it in a loop sees.
WARMUP_S = 0.2
#: Timed calls per method per round, back to back (their median counts); one for calls slower than SLOW_S.
INNER = 3
SLOW_S = 0.1

#: The row that times NumPy's float32 matmul (2048³) as one more method of every round: the practical peak,
#: measured in the same warmed turns as the layers, so that it sees the same machine state.
SGEMM = "numpy sgemm 2048³"


def _seconds(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def time_turn(fn: Callable[[], object], warmup_s: float, samples: list[float] | None = None) -> float:
    """One method's turn in a round: warm up for ``warmup_s`` (at least one call), then the median of INNER calls;
    each timed call's seconds are appended to ``samples`` (the suite's worst call comes from them).

    >>> calls, seen = [], []
    >>> seconds = time_turn(lambda: calls.append(1), warmup_s=0.0, samples=seen)
    >>> len(calls) == 1 + INNER, seconds < 0.1, len(seen) == INNER
    (True, True, True)
    """
    start = time.perf_counter()
    last = _seconds(fn)
    while time.perf_counter() - start < warmup_s:
        last = _seconds(fn)
    timed = [_seconds(fn) for _ in range(1 if last > SLOW_S else INNER)]
    if samples is not None:
        samples.extend(timed)
    return statistics.median(timed)


def round_order(names: list[str], r: int) -> list[str]:
    """The methods' order in round ``r``: shuffled afresh each round (seeded by ``r``, so reruns are alike), so
    that no method always runs right after the same one. (With a fixed order ``auto`` followed torch in every round,
    in the wake of torch's spinning OpenMP threads, and came out up to 1.6× slower than the same engine called by
    name in the same run; a rotation would keep that neighbourhood.)

    >>> sorted(round_order(["auto", "phase", "torch"], 3))
    ['auto', 'phase', 'torch']
    """
    order = list(names)
    random.Random(r).shuffle(order)
    return order


def sgemm_fn(size: int = 2048) -> Callable[[], object]:
    """A zero-argument call of NumPy's float32 matmul on a square ``size`` × ``size`` product.

    >>> sgemm_fn(4)().shape
    (4, 4)
    """
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    return lambda: np.matmul(a, a)


def matmul_peak(size: int = 2048, rounds: int = 5) -> float:
    """This machine's NumPy float32 matmul GFLOP/s on a square product (a standalone measurement).

    >>> matmul_peak(64, rounds=1) > 0
    True
    """
    call = sgemm_fn(size)
    return 2 * size**3 / statistics.median(time_turn(call, WARMUP_S) for _ in range(rounds)) / 1e9
