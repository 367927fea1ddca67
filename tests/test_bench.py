"""The benchmark suite's reporting (speed itself is measured by the suite, never by a timed test)."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

import tconv
from tconv.bench import LAYERS, main, round_order, summary, table


def _fake() -> dict:
    results = []
    for layer, ratio in zip(LAYERS, [1.2, 0.9, 0.5, 0.6, 2.0, 0.4, 1.0, 1.0, 1.0]):
        rows = [
            {"method": "auto (phase)", "ms": 10 * ratio, "gflops": 50.0, "ratio": ratio, "ratio_best": ratio * 1.25,
             "peak_mb": 20.0, "worst_ms": 30 * ratio},
            {"method": "implicit", "note": "refused: algorithm 'implicit' computes stride 1 only"},
            {"method": "col2im", "ms": 8 * ratio, "gflops": 60.0, "ratio": 0.8 * ratio},
            {"method": "torch", "ms": 10.0, "gflops": 40.0, "ratio": 1.0, "ratio_best": 1.25, "peak_mb": 10.0},
            {"method": "onnxruntime", "ms": 8.0, "gflops": 50.0, "ratio": 0.8, "ratio_best": 1.0, "peak_mb": 5.0},
        ]
        results.append({"layer": layer.name, "named": layer.named, "gflop": 1.0, "rows": rows,
                        "best_engine": "onnxruntime", "onnx_reference_ms": ">20000"})
    return {"results": results, "matmul_peak_gflops": 100.0, "threads": 2, "environment": {}}


def test_summary_is_the_geometric_mean_over_the_seven_named_layers() -> None:
    """Over torch and over the best engine per layer (here ONNX Runtime, 1.25× faster than torch everywhere)."""
    s = summary(_fake())
    assert sum(layer.named for layer in LAYERS) == 7
    named = [1.2, 0.9, 0.5, 0.6, 2.0, 0.4, 1.0]
    assert s["geomean_auto_over_torch"] == pytest.approx(math.prod(named) ** (1 / 7))
    assert s["geomean_auto_over_best"] == pytest.approx(1.25 * math.prod(named) ** (1 / 7))
    assert s["worst_layer"] == (LAYERS[4].name, 2.0)
    assert s["worst_over_best"] == (LAYERS[4].name, 2.5)
    assert set(s["memory_ratios"].values()) == {2.0}
    assert set(s["memory_over_best"].values()) == {4.0}  # 20 MB against ONNX Runtime's 5
    assert s["auto_over_fastest_engine"] == pytest.approx({layer.name: 1.25 for layer in LAYERS if layer.named})


def test_table_lists_every_method_with_ratio_and_peak() -> None:
    text = table(_fake())
    assert "| auto (phase) | 12.0 | 36.0 | 50 | 50% | 1.20 | 1.50 | 20 |" in text
    assert "| col2im | 9.6 |  | 60 |" in text  # no worst call recorded: an empty cell
    assert "| implicit | refused: algorithm 'implicit' computes stride 1 only |" in text
    assert "ONNX reference: >20000 ms; fastest other engine: onnxruntime" in text
    assert "matmul peak (2048³): 100 GFLOP/s" in text
    assert ("auto / the best engine (torch, ONNX Runtime, JAX) over the 7 target layers (the suite's 9 less the 2 "
            "timed for reference only): **") in text
    assert "each turn: ≥ 0.2 s of warm-up calls, then the median of 3 timed calls" in text
    assert f"Worst call / median: auto {LAYERS[0].name.split(' k')[0]} 3.0, " in text  # 36 against 12 ms


def test_a_turn_warms_up_then_times_the_median_of_the_timed_calls() -> None:
    """A turn calls the method during the warm-up (at least once), then INNER more times, and reports their median."""
    from tconv.bench import timing

    calls = []
    durations = iter([0.0, 0.03, 0.01, 0.02])

    def fn() -> None:
        calls.append(1)
        time.sleep(next(durations))

    median = timing.time_turn(fn, warmup_s=0.0)  # one warm-up call (0 s), then 30, 10, 20 ms
    assert len(calls) == 1 + timing.INNER
    assert median == pytest.approx(0.02, abs=0.008)


def test_bench_cli_refuses_an_unknown_layer(capsys) -> None:
    assert main(["--only", "no such layer"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tconv bench: error: no layer matches --only 'no such layer': the layers are 'DCGAN")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("argv,line", [
    (["--rounds", "0", "--profile", "--warmup", "0"], "tconv bench: error: argument --rounds: expected an integer ≥ 1, "
                                                      "got '0'\n"),
    (["--rounds", "2.5"], "tconv bench: error: argument --rounds: expected an integer ≥ 1, got '2.5'\n"),
    (["--warmup", "inf"], "tconv bench: error: argument --warmup: expected a number ≥ 0, got 'inf'\n"),
    (["--onnx-bound", "-1"], "tconv bench: error: argument --onnx-bound: expected a number > 0, got '-1'\n"),
    (["--only"], "tconv bench: error: argument --only: expected one argument\n"),
    (["--no-mem"], "tconv bench: error: unrecognized arguments: --no-mem; did you mean --no-memory?\n"),
    (["--jso", "x.json"], "tconv bench: error: unrecognized arguments: --jso x.json; did you mean --json?\n"),
], ids=["no rounds", "half a round", "endless warm-up", "a negative bound", "a flag without its value",
        "an abbreviation", "another abbreviation"])
def test_bench_flags_are_refused_on_one_line_before_any_timing(capsys, monkeypatch, argv, line) -> None:
    """python -m benchmarks calls main directly: its parser is the CLI's (exit 2 from the parser, one line)."""
    def timed(*args, **kwargs):
        pytest.fail("the benchmark ran before the flags were checked")

    monkeypatch.setattr("tconv.bench.command.run", timed)
    monkeypatch.setattr("tconv.bench.command.profile", timed)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and capsys.readouterr().err == line


