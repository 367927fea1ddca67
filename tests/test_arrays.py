"""tconv.arrays: the shells' arrays, read from text and files, made up from sizes, given channel axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.arrays import load_array, random_arrays, with_channels, worked_example


@pytest.mark.parametrize("source,expected", [
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[1.5, 2]", [1.5, 2.0]),
    ("7", 7),
], ids=["2-D ints", "1-D floats", "a scalar"])
def test_inline_json(source, expected) -> None:
    assert load_array(source).tolist() == expected


def test_npy_and_json_files(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.arange(6).reshape(2, 3))
    (tmp_path / "w.json").write_text("[[1, 0], [0, 1]]")
    assert load_array(str(tmp_path / "x.npy")).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert load_array(str(tmp_path / "w.json")).tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("source,message", [
    ("[[1,2],[3]]", "--input is not a rectangular array"),
    ("[[1, null]]", "--input must hold numbers"),
    ("{", "--input is neither a .npy/.json file nor valid JSON"),
    ("missing.npy", "--input 'missing.npy' could not be read as .npy"),
    ("[" * 100_000 + "]" * 100_000, "--input is JSON nested too deeply to read"),
], ids=["ragged", "null", "bad JSON", "missing .npy", "too deep"])
def test_refusals_name_the_array(source, message) -> None:
    with pytest.raises(tconv.TconvError, match="^" + message.replace(".", r"\.").replace("[", r"\[")):
        load_array(source, "--input")


def test_worked_example_is_seed_001() -> None:
    x, w = worked_example()
    assert tconv.conv_transpose(x[None], w[None, None]).tolist() == [[[4, 12, 11, 6], [0, 7, 14, 11],
                                                                     [2, 7, 11, 8], [0, 2, 3, 2]]]


@pytest.mark.parametrize("size,kernel,groups,shapes", [
    (3, 2, 1, [(3,), (2,)]),
    ((3, 4), 2, 1, [(3, 4), (2, 2)]),
    ((3, 3), (2, 2), 2, [(2, 3, 3), (2, 1, 2, 2)]),
], ids=["scalar: one axis", "per axis", "groups: channels"])
def test_random_arrays_shapes_ranges_and_seed(size, kernel, groups, shapes) -> None:
    x, w = random_arrays(size, kernel, groups=groups, seed=5)
    assert [x.shape, w.shape] == shapes
    assert x.min() >= 0 and x.max() <= 4 and w.min() >= 1 and w.max() <= 3
    x2, w2 = random_arrays(size, kernel, groups=groups, seed=5)
    assert np.array_equal(x, x2) and np.array_equal(w, w2)


def test_random_arrays_check_the_memory_first() -> None:
    with pytest.raises(tconv.TconvError, match="input_size 100000,100000 with kernel_size 3,3 .random integer "
                                               "arrays. needs about 74.5 GiB"):
        random_arrays((100_000, 100_000), (3, 3))


@pytest.mark.parametrize("x,w,plain,shapes,was_plain", [
    ([[1, 2], [3, 4]], [[1, 0], [0, 1]], False, [(1, 2, 2), (1, 1, 2, 2)], True),
    ([[[1, 2, 3]]], [[[1, 1]]], False, [(1, 1, 3), (1, 1, 2)], False),
    ([[[1, 2], [3, 4]]], [[[1, 0], [0, 1]]], True, [(1, 1, 2, 2), (1, 1, 1, 2, 2)], True),
], ids=["plain kernel", "channel axes", "--plain"])
def test_with_channels(x, w, plain, shapes, was_plain) -> None:
    xx, ww, b, got_plain = with_channels(x, w, plain=plain)
    assert [xx.shape, ww.shape] == shapes and b is None and got_plain is was_plain
