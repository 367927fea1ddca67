"""The suite's report: the machine it ran on, the targets' summary, and the Markdown tables of a run."""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import platform
import time
from typing import Any

import numpy as np

from .engines import OPT_IN, OTHER_ENGINES, TUNED
from .layers import LAYERS
from .timing import INNER, WARMUP_S

__all__ = ["environment", "summary", "table"]


def environment() -> dict[str, str]:
    """The machine and the software: CPU model and vector ISA, cores, versions, and NumPy's BLAS with the kernel
    it picked for this CPU (threadpoolctl's ``architecture``, when threadpoolctl is installed).

    >>> env = environment()
    >>> list(env)[:5], env["numpy"] == np.__version__, env["isa"] in ("AVX-512", "AVX2", "no AVX2", "unknown")
    (['date', 'cpu', 'isa', 'cores', 'blas'], True, True)
    """
    cpu, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("unknown", platform.processor()):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2" if flags else "unknown"
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "onnx", "onnxruntime", "jax"):
        with contextlib.suppress(ImportError):
            versions[name] = __import__(name).__version__
    from .. import __version__

    versions["tconv"] = __version__
    from ..algorithms.blas import loaded_blas

    found = loaded_blas()  # NumPy's own OpenBLAS, named by its file; threadpoolctl also names its version and kernels
    blas = (f"{os.path.basename(found.path) or 'OpenBLAS'} (pip install threadpoolctl for its version and kernels)"
            if found is not None else "unknown (pip install threadpoolctl to name it)")
    with contextlib.suppress(ImportError):
        threadpoolctl: Any = importlib.import_module("threadpoolctl")  # untyped: imported as Any
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"
                 and "numpy" in str(i.get("filepath", ""))] or [
                     i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            info = infos[0]
            blas = f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture', '?')} kernels)"
    # OpenBLAS picks its kernels when NumPy loads it, from the CPU unless these say otherwise: a forced older core
    # type (OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU) or L2 size changes NumPy's matmul rate, so they are recorded
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    forced = ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k in names)
    if forced:
        blas += f"; set by the environment: {forced}"
    return {"date": time.strftime("%Y-%m-%d"), "cpu": cpu, "isa": isa, "cores": str(os.cpu_count()), "blas": blas,
            **versions}


