"""tconv.dask: transposed convolution and convolution on dask arrays equal tconv's on the computed NumPy array, for
every chunking (1-cell chunks, chunks smaller than the halo, uneven last chunks, a chunked batch) and every
parameter, on the threaded scheduler and on a dask.distributed LocalCluster of two worker processes; refusals
come before any task runs; the weight is one key of the graph."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import tconv
from helpers import assert_close
from strategies import valid_cases, valid_conv_cases
from tconv._extras import install_hint

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
from dask.delayed import Delayed  # noqa: E402

import tconv.dask as tdask  # noqa: E402  (after dask is known to be there)

MODES = ["zeros", "zeros", "circular", "reflect", "replicate"]


@st.composite
def chunking(draw: st.DrawFn, size: int) -> tuple[int, ...]:
    """A partition of ``size`` cells: one chunk, 1-cell chunks, or random cuts (uneven, often smaller than a
    halo)."""
    kind = draw(st.sampled_from(["whole", "ones", "cuts", "cuts"]))
    if kind == "whole" or size <= 1:
        return (size,)
    if kind == "ones":
        return (1,) * size
    cuts = sorted(draw(st.sets(st.integers(1, size - 1), min_size=1, max_size=size - 1)))
    return tuple(b - a for a, b in zip([0, *cuts], [*cuts, size]))


def _chunks(draw: st.DrawFn, shape: tuple[int, ...], nd: int) -> tuple[tuple[int, ...], ...]:
    """Chunks for an input of ``shape``: the channels in one chunk, every other axis drawn."""
    lead = len(shape) - nd
    batch = (draw(chunking(shape[0])),) if lead == 2 else ()
    return (*batch, (shape[lead - 1],), *(draw(chunking(n)) for n in shape[lead:]))


@st.composite
def transposed_calls(draw: st.DrawFn) -> dict[str, Any]:
    """A transposed convolution PyTorch accepts (or, with a padding mode, one tconv may refuse: then both refuse
    alike), with its arguments and a chunking of its input."""
    case = draw(valid_cases(dtypes=(np.float64, np.float64, np.float32, np.int64, np.float16), max_size=6))
    x, w, b = case.arrays(seed=draw(st.integers(0, 3)))
    kwargs: dict[str, Any] = case.kwargs()
    form = draw(st.sampled_from(["ints", "ints", "output_size", "same", "valid"]))
    if form == "output_size":
        try:  # the sizes output_padding can give (none where padding leaves nothing without it)
            ranges = tconv.output_size_range(case.input_size, case.kernel_size, case.stride, case.padding,
                                             case.dilation)
        except tconv.TconvError:
            ranges = None
        if ranges:
            kwargs["output_size"] = tuple(draw(st.integers(max(lo, 1), hi)) for lo, hi in ranges)
            kwargs["output_padding"] = 0
    elif form in ("same", "valid"):
        kwargs["padding"], kwargs["output_padding"] = form, 0
    kwargs["padding_mode"] = draw(st.sampled_from(MODES))
    return dict(x=x, w=w, b=b, kwargs=kwargs, chunks=_chunks(draw, x.shape, case.nd), case=case)


@st.composite
def conv_calls(draw: st.DrawFn) -> dict[str, Any]:
    case = draw(valid_conv_cases())
    rng = np.random.default_rng(draw(st.integers(0, 3)))
    x, w = rng.standard_normal(case["x_shape"]), rng.standard_normal(case["w_shape"])
    b = rng.standard_normal(case["w_shape"][0]) if case["bias"] else None
    kwargs = dict(case["kwargs"], padding_mode=draw(st.sampled_from(MODES)))
    return dict(x=x, w=w, b=b, kwargs=kwargs, chunks=_chunks(draw, x.shape, case["nd"]))


def _check_transposed(call: dict[str, Any]) -> None:
    """tconv.dask gives tconv's result (or tconv's refusal, word for word, before any task runs)."""
    x, w, b, kwargs = call["x"], call["w"], call["b"], call["kwargs"]
    lazy = da.from_array(x, chunks=call["chunks"])
    note(f"x {x.shape} {x.dtype} chunks {call['chunks']} w {w.shape} bias {b is not None} {kwargs}")
    try:
        expected = tconv.conv_transpose(x, w, b, **kwargs)
    except tconv.TconvError as exc:
        with pytest.raises(tconv.TconvError) as refused:
            tdask.conv_transpose(lazy, w, b, **kwargs)
        assert str(refused.value) == str(exc)
        return
    y = tdask.conv_transpose(lazy, w, b, **kwargs)
    assert y.shape == expected.shape and y.dtype == expected.dtype
    # output blocks follow the input chunks, at most one per input chunk, a padding mode's as zeros' (its margins
    # fold into the blocks at the ends)
    nd = call["case"].nd
    assert all(len(out) <= len(inp) for out, inp in zip(y.chunks[-nd:], lazy.chunks[-nd:]))
    if kwargs["padding_mode"] != "zeros":
        zeros = tdask.conv_transpose(lazy, w, b, **{**kwargs, "padding_mode": "zeros"})
        assert y.chunks == zeros.chunks
    assert_close(y.compute(), expected, call["case"])


@given(call=transposed_calls())
def test_conv_transpose_equals_tconv_on_every_chunking(call: dict[str, Any]) -> None:
    with dask.config.set(scheduler="threads"):
        _check_transposed(call)


@given(call=conv_calls())
def test_conv_equals_tconv_on_every_chunking(call: dict[str, Any]) -> None:
    x, w, b, kwargs = call["x"], call["w"], call["b"], call["kwargs"]
    lazy = da.from_array(x, chunks=call["chunks"])
    try:
        expected = tconv.conv(x, w, b, **kwargs)
    except tconv.TconvError as exc:
        with pytest.raises(tconv.TconvError) as refused:
            tdask.conv(lazy, w, b, **kwargs)
        assert str(refused.value) == str(exc)
        return
    with dask.config.set(scheduler="threads"):
        z = tdask.conv(lazy, w, b, **kwargs).compute()
    assert z.dtype == expected.dtype
    np.testing.assert_allclose(z, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["circular", "reflect", "replicate"])
def test_a_padding_mode_keeps_zeros_chunks_and_a_graph_of_its_size(mode: str) -> None:
    """The output chunks are the input's times the stride whatever the mode (zarr stores them as they are: an
    irregular chunking made .to_zarr warn and rechunk), and the fold adds one task per block, not a few per border
    cut: 32 cells in chunks of 8, stride 2, padding 1 once gave chunks (1, 1, 13, 16, 16, 14, 1, 1) and 4,161 tasks
    against zeros' 129. The direct convolution's padded input keeps zeros' chunks too."""
    x = np.random.default_rng(2).standard_normal((1, 2, 32, 32, 32))
    w, b = np.random.default_rng(3).standard_normal((2, 3, 3, 3, 3)), np.arange(3.0)
    lazy = da.from_array(x, chunks=(1, 2, 8, 8, 8))
    zeros = tdask.conv_transpose(lazy, w, b, stride=2, padding=1)
    y = tdask.conv_transpose(lazy, w, b, stride=2, padding=1, padding_mode=mode)
    assert y.chunks == zeros.chunks == ((1,), (3,), *([(16, 16, 16, 15)] * 3))
    assert len(y.__dask_graph__()) <= 2 * len(zeros.__dask_graph__())
    with dask.config.set(scheduler="threads"):
        np.testing.assert_allclose(y.compute(), tconv.conv_transpose(x, w, b, stride=2, padding=1, padding_mode=mode),
                                   rtol=1e-12, atol=1e-12)
    wc = w.transpose(1, 0, 2, 3, 4).copy()
    z = tdask.conv(lazy, wc, b, stride=2, padding=1, padding_mode=mode)
    assert z.chunks == tdask.conv(lazy, wc, b, stride=2, padding=1).chunks
    np.testing.assert_allclose(z.compute(scheduler="threads"),
                               tconv.conv(x, wc, b, stride=2, padding=1, padding_mode=mode), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["zeros", "circular", "reflect", "replicate"])
