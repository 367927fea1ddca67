"""Writers of scenes, in one table by kind (the file extension), beside the writers themselves (segno's way):
``WRITERS[kind](scene, frame)`` yields the file's bytes chunk by chunk, a frame at a time for animated SVG and
GIF. ``frame`` None means every frame (animated SVG, looping GIF; PNG: ``Scene.still_frame()``).

The writers read scenes and build none, so this package imports the scene model for its types only, and
``Scene.save`` and ``Scene.chunks`` import this table when they are called (as ``Walkthrough.to_text`` imports
its writers): nothing is registered by an import. SVG is written with the standard library; GIF and PNG need
Pillow, imported only when they are used. :func:`writable` is the one "path or file object" helper
(:func:`check_target` refuses a target before any work).

>>> import tconv
>>> from tconv.render import WRITERS
>>> list(WRITERS)
['svg', 'gif', 'png']
>>> b"".join(WRITERS["svg"](tconv.animate(2, 3), 0))[:4]
b'<svg'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._axes import as_choice
from ..errors import TconvError
from .output import Sink, Target, check_target, check_writable, writable

if TYPE_CHECKING:  # writers read the scene's data and build none of it
    from ..scene.model import Scene

__all__ = ["WRITERS", "Sink", "Target", "Writer", "check_target", "check_writable", "writable", "write_gif",
           "write_png", "write_svg", "writer_kind"]


def write_svg(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """One animated SVG of every frame (SMIL), a frame at a time, or the given frame as a static SVG.

    >>> import tconv
    >>> svg = b"".join(write_svg(tconv.animate(2, 2), None)).decode()     # 3 × 3 output: 9 frames
    >>> svg.count('<g class="frame"'), svg.endswith("</svg>\\n")
    (9, True)
    """
    from . import svg

    for chunk in svg.chunks(scene, frame):
        yield chunk.encode("utf-8")


def write_gif(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """Every frame, looping (or the given frame alone), a frame at a time (needs Pillow).

    >>> import io, tconv
    >>> from PIL import Image
    >>> gif = b"".join(write_gif(tconv.animate(2, 2), None))
    >>> gif[:6], Image.open(io.BytesIO(gif)).n_frames
    (b'GIF89a', 9)
    """
    from . import gif

    yield from gif.gif_chunks(scene, frame)


def write_png(scene: Scene, frame: int | None) -> Iterator[bytes]:
    """One frame: the given one, or ``scene.still_frame()`` (the window over the most input elements); needs Pillow.

    >>> import io, tconv
    >>> from PIL import Image
    >>> png = b"".join(write_png(tconv.animate(2, 2), None))
    >>> png[:8], Image.open(io.BytesIO(png)).size
    (b'\\x89PNG\\r\\n\\x1a\\n', (758, 454))
    """
    from . import raster

    yield raster.png(scene, scene.still_frame() if frame is None else frame)


#: ``writer(scene, frame) -> chunks of bytes``.
Writer = Callable[["Scene", int | None], Iterator[bytes]]

#: The writers by kind, which is also the file extension.
WRITERS: dict[str, Writer] = {"svg": write_svg, "gif": write_gif, "png": write_png}


def writer_kind(target: object, kind: str | None = None, kinds: Sequence[str] = tuple(WRITERS),
                of: str = "a scene") -> str:
    """The writer a save uses: ``kind`` if given, else the extension of the path (or of the file object's name),
    either in any case. ``kinds`` are those the saved thing can be written as (``of`` says what it is when a
    writer it cannot use is asked for).

    >>> writer_kind("odd.GIF"), writer_kind("odd.svg", "png"), writer_kind("odd.svg", "PNG")
    ('gif', 'png', 'png')
    >>> writer_kind("map.gif", None, ("svg", "png"), "an overlap heatmap is a still")
    Traceback (most recent call last):
    tconv.errors.TconvError: cannot write kind 'gif': an overlap heatmap is a still, written as .svg or .png
    """
    if kind is None:
        name = target if isinstance(target, str | os.PathLike) else getattr(target, "name", None)
        if not isinstance(name, str | os.PathLike):
            raise TconvError(f"kind is needed to write to a file object ({type(target).__name__}): one of "
                             f"{', '.join(map(repr, kinds))}")
        kind = Path(name).suffix.lower().lstrip(".")
        if kind not in WRITERS:
            exts = ", ".join(f".{k}" for k in kinds)
            raise TconvError(f"cannot write {str(name)!r}: the extension must be one of {exts} (or give kind=)")
    elif isinstance(kind, str) and kind.lower() in WRITERS:
        kind = kind.lower()
    if isinstance(kind, str) and kind in WRITERS and kind not in kinds:  # a list is no name: as_choice says so
        raise TconvError(f"cannot write kind {kind!r}: {of}, written as {' or '.join(f'.{k}' for k in kinds)}")
    return as_choice("kind", kind, tuple(kinds))
