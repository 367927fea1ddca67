"""Scenes: conv_arithmetic-style animations and overlap heatmaps, as data that renderers draw.

>>> import tconv
>>> scene = tconv.animate(3, 3, stride=2, padding=1, output_padding=1, values=True)
>>> len(scene.frames), scene.panel("output").shape     # padding_strides_odd_transposed: one frame per output cell
(36, (6, 6))
"""

from .build import Look, animate, draw
from .model import Frame, Mark, Panel, Scene, Update, Window
from .overlap import OverlapMap, overlap
from .plan import VIEWS, SceneCost, scene_cost, scene_plan

__all__ = ["VIEWS", "Frame", "Look", "Mark", "OverlapMap", "Panel", "Scene", "SceneCost", "Update", "Window", "animate",
           "draw", "overlap", "scene_cost", "scene_plan"]
