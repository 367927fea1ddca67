"""Transposed convolution and convolution on dask arrays: arrays larger than one process, on any dask scheduler.

:func:`conv_transpose` and :func:`conv` take :func:`tconv.conv_transpose`'s and :func:`tconv.conv`'s parameters,
with a ``dask.array.Array`` as the input (chunked along the batch and spatial axes, the channels in one chunk), and
return a lazy dask array equal to what tconv computes on the whole NumPy array. Each output block is one task: the
existing engines on the input cells it needs (its input chunk and a halo from the preceding chunks), so the graph
has one task per chunk and each task's memory follows its chunk. Padding, output_padding, output_size and the
padding modes act at the array's true ends only, never at chunk seams. docs/dask.md has the arithmetic.

Needs the ``dask`` extra (dask is imported when these functions are called, never by ``import tconv``).

>>> import numpy as np, dask.array as da, tconv, tconv.dask
>>> x = da.from_array(np.arange(10.0).reshape(1, 1, 10), chunks=(1, 1, 3))      # 4 chunks: 3, 3, 3, 1
>>> y = tconv.dask.conv_transpose(x, np.ones((1, 1, 3)), stride=2, padding=1)
>>> y.chunks                                                       # the input's chunks × stride 2, then the rest
((1,), (1,), (6, 6, 6, 1))
>>> bool((y.compute() == tconv.conv_transpose(x.compute(), np.ones((1, 1, 3)), stride=2, padding=1)).all())
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike

from ._axes import IntOrSeq
from ._extras import install_hint
from .dtypes import check_bias_dtype, dtype_name, read_arrays
from .errors import TconvError
from .functional import conv as _conv_numpy
from .functional import conv_memory_need
from .functional import conv_transpose as _conv_transpose_numpy
from .params import ConvPlan, ConvTransposePlan, compute_dtype, plan_conv
from .recipe import plan as _recipe
from .recipe import validated_plan
from .settings import check_memory, get_options, options
from .shapes import ConvAxis, TransposedAxis

if TYPE_CHECKING:
    import dask.array as da

__all__ = ["conv", "conv_transpose"]

#: The most tasks one call puts in a graph. dask's scheduler spends about a millisecond per task and the graph
#: lives in the client's memory; past this, larger chunks are the answer.
MAX_TASKS = 1_000_000

#: NumPy's names for the padding modes of a direct convolution (``da.pad`` takes NumPy's; reflect excludes the edge
#: in both, as in PyTorch).
_NUMPY_MODE = {"circular": "wrap", "reflect": "reflect", "replicate": "edge"}


# --------------------------------------------------------------------------------------------------
# the arithmetic of one axis: which input cells each output block reads
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AxisRead:
    """One output block along one spatial axis: the input cells its task reads and what it keeps.

    ``blocks`` are the indices of the input chunks it reads; ``start``/``stop`` the cells it reads, in the input's
    coordinates (beyond ``0..size`` only for a convolution's zero padding, read as zeros); ``output_padding`` the
    output_padding of its own transposed convolution (so that its result reaches the last cell it keeps); ``keep``
    the cells of that result it returns.

    >>> ax = TransposedAxis(input_size=6, kernel_size=3, stride=1, padding=0, output_padding=0, dilation=1)
    >>> transposed_reads((2, 2, 2), ax)[1]        # cells 2, 3 of the output need inputs 0..3: a halo of 2
    AxisRead(blocks=(0, 1), offsets=(0, 2), start=0, stop=4, output_padding=0, keep=(2, 4))
    """

    blocks: tuple[int, ...]
    offsets: tuple[int, ...]
    start: int
    stop: int
    output_padding: int
    keep: tuple[int, int]

    @property
    def size(self) -> int:
        """The output cells this block holds along the axis.

        >>> AxisRead((0,), (0,), 0, 3, 0, (1, 5)).size
        4
        """
        return self.keep[1] - self.keep[0]


def _boundaries(chunks: Sequence[int]) -> list[int]:
    return [0, *itertools.accumulate(chunks)]


def _read(chunks: Sequence[int], start: int, stop: int, output_padding: int, keep: tuple[int, int]) -> AxisRead:
    """The chunks holding the cells start..stop−1 (clipped to the array: cells outside it are padding)."""
    bounds = _boundaries(chunks)
    lo, hi = max(start, 0), min(stop, bounds[-1])
    blocks = tuple(j for j in range(len(chunks)) if chunks[j] and bounds[j] < hi and bounds[j + 1] > lo)
    return AxisRead(blocks, tuple(bounds[j] for j in blocks), start, stop, output_padding, keep)


def transposed_reads(chunks: Sequence[int], ax: TransposedAxis, crop: bool = True) -> list[AxisRead]:
    """The output blocks of a transposed convolution along one axis, one per input chunk that keeps any cell.

    Input chunk [a, b) owns the output cells [a·s, b·s), the last chunk also the rest, so that the output chunks
    are the input's times the stride (regular where the input's are: zarr stores them as they are). ``crop``
    counts them in the cropped output, [padding, padding + output_size) of the uncropped one, PyTorch's crop at
    the true ends; without it (a padding mode, whose margins are folded afterwards), in the uncropped output up to
    F + output_padding. A block of uncropped cells [u, v) reads the inputs ⌈(u − d·(k−1))/s⌉ .. ⌈v/s⌉ − 1: with
    padding p, ⌊(d·(k−1) − p)/s⌋ cells before a (the stamps reaching into it from earlier inputs) and ⌈p/s⌉ after b.

    >>> ax = TransposedAxis(input_size=7, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1)
    >>> [(r.blocks, r.start, r.stop, r.keep, r.size) for r in transposed_reads((3, 3, 1), ax)]
    [((0, 1), 0, 4, (1, 7), 6), ((1, 2), 3, 7, (1, 7), 6), ((2,), 6, 7, (1, 3), 2)]
    >>> [r.size for r in transposed_reads((3, 3, 1), ax, crop=False)]     # 2·7 + 1 + 1 cells, uncropped
    [6, 6, 4]
    """
    s, span = ax.stride, ax.dilation * (ax.kernel_size - 1)
    end = ax.full_size + ax.output_padding
    first, last = (ax.padding, ax.padding + ax.output_size) if crop else (0, end)
    bounds = _boundaries(chunks)
    owned = [0, *(b * s + first for b in bounds[1:-1]), end]
    reads = []
    for j in range(len(chunks)):
        u, v = max(owned[j], first), min(owned[j + 1], last)
        if u >= v:
            continue
        stop = min(ax.input_size, (v - 1) // s + 1)
        # the first input reaching u; where none does (u lies in a gap between stamps), the one at or before u, so
        # that the block's own result starts at or before u; at least one cell
        start = min(max(0, -((span - u) // s)), u // s, stop - 1)
        reach = (stop - start - 1) * s + span + 1  # the uncropped length of this block's own result
        origin = start * s
        reads.append(_read(chunks, start, stop, max(0, v - origin - reach), (u - origin, v - origin)))
    return reads


def conv_reads(chunks: Sequence[int], ax: ConvAxis, shift: int) -> list[AxisRead]:
    """The output blocks of a direct convolution along one axis, one per input chunk that owns any output cell.

    The input sits at ``shift`` in the padded axis (``pad_begin`` where the task pads with zeros itself, 0 where
    the input was padded before); output cell j belongs to the chunk holding the first cell of its window, j·s, the
    first chunk also those starting in the padding and the last those up to the end. A block of outputs
    [j0, j1) reads padded cells [j0·s, (j1 − 1)·s + d·(k − 1) + 1): its chunk and d·(k − 1) cells after it.

    >>> ax = ConvAxis(input_size=7, kernel_size=3, stride=2, pad_begin=1, pad_end=1, dilation=1)
    >>> [(r.blocks, r.start, r.stop, r.size) for r in conv_reads((3, 3, 1), ax, shift=1)]
    [((0, 1), -1, 4, 2), ((1, 2), 3, 8, 2)]
    """
    s, span, out = ax.stride, ax.dilation * (ax.kernel_size - 1), ax.output_size
    bounds = _boundaries(chunks)
    owned = [0, *(min(out, -(-(b + shift) // s)) for b in bounds[1:-1]), out]
    reads = []
    for j in range(len(chunks)):
        j0, j1 = owned[j], owned[j + 1]
        if j0 >= j1:
            continue
        reads.append(_read(chunks, j0 * s - shift, (j1 - 1) * s + span + 1 - shift, 0, (0, j1 - j0)))
    return reads


# --------------------------------------------------------------------------------------------------
# the tasks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    """What every task of one call shares (pickled into each task: a few ints)."""

    transposed: bool
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    algorithm: str
    #: The input is cast to this dtype first (a padding mode folds in the compute dtype), or None.
    cast: str | None
    #: The memory budget the caller had set (scoped, process-wide or environment), or None: the worker's own.
    memory_budget: int | None


def _piece(blocks: Sequence[np.ndarray], reads: Sequence[AxisRead], batch: int, channels: int,
           dtype: np.dtype) -> np.ndarray:
    """The cells the reads ask for, from the blocks they name (C order over the axes), zeros outside the array.

    A neighbour's block arrives cut to the cells the read needs (:func:`_cut`), so along each axis a block's
    first cell is ``max(start, offset)``: its chunk's offset where it arrives whole, the read's start where cut.
    """
    starts = [[max(r.start, o) for o in r.offsets] for r in reads]
    if len(blocks) == 1 and all(r.start == f[0] and r.stop == f[0] + blocks[0].shape[2 + a]
                                for a, (r, f) in enumerate(zip(reads, starts))):
        return blocks[0]  # the read is exactly one block
    shape = (batch, channels, *(r.stop - r.start for r in reads))
    inside = bool(blocks) and all(r.start >= 0 and r.stop <= f[-1] + blocks[-1].shape[2 + a]
                                  for a, (r, f) in enumerate(zip(reads, starts)))
    piece = (np.empty if inside else np.zeros)(shape, dtype)
    for block, where in zip(blocks, itertools.product(*starts)):
        into, source = [slice(None), slice(None)], [slice(None), slice(None)]
        for a, (r, first) in enumerate(zip(reads, where)):
            lo, hi = max(r.start, first), min(r.stop, first + block.shape[2 + a])
            into.append(slice(lo - r.start, hi - r.start))
            source.append(slice(lo - first, hi - first))
        piece[tuple(into)] = block[tuple(source)]
    return piece


def _borders(block: np.ndarray, cuts: tuple[tuple[tuple[int, int], ...], ...]) -> dict[Any, np.ndarray]:
    """The parts of a block that its neighbours' tasks read (their halos), each a copy, by its cells per axis.

    One task per block runs where the block lives, so that only these cells (a shell around the block, not the
    block) travel to the neighbours' workers, as in dask's own ``overlap``, with one task per block, not per pair.

    >>> _borders(np.arange(6).reshape(1, 1, 6), (((4, 6),), ((0, 1),)))[((4, 6),)].tolist()
    [[[4, 5]]]
    """
    return {cells: np.ascontiguousarray(block[(slice(None), slice(None), *(slice(lo, hi) for lo, hi in cells))])
            for cells in cuts}


def _task(layer: _Layer, reads: tuple[AxisRead, ...], batch: int, channels: int, dtype: str, weight: np.ndarray,
          bias: np.ndarray | None, cuts: tuple[Any, ...], *blocks: Any) -> np.ndarray:
    """One output block: its input cells gathered, the whole-array engines on them, the kept cells. ``cuts``
    names, for each block read in part, its cells in that block's :func:`_borders` (None: the whole block)."""
    parts = [block if cells is None else block[cells] for block, cells in zip(blocks, cuts)]
    piece = _piece(parts, reads, batch, channels, np.dtype(dtype))
    if layer.cast is not None:
        piece = piece.astype(layer.cast, copy=False)
    with options(memory_budget=layer.memory_budget):
        if not layer.transposed:
            return _conv_numpy(piece, weight, bias, layer.stride, 0, layer.dilation, layer.groups)
        y = _conv_transpose_numpy(piece, weight, bias, layer.stride, 0, tuple(r.output_padding for r in reads),
                                  layer.groups, layer.dilation, algorithm=layer.algorithm)
    kept = (slice(None), slice(None), *(slice(*r.keep) for r in reads))
    if all(r.keep == (0, n) for r, n in zip(reads, y.shape[2:])):
        return y
    return np.ascontiguousarray(y[kept])  # a copy: a view would keep the whole block's result alive


