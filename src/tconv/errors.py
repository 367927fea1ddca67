"""The one error type of tconv.

>>> import tconv
>>> try:
...     tconv.conv_transpose_output_size(5, 3, stride=0)
... except tconv.TconvError as e:
...     print(e)
stride 0 on axis 0 must be at least 1
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_MESSAGE_LENGTH", "TconvError"]

#: The longest message a :class:`TconvError` carries. Echoed values are abbreviated where they are shown
#: (``tconv._axes.show``), which keeps messages near 300 characters; this is the backstop for the rest.
MAX_MESSAGE_LENGTH = 300
# What a message keeps of its end when it is cut: the valid range and the hint are said last.
_KEPT_END = 120
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def one_line(message: str, most: int = MAX_MESSAGE_LENGTH) -> str:
    """``message`` on one line of at most ``most`` characters: line breaks (an array's repr, a framework's
    error quoted inside ours) become spaces, and the middle of a longer message gives way to ``…``, keeping its
    start (the parameter and the value) and its end (the valid range).

    >>> one_line("got array([[0, 0],\\n       [0, 0]])")
    'got array([[0, 0], [0, 0]])'
    >>> cut = one_line("padding " + "1, " * 500 + "must be at least 0")
    >>> len(cut), cut[:14], cut[-20:]
    (300, 'padding 1, 1, ', ', must be at least 0')
    """
    text = _LINE_BREAKS.sub(" ", message)
    if len(text) <= most:
        return text
    return text[: most - _KEPT_END - 3] + " … " + text[-_KEPT_END:]


class TconvError(ValueError):
    """A refused argument: the message names the parameter, its value, the axis and the valid range.

    It subclasses ValueError so that code written for "bad value" handling keeps working. Its message is one
    line of at most :data:`MAX_MESSAGE_LENGTH` characters, whatever it quotes (:func:`one_line`).

    >>> import tconv
    >>> try:
    ...     tconv.conv_transpose_output_size(5, 3, padding=-1)
    ... except ValueError as e:                 # caught as the ValueError it is
    ...     print(type(e).__name__, "|", e)
    TconvError | padding -1 on axis 0 must be at least 0
    >>> str(TconvError("first line\\nsecond line"))
    'first line second line'
    """

    def __init__(self, message: Any = "", *args: Any) -> None:
        super().__init__(one_line(str(message)), *args)
