"""How numbers are written wherever tconv shows them (walkthroughs, scene captions, SVG, GIF and PNG cells).

A low-level module on purpose: explain, scene and render all write numbers, and none of them may import another
layer's writers just for this (scene and render would then import each other).

>>> format_number(3.0), format_number(2.5e-7), format_number(complex(1, -2))
('3', '2.5e-07', '(1−2j)')
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["format_number", "number"]


def number(v: Any) -> Any:
    """A plain Python number for JSON and display: NumPy scalars become Python ones, nothing else changes.

    >>> type(number(np.int64(3))).__name__, number(2.0)
    ('int', 2.0)
    """
    if isinstance(v, np.generic):
        return v.item()
    return v


def format_number(v: Any) -> str:
    """Integers as integers; floats with 4 significant digits (integral floats without a fraction).

    >>> format_number(np.int64(7)), format_number(7.0), format_number(1 / 3), format_number(True)
    ('7', '7', '0.3333', '1')
    """
    v = number(v)
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, complex):
        return f"({format_number(v.real)}{'+' if v.imag >= 0 else '−'}{format_number(abs(v.imag))}j)"
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"