# --------------------------------------------------------------------------------------------------
# reading the arguments
# --------------------------------------------------------------------------------------------------


def _dask_array() -> Any:
    try:
        import dask.array
    except ImportError:
        raise TconvError(f"tconv.dask needs dask: {install_hint('dask')}") from None
    return dask.array


def _input(input: Any, dask_array: Any) -> Any:
    """The input, a dask array with chunks of known sizes."""
    if not isinstance(input, dask_array.Array):
        raise TconvError(f"input must be a dask array for tconv.dask, got a {type(input).__name__}: wrap it with "
                         "dask.array.from_array(input, chunks=...) (or call tconv.conv_transpose for NumPy arrays)")
    if any(math.isnan(c) for dims in input.chunks for c in dims):
        raise TconvError(f"input has chunks of unknown size (shape {input.shape}): call input.compute_chunk_sizes() "
                         "first, tconv plans every block from the shapes")
    return input


def _check_channels(x: Any, batched: bool) -> None:
    """Refuse a channel axis in several chunks: every task needs all channels (the groups mix them)."""
    axis = 1 if batched else 0
    if len(x.chunks[axis]) > 1:
        raise TconvError(f"input's channel axis (axis {axis}, {x.shape[axis]} channels) is split into "
                         f"{len(x.chunks[axis])} chunks; every task needs all channels: rechunk it into one with "
                         f"input.rechunk({{{axis}: -1}})")


