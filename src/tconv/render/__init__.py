"""Writers of scenes, picked by kind (the file extension): each is ``writer(scene, frame) -> bytes``.

Render depends on the scene, never the reverse: importing this package puts its writers into
``tconv.scene.model.WRITERS`` (the same dict as ``tconv.render.WRITERS``), where ``Scene.save`` and ``Scene.svg``
find them, and ``import tconv`` imports it. SVG is written with the standard library; GIF and PNG need Pillow,
imported only when they are used.

>>> import tconv
>>> sorted(tconv.render.WRITERS)
['gif', 'png', 'svg']
>>> tconv.render.WRITERS["svg"](tconv.animate(2, 3), 0)[:4]
b'<svg'
"""

from __future__ import annotations

from ..scene.model import WRITERS, Scene

__all__ = ["WRITERS", "write_gif", "write_png", "write_svg"]


def write_svg(scene: Scene, frame: int | None) -> bytes:
    """One animated SVG of every frame (SMIL), or the given frame as a static SVG."""
    from . import svg

    text = svg.animated(scene) if frame is None else svg.still(scene, frame)
    return text.encode("utf-8")


def write_gif(scene: Scene, frame: int | None) -> bytes:
    """Every frame, looping (or the given frame alone)."""
    from . import raster

    return raster.gif(scene, frame)


def write_png(scene: Scene, frame: int | None) -> bytes:
    """One frame: the given one, or the last (where an animation ends up)."""
    from . import raster

    return raster.png(scene, len(scene.frames) - 1 if frame is None else frame)


WRITERS.update(svg=write_svg, gif=write_gif, png=write_png)
