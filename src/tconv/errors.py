"""The one error type of tconv.

>>> import tconv
>>> try:
...     tconv.conv_transpose_output_size(5, 3, stride=0)
... except tconv.TconvError as e:
...     print(e)
stride 0 on axis 0 must be at least 1
"""

from __future__ import annotations

__all__ = ["TconvError"]


class TconvError(ValueError):
    """A refused argument: the message names the parameter, its value, the axis and the valid range.

    It subclasses ValueError so that code written for "bad value" handling keeps working.

    >>> import tconv
    >>> try:
    ...     tconv.conv_transpose_output_size(5, 3, padding=-1)
    ... except ValueError as e:                 # caught as the ValueError it is
    ...     print(type(e).__name__, "|", e)
    TconvError | padding -1 on axis 0 must be at least 0
    """