def _arrays(x: Any, weight: Any, bias: Any, dask_array: Any) -> tuple[Any, Any, str, str | None]:
    """Weight and bias read with PyTorch's dtype rules against the input's dtype (dask arrays by their dtype only,
    never computed): NumPy arrays or dask arrays, the bias possibly None; with the names of the input's and the
    bias's dtypes."""
    def stand_in(value: Any) -> Any:
        return np.empty(0, value.dtype) if isinstance(value, dask_array.Array) else value

    _, w, b, x_name, b_name = read_arrays(np.empty(0, x.dtype), stand_in(weight), stand_in(bias))
    w = weight if isinstance(weight, dask_array.Array) else w
    b = bias if isinstance(bias, dask_array.Array) else b
    for name, value in (("weight", w), ("bias", b)):
        if isinstance(value, dask_array.Array) and any(math.isnan(c) for dims in value.chunks for c in dims):
            raise TconvError(f"{name} has chunks of unknown size: call {name}.compute_chunk_sizes() first")
    return w, b, x_name, b_name


def _one_chunk(value: Any, dask_array: Any, dtype: np.dtype | None = None) -> Any:
    """A dask array of one chunk holding ``value``: one key in the graph, which every task names (on a cluster the
    workers fetch it once each, never a copy per task); ``dtype`` casts it there, once."""
    if value is None:
        return None
    block = value.rechunk(-1) if isinstance(value, dask_array.Array) else dask_array.from_array(value, chunks=-1)
    return block if dtype is None else block.astype(dtype)


