"""The scene model: panels of labelled cells and frames that mark and fill them. Renderers are functions of it.

A scene's panels (input, output, kernels) keep their lines and cell roles for the whole animation; each frame
adds marks (the kernel footprint, the highlighted cell) and the values visible at that moment. That is all any
renderer needs, so SVG, GIF and PNG show exactly the same thing. Where things go on the canvas, and how wide a
label is, is the renderers' business (``tconv.render.layout``): the scene says only what is drawn.

>>> import tconv
>>> scene = tconv.animate(2, 3)
>>> [(p.name, p.line) for p in scene.panels]
[('input', 0), ('output', 0), ('kernel', 1), ('flipped', 1)]
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, overload

import numpy as np

from .._axes import as_choice, as_int, show
from ..errors import TconvError

__all__ = ["WRITERS", "Frame", "Mark", "Panel", "Scene", "Writer", "writer_kind"]


@dataclass(frozen=True)
class Panel:
    """One grid on the canvas: a name (used in cell ids), a label, the roles of its cells and the line it sits on.

    ``values`` are shown when the scene shows numbers and the frame has none of its own for this panel; ``heat``
    (0..1) shades cells for heatmaps.

    >>> Panel("kernel", "kernel 1 × 2", np.array([["kernel", "kernel"]]), line=1).shape
    (1, 2)
    """

    name: str
    label: str
    roles: np.ndarray  # (rows, cols) of role names; "" for no cell
    values: np.ndarray | None = None
    heat: np.ndarray | None = None
    line: int = 0  # 0: the main line, left to right (input, output); 1: the line below it (the kernels)

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.roles.shape
        return rows, cols

    def count(self, role: str) -> int:
        return int(np.count_nonzero(self.roles == role))


@dataclass(frozen=True)
class Mark:
    """A marked cell in one frame; ``text`` is a small annotation (the kernel value under the footprint)."""

    panel: str
    row: int
    col: int
    kind: str
    text: str | None = None
    tap: tuple[int, int] | None = None  # footprint marks: the (row, col) of the kernel tap, in the scene's kernel panel


@dataclass(frozen=True)
class Frame:
    """One step: a caption, the marks, and the values shown per panel (None: that panel's own values)."""

    caption: str
    marks: tuple[Mark, ...]
    values: dict[str, np.ndarray] = field(default_factory=dict)
    #: the computed value this frame is about (the highlighted output cell), for checks and captions
    value: Any = None


@dataclass(frozen=True)
class Scene:
    """An animation (or a still): panels, frames and presentation settings.

    ``tconv.animate(...)`` and ``tconv.overlap(...).scene()`` build scenes; ``save(path)`` renders by extension:
    ``.svg`` (one animated SVG, or a static frame with ``frame=``), ``.gif`` (all frames, looping) and ``.png``
    (one frame, the last by default). The same scene always gives the same bytes.
    """

    title: str
    panels: tuple[Panel, ...]
    frames: tuple[Frame, ...]
    show_values: bool = False
    cell_size: int = 36
    duration_ms: int = 800
    legend: tuple[str, ...] = ()
    connect: tuple[str, str] | None = None  # (from panel, to panel): draw lines from the footprint to the highlight
    params: dict[str, Any] = field(default_factory=dict)
    kernel: str | None = None  # the panel whose cells are the taps of footprint marks

    def to_dict(self) -> dict[str, Any]:
        """JSON-able frames (captions, marks, the computed value) and panels (names, shapes), for interactive pages.

        >>> import tconv
        >>> d = tconv.animate(2, 3).to_dict()
        >>> d["panels"][1], len(d["frames"])
        ({'name': 'output', 'label': 'output 4 × 4', 'shape': [4, 4]}, 16)
        """
        return {
            "title": self.title,
            "kernel": self.kernel,
            "params": self.params,
            "panels": [{"name": p.name, "label": p.label, "shape": list(p.shape)} for p in self.panels],
            "frames": [
                {"caption": f.caption,
                 "value": f.value.item() if hasattr(f.value, "item") else f.value,
                 "marks": [{"panel": m.panel, "row": m.row, "col": m.col, "kind": m.kind, "text": m.text,
                            "tap": None if m.tap is None else list(m.tap)} for m in f.marks]}
                for f in self.frames
            ],
        }

    def panel(self, name: str) -> Panel:
        for p in self.panels:
            if p.name == name:
                return p
        raise KeyError(name)

    def svg(self, frame: int | None = None) -> str:
        """The SVG text: animated (all frames, looping) when ``frame`` is None, else that frame alone.

        >>> import tconv
        >>> tconv.animate(2, 3).svg(frame=0).startswith("<svg")
        True
        """
        return _write(self, "svg", None if frame is None else self._frame_index(frame)).decode("utf-8")

    @overload
    def save(self, target: str | os.PathLike[str], kind: str | None = None, *, frame: int | None = None) -> Path: ...

    @overload
    def save(self, target: IO[bytes] | IO[str], kind: str | None = None, *, frame: int | None = None) -> None: ...

    def save(self, target: str | os.PathLike[str] | IO[bytes] | IO[str], kind: str | None = None, *,
             frame: int | None = None) -> Path | None:
        """Write the scene to a path (returned) or an open file; ``kind`` ("svg", "gif", "png") picks the writer.

        For a path, ``kind`` defaults to its extension; for a file object, to the extension of its ``name`` if it
        has one, else ``kind`` is needed. SVG goes to text or binary files, GIF and PNG to binary ones.

        >>> import io, tconv
        >>> scene = tconv.animate(2, 3)
        >>> scene.save("/tmp/tconv-doctest-save.svg").name
        'tconv-doctest-save.svg'
        >>> buf = io.StringIO()
        >>> scene.save(buf, "svg", frame=0)
        >>> buf.getvalue().startswith("<svg")
        True
        """
        kind = writer_kind(target, kind)
        if not isinstance(target, str | os.PathLike) and not callable(getattr(target, "write", None)):
            raise TconvError(f"cannot write to {show(target)} ({type(target).__name__}): give a path or a file "
                             "object open for writing")
        data = _write(self, kind, None if frame is None else self._frame_index(frame))
        if isinstance(target, str | os.PathLike):
            path = Path(target)
            try:
                path.write_bytes(data)
            except (OSError, ValueError) as exc:  # no such folder, a folder, no permission, a NUL in the name
                raise TconvError(f"cannot write {show(str(path))}: {getattr(exc, 'strerror', None) or exc}") from None
            return path
        if isinstance(target, io.TextIOBase):
            if kind != "svg":
                raise TconvError(f"cannot write kind {kind!r} to a text file: {kind.upper()} is binary, open the file "
                                 f"with mode 'wb' (only 'svg' can go to a text file)")
            _write_to(target, data.decode("utf-8"))
        else:
            _write_to(target, data)
        return None

    def _frame_index(self, frame: int) -> int:
        n = len(self.frames)
        frame = as_int("frame", frame)
        if not -n <= frame < n:
            raise TconvError(f"frame {frame} is out of range: this scene has {n} frames (0..{n - 1}, or -{n}..-1 "
                             "counted from the end)")
        return frame % n


def _write_to(target: Any, data: str | bytes) -> None:
    """Write to a file object; a closed one, or one open in the wrong mode, is the caller's mistake: say so."""
    try:
        target.write(data)
    except (ValueError, TypeError, OSError) as exc:
        raise TconvError(f"cannot write the scene to {show(target)}: {exc}") from None


#: ``writer(scene, frame) -> bytes``; ``frame`` None means every frame (animated SVG, looping GIF; PNG: the last).
Writer = Callable[[Scene, int | None], bytes]

#: The writers by kind ("svg", "gif", "png"), segno's dict of writers. ``tconv.render`` fills it when it is
#: imported, and ``import tconv`` imports it: render depends on the scene, never the reverse, so the scene finds
#: its writers here instead of importing them (that import was a cycle).
WRITERS: dict[str, Writer] = {}


def writer_kind(target: object, kind: str | None = None) -> str:
    """The writer ``Scene.save`` uses: ``kind`` if given, else the extension of the path (or of the file's name).

    >>> writer_kind("odd.GIF"), writer_kind("odd.svg", "png")
    ('gif', 'png')
    """
    known = ", ".join(map(repr, WRITERS))
    if kind is None:
        name = target if isinstance(target, str | os.PathLike) else getattr(target, "name", None)
        if not isinstance(name, str | os.PathLike):
            raise TconvError(f"kind is needed to write to a file object ({type(target).__name__}): one of {known}")
        kind = Path(name).suffix.lower().lstrip(".")
        if kind not in WRITERS:
            exts = ", ".join(f".{k}" for k in WRITERS)
            raise TconvError(f"cannot write {str(name)!r}: the extension must be one of {exts} (or give kind=)")
    return as_choice("kind", kind, tuple(WRITERS))


def _write(scene: Scene, kind: str, frame: int | None) -> bytes:
    return WRITERS[kind](scene, frame)
