"""Per-call time of small layers whose preparation is cached: this checkout against another one.

``python benchmarks/overhead.py OTHER_SRC [--rounds N]``: each round times both trees in fresh processes
(alternated), each layer the best of 7 × 500 calls, of ``tconv.conv_transpose`` and of a ``ConvTranspose*d``
layer called again on the same input shape (its repeated call); the table gives the medians over the rounds.
``OTHER_SRC`` is the ``src`` folder of another checkout (e.g. ``git worktree add /tmp/old <commit>``).
Results: docs/algorithms.md ("Prepared layers").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, timeit
import numpy as np
import tconv
cases = {
    "2-D 4→4 5² k3 s2 p1 N1": ((1, 4, 5, 5), (4, 4, 3, 3), dict(stride=2, padding=1)),
    "2-D 8→8 8² k3 s1 p1 N2": ((2, 8, 8, 8), (8, 8, 3, 3), dict(stride=1, padding=1)),
    "2-D 16→8 32² k4 s2 p1 N1": ((1, 16, 32, 32), (16, 8, 4, 4), dict(stride=2, padding=1)),
    "3-D 4→2 4³ k2 s2 N1": ((1, 4, 4, 4, 4), (4, 2, 2, 2, 2), dict(stride=2)),
}
rng = np.random.default_rng(0)
out = {}
layers = {1: tconv.ConvTranspose1d, 2: tconv.ConvTranspose2d, 3: tconv.ConvTranspose3d}
for name, (xs, ws, kw) in cases.items():
    x, w = rng.standard_normal(xs, dtype=np.float32), rng.standard_normal(ws, dtype=np.float32)
    layer = layers[len(ws) - 2](ws[0], ws[1], ws[2:], **kw, bias=False, rng=0)
    layer.weight = w
    calls = {"conv_transpose": lambda: tconv.conv_transpose(x, w, **kw), "layer": lambda: layer(x)}
    for kind, call in calls.items():
        call()
        out[f"{name}, {kind}"] = min(timeit.repeat(call, number=500, repeat=7)) / 500 * 1e6
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other_src", help="the src folder of the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.other_src, "after": str(Path(__file__).resolve().parents[1] / "src")}
    runs: dict[str, list[dict[str, float]]] = {tag: [] for tag in trees}
    for _ in range(args.rounds):
        for tag, src in trees.items():
            env = dict(os.environ, PYTHONPATH=src)
            out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
            runs[tag].append(json.loads(out.stdout))
    print("| layer, call | before | after | after / before |\n|---|---|---|---|")
    for name in runs["before"][0]:
        before = statistics.median(r[name] for r in runs["before"])
        after = statistics.median(r[name] for r in runs["after"])
        print(f"| {name} | {before:.0f} µs | {after:.0f} µs | {after / before:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