def _key(array: Any) -> Any:
    return None if array is None else (array.name,) + (0,) * array.ndim


# --------------------------------------------------------------------------------------------------
# the graph
# --------------------------------------------------------------------------------------------------


def _graph(name: str, x: Any, reads: list[list[AxisRead]], layer: _Layer, out_channels: int, dtype: np.dtype,
           weight: Any, bias: Any) -> Any:
    """One task per output block: batch chunk × the blocks of each axis, each naming its input blocks, the weight
    and the bias by key. A neighbour's block that a task reads only in part comes from that block's
    :func:`_borders` task, so that a halo, not the whole block, moves between workers."""
    from dask._task_spec import Task, TaskRef
    from dask.highlevelgraph import HighLevelGraph

    w_ref = TaskRef(_key(weight))
    b_ref = None if bias is None else TaskRef(_key(bias))
    channels = x.shape[1]
    # first the cells each task reads of each block: whole, or a part (its halo) that the block's _borders cuts
    plan: dict[Any, tuple[tuple[AxisRead, ...], list[tuple[Any, Any]]]] = {}
    cuts: dict[Any, set[Any]] = {}
    for n in range(len(x.chunks[0])):
        for where in itertools.product(*(range(len(r)) for r in reads)):
            axis_reads = tuple(r[i] for r, i in zip(reads, where))
            sources: list[tuple[Any, Any]] = []
            for placed in itertools.product(*(zip(r.blocks, r.offsets) for r in axis_reads)):
                blocks, offsets = zip(*placed)  # each axis's chunk index and its first cell
                source = (x.name, n, 0, *blocks)
                sizes = [size[j] for j, size in zip(blocks, x.chunks[2:])]
                cells = tuple((max(r.start, o) - o, min(r.stop, o + size) - o)
                              for r, o, size in zip(axis_reads, offsets, sizes))
                if all(cell == (0, size) for cell, size in zip(cells, sizes)):
                    sources.append((source, None))
                else:
                    cuts.setdefault(source, set()).add(cells)
                    sources.append((source, cells))
            plan[(name, n, 0, *where)] = axis_reads, sources
    borders = f"{name}-borders"
    tasks: dict[Any, Any] = {(borders, *source[1:]): Task((borders, *source[1:]), _borders, TaskRef(source),
                                                          tuple(sorted(wanted)))
                             for source, wanted in cuts.items()}
    for key, (axis_reads, sources) in plan.items():
        refs = [TaskRef(source if cells is None else (borders, *source[1:])) for source, cells in sources]
        tasks[key] = Task(key, _task, layer, axis_reads, x.chunks[0][key[1]], channels, x.dtype.str, w_ref, b_ref,
                          tuple(cells for _, cells in sources), *refs)
    dependencies: list[Any] = [a for a in (x, weight, bias) if a is not None]
    graph = HighLevelGraph.from_collections(name, tasks, dependencies=dependencies)
    chunks = (x.chunks[0], (out_channels,), *(tuple(r.size for r in axis) for axis in reads))
    return _dask_array().Array(graph, name, chunks, meta=np.empty((0,) * (2 + len(reads)), dtype))


