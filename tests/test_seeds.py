"""The seeds' worked examples (the five tutorials cited in docs/seeds/README.md), reproduced exactly."""

from __future__ import annotations

import numpy as np
import pytest

import tconv
from helpers import torch

ALGORITHMS = ["auto", *tconv.available_algorithms()]
SEED001_X = np.array([[[[4.0, 4, 3], [0, 3, 4], [2, 3, 2]]]])
SEED001_W = np.array([[[[1.0, 2], [0, 1]]]])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_seed_001_example_1_stride_1(algorithm: str) -> None:
    y = tconv.conv_transpose(SEED001_X, SEED001_W, algorithm=algorithm)
    assert y[0, 0].tolist() == [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_seed_001_example_2_padding_1(algorithm: str) -> None:
    y = tconv.conv_transpose(SEED001_X, SEED001_W, padding=1, algorithm=algorithm)
    assert y[0, 0].tolist() == [[7, 14], [7, 11]]


def test_seed_001_layer_and_torch_agree() -> None:
    layer = tconv.ConvTranspose2d(1, 1, 2, bias=False, dtype=np.float32)
    layer.load_state_dict({"weight": SEED001_W})
    tl = torch.nn.ConvTranspose2d(1, 1, 2, bias=False)
    with torch.no_grad():
        tl.weight.copy_(torch.from_numpy(SEED001_W))
        expected = tl(torch.from_numpy(SEED001_X.astype(np.float32))).numpy()
    np.testing.assert_array_equal(layer(SEED001_X.astype(np.float32)), expected)


# Size examples: (seed, description, function, args, expected)
SIZES = [
    ("000", "conv 4x4, k3 s1 p0 -> 2x2", tconv.conv_output_size, (4, 3, 1, 0), (2,)),
    ("000", "transposed 2x2, k3 s1 p0 -> 4x4", tconv.conv_transpose_output_size, (2, 3, 1, 0), (4,)),
    ("000", "conv 5x5, k3 s2 p1 -> 3x3", tconv.conv_output_size, (5, 3, 2, 1), (3,)),
    ("000", "transposed 3x3, k3 s2 p1 -> 5x5", tconv.conv_transpose_output_size, (3, 3, 2, 1), (5,)),
    ("000", "same conv 6x6, k3 s2 p1 -> 3x3", tconv.conv_output_size, (6, 3, 2, 1), (3,)),
    ("000", "valid conv 7x7, k3 s2 -> 3x3", tconv.conv_output_size, (7, 3, 2, 0), (3,)),
    ("000", "valid conv 8x8, k3 s2 -> 3x3", tconv.conv_output_size, (8, 3, 2, 0), (3,)),
    ("000", "output_padding=1 restores 6 (= 3·stride)", tconv.conv_transpose_output_size, (3, 3, 2, 1, 1), (6,)),
    ("000", "3x3 back up, k3 s2 p1: 5 or 6", tconv.output_size_range, (3, 3, 2, 1), ((5, 6),)),
    ("000", "3x3 back up, k3 s2 p0: 7 or 8", tconv.output_size_range, (3, 3, 2, 0), ((7, 8),)),
    ("002", "conv i=5 k3 s2 p1 -> 3", tconv.conv_output_size, (5, 3, 2, 1), (3,)),
    ("002", "conv i=4 k3 s1 p0 -> 2", tconv.conv_output_size, (4, 3, 1, 0), (2,)),
    ("002", "transposed i'=2 k3 s1 -> 4 (p' = k − p − 1 = 2)", tconv.conv_transpose_output_size, (2, 3, 1, 0), (4,)),
    ("002", "fractionally strided i'=3 k3 s2 p1 -> 5", tconv.conv_transpose_output_size, (3, 3, 2, 1), (5,)),
    ("003", "ConvTranspose2d((3,5), stride=(2,1), padding=(4,2)) on 50x100", tconv.conv_transpose_output_size,
     ((50, 100), (3, 5), (2, 1), (4, 2)), (93, 100)),
    ("003", "downsample 12 -> 6 with k3 s2 p1", tconv.conv_output_size, (12, 3, 2, 1), (6,)),
    ("003", "upsample 6 back to 12 needs output_padding 1", tconv.output_padding_for, (6, 12, 3, 2, 1), (1,)),
    ("004", "relation 6: i=5 k3 s2 p1 -> 3", tconv.conv_output_size, (5, 3, 2, 1), (3,)),
    ("004", "relation 15: i=7 k3 d2 -> 3", tconv.conv_output_size, (7, 3, 1, 0, 2), (3,)),
]


@pytest.mark.parametrize("seed,description,fn,args,expected", SIZES, ids=[f"{s[0]}: {s[1]}" for s in SIZES])
def test_seed_size_examples(seed, description, fn, args, expected) -> None:
    assert fn(*args) == expected


def test_seed_000_equivalent_padding_and_stretched_sizes() -> None:
    """paddingnew = k − p − 1 and Hout_new = Hout + (s−1)(Hout−1); the padded sizes are 6 and 7 (not "7×7 = 6")."""
    (eq,) = tconv.conv_transpose_equivalent(2, 3, 1, 0)
    assert (eq.pad_begin, eq.padded_size) == (2, 6)
    (eq,) = tconv.conv_transpose_equivalent(3, 3, 2, 1)
    assert (eq.stretched_size, eq.pad_begin, eq.padded_size) == (5, 1, 7)
