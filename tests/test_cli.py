"""The CLI, run in-process through main(argv), plus one real subprocess for ``python -m tconv``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.cli import build_parser, main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compute_defaults_to_seed_001(capsys) -> None:
    code, out, _ = run(capsys, "compute")
    assert code == 0
    assert "[[ 4 12 11  6]\n [ 0  7 14 11]\n [ 2  7 11  8]\n [ 0  2  3  2]]" in out
    assert "axis 0: L_out = (3 − 1)·1 − 2·0 + 1·(2 − 1) + 0 + 1 = 4" in out


def test_compute_inline_json_with_padding(capsys) -> None:
    code, out, _ = run(capsys, "compute", "--input", "[[4,4,3],[0,3,4],[2,3,2]]", "--weight", "[[1,2],[0,1]]",
                       "-p", "1", "--json")
    assert code == 0
    assert json.loads(out) == {"output_shape": [2, 2], "output": [[7, 14], [7, 11]]}


def test_compute_npy_files_round_trip(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(6)
    for name, arr in {"x": x, "w": w, "b": b}.items():
        np.save(tmp_path / f"{name}.npy", arr)
    out_path = tmp_path / "y.npy"
    code, out, _ = run(capsys, "compute", "--input", str(tmp_path / "x.npy"), "--weight", str(tmp_path / "w.npy"),
                       "--bias", str(tmp_path / "b.npy"), "-s", "2", "-p", "1", "--groups", "2",
                       "--output-size", "10,9", "-o", str(out_path))
    assert code == 0 and "shape [2, 6, 10, 9]" in out
    expected = tconv.conv_transpose(x, w, b, stride=2, padding=1, groups=2, output_size=(10, 9))
    np.testing.assert_array_equal(np.load(out_path), expected)


def test_compute_random_integers_from_seed(capsys) -> None:
    code1, out1, _ = run(capsys, "compute", "-i", "3,4", "-k", "2", "-s", "2", "--seed", "5", "--json")
    code2, out2, _ = run(capsys, "compute", "-i", "3,4", "-k", "2", "-s", "2", "--seed", "5", "--json")
    assert code1 == code2 == 0 and out1 == out2
    assert json.loads(out1)["output_shape"] == [6, 8]


def test_shape_text_shows_formula_relation_and_range(capsys) -> None:
    code, out, _ = run(capsys, "shape", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--output-size", "10")
    assert code == 0
    assert "input 5 → output 10" in out
    assert "(5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10" in out
    assert "relation 14" in out and "9..10" in out


def test_shape_json_non_square_and_conv(capsys) -> None:
    code, out, _ = run(capsys, "shape", "-i", "7,5", "-k", "3", "-s", "2", "-p", "1", "--no-transposed", "--json")
    info = json.loads(out)
    assert code == 0 and info["kind"] == "conv" and info["output_size"] == [4, 3]
    assert [r["number"] for r in info["relation"]] == [6, 6]
    code, out, _ = run(capsys, "shape", "-i", "4,6", "-k", "3,2", "-s", "1,2", "-d", "2,1", "--json")
    info = json.loads(out)
    assert info["output_size"] == [8, 12] and info["relation"][0]["number"] is None
    assert info["equivalent"][1] == {"zeros_between": 1, "stretched_size": 11, "pad_begin": 1, "pad_end": 1,
                                     "padded_size": 13}


def test_shape_pool(capsys) -> None:
    code, out, _ = run(capsys, "shape", "--pool", "-i", "7", "-k", "2", "--ceil-mode")
    assert code == 0 and "MaxPool (each axis alike): input 7 → output 4" in out


def test_solve_lists_common_first(capsys) -> None:
    code, out, _ = run(capsys, "solve", "-i", "17", "--output-size", "34", "--limit", "3")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert lines[1:4] == ["kernel_size=4, stride=2, padding=1", "kernel_size=2, stride=2, padding=0",
                          "kernel_size=3, stride=2, padding=1, output_padding=1"]
    code, out, _ = run(capsys, "solve", "-i", "17", "--output-size", "34", "--json")
    assert json.loads(out)[0][0] == {"kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1}


@pytest.mark.parametrize(
    "argv,message",
    [
        (["shape", "-i", "5", "-k", "3", "-s", "2", "--output-padding", "2"],
         "output_padding 2 on axis 0 must be smaller than stride (2)"),
        (["shape", "-i", "5", "-k", "x"], "expected an integer or comma-separated integers"),
        (["shape", "-k", "3"], "--input-size is required"),
        (["solve", "-i", "5"], "--output-size is required"),
        (["compute", "--input", "[[1,2]]"], "give both --input and --weight"),
        (["compute", "--input", "[[1,2]", "--weight", "[[1]]"], "neither a .npy/.json file nor valid JSON"),
        (["compute", "--input", "missing.npy", "--weight", "[[1]]"], "could not be read as .npy"),
        (["compute", "--input", "[[1,2],[3,4]]", "--weight", "[1,2]"], "plain (single-channel) weight"),
        (["compute", "-o", "y.txt"], "must end in .npy"),
        (["compute", "--algorithm", "fft"], "invalid choice"),
        (["shape", "-i", "2", "-k", "3", "-p", "5"], "padding 5 on axis 0 leaves no output"),
        (["shape", "-i", "3", "-k", "2", "--rounds", "3"], "tconv: error: unrecognized arguments: --rounds 3"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_bad_input_one_line_and_exit_2(capsys, argv, message) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    _, err = capsys.readouterr()
    assert info.value.code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_python_dash_m_help_has_examples() -> None:
    result = subprocess.run([sys.executable, "-m", "tconv", "--help"], capture_output=True, text=True, check=True)
    assert "examples:" in result.stdout and "tconv solve -i 17 --output-size 34" in result.stdout
    result = subprocess.run([sys.executable, "-m", "tconv", "shape", "-i", "3", "-k", "2", "--json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["output_size"] == [4]


def test_serve_binds_localhost_and_opens_the_browser_unless_told(monkeypatch, capsys) -> None:
    pytest.importorskip("fastapi")
    import uvicorn

    calls: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: calls.update(host=host, port=port, app=app))
    opened: list = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    assert main(["serve", "--no-browser", "--port", "8799"]) == 0
    assert calls["host"] == "127.0.0.1" and calls["port"] == 8799
    assert "http://127.0.0.1:8799/" in capsys.readouterr().out and opened == []
    import threading

    started: list = []
    never_started = type("T", (), {"start": lambda self: None})
    monkeypatch.setattr(threading, "Timer", lambda delay, fn, args: started.append((fn, args)) or never_started())
    assert main(["serve"]) == 0
    assert started and started[0][1] == ("http://127.0.0.1:8765/",)


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_carries_its_own_handler() -> None:
    """main() has no dispatch chain: each subparser names the function that runs it."""
    handlers = {name: p.get_default("handler") for name, p in _subparsers().items()}
    assert set(handlers) == {"shape", "solve", "explain", "animate", "gallery", "overlap", "bench", "serve",
                             "convert", "onnx", "compute"}
    assert {name: h.__name__ for name, h in handlers.items()} == {name: f"_cmd_{name}" for name in handlers}
    assert [name for name, p in _subparsers().items() if p.get_default("forwards_rest")] == ["bench"]


def test_bench_help_is_the_suites_own(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert out.startswith("usage: tconv bench") and "--rounds ROUNDS" in out and "--onnx-bound" in out


def test_bench_gets_every_argument_after_its_name(monkeypatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("tconv.bench.main", lambda argv: seen.append(argv) or 7)
    assert main(["bench", "--only", "dcgan", "--rounds", "3", "--no-memory"]) == 7
    assert seen == [["--only", "dcgan", "--rounds", "3", "--no-memory"]]


def test_python_dash_m_benchmarks_help_is_the_same_suite() -> None:
    root = Path(__file__).parent.parent
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], capture_output=True, text=True, check=True,
                            cwd=root)
    assert result.stdout.startswith("usage: tconv bench") and "--rounds ROUNDS" in result.stdout