def _check_tasks(reads: list[list[AxisRead]], x: Any) -> None:
    count = len(x.chunks[0]) * math.prod(len(r) for r in reads)
    if count > MAX_TASKS:
        raise TconvError(f"input chunks {tuple(len(c) for c in x.chunks)} per axis make {count:,} tasks, more than "
                         f"tconv.dask builds ({MAX_TASKS:,}): use larger chunks, e.g. input.rechunk('auto')")


def _largest(reads: list[list[AxisRead]], x: Any) -> tuple[int, ...]:
    """The largest piece any task reads: its batch, channels and cells per axis (each axis' largest)."""
    return (max(x.chunks[0], default=0), x.shape[1], *(max(r.stop - r.start for r in axis) for axis in reads))


def _check_task_memory(need: int, piece: tuple[int, ...], op: str, block: tuple[int, ...] | None = None) -> None:
    """Refuse a task beyond the budget, naming its input piece and (for a transposed convolution, whose output
    block is its chunk times the stride: a huge stride makes a huge block) its output block."""
    out = "" if block is None else f", an output block of shape {list(block)}"
    check_memory(need, lambda: f"one task of tconv.dask.{op} (an input piece of shape {list(piece)}{out})")


def _memory_budget() -> int | None:
    return get_options().memory_budget


# --------------------------------------------------------------------------------------------------
# the entry points
# --------------------------------------------------------------------------------------------------


def conv_transpose(
    input: da.Array,
    weight: ArrayLike | da.Array,
    bias: ArrayLike | da.Array | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    algorithm: str = "auto",
    padding_mode: str = "zeros",
) -> da.Array:
    """:func:`tconv.conv_transpose` on a dask array: a lazy dask array, one task per input chunk.

    The parameters are :func:`tconv.conv_transpose`'s. ``input`` is a ``dask.array.Array`` chunked in any way along
    the batch and spatial axes, its channel axis in one chunk; ``weight`` and ``bias`` are NumPy arrays (or anything
    tconv reads) or dask arrays, each put in the graph once under its own key. Everything is checked from the shapes
    before the graph is built (a :class:`~tconv.TconvError`, as for NumPy; also a chunked channel axis, a non-dask
    input, and a task larger than the memory budget); nothing is computed. Each task runs tconv's engines, and its
    memory guard, on its chunk and the input cells around it whose stamps reach into its output cells (with padding
    p, ⌊(d·(k−1) − p)/s⌋ before it and ⌈p/s⌉ after: :func:`transposed_reads`). The output chunks are the input's
    times the stride (the last one takes the rest).

    >>> import numpy as np, dask.array as da, tconv
    >>> x = da.from_array(np.arange(24.0).reshape(2, 1, 3, 4), chunks=(1, 1, 2, 1))
    >>> w = np.arange(18.0).reshape(1, 2, 3, 3)
    >>> y = conv_transpose(x, w, np.array([0.5, -1.0]), stride=2, padding=1, output_padding=1)
    >>> y.shape, y.chunks
    ((2, 2, 6, 8), ((1, 1), (2,), (4, 2), (2, 2, 2, 2)))
    >>> np.allclose(y.compute(), tconv.conv_transpose(x.compute(), w, [0.5, -1.0], 2, 1, 1))
    True
    >>> conv_transpose(da.ones((1, 4, 8), chunks=(1, 2, 4)), np.ones((4, 1, 3)))   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: input's channel axis (axis 1, 4 channels) is split into 2 chunks; ...input.rechunk({1: -1})
    >>> conv_transpose(np.ones((1, 1, 3, 3)), w)            # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: input must be a dask array for tconv.dask, got a ndarray: wrap it with ...
    """
    dask_array = _dask_array()
    x = _input(input, dask_array)
    w, b, x_name, b_name = _arrays(x, weight, bias, dask_array)
    layer = validated_plan(x.shape, w.shape, None if b is None else b.shape, stride, padding, output_padding, groups,
                           dilation, output_size, None, dtype_name(x.dtype), padding_mode)
    if b_name is not None:
        check_bias_dtype("conv_transpose", layer.nd, layer.batch, x_name, b_name)
    _check_channels(x, layer.batched)
    if not layer.batched:
        y = conv_transpose(x[None], weight, bias, stride, padding, output_padding, groups, dilation,
                           output_size=output_size, algorithm=algorithm, padding_mode=padding_mode)[0]
    elif layer.batch == 0:
        y = dask_array.from_array(_empty_transposed(layer, x, w, b, algorithm))
    else:
        y = _transposed_graph(layer, x, w, b, algorithm, dask_array)
    return cast("da.Array", y)