@pytest.mark.parametrize("profile", [False, True], ids=["the comparison", "the profile"])
def test_bench_json_is_written_through_the_checked_writer(tmp_path, capsys, monkeypatch, profile) -> None:
    env = {"date": "today", "cpu": "cpu", "cores": 2}
    rows = [{"layer": "x", "engine": "phase", "total_ms": 2.0, "gemm_ms": 1.0, "other_ms": 1.0, "gemm_calls": 1,
             "gemm_gflops": 5.0, "sgemm_gflops": 10.0, "gemm_over_useful": 1.0, "at_peak_ms": 0.5}]
    monkeypatch.setattr("tconv.bench.command.run", lambda *a, **k: {**_fake(), "environment": env})
    monkeypatch.setattr("tconv.bench.command.profile", lambda *a, **k: rows[0])
    monkeypatch.setattr("tconv.bench.command.environment", lambda: env)
    path = tmp_path / "results.json"
    assert main(["--only", "3D", "--json", str(path), *(["--profile"] if profile else [])]) == 0
    written = json.loads(path.read_text())
    assert written == ({"profile": rows, "environment": env} if profile else {**_fake(), "environment": env})


def test_summary_line_says_over_how_many_named_layers() -> None:
    data = _fake()
    data["results"] = [r for r in data["results"] if "3D" in r["layer"] or not r["named"]]
    text = table(data)
    # unambiguous: the suite has 9 layers, 7 of them judged (it said "over 1 of the 7 named layers")
    assert "over 1 of the 7 target layers (the suite's 9 less the 2 timed for reference only): **0.40**" in text
    data["results"] = [r for r in data["results"] if not r["named"]]
    assert "Geometric mean" not in table(data)