def _geomean(values: dict[str, float]) -> float:
    return math.exp(sum(math.log(v) for v in values.values()) / len(values)) if values else float("nan")


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The targets, over the named layers: geometric means of auto / torch and of auto / the best engine (torch,
    ONNX Runtime, JAX, whichever is fastest on the layer), the worst layer of each, and peak memory ratios.

    Two named layers, auto twice as fast as torch on one and twice as slow on the other:

    >>> def result(layer, auto_ms, torch_ms):
    ...     return {"layer": layer, "named": True, "rows": [
    ...         {"method": "auto (phase)", "ms": auto_ms, "ratio": auto_ms / torch_ms},
    ...         {"method": "torch", "ms": torch_ms, "ratio": 1.0}]}
    >>> s = summary({"results": [result("a", 2.0, 4.0), result("b", 6.0, 3.0)]})
    >>> s["geomean_auto_over_torch"], s["worst_layer"], s["ratios"]
    (1.0, ('b', 2.0), {'a': 0.5, 'b': 2.0})
    """
    from ..algorithms import available_algorithms

    engines = available_algorithms()  # tconv's own: the rows a layer's fastest engine is taken from
    named = [r for r in data["results"] if r["named"]]
    ratios, best, mem, mem_best, opt_in, to_fastest, tuned_to_fastest = {}, {}, {}, {}, {}, {}, {}
    for r in named:
        threaded = [row for row in r["rows"] if row["method"].startswith(OPT_IN) and "ratio" in row]
        if threaded:
            opt_in[r["layer"]] = threaded[0]["ratio"]
        auto = next(row for row in r["rows"] if row["method"].startswith("auto"))
        torch_row = next(row for row in r["rows"] if row["method"] == "torch")
        ratios[r["layer"]] = auto["ratio"]
        if "ratio_best" in auto:
            best[r["layer"]] = auto["ratio_best"]
        if auto.get("peak_mb") and torch_row.get("peak_mb"):
            mem[r["layer"]] = auto["peak_mb"] / max(torch_row["peak_mb"], 1e-9)
        own = [row["ms"] for row in r["rows"] if row["method"] in engines and "ms" in row]
        if own:
            to_fastest[r["layer"]] = auto["ms"] / min(own)
            tuned = next((row for row in r["rows"] if row["method"] == TUNED and "ms" in row), None)
            if tuned:
                tuned_to_fastest[r["layer"]] = tuned["ms"] / min(own)
        engine_mb = [row["peak_mb"] for row in r["rows"] if row["method"] in ("torch", *OTHER_ENGINES)
                     and row.get("peak_mb")]
        if auto.get("peak_mb") and engine_mb:
            mem_best[r["layer"]] = auto["peak_mb"] / max(min(engine_mb), 1e-9)
    return {
        "geomean_auto_over_torch": _geomean(ratios),
        "geomean_auto_over_best": _geomean(best),
        "geomean_opt_in_over_torch": _geomean(opt_in),
        "opt_in_ratios": opt_in,
        "worst_layer": max(ratios.items(), key=lambda kv: kv[1]) if ratios else None,
        "worst_over_best": max(best.items(), key=lambda kv: kv[1]) if best else None,
        "ratios": ratios,
        "best_ratios": best,
        "memory_ratios": mem,
        "memory_over_best": mem_best,
        "auto_over_fastest_engine": to_fastest,
        "tuned_over_fastest_engine": tuned_to_fastest,
    }


def table(data: dict[str, Any]) -> str:
    """A Markdown table of the results (also what the terminal shows).

    One layer, as :func:`tconv.bench.suite.run` returns it (here with made-up timings):

    >>> rows = [
    ...     {"method": "auto (col2im)", "ms": 2.0, "gflops": 5.0, "ratio": 0.5, "ratio_best": 0.5, "peak_mb": 1.0,
    ...      "worst_ms": 3.0},
    ...     {"method": "stacked", "note": "refused: algorithm 'stacked' computes stride 1 only"},
    ...     {"method": "torch", "ms": 4.0, "gflops": 2.5, "ratio": 1.0, "ratio_best": 1.0, "peak_mb": 2.0,
    ...      "worst_ms": 20.0}]
    >>> print(table({"results": [{"layer": "tiny", "named": True, "gflop": 0.01, "rows": rows,
    ...                           "best_engine": "torch", "onnx_reference_ms": "3"}],
    ...              "matmul_peak_gflops": 100.0, "threads": 2}))
    <BLANKLINE>
    **tiny** (0.01 GFLOP; ONNX reference: 3 ms; fastest other engine: torch)
    <BLANKLINE>
    | method | median ms | worst ms | GFLOP/s | % of matmul peak | time / torch | time / best engine | peak MB |
    |---|---|---|---|---|---|---|---|
    | auto (col2im) | 2.0 | 3.0 | 5 | 5% | 0.50 | 0.50 | 1 |
    | stacked | refused: algorithm 'stacked' computes stride 1 only | | | | | | |
    | torch | 4.0 | 20.0 | 2 | 2% | 1.00 | 1.00 | 2 |
    <BLANKLINE>
    NumPy float32 matmul peak (2048³): 100 GFLOP/s; threads: 2; each turn: ≥ 0.2 s of warm-up calls,
    then the median of 3 timed calls.
    Geometric mean of auto / torch over 1 of the 7 target layers (the suite's 9 less the 2 timed for reference
    only): **0.50**; worst: tiny at 0.50.
    Geometric mean of auto / the best engine (torch, ONNX Runtime, JAX) over 1 of the 7 target layers (the suite's
    9 less the 2 timed for reference only): **0.50**; worst: tiny at 0.50.
    Peak memory auto / torch: tiny 0.50.
    Peak memory auto / the leanest engine: tiny 0.50.
    Worst call / median: auto tiny 1.5; torch tiny 5.0.
    """
    lines = []
    named_total = sum(layer.named for layer in LAYERS)
    for r in data["results"]:
        best = f"; fastest other engine: {r['best_engine']}" if r.get("best_engine") else ""
        lines.append(f"\n**{r['layer']}** ({r['gflop']:.2f} GFLOP; ONNX reference: {r['onnx_reference_ms']} ms"
                     f"{best})\n")
        lines.append("| method | median ms | worst ms | GFLOP/s | % of matmul peak | time / torch | time / best engine "
                     "| peak MB |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for row in r["rows"]:
            if "note" in row:
                lines.append(f"| {row['method']} | {row['note']} | | | | | | |")
                continue
            worst = f"{row['worst_ms']:.1f}" if "worst_ms" in row else ""
            mb = "" if row.get("peak_mb") is None else f"{row['peak_mb']:.0f}"
            to_best = "" if "ratio_best" not in row else f"{row['ratio_best']:.2f}"
            lines.append(
                f"| {row['method']} | {row['ms']:.1f} | {worst} | {row['gflops']:.0f} | "
                f"{100 * row['gflops'] / data['matmul_peak_gflops']:.0f}% | {row['ratio']:.2f} | {to_best} | {mb} |"
            )
    s = summary(data)
    spread = data.get("matmul_peak_spread")
    spread_text = (f" (median of {data.get('matmul_turns')} turns in the same rounds as the layers, "
                   f"{spread[0]:.0f}–{spread[1]:.0f})") if spread else ""
    lines.append(
        f"\nNumPy float32 matmul peak (2048³): {data['matmul_peak_gflops']:.0f} GFLOP/s{spread_text}; threads: "
        f"{data['threads']}; each turn: ≥ {data.get('warmup_s', WARMUP_S)} s of warm-up calls, then the median of "
        f"{INNER} timed calls."
    )
    count = len(s["ratios"])
    if count:  # --only may leave out some named layers: say over how many the mean is
        # the suite times more layers than the targets judge: say which ones the mean is over
        over = (f"the {count} target layers" if count == named_total else
                f"{count} of the {named_total} target layers") + \
            f" (the suite's {len(LAYERS)} less the {len(LAYERS) - named_total} timed for reference only)"
        lines.append(
            f"Geometric mean of auto / torch over {over}: **{s['geomean_auto_over_torch']:.2f}**; "
            f"worst: {s['worst_layer'][0]} at {s['worst_layer'][1]:.2f}."
        )
        if s["best_ratios"]:
            lines.append(
                f"Geometric mean of auto / the best engine (torch, ONNX Runtime, JAX) over {over}: "
                f"**{s['geomean_auto_over_best']:.2f}**; worst: {s['worst_over_best'][0]} at "
                f"{s['worst_over_best'][1]:.2f}."
            )
        if s["opt_in_ratios"]:
            worst = max(s["opt_in_ratios"].items(), key=lambda kv: kv[1])
            lines.append(
                f"With the opt-in threads option: **{s['geomean_opt_in_over_torch']:.2f}**; "
                f"worst: {worst[0]} at {worst[1]:.2f}."
            )
    for key, label in (("auto_over_fastest_engine", "auto / tconv's fastest engine"),
                       ("tuned_over_fastest_engine", "auto, tuned / tconv's fastest engine")):
        if s[key]:
            lines.append(f"Time {label}: " + ", ".join(f"{k.split(' k')[0]} {v:.2f}" for k, v in s[key].items())
                         + ".")
    for key, label in (("memory_ratios", "auto / torch"), ("memory_over_best", "auto / the leanest engine")):
        if s[key]:
            lines.append(f"Peak memory {label}: "
                         + ", ".join(f"{k.split(' k')[0]} {v:.2f}" for k, v in s[key].items()) + ".")
    steadiness = []
    for who in ("auto (", "torch"):  # the busy target: tconv's worst call at most 3× its median
        spread = {r["layer"].split(" k")[0]: row["worst_ms"] / row["ms"] for r in data["results"] for row in r["rows"]
                  if "worst_ms" in row and row["ms"] > 0 and row["method"].startswith(who)}
        if spread:
            steadiness.append(f"{who.strip(' (')} " + ", ".join(f"{k} {v:.1f}" for k, v in spread.items()))
    if steadiness:
        lines.append("Worst call / median: " + "; ".join(steadiness) + ".")
    return "\n".join(lines)

