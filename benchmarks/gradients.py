"""tconv's gradients beside torch's autograd on the suite's seven layers: ``tconv.grad.conv_transpose_input`` and
``conv_transpose_weight`` against ``torch.autograd.grad`` of torch's forward, as ratios in one run.

``python benchmarks/gradients.py [--rounds N] [--warmup S] [--only TEXT] [--json FILE]``: for every named layer of
``tconv.bench.LAYERS`` (float32), torch's forward is built once with ``requires_grad`` and its backward timed alone
(``torch.autograd.grad(y, x, dy, retain_graph=True)``, then the same for the weight: one
``convolution_backward`` each, as a training step calls it); tconv's functions are timed on the same arrays. Each
method gets turns as in ``tconv bench`` (untimed calls for ``--warmup`` seconds, then the best of 3 timed calls),
the order shuffled each round (seeded), and the median over the rounds counts. Every result is first checked
against torch's. It prints a Markdown table with the ratios (tconv / torch: below 1, tconv is faster) and the
machine (CPU model, vector ISA, cores, BLAS, versions, date); ``--json`` writes the same. Results:
docs/benchmarks.md ("Gradients"), benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from collections.abc import Callable

import numpy as np

from benchmarks.timing import turn

METHODS = ("tconv input", "torch input", "tconv weight", "torch weight")


def main(argv: list[str] | None = None) -> int:
    import torch

    import tconv
    from tconv.bench import LAYERS, environment
    from tconv.bench.layers import arrays, torch_fn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=0.2)
    parser.add_argument("--only", default="", help="only the layers whose name contains this text")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    rows = []
    print("| layer | input: tconv ms | torch ms | tconv / torch | weight: tconv ms | torch ms | tconv / torch |")
    print("|---|---|---|---|---|---|---|")
    for layer in LAYERS:
        if not layer.named or args.only not in layer.name:
            continue
        x, w = arrays(layer)
        kw = layer.kwargs()
        tx, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
        y = torch_fn(layer)(tx, tw, **kw)
        dy = np.random.default_rng(1).standard_normal(tuple(y.shape), dtype=np.float32)
        tdy = torch.from_numpy(dy)
        calls: dict[str, Callable[[], object]] = {
            "tconv input": lambda x=x, w=w, dy=dy, kw=kw: tconv.grad.conv_transpose_input(x.shape, w, dy, **kw),
            "torch input": lambda y=y, tx=tx, tdy=tdy: torch.autograd.grad(y, tx, tdy, retain_graph=True),
            "tconv weight": lambda x=x, w=w, dy=dy, kw=kw: tconv.grad.conv_transpose_weight(x, w.shape, dy, **kw),
            "torch weight": lambda y=y, tw=tw, tdy=tdy: torch.autograd.grad(y, tw, tdy, retain_graph=True),
        }
        for ours, theirs in (("tconv input", "torch input"), ("tconv weight", "torch weight")):
            got, (expected,) = calls[ours](), calls[theirs]()
            scale = float(np.abs(expected.numpy()).max())
            assert np.allclose(got, expected.numpy(), rtol=1e-4, atol=1e-4 * scale), (layer.name, ours)
        times: dict[str, list[float]] = {m: [] for m in METHODS}
        for r in range(args.rounds):
            order = list(METHODS)
            random.Random(r).shuffle(order)
            for method in order:
                times[method].append(turn(calls[method], args.warmup))
        ms = {m: statistics.median(t) * 1000 for m, t in times.items()}
        ratios = {"input": ms["tconv input"] / ms["torch input"], "weight": ms["tconv weight"] / ms["torch weight"]}
        rows.append({"layer": layer.name, "ms": ms, "ratio": ratios, "macs": layer.macs})
        print(f"| {layer.name} | {ms['tconv input']:.2f} | {ms['torch input']:.2f} | {ratios['input']:.2f} | "
              f"{ms['tconv weight']:.2f} | {ms['torch weight']:.2f} | {ratios['weight']:.2f} |", flush=True)
    geomean = {k: math.exp(statistics.fmean(math.log(row["ratio"][k]) for row in rows)) for k in ("input", "weight")}
    print(f"\ngeometric mean of tconv / torch: input {geomean['input']:.2f}, weight {geomean['weight']:.2f}")
    env = environment()
    print(" · ".join(f"{k} {v}" for k, v in env.items()))
    if args.json:
        settings = {"rounds": args.rounds, "warmup_s": args.warmup, "only": args.only, "torch_threads": 2}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, "geomean": geomean, "settings": settings, "environment": env}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
