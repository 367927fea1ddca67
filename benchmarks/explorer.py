"""Latency of the explorer in Chromium: ``python -m benchmarks.explorer [--url URL] [--rounds N] [--json FILE]``.

From a knob change to the new picture on screen, as a user meets it: Debian's Chromium (Playwright) at
1280 × 800, the page hosted as a static site (``tconv site`` in a temporary folder, served by ``python -m
http.server`` on 127.0.0.1) unless ``--url`` names another explorer (``tconv serve``'s, or an older version's, for
a side-by-side run). For each layer the script sets a knob, dispatches the event the page listens to
(``--event``: ``input`` for this page, ``change`` for pages that render on change), waits until the page says it
is drawn (``#picture[data-ready="1"]``) and for the next painted frame (requestAnimationFrame, then a task), and
reads ``performance.now()`` around all of it; the knob alternates between two values, ``--rounds`` times.

Layers: the default (3 × 3, k3 s2 p1 op1, gather, numbers), an 8 × 8 input with a 4 × 4 kernel, and the largest
layer the explorer draws (16 × 16 input, 7 × 7 kernel, stride 1, padding 1: 400 frames), in the gather and scatter
views. Playing: the 16 × 16 scatter layer at 30 frames per second for ``--play-seconds``, each frame change timed by
a MutationObserver; a frame is dropped when two changes are more than 1.5 periods apart.

Prints a table and, with ``--json``, writes the figures with the machine (lscpu's model and ISA flags).
Results: docs/explorer.md ("Latency in the browser").
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"

LAYERS = [
    ("default 3×3 k3 s2 p1 op1", "mode=transposed&i=3,3&k=3,3&s=2,2&p=1,1&op=1,1&d=1,1&values=1&view=gather", "p0",
     ("1", "0")),
    ("8×8 k4 s2 p1", "mode=transposed&i=8,8&k=4,4&s=2,2&p=1,1&op=0,0&d=1,1&values=1&view=gather", "p0", ("1", "0")),
    ("largest: 16×16 k7 s1 p1, gather (400 frames)",
     "mode=transposed&i=16,16&k=7,7&s=1,1&p=1,1&op=0,0&d=1,1&values=1&view=gather", "p0", ("1", "2")),
    ("largest: 16×16 k7 s1 p1, scatter",
     "mode=transposed&i=16,16&k=7,7&s=1,1&p=1,1&op=0,0&d=1,1&values=1&view=scatter", "p0", ("1", "2")),
]
PLAY = "mode=transposed&i=16,16&k=3,3&s=1,1&p=0,0&op=0,0&d=1,1&values=1&view=scatter&speed=24"

KNOB = """async ([id, value, event]) => {
  const picture = document.querySelector('#picture');
  const done = () => new Promise((resolve) => {
    const check = () => picture.dataset.ready === '1';
    if (check()) { resolve(); return; }
    const seen = new MutationObserver(() => { if (check()) { seen.disconnect(); resolve(); } });
    seen.observe(picture, { attributes: true, attributeFilter: ['data-ready'] });
  });
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const box = document.getElementById(id);
  if (box.value === value) return null;  // no change, nothing to draw
  const t0 = performance.now();
  box.value = value;
  picture.dataset.ready = '0';
  box.dispatchEvent(new Event(event, { bubbles: true }));
  await done();
  await painted();
  return performance.now() - t0;
}"""

PLAYING = """async (seconds) => {
  const counter = document.querySelector('#frame-counter');
  const times = [];
  const seen = new MutationObserver(() => times.push(performance.now()));
  seen.observe(counter, { childList: true, characterData: true, subtree: true });
  document.querySelector('#play').click();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  document.querySelector('#pause').click();
  seen.disconnect();
  return times;
}"""


def machine() -> dict[str, Any]:
    """The CPU (lscpu's model name and its SIMD flags), the OS and Chromium's version."""
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version()}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        info["cpu"] = fields.get("Model name", "").strip()
        info["cpus"] = fields.get("CPU(s)", "").strip()
        flags = fields.get("Flags", "").split()
        info["isa"] = [f for f in ("avx2", "avx512f", "fma") if f in flags]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["chromium"] = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return info


@contextlib.contextmanager
def static_site() -> Iterator[str]:
    """``tconv site`` in a temporary folder, served by http.server on a free port of 127.0.0.1."""
    from tconv.web.site import write_site

    with tempfile.TemporaryDirectory() as root:
        write_site(root)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", root],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def summary(ms: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(ms), 1), "p90": round(sorted(ms)[int(0.9 * (len(ms) - 1))], 1),
            "worst": round(max(ms), 1), "n": len(ms)}


def run(url: str, rounds: int, event: str, play_seconds: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"url": url, "event": event, "layers": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for name, query, knob, values in LAYERS:
            page.goto(f"{url}/?{query}")
            page.wait_for_function("document.querySelector('#picture').dataset.ready === '1'", timeout=60_000)
            for v in values * 2:  # warm-up: the first calls compile the code paths
                page.evaluate(KNOB, [knob, v, event])
            timed = (page.evaluate(KNOB, [knob, values[r % 2], event]) for r in range(rounds + 1))
            ms = [t for t in timed if t is not None][:rounds]
            results["layers"][name] = summary(ms)
            print(f"{name:48} median {results['layers'][name]['median']:7.1f} ms   "
                  f"worst {results['layers'][name]['worst']:7.1f} ms", flush=True)
        if play_seconds > 0:
            page.goto(f"{url}/?{PLAY}")
            page.wait_for_function("document.querySelector('#picture').dataset.ready === '1'", timeout=60_000)
            times = page.evaluate(PLAYING, play_seconds)
            period = 1000 / 30
            gaps = [b - a for a, b in itertools.pairwise(times)]
            dropped = sum(1 for g in gaps if g > 1.5 * period)
            results["play"] = {"layer": "16×16 k3 scatter at 30 fps", "frames": len(times), "seconds": play_seconds,
                               "dropped": dropped, "median_gap_ms": round(statistics.median(gaps), 1) if gaps else None,
                               "worst_gap_ms": round(max(gaps), 1) if gaps else None}
            print(f"playing at 30 fps: {len(times)} frames in {play_seconds} s, {dropped} dropped, "
                  f"worst gap {results['play']['worst_gap_ms']} ms", flush=True)
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explorer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an explorer to measure (default: tconv site, served by http.server)")
    parser.add_argument("--event", default="input", choices=["input", "change"],
                        help="the event a knob sends (input: this page; change: pages that render on change)")
    parser.add_argument("--rounds", type=int, default=40, help="knob changes per layer (default 40)")
    parser.add_argument("--play-seconds", type=float, default=5.0, help="seconds of playing at 30 fps (0: skip)")
    parser.add_argument("--json", help="write the figures and the machine to this file")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(static_site())
        results = run(url.rstrip("/"), args.rounds, args.event, args.play_seconds)
    results["machine"] = machine()
    results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
