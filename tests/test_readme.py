"""The README tells the truth: its API tour runs, its commented values are the real ones, its console output is real."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_api_tour_runs_and_its_comments_are_the_values() -> None:
    (tour,) = _blocks("python")
    *body, refusal, last = tour.splitlines()  # the tour ends with a call that is refused, then the message
    namespace: dict = {}
    checked = 0
    for line in body:
        code, _, comment = line.partition("#")
        code = code.strip()
        if not code or line.lstrip().startswith("#"):
            continue
        try:
            expected = ast.literal_eval(comment.split(":")[0].strip()) if comment.strip() else None
        except (ValueError, SyntaxError):
            expected = None
        if expected is not None and "=" not in code.split("(")[0]:
            value = eval(code, namespace)
            # arrays are compared by their values, leading unit axes (N, C) dropped as the comments do
            if isinstance(value, np.ndarray):
                value = value.squeeze().tolist()
            assert value == expected, line
            checked += 1
        else:
            exec(code, namespace)
    assert checked >= 8
    with pytest.raises(tconv.TconvError) as info:
        exec(refusal, namespace)
    assert last == f"# TconvError: {info.value}"


def test_console_example_is_real_output(capsys) -> None:
    (console,) = _blocks("console")
    command, *expected = console.strip().splitlines()
    argv = command.removeprefix("$ tconv ").split()
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == expected
