"""Record TensorFlow, Keras and JAX transposed convolutions, for tests/test_frameworks.py.

Run it with the real libraries (from PyPI: tensorflow-cpu, keras, jax) to regenerate the committed recordings:

    python -m venv /tmp/fw && /tmp/fw/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 jax==0.10.2 numpy
    /tmp/fw/bin/python scripts/record_frameworks.py tests/data/frameworks

It writes ``frameworks.json`` (each case: the framework, its arguments, the library versions, and the output
shape or the error it raised) and ``frameworks.npz`` (inputs and outputs, float32). Cases are random but seeded,
so a rerun with the same versions writes the same files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

# JAX 0.10.2 aborts the process on some base-dilated convolutions in its algebraic simplifier (notes §4).
os.environ.setdefault("XLA_FLAGS", "--xla_disable_hlo_passes=algsimp")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Keras is recorded on its JAX backend: the JAX and torch backends agree on every case, while the TensorFlow
# backend also refuses dilation (TF's CPU kernels) and some even kernels with 'same' (notes §3.2).
os.environ.setdefault("KERAS_BACKEND", "jax")


def tf_cases(rng: np.random.Generator, n: int) -> list[dict]:
    cases = []
    for _ in range(n):
        nd = int(rng.integers(1, 3))
        L = [int(v) for v in rng.integers(1, 5, nd)]
        k = [int(v) for v in rng.integers(1, 5, nd)]
        s = [int(v) for v in rng.integers(1, 4, nd)]
        cin, cout = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        kind = str(rng.choice(["SAME", "VALID", "explicit"]))
        if kind == "SAME":
            out = [li * si - int(rng.integers(0, 2)) for li, si in zip(L, s)]
            padding = "SAME"
        elif kind == "VALID":
            out = [(li - 1) * si + ki + int(rng.integers(0, si)) for li, si, ki in zip(L, s, k)]
            padding = "VALID"
        else:
            pads = [[int(rng.integers(0, 3)), int(rng.integers(0, 3))] for _ in range(nd)]
            out = [max(1, (li - 1) * si + ki - lo - hi + int(rng.integers(0, si))) for li, si, ki, (lo, hi) in zip(L, s, k, pads)]
            padding = [[0, 0], *pads, [0, 0]]
        if rng.random() < 0.1:  # a size TF refuses
            out = [o + 5 for o in out]
        cases.append({"framework": "tf", "x_shape": [2, *L, cin], "w_shape": [*k, cout, cin],
                      "args": {"output_shape": [2, *out, cout], "strides": s, "padding": padding}})
    return cases


def keras_cases(rng: np.random.Generator, n: int) -> list[dict]:
    cases = []
    for _ in range(n):
        nd = int(rng.integers(1, 3))
        L = [int(v) for v in rng.integers(1, 5, nd)]
        k = [int(v) for v in rng.integers(1, 5, nd)]
        dilated = rng.random() < 0.25
        s = [1] * nd if dilated else [int(v) for v in rng.integers(1, 4, nd)]
        d = [int(v) for v in rng.integers(1, 3, nd)] if dilated else [1] * nd
        padding = str(rng.choice(["same", "valid"]))
        op = None if rng.random() < 0.5 else [int(rng.integers(0, si)) for si in s]
        cin, cout = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        cases.append({"framework": "keras", "x_shape": [2, *L, cin], "w_shape": [*k, cout, cin], "b_shape": [cout],
                      "args": {"strides": s, "padding": padding, "output_padding": op, "dilation_rate": d}})
    return cases


def jax_cases(rng: np.random.Generator, n: int) -> list[dict]:
    cases = []
    for _ in range(n):
        nd = int(rng.integers(1, 3))
        L = [int(v) for v in rng.integers(1, 5, nd)]
        k = [int(v) for v in rng.integers(1, 5, nd)]
        s = [int(v) for v in rng.integers(1, 4, nd)]
        d = [int(v) for v in rng.integers(1, 3, nd)]
        cin, cout = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        kind = str(rng.choice(["SAME", "VALID", "explicit"]))
        padding = kind if kind != "explicit" else [[int(rng.integers(-1, 4)), int(rng.integers(-1, 4))] for _ in range(nd)]
        transpose_kernel = bool(rng.random() < 0.5)
        channels_first = bool(rng.random() < 0.3)
        letters = {1: "H", 2: "HW"}[nd]
        if channels_first:
            dn = ["NC" + letters, "OI" + letters, "NC" + letters]
            x_shape = [2, cin, *L]
            w_shape = [cin, cout, *k] if transpose_kernel else [cout, cin, *k]
        else:
            dn = None
            x_shape = [2, *L, cin]
            w_shape = [*k, cout, cin] if transpose_kernel else [*k, cin, cout]
        cases.append({"framework": "jax", "x_shape": x_shape, "w_shape": w_shape,
                      "args": {"strides": s, "padding": padding, "rhs_dilation": d, "dimension_numbers": dn,
                               "transpose_kernel": transpose_kernel}})
    return cases


def run(case: dict, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    fw, a = case["framework"], case["args"]
    if fw == "tf":
        import tensorflow as tf

        return tf.nn.conv_transpose(x, w, a["output_shape"], a["strides"], a["padding"]).numpy()
    if fw == "keras":
        import keras

        nd = x.ndim - 2
        layer_cls = {1: keras.layers.Conv1DTranspose, 2: keras.layers.Conv2DTranspose}[nd]
        layer = layer_cls(w.shape[nd], w.shape[:nd], strides=a["strides"], padding=a["padding"],
                          output_padding=a["output_padding"], dilation_rate=a["dilation_rate"])
        layer.build(x.shape)
        layer.set_weights([w, b])
        return np.asarray(layer(x))
    import jax

    dn = None if a["dimension_numbers"] is None else tuple(a["dimension_numbers"])
    pad = a["padding"] if isinstance(a["padding"], str) else [tuple(p) for p in a["padding"]]
    return np.asarray(jax.lax.conv_transpose(x, w, a["strides"], pad, rhs_dilation=a["rhs_dilation"],
                                             dimension_numbers=dn, transpose_kernel=a["transpose_kernel"]))


def versions() -> dict[str, str]:
    out = {}
    for name in ("tensorflow", "keras", "jax"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    out["keras_backend"] = os.environ["KERAS_BACKEND"]
    return out


def record(cases: list[dict], seed: int = 7) -> tuple[list[dict], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for i, case in enumerate(cases):
        x = rng.standard_normal(case["x_shape"]).astype(np.float32)
        w = rng.standard_normal(case["w_shape"]).astype(np.float32)
        b = rng.standard_normal(case["b_shape"]).astype(np.float32) if "b_shape" in case else None
        arrays[f"{i}_x"], arrays[f"{i}_w"] = x, w
        if b is not None:
            arrays[f"{i}_b"] = b
        try:
            y = run(case, x, w, b)
            arrays[f"{i}_y"] = y.astype(np.float32)
            case["output_shape"] = list(y.shape)
        except Exception as exc:  # the framework refused: record that it did
            case["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    return cases, arrays


def main(argv: list[str]) -> int:
    target = Path(argv[1] if len(argv) > 1 else "tests/data/frameworks")
    rng = np.random.default_rng(2026)
    cases = tf_cases(rng, 40) + keras_cases(rng, 40) + jax_cases(rng, 40)
    cases, arrays = record(cases)
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{target}.json").write_text(json.dumps({"versions": versions(), "cases": cases}, indent=1) + "\n")
    np.savez_compressed(f"{target}.npz", **arrays)
    refused = sum("error" in c for c in cases)
    print(f"recorded {len(cases)} cases ({refused} refused by their framework) to {target}.json/.npz", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
