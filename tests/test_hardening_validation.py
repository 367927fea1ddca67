"""Validation sizes its arguments before it materializes them (issue 23): lazy ranges, per-axis lists of millions,
broadcast giants and deep lists are refused at once, within a few MiB, with a one-line message of bounded length;
integers given as tensors or 0-d arrays are read as integers everywhere."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tconv
from tconv.errors import MAX_MESSAGE_LENGTH

BUDGET = 50 << 20
X, W = np.ones((1, 1, 5)), np.ones((1, 1, 3))


def _deep(depth: int) -> Any:
    nested: Any = 1
    for _ in range(depth):
        nested = [nested]
    return nested


BIG = np.broadcast_to(1, 10**8)  # 10⁸ elements viewed from one: any read of its values takes seconds and GBs
LONG = [1] * 10**7  # built once, outside the traced calls (80 MB of pointers to one int)

#: (id, call, words the message must hold)
REFUSALS: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
    ("input range(10**8)", lambda: tconv.conv_transpose(range(10**8), W), ("input", "range", "memory budget")),
    ("input range(10**9)", lambda: tconv.conv_transpose(range(10**9), W), ("input", "range", "memory budget")),
    ("input range(10**20)", lambda: tconv.conv_transpose(range(10**20), W), ("input", "memory budget")),
    ("input nested list", lambda: tconv.conv_transpose([[range(10**5)] * 10**3], W), ("input", "memory budget")),
    ("weight range(10**9)", lambda: tconv.conv_transpose(X, range(10**9)), ("weight", "memory budget")),
    ("bias range(10**9)", lambda: tconv.conv_transpose(X, W, range(10**9)), ("bias", "memory budget")),
    ("input generator", lambda: tconv.conv_transpose((v for v in range(10**12)), W), ("input", "generator")),
    ("weight iterator", lambda: tconv.conv_transpose(X, iter(range(10**12))), ("weight", "range_iterator")),
    ("input 3000 deep", lambda: tconv.conv_transpose(_deep(3000), W), ("input",)),
    ("padding list of 10**7", lambda: tconv.conv_transpose_output_size(5, 3, padding=LONG),
     ("padding", "10,000,000 values", "1 to 8")),
    ("padding broadcast 10**8", lambda: tconv.conv_transpose_output_size(5, 3, padding=BIG),
     ("padding", "shape (100000000,)")),
    ("stride range(10**20)", lambda: tconv.conv_transpose_output_size(5, 3, stride=range(10**20)), ("stride",)),
    ("conv padding [1]*10**7", lambda: tconv.conv(X, W, padding=LONG), ("padding", "10,000,000 values")),
    ("conv_transpose padding broadcast", lambda: tconv.conv_transpose(X, W, padding=BIG), ("padding",)),
    ("output_size broadcast", lambda: tconv.conv_transpose(X, W, output_size=BIG), ("output_size",)),
    ("output_size list of 10**7", lambda: tconv.conv_transpose(X, W, output_size=LONG), ("output_size",)),
    ("output_size 3000 deep", lambda: tconv.conv_transpose(X, W, output_size=_deep(3000)), ("output_size",)),
    ("padding 3000 deep", lambda: tconv.conv_transpose_output_size(5, 3, padding=_deep(3000)), ("padding",)),
    ("plan shape broadcast", lambda: tconv.plan(BIG, (1, 1, 3)), ("input shape",)),
    ("solve input_size broadcast", lambda: tconv.solve(BIG, 32), ("input_size",)),
    ("solve kernel_sizes range(10**9)", lambda: tconv.solve(16, 32, kernel_sizes=range(10**9)), ("kernel_sizes",)),
    ("layer padding broadcast", lambda: tconv.ConvTranspose1d(1, 1, 3, padding=BIG), ("padding",)),
    ("stride 2-D array", lambda: tconv.conv_transpose_output_size(5, 3, stride=np.zeros((30, 30))),
     ("stride", "shape (30, 30)")),
]


@pytest.mark.parametrize("call,words", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_huge_and_lazy_arguments_are_refused_before_they_are_read(call: Callable[[], Any],
                                                                  words: tuple[str, ...]) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with tconv.options(memory_budget=BUDGET), pytest.raises(tconv.TconvError) as info:
            call()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    # reading 10⁷ values takes seconds and hundreds of MiB: the refusal looks at lengths and shapes alone
    assert elapsed < 1.0, f"{elapsed:.2f} s: the values were read"
    assert peak < 8 << 20, f"{peak >> 20} MiB traced: the values were read"
    assert "\n" not in message and len(message) <= 300, message
    assert all(word in message for word in words), message


INTEGERS_AS_ARRAYS: list[tuple[str, Callable[[], Any], Any]] = [
    ("solve strides=np.array(2)", lambda: str(tconv.solve(16, 32, strides=np.array(2))[0][0]),
     "kernel_size=4, stride=2, padding=1"),
    ("solve strides=np.int64(2)", lambda: str(tconv.solve(16, 32, strides=np.int64(2))[0][0]),
     "kernel_size=4, stride=2, padding=1"),
    ("options tune=np.bool_(True)", lambda: tconv.options(tune=np.bool_(True)).__enter__().tune, True),
    ("options tune=np.array(False)", lambda: tconv.options(tune=np.array(False)).__enter__().tune, False),
]


@pytest.mark.parametrize("call,expected", [r[1:] for r in INTEGERS_AS_ARRAYS], ids=[r[0] for r in INTEGERS_AS_ARRAYS])
def test_numpy_scalars_are_read_as_their_values(call: Callable[[], Any], expected: Any) -> None:
    assert call() == expected


def test_tensors_are_read_as_their_values() -> None:
    torch = pytest.importorskip("torch")
    assert str(tconv.solve(16, 32, strides=torch.tensor(2))[0][0]) == "kernel_size=4, stride=2, padding=1"
    with tconv.options(tune=torch.tensor(True), threads=torch.tensor(2)) as inside:
        assert (inside.tune, inside.threads) == (True, 2)


@pytest.mark.parametrize("value", ["tensor(2)", "tensor(1.5)", "tensor([1, 0])"])
def test_tune_refuses_tensors_that_are_not_one_bool(value: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(tconv.TconvError, match=r"^tune must be True or False, got tensor"):
        tconv.options(tune=eval(value, {"tensor": torch.tensor})).__enter__()


@pytest.mark.parametrize("strides,match", [
    (2.5, r"^strides must be an integer or an iterable of integers, got 2\.5"),
    (np.array(2.5), r"^strides must be an integer, got array\(2\.5\)"),
    (np.array(0), r"^strides 0 must be at least 1"),
], ids=["float", "0-d float array", "0-d zero"])
def test_solve_refuses_a_bound_that_is_no_integer_by_name(strides: Any, match: str) -> None:
    with pytest.raises(tconv.TconvError, match=match):
        tconv.solve(16, 32, strides=strides)


@pytest.mark.parametrize("message,expected", [
    ("a\nb", "a b"),
    ("an array([[0, 0],\n       [0, 0]]) is refused", "an array([[0, 0], [0, 0]]) is refused"),
    ("x\r\n\r\ny", "x y"),
], ids=["newline", "array repr", "crlf"])
def test_messages_are_folded_onto_one_line(message: str, expected: str) -> None:
    assert str(tconv.TconvError(message)) == expected


def test_long_messages_keep_their_start_and_end() -> None:
    message = "padding " + "[1, " * 10**6 + "] must list at most 8 values"
    shown = str(tconv.TconvError(message))
    assert len(shown) == MAX_MESSAGE_LENGTH and "…" in shown
    assert shown.startswith("padding [1, ") and shown.endswith("] must list at most 8 values")


def test_errors_still_pickle_and_compare_as_value_errors() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(tconv.TconvError("one\ntwo")))
    assert isinstance(error, ValueError) and str(error) == "one two"


@pytest.mark.parametrize("value,expected", [
    (np.broadcast_to(1, 10**8), "an array of shape (100000000,) and dtype int64"),
    (np.zeros((30, 30), np.float32), "an array of shape (30, 30) and dtype float32"),
    (np.zeros((2, 2)), "array([[0., 0.], [0., 0.]])"),
    (_deep(3000), "[[[[...]]]]"),
], ids=["broadcast 10**8", "2-D", "small array", "3000 deep"])
def test_show_abbreviates_by_shape_at_once(value: Any, expected: str) -> None:
    from tconv._axes import show

    start = time.perf_counter()
    assert show(value) == expected
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: tconv.output_padding_for(5, 7, 3, nd=[1]), "nd must be an integer, got [1] (list)"),
    (lambda: tconv.output_padding_for(5, 7, 3, nd=9), "nd 9 is more axes than a layer has: valid range 1..8"),
    (lambda: tconv.plan((1, 1, 3, 3), (1, 1, 2, 2), dtype="2" * 5000), "is not a NumPy dtype"),
    (lambda: tconv.ConvTranspose2d(1, 1, 3, dtype="2" * 5000), "is not a NumPy dtype"),
], ids=["nd-list", "nd-too-many", "plan-dtype-digits", "layer-dtype-digits"])
def test_odd_nd_and_dtype_texts_are_refused_by_name(call, message: str) -> None:
    """NumPy parses a dtype's text as a number and Python refuses 5,000 digits with a SyntaxError."""
    with pytest.raises(tconv.TconvError) as info:
        call()
    assert message in str(info.value) and len(str(info.value)) <= 300
