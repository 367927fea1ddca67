"""Every algorithm equals torch 2.13.0 on random 1-3D configurations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tconv
from helpers import Case, assert_close, torch, torch_conv_transpose
from strategies import valid_cases

ALGORITHMS = ["auto", *tconv.available_algorithms()]
STRIDE_1_ONLY = ("implicit", "stacked")


def refuses_by_design(case: Case, algorithm: str) -> bool:
    """'implicit' and 'stacked' compute stride 1 only; elsewhere they must refuse, saying so (the other engines
    take everything)."""
    return algorithm in STRIDE_1_ONLY and any(s != 1 for s in case.stride)


def check_case(case: Case, algorithm: str, seed: int = 0) -> None:
    x, w, b = case.arrays(seed)
    if refuses_by_design(case, algorithm):
        with pytest.raises(tconv.TconvError, match="computes stride 1 only"):
            tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
        return
    expected = torch_conv_transpose(x, w, b, case)
    actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    assert_close(actual, expected, case)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(case=valid_cases())
def test_equals_torch_float64(algorithm: str, case: Case) -> None:
    check_case(case, algorithm)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(case=valid_cases(dtypes=(np.float32,)))
def test_equals_torch_float32(algorithm: str, case: Case) -> None:
    check_case(case, algorithm)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(case=valid_cases(dtypes=(np.int64,)))
def test_equals_torch_int64_exactly(algorithm: str, case: Case) -> None:
    """torch's CPU path computes int64 exactly; so must every algorithm (assert_close is exact for ints)."""
    check_case(case, algorithm)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(case=valid_cases(dtypes=(np.float16,), max_size=4))
def test_float16_result_dtype_and_values(algorithm: str, case: Case) -> None:
    """float16 in, float16 out, accumulated in float32: compare with torch's float32 result rounded to float16."""
    if refuses_by_design(case, algorithm):
        return check_case(case, algorithm)
    x, w, b = case.arrays()
    expected = torch_conv_transpose(
        x.astype(np.float32), w.astype(np.float32), None if b is None else b.astype(np.float32), case
    )
    actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    assert actual.dtype == np.float16
    np.testing.assert_allclose(actual.astype(np.float32), expected, rtol=2e-3, atol=2e-2)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_complex128(algorithm: str) -> None:
    stride, op = ((1, 1), (0, 1)) if algorithm in STRIDE_1_ONLY else ((2, 1), (1, 0))  # op < max(stride, dilation)
    case = Case(2, 2, 2, 2, 3, (3, 4), (3, 2), stride, (1, 0), op, (1, 2), True, np.complex128)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3, 4)) + 1j * rng.standard_normal((2, 4, 3, 4))
    w = rng.standard_normal((4, 3, 3, 2)) + 1j * rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    expected = torch_conv_transpose(x, w, b, case)
    actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    assert actual.dtype == np.complex128
    np.testing.assert_allclose(actual, expected, atol=1e-10)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(case=valid_cases(), data=st.data())
def test_output_size_like_module_forward(algorithm: str, case: Case, data: st.DataObject) -> None:
    """output_size (spatial, or with the leading dims) resolves exactly as nn.ConvTranspose*d.forward does."""
    if refuses_by_design(case, algorithm):
        return check_case(case, algorithm)
    lo = [
        (L - 1) * s - 2 * p + d * (k - 1) + 1
        for L, s, p, d, k in zip(case.input_size, case.stride, case.padding, case.dilation, case.kernel_size)
    ]
    # output_size only reaches output_padding < stride; some dilated cases need more to keep one cell
    assume(all(m + s - 1 >= 1 for m, s in zip(lo, case.stride)))
    wanted = [data.draw(st.integers(max(1, m), m + s - 1)) for m, s in zip(lo, case.stride)]
    x, w, b = case.arrays()
    full = data.draw(st.booleans())
    lead = list(x.shape[: x.ndim - case.nd])
    output_size = lead + wanted if full else wanted
    expected = torch_conv_transpose(x, w, b, case, output_size=output_size)
    actual = tconv.conv_transpose(x, w, b, **case.kwargs(), output_size=output_size, algorithm=algorithm)
    assert_close(actual, expected, case)
    assert list(actual.shape[-case.nd :]) == wanted


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_rank_specific_functions(nd: int) -> None:
    """conv_transpose{1,2,3}d equal torch's functional form and refuse weights of another rank."""
    case = Case(nd, 2, 1, 2, 2, (3,) * nd, (2,) * nd, (2,) * nd, (1,) * nd, (1,) * nd, (1,) * nd, True)
    x, w, b = case.arrays()
    fn = getattr(tconv, f"conv_transpose{nd}d")
    assert_close(fn(x, w, b, **case.kwargs()), torch_conv_transpose(x, w, b, case), case)
    other = getattr(tconv, f"conv_transpose{nd % 3 + 1}d")
    with pytest.raises(
        tconv.TconvError, match=f"weight for conv_transpose{nd % 3 + 1}d must have {nd % 3 + 3} dimensions"
    ):
        other(x, w, b)


