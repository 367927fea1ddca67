"""Out of core: a zarr volume on disk upsampled by a stride-2 3-D transposed convolution with tconv.dask, written to
zarr, on a dask.distributed LocalCluster with 1 and with 2 worker processes (bounded memory each).

``python -m benchmarks.dask_volume [--input-gb 1] [--channels 4] [--kernel 4] [--chunk 64] [--workers 1,2]
[--memory-limit 2GiB] [--compression zstd|none] [--dir DIR] [--keep] [--results benchmarks/results] [--tag TEXT]``

The input is ``(1, C, L, L, L)`` float32 of about ``--input-gb`` GB (random, written once to ``DIR/input.zarr``),
chunked in ``--chunk``³ cubes; the layer is C → C channels, kernel ``--kernel``, stride 2, padding (k − 2)/2, so
the output is (2L)³: 8 times the input (8 GB for the default 1 GB). For each worker count it records the wall time of
``conv_transpose(da.from_zarr(...)).to_zarr(...)``, the peak RSS of every worker process (psutil, sampled every
50 ms), the output throughput (GB/s), and checks a corner of the written output against tconv on the same input
cells. Beside it, the in-memory call (``tconv.conv_transpose`` on NumPy arrays) on a slice that fits
(``2·chunk``³ cells): its output throughput, best of 3. Writes ``<date>-dask-volume[-tag].json`` and ``.md`` under
``--results`` with the machine (lscpu's model and ISA flags, cores, memory) and the versions; deletes the zarr
stores it wrote unless ``--keep`` (never anything else in ``--dir``).

``--compression none`` writes the zarr stores uncompressed: random input does not compress, so zarr's default codec
(zstd) only adds its cost; the record says which was used.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

GB = 1e9


def machine() -> dict[str, Any]:
    """lscpu's model name and SIMD flags, the cores, the memory, the versions."""
    import dask
    import distributed
    import zarr

    info: dict[str, Any] = {"cpu": platform.processor(), "isa": [], "cores": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in lscpu.splitlines() if ":" in line)}
        info["cpu"] = fields.get("Model name", info["cpu"])
        flags = fields.get("Flags", "").split()
        info["isa"] = [f for f in ("sse4_2", "avx2", "fma", "avx512f") if f in flags]
    except (OSError, subprocess.CalledProcessError):
        pass
    info["memory_gib"] = round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1)
    info["versions"] = {"python": platform.python_version(), "numpy": np.__version__, "dask": dask.__version__,
                        "distributed": distributed.__version__, "zarr": zarr.__version__}
    return info


class PeakRSS:
    """The peak resident memory of some processes, sampled on a thread every ``every`` seconds."""

    def __init__(self, pids: list[int], every: float = 0.05) -> None:
        import psutil

        self.processes = {pid: psutil.Process(pid) for pid in pids}
        self.peak = dict.fromkeys(pids, 0)
        self.every, self._stop = every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, process in self.processes.items():
                with contextlib.suppress(Exception):  # a worker restarted by its nanny: keep what was seen
                    self.peak[pid] = max(self.peak[pid], process.memory_info().rss)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def layer(channels: int, kernel: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((channels, channels, kernel, kernel, kernel)) / (channels * kernel**3) ** 0.5)
    b = rng.standard_normal(channels)
    return w.astype(np.float32), b.astype(np.float32), {"stride": 2, "padding": (kernel - 2) // 2}


def write_input(path: Path, channels: int, side: int, chunk: int, codec: dict[str, Any]) -> None:
    import dask
    import dask.array as da

    x = da.random.default_rng(0).random((1, channels, side, side, side), dtype=np.float32,
                                        chunks=(1, channels, chunk, chunk, chunk))
    with dask.config.set(scheduler="threads", num_workers=2):
        x.to_zarr(str(path), overwrite=True, **codec)


def run_cluster(workers: int, memory_limit: str, src: Path, dst: Path, w: np.ndarray, b: np.ndarray,
                kwargs: dict[str, int], codec: dict[str, Any]) -> dict[str, Any]:
    import dask.array as da
    from distributed import Client, LocalCluster

    import tconv
    import tconv.dask

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=memory_limit) as cluster, Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        x = da.from_zarr(str(src))
        y = tconv.dask.conv_transpose(x, w, b, **kwargs)
        with PeakRSS(pids) as rss:
            start = time.perf_counter()
            y.to_zarr(str(dst), overwrite=True, **codec)
            wall = time.perf_counter() - start
        tasks = len(y.__dask_graph__().layers[y.name])
    # a corner of the written output against tconv on the same input cells (the output's first 16 cells per axis
    # need the input's first 9 with a kernel of 4, stride 2, padding 1)
    import zarr

    edge = 16
    reach = (edge + 2 * kwargs["padding"] + w.shape[-1]) // 2 + 1
    x_corner = np.asarray(zarr.open_array(str(src), mode="r")[..., :reach, :reach, :reach])
    want = tconv.conv_transpose(x_corner, w, b, **kwargs)[..., :edge, :edge, :edge]
    got = np.asarray(zarr.open_array(str(dst), mode="r")[..., :edge, :edge, :edge])
    error = float(np.abs(got - want).max())
    assert error < 1e-4, f"the written output differs from tconv's by {error}"
    out_bytes = int(np.prod(y.shape)) * y.dtype.itemsize
    return {"workers": workers, "memory_limit": memory_limit, "wall_s": round(wall, 2), "tasks": tasks,
            "output_gb": round(out_bytes / GB, 3), "throughput_gb_s": round(out_bytes / GB / wall, 3),
            "peak_rss_mib": [round(v / 2**20) for v in rss.peak.values()], "corner_max_error": error}