def _transposed_graph(layer: ConvTransposePlan, x: Any, w: Any, b: Any, algorithm: str, dask_array: Any) -> Any:
    """The graph of a batched, non-empty call: the tasks, then a padding mode's fold and its bias."""
    folds = layer.padding_mode != "zeros"
    ctype = compute_dtype(x.dtype)
    reads = [transposed_reads(c, ax, crop=not folds) for c, ax in zip(x.chunks[2:], layer.axes)]
    _check_tasks(reads, x)
    # a padding mode folds in the compute dtype (float16 in float32), then rounds once, as tconv does
    dtype = ctype if folds else x.dtype
    piece = _largest(reads, x)
    worst = _recipe(piece, w.shape, None if b is None or folds else b.shape, layer.stride, 0,
                    tuple(max(r.output_padding for r in axis) for axis in reads), layer.groups, layer.dilation,
                    dtype=dtype, algorithm=algorithm)
    stand_in = np.broadcast_to(np.zeros((), dtype), piece)
    w_stand_in = np.broadcast_to(np.zeros((), dtype), w.shape)
    block = (piece[0], layer.out_channels, *(max(r.size for r in axis) for axis in reads))
    _check_task_memory(math.prod(piece) * dtype.itemsize + worst.memory_need(stand_in, w_stand_in), piece,
                       "conv_transpose", block)
    weight_block = _one_chunk(w, dask_array, dtype if dtype != w.dtype else None)
    bias_block = None if folds else _one_chunk(b, dask_array)
    task_layer = _Layer(True, layer.stride, layer.dilation, layer.groups, algorithm,
                        dtype.name if dtype != x.dtype else None, _memory_budget())
    from dask.base import tokenize

    name = "conv_transpose-" + tokenize(x.name, _key(weight_block), _key(bias_block), layer, algorithm)
    y = _graph(name, x, reads, task_layer, layer.out_channels, dtype, weight_block, bias_block)
    if not folds:
        return y
    final = [tuple(r.size for r in transposed_reads(c, ax)) for c, ax in zip(x.chunks[2:], layer.axes)]  # zeros'
    y = _fold(y, [(ax.padding, ax.end_padding) for ax in layer.axes], layer.padding_mode, final)
    if b is not None:
        y = y + _one_chunk(b, dask_array, ctype).reshape((1, -1) + (1,) * layer.nd)
    return y.astype(x.dtype)


def _empty_transposed(layer: ConvTransposePlan, x: Any, w: Any, b: Any, algorithm: str) -> np.ndarray:
    """The empty result of an empty batch, from tconv itself (its rules on the shapes PyTorch accepts)."""
    return _conv_transpose_numpy(np.zeros(x.shape, x.dtype), np.zeros(w.shape, w.dtype),
                                 None if b is None else np.zeros(b.shape, b.dtype), layer.stride, layer.padding,
                                 layer.output_padding, layer.groups, layer.dilation, algorithm=algorithm)


@dataclass(frozen=True)
class _Source:
    """One contiguous run of uncropped cells along one axis and where a padding mode's fold puts it in one output
    block: ``start..stop`` of the uncropped axis onto the block's cells ``at..`` (``how``: "copy" in order,
    "reverse" for reflect's mirror, "sum" onto the one cell ``at`` for replicate)."""

    start: int
    stop: int
    at: int
    how: str


def _fold_sources(c0: int, c1: int, begin: int, end: int, n: int, mode: str) -> tuple[_Source, ...]:
    """What output cells c0..c1−1 (of n, cropped) gather from the uncropped axis of margins (begin, end), as
    :func:`tconv.padding_modes.fold` adds them: the cells themselves, then the margins landing in the block (below:
    uncropped 2, 3 themselves, the begin margin's cell 0 onto cell 1 (its cell 1 goes to cell 2), the end margin
    5, 6 onto 0, 1).

    >>> [(s.start, s.stop, s.at, s.how) for s in _fold_sources(0, 2, 2, 2, 3, "circular")]  # cells 0, 1 of 3
    [(2, 4, 0, 'copy'), (0, 1, 1, 'copy'), (5, 7, 0, 'copy')]
    >>> [(s.start, s.stop, s.at, s.how) for s in _fold_sources(0, 3, 2, 1, 3, "reflect")]
    [(2, 5, 0, 'copy'), (0, 2, 1, 'reverse'), (5, 6, 1, 'reverse')]
    """
    found = [_Source(c0 + begin, c1 + begin, 0, "copy")]

    def onto(t0: int, t1: int, first_source: int, how: str) -> None:
        """Output cells t0..t1−1 (clipped to the block) take the uncropped cells from first_source on (reversed:
        downwards)."""
        lo, hi = max(t0, c0), min(t1, c1)
        if lo >= hi:
            return
        if how == "copy":
            found.append(_Source(first_source + lo - t0, first_source + hi - t0, lo - c0, how))
        else:  # reverse: cell t takes first_source − (t − t0)
            found.append(_Source(first_source - (hi - 1 - t0), first_source - (lo - t0) + 1, lo - c0, how))

    if mode == "circular":
        if begin:
            onto(n - begin, n, 0, "copy")                    # x[n − b + j] was copied to j
        if end:
            onto(0, end, begin + n, "copy")                  # x[j] was copied to b + n + j
    elif mode == "reflect":
        if begin:
            onto(1, begin + 1, begin - 1, "reverse")         # cell j mirrors x[b − j]
        if end:
            onto(n - 1 - end, n - 1, begin + n + end - 1, "reverse")   # x[n − 2 − j]
    elif mode == "replicate":
        if begin and c0 == 0:
            found.append(_Source(0, begin, 0, "sum"))
        if end and c1 == n:
            found.append(_Source(begin + n, begin + n + end, n - 1 - c0, "sum"))
    return tuple(found)