def test_zero_batch_gives_empty_output_of_the_right_shape() -> None:
    x = np.zeros((0, 4, 5, 5))
    w = np.ones((4, 2, 3, 3))
    y = tconv.conv_transpose(x, w, stride=2)
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    assert y.shape == tuple(expected.shape) == (0, 2, 11, 11)


def test_lists_and_tensors_are_accepted() -> None:
    tx = torch.arange(6.0).reshape(1, 2, 3)
    tw = torch.ones(2, 1, 2)
    y = tconv.conv_transpose(tx, tw, stride=2)
    np.testing.assert_array_equal(y, torch.nn.functional.conv_transpose1d(tx, tw, stride=2).numpy())
    assert tconv.conv_transpose([[1, 2, 3]], [[[1.0, 1.0, 1.0]]], stride=2).tolist() == [[1, 1, 3, 2, 5, 3, 3]]


def test_output_padding_cells_hold_real_values_and_bias() -> None:
    """semantics §1.2: x=[1,2,3], w=[1,1,1], s=2 (values verified against torch in the notes)."""
    x, w = np.array([[[1.0, 2, 3]]]), np.array([[[1.0, 1, 1]]])
    assert tconv.conv_transpose(x, w, stride=2)[0, 0].tolist() == [1, 1, 3, 2, 5, 3, 3]
    assert tconv.conv_transpose(x, w, stride=2, padding=1)[0, 0].tolist() == [1, 3, 2, 5, 3]
    assert tconv.conv_transpose(x, w, stride=2, padding=1, output_padding=1)[0, 0].tolist() == [1, 3, 2, 5, 3, 3]
    assert tconv.conv_transpose(x, w, stride=2, output_padding=1)[0, 0].tolist() == [1, 1, 3, 2, 5, 3, 3, 0]
    assert tconv.conv_transpose(x, w, [10.0], stride=2, output_padding=1)[0, 0].tolist() == [
        11,
        11,
        13,
        12,
        15,
        13,
        13,
        10,
    ]


@given(case=valid_cases(dtypes=(np.float32,)))
def test_auto_never_picks_a_refused_or_inexact_path(case: Case) -> None:
    """auto's choice accepts the plan (its memory estimate does not refuse), is a fast engine, and is exact."""
    from tconv.algorithms import TINY_STRIDE_1, accumulates, choose, prepared
    from tconv.params import plan_conv_transpose

    x, w, b = case.arrays()
    plan = plan_conv_transpose(x.shape, w.shape, None if b is None else b.shape, **case.kwargs(), dtype="float32")
    name = choose(plan).NAME
    assert name in ("stacked", "col2im", "phase", "fused", "accumulate")
    assert prepared(name, plan).workspace_bytes(plan.batch, 4) >= 0  # would raise TconvError if it refused the plan
    stride_1 = all(s == 1 for s in case.stride)
    tiny = int(np.prod(case.input_size)) < TINY_STRIDE_1
    assert (name == "stacked") == (stride_1 and not tiny and not accumulates(plan))
    assert_close(
        tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=name), torch_conv_transpose(x, w, b, case), case
    )


