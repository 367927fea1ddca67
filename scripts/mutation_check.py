"""Mutation check: break one rule at a time in a copy of ``src/tconv`` and confirm that the tests catch it.

    PYTHONPATH=src python scripts/mutation_check.py [--only TEXT] [--list] [--no-baseline]

Each mutant is one text substitution in one file (an off-by-one, a missing flip, a dropped tap or bias, taps
paired with the wrong shifts, an ignored dilation...), applied to a fresh copy of ``src/tconv`` in a temporary
folder; the tests that guard that rule run against the copy (``PYTHONPATH`` points at it; ``-x``: the first failure
is enough). A
mutant is *killed* when the tests fail, *survived* when they pass, *error* when pytest could not run them (the
substitution not found once, a collection error). First the targeted tests run once against an unmutated copy
(the baseline): a mutant only counts as killed if they pass without it. The working tree is never modified.

It prints a Markdown table (docs/testing.md keeps the latest one) and exits 1 if any mutant survived or erred.
Not part of the pytest suite: it runs each mutant's tests in a subprocess, a few minutes in all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tconv"


def engine_tests(name: str) -> tuple[str, ...]:
    """An engine's parity tests against torch (every dtype, big layers, chunks, threads), this engine only."""
    return ("tests/test_torch_parity.py", "-k", name)


PLAN_TESTS = ("tests/test_shapes.py", "tests/test_torch_parity.py", "-k", "not auto")
SCENE_TESTS = ("tests/test_scene_truth.py",)


@dataclass(frozen=True)
class Mutant:
    name: str  # what rule is broken
    path: str  # relative to src/tconv
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]  # pytest arguments


MUTANTS = (
    Mutant("scatter: a tap lands without its dilation", "algorithms/scatter.py",
           "slice(j * ax.dilation, j * ax.dilation + ax.stride", "slice(j, j + ax.stride", engine_tests("scatter")),
    Mutant("zero_insert: the kernel is not flipped", "algorithms/zero_insert.py",
           "weight = flipped_weight(weight, plan.groups)",
           "weight = flipped_weight(np.flip(weight, axis=tuple(range(2, weight.ndim))), plan.groups)",
           engine_tests("zero_insert")),
    Mutant("matrix: C's pattern ignores dilation", "algorithms/matrix.py",
           "o = i * ax.stride + j * ax.dilation - ax.padding\n        keep",
           "o = i * ax.stride + j - ax.padding\n        keep", engine_tests("matrix")),
    Mutant("col2im: each tap's last input cell is not added (off by one)", "algorithms/col2im.py",
           "i1 = min(L[a], geo.m_hi[a] - q[a] + 1)", "i1 = min(L[a], geo.m_hi[a] - q[a])", engine_tests("col2im")),
    Mutant("phase: a phase's taps paired with the wrong shifts", "algorithms/phase.py",
           "taps = [j for phase_taps in gemm.flat_taps for j in phase_taps]",
           "taps = [j for phase_taps in gemm.flat_taps for j in reversed(phase_taps)]", engine_tests("phase")),
    Mutant("implicit: the summed taps' offsets ignore dilation", "algorithms/implicit.py",
           "offsets = tuple(sum(t[a] * layer.axes[a].dilation * pitch[a]",
           "offsets = tuple(sum(t[a] * pitch[a]", engine_tests("implicit")),
    Mutant("stacked: the stacked taps' windows ignore dilation", "algorithms/implicit.py",
           "= xp[:nb, ..., j * d:j * d + width]", "= xp[:nb, ..., j:j + width]", engine_tests("stacked")),
    Mutant("accumulate: the second shift overwrites the first (β = 0)", "algorithms/accumulate.py",
           "sums, accumulate=k > 0)", "sums, accumulate=k > 1)", engine_tests("accumulate")),
    Mutant("accumulate: narrow groups drop the first shift", "algorithms/accumulate.py",
           "out=total[:, :, :span] if k == 0 else product)", "out=product)", engine_tests("accumulate")),
    Mutant("front end: the bias is dropped", "recipe.py",
           "engine.run(xb, wc, y)\n            if b is not None:\n                y += b",
           "engine.run(xb, wc, y)\n            if b is not None:\n                y += 0 * b",
           ("tests/test_torch_parity.py", "-k", "auto")),
    Mutant("recipe: a weight holding NaN keeps auto's NaN-inexact engine", "algorithms/__init__.py",
           'return Choice(pick, pick if pick.NAME in NAN_EXACT else REGISTRY["col2im"])',
           "return Choice(pick, pick)", ("tests/test_nonfinite.py", "tests/test_recipe.py")),
    Mutant("recipe: a float keys the cache of validated plans", "recipe.py",
           "_KEYED = (int, str, type(None))", "_KEYED = (int, str, float, type(None))", ("tests/test_recipe.py",)),
    Mutant("plan: output_padding left out of the output size", "shapes.py",
           "return self.full_size - 2 * self.padding + self.output_padding",
           "return self.full_size - 2 * self.padding", PLAN_TESTS),
    Mutant("plan: the equivalent convolution pads the end without output_padding", "shapes.py",
           "pad_end = pad_begin + self.output_padding", "pad_end = pad_begin", PLAN_TESTS),
    Mutant("plan: out_channels not multiplied by groups", "params.py",
           "w_in, w_out * groups, groups, dtype)", "w_in, w_out, groups, dtype)", PLAN_TESTS),
    Mutant("scene: the scatter view's kept window off by one", "scene/build.py",
           "window = tuple(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes)\n    roles[window]",
           "window = tuple(slice(ax.padding + 1, ax.padding + 1 + ax.output_size) for ax in plan.axes)\n"
           "    roles[window]", SCENE_TESTS),
    Mutant("scene: the gather view shows the kernel unflipped", "scene/build.py",
           "flipped = np.flip(w)", "flipped = w", SCENE_TESTS),
)


