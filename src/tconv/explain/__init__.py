"""Step-by-step walkthroughs of a transposed convolution with its real numbers (gather, scatter, matrix views), and
of the same numbers as the gradient of a convolution (the backward view).

``tconv.explain`` is the function :func:`tconv.explain.views.explain`; this package holds it with its data model
and writers, reached with ``from tconv.explain import writers, Walkthrough``. (``import tconv.explain.writers as
w`` does not reach them: Python follows that spelling through the attribute ``tconv.explain``, the function.)

>>> import tconv
>>> from tconv.explain import writers
>>> wt = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2, view="scatter")   # unbatched (C=1, L=2)
>>> wt.output.tolist()
[[1, 1, 3, 2, 2]]
>>> wt.to_dict()["output"]
[[1, 1, 3, 2, 2]]
>>> writers.to_text(wt, color=False) == wt.to_text(color=False)
True
"""

from __future__ import annotations

from . import writers
from .model import Cell, Grid, Message, SizeDerivation, Step, Term, Walkthrough
from .views import VIEWS, explain

__all__ = ["VIEWS", "Cell", "Grid", "Message", "SizeDerivation", "Step", "Term", "Walkthrough", "explain", "writers"]
