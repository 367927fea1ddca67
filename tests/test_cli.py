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
    assert out.startswith("ConvTranspose2d: input 5 × 5 → output 10 × 10\n")
    assert "  each axis: (5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10\n" in out  # a square layer: one line for both
    assert "relation 14" in out and "output_size= accepts 9..10 on each axis" in out


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
    assert code == 0 and out.startswith("MaxPool2d: input 7 × 7 → output 4 × 4\n")
    code, out, _ = run(capsys, "shape", "--pool", "-i", "7,", "-k", "2", "--ceil-mode")
    assert code == 0 and out.startswith("MaxPool1d: input 7 → output 4\n") and "  axis 0: " in out


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
        (["shape", "-i", "3", "-k", "2", "--rounds", "3"],
         "tconv shape: error: unrecognized arguments: --rounds 3; `tconv shape --help` lists its flags"),
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
    assert "examples (tconv COMMAND --help" in result.stdout and "tconv solve -i 17 --output-size 34" in result.stdout
    result = subprocess.run([sys.executable, "-m", "tconv", "shape", "-i", "3", "-k", "2", "--json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["output_size"] == [4, 4]


def test_version_is_the_packages_one_line_exit_0(capsys) -> None:
    """``tconv --version`` prints tconv.__version__, the one place the version is written (pyproject reads it)."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"tconv {tconv.__version__}\n"
    assert tconv.__version__.count(".") == 2 and all(part.isdigit() for part in tconv.__version__.split("."))


def _fake_server(monkeypatch) -> list[dict]:
    """uvicorn.Server.run records what it was given (the socket still open) instead of serving."""
    pytest.importorskip("fastapi")
    import uvicorn

    runs: list[dict] = []

    def run(self, sockets=None) -> None:
        runs.append({"host": self.config.host, "port": self.config.port, "bound": [s.getsockname() for s in sockets]})

    monkeypatch.setattr(uvicorn.Server, "run", run)
    return runs


def test_serve_binds_first_then_prints_the_url_and_serves_on_that_socket(monkeypatch, capsys) -> None:
    runs = _fake_server(monkeypatch)
    opened: list = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    assert main(["serve", "--no-browser", "--port", "0"]) == 0  # 0: any free port, the one bound is printed
    [run] = runs
    port = run["bound"][0][1]
    assert run["host"] == "127.0.0.1" and run["port"] == port and port > 0 and run["bound"][0][0] == "127.0.0.1"
    assert capsys.readouterr().out == f"tconv explorer on http://127.0.0.1:{port}/ (Ctrl+C stops it)\n"
    assert opened == []


def test_serve_opens_the_browser_unless_told(monkeypatch, capsys) -> None:
    runs = _fake_server(monkeypatch)
    import threading

    started: list = []
    never_started = type("T", (), {"start": lambda self: None})
    monkeypatch.setattr(threading, "Timer", lambda delay, fn, args: started.append((fn, args)) or never_started())
    assert main(["serve", "--port", "0"]) == 0
    port = runs[0]["bound"][0][1]
    assert started and started[0][1] == (f"http://127.0.0.1:{port}/",)


def test_serve_on_a_busy_port_prints_no_url_and_one_line_naming_the_port(monkeypatch, capsys) -> None:
    import socket

    runs = _fake_server(monkeypatch)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(["serve", "--no-browser", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and runs == []
    assert err.startswith(f"tconv serve: error: --port {port}: cannot listen on 127.0.0.1:{port}: ")
    assert "the port is busy" in err and len(err.splitlines()) == 1


def test_serve_refuses_a_host_it_cannot_resolve(monkeypatch, capsys) -> None:
    runs = _fake_server(monkeypatch)
    code = main(["serve", "--no-browser", "--host", "no such host.invalid", "--port", "0"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and runs == []
    assert err.startswith("tconv serve: error: --host 'no such host.invalid' is not an address to listen on")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_carries_its_own_handler() -> None:
    """main() has no dispatch chain: each subparser names the function that runs it."""
    handlers = {name: p.get_default("handler") for name, p in _subparsers().items()}
    assert set(handlers) == {"shape", "solve", "explain", "animate", "gallery", "overlap", "bench", "serve", "site",
                             "convert", "onnx", "compute", "doctor"}
    assert {name: h.__name__ for name, h in handlers.items()} == {name: f"_cmd_{name}" for name in handlers}
    assert [name for name, p in _subparsers().items() if p.get_default("forwards_rest")] == ["bench"]


def test_bench_help_is_the_suites_own(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert out.startswith("usage: tconv bench") and "--rounds N" in out and "--onnx-bound" in out


def test_bench_gets_every_argument_after_its_name(monkeypatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("tconv.bench.main", lambda argv: seen.append(argv) or 7)
    assert main(["bench", "--only", "dcgan", "--rounds", "3", "--no-memory"]) == 7
    assert seen == [["--only", "dcgan", "--rounds", "3", "--no-memory"]]


def test_python_dash_m_benchmarks_help_is_the_same_suite() -> None:
    root = Path(__file__).parent.parent
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], capture_output=True, text=True, check=True,
                            cwd=root)
    assert result.stdout.startswith("usage: tconv bench") and "--rounds N" in result.stdout


# --------------------------------------------------------------------------------------------------
# every mistake: one line `tconv COMMAND: error: ...` on stderr and exit 2 (issue #12's list, case by case)
# --------------------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
RAGGED = "[[1,2],[3]]"


def _fail(capsys, argv: list[str]) -> str:
    """Run argv, expecting exit 2 and one line on stderr with the command's prefix; returns that line."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit from inside the parser
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert err.startswith(f"tconv {argv[0]}: error: "), err
    return err


@pytest.mark.parametrize(
    "argv,message",
    [
        # ragged arrays, inline and in a file, in each command that reads arrays
        (["compute", "--input", RAGGED, "--weight", "[[1]]"], "--input is not a rectangular array"),
        (["explain", "--input", "[[1]]", "--weight", RAGGED], "--weight is not a rectangular array"),
        (["animate", "--input", RAGGED, "--weight", "[[1]]", "-o", "{tmp}/a.svg"], "--input is not a rectangular"),
        (["compute", "--input", "{tmp}/ragged.json", "--weight", "[[1]]"], "--input is not a rectangular array"),
        (["compute", "--input", "[[1]]", "--weight", "[[1]]", "--bias", "[1,[2]]"], "--bias is not a rectangular"),
        # JSON nested too deeply, inline and in a file; JSON that is not numbers
        (["compute", "--input", DEEP, "--weight", "[[1]]"], "--input is JSON nested too deeply to read"),
        (["explain", "--input", "{tmp}/deep.json", "--weight", "[[1]]"], "--input is JSON nested too deeply"),
        (["compute", "--input", "[" * 100 + "1" + "]" * 100, "--weight", "[[1]]"], "--input is not a rectangular"),
        (["compute", "--input", "[[1, null]]", "--weight", "[[1]]"], "--input must hold numbers"),
        (["compute", "--input", "[[1]]", "--weight", '[["a"]]'], "--weight must hold numbers"),
        (["compute", "--input", "[[10000000000000000000000]]", "--weight", "[[1]]"], "--input must hold numbers"),
        (["compute", "--input", "{tmp}/binary.json", "--weight", "[[1]]"], "--input '{tmp}/binary.json' could not"),
        # --seed out of range
        (["compute", "-i", "3", "-k", "2", "--seed", "-1"], "argument --seed: expected an integer 0..4294967295"),
        (["explain", "-i", "3", "-k", "2", "--seed", "4294967296"], "argument --seed: expected an integer 0..42949"),
        (["animate", "-i", "3", "-k", "2", "--seed", "-1", "-o", "{tmp}/a.svg"], "argument --seed: expected"),
        (["compute", "--input", "[[1]]", "--weight", "[[1]]", "--seed", "3"], "--seed picks random arrays"),
        (["compute", "--plain"], "--plain applies to --input/--weight arrays"),
        # files: a missing folder, a folder where a file goes, a file where a folder goes
        (["animate", "-i", "3", "-k", "2", "-o", "{tmp}/missing/a.svg"],
         "--output '{tmp}/missing/a.svg': the folder '{tmp}/missing' does not exist"),
        (["overlap", "-i", "3", "-k", "2", "-o", "{tmp}/missing/a.png"], "the folder '{tmp}/missing' does not exist"),
        (["explain", "-o", "{tmp}/missing/a.md"], "--output '{tmp}/missing/a.md': the folder '{tmp}/missing' does"),
        (["compute", "-o", "{tmp}/missing/y.npy"], "--output '{tmp}/missing/y.npy': the folder '{tmp}/missing' does"),
        (["explain", "-o", "{tmp}"], "--output '{tmp}' is a folder: give a file name"),
        (["explain", "-o", "{tmp}/ragged.json/x.txt"], "'{tmp}/ragged.json' is a file, not a folder"),
        (["gallery", "/proc/nope"], "DIR '/proc/nope'"),
        (["animate", "-i", "3", "-k", "2", "-o", "{tmp}/" + "a" * 300 + ".svg"], "cannot be used: File name too long"),
        (["gallery", "{tmp}/missing/deeper"], "DIR '{tmp}/missing/deeper': the folder '{tmp}/missing' does not exist"),
        (["gallery", "{tmp}/ragged.json"], "DIR '{tmp}/ragged.json' is a file, not a folder"),
        # ports
        (["serve", "--port", "99999"], "argument --port: expected an integer 0..65535, got '99999'"),
        (["serve", "--port", "-1"], "argument --port: expected an integer 0..65535, got '-1'"),
        (["serve", "--port", "http"], "argument --port: expected an integer 0..65535, got 'http'"),
        # flags a command does not use
        (["explain", "--no-transposed"], "unrecognized arguments: --no-transposed; `tconv explain --help` lists"),
        (["solve", "-i", "5", "--output-size", "9", "-k", "3", "-p", "9"], "unrecognized arguments: -k 3 -p 9"),
        (["shape", "--pool", "--output-padding", "1", "--groups", "4"], "unrecognized arguments: --groups 4"),
        (["shape", "-i", "3", "-k", "2", "--pool", "--no-transposed"], "--transposed/--no-transposed do not apply"),
        (["overlap", "-i", "3", "-k", "2", "--output-size", "4"], "unrecognized arguments: --output-size 4"),
        (["animate", "-i", "3", "-k", "2", "--groups", "2", "-o", "{tmp}/a.svg"], "unrecognized arguments: --groups"),
        (["compute", "--transposed"], "unrecognized arguments: --transposed"),
        (["gallery", "{tmp}/g", "-i", "3"], "unrecognized arguments: -i 3"),
        (["compute", "-o", "{tmp}/y.npy", "--json"], "argument --json: not allowed with argument -o/--output"),
        (["convert", "--to", "onnx", "-i", "4", "-k", "3", "--pads", "1,1"], "--pads does not apply to --to"),
        (["convert", "--from", "tf", "-i", "4", "-k", "3", "--groups", "2"],
         "--groups does not apply to --from tf (it reads --output-size, --in-channels, --out-channels"),
        (["convert", "--from", "keras", "-i", "4", "-k", "3", "--transpose-kernel"],
         "--transpose-kernel does not apply to --from keras"),
        (["convert", "--to", "tf", "-i", "4", "-k", "3", "--groups", "2"], "groups 2: TensorFlow has no groups"),
        (["convert", "--from", "jax", "-i", "4", "-k", "3", "-p", "1:x"], "--padding '1:x' must be a framework's"),
        (["convert", "--from", "onnx", "-i", "4", "-k", "3", "--in-channels", "0"], "argument --in-channels"),
        # sizes that disagree with the arrays
        (["compute", "-k", "3", "--input", "[[1,2],[3,4]]", "--weight", "[[1,2],[3,4]]"],
         "--kernel-size 3 conflicts with --weight, whose spatial shape is [2, 2]"),
        (["explain", "-k", "2,3", "--input", "[[1,2],[3,4]]", "--weight", "[[1,2],[3,4]]"],
         "--kernel-size 2,3 conflicts with --weight"),
        (["compute", "-i", "3", "--input", "[[1,2],[3,4]]", "--weight", "[[1]]"],
         "--input-size 3 conflicts with --input, whose spatial shape is [2, 2]"),
        (["animate", "-k", "3", "--input", "[[1,2],[3,4]]", "--weight", "[[1,2],[3,4]]", "-o", "{tmp}/a.svg"],
         "--kernel-size 3 conflicts with --weight"),
        # no abbreviations; PyTorch's spelling of a flag the command lacks still gets a hint
        (["shape", "-i", "5", "-k", "3", "--strid", "2"], "unrecognized arguments: --strid 2; did you mean --stride?"),
        (["shape", "-i", "5", "-k", "3", "--output-pad", "1"], "did you mean --output-padding?"),
        (["overlap", "-i", "5", "-k", "3", "--output_size", "4"], "unrecognized arguments: --output_size 4"),
        # memory, counted in Python ints before any random array exists
        (["compute", "-i", "100000,100000", "-k", "3"],
         "input_size 100000,100000 with kernel_size 3,3 (random integer arrays) needs about 74.5 GiB"),
        (["compute", "-i", "1000000000", "-k", "1"], "input_size 1000000000,1000000000 with kernel_size 1,1"),
        (["explain", "-i", "1000000000", "-k", "1,1"], "more than the memory budget"),
        (["animate", "-i", "1000000000", "-k", "1", "-o", "{tmp}/a.svg"], "input cells; at most 1600 are drawn"),
        # solve's bounds
        (["solve", "-i", "17", "--output-size", "34", "--max-kernel", "1000000", "--max-stride", "1000000"],
         "kernel_sizes 1..1000000 has more than 100,000 values"),
        (["solve", "-i", "17,", "--output-size", "34,", "--max-kernel", "64", "--max-stride", "16"],
         "make 196,608 candidates for solve on 1 axis; valid range: at most 100,000"),
        (["solve", "-i", "17", "--output-size", "34", "--max-kernel", "64", "--max-stride", "16"],
         "make 393,216 candidates for solve on 2 axes"),
        (["animate", "-i", "3", "-k", "2", "-o", "{tmp}/out.jpg"],
         "--output '{tmp}/out.jpg': the extension must be one of .svg, .gif, .png"),
        (["overlap", "-i", "3", "-k", "2", "-o", "{tmp}/out.jpg"], "the extension must be one of .svg, .png"),
        (["solve", "-i", "17", "--output-size", "34", "--limit", "0"], "argument --limit: expected an integer ≥ 1"),
        (["solve", "-i", "17", "--output-size", "34", "--max-kernel", "0"], "argument --max-kernel: expected"),
        (["animate", "-i", "3", "-k", "2", "--frame", "x", "-o", "{tmp}/a.svg"], "argument --frame: expected"),
    ],
    ids=lambda v: v[:60] if isinstance(v, str) else " ".join(a[:20] for a in v),
)
def test_every_mistake_is_one_line_naming_the_flag_or_path(tmp_path: Path, capsys, argv, message) -> None:
    (tmp_path / "ragged.json").write_text(RAGGED)
    (tmp_path / "deep.json").write_text(DEEP)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    tmp = str(tmp_path)
    err = _fail(capsys, [a.replace("{tmp}", tmp) for a in argv])
    assert message.replace("{tmp}", tmp) in err
    assert not (tmp_path / "missing").exists()  # no folder is created on the way


def test_underscore_spellings_are_aliases_hidden_from_help(capsys) -> None:
    _, out1, _ = run(capsys, "shape", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1", "--json")
    _, out2, _ = run(capsys, "shape", "-i", "5", "--kernel_size=3", "-s", "2", "-p", "1", "--output_padding", "1",
                     "--json")
    assert json.loads(out1) == json.loads(out2) and json.loads(out2)["output_size"] == [10, 10]
    code, out, _ = run(capsys, "compute", "--input_size", "3", "--kernel_size", "2", "--output_size", "7", "-s", "2",
                       "--json")
    assert code == 0 and json.loads(out)["output_shape"] == [7, 7]
    with pytest.raises(SystemExit):
        main(["shape", "--help"])
    assert "--output_padding" not in capsys.readouterr().out


def test_every_hyphenated_long_flag_has_its_underscore_alias() -> None:
    for name, parser in _subparsers().items():
        table = parser._option_string_actions
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and "-" in option[2:] and not option.startswith("--no-"):
                    assert table["--" + option[2:].replace("-", "_")] is action, (name, option)


def _long_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}


def test_each_subcommand_takes_only_its_own_flags() -> None:
    sizes = {"--input-size", "--kernel-size"}
    layer = {"--stride", "--padding", "--dilation"}
    transposed_only = {"--output-padding", "--output-size"}
    arrays = {"--input", "--weight", "--seed"}
    flags = {name: _long_flags(p) for name, p in _subparsers().items()}
    assert flags["shape"] == sizes | layer | transposed_only | {"--transposed", "--no-transposed", "--pool",
                                                                "--ceil-mode", "--json", "--padding-mode"}
    assert flags["solve"] == {"--input-size", "--output-size", "--transposed", "--no-transposed", "--max-kernel",
                              "--max-stride", "--max-dilation", "--limit", "--json"}
    assert flags["compute"] == sizes | layer | transposed_only | arrays | {"--groups", "--bias", "--plain",
                                                                          "--algorithm", "--output", "--json",
                                                                          "--padding-mode"}
    assert flags["explain"] == sizes | layer | transposed_only | arrays | {"--groups", "--bias", "--plain", "--view",
                                                                          "--format", "--lang", "--output",
                                                                          "--conv-input", "--padding-mode"}
    assert flags["animate"] == sizes | layer | transposed_only | arrays | {
        "--transposed", "--no-transposed", "--view", "--pool", "--values", "--frame", "--output", "--duration",
        "--lang", "--cell-size", "--padding-mode"}
    assert flags["overlap"] == sizes | layer | {"--output-padding", "--layers", "--output", "--json"}
    assert flags["gallery"] == {"--format", "--duration", "--cell-size"}
    assert flags["serve"] == {"--host", "--port", "--no-browser"}
    assert flags["onnx"] == set() and flags["bench"] == set()
    assert flags["doctor"] == {"--input-shape", "--target-shape", "--sizes", "--timeout", "--json"}


def test_no_parser_takes_abbreviations() -> None:
    parser = build_parser()
    assert parser.allow_abbrev is False
    assert all(p.allow_abbrev is False for p in _subparsers().values())


@pytest.mark.parametrize("command", ["shape", "solve", "compute", "explain", "animate", "gallery", "overlap", "serve",
                                     "convert", "onnx", "doctor"])
def test_each_help_shows_its_own_examples(capsys, command) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    examples = out[out.index("examples:"):].splitlines()[1:]
    assert examples and all(line.split()[:2] == ["tconv", command] for line in examples)


def test_unknown_command_and_top_level_flag_are_one_line(capsys) -> None:
    for argv, message in ((["nope"], "tconv: error: argument COMMAND: invalid choice: 'nope'"),
                          (["--bogus"], "tconv: error: unrecognized arguments: --bogus")):
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and err.startswith(message) and len(err.splitlines()) == 1


def test_sizes_that_agree_with_the_arrays_are_accepted(capsys) -> None:
    code, out, _ = run(capsys, "compute", "-i", "3", "-k", "2", "--input", "[[4,4,3],[0,3,4],[2,3,2]]", "--weight",
                       "[[1,2],[0,1]]", "--json")
    assert code == 0 and json.loads(out)["output_shape"] == [4, 4]


def test_no_command_is_one_error_line(capsys) -> None:
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("tconv: error: a command is needed") and len(err.splitlines()) == 1


def test_an_npy_header_is_checked_against_the_budget_before_reading(tmp_path, capsys, monkeypatch) -> None:
    """A .npy of 8 MB with a 1 MB budget is refused from its header, naming the flag, the file and the shape."""
    big, w = tmp_path / "big.npy", tmp_path / "w.npy"
    np.save(big, np.zeros((1, 1, 1000, 1000), np.float64))
    np.save(w, np.ones((1, 1, 3, 3)))
    monkeypatch.setenv("TCONV_MEMORY_BUDGET", str(1 << 20))
    err = _fail(capsys, ["compute", "--input", str(big), "--weight", str(w)])
    assert "--input" in err and "big.npy" in err and "[1, 1, 1000, 1000]" in err and "memory budget" in err


def test_a_failed_write_of_the_answer_is_one_line(capsys, monkeypatch) -> None:
    """A full disk behind stdout (/dev/full): one error line on stderr, exit 2, no traceback."""
    import builtins

    real_print = builtins.print

    def full_disk(*args, **kwargs):
        if kwargs.get("file") is None:
            raise OSError(28, "No space left on device")
        return real_print(*args, **kwargs)

    monkeypatch.setattr(builtins, "print", full_disk)
    assert main(["shape", "-i", "5", "-k", "3"]) == 2
    err = capsys.readouterr().err
    assert err == "tconv shape: error: cannot write the output: No space left on device\n"


def test_gallery_refuses_an_empty_folder_name(capsys) -> None:
    err = _fail(capsys, ["gallery", ""])
    assert "DIR is empty" in err


# --------------------------------------------------------------------------------------------------
# what a bare number means: a square 2-D layer in every subcommand; a trailing comma asks for one axis
# --------------------------------------------------------------------------------------------------


def _axes_of_output(command: str, out: str, tmp_path: Path) -> int:
    """How many spatial axes the answer has, read from each command's own output."""
    if command == "shape":
        return len(json.loads(out)["output_size"])
    if command == "solve":
        return len(json.loads(out))
    if command == "compute":
        return len(json.loads(out)["output_shape"])
    if command == "explain":
        return np.asarray(json.loads(out)["output"]).ndim - 1  # (C, *spatial)
    if command == "overlap":
        return np.asarray(json.loads(out)["counts"]).ndim
    if command == "animate":
        return 2 if "ConvTranspose2d" in out else 1 if "ConvTranspose1d" in out else 0
    if command == "convert --from":
        return len(json.loads(out)["output_size"])
    assert command == "convert --to"
    return len(json.loads(out)["kernel_shape"])


# each command with its size flags marked {n}: "3" (a bare number) or "3," (one axis)
RANK_CASES = {
    "shape": ["shape", "-i", "3{n}", "-k", "2", "--json"],
    "solve": ["solve", "-i", "17{n}", "--output-size", "34{n}", "--json"],
    "compute": ["compute", "-i", "3{n}", "-k", "2", "--json"],
    "explain": ["explain", "-i", "3{n}", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1", "--view",
                "scatter", "--format", "json"],
    "animate": ["animate", "-i", "3{n}", "-k", "2", "-o", "{tmp}/a.svg"],
    "overlap": ["overlap", "-i", "3{n}", "-k", "2", "--json"],
    "convert --from": ["convert", "--from", "keras", "--padding", "same", "-s", "2", "-k", "3", "-i", "16{n}",
                       "--json"],
    "convert --to": ["convert", "--to", "onnx", "-k", "3", "-s", "2", "-i", "8{n}", "--json"],
}


@pytest.mark.parametrize("spelling,axes", [("", 2), (",", 1)], ids=["bare number: square 2-D", "trailing comma: 1-D"])
@pytest.mark.parametrize("command", list(RANK_CASES))
def test_a_bare_size_means_a_square_2d_layer_in_every_command(tmp_path: Path, capsys, command, spelling,
                                                              axes) -> None:
    argv = [a.replace("{n}", spelling).replace("{tmp}", str(tmp_path)) for a in RANK_CASES[command]]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert _axes_of_output(command, out, tmp_path) == axes


@pytest.mark.parametrize("command", ["shape", "solve", "compute", "explain", "animate", "overlap", "convert"])
def test_each_help_with_sizes_states_the_rank_rule(capsys, command) -> None:
    from tconv.cli.base import RANK_RULE

    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert f"sizes ({RANK_RULE})" in capsys.readouterr().out
    assert RANK_RULE == "5 means a square 2-D layer, 5,5; one per axis: 5,4; one axis (1-D): 5,"


@pytest.mark.parametrize("argv,first_line", [
    (["shape", "-i", "3", "-k", "2"], "ConvTranspose2d: input 3 × 3 → output 4 × 4"),
    (["shape", "-i", "3,", "-k", "2"], "ConvTranspose1d: input 3 → output 4"),
    (["shape", "-i", "3,3,3", "-k", "2", "--no-transposed"], "Conv3d: input 3 × 3 × 3 → output 2 × 2 × 2"),
    (["shape", "-i", "3,3,3,3", "-k", "2"],
     "ConvTranspose over 4 axes (PyTorch's layers have 1 to 3): input 3 × 3 × 3 × 3 → output 4 × 4 × 4 × 4"),
], ids=["2-D", "1-D", "3-D conv", "4 axes: no such PyTorch layer"])
def test_shape_names_the_pytorch_layer_or_says_there_is_none(capsys, argv, first_line) -> None:
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.splitlines()[0] == first_line
    assert "ConvTranspose4d" not in out


def test_solve_help_shows_the_candidate_cap_as_a_number(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    out = capsys.readouterr().out
    assert "search bounds (at most 100,000 candidates, about a second)" in out
    assert "MAX_SOLVE_CANDIDATES" not in out and "shapes." not in out


def test_animate_jpg_names_the_extensions_and_no_python_argument(tmp_path: Path, capsys) -> None:
    err = _fail(capsys, ["animate", "-i", "3", "-k", "2", "-o", str(tmp_path / "out.jpg")])
    assert err == (f"tconv animate: error: --output '{tmp_path / 'out.jpg'}': the extension must be one of .svg, "
                   ".gif, .png\n")
    assert "kind=" not in err and not (tmp_path / "out.jpg").exists()


@pytest.mark.parametrize("name,extra,said", [
    ("odd.gif", [], "36 frames"),
    ("odd.svg", [], "36 frames"),
    ("odd.png", [], "one still, frame 21 of frames 0..35"),
    ("odd.svg", ["--frame", "2"], "one still, frame 2 of frames 0..35"),
    ("odd.gif", ["--frame", "35"], "one still, frame 35 of frames 0..35"),
], ids=["gif: every frame", "svg: every frame", "png: the still", "svg --frame 2: a still", "gif --frame 35"])
def test_animate_says_what_it_wrote(tmp_path: Path, capsys, name, extra, said) -> None:
    out_path = tmp_path / name
    code, out, _ = run(capsys, "animate", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1",
                       "--cell-size", "8", "-o", str(out_path), *extra)
    assert code == 0
    assert out == f"wrote {out_path}: {said}, ConvTranspose2d  k=3 s=2 p=1 op=1 d=1:  3 × 3 → 6 × 6  (gather: as a " \
                  "direct convolution)\n"


@pytest.mark.parametrize("argv", [
    ("shape", "-i", "3,", "-k", "3,3"),
    ("shape", "-i", "3,", "-k", "3", "-s", "2,2"),
    ("compute", "-i", "3,", "-k", "2,2"),
    ("animate", "-i", "5,", "-k", "3", "-s", "2,2", "-o", "unwritten.svg"),
    ("overlap", "-i", "4,4", "-k", "3,3,3"),
    ("solve", "-i", "17,", "--output-size", "34,34"),
], ids=["shape", "shape-stride", "compute", "animate", "overlap", "solve"])
def test_sizes_that_disagree_on_the_number_of_axes_are_refused(capsys: pytest.CaptureFixture[str], argv) -> None:
    """A trailing comma means one axis and a pair two: they never stretch to fit each other."""
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "the sizes disagree on the number of axes" in err


# --------------------------------------------------------------------------------------------------
# flags named in every refusal: ranges at parse time, the shells' own wording, never a Python keyword
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def no_timing(monkeypatch):
    """The suite and the profile fail the test if called: a refusal must come before anything is timed."""
    def timed(*args, **kwargs):
        pytest.fail("the benchmark ran before the flags were checked")

    monkeypatch.setattr("tconv.bench.command.run", timed)
    monkeypatch.setattr("tconv.bench.command.profile", timed)


@pytest.mark.parametrize("argv,line", [
    # bench: the CLI's parser (no abbreviation, one line), its counts refused at parse time, --json checked first
    (["bench", "--profile", "--rounds", "0", "--warmup", "0", "--only", "vocoder"],
     "tconv bench: error: argument --rounds: expected an integer ≥ 1, got '0'"),
    (["bench", "--rounds", "abc"], "tconv bench: error: argument --rounds: expected an integer ≥ 1, got 'abc'"),
    (["bench", "--roun", "3"], "tconv bench: error: unrecognized arguments: --roun 3; did you mean --rounds?"),
    (["bench", "--warmup", "-1"], "tconv bench: error: argument --warmup: expected a number ≥ 0, got '-1'"),
    (["bench", "--warmup", "nan"], "tconv bench: error: argument --warmup: expected a number ≥ 0, got 'nan'"),
    (["bench", "--onnx-bound", "0"], "tconv bench: error: argument --onnx-bound: expected a number > 0, got '0'"),
    (["bench", "--profile", "--only", "vocoder", "--json", "{tmp}/missing/x.json"],
     "tconv bench: error: --json '{tmp}/missing/x.json': the folder '{tmp}/missing' does not exist (create it "
     "first)"),
    (["bench", "--only", "vocoder", "--json", "{tmp}"], "tconv bench: error: --json '{tmp}' is a folder: give a file "
                                                        "name"),
    # arrays given as JSON: an empty one is named
    (["compute", "--input", "[]", "--weight", "[[1]]"], "tconv compute: error: --input is empty: give at least one "
                                                        "number"),
    (["explain", "--input", "[[1]]", "--weight", "[[]]"], "tconv explain: error: --weight is empty: give at least "
                                                          "one number"),
    # ONNX's pads: counted as begins and ends, not as axes
    (["convert", "--from", "onnx", "--pads", "1,2,3", "-s", "2", "-k", "3", "-i", "16"],
     "tconv convert: error: pads needs 4 integers (begin and end for each of the 2 axes: all begins, then all "
     "ends), got [1, 2, 3] (3 values)"),
    (["convert", "--from", "onnx", "--pads", "1,2,3", "-s", "2", "-k", "3", "-i", "16,"],
     "tconv convert: error: pads needs 2 integers (begin, then end, of the one axis), got [1, 2, 3] (3 values)"),
    # animate and overlap: the flags, not the library's keywords
    (["animate", "-i", "3", "-k", "2", "--frame", "999", "-o", "{tmp}/a.svg"],
     "tconv animate: error: --frame 999 is out of range: this scene has 16 frames (0..15, or -16..-1 counted from "
     "the end)"),
    (["animate", "-i", "3", "-k", "2", "--frame", "-17", "-o", "{tmp}/a.svg"],
     "tconv animate: error: --frame -17 is out of range"),
    (["animate", "-i", "3", "-k", "2", "--pool", "max", "-o", "{tmp}/a.svg"],
     "tconv animate: error: --pool max draws a pooling window, which slides as a direct convolution does: add "
     "--view conv (or --no-transposed)"),
    (["overlap", "-i", "3", "-k", "2", "-o", "{tmp}/ov.gif"],
     "tconv overlap: error: --output '{tmp}/ov.gif': the extension must be one of .svg, .png"),
    (["animate", "-i", "3", "-k", "2", "--duration", "0", "-o", "{tmp}/a.gif"],
     "tconv animate: error: argument --duration: expected an integer 10..655350, got '0'"),
    (["gallery", "{tmp}/g", "--duration", "655351"],
     "tconv gallery: error: argument --duration: expected an integer 10..655350, got '655351'"),
    (["animate", "-i", "3", "-k", "2", "--cell-size", "0", "-o", "{tmp}/a.svg"],
     "tconv animate: error: argument --cell-size: expected an integer 4..200, got '0'"),
    (["gallery", "{tmp}/g", "--cell-size", "201"],
     "tconv gallery: error: argument --cell-size: expected an integer 4..200, got '201'"),
    (["animate", "-i", "3", "-k", "2", "--no-transposed", "--output-padding", "1", "-o", "{tmp}/a.svg"],
     "tconv animate: error: --output-padding applies to transposed convolution only, and --no-transposed draws a "
     "direct one"),
    (["animate", "-i", "3", "-k", "2", "--view", "conv", "--output-size", "5", "-o", "{tmp}/a.svg"],
     "tconv animate: error: --output-size applies to transposed convolution only, and --view conv draws a direct "
     "one"),
    # integers in ASCII digits only
    (["shape", "-i", "٣", "-k", "2"], "tconv shape: error: argument -i/--input-size: expected an integer or "
                                      "comma-separated integers like 5,4 (5, for one axis), got '٣'"),
    (["shape", "-i", "3", "-k", "２"],
     "tconv shape: error: argument -k/--kernel-size: expected an integer or comma-separated integers"),
    (["shape", "-i", "1_0", "-k", "2"],
     "tconv shape: error: argument -i/--input-size: expected an integer or comma-separated integers"),
    (["compute", "-i", "3", "-k", "2", "--seed", "٣"],
     "tconv compute: error: argument --seed: expected an integer 0..4294967295, got '٣'"),
    # a memory need of 20-digit sizes, written readably
    (["compute", "-i", "99999999999999999999", "-k", "1"],
     "tconv compute: error: input_size 99999999999999999999,99999999999999999999 with kernel_size 1,1 (random "
     "integer arrays) needs about 7.1e+25 PiB, more than the memory budget of"),
], ids=lambda v: v[:60] if isinstance(v, str) else " ".join(a[:20] for a in v))
def test_a_refusal_is_one_line_naming_the_flag_and_its_range(tmp_path: Path, capsys, no_timing, argv, line) -> None:
    tmp = str(tmp_path)
    err = _fail(capsys, [a.replace("{tmp}", tmp) for a in argv])
    assert err.startswith(line.replace("{tmp}", tmp))
    for python in ("Traceback", "usage:", "duration_ms", "cell_size", "view=", "view 'conv'", "kind 'gif'", "astype",
                   "spatial dimension"):
        assert python not in err
    assert not (tmp_path / "g").exists() and not (tmp_path / "missing").exists()


X_FLOAT, X_INT, W_FLOAT, W_INT = [[1.5, 2], [3, 4]], [[1, 2], [3, 4]], [[1.5, 2], [0, 1]], [[1, 2], [0, 1]]


@pytest.mark.parametrize("x_source,w_source,x,w,dtype", [
    ("[[1.5,2],[3,4]]", "[[1,2],[0,1]]", X_FLOAT, W_INT, "float64"),
    ("{tmp}/x.json", "[[1,2],[0,1]]", X_FLOAT, W_INT, "float64"),
    ("[[1,2],[3,4]]", "{tmp}/w.json", X_INT, W_FLOAT, "float64"),
    ("{tmp}/x32.npy", "[[1,2],[0,1]]", X_FLOAT, W_INT, "float32"),
    ("[[1,2],[3,4]]", "[[1,2],[0,1]]", X_INT, W_INT, "int64"),
], ids=["inline floats and ints", "a .json file of floats", "a .json weight of floats",
        "a float32 .npy: JSON takes its dtype", "ints: int64"])
@pytest.mark.parametrize("command", ["compute", "explain"])
def test_json_arrays_take_their_common_dtype(tmp_path: Path, capsys, command, x_source, w_source, x, w,
                                            dtype) -> None:
    """JSON typed at a shell is plain data: arrays take a common dtype, as lists do in the library; a .npy keeps
    its own."""
    (tmp_path / "x.json").write_text(json.dumps(X_FLOAT))
    (tmp_path / "w.json").write_text(json.dumps(W_FLOAT))
    np.save(tmp_path / "x32.npy", np.array(X_FLOAT, np.float32))
    sources = ["--input", x_source.replace("{tmp}", str(tmp_path)), "--weight", w_source.replace("{tmp}",
                                                                                                 str(tmp_path))]
    fmt = ["--json"] if command == "compute" else ["--format", "json"]
    code, out, err = run(capsys, command, *sources, *fmt)
    assert code == 0, err
    expected = tconv.conv_transpose(np.asarray(x, dtype)[None], np.asarray(w, dtype)[None, None])[0]
    np.testing.assert_array_equal(np.reshape(json.loads(out)["output"], (3, 3)), expected)
    if command == "compute":
        code, out, _ = run(capsys, "compute", *sources, "-o", str(tmp_path / "y.npy"))
        assert code == 0 and out.endswith(f"dtype {dtype}\n") and np.load(tmp_path / "y.npy").dtype == dtype


@pytest.mark.parametrize("negative,positive", [("-1", "15"), ("-16", "0"), ("-3", "13")],
                         ids=["-1: the last", "-16: the first", "-3"])
def test_a_negative_frame_counts_from_the_end(tmp_path: Path, capsys, negative, positive) -> None:
    written = {}
    for frame in (negative, positive):
        code, out, _ = run(capsys, "animate", "-i", "3", "-k", "2", "--frame", frame, "-o", str(tmp_path / "a.svg"))
        assert code == 0 and f"one still, frame {positive} of frames 0..15" in out
        written[frame] = (tmp_path / "a.svg").read_bytes()
    assert written[negative] == written[positive]


@pytest.mark.parametrize("keyword,value,accepted", [
    ("duration_ms", "lo", True), ("duration_ms", "hi", True), ("duration_ms", "below", False),
    ("duration_ms", "above", False), ("cell_size", "lo", True), ("cell_size", "hi", True),
    ("cell_size", "below", False), ("cell_size", "above", False),
])
def test_the_rendering_flags_ranges_are_the_scenes(keyword, value, accepted) -> None:
    """--duration and --cell-size refuse at parse time exactly what the scene's Look refuses."""
    from tconv.scene import Look
    from tconv.scene.build import CELL_SIZES, DURATIONS_MS

    lo, hi = DURATIONS_MS if keyword == "duration_ms" else CELL_SIZES
    number = {"lo": lo, "hi": hi, "below": lo - 1, "above": hi + 1}[value]
    looks = {"values": False, "cell_size": 36, "duration_ms": 800, "lang": "en", keyword: number}
    if accepted:
        assert getattr(Look.checked(**looks), keyword) == number
    else:
        with pytest.raises(tconv.TconvError, match=f"^{keyword} {number} "):
            Look.checked(**looks)


@pytest.mark.parametrize("kind", ["svg", "gif", "png"])
def test_overlaps_extensions_are_what_an_overlap_map_writes(tmp_path: Path, kind) -> None:
    from tconv.render import WRITERS
    from tconv.scene.overlap import KINDS as OVERLAP_KINDS

    assert kind in WRITERS
    heatmap = tconv.scene.overlap(4, 3, stride=2)
    if kind in OVERLAP_KINDS:
        assert heatmap.save(tmp_path / f"o.{kind}").stat().st_size > 0
    else:
        with pytest.raises(tconv.TconvError, match="an overlap heatmap is a still"):
            heatmap.save(tmp_path / f"o.{kind}")


# --- a flag given twice: refused naming it, in every subcommand (argparse kept the last, silently) --------------


def _one_value(action: argparse.Action) -> list[str]:
    """A value the flag's type takes (nothing for a switch), so that only the repetition is wrong."""
    if action.nargs == 0:
        return []
    if action.choices is not None:
        return [str(next(iter(action.choices)))]
    for text in ("1", "36", "800", "1,3,8", "8:16"):
        try:
            (action.type or str)(text)
        except (argparse.ArgumentTypeError, ValueError):
            continue
        return [text]
    raise AssertionError(f"no value for {action.option_strings}")


def _repeated_flags() -> list:
    cases = []
    from tconv.bench.command import parser as bench_parser  # tconv bench forwards its flags to the suite's parser

    parsers = {**_subparsers(), "bench": bench_parser()}
    for command, parser in parsers.items():
        seen = set()
        for action in parser._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction) or id(action) in seen:
                continue
            seen.add(id(action))
            first, second = action.option_strings[0], action.option_strings[-1]
            cases.append(pytest.param(command, first, second, _one_value(action), id=f"{command} {second}"))
    return cases


@pytest.mark.parametrize(("command", "first", "second", "value"), _repeated_flags())
def test_a_flag_given_twice_is_refused_naming_it(command: str, first: str, second: str, value: list[str],
                                                  capsys) -> None:
    """Parsed only (no handler runs, so that a regression starts no server and writes no file)."""
    from tconv.bench.command import parser as bench_parser

    parse = bench_parser().parse_args if command == "bench" else build_parser().parse_args
    argv = [first, *value, second, *value]
    with pytest.raises(SystemExit) as info:
        parse(argv if command == "bench" else [command, *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"tconv {command}: error: argument ") and ": given twice" in err and second in err, err


@pytest.mark.parametrize("argv", [["shape", "-i", "3", "-k", "2", "--output_padding", "0", "--output-padding", "0"],
                                  ["shape", "-i", "3", "-k", "2", "--transposed", "--no-transposed"],
                                  ["shape", "-i=3", "-k", "2", "-i3"]],
                         ids=["alias-and-flag", "both-directions", "attached-values"])
def test_any_two_spellings_of_a_flag_are_one_flag_given_twice(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and ": given twice" in capsys.readouterr().err


# --- a flag that does not apply is refused whatever its value: 0 (or the default) was ignored silently ----------


def _inapplicable() -> list:
    from tconv.frameworks import FROM_READS

    smallest = {"pads": ["0"], "output_padding": ["0"], "output_size": ["0"], "groups": ["1"], "in_channels": ["1"],
                "out_channels": ["1"], "transpose_kernel": []}
    cases = []
    for framework, reads in FROM_READS.items():
        for name, value in smallest.items():
            if name not in reads:
                flag = "--" + name.replace("_", "-")
                argv = ["convert", "--from", framework, "-s", "2", "-k", "3", "-i", "16", flag, *value]
                cases.append(pytest.param(argv, f"{flag} does not apply to --from {framework}",
                                          id=f"from-{framework} {flag} {' '.join(value)}".strip()))
    for direct in ("--no-transposed", "--pool"):
        for flag, value in (("--output-padding", "0"), ("--output_padding", "0,0"), ("--output-size", "5")):
            cases.append(pytest.param(["shape", "-i", "5", "-k", "3", direct, flag, value],
                                      f"--{flag[2:].replace('_', '-')} applies to transposed convolution only",
                                      id=f"shape {direct} {flag} {value}"))
    for direct in (["--view", "conv"], ["--no-transposed"]):
        cases.append(pytest.param(["animate", "-i", "3", "-k", "2", *direct, "--output-padding", "0", "-o", "{tmp}"],
                                  "--output-padding applies to transposed convolution only",
                                  id=f"animate {' '.join(direct)} --output-padding 0"))
    return cases


@pytest.mark.parametrize(("argv", "message"), _inapplicable())
def test_a_flag_that_does_not_apply_is_refused_even_as_0(argv: list[str], message: str, tmp_path, capsys) -> None:
    argv = [a.replace("{tmp}", str(tmp_path / "a.svg")) for a in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"tconv {argv[0]}: error: {message}") and len(err.splitlines()) == 1, err
    assert not (tmp_path / "a.svg").exists()


def test_site_writes_the_page_and_its_assets(tmp_path, capsys) -> None:
    from tconv.web.site import asset_names

    target = tmp_path / "explorer"
    assert main(["site", str(target)]) == 0
    static = Path(tconv.__file__).parent / "web" / "static"
    assert (target / "index.html").read_bytes() == (static / "index.html").read_bytes()
    shipped = sorted(p.name for p in (target / "static").iterdir())
    assert shipped == sorted(n for n in asset_names() if n != "index.html") and "app.js" in shipped
    for name in shipped:
        assert (target / "static" / name).read_bytes() == (static / name).read_bytes()
    assert "python -m http.server -d " in capsys.readouterr().out


@pytest.mark.parametrize("where", ["a-file", "missing-parent"])
def test_site_refuses_a_file_or_a_missing_parent_in_one_line(tmp_path, capsys, where: str) -> None:
    target = tmp_path / "f.txt" if where == "a-file" else tmp_path / "missing" / "site"
    if where == "a-file":
        target.write_text("x")
    assert main(["site", str(target)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("tconv site: error: DIR ")
    assert not (tmp_path / "missing").exists()


def test_help_names_the_packages_as_the_install_hints_do(capsys) -> None:
    """serve's and onnx's help say which packages they need in the words of the "needs X" messages (install_hint),
    not as ``tconv[web]``, which pip finds only once tconv is on a package index."""
    from tconv._extras import install_hint

    for argv, extra in [(["serve", "--help"], "web"), (["onnx", "--help"], "onnx")]:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0
        out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
        assert install_hint(extra) in out and "tconv[" not in out, out


def test_gallery_without_pillow_suggests_svg_and_makes_no_folder(monkeypatch, tmp_path: Path, capsys) -> None:
    from tconv.scene.gallery import GALLERY

    monkeypatch.setitem(sys.modules, "PIL", None)  # Pillow not installed
    folder = tmp_path / "gallery"
    assert main(["gallery", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tconv gallery: error: GIF and PNG output need Pillow")
    assert err.rstrip().endswith(f"; or draw it as SVG: tconv gallery {folder} --format svg")
    assert not folder.exists()
    # and the suggestion works without Pillow
    assert main(["gallery", str(folder), "--format", "svg"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{e.name}.svg" for e in GALLERY)


def test_onnx_names_a_missing_model_before_asking_for_onnx(monkeypatch, tmp_path: Path, capsys) -> None:
    """Installing onnx would not help with a file that does not exist: that is said first."""
    from tconv._extras import install_hint

    monkeypatch.setitem(sys.modules, "onnx", None)  # onnx not installed
    for model, message in [("/nonexistent.onnx", "MODEL '/nonexistent.onnx' does not exist"),
                           (str(tmp_path), f"MODEL '{tmp_path}' is a folder, not an .onnx file"),
                           ("", "MODEL is empty: give an .onnx file")]:
        assert main(["onnx", model]) == 2
        assert capsys.readouterr().err == f"tconv onnx: error: {message}\n"
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07")
    assert main(["onnx", str(tmp_path / "m.onnx")]) == 2
    assert capsys.readouterr().err == f"tconv onnx: error: reading ONNX models needs the onnx package: " \
                                      f"{install_hint('onnx')}\n"