def _fold_task(sources: tuple[tuple[_Source, ...], ...], sizes: tuple[int, ...], where: tuple[tuple[int, ...], ...],
               offsets: tuple[tuple[int, ...], ...], *blocks: np.ndarray) -> np.ndarray:
    """One output block of a padding mode: each combination of the axes' sources (:func:`_fold_sources`) read from
    the uncropped blocks (``where`` their indices per axis, ``offsets`` their first cells) and added on."""
    found = dict(zip(itertools.product(*where), blocks))
    first = blocks[0]
    out = np.zeros(first.shape[:2] + sizes, first.dtype)
    for combo in itertools.product(*sources):
        region = np.empty(first.shape[:2] + tuple(s.stop - s.start for s in combo), first.dtype)
        for index, block in found.items():
            into, source = [slice(None)] * 2, [slice(None)] * 2
            for a, (s, j) in enumerate(zip(combo, index)):
                o = offsets[a][where[a].index(j)]
                lo, hi = max(s.start, o), min(s.stop, o + block.shape[2 + a])
                if lo >= hi:
                    break
                into.append(slice(lo - s.start, hi - s.start))
                source.append(slice(lo - o, hi - o))
            else:
                region[tuple(into)] = block[tuple(source)]
        target = [slice(None)] * 2
        for a, s in enumerate(combo):
            if s.how == "reverse":
                region = np.flip(region, axis=2 + a)
            elif s.how == "sum":
                region = region.sum(axis=2 + a, keepdims=True)
            target.append(slice(s.at, s.at + region.shape[2 + a]))
        out[tuple(target)] += region
    return out


def _fold(z: Any, margins: Sequence[tuple[int, int]], mode: str, chunks: Sequence[Sequence[int]]) -> Any:
    """:func:`tconv.padding_modes.fold` on a dask array, lazily, into ``chunks`` (zeros' output chunks: the input's
    times the stride): one task per output block, reading the uncropped blocks under it and, at the array's true
    ends, the margins that fold onto it (circular's from the opposite end), so the graph stays one task per block."""
    from dask._task_spec import Task, TaskRef
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    name = "fold-" + tokenize(z.name, tuple(margins), mode, tuple(map(tuple, chunks)))
    per_axis = []  # per axis, per output block: (sources, the uncropped blocks they read, their first cells)
    for (begin, end), uncropped, sizes in zip(margins, z.chunks[2:], chunks):
        bounds, n = _boundaries(uncropped), sum(sizes)
        blocks = []
        for c0, c1 in itertools.pairwise(_boundaries(sizes)):
            sources = _fold_sources(c0, c1, begin, end, n, mode)
            read = tuple(j for j in range(len(uncropped)) if uncropped[j] and any(
                bounds[j] < s.stop and bounds[j + 1] > s.start for s in sources))
            blocks.append((sources, read, tuple(bounds[j] for j in read)))
        per_axis.append(blocks)
    tasks: dict[Any, Any] = {}
    for b in range(len(z.chunks[0])):
        for where in itertools.product(*(range(len(c)) for c in chunks)):
            axes = [per_axis[a][i] for a, i in enumerate(where)]
            refs = [TaskRef((z.name, b, 0, *index)) for index in itertools.product(*(r for _, r, _ in axes))]
            key = (name, b, 0, *where)
            tasks[key] = Task(key, _fold_task, tuple(s for s, _, _ in axes),
                              tuple(chunks[a][i] for a, i in enumerate(where)), tuple(r for _, r, _ in axes),
                              tuple(o for _, _, o in axes), *refs)
    graph = HighLevelGraph.from_collections(name, tasks, dependencies=[z])
    return _dask_array().Array(graph, name, (z.chunks[0], z.chunks[1], *map(tuple, chunks)), meta=z._meta)