def test_a_3d_volume_in_one_cell_chunks_with_every_parameter(mode: str) -> None:
    """The hardest chunking: every input cell its own chunk, so that each task reads several blocks before it
    (dilation 2, kernel 3, stride 2: a halo of 2 cells), with groups, bias, padding and output_padding."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 4, 3, 5)), rng.standard_normal((4, 3, 3, 2, 3)), rng.standard_normal(6)
    kwargs = dict(stride=(2, 1, 3), padding=(2, 1, 1), output_padding=(1, 0, 2), groups=2, dilation=(2, 2, 1),
                  padding_mode=mode)
    lazy = da.from_array(x, chunks=(1, 4, 1, 1, 1))
    with dask.config.set(scheduler="threads"):
        y = tdask.conv_transpose(lazy, w, b, **kwargs).compute()
    np.testing.assert_allclose(y, tconv.conv_transpose(x, w, b, **kwargs), rtol=1e-12, atol=1e-12)


def test_an_unbatched_input_and_a_dask_weight_and_bias() -> None:
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 7, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    lazy = da.from_array(x, chunks=(3, 2, 3))
    y = tdask.conv_transpose(lazy, da.from_array(w, chunks=1), da.from_array(b, chunks=1), stride=2, padding=1)
    np.testing.assert_allclose(y.compute(scheduler="threads"), tconv.conv_transpose(x, w, b, stride=2, padding=1),
                               rtol=1e-12, atol=1e-12)
    z = tdask.conv(lazy, da.from_array(w.transpose(1, 0, 2, 3), chunks=1), None, padding="same")
    np.testing.assert_allclose(z.compute(scheduler="threads"), tconv.conv(x, w.transpose(1, 0, 2, 3), None,
                                                                          padding="same"), rtol=1e-12, atol=1e-12)


def test_an_empty_batch() -> None:
    y = tdask.conv_transpose(da.zeros((0, 2, 4), chunks=(1, 2, 2)), np.ones((2, 3, 3)), stride=2)
    assert y.shape == (0, 3, 9) and y.compute().shape == (0, 3, 9)


def test_output_chunks_are_the_input_chunks_times_the_stride() -> None:
    """Regular input chunks give regular output chunks (zarr stores them without a rechunk), the crop included."""
    x = da.ones((1, 2, 12, 10), chunks=(1, 2, 4, 3))
    assert tdask.conv_transpose(x, np.ones((2, 2, 4, 4)), stride=2, padding=1).chunks[2:] == ((8, 8, 8), (6, 6, 6, 2))
    assert tdask.conv_transpose(x, np.ones((2, 2, 3, 3)), stride=3, padding="same").chunks[2:] == (
        (12, 12, 12), (9, 9, 9, 3))


def test_one_task_per_output_block_and_the_weight_once() -> None:
    """The graph: one task per input chunk (minus the blocks the crop empties), none of them holding the weight;
    the weight and the bias are each one key."""
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal(3)  # 1.2 KB of weight
    lazy = da.from_array(rng.standard_normal((2, 2, 12, 10)), chunks=(1, 2, 4, 3))
    y = tdask.conv_transpose(lazy, w, b, stride=2, padding=1)
    graph = dict(y.__dask_graph__())
    tasks = [k for k in graph if k[0] == y.name]
    assert len(tasks) == 2 * 3 * 4 == y.npartitions
    holding = [k for k, v in graph.items() if isinstance(v, np.ndarray) and v.shape == w.shape
               and np.array_equal(v, w)]
    assert len(holding) == 1
    assert sum(isinstance(v, np.ndarray) and np.array_equal(v, b) for v in graph.values()) == 1
    # no task carries an array: each pickles to a few hundred bytes, less than the weight
    assert max(len(pickle.dumps(graph[k])) for k in tasks) < w.nbytes


def test_a_task_receives_its_block_and_only_the_halo_of_its_neighbours() -> None:
    """A 3-D layer whose halo is one cell on each side (k4 s2 p1) on 8³ chunks: each task reads its own block whole
    and, of each of its up to 26 neighbours, only the shell its stamps reach, cut where that block lives (one
    _borders task per block), so that a worker receives a halo, not whole blocks."""
    rng = np.random.default_rng(5)
    x = da.from_array(rng.standard_normal((1, 2, 24, 24, 24)), chunks=(1, 2, 8, 8, 8))
    w = rng.standard_normal((2, 2, 4, 4, 4))
    y = tdask.conv_transpose(x, w, stride=2, padding=1)
    graph = dict(y.__dask_graph__())
    tasks = {k: graph[k] for k in graph if k[0] == y.name}
    borders = {k: graph[k] for k in graph if k[0] == f"{y.name}-borders"}
    assert len(tasks) == 27 and len(borders) == 27  # one task per output block, one cut per input block
    computed = dict(zip(borders, dask.compute(*(Delayed(k, graph) for k in borders), scheduler="sync")))
    shell = max(sum(part.size for part in parts.values()) for parts in computed.values())
    assert shell < 8**3 * 2  # all its neighbours' halos together hold fewer cells than the block itself
    for key, task in tasks.items():
        whole = [d for d in task.dependencies if d[0] == x.name]
        assert whole == [(x.name, 0, 0, *key[3:])]  # its own block, and no other whole block
    assert_close(y.compute(scheduler="sync"), tconv.conv_transpose(x.compute(), w, stride=2, padding=1))


# ---------------------------------------------------------------------------------------------------------------
# refusals, before any task runs
# ---------------------------------------------------------------------------------------------------------------


def test_refusals_say_what_to_do() -> None:
    w = np.ones((4, 1, 3))
    with pytest.raises(tconv.TconvError, match=r"input must be a dask array .*dask.array.from_array"):
        tdask.conv_transpose(np.ones((1, 4, 8)), w)
    with pytest.raises(tconv.TconvError, match=r"channel axis \(axis 1, 4 channels\) is split into 2 chunks; .*"
                                               r"input.rechunk\(\{1: -1\}\)"):
        tdask.conv_transpose(da.ones((1, 4, 8), chunks=(1, 2, 4)), w)
    with pytest.raises(tconv.TconvError, match=r"channel axis \(axis 0, 4 channels\) .*input.rechunk\(\{0: -1\}\)"):
        tdask.conv(da.ones((4, 8), chunks=(1, 4)), np.ones((2, 4, 3)))
    x = da.ones((1, 4, 8), chunks=(1, 4, 3))
    with pytest.raises(tconv.TconvError, match="chunks of unknown size .*compute_chunk_sizes"):
        tdask.conv_transpose(x[:, :, x[0, 0] > 0], w)  # a mask makes the sizes unknown
    with pytest.raises(tconv.TconvError, match="input dtype int32 is not supported"):
        tdask.conv_transpose(x.astype(np.int32), w)
    with pytest.raises(tconv.TconvError, match="input dtype float64 and weight dtype float32 differ"):
        tdask.conv_transpose(x, da.ones((4, 1, 3), dtype=np.float32))
    with pytest.raises(tconv.TconvError, match=r"bias must be 1-dimensional with 1 elements"):
        tdask.conv_transpose(x, w, np.ones(2))


def test_refusals_are_tconvs_own() -> None:
    """The parameters are checked by the library's own validator: the same message as for NumPy."""
    x, w = np.ones((1, 4, 8)), np.ones((4, 1, 3))
    for kwargs in (dict(stride=0), dict(output_padding=3, stride=2), dict(padding=5, padding_mode="reflect"),
                   dict(groups=3), dict(output_size=(40,)), dict(padding="sideways")):
        with pytest.raises(tconv.TconvError) as numpy_refusal:
            tconv.conv_transpose(x, w, **kwargs)
        with pytest.raises(tconv.TconvError) as dask_refusal:
            tdask.conv_transpose(da.from_array(x, chunks=(1, 4, 3)), w, **kwargs)
        assert str(dask_refusal.value) == str(numpy_refusal.value)


