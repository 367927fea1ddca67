"""Hypothesis drives ``main(argv)`` with every subcommand's real flags (read from the parsers, so a new flag is
covered) and junk values: every run exits 0 or 2, and a 2 comes with exactly one line ``tconv ...: error: ...``."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv.cli import build_parser, main

# Values for any flag: good ones, out of range, huge, empty, not numbers, and JSON junk.
JUNK = [
    "0", "1", "2", "3", "-1", "-7", "5,4", "2,3,2", "1,1,1,1", "", " ", ",", "1,", "x", "1.5", "1e3", "nan", "0x10",
    "99999999999999999999", "1000000000", "100000,100000", "4294967296", "65536",
    "[[1,2],[3]]", "[[1,2],[0,1]]", "[[4,4,3],[0,3,4],[2,3,2]]", "[1,2,3]", "[[[[1]]]]", "[]", "[[]]", "null", "{",
    '{"a": 1}', "[[1, null]]", '[["a"]]', "[[true]]", "[[1e400]]", "[[10000000000000000000000]]",
    "[" * 100_000 + "]" * 100_000, "[" * 200 + "1" + "]" * 200,
    "same", "SAME_LOWER", "valid", "1:2,0:1", "1:x",
]
# Plausible values, drawn as often as the junk, so runs get past the parser into the library.
GOOD = ["1", "2", "3", "4", "2,3", "3,2", "0"]
# A working command line for each subcommand, which the drawn flags then add to or override (half of the runs).
BASES = {
    "shape": ["-i", "5", "-k", "3"], "solve": ["-i", "17", "--output-size", "34"], "compute": ["-i", "3", "-k", "2"],
    "explain": ["-i", "3", "-k", "2"], "animate": ["-i", "3", "-k", "2", "-o", "{tmp}/out.svg"],
    "gallery": [], "overlap": ["-i", "4", "-k", "3"], "serve": [], "site": [],
    "convert": ["--from", "onnx", "-i", "4", "-k", "3"],
    "onnx": [], "doctor": ["--input-shape", "1,3,8"],
}
COMMANDS = ["shape", "solve", "compute", "explain", "animate", "gallery", "overlap", "serve", "site", "convert",
            "onnx", "doctor"]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _paths(tmp: Path) -> list[str]:
    """Files and folders: writable, in a missing folder, a folder, a file used as a folder, unreadable junk."""
    return [str(tmp / "out.svg"), str(tmp / "out.png"), str(tmp / "out.gif"), str(tmp / "out.npy"),
            str(tmp / "out.txt"), str(tmp / "missing" / "x.svg"), str(tmp / "missing" / "x.npy"), str(tmp),
            str(tmp / "ragged.json"), str(tmp / "ragged.json" / "x.png"), str(tmp / "nothing.npy"),
            str(tmp / "junk.npy"), "/proc/nope/x.gif", str(tmp / "missing" / "in.json"),
            str(tmp / ("a" * 300 + ".svg")), str(tmp / ("a" * 300) / "x.json")]


def _flag_options(parser: argparse.ArgumentParser) -> list[tuple[list[str], argparse.Action]]:
    """Each optional flag with every spelling it answers to (PyTorch's underscore aliases included)."""
    spellings: dict[int, list[str]] = {}
    actions: dict[int, argparse.Action] = {}
    for option, action in parser._option_string_actions.items():
        if isinstance(action, argparse._HelpAction):
            continue
        spellings.setdefault(id(action), []).append(option)
        actions[id(action)] = action
    return [(sorted(spellings[key]), actions[key]) for key in spellings]


@st.composite
def argvs(draw: st.DrawFn, command: str, tmp: Path) -> list[str]:
    parser = _subparsers()[command]
    values = st.one_of(st.sampled_from(GOOD), st.sampled_from(JUNK + _paths(tmp)))
    argv = [command]
    for positional in (a for a in parser._actions if not a.option_strings):
        if command == "gallery":  # a valid folder would render the whole gallery: only folders it cannot make
            argv.append(draw(st.sampled_from([str(tmp / "missing" / "g"), str(tmp / "ragged.json"), "/proc/nope"])))
        elif command == "site":  # folders inside tmp only (a drawn "2" would be a folder in the working directory)
            argv.append(draw(st.sampled_from([str(tmp / "site"), str(tmp / "missing" / "s"), str(tmp / "ragged.json"),
                                              "/proc/nope", str(tmp / ("a" * 300)), str(tmp)])))
        else:
            argv.append(draw(values))
        del positional
    if draw(st.booleans()):
        argv += [a.replace("{tmp}", str(tmp)) for a in BASES[command]]
    options = _flag_options(parser)
    drawn = draw(st.lists(st.sampled_from(options), max_size=4)) if options else []
    if drawn and draw(st.booleans()):  # a flag given twice, in any spelling: refused, never the last one kept
        drawn.append(draw(st.sampled_from(drawn)))
    for spellings, action in drawn:
        argv.append(draw(st.sampled_from(spellings)))
        if action.nargs == 0:
            continue
        if action.choices is not None:
            argv.append(draw(st.sampled_from([*map(str, action.choices), "bogus", ""])))
        else:  # "0" often: a flag that does not apply is refused at 0 too
            argv.append(draw(st.one_of(st.just("0"), values)))
    if command == "serve":  # never start a server: the port is always refused by the parser, last so it wins
        argv += ["--no-browser", "--port", draw(st.sampled_from(["-1", "65536", "99999", "x", "", "1.5"]))]
    return argv


def _repeats_a_flag(argv: list[str], parser: argparse.ArgumentParser) -> bool:
    """Whether two of the words are spellings of one flag (an exact spelling, as the fuzz writes them)."""
    actions = [id(parser._option_string_actions[word]) for word in argv if word in parser._option_string_actions]
    return len(actions) != len(set(actions))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "ragged.json").write_text("[[1,2],[3]]")
    (tmp / "junk.npy").write_bytes(b"not an npy file")
    return tmp


@pytest.mark.parametrize("command", COMMANDS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flags_exit_0_or_2_with_one_error_line(fuzz_dir: Path, command: str, data: st.DataObject) -> None:
    argv = data.draw(argvs(command, fuzz_dir), label="argv")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help exits 0, a parse error exits 2
            code = exc.code
    assert code in (0, 2), (argv, code, err.getvalue())
    if _repeats_a_flag(argv, _subparsers()[command]):
        assert code == 2, (argv, "a flag given twice was accepted")
    if code == 2:
        lines = err.getvalue().splitlines()
        assert len(lines) == 1, (argv, lines)
        assert lines[0].startswith(f"tconv {command}: error: "), (argv, lines)
    assert not (fuzz_dir / "missing").exists()  # nothing creates a missing folder on the way