def conv(
    input: da.Array,
    weight: ArrayLike | da.Array,
    bias: ArrayLike | da.Array | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> da.Array:
    """:func:`tconv.conv` on a dask array: a lazy dask array, one task per input chunk that owns an output cell.

    The parameters are :func:`tconv.conv`'s (note ``dilation`` before ``groups``). Output cell j belongs to the
    chunk holding its window's first cell; its task reads the chunk and the d·(k−1) cells after it. Zero padding
    is added by the tasks at the array's true ends; another padding mode pads the dask array first (``da.pad``,
    whose border chunks join their neighbours). Checked from shapes before anything runs, as
    :func:`conv_transpose` is.

    >>> import numpy as np, dask.array as da, tconv
    >>> x = da.from_array(np.arange(20.0).reshape(1, 2, 10), chunks=(1, 2, 4))
    >>> w = np.arange(12.0).reshape(2, 2, 3)
    >>> z = conv(x, w, stride=2, padding=1, padding_mode="reflect")
    >>> z.chunks                     # the last chunk (2 cells) owns no window: its cells are read by the one before
    ((1,), (2,), (3, 2))
    >>> np.allclose(z.compute(), tconv.conv(x.compute(), w, stride=2, padding=1, padding_mode="reflect"))
    True
    """
    dask_array = _dask_array()
    x = _input(input, dask_array)
    w, b, x_name, b_name = _arrays(x, weight, bias, dask_array)
    plan = plan_conv(x.shape, w.shape, None if b is None else b.shape, stride, padding, dilation, groups,
                     dtype=dtype_name(x.dtype), padding_mode=padding_mode)
    if b_name is not None:
        check_bias_dtype("conv", plan.nd, plan.batch, x_name, b_name)
    _check_channels(x, plan.batched)
    if not plan.batched:
        return cast("da.Array", conv(x[None], weight, bias, stride, padding, dilation, groups,
                                     padding_mode=padding_mode)[0])
    if plan.batch == 0:
        return cast("da.Array", dask_array.from_array(np.zeros(plan.output_shape, x.dtype)))
    if plan.padding_mode == "zeros":
        padded, shifts = x, [ax.pad_begin for ax in plan.axes]
    else:
        padded, shifts = _padded(x, plan, dask_array), [0] * plan.nd
    reads = [conv_reads(c, ax if plan.padding_mode == "zeros" else _valid(ax), shift)
             for c, ax, shift in zip(padded.chunks[2:], plan.axes, shifts)]
    _check_tasks(reads, padded)
    piece = _largest(reads, padded)
    piece_plan = plan_conv(piece, w.shape, None if b is None else b.shape, plan.stride, 0, plan.dilation, plan.groups,
                           dtype=dtype_name(x.dtype))
    stand_in = np.broadcast_to(np.zeros((), x.dtype), piece)
    w_stand_in = np.broadcast_to(np.zeros((), w.dtype), w.shape)
    _check_task_memory(math.prod(piece) * x.dtype.itemsize + conv_memory_need(piece_plan, stand_in, w_stand_in),
                       piece, "conv")
    weight_block, bias_block = _one_chunk(w, dask_array), _one_chunk(b, dask_array)
    task_layer = _Layer(False, plan.stride, plan.dilation, plan.groups, "auto", None, _memory_budget())
    from dask.base import tokenize

    name = "conv-" + tokenize(padded.name, _key(weight_block), _key(bias_block), plan)
    y = _graph(name, padded, reads, task_layer, plan.out_channels, x.dtype, weight_block, bias_block)
    return cast("da.Array", y)


def _valid(ax: ConvAxis) -> ConvAxis:
    """The axis of an input padded already: the same layer without padding."""
    return ConvAxis(ax.padded_size, ax.kernel_size, ax.stride, 0, 0, ax.dilation)


def _padded(x: Any, plan: ConvPlan, dask_array: Any) -> Any:
    """The input padded by the plan's mode (``F.pad``'s, NumPy's names), its new border chunks joined to their
    neighbours so that each output block still follows an input chunk."""
    widths = [(0, 0), (0, 0), *((ax.pad_begin, ax.pad_end) for ax in plan.axes)]
    padded = dask_array.pad(x, widths, mode=_NUMPY_MODE[plan.padding_mode])
    chunks = [x.chunks[0], x.chunks[1]]
    for c, (begin, end) in zip(x.chunks[2:], widths[2:]):
        sizes = list(c)
        sizes[0] += begin
        sizes[-1] += end
        chunks.append(tuple(sizes))
    return padded.rechunk(tuple(chunks))
