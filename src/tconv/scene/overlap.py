"""Overlap heatmaps: how many kernel taps reach each output cell, for one layer or a stack of layers.

This is the checkerboard of Odena, Dumoulin & Olah ("Deconvolution and Checkerboard Artifacts", Distill 2016):
when the kernel size is not a multiple of the stride, some output cells receive more taps than their neighbours.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, overload

import numpy as np

from .._axes import IntOrSeq, as_int, show
from ..errors import TconvError
from ..explain.i18n import render
from ..params import ConvTransposePlan, plan_conv_transpose
from ..recipe import Recipe, execute
from .build import Look
from .model import AxisMap, Frame, Panel, Scene
from .plan import check_plan_alone, compact, drawn_sizes, layer_plan

__all__ = ["OverlapMap", "overlap", "residue_counts"]

#: The formats an overlap map is written in: it is a still.
KINDS = ("svg", "png")

MAX_LAYERS = 6
#: The counts are computed for maps of at most this many cells (input and every layer's output).
MAX_CELLS = 1_000_000


def residue_counts(kernel_size: int, stride: int, dilation: int = 1) -> tuple[int, ...]:
    """Taps landing on each output phase (o mod stride) in the interior: even overlap ⇔ all equal.

    >>> residue_counts(3, 2), residue_counts(4, 2), residue_counts(3, 2, dilation=2)
    ((2, 1), (2, 2), (3, 0))
    """
    counts = [0] * stride
    for j in range(kernel_size):
        counts[(j * dilation) % stride] += 1
    return tuple(counts)


def _even_kernels(kernel_size: int, stride: int, dilation: int) -> list[int]:
    """Kernel sizes near ``kernel_size`` whose overlap is even (none when gcd(dilation, stride) > 1 and stride > 1)."""
    candidates = range(1, kernel_size + 2 * stride + 1)
    even = [k for k in candidates if len(set(residue_counts(k, stride, dilation))) == 1]
    return sorted(even, key=lambda k: (abs(k - kernel_size), -k))[:2]


@dataclass(frozen=True)
class OverlapMap:
    """Tap counts per output cell after ``layers`` identical transposed convolutions, and whether they are even.

    ``plan`` is the first layer's; its sizes are the map's (``input_size``, ``kernel_size``, ``stride``...).

    >>> m = overlap([4], [3], stride=2)      # 1-D: one row of counts
    >>> m.counts.tolist(), m.residues, m.suggestions
    ([1, 1, 2, 1, 2, 1, 2, 1, 1], ((2, 1),), ((4, 2),))
    """

    counts: np.ndarray
    layers: int
    plan: ConvTransposePlan
    residues: tuple[tuple[int, ...], ...]  # per axis: taps per output phase in the interior of one layer
    suggestions: tuple[tuple[int, ...], ...]  # per axis: kernel sizes that would be even (empty: none)

    @property
    def input_size(self) -> tuple[int, ...]:
        """The first layer's input size, per axis (scalars: a square 2-D layer).

        >>> overlap(4, 3, stride=2).input_size
        (4, 4)
        """
        return self.plan.input_size

    @property
    def kernel_size(self) -> tuple[int, ...]:
        """The kernel size, per axis.

        >>> overlap(4, (3, 2), stride=2).kernel_size
        (3, 2)
        """
        return self.plan.kernel_size

    @property
    def stride(self) -> tuple[int, ...]:
        """The stride, per axis.

        >>> overlap(4, 3, stride=(2, 1)).stride
        (2, 1)
        """
        return self.plan.stride

    @property
    def padding(self) -> tuple[int, ...]:
        """The padding, per axis (it crops the map's border, not the phases' counts).

        >>> overlap(4, 3, stride=2, padding=1).padding
        (1, 1)
        """
        return self.plan.padding

    @property
    def output_padding(self) -> tuple[int, ...]:
        """The output_padding, per axis.

        >>> overlap(4, 3, stride=2, output_padding=1).output_padding
        (1, 1)
        """
        return self.plan.output_padding

    @property
    def dilation(self) -> tuple[int, ...]:
        """The dilation, per axis.

        >>> overlap(4, 3, stride=2, dilation=2).dilation
        (2, 2)
        """
        return self.plan.dilation

    @property
    def even(self) -> bool:
        """True when every axis spreads its taps evenly over the output phases.

        >>> overlap(4, 3, stride=2).even, overlap(4, 4, stride=2).even    # kernel_size a multiple of the stride
        (False, True)
        """
        return all(len(set(r)) == 1 for r in self.residues)

    def message(self, lang: str = "en") -> str:
        """Says whether the pattern is even and, if not, which kernel size would make it even (in ``lang``, "en"
        or "zh").

        >>> overlap(4, 4, stride=2).message()
        'even overlap: every interior output cell receives the same number of taps (4 per layer)'
        >>> overlap([4], [3], stride=2).message()
        'uneven overlap (checkerboard): axis 0: kernel_size 3 with stride 2 gives 2/1 taps per output phase; \
kernel_size 4 or 2 would make it even (a multiple of the stride). After 1 layer(s) the cells receive 1 to 2 taps'
        >>> overlap([4], [3], stride=2).message("zh")
        '不均匀重叠（棋盘格）：第 0 维：kernel_size 3、步长 2 时各输出相位得到 2/1 个乘积；kernel_size 取 4 或 2 时均匀\
（kernel_size = 整数 × 步长）。1 层之后每格得到 1 到 2 个乘积'
        """
        if self.even:
            return render("overlap.message.even", lang, {"taps": math.prod(r[0] for r in self.residues)})
        parts = []
        for a, (r, k, s, d, sugg) in enumerate(
            zip(self.residues, self.kernel_size, self.stride, self.dilation, self.suggestions)
        ):
            if len(set(r)) == 1:
                continue
            args = {"axis": a, "kernel": k, "stride": s, "dilation": d, "phases": "/".join(map(str, r))}
            if sugg:
                rule = render("overlap.rule.multiple" if d == 1 else "overlap.rule.dilation", lang, args)
                sizes = render("word.or", lang, {}).join(map(str, sugg))
                parts.append(render("overlap.message.fix", lang, args | {"sizes": sizes, "rule": rule}))
            else:
                parts.append(render("overlap.message.nofix", lang, args))
        nonzero = self.counts[self.counts > 0]
        spread = render("overlap.spread", lang, {"lo": nonzero.min(), "hi": nonzero.max()}) if nonzero.size else "0"
        return render("overlap.message.uneven", lang, {
            "axes": render("word.semicolon", lang, {}).join(parts), "layers": self.layers, "spread": spread})

    def summary(self, lang: str = "en") -> str:
        """One line for pictures: even or not, the range of counts, the fix (in ``lang``, "en" or "zh").

        >>> overlap(4, 3, stride=2).summary()
        'uneven (checkerboard): 1–4 taps per cell; even with kernel_size 2 or 4'
        """
        nonzero = self.counts[self.counts > 0]
        spread = f"{nonzero.min()}–{nonzero.max()}" if nonzero.size else "0"
        if self.even:
            return render("overlap.summary.even", lang, {"spread": spread})
        fixes = sorted({k for sugg in self.suggestions for k in sugg})
        sizes = render("word.or", lang, {}).join(map(str, fixes))
        fix = render("overlap.fix.kernel", lang, {"sizes": sizes}) if fixes else render("overlap.fix.none", lang, {})
        return render("overlap.summary.uneven", lang, {"spread": spread, "fix": fix})

    def scene(self, cell_size: int = 28, values: bool = True, lang: str = "en") -> Scene:
        """A still scene: the counts as a heatmap (darker = more taps), numbers in cells; words in ``lang``.

        Each cell is an output cell: its role is "heat" and its index the output element's.

        >>> scene = overlap([4], [3], stride=2).scene()
        >>> panel = scene.panels[0]
        >>> panel.values.tolist(), panel.heat.tolist()[0][:3], len(scene.frames)
        ([[1, 1, 2, 1, 2, 1, 2, 1, 1]], [0.5, 0.5, 1.0], 1)
        >>> scene.frames[0].caption
        'uneven (checkerboard): 1–2 taps per cell; even with kernel_size 2 or 4'
        """
        look = Look.checked(values, cell_size, 1000, lang)  # animate's checks and ranges
        lang = look.lang
        counts = self.counts.reshape(1, -1) if self.counts.ndim == 1 else self.counts
        if counts.size > 80 * 80:
            raise TconvError(f"the heatmap would draw {counts.size} cells; at most 6400 are drawn: use smaller sizes")
        top = float(counts.max()) or 1.0
        roles = np.full(counts.shape, "heat", dtype="<U8")
        label = render("overlap.label", lang, {"layers": self.layers,
                                               "shape": " × ".join(map(str, self.counts.shape))})
        panel = Panel("overlap", label, roles, counts, counts / top,
                      axes=tuple(AxisMap.identity(n) for n in self.counts.shape))
        title = render("overlap.title", lang, {
            "params": f"k={compact(self.kernel_size)} s={compact(self.stride)} p={compact(self.padding)} "
                      f"op={compact(self.output_padding)} d={compact(self.dilation)}",
            "layers": self.layers,
            "verdict": render("overlap.even" if self.even else "overlap.uneven", lang, {})})
        frame = Frame(self.summary(lang))
        return Scene(title, (panel,), (frame,), look.values, look.cell_size, look.duration_ms, ("heat",), None,
                     {"view": "overlap"}, lang=lang)

    @overload
    def save(self, target: str | os.PathLike[str], kind: str | None = None) -> Path: ...

    @overload
    def save(self, target: IO[bytes] | IO[str], kind: str | None = None) -> None: ...

    def save(self, target: str | os.PathLike[str] | IO[bytes] | IO[str], kind: str | None = None) -> Path | None:
        """Write the heatmap as SVG or PNG, to a path (returned) or a file object: see ``Scene.save``.

        >>> overlap(4, 3, stride=2).save("/tmp/tconv-doctest-overlap.svg").name
        'tconv-doctest-overlap.svg'
        """
        from ..render import check_target, writer_kind  # the writers read scenes: found when called

        check_target(target, "the heatmap")
        kind = writer_kind(target, kind, KINDS, "an overlap heatmap is a still")
        return self.scene().save(target, kind)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON-able: the counts, whether they are even, the taps per phase, the even kernel sizes, the message (in
        ``lang``).

        >>> d = overlap([4], [3], stride=2, layers=2).to_dict()
        >>> d["layers"], d["counts"], d["even"], d["residues"], d["suggestions"]
        (2, [1, 1, 2, 1, 3, 2, 3, 1, 3, 2, 3, 1, 3, 2, 3, 1, 2, 1, 1], False, [[2, 1]], [[4, 2]])
        """
        return {
            "layers": self.layers,
            "counts": self.counts.tolist(),
            "even": self.even,
            "residues": [list(r) for r in self.residues],
            "suggestions": [list(s) for s in self.suggestions],
            "message": self.message(lang),
        }


