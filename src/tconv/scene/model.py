"""The scene model: panels of labelled cells, stored once, and frames that hold only what changes.

It comes near 600 lines because it does one job, the scene's data, and each method's example sits beside it.

A scene's panels (input, output, kernels) keep their lines, cell roles and values for the whole animation. A
frame holds what moves or changes at that step: the kernel window (where its footprint lies: a corner and a step,
not one mark per tap), the highlighted cell, the cells whose value changes (``updates``), a caption and the
computed value. So a scene costs its cells plus its frames, never cells × frames; the marks a renderer draws are
derived from the window when asked for (:attr:`Frame.marks`). That is all any renderer needs, so SVG, GIF and
PNG show exactly the same thing. Where things go on the canvas, and how wide a label is, is the renderers'
business (``tconv.render.layout``): the scene says only what is drawn.

>>> import tconv
>>> scene = tconv.animate(2, 3)
>>> [(p.name, p.line) for p in scene.panels]
[('input', 0), ('output', 0), ('kernel', 1), ('flipped', 1)]
>>> f = scene.frames[5]
>>> f.window.panel, (f.window.row, f.window.col), f.highlight
('input', (1, 1), Mark(panel='output', row=1, col=1, kind='highlight', text=None, tap=None))
>>> len(f.marks)                      # 9 footprint cells (derived from the window) and the highlight
10
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple, overload

import numpy as np

from .._axes import as_int
from .._format import format_number
from ..errors import TconvError

__all__ = ["AxisMap", "Frame", "Mark", "Panel", "Scene", "Update", "Window"]


@dataclass(frozen=True)
class AxisMap:
    """What each position along one axis of a panel holds: ``index[q]`` is the true index (along that axis) of the
    element drawn at position q, or −1 (padding, a cropped cell); for an inserted zero, ``after[q]`` is the index
    of the element just before it (it sits between ``after[q]`` and ``after[q] + 1``), else −1.

    Every grid tconv draws is separable: a cell's meaning is its row's and its column's. So a panel keeps one
    small array per axis, never a string per cell, and a cell's index is read off when asked for.

    >>> m = AxisMap.stretched(3, stride=2, before=1, length=7)       # pad, x0, zero, x1, zero, x2, pad
    >>> m.index.tolist(), m.after.tolist()
    ([-1, 0, -1, 1, -1, 2, -1], [-1, -1, 0, -1, 1, -1, -1])
    """

    index: np.ndarray
    after: np.ndarray

    @staticmethod
    def identity(n: int) -> AxisMap:
        """Position q holds element q (an input, an output, a kernel).

        >>> AxisMap.identity(3).index.tolist(), AxisMap.identity(3).after.tolist()
        ([0, 1, 2], [-1, -1, -1])
        """
        return AxisMap(np.arange(n), np.full(n, -1))

    @staticmethod
    def reversed(n: int) -> AxisMap:
        """Position q holds element n − 1 − q: the flipped kernel shows the weight flipped 180°.

        >>> AxisMap.reversed(3).index.tolist()
        [2, 1, 0]
        """
        return AxisMap(np.arange(n)[::-1].copy(), np.full(n, -1))

    @staticmethod
    def shifted(n: int, offset: int, length: int) -> AxisMap:
        """``length`` positions; position q holds element q − offset when that is in 0..n−1, else nothing (padding
        before and after a direct convolution's input, the cropped border of the scatter sums).

        >>> AxisMap.shifted(3, offset=1, length=5).index.tolist()       # one cell of padding on each side
        [-1, 0, 1, 2, -1]
        >>> AxisMap.shifted(4, offset=-1, length=2).index.tolist()      # the first element cropped, and the last
        [1, 2]
        """
        q = np.arange(length) - offset
        return AxisMap(np.where((q >= 0) & (q < n), q, -1), np.full(length, -1))

    @staticmethod
    def stretched(n: int, stride: int, before: int, length: int) -> AxisMap:
        """The gather view's input axis: ``n`` elements ``stride`` apart (stride − 1 zeros inserted between
        them), ``before`` positions of padding first (negative: that many cropped), ``length`` positions in all
        (the rest is padding: d·(k − 1) − p + output_padding at the end).

        >>> m = AxisMap.stretched(2, stride=3, before=0, length=4)    # x0, zero, zero, x1
        >>> m.index.tolist(), m.after.tolist()                         # both zeros sit between x0 and x1
        ([0, -1, -1, 1], [-1, 0, 0, -1])
        """
        t = np.arange(length) - before
        inside = (t >= 0) & (t <= (n - 1) * stride)
        real = inside & (t % stride == 0)
        return AxisMap(np.where(real, t // stride, -1), np.where(inside & ~real, t // stride, -1))

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Panel:
    """One grid on the canvas: a name (used in cell ids), a label, the roles of its cells and the line it sits on.

    ``values`` are shown from the first frame when the scene shows numbers (None: the panel starts empty and the
    frames' updates fill it); ``heat`` (0..1) shades cells for heatmaps. ``axes`` say which element each cell
    holds (one :class:`AxisMap` per axis of the data: one for a 1-D panel, drawn as one row; two for 2-D), so
    every cell knows its true index: :meth:`index` and :meth:`between`. ``flipped``: the panel shows the kernel
    flipped 180° (its cells' indices are those of the weight elements they show).

    >>> p = Panel("kernel", "kernel 1 × 2", np.array([["kernel", "kernel"]]), line=1, axes=(AxisMap.reversed(2),),
    ...           flipped=True)
    >>> p.shape, p.index(0, 0), p.index(0, 1)
    ((1, 2), '1', '0')
    """

    name: str
    label: str
    roles: np.ndarray  # (rows, cols) of role names; "" for no cell
    values: np.ndarray | None = None
    heat: np.ndarray | None = None
    line: int = 0  # 0: the main line, left to right (input, output); 1: the line below it (the kernels)
    axes: tuple[AxisMap, ...] = ()
    flipped: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of cells as drawn; a 1-D panel is one row.

        >>> import tconv
        >>> scene = tconv.animate(3, 2)       # the gather view: the 3 × 3 input padded by k − 1 = 1 on each side
        >>> scene.panel("input").shape, scene.panel("output").shape
        ((5, 5), (4, 4))
        """
        rows, cols = self.roles.shape
        return rows, cols

    def count(self, role: str) -> int:
        """How many cells have ``role``.

        >>> import tconv
        >>> p = tconv.animate(3, 2).panel("input")
        >>> p.count("input"), p.count("pad"), p.count("zero")
        (9, 16, 0)
        """
        return int(np.count_nonzero(self.roles == role))

    def _maps(self, row: int, col: int) -> list[tuple[AxisMap, int]]:
        """(axis map, position) per axis of the data: a 1-D panel is one row, its column is the axis."""
        if len(self.axes) == 1:
            return [(self.axes[0], col)]
        if len(self.axes) == 2:
            return [(self.axes[0], row), (self.axes[1], col)]
        return []

    def index(self, row: int, col: int) -> str | None:
        """The true index of the element a cell holds ("2,0"; "3" in 1-D), or None (padding, an inserted zero,
        a cropped cell, no cell).

        >>> import tconv
        >>> p = tconv.animate(2, 3, stride=2).panel("input")     # rows and columns: pad, pad, x, zero, x, pad, pad
        >>> p.index(2, 2), p.index(2, 4), p.index(4, 2), p.index(2, 3), p.index(0, 0)
        ('0,0', '0,1', '1,0', None, None)
        """
        maps = self._maps(row, col)
        found = [int(m.index[q]) for m, q in maps]
        if not maps or not self.roles[row, col] or min(found) < 0:
            return None
        return ",".join(map(str, found))

    def between(self, row: int, col: int) -> str | None:
        """For an inserted zero, the true indices of the input elements it sits between, ";"-separated: two for a
        zero inserted along one axis ("0,0;0,1"), four for one inserted along both; None for any other cell.

        >>> import tconv
        >>> p = tconv.animate(2, 3, stride=2).panel("input")
        >>> p.between(2, 3), p.between(3, 3), p.between(2, 2)
        ('0,0;0,1', '0,0;0,1;1,0;1,1', None)
        """
        maps = self._maps(row, col)
        if not maps or str(self.roles[row, col]) != "zero":
            return None
        choices: list[tuple[int, ...]] = []
        for m, q in maps:
            i, a = int(m.index[q]), int(m.after[q])
            if i >= 0:
                choices.append((i,))
            elif a >= 0:
                choices.append((a, a + 1))
            else:
                return None
        return ";".join(",".join(map(str, c)) for c in itertools.product(*choices))

    def held(self) -> np.ndarray:
        """A boolean grid: True where a cell holds an element (it has an :meth:`index`).

        >>> import tconv
        >>> tconv.animate(2, 3, stride=2).panel("input").held()[2].astype(int).tolist()
        [0, 0, 1, 0, 1, 0, 0]
        """
        maps = [m.index >= 0 for m in self.axes]
        if len(maps) == 1:
            grid = np.broadcast_to(maps[0][None, :], self.shape)
        elif len(maps) == 2:
            grid = maps[0][:, None] & maps[1][None, :]
        else:
            return np.zeros(self.shape, dtype=bool)
        return np.asarray(grid & (self.roles != ""))

    def indices(self) -> list[list[str | None]]:
        """:meth:`index` of every cell, row by row.

        >>> import tconv
        >>> tconv.animate(2, 3, stride=2).panel("input").indices()[2]
        [None, None, '0,0', None, '0,1', None, None]
        """
        rows, cols = self.shape
        return [[self.index(r, c) for c in range(cols)] for r in range(rows)]

    def betweens(self) -> list[list[str | None]]:
        """:meth:`between` of every cell, row by row.

        >>> import tconv
        >>> tconv.animate(2, 3, stride=2).panel("input").betweens()[2]
        [None, None, None, '0,0;0,1', None, None, None]
        """
        rows, cols = self.shape
        return [[self.between(r, c) for c in range(cols)] for r in range(rows)]


@dataclass(frozen=True)
class Mark:
    """A marked cell in one frame; ``text`` is a small annotation (the kernel value under the footprint).

    >>> import tconv
    >>> tconv.animate(2, 3).frames[5].highlight     # the output cell that frame computes
    Mark(panel='output', row=1, col=1, kind='highlight', text=None, tap=None)
    """

    panel: str
    row: int
    col: int
    kind: str
    text: str | None = None
    tap: tuple[int, int] | None = None  # footprint marks: the (row, col) of the kernel tap, in the scene's kernel panel


class Update(NamedTuple):
    """A cell whose shown value changes in a frame (and stays until a later update or the end).

    >>> import tconv
    >>> scene = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True)
    >>> scene.frames[1].updates         # x1 = 2 stamps 2·[1, 1]: output 1 becomes 1 + 2, output 2 becomes 2
    (Update(panel='output', row=0, col=1, value=3), Update(panel='output', row=0, col=2, value=2))
    """

    panel: str
    row: int
    col: int
    value: Any


@dataclass(frozen=True)
class Window:
    """The kernel footprint in one frame: tap (i, j) of the kernel covers cell (row + i·step[0], col + j·step[1]).

    ``taps`` holds the kernel values at the taps (one array shared by every frame of a scene, stored once); with
    ``notes`` each footprint cell is annotated with its tap's value, times ``scale`` when set (scatter: the
    stamped input value, so the note is the product added to that cell).

    >>> w = Window("input", 2, 0, (1, 2), np.array([[1, 2]]), notes=True, scale=3)
    >>> [(r, c, tap, w.note(tap)) for r, c, tap in w.cells()]
    [(2, 0, (0, 0), '3'), (2, 2, (0, 1), '6')]
    """

    panel: str
    row: int
    col: int
    step: tuple[int, int]
    taps: np.ndarray
    notes: bool = False
    scale: Any = None

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of kernel taps; a 1-D kernel is one row.

        >>> Window("input", 0, 0, (1, 2), np.array([[1, 2, 3]])).shape
        (1, 3)
        """
        rows, cols = self.taps.shape
        return rows, cols

    def cells(self) -> Iterator[tuple[int, int, tuple[int, int]]]:
        """(row, col, tap) of every footprint cell, taps in row-major order.

        >>> list(Window("input", 1, 0, (1, 2), np.array([[5, 6]])).cells())      # dilation 2 along the columns
        [(1, 0, (0, 0)), (1, 2, (0, 1))]
        """
        rows, cols = self.shape
        for i in range(rows):
            for j in range(cols):
                yield self.row + i * self.step[0], self.col + j * self.step[1], (i, j)

    def note(self, tap: tuple[int, int]) -> str | None:
        """The annotation of a tap's cell: its kernel value, times ``scale`` when set; None without ``notes``.

        >>> taps = np.array([[1.5, -2]])
        >>> plain, stamp = Window("output", 0, 0, (1, 1), taps, notes=True), Window("output", 0, 0, (1, 1), taps,
        ...                                                                          notes=True, scale=2)
        >>> plain.note((0, 1)), stamp.note((0, 0)), Window("output", 0, 0, (1, 1), taps).note((0, 0))
        ('-2', '3', None)
        """
        if not self.notes:
            return None
        v = self.taps[tap]
        return format_number(v if self.scale is None else self.scale * v)


@dataclass(frozen=True)
class Frame:
    """One step: a caption, the kernel window, the highlighted cell, the value updates and the computed value.

    Everything else (the panels, their roles and static values, the values set by earlier frames) is the
    scene's, stored once.

    >>> import tconv
    >>> f = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True).frames[1]
    >>> f.caption, (f.window.panel, f.window.col, f.window.scale), f.value
    ('input (1) = 2 stamps value × kernel', ('output', 1, 2), 2)
    """

    caption: str
    window: Window | None = None
    highlight: Mark | None = None
    updates: tuple[Update, ...] = ()
    #: the computed value this frame is about (the highlighted output cell), for checks and captions
    value: Any = None

    @property
    def marks(self) -> tuple[Mark, ...]:
        """The marked cells, derived from the window (footprints, tap order) and the highlight (last).

        >>> import tconv
        >>> f = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True).frames[1]
        >>> [(m.panel, m.col, m.kind, m.text) for m in f.marks]     # the stamp's notes: 2 × each tap
        [('output', 1, 'footprint', '2'), ('output', 2, 'footprint', '2'), ('input', 1, 'highlight', None)]
        """
        marks = [] if self.window is None else [
            Mark(self.window.panel, r, c, "footprint", self.window.note(tap), tap) for r, c, tap in self.window.cells()
        ]
        return (*marks, *(() if self.highlight is None else (self.highlight,)))


@dataclass(frozen=True)
class Scene:
    """An animation (or a still): panels, frames and presentation settings.

    ``tconv.animate(...)`` and ``tconv.overlap(...).scene()`` build scenes; ``save(path)`` renders by extension:
    ``.svg`` (one animated SVG, or a static frame with ``frame=``), ``.gif`` (all frames, looping) and ``.png``
    (one frame: by default ``still_frame()``, the window over the most input elements). Animated SVG and GIF are
    written frame by frame. The same scene always gives the same bytes.

    >>> import tconv
    >>> scene = tconv.animate(3, 2)
    >>> scene.title
    'ConvTranspose2d  k=2 s=1 p=0 op=0 d=1:  3 × 3 → 4 × 4  (gather: as a direct convolution)'
    >>> [p.name for p in scene.panels], len(scene.frames), scene.connect     # one frame per output cell
    (['input', 'output', 'kernel', 'flipped'], 16, ('input', 'output'))
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
    lang: str = "en"  # the language of every word drawn (tconv.explain.i18n.LANGS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able panels (names, shapes) and frames as they are stored: the caption, the computed value, the
        window (corner, step and shape of the footprint), the highlighted cell and the value updates.

        Each panel also says what every cell truly holds, row by row: ``roles``, ``indices`` (the element's true
        index, "row,col" or "i" in 1-D; None for padding, inserted zeros and cropped cells) and ``between`` (for
        an inserted zero, the input elements it sits between, ";"-separated); ``flipped`` marks the flipped kernel.
        ``still`` is :meth:`still_frame`, ``lang`` the language of the words.

        >>> import tconv
        >>> d = tconv.animate(2, 3, stride=2, values=True, seed=1).to_dict()
        >>> p = d["panels"][0]
        >>> p["name"], p["shape"], p["roles"][2][2:5], p["indices"][2][2:5], p["between"][2][2:5]
        ('input', [7, 7], ['input', 'zero', 'input'], ['0,0', None, '0,1'], [None, '0,0;0,1', None])
        >>> d = tconv.animate(2, 3, values=True, seed=1).to_dict()
        >>> {k: d["panels"][1][k] for k in ("name", "label", "shape")}, len(d["frames"])
        ({'name': 'output', 'label': 'output 4 × 4', 'shape': [4, 4]}, 16)
        >>> f = d["frames"][5]
        >>> f["window"], f["highlight"], f["updates"]
        ({'panel': 'input', 'row': 1, 'col': 1, 'step': [1, 1], 'shape': [3, 3]}, {'panel': 'output', 'row': 1, \
'col': 1}, [['output', 1, 1, 5]])
        """
        return {
            "title": self.title,
            "kernel": self.kernel,
            "params": self.params,
            "lang": self.lang,
            "still": self.still_frame(),
            "panels": [{"name": p.name, "label": p.label, "shape": list(p.shape), "line": p.line,
                        "flipped": p.flipped, "roles": [[str(r) or None for r in row] for row in p.roles.tolist()],
                        "indices": p.indices(), "between": p.betweens()} for p in self.panels],
            "frames": [
                {"caption": f.caption,
                 "value": _plain(f.value),
                 "window": None if f.window is None else {
                     "panel": f.window.panel, "row": f.window.row, "col": f.window.col,
                     "step": list(f.window.step), "shape": list(f.window.shape)},
                 "highlight": None if f.highlight is None else {
                     "panel": f.highlight.panel, "row": f.highlight.row, "col": f.highlight.col},
                 "updates": [[u.panel, u.row, u.col, _plain(u.value)] for u in f.updates]}
                for f in self.frames
            ],
        }

    def still_frame(self) -> int:
        """The frame a still picture shows when none is asked for: the one whose kernel window covers the most
        cells holding input elements (for scatter, whose window lies on the sums: the last stamp of a non-zero
        value), the latest of those (it shows the most results). Never an all-padding window when there is
        another; a scene of one frame shows it.

        >>> import tconv
        >>> s = tconv.animate(3, 3, stride=2, padding=1, output_padding=1)
        >>> f = s.frames[s.still_frame()]
        >>> sum(s.panel("input").roles[r, c] == "input" for r, c, _ in f.window.cells())
        4
        """
        held: dict[str, np.ndarray] = {}

        def score(i: int) -> tuple[int, int]:
            w = self.frames[i].window
            if w is None:
                return 0, i
            real = 0
            if w.panel != self.connect_to:
                if w.panel not in held:
                    held[w.panel] = self.panel(w.panel).held()
                rows, cols = w.shape
                cells = held[w.panel][w.row: w.row + (rows - 1) * w.step[0] + 1: w.step[0],
                                      w.col: w.col + (cols - 1) * w.step[1] + 1: w.step[1]]
                real = int(np.count_nonzero(cells))
            if w.scale is not None:
                real += _plain(w.scale) not in (0, None)
            return real, i

        return max(range(len(self.frames)), key=score)

    @property
    def connect_to(self) -> str | None:
        """The panel the results go to (the output): windows on it are stamps, not reads.

        >>> import tconv
        >>> tconv.animate(3, 2).connect_to
        'output'
        """
        return None if self.connect is None else self.connect[1]

    def panel(self, name: str) -> Panel:
        """The panel called ``name``; KeyError when there is none.

        >>> import tconv
        >>> tconv.animate(3, 2).panel("output").label
        'output 4 × 4'
        """
        for p in self.panels:
            if p.name == name:
                return p
        raise KeyError(name)

    def shown(self, frame: int, panel: str) -> np.ndarray:
        """The values a panel shows at a frame (floats; NaN where a cell shows none yet): the panel's own values,
        then every update up to that frame.

        >>> import tconv
        >>> tconv.animate(2, 1, values=True, seed=7).shown(1, "output")      # x = [[1, 2], [2, 1]], w = [[3]]
        array([[ 3.,  6.],
               [nan, nan]])
        """
        p = self.panel(panel)
        values = np.full(p.shape, np.nan) if p.values is None else np.asarray(p.values, dtype=float).copy()
        for f in self.frames[: self._frame_index(frame) + 1]:
            for u in f.updates:
                if u.panel == panel:
                    values[u.row, u.col] = u.value
        return values

    def value_spans(self) -> Iterator[tuple[int, int, Update]]:
        """(first, end, update) for every update: the frames first..end-1 show its value (until the cell's next
        update, or the end of the animation).

        >>> import tconv
        >>> scene = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True)
        >>> [(first, end, u.col, u.value) for first, end, u in scene.value_spans()]   # output 1: 1, then 1 + 2
        [(0, 2, 0, 1), (0, 1, 1, 1), (1, 2, 1, 3), (1, 2, 2, 2)]
        """
        ends: dict[tuple[str, int, int], int] = {}
        spans: list[tuple[int, int, Update]] = []
        for i in range(len(self.frames) - 1, -1, -1):  # backwards: the next update of each cell is known
            for u in reversed(self.frames[i].updates):
                key = (u.panel, u.row, u.col)
                spans.append((i, ends.get(key, len(self.frames)), u))
                ends[key] = i
        return iter(spans[::-1])

    def svg(self, frame: int | None = None) -> str:
        """The SVG text: animated (all frames, looping) when ``frame`` is None, else that frame alone.

        >>> import tconv
        >>> tconv.animate(2, 3).svg(frame=0).startswith("<svg")
        True
        """
        return b"".join(self.chunks("svg", frame)).decode("utf-8")

    def chunks(self, kind: str, frame: int | None = None) -> Iterator[bytes]:
        """The bytes of the ``kind`` writer, chunk by chunk (a frame at a time for animated SVG and GIF).

        >>> import tconv
        >>> chunks = list(tconv.animate(3, 2).chunks("svg"))
        >>> chunks[0][:40], chunks[-1]
        (b'<svg xmlns="http://www.w3.org/2000/svg" ', b'</svg>\\n')
        """
        from ..render import WRITERS, writer_kind  # the writers read scenes: found when called, not registered

        return WRITERS[writer_kind(None, kind)](self, None if frame is None else self._frame_index(frame))

    @overload
    def save(self, target: str | os.PathLike[str], kind: str | None = None, *, frame: int | None = None) -> Path: ...

    @overload
    def save(self, target: IO[bytes] | IO[str], kind: str | None = None, *, frame: int | None = None) -> None: ...

    def save(self, target: str | os.PathLike[str] | IO[bytes] | IO[str], kind: str | None = None, *,
             frame: int | None = None) -> Path | None:
        """Write the scene to a path (returned) or an open file; ``kind`` ("svg", "gif", "png") picks the writer.

        For a path, ``kind`` defaults to its extension; for a file object, to the extension of its ``name`` if it
        has one, else ``kind`` is needed (either in any case: "GIF" is "gif"). SVG goes to text or binary files, GIF
        and PNG to binary ones. A target nothing can be written to (None, a folder, a file open for reading) is
        refused before anything is drawn. The writer streams: each frame is written as it is drawn (a path that
        fails half-way is removed).

        >>> import io, tconv
        >>> scene = tconv.animate(2, 3)
        >>> scene.save("/tmp/tconv-doctest-save.svg").name
        'tconv-doctest-save.svg'
        >>> buf = io.StringIO()
        >>> scene.save(buf, "svg", frame=0)
        >>> buf.getvalue().startswith("<svg")
        True
        """
        from ..render import WRITERS, check_target, writable, writer_kind  # the writers: found when called

        check_target(target, "the scene")  # a folder, None, a file open for reading: refused before any drawing
        kind = writer_kind(target, kind)
        if isinstance(target, io.TextIOBase) and kind != "svg":
            raise TconvError(f"cannot write kind {kind!r} to a text file: {kind.upper()} is binary, open the file "
                             f"with mode 'wb' (only 'svg' can go to a text file)")
        chunks = WRITERS[kind](self, None if frame is None else self._frame_index(frame))
        first = next(chunks, b"")  # a writer refuses (memory, Pillow) before its first chunk: the file is untouched
        with writable(target, "the scene", encoding="utf-8" if kind == "svg" else None) as out:
            out.write(first)
            for chunk in chunks:
                out.write(chunk)
        return Path(target) if isinstance(target, str | os.PathLike) else None

    def _frame_index(self, frame: int) -> int:
        n = len(self.frames)
        frame = as_int("frame", frame)
        if not -n <= frame < n:
            raise TconvError(f"frame {frame} is out of range: this scene has {n} frames (0..{n - 1}, or -{n}..-1 "
                             "counted from the end)")
        return frame % n


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python number JSON takes; NaN (a cell not shown) as None."""
    v = v.item() if hasattr(v, "item") else v
    return None if isinstance(v, float) and math.isnan(v) else v
