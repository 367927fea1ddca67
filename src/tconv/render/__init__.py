"""Writers of scenes, picked by kind (the file extension): each is ``writer(scene, frame) -> bytes``, and the same
writer as a generator of chunks, ``stream(scene, frame)``, which is what ``Scene.save`` uses.

Render depends on the scene, never the reverse: importing this package puts its writers into
``tconv.scene.model.WRITERS`` and ``STREAMS`` (the same dicts as ``tconv.render.WRITERS`` and ``STREAMS``), where
``Scene.save`` and ``Scene.svg`` find them, and ``import tconv`` imports it. SVG is written with the standard
library; GIF and PNG need Pillow, imported only when they are used. Animated SVG and GIF stream: a frame is
drawn, written and dropped before the next.

>>> import tconv
>>> sorted(tconv.render.WRITERS)
['gif', 'png', 'svg']
>>> tconv.render.WRITERS["svg"](tconv.animate(2, 3), 0)[:4]
b'<svg'
"""

from __future__ import annotations

from collections.abc import Iterator

from ..scene.model import STREAMS, WRITERS, Scene

__all__ = ["STREAMS", "WRITERS", "stream_gif", "stream_png", "stream_svg", "write_gif", "write_png", "write_svg"]


def stream_svg(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """One animated SVG of every frame (SMIL), a frame at a time, or the given frame as a static SVG."""
    from . import svg

    for chunk in svg.chunks(scene, frame):
        yield chunk.encode("utf-8")


def stream_gif(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """Every frame, looping (or the given frame alone), a frame at a time."""
    from . import raster

    yield from raster.gif_chunks(scene, frame)


def stream_png(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """One frame: the given one, or ``scene.still_frame()`` (the window over the most input elements)."""
    from . import raster

    yield raster.png(scene, scene.still_frame() if frame is None else frame)


def write_svg(scene: Scene, frame: int | None) -> bytes:
    """One animated SVG of every frame (SMIL), or the given frame as a static SVG."""
    return b"".join(stream_svg(scene, frame))


def write_gif(scene: Scene, frame: int | None) -> bytes:
    """Every frame, looping (or the given frame alone)."""
    return b"".join(stream_gif(scene, frame))


def write_png(scene: Scene, frame: int | None) -> bytes:
    """One frame: the given one, or ``scene.still_frame()``."""
    return b"".join(stream_png(scene, frame))


WRITERS.update(svg=write_svg, gif=write_gif, png=write_png)
STREAMS.update(svg=stream_svg, gif=stream_gif, png=stream_png)
