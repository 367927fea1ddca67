"""The gallery: conv_arithmetic's 15 animations under their names, plus what users asked for and never got."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._axes import as_choice
from .build import animate

__all__ = ["GALLERY", "Entry", "render_gallery"]


@dataclass(frozen=True)
class Entry:
    """One animation of the gallery: its file name, a line saying what it shows, and ``animate``'s arguments.

    >>> entry = next(e for e in GALLERY if e.name == "padding_strides_odd_transposed")
    >>> entry.description, animate(**entry.kwargs).panel("output").shape
    ('transposed 3 → 6, k=3 s=2 p=1 output_padding=1', (6, 6))
    """

    name: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)


# conv_arithmetic's parameter sets (bin/generate_makefile). Transposed ones use PyTorch's parameters, i.e. those
# of the paired convolution, whose output size is the transposed input size.
GALLERY = [
    Entry("no_padding_no_strides", "conv i=4 k=3 s=1 p=0", dict(input_size=4, kernel_size=3, view="conv")),
    Entry(
        "arbitrary_padding_no_strides",
        "conv i=5 k=4 s=1 p=2",
        dict(input_size=5, kernel_size=4, padding=2, view="conv"),
    ),
    Entry(
        "same_padding_no_strides",
        "conv i=5 k=3 s=1 p=1 (half padding)",
        dict(input_size=5, kernel_size=3, padding=1, view="conv"),
    ),
    Entry("full_padding_no_strides", "conv i=5 k=3 s=1 p=2", dict(input_size=5, kernel_size=3, padding=2, view="conv")),
    Entry("no_padding_strides", "conv i=5 k=3 s=2 p=0", dict(input_size=5, kernel_size=3, stride=2, view="conv")),
    Entry(
        "padding_strides", "conv i=5 k=3 s=2 p=1", dict(input_size=5, kernel_size=3, stride=2, padding=1, view="conv")
    ),
    Entry(
        "padding_strides_odd",
        "conv i=6 k=3 s=2 p=1",
        dict(input_size=6, kernel_size=3, stride=2, padding=1, view="conv"),
    ),
    Entry("dilation", "conv i=7 k=3 s=1 p=0 d=2", dict(input_size=7, kernel_size=3, dilation=2, view="conv")),
    Entry("no_padding_no_strides_transposed", "transposed 2 → 4, k=3 s=1 p=0", dict(input_size=2, kernel_size=3)),
    Entry(
        "arbitrary_padding_no_strides_transposed",
        "transposed 6 → 5, k=4 s=1 p=2",
        dict(input_size=6, kernel_size=4, padding=2),
    ),
    Entry(
        "same_padding_no_strides_transposed",
        "transposed 5 → 5, k=3 s=1 p=1",
        dict(input_size=5, kernel_size=3, padding=1),
    ),
    Entry(
        "full_padding_no_strides_transposed",
        "transposed 7 → 5, k=3 s=1 p=2",
        dict(input_size=7, kernel_size=3, padding=2),
    ),
    Entry(
        "no_padding_strides_transposed", "transposed 2 → 5, k=3 s=2 p=0", dict(input_size=2, kernel_size=3, stride=2)
    ),
    Entry(
        "padding_strides_transposed",
        "transposed 3 → 5, k=3 s=2 p=1",
        dict(input_size=3, kernel_size=3, stride=2, padding=1),
    ),
    Entry(
        "padding_strides_odd_transposed",
        "transposed 3 → 6, k=3 s=2 p=1 output_padding=1",
        dict(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1),
    ),
    # beyond conv_arithmetic's 15: layers its users asked to see
    Entry("dilation_transposed", "transposed 3 → 7, k=3 s=1 d=2", dict(input_size=3, kernel_size=3, dilation=2)),
    Entry(
        "output_padding_transposed",
        "transposed 3 → 9, k=3 s=3 p=1 output_padding=2",
        dict(input_size=3, kernel_size=3, stride=3, padding=1, output_padding=2),
    ),
    Entry(
        "kernel2_stride2_transposed",
        "transposed 3 → 6, k=2 s=2 (conv_arithmetic#15)",
        dict(input_size=3, kernel_size=2, stride=2),
    ),
    Entry(
        "non_square_transposed",
        "transposed (3,2) → (6,3), k=(3,2) s=(2,1) p=(1,0) output_padding=(1,0)",
        dict(input_size=(3, 2), kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0)),
    ),
    Entry(
        "padding_strides_odd_transposed_scatter",
        "the same layer as padding_strides_odd_transposed, as scatter",
        dict(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1, view="scatter", values=True),
    ),
    Entry(
        "numerical_padding_strides_odd_transposed",
        "padding_strides_odd_transposed with numbers",
        dict(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1, values=True),
    ),
    Entry(
        "numerical_padding_strides",
        "conv i=5 k=3 s=2 p=1 with numbers",
        dict(input_size=5, kernel_size=3, stride=2, padding=1, view="conv", values=True),
    ),
    Entry(
        "numerical_max_pooling",
        "3×3 max pooling, stride 1, with numbers",
        dict(input_size=5, kernel_size=3, view="conv", pool="max", values=True),
    ),
    Entry(
        "numerical_average_pooling",
        "3×3 average pooling, stride 1, with numbers",
        dict(input_size=5, kernel_size=3, view="conv", pool="avg", values=True),
    ),
]


def render_gallery(directory: str | Path, fmt: str = "gif", progress: Any = None, **options: Any) -> list[Path]:
    """Render every gallery entry into ``directory`` as ``NAME.gif`` (or ``.svg``, ``.png``); returns the paths.

    ``options`` go to every ``animate`` call (``cell_size``, ``duration_ms``, ``lang``).

    >>> paths = render_gallery("/tmp/tconv-doctest-gallery", "svg", cell_size=4)
    >>> len(paths) == len(GALLERY), paths[0].name
    (True, 'no_padding_no_strides.svg')
    """
    fmt = as_choice("gallery format", fmt, ("gif", "svg", "png"))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for entry in GALLERY:
        scene = animate(**entry.kwargs, seed=1234, **options)
        paths.append(scene.save(directory / f"{entry.name}.{fmt}"))
        if progress is not None:
            progress.step(entry.name)
    return paths
