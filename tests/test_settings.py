"""Options (threads, chunk size, memory budget) and what a call leaves alone: other threads' settings, BLAS's
thread count; the one cache of prepared layers."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv.algorithms import chunks, prepared
from tconv.params import plan_conv_transpose


def test_defaults_and_layers_of_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """Innermost wins: a with-block over set_options over the environment over the built-in defaults."""
    monkeypatch.delenv("TCONV_THREADS", raising=False)
    monkeypatch.delenv("TCONV_MEMORY_BUDGET", raising=False)
    assert tconv.get_options() == tconv.Options(threads=1, chunk_bytes=4 << 20, memory_budget=None, tune=False,
                                                        blas_threads=None)
    monkeypatch.setenv("TCONV_THREADS", "3")
    monkeypatch.setenv("TCONV_MEMORY_BUDGET", "123456")
    assert (tconv.get_options().threads, tconv.get_memory_budget()) == (3, 123456)
    previous = tconv.set_options(threads=2, memory_budget=5000)
    try:
        assert (tconv.get_options().threads, tconv.get_memory_budget()) == (2, 5000)
        with tconv.options(threads=4) as inside:
            assert inside.threads == 4 and inside.memory_budget == 5000  # the rest from the layers below
            with tconv.options(memory_budget=7000):
                assert (tconv.get_options().threads, tconv.get_memory_budget()) == (4, 7000)
            assert tconv.get_memory_budget() == 5000
        assert tconv.get_options().threads == 2
    finally:
        tconv.set_options(**dataclasses.asdict(previous))
    assert tconv.get_options().threads == 3  # the environment again


def test_set_memory_budget_is_the_memory_budget_option() -> None:
    old = tconv.set_memory_budget(1 << 20)
    try:
        assert tconv.get_options().memory_budget == 1 << 20
        with pytest.raises(tconv.TconvError, match="memory budget of 1.0 MiB"):
            tconv.conv_transpose(np.ones((1, 64, 32, 32), np.float32), np.ones((64, 64, 4, 4), np.float32), stride=2)
        with tconv.options(memory_budget=1 << 30):  # the scoped layer wins over the process-wide one
            assert tconv.conv_transpose(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))).sum() == 16
    finally:
        tconv.set_memory_budget(old)
    assert tconv.get_options().memory_budget == old


@pytest.mark.parametrize("changes,message", [
    (dict(thread=2), "option 'thread' is not known: choose among threads, chunk_bytes, memory_budget, tune, "
                     "blas_threads"),
    (dict(threads=0), "threads 0 must be at least 1"),
    (dict(chunk_bytes=-5), "chunk_bytes -5 must be at least 1"),
    (dict(memory_budget=2.5), r"memory_budget must be an integer, got 2.5 \(float\)"),
    (dict(threads=True), r"threads must be an integer, got True \(bool\)"),
])
def test_bad_options_are_refused_naming_the_option(changes: dict, message: str) -> None:
    with pytest.raises(tconv.TconvError, match=message), tconv.options(**changes):
        pass
    with pytest.raises(tconv.TconvError, match=message):
        tconv.set_options(**changes)
    assert tconv.get_options().threads == 1  # nothing was changed by the refused calls


def test_scoped_options_hold_for_the_calling_thread_only() -> None:
    """A with-block is a contextvars change: another thread running meanwhile keeps its own options."""
    seen: list[int | None] = []
    inside = threading.Event()
    done = threading.Event()

    def other() -> None:
        inside.wait(10)
        seen.append(tconv.get_options().chunk_bytes)
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with tconv.options(chunk_bytes=1234):
        inside.set()
        done.wait(10)
        assert tconv.get_options().chunk_bytes == 1234
    thread.join()
    assert seen == [4 << 20]


@pytest.mark.parametrize("algorithm", ["phase", "col2im", "stacked"])
def test_a_call_never_changes_blas_threads_seen_by_another_thread(algorithm: str) -> None:
    """A thread polls BLAS's thread count while another runs chunked calls with the default options: it never
    sees it change (the opt-in threads option is the one case that sets it)."""
    blas = chunks.blas_controls()
    if blas is None:
        pytest.skip("no OpenBLAS or MKL found in this process")
    get = blas[0]
    before = get()
    seen: set[int] = set()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.add(get())

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((16, 32, 24, 24)), rng.standard_normal((32, 16, 4, 4))
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        calls = 0
        start = time.perf_counter()
        with tconv.options(chunk_bytes=1 << 16):  # many chunks
            kw = dict(padding=1) if algorithm == "stacked" else dict(stride=2, padding=1)
            while calls < 3 or time.perf_counter() - start < 0.5:
                tconv.conv_transpose(x, w, **kw, algorithm=algorithm)
                calls += 1
    finally:
        stop.set()
        poller.join()
    assert seen == {before}
    assert get() == before


def test_opting_in_to_threads_is_the_one_case_that_sets_blas_and_restores_it() -> None:
    blas = chunks.blas_controls()
    if blas is None:
        pytest.skip("no OpenBLAS or MKL found in this process")
    get, _ = blas
    before = get()
    seen: list[int] = []

    def body(b0: int, b1: int, scratch: dict) -> None:
        seen.append(get())

    with tconv.options(threads=2):
        chunks.for_chunks(4, 1, body)
    assert seen == [1, 1, 1, 1]
    assert get() == before
    seen.clear()
    chunks.for_chunks(4, 1, body)  # the default: the calling thread, BLAS untouched
    assert seen == [before] * 4


@given(batch=st.integers(1, 9), dtype=st.sampled_from(["float32", "float64", "float16"]),
       algorithm=st.sampled_from(["phase", "col2im", "scatter", "zero_insert", "matrix"]))
def test_one_prepared_entry_per_layer_whatever_the_batch_or_dtype(batch: int, dtype: str, algorithm: str) -> None:
    plan = plan_conv_transpose((batch, 6, 7, 5), (6, 2, 3, 3), stride=2, padding=1, groups=2, dtype=dtype)
    reference = plan_conv_transpose((1, 6, 7, 5), (6, 2, 3, 3), (4,), stride=2, padding=1, groups=2)
    assert prepared(algorithm, plan) is prepared(algorithm, reference)
    other = plan_conv_transpose((batch, 6, 7, 5), (6, 2, 3, 3), stride=2, padding=0, groups=2, dtype=dtype)
    assert prepared(algorithm, other) is not prepared(algorithm, plan)


def test_prepared_layers_are_reused_across_calls() -> None:
    from tconv.algorithms import cache_clear, cache_info

    cache_clear()
    x, w = np.ones((2, 4, 6, 6), np.float32), np.ones((4, 3, 4, 4), np.float32)
    first = tconv.conv_transpose(x, w, stride=2, padding=1)
    second = tconv.conv_transpose(np.ones((5, 4, 6, 6)), w.astype(np.float64), stride=2, padding=1)
    info = cache_info()
    assert (info.misses, info.hits) == (1, 1)
    np.testing.assert_array_equal(second[:2], first)


def test_growing_the_threads_option_replaces_the_pool_without_leaking_threads() -> None:
    """Each larger ``threads`` value makes a larger pool; the smaller one is shut down, not left idle."""
    import re
    import threading
    import time

    from tconv.algorithms import chunks

    def tconv_threads() -> int:  # the chunk pool's threads only ("tconv_0", ...; not the web's or the GIF's)
        return sum(re.fullmatch(r"tconv_\d+", t.name) is not None for t in threading.enumerate())

    x, w = np.ones((8, 4, 6, 6)), np.ones((4, 4, 3, 3))
    for n in range(2, 7):
        with tconv.options(threads=n, chunk_bytes=1):
            tconv.conv_transpose(x, w, algorithm="phase")
    if chunks.blas_controls() is None:  # no settable BLAS: the chunks ran on the calling thread
        assert tconv_threads() == 0
        return
    deadline = time.time() + 5
    while tconv_threads() > 6 and time.time() < deadline:
        time.sleep(0.05)
    assert tconv_threads() <= 6  # at most the largest pool's workers


@pytest.mark.parametrize("n", [2**32 + 1, 2**31, 2**40, 10**9, 4097])
@pytest.mark.parametrize(("field", "env", "words"), [
    # BLAS takes a C int: 2**32 + 1 arrived as 1 thread, and OpenBLAS capped 10**9 at 64, both silently
    ("blas_threads", "TCONV_BLAS_THREADS", "more BLAS threads than tconv sets"),
    # tconv's pool starts one OS thread per chunk up to it: 10**9 was accepted, and a large batch would have
    # started thousands of threads
    ("threads", "TCONV_THREADS", "more threads than tconv starts"),
])
def test_thread_counts_past_any_machine_are_refused_not_truncated(n: int, field: str, env: str, words: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for call in (lambda: tconv.options(**{field: n}).__enter__(), lambda: tconv.set_options(**{field: n})):
        with pytest.raises(tconv.TconvError, match=rf"^{field} {n} is {words}: valid range 1\.\.4096"):
            call()
    monkeypatch.setenv(env, str(n))
    with pytest.raises(tconv.TconvError, match=rf"^{env} {n} is {words}: valid range 1\.\.4096"):
        tconv.get_options()
    monkeypatch.setenv(env, "4096")  # the bound itself is accepted
    assert getattr(tconv.get_options(), field) == 4096
    with tconv.options(**{field: 4096}) as inside:
        assert getattr(inside, field) == 4096
