"""The command lines' parser and flag types, shared by ``tconv`` (:mod:`tconv.cli`) and ``tconv bench``
(:mod:`tconv.bench.command`, which the CLI runs, so it cannot import :mod:`tconv.cli` itself).

Every command line of tconv behaves the same: no flag is abbreviated or given twice, a mistake is one line on stderr,
``PROG: error: MESSAGE``, and exit code 2; numbers are written in ASCII digits.

>>> parser = Parser(prog="tconv demo")
>>> _ = parser.add_argument("--rounds", type=int_in(1), default=7)
>>> parser.parse_args(["--rounds", "3"]).rounds
3
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ._axes import parse_ints, quote
from .errors import TconvError

__all__ = ["Parser", "float_in", "int_in", "one_line"]

# A decimal number in ASCII: float() also reads other scripts' digits, underscores, "nan" and "inf"
_DECIMAL = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def one_line(text: str) -> str:
    """The text on one line, every run of whitespace one space: how the CLI prints every error message.

    >>> one_line("output_padding 2 is refused:\\n  it must be smaller than the stride ")
    'output_padding 2 is refused: it must be smaller than the stride'
    """
    return " ".join(str(text).split())


class Parser(argparse.ArgumentParser):
    """argparse with no abbreviations, no flag given twice, raw help text and one-line errors (exit 2) instead of a
    usage block.

    >>> import contextlib, sys
    >>> parser = Parser(prog="tconv demo")
    >>> _ = parser.add_argument("--stride", type=int)
    >>> parser.parse_args(["--stride", "2"]).stride
    2
    >>> with contextlib.redirect_stderr(sys.stdout):
    ...     try:
    ...         parser.parse_args(["--str", "2"])    # an abbreviation is no flag
    ...     except SystemExit as exit:
    ...         print("exit code", exit.code)
    tconv demo: error: unrecognized arguments: --str 2
    exit code 2
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._given: dict[int, list[str]] = {}  # the flags given so far in this parse, with their values

    def _parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        """argparse's parse, refusing a flag given twice (argparse keeps the last silently): see :meth:`_get_values`.

        >>> import contextlib, sys
        >>> parser = Parser(prog="tconv demo")
        >>> _ = parser.add_argument("-s", "--stride", type=int)
        >>> with contextlib.redirect_stderr(sys.stdout):
        ...     try:
        ...         parser.parse_args(["-s", "2", "--stride", "3"])
        ...     except SystemExit as exit:
        ...         print("exit code", exit.code)
        tconv demo: error: argument -s/--stride: given twice (2, then 3): give it once
        exit code 2
        """
        self._given = {}
        return super()._parse_known_args(*args, **kwargs)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse calls this once per occurrence of a flag on the command line (never for defaults), just before
        # the action stores its value: the one place that sees a second occurrence. Every flag of tconv is single:
        # none appends or counts.
        if action.option_strings:
            if id(action) in self._given:
                values = f" ({' '.join(self._given[id(action)])}, then {' '.join(arg_strings)})" if arg_strings else ""
                self.error(f"argument {argparse._get_action_name(action)}: given twice{values}: give it once")
            self._given[id(action)] = list(arg_strings)
        return super()._get_values(action, arg_strings)

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE`` on one line to stderr and exit 2 (argparse prints the usage block too).

        >>> import contextlib, sys
        >>> with contextlib.redirect_stderr(sys.stdout):
        ...     try:
        ...         Parser(prog="tconv shape").error("argument -k: expected\\n  an integer")
        ...     except SystemExit as exit:
        ...         print("exit code", exit.code)
        tconv shape: error: argument -k: expected an integer
        exit code 2
        """
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")

    def add_underscore_aliases(self) -> None:
        """PyTorch's spellings as aliases: ``--output_padding`` is ``--output-padding`` (not listed in --help).

        >>> parser = Parser(prog="tconv demo")
        >>> _ = parser.add_argument("--output-padding", type=int)
        >>> parser.add_underscore_aliases()
        >>> parser.parse_args(["--output_padding", "1"]).output_padding
        1
        """
        for action in self._actions:
            for option in action.option_strings:
                negative = isinstance(action, argparse.BooleanOptionalAction) and option.startswith("--no-")
                if option.startswith("--") and "-" in option[2:] and not negative:
                    self._option_string_actions.setdefault("--" + option[2:].replace("-", "_"), action)

    def unknown(self, rest: Sequence[str]) -> NoReturn:
        """Refuse arguments this subcommand does not take, with the closest flag it does take.

        >>> import contextlib, sys
        >>> parser = Parser(prog="tconv shape")
        >>> _ = parser.add_argument("--output-padding", type=int)
        >>> with contextlib.redirect_stderr(sys.stdout):
        ...     try:
        ...         parser.unknown(["--output-pading", "1"])
        ...     except SystemExit as exit:
        ...         print("exit code", exit.code)
        tconv shape: error: unrecognized arguments: --output-pading 1; did you mean --output-padding?
        exit code 2
        """
        known = [o for o in self._option_string_actions if not (o.startswith("--") and "_" in o)]
        hint = f"; `{self.prog} --help` lists its flags"
        for token in rest:
            if token.startswith("-"):
                close = difflib.get_close_matches(token.split("=", 1)[0], known, n=1)
                if close:
                    hint = f"; did you mean {close[0]}?"
                break
        self.error(f"unrecognized arguments: {' '.join(rest)}{hint}")


def int_in(lo: int | None, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi, in ASCII digits (no bound where lo or hi is None).

    >>> int_in(1, 3)("2"), int_in(0)("7"), int_in(None)("-1")
    (2, 7, -1)
    >>> int_in(1, 3)("4")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected an integer 1..3, got '4'
    >>> int_in(None)("٣")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected an integer, got '٣'
    """
    valid = f" {lo}..{hi}" if lo is not None and hi is not None else f" ≥ {lo}" if lo is not None else (
        f" ≤ {hi}" if hi is not None else "")

    def parse(text: str) -> int:
        try:
            value = parse_ints("value", text)
        except TconvError:
            value = None
        if not isinstance(value, int) or (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"expected an integer{valid}, got {quote(text)}")
        return value

    parse.__name__ = "int"
    return parse


def float_in(lo: float, *, above: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite decimal number ≥ lo (> lo with ``above``), in ASCII digits.

    >>> float_in(0)("0.2"), float_in(0, above=True)("20")
    (0.2, 20.0)
    >>> float_in(0, above=True)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a number > 0, got '0'
    >>> float_in(0)("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a number ≥ 0, got 'nan'
    """
    valid = f"{'>' if above else '≥'} {lo:g}"

    def parse(text: str) -> float:
        value = float(text) if _DECIMAL.fullmatch(text.strip(" \t")) else math.nan
        if not (math.isfinite(value) and (value > lo if above else value >= lo)):
            raise argparse.ArgumentTypeError(f"expected a number {valid}, got {quote(text)}")
        return value

    parse.__name__ = "float"
    return parse
