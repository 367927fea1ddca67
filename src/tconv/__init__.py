"""tconv: transposed convolution (ConvTranspose) done right, in NumPy.

Exact PyTorch semantics by several agreeing algorithms, every shape question answered, clear errors.

>>> import tconv
>>> tconv.conv_transpose_output_size((3, 3), kernel_size=2)
(4, 4)
>>> tconv.conv_transpose([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]], [[[[1, 2], [0, 1]]]], padding=1).tolist()
[[[7, 14], [7, 11]]]
"""

# typing under a private name, and no `from __future__ import annotations`: dir(tconv) lists tconv's names only
import typing as _typing

from . import grad
from .algorithms import available_algorithms
from .doctor import Diagnosis, doctor
from .errors import TconvError
from .explain import Walkthrough, explain
from .functional import (
    conv,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .recipe import Recipe, plan
from .relations import relation
from .scene import Scene, animate, overlap
from .settings import Options, get_memory_budget, get_options, options, set_memory_budget, set_options
from .shapes import (
    conv_output_size,
    conv_transpose_equivalent,
    conv_transpose_output_size,
    output_padding_for,
    output_size_range,
    pool_output_size,
)
from .solver import solve

if _typing.TYPE_CHECKING:  # tconv.Explorer, the notebook widget: imported when first used (see __getattr__)
    from .notebook import Explorer as Explorer

# The one place the version is written: pyproject.toml reads it (setuptools' dynamic version), `tconv --version`
# prints it, and the wheel is named by it. A release moves CHANGELOG.md's "Unreleased" under this number.
__version__ = "0.1.0"

__all__ = [
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Diagnosis",
    "Options",
    "Recipe",
    "Scene",
    "TconvError",
    "Walkthrough",
    "animate",
    "available_algorithms",
    "conv",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_output_size",
    "conv_transpose",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_equivalent",
    "conv_transpose_output_size",
    "doctor",
    "explain",
    "get_memory_budget",
    "get_options",
    "grad",
    "options",
    "output_padding_for",
    "output_size_range",
    "overlap",
    "plan",
    "pool_output_size",
    "relation",
    "set_memory_budget",
    "set_options",
    "solve",
]


class _MissingExtra(TconvError, AttributeError):
    """An optional part whose extra is not installed: its install hint, a TconvError, and an AttributeError, so that
    ``hasattr(tconv, "Explorer")``, ``getattr(tconv, "Explorer", None)`` and ``help(tconv)`` work without it."""


def __getattr__(name: str) -> _typing.Any:
    """``tconv.Explorer``, the notebook widget (tconv.notebook), imported when first used: it needs anywidget (the
    ``notebook`` extra) and loads ipywidgets, which ``import tconv`` must not. It is left out of ``__all__`` so that
    ``from tconv import *`` stays light too.

    >>> import tconv
    >>> "Explorer" in dir(tconv), tconv.Explorer.__module__
    (True, 'tconv.notebook')
    """
    if name == "Explorer":
        try:
            from .notebook import Explorer
        except TconvError as e:  # anywidget missing: the hint, as an AttributeError too (hasattr, help(tconv))
            raise _MissingExtra(str(e)) from None

        globals()["Explorer"] = Explorer  # found directly from now on
        return Explorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the lazily imported ``Explorer`` included.

    >>> import tconv
    >>> "Explorer" in dir(tconv) and "conv_transpose" in dir(tconv)
    True
    """
    return sorted({*globals(), "Explorer"})
