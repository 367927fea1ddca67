"""Typed values: a matrix as a person writes it in the explorer (rows separated by ";" or new lines, numbers by
spaces or commas), read for the web API exactly as the page's static/values.js reads it, with the same messages
(tests/test_js_values.py holds the two equal).

>>> parse_values("4,4,3;0,3,4;2,3,2", "x", (3, 3))
((4.0, 4.0, 3.0), (0.0, 3.0, 4.0), (2.0, 3.0, 2.0))
>>> parse_values("1 2", "w", (3,))
Traceback (most recent call last):
tconv.errors.TconvError: kernel values: 2 typed, but kernel_size is 3: type 3 values, or clear both boxes for \
random ones
"""

from __future__ import annotations

import json
import re

from ..errors import TconvError

__all__ = ["LIMIT", "parse_values"]

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
#: The largest magnitude typed (values beyond it are not for reading in a cell, and sums would lose exactness).
LIMIT = 1e6
_WHAT = {"x": "input values", "w": "kernel values"}
_SIZE = {"x": "input_size", "w": "kernel_size"}

Values = tuple[float, ...] | tuple[tuple[float, ...], ...]


def _refuse(which: str, message: str) -> TconvError:
    return TconvError(f"{_WHAT[which]}: {message}")


def parse_values(flat: str, which: str, size: tuple[int, ...]) -> Values:
    """Rows of numbers from the URL's form ("4,4,3;0,3,4"), checked against the layer's size per axis (a 1-D layer
    takes one row of ``size[0]`` numbers). ``which`` is "x" (the input) or "w" (the kernel).

    >>> parse_values("1, -2.5", "w", (2,))
    (1.0, -2.5)
    >>> parse_values("1,2;3", "x", (2, 2))
    Traceback (most recent call last):
    tconv.errors.TconvError: input values: row 2 has 1 numbers and row 1 has 2: every row needs as many
    """
    rows = [[s for s in re.split(r"[ \t\r\n,]+", r) if s] for r in flat.split(";")]
    if all(not r for r in rows):
        raise _refuse(which, "the box is empty")
    values: list[list[float]] = []
    for r, row in enumerate(rows):
        out: list[float] = []
        for s in row:
            if not _NUMBER.fullmatch(s):
                raise _refuse(which, f"{_quote(s)} (row {r + 1}) is not a number")
            v = float(s)
            if not abs(v) <= LIMIT:
                raise _refuse(which, f"{s} is beyond ±{LIMIT:,.0f}")
            out.append(v + 0.0)  # -0 is 0
        values.append(out)
    width = len(values[0])
    for r, numbers in enumerate(values):
        if len(numbers) != width:
            raise _refuse(which, f"row {r + 1} has {len(numbers)} numbers and row 1 has {width}: every row needs "
                                 "as many")
    if len(size) == 1 and len(values) != 1:
        raise _refuse(which, f"a 1-D layer takes one row; {len(values)} rows were typed")
    typed = (width,) if len(size) == 1 else (len(values), width)
    if typed != tuple(size):
        want, got = " × ".join(map(str, size)), " × ".join(map(str, typed))
        raise _refuse(which, f"{got} typed, but {_SIZE[which]} is {want}: type {want} values, or clear both boxes for "
                             "random ones")
    if len(size) == 1:
        return tuple(values[0])
    return tuple(tuple(row) for row in values)


def _quote(s: str) -> str:
    """A string as JSON (and so JavaScript's JSON.stringify) writes it."""
    return json.dumps(s, ensure_ascii=False)

