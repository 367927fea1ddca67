"""Step-by-step walkthroughs of a transposed convolution with its real numbers (gather, scatter, matrix views).

``tconv.explain`` is this package *and* the function: calling the package calls :func:`tconv.explain.views.explain`,
so ``tconv.explain(x, w, ...)`` works and so do ``tconv.explain.writers`` and ``import tconv.explain.writers``.
A function re-exported under its package's name used to hide the package (``tconv.explain.writers`` was an
AttributeError); renaming either would have broken one of the two spellings, a callable module keeps both. Type
checkers do not know callable modules, so ``tconv/__init__.py`` shows them the function (its signature is checked).

>>> import tconv
>>> wt = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2, view="scatter")   # unbatched (C=1, L=2)
>>> wt.output.tolist()
[[1, 1, 3, 2, 2]]
>>> wt.to_dict()["output"]
[[1, 1, 3, 2, 2]]
>>> tconv.explain.writers.to_text(wt, color=False) == wt.to_text(color=False)
True
"""

from __future__ import annotations

import sys
import types
from typing import Any

from . import writers
from .model import Cell, Grid, Message, SizeDerivation, Step, Term, Walkthrough
from .views import VIEWS, explain

__all__ = ["VIEWS", "Cell", "Grid", "Message", "SizeDerivation", "Step", "Term", "Walkthrough", "explain", "writers"]


class _CallableModule(types.ModuleType):
    """This package's class: a module that, called, explains (see the module docstring for why)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Walkthrough:
        return explain(*args, **kwargs)


#: inspect.signature(tconv.explain) and help() on the call follow this to the function's own signature.
__wrapped__ = explain
sys.modules[__name__].__class__ = _CallableModule
