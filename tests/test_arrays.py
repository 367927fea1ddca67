"""tconv.arrays: the shells' arrays, read from text and files, made up from sizes, given channel axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.arrays import load_array, load_arrays, random_arrays, with_channels, worked_example


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
    ("[]", "--input is empty: give at least one number"),
    ("[[], []]", "--input is empty: give at least one number"),
], ids=["ragged", "null", "bad JSON", "missing .npy", "too deep", "empty", "empty rows"])
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
    assert x.min() >= 0 and x.max() <= 4 and w.min() >= 0 and w.max() <= 3
    x2, w2 = random_arrays(size, kernel, groups=groups, seed=5)
    assert np.array_equal(x, x2) and np.array_equal(w, w2)
    x3, _ = random_arrays(size, kernel, groups=groups, seed=6)
    assert not np.array_equal(x, x3)


def test_every_shell_draws_the_same_numbers_from_a_seed() -> None:
    """tconv explain and compute (tconv.arrays) and animate and the page (tconv.scene.plan) share one generator."""
    from tconv.scene.plan import random_arrays as scene_arrays

    for seed in (0, 7, 2**31 - 1):
        x, w = random_arrays((4, 5), (3, 2), seed=seed)
        sx, sw = scene_arrays((4, 5), (3, 2), seed)
        assert np.array_equal(x, sx) and np.array_equal(w, sw)
    assert random_arrays((2, 3), (2, 2), seed=0)[0].tolist() == [[4, 4, 1], [4, 3, 0]]


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


@pytest.mark.parametrize("sources,dtypes", [
    (("[[1.5, 2]]", "[[1, 2]]", None), ("float64", "float64", None)),
    (("[[1, 2]]", "[[1, 2]]", "[0.5]"), ("int64", "int64", "float64")),
    (("[[1.5, 2]]", "[[1, 2]]", "[1]"), ("float64", "float64", "float64")),
    (("{tmp}/x32.npy", "[[1, 2]]", "[1]"), ("float32", "float32", "float32")),
    (("[[1, 2]]", "{tmp}/w32.npy", None), ("float32", "float32", None)),
    (("{tmp}/x32.npy", "{tmp}/w32.npy", None), ("float32", "float32", None)),
], ids=["JSON floats and ints: float64", "JSON ints, a float bias: the bias keeps float64",
        "JSON floats: the bias follows", "a float32 .npy input: JSON follows it", "a float32 .npy weight",
        "two .npy files"])
def test_load_arrays_applies_the_librarys_rule_for_plain_data(tmp_path: Path, sources, dtypes) -> None:
    """JSON is plain data (a list in Python), so JSON arrays take the dtype the library gives lists."""
    np.save(tmp_path / "x32.npy", np.array([[1.5, 2]], np.float32))
    np.save(tmp_path / "w32.npy", np.array([[1, 2]], np.float32))
    arrays = load_arrays(*(None if s is None else s.replace("{tmp}", str(tmp_path)) for s in sources))
    assert tuple(None if a is None else a.dtype.name for a in arrays) == dtypes
    assert arrays[1].tolist() == [[1, 2]]


def test_load_arrays_keeps_an_npy_files_dtype_and_refuses_a_mix(tmp_path: Path) -> None:
    """Two typed arrays of different dtypes are refused as the library refuses them."""
    np.save(tmp_path / "x.npy", np.array([[1, 2]], np.int64))
    np.save(tmp_path / "w.npy", np.array([[1.5, 2]], np.float64))
    with pytest.raises(tconv.TconvError, match="^input dtype int64 and weight dtype float64 differ"):
        load_arrays(str(tmp_path / "x.npy"), str(tmp_path / "w.npy"))
