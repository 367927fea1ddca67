"""Renderers of scenes, picked by file extension: each is ``function(scene, frame) -> bytes``.

SVG is written with the standard library; GIF and PNG need Pillow, imported only when they are used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scene.model import Scene


def _svg(scene: Scene, frame: int | None) -> bytes:
    from . import svg

    text = svg.animated(scene) if frame is None else svg.still(scene, frame)
    return text.encode("utf-8")


def _gif(scene: Scene, frame: int | None) -> bytes:
    from . import raster

    return raster.gif(scene, frame)


def _png(scene: Scene, frame: int | None) -> bytes:
    from . import raster

    return raster.png(scene, len(scene.frames) - 1 if frame is None else frame)


RENDERERS: dict[str, Callable[[Scene, int | None], bytes]] = {".svg": _svg, ".gif": _gif, ".png": _png}
