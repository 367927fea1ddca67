"""tconv's GEMM engines side by side on layers beyond the suite: where ``auto``'s rule for ``accumulate`` comes from.

``python benchmarks/engines.py [--rounds N] [--json FILE]``: every layer times ``phase``, ``stacked`` (stride 1),
``col2im``, ``accumulate``, ``auto`` and torch in turns like ``tconv bench`` (a warm-up of 0.15 s, then the best
of 3 calls; the order shuffled each round, seeded) and prints the medians over the rounds as a Markdown table with
the engine ``auto`` picks. The layers are the shapes the suite's seven do not cover: other kernel/stride pairs,
narrow groups down to depthwise, 3-D and 1-D. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections.abc import Callable

import numpy as np

from benchmarks.timing import turn

#: (name, batch, Cin, Cout, spatial size, kernel, stride, padding, groups, output_padding)
LAYERS = [
    ("k3 s2 p1 op1 128→64 32²", 8, 128, 64, (32, 32), 3, 2, 1, 1, 1),
    ("k5 s2 p2 64→32 64²", 4, 64, 32, (64, 64), 5, 2, 2, 1, 0),
    ("k8 s4 p2 128→64 16²", 8, 128, 64, (16, 16), 8, 4, 2, 1, 0),
    ("k4 s2 p1 256→128 16² N16", 16, 256, 128, (16, 16), 4, 2, 1, 1, 0),
    ("k4 s2 p1 32→32 128² N2", 2, 32, 32, (128, 128), 4, 2, 1, 1, 0),
    ("k4 s2 p1 g2 256→256 16²", 8, 256, 256, (16, 16), 4, 2, 1, 2, 0),
    ("k3 s1 p1 g4 128→128 28²", 8, 128, 128, (28, 28), 3, 1, 1, 4, 0),
    ("k3 s1 p1 depthwise 64 56²", 8, 64, 64, (56, 56), 3, 1, 1, 64, 0),
    ("k4 s2 p1 g8 128→128 32²", 8, 128, 128, (32, 32), 4, 2, 1, 8, 0),
    ("k4 s2 p1 3→16 64²", 8, 3, 16, (64, 64), 4, 2, 1, 1, 0),
    ("k4 s2 p1 16→16 64²", 8, 16, 16, (64, 64), 4, 2, 1, 1, 0),
    ("k5 s1 p2 64→64 2² N64", 64, 64, 64, (2, 2), 5, 1, 2, 1, 0),
    ("k3 s1 p1 64→64 4² N64", 64, 64, 64, (4, 4), 3, 1, 1, 1, 0),
    ("k3 s1 p1 64→64 8² N32", 32, 64, 64, (8, 8), 3, 1, 1, 1, 0),
    ("3-D k4 s2 p1 32→16 16³", 2, 32, 16, (16, 16, 16), 4, 2, 1, 1, 0),
    ("3-D k3 s1 p1 32→32 24³", 2, 32, 32, (24, 24, 24), 3, 1, 1, 1, 0),
    ("1-D k4 s2 p1 512→256 L1024", 4, 512, 256, (1024,), 4, 2, 1, 1, 0),
    ("1-D k3 s1 p1 256→256 L2048", 4, 256, 256, (2048,), 3, 1, 1, 1, 0),
]
ENGINES = ("auto", "phase", "stacked", "col2im", "accumulate")


def main(argv: list[str] | None = None) -> int:
    import torch

    import tconv
    from tconv.algorithms import choose
    from tconv.bench import environment
    from tconv.params import plan_conv_transpose

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=0.15)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    rows = []
    print("| layer | auto picks | " + " | ".join(f"{e} ms" for e in ENGINES) + " | torch ms |")
    print("|---|---|" + "---|" * (len(ENGINES) + 1))
    for k, (name, n, cin, cout, size, kernel, stride, padding, groups, op) in enumerate(LAYERS):
        rng = np.random.default_rng(k)
        x = rng.standard_normal((n, cin, *size), dtype=np.float32)
        w = rng.standard_normal((cin, cout // groups, *(kernel,) * len(size)), dtype=np.float32)
        kw = dict(stride=stride, padding=padding, groups=groups, output_padding=op)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        conv = (torch.nn.functional.conv_transpose1d, torch.nn.functional.conv_transpose2d,
                torch.nn.functional.conv_transpose3d)[len(size) - 1]
        expected = conv(xt, wt, **kw).numpy()
        calls: dict[str, Callable[[], object]] = {"torch": lambda conv=conv, xt=xt, wt=wt, kw=kw: conv(xt, wt, **kw)}
        for engine in ENGINES:
            if engine == "stacked" and stride != 1:
                continue
            calls[engine] = lambda engine=engine, x=x, w=w, kw=kw: tconv.conv_transpose(x, w, **kw, algorithm=engine)
            got = calls[engine]()
            assert np.allclose(got, expected, rtol=1e-4, atol=1e-3 * np.abs(expected).max()), (name, engine)
        times: dict[str, list[float]] = {m: [] for m in calls}
        for r in range(args.rounds):
            order = list(calls)
            random.Random(r).shuffle(order)
            for method in order:
                times[method].append(turn(calls[method], args.warmup))
        ms = {m: statistics.median(t) * 1000 for m, t in times.items()}
        pick = choose(plan_conv_transpose(x.shape, w.shape, **kw, dtype="float32")).NAME
        rows.append({"layer": name, "auto": pick, "ms": ms})
        cells = " | ".join(f"{ms[e]:.2f}" if e in ms else "–" for e in ENGINES)
        print(f"| {name} | {pick} | {cells} | {ms['torch']:.2f} |", flush=True)
    env = environment()
    print("\n" + " · ".join(f"{k} {v}" for k, v in env.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "environment": env}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
