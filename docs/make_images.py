"""Write the few images the docs embed (docs/images/). ``tests/test_docs.py`` checks the SVGs are current.

The gallery itself is generated on demand (``tconv gallery DIR``) and stays out of git.
"""

from __future__ import annotations

from pathlib import Path

import tconv

OUT = Path(__file__).parent / "images"

IMAGES = {
    "padding_strides_odd_transposed.svg": lambda: tconv.animate(3, 3, stride=2, padding=1, output_padding=1, values=True, seed=1234),
    "padding_strides_odd_transposed_scatter.svg": lambda: tconv.animate(
        3, 3, stride=2, padding=1, output_padding=1, view="scatter", values=True, seed=1234),
    "dilation_transposed.svg": lambda: tconv.animate(3, 3, dilation=2, seed=1234),
    "non_square_transposed.svg": lambda: tconv.animate(
        (3, 2), (3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0), values=True, seed=1234),
    "checkerboard_k3_s2_2_layers.svg": lambda: tconv.overlap(5, 3, stride=2, layers=2).scene(),
    "even_k4_s2_2_layers.svg": lambda: tconv.overlap(5, 4, stride=2, padding=1, layers=2).scene(),
}
GIFS = {"padding_strides_odd_transposed.gif": lambda: tconv.animate(
    3, 3, stride=2, padding=1, output_padding=1, values=True, seed=1234, cell_size=24)}


def svgs() -> dict[str, str]:
    return {name: make().svg() for name, make in IMAGES.items()}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in svgs().items():
        (OUT / name).write_text(text, encoding="utf-8")
    for name, make in GIFS.items():
        make().save(OUT / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