def test_rounds_are_shuffled_so_that_no_method_always_follows_the_same_one() -> None:
    names = ["auto (phase)", "scatter", "zero_insert", "col2im", "phase", "torch"]
    orders = [round_order(names, r) for r in range(9)]
    assert all(sorted(order) == sorted(names) for order in orders)
    assert orders == [round_order(names, r) for r in range(9)]  # seeded: a rerun times in the same orders
    after_torch = [order[order.index("torch") + 1] for order in orders if order[-1] != "torch"]
    assert len(set(after_torch)) >= 3  # torch's successor changes from round to round
    assert len({order[0] for order in orders}) >= 3


def test_methods_of_a_layer_run_or_say_why_not() -> None:
    """Every method of a (small) layer is a callable giving torch's numbers, or the reason it cannot run."""
    from tconv.bench.engines import methods as all_methods
    from tconv.bench.layers import Layer, arrays

    layer = Layer("small", 2, 8, 4, (6, 6), 4, 2, 1)
    x, w = arrays(layer)
    methods = all_methods(layer, x, w)
    assert list(methods) == ["auto (col2im)", "auto, tuned", *tconv.available_algorithms(), "torch", "onnxruntime",
                             "jax"]
    for name in ("implicit", "stacked"):
        assert methods[name] == f"refused: algorithm '{name}' computes stride 1 only, got stride [2, 2]"
    expected = methods["torch"]().numpy()
    for name, fn in methods.items():
        if callable(fn):
            result = fn()
            result = result[0] if isinstance(result, list) else result  # ONNX Runtime returns its outputs
            np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-4, atol=1e-4, err_msg=name)
        elif name not in ("implicit", "stacked"):
            assert name == "jax" and fn.startswith("skipped: jax not installed"), (name, fn)


def test_the_suites_tconv_methods_run_and_name_what_each_algorithm_refuses() -> None:
    """Every algorithm of the registry is asked about the layer through its prepared form: a callable that gives
    conv_transpose's result, or the reason it refuses (implicit and stacked compute stride 1 only)."""
    import numpy as np

    from tconv import conv_transpose
    from tconv.algorithms import REGISTRY, choose
    from tconv.bench.engines import tconv_methods
    from tconv.bench.layers import Layer, arrays

    layer = Layer("tiny", 2, 3, 4, (5, 5), 3, 2, 1, named=False)
    x, w = arrays(layer)
    methods = tconv_methods(layer, x, w)
    auto = f"auto ({choose(layer.plan()).NAME})"
    assert list(methods) == [auto, "auto, tuned", *REGISTRY]
    assert isinstance(methods["implicit"], str) and methods["implicit"].startswith("refused: ")
    assert isinstance(methods["stacked"], str) and methods["stacked"].startswith("refused: ")
    expected = conv_transpose(x, w, stride=2, padding=1)
    for name in [auto, "auto, tuned", "scatter", "zero_insert", "matrix", "col2im", "phase"]:
        method = methods[name]
        assert callable(method), (name, method)
        np.testing.assert_allclose(method(), expected, rtol=1e-5, atol=1e-5, err_msg=name)


def test_the_opt_in_threads_row_is_summarised_beside_the_default() -> None:
    """With threads ≥ 2 the suite also times auto with the opt-in threads option; the summary gives both means,
    and the default auto row stays the one the targets are judged on."""
    data = _fake()
    for r, ratio in zip(data["results"], [1.0, 0.8, 0.4, 0.5, 1.5, 0.3, 1, 1, 1]):
        r["rows"].insert(1, {"method": "auto, threads=2 (opt-in)", "ms": 10 * ratio, "gflops": 1.0, "ratio": ratio})
    s = summary(data)
    assert s["geomean_auto_over_torch"] == pytest.approx(math.prod([1.2, 0.9, 0.5, 0.6, 2.0, 0.4, 1.0]) ** (1 / 7))
    assert s["geomean_opt_in_over_torch"] == pytest.approx(math.prod([1.0, 0.8, 0.4, 0.5, 1.5, 0.3, 1]) ** (1 / 7))
    mean = f"{s['geomean_opt_in_over_torch']:.2f}"
    assert f"With the opt-in threads option: **{mean}**; worst: {LAYERS[4].name} at 1.50." in table(data)