def overlap(
    input_size: IntOrSeq | None = None,
    kernel_size: IntOrSeq | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    layers: int = 1,
    plan: ConvTransposePlan | Recipe | None = None,
) -> OverlapMap:
    """Count the kernel taps that reach each output cell, through ``layers`` identical transposed convolutions.

    The counts are the transposed convolution of an all-ones input with an all-ones kernel, applied ``layers``
    times; scalars mean a square 2-D layer. ``plan`` gives the layer as a ready plan instead of sizes: a
    ``ConvTransposePlan`` or the :class:`~tconv.recipe.Recipe` of ``tconv.plan`` (its batch, channels and groups do
    not matter: the taps of one channel are counted).

    >>> m = overlap(4, 3, stride=2)
    >>> m.counts[0].tolist(), m.even
    ([1, 1, 2, 1, 2, 1, 2, 1, 1], False)
    >>> overlap(4, 4, stride=2, padding=1).even
    True
    >>> import tconv
    >>> overlap(plan=tconv.plan((1, 16, 4, 4), (16, 8, 3, 3), stride=2)).counts[0].tolist()   # a recipe
    [1, 1, 2, 1, 2, 1, 2, 1, 1]
    """
    layers = as_int("layers", layers, minimum=1)
    if layers > MAX_LAYERS:
        raise TconvError(f"layers {layers} is too many: at most {MAX_LAYERS} are stacked")
    if plan is None:
        shape, kernel = drawn_sizes(input_size, kernel_size, stride=stride, padding=padding,
                                    output_padding=output_padding, dilation=dilation)
        plan = plan_conv_transpose((1, 1, *shape), (1, 1, *kernel), None, stride, padding, output_padding, 1, dilation,
                                   nd=len(shape))
    else:
        given = layer_plan(plan)
        if not isinstance(given, ConvTransposePlan):
            raise TconvError(f"plan must be a ConvTransposePlan (tconv.params.plan_conv_transpose) or the Recipe of "
                             f"tconv.plan, got {show(plan)} ({type(plan).__name__})")
        check_plan_alone(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                         output_padding=output_padding, dilation=dilation)
        plan = given
    if math.prod(plan.input_size) > MAX_CELLS:
        raise TconvError(f"input_size {list(plan.input_size)} has {math.prod(plan.input_size):,} cells; the overlap "
                         f"map counts at most {MAX_CELLS:,}: use a smaller input")
    plans = [_one_channel(plan, plan.input_size)]  # every layer's plan, by arithmetic, before any array is made
    for layer in range(1, layers + 1):
        if math.prod(plans[-1].output_size) > MAX_CELLS:
            raise TconvError(
                f"the overlap map after {layer} layer(s) would have {math.prod(plans[-1].output_size):,} cells "
                f"({' × '.join(map(str, plans[-1].output_size))}); at most {MAX_CELLS:,}: use fewer layers or a "
                "smaller input"
            )
        if layer < layers:
            plans.append(_one_channel(plan, plans[-1].output_size))
    counts = np.ones(plan.input_size, dtype=np.int64)
    ones = np.ones((1, 1, *plan.kernel_size), dtype=np.int64)
    for step in plans:
        counts = execute(step, counts[None, None], ones, None, "auto")[0, 0]
    axes = plan.axes
    residues = tuple(residue_counts(ax.kernel_size, ax.stride, ax.dilation) for ax in axes)
    suggestions = tuple(
        () if len(set(r)) == 1 else tuple(_even_kernels(ax.kernel_size, ax.stride, ax.dilation))
        for r, ax in zip(residues, axes)
    )
    return OverlapMap(counts, layers, plans[0], residues, suggestions)


def _one_channel(plan: ConvTransposePlan, input_size: tuple[int, ...]) -> ConvTransposePlan:
    """``plan``'s layer on one sample and channel of ``input_size``: one layer of the stack, its crops (``"same"``'s
    two ends) and padding mode kept."""
    if plan.padding_mode == "zeros" and all(ax.padding_end is None for ax in plan.axes):
        return plan_conv_transpose((1, 1, *input_size), (1, 1, *plan.kernel_size), None, plan.stride, plan.padding,
                                   plan.output_padding, 1, plan.dilation, nd=plan.nd)
    # the same layer on a larger input (each layer's output is at least its input): its crops still fit
    axes = tuple(replace(ax, input_size=n) for ax, n in zip(plan.axes, input_size))
    return replace(plan, axes=axes, batch=1, batched=True, in_channels=1, out_channels=1, groups=1, dtype="float64")
