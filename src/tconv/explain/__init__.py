"""Step-by-step walkthroughs of a transposed convolution with its real numbers (gather, scatter, matrix views).

>>> import tconv
>>> wt = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2, view="scatter")   # unbatched (C=1, L=2)
>>> wt.output.tolist()
[[1, 1, 3, 2, 2]]
>>> wt.to_dict()["output"]
[[1, 1, 3, 2, 2]]
"""

from .model import Cell, Grid, Message, SizeDerivation, Step, Term, Walkthrough
from .views import VIEWS, explain

__all__ = ["VIEWS", "Cell", "Grid", "Message", "SizeDerivation", "Step", "Term", "Walkthrough", "explain"]