def test_the_opt_in_row_computes_with_threads_and_gives_the_same_numbers() -> None:
    from tconv.bench.engines import tconv_methods
    from tconv.bench.layers import Layer, arrays

    layer = Layer("small", 4, 8, 4, (6, 6), 4, 2, 1)
    x, w = arrays(layer)
    methods = tconv_methods(layer, x, w, threads=2)
    assert list(methods)[:4] == ["auto (col2im)", "auto, threads=2 (opt-in)", "auto, blas_threads=1 (opt-in)",
                                 "auto, tuned"]
    for opt_in in ("auto, threads=2 (opt-in)", "auto, blas_threads=1 (opt-in)"):
        np.testing.assert_allclose(methods[opt_in](), methods["auto (col2im)"](), rtol=1e-6, atol=1e-6)
        assert opt_in not in tconv_methods(layer, x, w)


def test_the_profile_clocks_the_engines_gemms_and_counts_their_flops() -> None:
    """col2im's GEMM computes exactly the useful multiply-adds, one GEMM per chunk; phase's padded one more."""
    from tconv.bench import Layer, profile

    layer = Layer("small 8→4 8² k4 s2 p1 N2", 2, 8, 4, (8, 8), 4, 2, 1)
    col2im = profile(layer, "col2im", rounds=1, warmup_s=0)
    assert col2im["engine"] == "col2im" and col2im["layer"] == layer.name
    assert col2im["gemm_calls"] == 1  # 64 cells < FOLD_BELOW: the batch is folded into one GEMM
    assert col2im["gemm_gflop"] == pytest.approx(2 * layer.macs / 1e9)
    assert col2im["gemm_over_useful"] == pytest.approx(1.0)
    assert 0 < col2im["gemm_ms"] < col2im["total_ms"]
    assert col2im["gemm_ms"] + col2im["other_ms"] == pytest.approx(col2im["total_ms"])
    assert col2im["at_peak_ms"] == pytest.approx(col2im["gemm_gflop"] / col2im["sgemm_gflops"] * 1000)
    phase = profile(layer, "phase", rounds=1, warmup_s=0)
    # one GEMM for the four phases (k % s == 0) over the 9×9 low-resolution cells the shifted windows reach
    assert phase["gemm_calls"] == 1 and phase["gemm_over_useful"] == pytest.approx(81 / 64)
    # accumulate's BLAS calls are clocked too: one per shift (4), each over both images' 9×9 blocks (one zero row
    # and column after each 8×8 image), 2·81 columns where 2·64 are useful
    accumulate = profile(layer, "accumulate", rounds=1, warmup_s=0)
    assert accumulate["gemm_calls"] == 4 and accumulate["gemm_over_useful"] == pytest.approx(81 / 64)
    from tconv.algorithms import blas

    assert blas._CLOCK.get() is None  # the clock is gone after the profile


