"""Where one engine's time goes on one layer: its GEMMs, clocked through the engines' one GEMM entry point
(:func:`tconv.algorithms.blas.clocked`: only the profiled calls, in their own thread), against the rest."""

from __future__ import annotations

import statistics
import time
from typing import Any

from ..algorithms.blas import clocked
from .layers import Layer, arrays
from .timing import WARMUP_S, sgemm_fn, time_turn

__all__ = ["profile", "profile_table"]


def profile(layer: Layer, algorithm: str = "auto", rounds: int = 7, warmup_s: float = WARMUP_S) -> dict[str, Any]:
    """Where one engine's time goes on one layer: the whole call, and the part spent in its GEMMs (each clocked),
    beside NumPy's sgemm rate timed in the same rounds.

    The rest of the call (``other_ms``) is every memory pass NumPy cannot fuse into a GEMM: the padded and im2col
    copies of the input, the shifted adds (col2im, stride 1), the strided writes that interleave the phases into
    the output, and the weight's rearrangement. ``at_peak_ms`` is what the call would take if its GEMMs ran at the
    sgemm rate and nothing else cost anything; ``useful_at_peak_ms`` the same for the useful multiply-adds only.

    Each round times a 2048³ sgemm, so even one round takes most of a second (tests/test_bench.py runs it); the
    engine is named before anything is timed, so an unknown one is refused at once:

    >>> profile(Layer("tiny", 1, 2, 2, (4, 4), 3, 2), "fastest")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tconv.errors.TconvError: algorithm 'fastest' is not known: choose one of 'auto', 'scatter', ...
    """
    from .. import conv_transpose
    from ..algorithms import get

    x, w = arrays(layer)
    plan = layer.plan()
    name = get(algorithm, plan).NAME

    def call() -> object:
        return conv_transpose(x, w, **layer.kwargs(), algorithm=name)

    sgemm = sgemm_fn()
    totals, gemms, peaks = [], [], []
    flops_per_call = calls_per_call = 0
    record: list[tuple[float, int]] = []  # (seconds, FLOPs) of each GEMM of the clocked call

    def clock(seconds: float, flops: int) -> None:
        record.append((seconds, flops))

    for _ in range(rounds):  # interleaved with sgemm, so that both see the same machine
        peaks.append(2 * 2048**3 / time_turn(sgemm, warmup_s) / 1e9)
        totals.append(time_turn(call, warmup_s))
        with clocked(clock):
            call()
            record.clear()  # one untimed call first: the clock's own first call
            start = time.perf_counter()
            call()
            clocked_total = time.perf_counter() - start
        gemm_s = sum(t for t, _ in record)
        gemms.append(gemm_s / clocked_total)  # the GEMMs' share of a clocked call
        flops_per_call, calls_per_call = sum(f for _, f in record), len(record)
    total_ms = statistics.median(totals) * 1000
    share = statistics.median(gemms)
    peak = statistics.median(peaks)
    gemm_ms = total_ms * share
    useful = 2 * layer.macs
    return {
        "layer": layer.name,
        "engine": name,
        "total_ms": total_ms,
        "gemm_ms": gemm_ms,
        "other_ms": total_ms - gemm_ms,
        "gemm_calls": calls_per_call,
        "gemm_gflop": flops_per_call / 1e9,
        "gemm_over_useful": flops_per_call / useful,
        "gemm_gflops": flops_per_call / (gemm_ms / 1000) / 1e9 if gemm_ms > 0 else float("nan"),
        "sgemm_gflops": peak,
        "at_peak_ms": flops_per_call / peak / 1e6,
        "useful_at_peak_ms": useful / peak / 1e6,
    }


def profile_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of :func:`profile` results.

    >>> print(profile_table([]).splitlines()[1])
    |---|---|---|---|---|---|---|---|---|
    """
    lines = [
        "| layer | engine | ms | GEMM ms (share) | GEMM calls | GEMM GFLOP/s (% of sgemm) | GEMM FLOPs / useful | "
        "other ms | GEMMs at sgemm rate, nothing else ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['layer']} | {r['engine']} | {r['total_ms']:.2f} | {r['gemm_ms']:.2f} "
            f"({100 * r['gemm_ms'] / r['total_ms']:.0f} %) | {r['gemm_calls']} | {r['gemm_gflops']:.0f} "
            f"({100 * r['gemm_gflops'] / r['sgemm_gflops']:.0f} %) | {r['gemm_over_useful']:.2f} | "
            f"{r['other_ms']:.2f} | {r['at_peak_ms']:.2f} |"
        )
    if rows:
        peak = statistics.median(r["sgemm_gflops"] for r in rows)
        lines.append(f"\nsgemm 2048³ in the same rounds: {peak:.0f} GFLOP/s.")
    return "\n".join(lines)