def copy_tree(into: Path) -> Path:
    """A copy of src/tconv under ``into``/src; returns that src folder."""
    src = into / "src"
    shutil.copytree(SRC, src / "tconv", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def run_tests(src: Path, tests: tuple[str, ...]) -> tuple[int, float, str]:
    """pytest's exit status, seconds and the first failed test (or the summary line), the tests importing tconv
    from ``src``."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    # the test that failed first, else pytest's summary line
    failed = [line.split(" - ")[0].removeprefix("FAILED ") for line in lines if line.startswith("FAILED ")]
    last = failed[0] if failed else lines[-1] if lines else done.stderr.strip()[-200:]
    return done.returncode, time.perf_counter() - start, last


def check(mutant: Mutant) -> tuple[str, float, str]:
    """Apply ``mutant`` to a fresh copy and run its tests: (killed | survived | error, seconds, pytest's last line)."""
    with tempfile.TemporaryDirectory(prefix="tconv-mutant-") as tmp:
        src = copy_tree(Path(tmp))
        path = src / "tconv" / mutant.path
        text = path.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            return "error", 0.0, f"the text to replace occurs {text.count(mutant.old)} times in {mutant.path}"
        path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        status, seconds, last = run_tests(src, mutant.tests)
    verdict = {0: "survived", 1: "killed"}.get(status, "error")
    return verdict, seconds, last


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="the mutants whose name contains this text")
    p.add_argument("--list", action="store_true", help="list the mutants and their tests, run nothing")
    p.add_argument("--no-baseline", action="store_true", help="skip the run of the tests without a mutant")
    args = p.parse_args(argv)
    chosen = [m for m in MUTANTS if args.only.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}  [{m.path}]  pytest {' '.join(m.tests)}")
        return 0
    if not args.no_baseline:
        suites = sorted({m.tests for m in chosen})
        with tempfile.TemporaryDirectory(prefix="tconv-baseline-") as tmp:
            src = copy_tree(Path(tmp))
            for tests in suites:
                status, seconds, last = run_tests(src, tests)
                print(f"baseline {' '.join(tests)}: {last} ({seconds:.0f} s)", file=sys.stderr)
                if status != 0:
                    print("the targeted tests fail without a mutant: fix that first", file=sys.stderr)
                    return 2
    rows = []
    for m in chosen:
        verdict, seconds, last = check(m)
        print(f"{verdict:8} {m.name} ({seconds:.0f} s): {last}", file=sys.stderr)
        rows.append((m, verdict, seconds, last))
    print("| mutant (the rule broken) | file | tests run | result: the first test that failed | seconds |")
    print("|---|---|---|---|---|")
    for m, verdict, seconds, last in rows:
        print(f"| {m.name} | `{m.path}` | `{' '.join(m.tests)}` | **{verdict}**: `{last}` | {seconds:.0f} |")
    return 0 if all(verdict == "killed" for _, verdict, _, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