def test_engines_refuse_huge_strides_cheaply() -> None:
    """Every engine's memory estimate is cheap even for absurd strides (it never walks all s^d phases), so the
    front end refuses the 4.9M × 4.9M output at once."""
    import time

    x, w = np.ones((1, 1, 50, 50), np.float32), np.ones((1, 1, 3, 3), np.float32)
    for name in ("auto", "phase", "col2im", "scatter", "accumulate"):
        start = time.perf_counter()
        with pytest.raises(tconv.TconvError, match="memory budget"):
            tconv.conv_transpose(x, w, stride=100_000, algorithm=name)
        assert time.perf_counter() - start < 1.0, name


@pytest.mark.parametrize("algorithm", ["col2im", "phase", "implicit", "stacked", "accumulate"])
@given(case=valid_cases(unbatched=False), batch=st.integers(2, 5), cache=st.sampled_from([1, 300, 2000]))
def test_batch_chunks_equal_torch(algorithm: str, case: Case, batch: int, cache: int) -> None:
    """The fast engines process the batch in cache-sized chunks; tiny caches force several chunks, a last
    partial one and reused buffers, which must give torch's numbers just the same."""
    from dataclasses import replace

    case = replace(case, batch=batch)
    with tconv.options(chunk_bytes=cache):
        check_case(case, algorithm, seed=batch)


@given(batch=st.integers(1, 200), chunk=st.integers(1, 64), count=st.integers(1, 8))
def test_chunks_cover_the_batch_balanced(batch: int, chunk: int, count: int) -> None:
    """Every image in exactly one chunk, none over ``chunk`` images, sizes within one image of each other, and
    a number of chunks that the threads share evenly (unless there are fewer images than that)."""
    from tconv.algorithms.chunks import chunk_bounds

    bounds = chunk_bounds(batch, chunk, count)
    sizes = np.diff(bounds)
    assert bounds[0] == 0 and bounds[-1] == batch and sizes.min() >= 1
    assert sizes.max() <= chunk and sizes.max() - sizes.min() <= 1
    assert len(sizes) >= -(-batch // chunk)
    assert len(sizes) % count == 0 or len(sizes) == batch


def _chunked_layer() -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(5)
    return rng.standard_normal((6, 8, 20, 20)), rng.standard_normal((8, 4, 3, 3)), dict(stride=2, padding=1)


@pytest.mark.parametrize("algorithm", ["col2im", "phase", "stacked", "implicit", "accumulate"])
def test_threads_restore_blas_and_agree_with_one_thread(algorithm: str) -> None:
    """Chunks shared among threads (the opt-in: BLAS single-threaded meanwhile) give the one-thread numbers (to
    rounding: a BLAS may split its sums differently by thread count), and BLAS's thread count is what it was
    afterwards."""
    from tconv.algorithms import chunks

    x, w, kw = _chunked_layer()
    blas = chunks.blas_controls()
    before = blas[0]() if blas else None
    kwargs = dict(padding=1) if algorithm in STRIDE_1_ONLY else kw
    with tconv.options(chunk_bytes=20_000, threads=1):  # several chunks
        single = tconv.conv_transpose(x, w, **kwargs, algorithm=algorithm)
    with tconv.options(chunk_bytes=20_000, threads=3):
        threaded = tconv.conv_transpose(x, w, **kwargs, algorithm=algorithm)
    np.testing.assert_allclose(threaded, single, rtol=0, atol=1e-12)
    if blas:
        assert blas[0]() == before


def test_concurrent_calls_from_user_threads() -> None:
    """Calls from several user threads at once (only one may hold the parallel section; the others run their
    chunks on their own thread) all give torch's numbers."""
    from concurrent.futures import ThreadPoolExecutor

    x, w, kw = _chunked_layer()
    case = Case(2, 6, 1, 8, 4, (20, 20), (3, 3), (2, 2), (1, 1), (0, 0), (1, 1), False)
    expected = torch_conv_transpose(x, w, None, case)

    def call(i: int) -> np.ndarray:
        with tconv.options(chunk_bytes=20_000, threads=2 if i % 2 else 1):  # options are per thread
            return tconv.conv_transpose(x, w, **kw, algorithm="phase")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(call, range(8)))
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-10)