def test_too_many_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tdask, "MAX_TASKS", 10)
    with pytest.raises(tconv.TconvError, match=r"make 16 tasks, more than tconv.dask builds \(10\): use larger"):
        tdask.conv_transpose(da.ones((2, 1, 8), chunks=(1, 1, 1)), np.ones((1, 1, 3)))


def test_without_dask_the_message_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.array", None)  # import dask.array raises ImportError
    with pytest.raises(tconv.TconvError) as refused:
        tdask.conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)))
    assert str(refused.value) == f"tconv.dask needs dask: {install_hint('dask')}"
    assert "'dask[array]>=" in str(refused.value) and "'distributed>=" in str(refused.value)


# ---------------------------------------------------------------------------------------------------------------
# memory: a task larger than the budget is refused when the graph is built, and each task has its own guard
# ---------------------------------------------------------------------------------------------------------------


def test_a_task_beyond_the_budget_is_refused_from_the_shapes() -> None:
    x = da.ones((1, 8, 4096), chunks=(1, 8, 4096))  # one chunk: one task with a 256 KiB input, 2 MiB output
    with tconv.options(memory_budget=1 << 20):
        with pytest.raises(tconv.TconvError, match=r"one task of tconv.dask.conv_transpose \(an input piece of shape "
                                                   r"\[1, 8, 4096\], an output block of shape \[1, 8, 16384\]\) "
                                                   r"needs about .* memory budget of 1.0 MiB"):
            tdask.conv_transpose(x, np.ones((8, 8, 4)), stride=4)
        # a huge stride makes a huge output block of a small chunk: the message shows it (it said only the piece)
        with pytest.raises(tconv.TconvError, match=r"input piece of shape \[1, 1, 4, 4\], an output block of "
                                                   r"shape \[1, 1, 4000000000, 4000000000\]\) needs about"):
            tdask.conv_transpose(da.ones((1, 1, 32, 32), chunks=(1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=10**9)
        y = tdask.conv_transpose(x.rechunk((1, 8, 512)), np.ones((8, 8, 4)), stride=4)  # smaller chunks pass
        assert float(y[0, 0, 100:103].sum().compute(scheduler="threads")) == 3 * 8


def test_each_task_runs_under_its_own_guard() -> None:
    """A task checks the budget where it runs: here a process-wide budget set after the graph was built (the
    threaded scheduler's workers see it); a budget the caller had set when building is carried into each task."""
    x = da.ones((1, 8, 4096), chunks=(1, 8, 2048))
    y = tdask.conv_transpose(x, np.ones((8, 8, 4)), stride=4)
    with tconv.options(memory_budget=64 << 20):
        carried = tdask.conv_transpose(x, np.ones((8, 8, 4)), stride=4)
    previous = tconv.set_options(memory_budget=1 << 20)
    try:
        with pytest.raises(tconv.TconvError, match="conv_transpose to output shape .* memory budget of 1.0 MiB"):
            y.compute(scheduler="threads")
        assert float(carried[0, 0, :8].sum().compute(scheduler="threads")) == 8 * 8
    finally:
        tconv.set_options(memory_budget=previous.memory_budget)


# ---------------------------------------------------------------------------------------------------------------
# dask.distributed: two worker processes
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       memory_limit="1GiB")
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@settings(max_examples=6)
@given(call=transposed_calls())
def test_on_a_local_cluster(client: Any, call: dict[str, Any]) -> None:
    _check_transposed(call)  # the client is the default scheduler while it is open


def test_a_scattered_weight_on_a_local_cluster(client: Any) -> None:
    """The weight scattered to every worker once, then named by each task (as docs/dask.md shows)."""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 4, 6, 5, 4)), rng.standard_normal((4, 2, 2, 3, 3)), rng.standard_normal(4)
    weight = da.from_delayed(client.scatter(w, broadcast=True), w.shape, w.dtype)
    lazy = da.from_array(x, chunks=(1, 4, 2, 3, 1))
    y = tdask.conv_transpose(lazy, weight, b, stride=2, padding=1, output_padding=1, groups=2)
    expected = tconv.conv_transpose(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
    np.testing.assert_allclose(client.compute(y).result(), expected, rtol=1e-12, atol=1e-12)
    x2, w2 = x[:, :, 0], weight[:, :, 0].transpose(1, 0, 2, 3)
    z = tdask.conv(da.from_array(x2, chunks=(1, 4, 2, 3)), w2, stride=2, padding=1, padding_mode="reflect")
    np.testing.assert_allclose(z.compute(), tconv.conv(x2, w[:, :, 0].transpose(1, 0, 2, 3), stride=2, padding=1,
                                                       padding_mode="reflect"), rtol=1e-12, atol=1e-12)


def test_a_wrong_shape_and_dtype_together_are_refused_as_numpy_refuses_them() -> None:
    """Both checks fail here: tconv.dask says what tconv.conv_transpose and tconv.conv say, word for word (the dtypes
    first, as tconv reads the arrays before planning)."""
    x = np.ones((1, 2, 8, 8), np.float32)
    lazy = da.from_array(x, chunks=(1, 2, 4, 4))
    for numpy_call, dask_call, w in ((tconv.conv_transpose, tdask.conv_transpose, np.ones((3, 1, 3, 3))),
                                     (tconv.conv, tdask.conv, np.ones((1, 3, 3, 3))),
                                     (tconv.conv_transpose, tdask.conv_transpose, np.ones((3, 1, 3, 3), np.float32))):
        with pytest.raises(tconv.TconvError) as expected:
            numpy_call(x, w)
        with pytest.raises(tconv.TconvError) as refused:
            dask_call(lazy, w)
        assert str(refused.value) == str(expected.value)
