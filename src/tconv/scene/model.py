"""The scene model: panels of labelled cells and frames that mark and fill them. Renderers are functions of it.

A scene's panels (input, output, kernels) keep their positions and cell roles for the whole animation; each frame
adds marks (the kernel footprint, the highlighted cell) and the values visible at that moment. That is all any
renderer needs, so SVG, GIF and PNG show exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TconvError

__all__ = ["Frame", "Mark", "Panel", "Scene"]


@dataclass(frozen=True)
class Panel:
    """One grid on the canvas: a name (used in cell ids), a label, its top-left corner in cell units, and roles.

    ``values`` are shown when the scene shows numbers and the frame has none of its own for this panel; ``heat``
    (0..1) shades cells for heatmaps.
    """

    name: str
    label: str
    origin: tuple[float, float]  # (x, y) of the top-left cell, in cell units
    roles: np.ndarray  # (rows, cols) of role names; "" for no cell
    values: np.ndarray | None = None
    heat: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.roles.shape  # type: ignore[return-value]

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
    width: float  # canvas size in cell units
    height: float
    show_values: bool = False
    cell_size: int = 36
    duration_ms: int = 800
    legend: tuple[str, ...] = ()
    connect: tuple[str, str] | None = None  # (from panel, to panel): draw lines from the footprint to the highlight
    params: dict[str, Any] = field(default_factory=dict)
    kernel: str | None = None  # the panel whose cells are the taps of footprint marks

    def to_dict(self) -> dict[str, Any]:
        """JSON-able frames (captions, marks, values) and panels (names, shapes), for interactive pages."""
        def values(a: np.ndarray) -> list[Any]:
            return [[None if isinstance(v, float) and v != v else (v.item() if hasattr(v, "item") else v) for v in row]
                    for row in a.tolist()] if a is not None else None

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
        """The SVG text: animated (all frames, looping) when ``frame`` is None, else that frame alone."""
        from ..render import svg

        return svg.animated(self) if frame is None else svg.still(self, self._frame_index(frame))

    def save(self, path: str | Path, frame: int | None = None) -> Path:
        """Write the scene; the renderer is chosen by the file extension (.svg, .gif, .png)."""
        from ..render import RENDERERS

        path = Path(path)
        ext = path.suffix.lower()
        if ext not in RENDERERS:
            raise TconvError(f"cannot write {str(path)!r}: the extension must be one of {', '.join(RENDERERS)}")
        if frame is not None:
            frame = self._frame_index(frame)
        data = RENDERERS[ext](self, frame)
        path.write_bytes(data)
        return path

    def _frame_index(self, frame: int) -> int:
        n = len(self.frames)
        if not isinstance(frame, int) or not -n <= frame < n:
            raise TconvError(f"frame {frame!r} is out of range: this scene has {n} frames (0..{n - 1})")
        return frame % n