def test_tconv_threads_environment_caps_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from tconv.algorithms import chunks

    monkeypatch.setenv("TCONV_THREADS", "1")
    assert chunks.workers(10) == 1
    monkeypatch.setenv("TCONV_THREADS", "3")
    assert chunks.workers(10) == (3 if chunks.blas_controls() else 1)
    assert chunks.workers(2) == (2 if chunks.blas_controls() else 1)
    x, w, kw = _chunked_layer()
    for bad in ("lots", "0", "-2"):
        monkeypatch.setenv("TCONV_THREADS", bad)
        with pytest.raises(
            tconv.TconvError, match=f"TCONV_THREADS '{bad}' must be a whole number of threads, 1..4096"
        ):
            tconv.conv_transpose(x, w, **kw)


BIG_LAYERS = [  # hand-picked sizes that reach the paths small random cases cannot (each compared with torch)
    Case(2, 2, 1, 8, 4, (40, 40), (2, 2), (2, 2), (0, 0), (0, 0), (1, 1), True),  # phase reads x directly (k == s)
    Case(2, 2, 1, 8, 4, (40, 40), (2, 2), (2, 2), (0, 0), (1, 0), (1, 1), True),  # ... with uncovered cells
    Case(3, 2, 2, 2, 3, (12, 12, 12), (2, 2, 2), (2, 2, 2), (0, 0, 0), (0, 0, 0), (1, 1, 1), False),  # 3-D, groups
    Case(2, 3, 1, 16, 2, (6, 6), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), True),  # folded small images
    Case(2, 2, 1, 4, 4, (36, 36), (3, 3), (1, 1), (1, 1), (0, 0), (1, 1), True),  # stride 1, several chunks
    Case(1, 3, 1, 8, 8, (300,), (5,), (1,), (2,), (0,), (2,), True),  # stride 1, 1-D, dilated
]


@pytest.mark.parametrize("algorithm", ["auto", "col2im", "phase", "implicit", "stacked", "accumulate"])
@pytest.mark.parametrize(
    "case",
    BIG_LAYERS,
    ids=lambda c: f"{c.nd}d-k{c.kernel_size[0]}s{c.stride[0]}-L{c.input_size[0]}-op{c.output_padding[0]}",
)
def test_big_layers_equal_torch(algorithm: str, case: Case) -> None:
    check_case(case, algorithm, seed=7)


def test_threads_after_fork_and_errors_in_workers() -> None:
    """A forked child computes with fresh threads (the parent's pool does not exist there), and an error in one
    worker reaches the caller only after every worker has finished."""
    import multiprocessing
    import time
    import warnings

    from tconv.algorithms import chunks

    x, w, kw = _chunked_layer()
    previous = tconv.set_options(chunk_bytes=20_000, threads=2)  # process-wide: the forked child inherits them
    try:
        parent = tconv.conv_transpose(x, w, **kw, algorithm="phase")  # creates the pool in this process
        with warnings.catch_warnings():  # Python ≥ 3.12 warns about fork() in a process with threads: the point here
            warnings.simplefilter("ignore", DeprecationWarning)
            # JAX, when an earlier test (the bench's JAX row) imported it, warns that it is multithreaded too
            warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
            with multiprocessing.get_context("fork").Pool(1) as pool:
                child = pool.apply_async(tconv.conv_transpose, (x, w), dict(kw, algorithm="phase")).get(timeout=60)
        np.testing.assert_array_equal(child, parent)
    finally:
        tconv.set_options(**dataclasses.asdict(previous))

    finished = []

    def body(b0: int, b1: int, scratch: dict) -> None:
        if b0 == 0:
            raise ValueError("chunk 0 failed")
        time.sleep(0.05)
        finished.append(b0)

    with tconv.options(threads=4):
        if chunks.workers(4) > 1:  # the worker that takes chunk 0 stops at its error; the others take the rest
            with pytest.raises(ValueError, match="chunk 0 failed"):
                chunks.for_chunks(4, 1, body)
            assert sorted(finished) == [1, 2, 3]