def test_bench_profile_cli_prints_one_row_per_layer(capsys) -> None:
    assert main(["--profile", "--only", "3D", "--rounds", "1", "--warmup", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 3D")]
    assert len(rows) == 1 and f"| {tconv.algorithms.PHASE} |" in rows[0]
    assert "sgemm 2048³ in the same rounds" in out


def test_the_progress_counts_every_step_of_a_layer(monkeypatch) -> None:
    """The bar's total is what the run steps through: each method row of a layer, then its ONNX reference."""
    from tconv.bench import suite
    from tconv.bench.layers import Layer

    totals, steps = [], []

    class Counting:
        def __init__(self, total: int, label: str) -> None:
            totals.append(total)

        def step(self, what: str) -> None:
            steps.append(what)

    monkeypatch.setattr(suite, "Progress", Counting)
    monkeypatch.setattr(suite, "time_turn", lambda call, warmup_s, samples: 1e-3)  # no timing: only the counting
    monkeypatch.setattr(suite, "onnx_reference_ms", lambda layer, bound: None)
    layer = Layer("tiny 4→2 6² k3 s2 p1 N1", 1, 4, 2, (6, 6), 3, 2, 1)
    suite.run([layer], rounds=1, memory=False, threads=2)
    assert totals == [len(steps)] and steps[-1].endswith("onnx reference")


def test_the_gemm_clock_sees_its_own_block_and_thread_only() -> None:
    """The profile's clock patches nothing process-wide: another thread's GEMMs, running at the same time, and the
    calls before and after the block are not timed; the block's own are, with their FLOPs."""
    import threading

    from tconv.algorithms import blas

    a, b = np.ones((4, 8), np.float32), np.ones((8, 16), np.float32)
    record: list[int] = []
    other: list[int] = []
    inside, done = threading.Event(), threading.Event()

    def neighbour() -> None:
        inside.wait()
        with blas.clocked(lambda seconds, flops: other.append(flops)):
            blas.matmul(a, b)
        for _ in range(20):  # unclocked GEMMs of another thread while the first block is open
            blas.matmul(a, b)
            blas.gemm(a, b, np.zeros((4, 16), np.float32), accumulate=False)
        done.set()

    thread = threading.Thread(target=neighbour)
    thread.start()
    blas.matmul(a, b)  # before the block
    with blas.clocked(lambda seconds, flops: record.append(flops)):
        inside.set()
        blas.matmul(a, b)
        blas.gemm(a, b, np.zeros((4, 16), np.float32), accumulate=True)
        done.wait(10)
    thread.join()
    blas.matmul(a, b)  # after it
    assert record == [2 * 4 * 8 * 16, 2 * 4 * 8 * 16]
    assert other == [2 * 4 * 8 * 16]


def test_the_gemm_clock_follows_a_call_into_its_worker_threads() -> None:
    """With the opt-in threads option the chunks run on tconv's worker threads: their GEMMs are the call's."""
    import threading

    from tconv.algorithms import blas
    from tconv.algorithms.chunks import blas_controls
    from tconv.bench.layers import Layer, arrays

    if blas_controls() is None:
        pytest.skip("BLAS's thread count cannot be set here: the chunks run on the calling thread")
    layer = Layer("chunks", 4, 8, 4, (32, 32), 4, 2, 1)  # 1024 cells per image: a GEMM per chunk of images
    x, w = arrays(layer)
    seen: list[tuple[str, int]] = []
    with tconv.options(threads=2, chunk_bytes=1 << 16), blas.clocked(
            lambda s, f: seen.append((threading.current_thread().name, f))):
        tconv.conv_transpose(x, w, **layer.kwargs(), algorithm="col2im")
    assert len(seen) >= 2 and all(name.startswith("tconv") for name, _ in seen)  # the pool's threads
    assert sum(f for _, f in seen) == 2 * layer.macs  # col2im's GEMMs compute the useful products only


def test_peak_memory_is_measured_in_a_fresh_process() -> None:
    """The child process (python -m tconv.bench.child) runs the call and reports its extra peak RSS."""
    import sys

    from tconv.bench.isolated import peak_memory_mb
    from tconv.bench.layers import Layer

    if not sys.platform.startswith("linux"):
        pytest.skip("the peak RSS is read from /proc")
    layer = Layer("memory 64→32 32² k4 s2 p1 N4", 4, 64, 32, (32, 32), 4, 2, 1)
    mb = peak_memory_mb(layer, "scatter", 1)
    output_mb = 4 * 32 * 64 * 64 * 4 / 2**20  # the output alone: 2 MiB
    assert mb is not None and output_mb <= mb < 200
