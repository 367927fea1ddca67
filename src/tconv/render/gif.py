"""The GIF writer: the container around frames drawn by ``render.raster``, written frame by frame (a generator of
chunks).

The header with the palette as its global colour table and the NETSCAPE loop, the first frame whole, then for each
frame only the rectangle where its pixels differ from the previous frame's, with the unchanged pixels inside it
transparent and disposal 1 (leave in place), so the decoder keeps everything else. Pillow LZW-compresses each
rectangle (``GifImagePlugin.getdata``); the container around it is written here.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from ..settings import check_memory
from .layout import Span
from .raster import _Painter, _pil, _union

if TYPE_CHECKING:  # the renderers read scenes and build none
    from ..scene.model import Scene

__all__ = ["GIF_BYTES_PER_PIXEL", "gif_chunks"]

#: Bytes held per canvas pixel while a GIF is written: the background, the value layer and the frame (one byte
#: each), the previous pixels of the changed rectangle and its difference mask (one each at most), three
#: rectangles waiting for or in the encoder, and Pillow's copy of the one it encodes (one each at most): 9,
#: rounded up to 12 for the encoder's buffers.
GIF_BYTES_PER_PIXEL = 12


def _image_block(pixels: np.ndarray, x: int, y: int) -> bytes:
    """An image descriptor at (x, y) and its LZW data, compressed by Pillow."""
    image_mod, _, _, gif_plugin = _pil()
    return b"".join(gif_plugin.getdata(image_mod.fromarray(np.ascontiguousarray(pixels)), offset=(x, y)))


def _control(delay_cs: int, transparent: int | None) -> bytes:
    """Graphic control extension: disposal 1 (leave the frame in place), the delay, the transparent index."""
    packed = (1 << 2) | (transparent is not None)
    return b"!\xf9\x04" + struct.pack("<BHB", packed, delay_cs, transparent or 0) + b"\0"


def _rectangles(scene: Scene, painter: _Painter, frame: int | None) -> Iterator[tuple[np.ndarray, int, int]]:
    """Each frame as (pixels, x, y): the first whole, then the rectangle where a frame differs from the one
    before, its unchanged pixels transparent. Draws only what changes (see the module's docstring)."""
    pal = painter.pal
    base = painter.background()
    first = 0 if frame is None else frame
    values = base.copy()
    painter.values_at(values, first)
    canvas = values.copy()
    painter.overlay(canvas, first)
    yield canvas.copy(), 0, 0
    if frame is not None:
        return
    starts: dict[int, list[Span]] = {}
    ends: dict[int, list[Span]] = {}
    for span in painter.spans:
        starts.setdefault(span[0], []).append(span)
        ends.setdefault(span[1], []).append(span)
    drawn = painter.overlay_boxes(scene.frames[0])
    for i in range(1, len(scene.frames)):
        f = scene.frames[i]
        cells = [painter.inner(sp[2], sp[3], sp[4]) for sp in (*ends.get(i, ()), *starts.get(i, ()))]
        boxes = painter.overlay_boxes(f)
        region = _union([*drawn, *cells, *boxes])
        assert region is not None  # the caption is always drawn
        x0, y0, x1, y1 = region
        before = canvas[y0: y1 + 1, x0: x1 + 1].copy()
        for bx0, by0, bx1, by1 in drawn:  # back to the value layer, then the values that change
            canvas[by0: by1 + 1, bx0: bx1 + 1] = values[by0: by1 + 1, bx0: bx1 + 1]
        for sp in ends.get(i, ()):
            bx0, by0, bx1, by1 = painter.inner(sp[2], sp[3], sp[4])
            values[by0: by1 + 1, bx0: bx1 + 1] = base[by0: by1 + 1, bx0: bx1 + 1]
        for sp in starts.get(i, ()):
            painter.value(values, sp)
        for bx0, by0, bx1, by1 in cells:
            canvas[by0: by1 + 1, bx0: bx1 + 1] = values[by0: by1 + 1, bx0: bx1 + 1]
        painter.overlay(canvas, i)
        drawn = boxes
        after = canvas[y0: y1 + 1, x0: x1 + 1]
        changed = before != after
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if rows.size == 0:  # nothing changed: one transparent pixel keeps the frame and its delay
            yield np.full((1, 1), pal.transparent, np.uint8), 0, 0
            continue
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        pixels = np.where(changed[r0:r1, c0:c1], after[r0:r1, c0:c1], np.uint8(pal.transparent))
        yield pixels, x0 + int(c0), y0 + int(r0)


def gif_chunks(scene: Scene, frame: int | None = None) -> Iterator[bytes]:
    """The GIF, chunk by chunk: the header, then each frame as it is drawn (all frames looping, or one).

    One worker thread compresses a frame while the next is drawn (Pillow's encoder releases the GIL); at most
    two frames wait for it, so memory stays bounded and the chunks come in order.

    >>> import io, tconv
    >>> from PIL import Image
    >>> chunks = list(gif_chunks(tconv.animate(2, 2)))      # one chunk per frame (the first with the header), ";"
    >>> len(chunks), chunks[0][:6], chunks[-1]
    (10, b'GIF89a', b';')
    >>> gif = Image.open(io.BytesIO(b"".join(chunks)))
    >>> gif.n_frames, gif.info["duration"], gif.info["loop"]
    (9, 800, 0)
    """
    _pil()
    painter = _Painter(scene)
    height, width = painter.shape
    n = len(scene.frames) if frame is None else 1
    check_memory(GIF_BYTES_PER_PIXEL * width * height, f"a GIF of {n} frame(s) of {width} × {height} pixels")
    pal = painter.pal
    bits = pal.size.bit_length() - 1
    delay = max(1, round(scene.duration_ms / 10))
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF0 | (bits - 1), 0, 0) + pal.table()
    if n > 1:
        header += b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever

    def block(index: int, pixels: np.ndarray, x: int, y: int) -> bytes:
        control = _control(delay, None if index == 0 else pal.transparent)
        return (header if index == 0 else b"") + control + _image_block(pixels, x, y)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tconv-gif") as pool:
        pending: deque[Future[bytes]] = deque()
        for index, (pixels, x, y) in enumerate(_rectangles(scene, painter, frame)):
            pending.append(pool.submit(block, index, pixels, x, y))
            if len(pending) > 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    yield b";"