def in_memory(channels: int, side: int, w: np.ndarray, b: np.ndarray, kwargs: dict[str, int]) -> dict[str, Any]:
    import tconv

    x = np.random.default_rng(1).random((1, channels, side, side, side), dtype=np.float32)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        y = tconv.conv_transpose(x, w, b, **kwargs)
        times.append(time.perf_counter() - start)
    best = min(times)
    return {"input_shape": list(x.shape), "output_shape": list(y.shape), "best_s": round(best, 3),
            "throughput_gb_s": round(y.nbytes / GB / best, 3)}


def markdown(result: dict[str, Any]) -> str:
    m, p = result["machine"], result["parameters"]
    lines = [f"# tconv.dask out of core, {result['date']}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, ISA {' '.join(m['isa'])}, {m['memory_gib']} GiB; "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
             f"Input `{p['input_shape']}` float32 ({p['input_gb']} GB, zarr, chunks {p['chunk']}³), kernel "
             f"{p['kernel']}, stride 2, padding {p['padding']} → output `{p['output_shape']}` ({p['output_gb']} GB, "
             f"written to zarr; compression: {p.get('compression', 'zstd')}).", "",
             "| workers | memory limit each | wall (s) | tasks | output GB/s | peak RSS per worker (MiB) |",
             "|---|---|---|---|---|---|"]
    for r in result["runs"]:
        lines.append(f"| {r['workers']} | {r['memory_limit']} | {r['wall_s']} | {r['tasks']} | "
                     f"{r['throughput_gb_s']} | {', '.join(map(str, r['peak_rss_mib']))} |")
    mem = result["in_memory"]
    lines += ["", f"In memory (tconv.conv_transpose on NumPy, one process): input `{mem['input_shape']}` → "
              f"`{mem['output_shape']}`, best of 3 {mem['best_s']} s, {mem['throughput_gb_s']} GB/s of output.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--input-gb", type=float, default=1.0, help="the input's size in GB (default 1)")
    parser.add_argument("--channels", type=int, default=4, help="channels in and out (default 4)")
    parser.add_argument("--kernel", type=int, default=4, help="even, >= 2: the output is twice the input per axis")
    parser.add_argument("--chunk", type=int, default=64, help="the input's chunk side (default 64)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--memory-limit", default="2GiB", help="each worker's memory limit (default 2GiB)")
    parser.add_argument("--compression", choices=("zstd", "none"), default="zstd",
                        help="the zarr stores' codec (default zstd, zarr's own)")
    parser.add_argument("--dir", default=None, help="where the zarr stores go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the zarr stores")
    parser.add_argument("--results", default=str(Path(__file__).parent / "results"), help="where the records go")
    parser.add_argument("--tag", default="", help="added to the records' names")
    args = parser.parse_args(argv)
    if args.kernel < 2 or args.kernel % 2:
        parser.error(f"--kernel {args.kernel}: must be even and at least 2 (the output is then twice the input)")
    codec: dict[str, Any] = {"compressors": None} if args.compression == "none" else {}

    side = max(args.chunk, round((args.input_gb * GB / 4 / args.channels) ** (1 / 3)))
    w, b, kwargs = layer(args.channels, args.kernel)
    made = args.dir is None  # only a folder this run made is removed whole; in --dir, only the stores it wrote
    work = Path(args.dir or tempfile.mkdtemp(prefix="tconv-dask-volume-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "input.zarr"
    written = [src]
    try:
        print(f"writing the input (1, {args.channels}, {side}, {side}, {side}) float32 to {src}", flush=True)
        write_input(src, args.channels, side, args.chunk, codec)
        runs = []
        for n in (int(v) for v in args.workers.split(",")):
            dst = work / f"output-{n}.zarr"
            written.append(dst)
            runs.append(run_cluster(n, args.memory_limit, src, dst, w, b, kwargs, codec))
            if not args.keep:
                shutil.rmtree(dst, ignore_errors=True)
            print(runs[-1], flush=True)
        mem = in_memory(args.channels, min(side, 2 * args.chunk), w, b, kwargs)
        print(mem, flush=True)
    finally:
        if not args.keep:
            for store in written:
                shutil.rmtree(store, ignore_errors=True)
            if made:
                shutil.rmtree(work, ignore_errors=True)
    out_side = 2 * side
    result = {
        "date": datetime.date.today().isoformat(), "machine": machine(),
        "parameters": {"input_shape": [1, args.channels, side, side, side], "input_gb": round(4 * args.channels
                       * side**3 / GB, 3), "output_shape": [1, args.channels, out_side, out_side, out_side],
                       "output_gb": round(4 * args.channels * out_side**3 / GB, 3), "chunk": args.chunk,
                       "kernel": args.kernel, "padding": kwargs["padding"], "compression": args.compression},
        "runs": runs, "in_memory": mem,
    }
    name = f"{result['date']}-dask-volume{'-' + args.tag if args.tag else ''}"
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")  # no with_suffix:
    (folder / f"{name}.md").write_text(markdown(result), encoding="utf-8")  # a tag "v1.2" keeps its ".2"
    print(markdown(result))
    print(f"records: {folder / name}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
