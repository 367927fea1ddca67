"""The numba extra's engine (``fused``) against torch and against ``phase``, and tconv without numba.

``fused`` runs ``phase``'s GEMMs and writes their phases with a compiled kernel that only moves values, so it must
equal ``phase`` bit for bit, and torch as every engine does (tests/helpers.assert_close's tolerances per dtype).
Without numba (simulated in a subprocess where ``import numba`` fails) the engine is not listed, ``auto`` picks
``phase`` and is exact. numba compiles the kernel once per dtype and caches it on disk (about a second each the
first time, docs/algorithms.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings

import tconv
from helpers import Case, assert_close, torch_conv_transpose
from strategies import valid_cases
from tconv._extras import install_hint

pytest.importorskip("numba", reason="the numba extra is not installed: pip install 'tconv[numba]'")


def check(case: Case, seed: int = 0) -> None:
    x, w, b = case.arrays(seed)
    actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm="fused")
    same = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm="phase")
    np.testing.assert_array_equal(actual, same)  # the kernel moves BLAS's results: not one bit changes
    assert_close(actual, torch_conv_transpose(x, w, b, case), case)


@settings(max_examples=25)
@given(case=valid_cases(dtypes=(np.float32, np.float64, np.int64, np.complex128)))
def test_fused_equals_phase_and_torch(case: Case) -> None:
    check(case)


# Images of 1,024 cells and more: the GEMM reads the input itself (k == s) or per image, not folded (the small
# images hypothesis draws fold the batch into the GEMM's columns: another layout of the product)
LARGE = {
    "k2 s2 (U-Net)": Case(2, 2, 1, 6, 4, (32, 32), (2, 2), (2, 2), (0, 0), (0, 0), (1, 1), True, np.float32),
    "k4 s2 p1 (DCGAN)": Case(2, 2, 1, 5, 3, (32, 33), (4, 4), (2, 2), (1, 1), (0, 1), (1, 1), True, np.float32),
    "k3 s2 p1 op1, groups": Case(2, 1, 2, 2, 3, (32, 32), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), False,
                                 np.float64),
    "3-D k2 s2": Case(3, 2, 1, 4, 3, (10, 11, 12), (2, 2, 2), (2, 2, 2), (0, 0, 0), (0, 0, 0), (1, 1, 1), True,
                      np.float32),
    "1-D k16 s8 p4": Case(1, 2, 1, 4, 3, (1100,), (16,), (8,), (4,), (0,), (1,), True, np.float32),
    "s3 k5 d2": Case(2, 1, 1, 3, 2, (33, 31), (5, 3), (3, 3), (2, 0), (1, 2), (2, 1), True, np.float64),
}


@pytest.mark.parametrize("case", LARGE.values(), ids=LARGE.keys())
def test_fused_on_large_images(case: Case) -> None:
    check(case)


def test_auto_picks_fused_where_phase_was_picked() -> None:
    from tconv.algorithms import PHASE, choose
    from tconv.params import plan_conv_transpose

    assert PHASE == "fused" and "fused" in tconv.available_algorithms()
    assert choose(plan_conv_transpose((8, 16, 64, 64), (16, 8, 2, 2), stride=2)).NAME == "fused"
    assert choose(plan_conv_transpose((1, 16, 32, 32), (16, 8, 2, 2), stride=2)).NAME == "phase"  # too small


WITHOUT_NUMBA = textwrap.dedent("""
    import json, sys
    sys.modules["numba"] = None  # import numba fails, as where the extra is not installed
    import numpy as np, tconv
    from tconv.algorithms import PHASE, choose, tune
    from tconv.params import plan_conv_transpose
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 64, 64)).astype(np.float32)
    w = rng.standard_normal((6, 4, 2, 2)).astype(np.float32)
    try:
        tconv.conv_transpose(x, w, stride=2, algorithm="fused")
        refused = ""
    except tconv.TconvError as exc:
        refused = str(exc)
    np.save(sys.argv[1], tconv.conv_transpose(x, w, stride=2))
    print(json.dumps({"algorithms": tconv.available_algorithms(), "phase": PHASE, "candidates": tune.CANDIDATES,
                      "auto": choose(plan_conv_transpose(x.shape, w.shape, stride=2)).NAME, "refused": refused}))
""")


def test_without_numba_the_numpy_engines_run_and_are_exact(tmp_path) -> None:
    import torch

    out = tmp_path / "y.npy"
    run = subprocess.run([sys.executable, "-c", WITHOUT_NUMBA, str(out)], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout)
    assert "fused" not in seen["algorithms"] and "fused" not in seen["candidates"]
    assert seen["phase"] == "phase" and seen["auto"] == "phase"
    # known by name, and refused with the command that installs it
    assert seen["refused"] == f"algorithm 'fused' needs numba: {install_hint('numba')}"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 64, 64)).astype(np.float32)
    w = rng.standard_normal((6, 4, 2, 2)).astype(np.float32)
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2).numpy()
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-5, atol=1e-5)


def test_import_tconv_does_not_import_numba_and_the_first_fused_call_does() -> None:
    code = ("import sys, numpy as np, tconv; before = 'numba' in sys.modules; "
            "tconv.conv_transpose(np.ones((1, 2, 4, 4)), np.ones((2, 2, 2, 2)), stride=2, algorithm='fused'); "
            "print(before, 'numba' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "True"]


JIT_DISABLED = textwrap.dedent("""
    import json, sys
    import numpy as np, tconv
    from tconv.algorithms import choose, tune
    from tconv.params import plan_conv_transpose
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 64, 64)).astype(np.float32)    # 2·10**5 outputs: auto's fused, were it compiled
    w = rng.standard_normal((6, 4, 2, 2)).astype(np.float32)
    auto = choose(plan_conv_transpose(x.shape, w.shape, stride=2)).NAME
    numba_after_auto = "numba" in sys.modules                      # asked without importing numba
    small = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    fused = tconv.conv_transpose(*small, stride=2, algorithm="fused")   # named explicitly: still runs (interpreted)
    phase = tconv.conv_transpose(*small, stride=2, algorithm="phase")
    import numba
    print(json.dumps({"algorithms": tconv.available_algorithms(), "candidates": tune.CANDIDATES, "auto": auto,
                      "numba_after_auto": numba_after_auto, "disabled": bool(numba.config.DISABLE_JIT),
                      "auto_after_import": choose(plan_conv_transpose(x.shape, w.shape, stride=2)).NAME,
                      "fused_equals_phase": bool((fused == phase).all())}))
""")


def test_with_numba_jit_disabled_auto_keeps_phase() -> None:
    """NUMBA_DISABLE_JIT=1 runs numba's kernels as interpreted Python (25× slower than phase measured): fused is no
    candidate then, for auto, tuning or available_algorithms; named explicitly it still runs, and equals phase."""
    import os

    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-c", JIT_DISABLED], capture_output=True, text=True, check=True, env=env)
    seen = json.loads(run.stdout)
    assert seen["disabled"] and not seen["numba_after_auto"]
    assert seen["auto"] == seen["auto_after_import"] == "phase"
    assert "fused" not in seen["algorithms"] and "fused" not in seen["candidates"] and "phase" in seen["algorithms"]
    assert seen["fused_equals_phase"]
