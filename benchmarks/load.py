"""Load test of the explorer's server, on loopback only: ``python -m benchmarks.load [options]``.

It starts the server (a subprocess running uvicorn on 127.0.0.1, a free port), watches its memory (the server's
RSS summed with its children's, every 0.2 s: the server is killed if the sum passes ``--rss-cap``), and runs two
scenarios with a small HTTP/1.1 client written on asyncio (standard library only, keep-alive connections, so the
client costs little CPU beside the server):

1. the mix: ``--requests`` requests (2000) from ``--concurrency`` clients (32) over /api/shape, /api/scene,
   /api/scene.svg, /api/scene.gif, /api/explain and /api/overlap, ``--maximal`` of them (5 %) at the largest
   configurations the limits allow (some accepted, some refused by the frame, product or cell limits);
2. the scene loop: ``--loop-clients`` clients (4) ask for the largest scene again and again (``seed`` varies, so
   the cache does not answer) while one client asks /api/shape ``--shape-requests`` times (200), one at a time.

Figures: failures (5xx other than 503, timeouts, broken connections), 503 count, p50/p99 latency per endpoint and
overall, requests per second, the server's memory peak and 5 s after the mix; for the loop, /api/shape p50/p99.
Every run is bounded: ``--timeout`` per request, ``--duration`` per scenario (requests not sent by then are
counted as not sent). ``--json FILE`` also writes the figures. Results: docs/explorer.md ("Load").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SERVER = """
import json, sys
import uvicorn
from tconv.web.app import create_app
uvicorn.run(create_app(**json.loads(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""

ENDPOINTS = ["shape", "scene", "scene.svg", "scene.gif", "explain", "overlap"]

#: The largest configurations within the request limits (LIMITS in tconv.web.app), per endpoint. Accepted: 400
#: frames (20 × 20 outputs) from a 16 × 16 input and a 7 × 7 kernel, in each view; the largest walkthrough; the
#: largest heatmap (67 × 67). Refused by the library: 625, 1,156 and 9,409 frames, 47,089 products, matrices of
#: 102,400 entries, heatmaps of 3499 × 3499.
MAXIMAL: dict[str, list[dict[str, str]]] = {
    "shape": [{"i": "16", "k": "7", "s": "6", "p": "16,0", "d": "4", "op": "5", "os": "64,64"},
              {"i": "16", "k": "7", "s": "6", "d": "4"}],
    "scene": [
        {"i": "16", "k": "7", "s": "1", "p": "1", "values": "true"},
        {"i": "16", "k": "7", "s": "1", "p": "1", "view": "scatter", "values": "true"},
        {"mode": "conv", "i": "16", "k": "7", "p": "5", "values": "true"},
        {"i": "16", "k": "7", "s": "2", "p": "6", "values": "true"},
        {"i": "16", "k": "7", "s": "3", "p": "9"},
        {"i": "16", "k": "7", "s": "6", "values": "true"},
    ],
    "explain": [
        {"i": "16", "k": "7", "s": "1", "p": "1", "view": "gather"},
        {"i": "16", "k": "7", "s": "1", "p": "1", "view": "scatter", "lang": "zh"},
        {"i": "16", "k": "7", "s": "2", "p": "3", "view": "gather"},
        {"i": "16", "k": "7", "s": "1", "p": "1", "view": "matrix"},
    ],
    "overlap": [
        {"i": "16", "k": "7", "s": "4", "layers": "1"},
        {"i": "16", "k": "7", "s": "1", "layers": "4"},
        {"i": "16", "k": "7", "s": "6", "layers": "4"},
        {"i": "16", "k": "7", "s": "3", "layers": "2"},
    ],
}
MAXIMAL["scene.svg"] = MAXIMAL["scene"]
MAXIMAL["scene.gif"] = MAXIMAL["scene"]

#: The scene of the loop scenario: the largest accepted one.
LARGEST_SCENE = MAXIMAL["scene"][0]


def ordinary(rng: random.Random, endpoint: str) -> dict[str, str]:
    """A configuration someone exploring would pick: small sizes, a few seeds (some queries repeat, as when a
    user returns to a view), and some that the library refuses (padding too large, output_padding too large)."""
    q = {"i": str(rng.choice([3, 4, 5, 6, 8])), "k": str(rng.choice([2, 3, 4, 5])), "s": str(rng.choice([1, 2, 3])),
         "p": str(rng.choice([0, 1, 2])), "seed": str(rng.randrange(4))}
    if rng.random() < 0.2:
        q["op"] = "1"
    if endpoint.startswith("scene"):
        q["view"] = rng.choice(["equivalent", "scatter"])
        q["values"] = rng.choice(["true", "false"])
    elif endpoint == "explain":
        q["view"] = rng.choice(["gather", "scatter", "matrix"])
        q["lang"] = rng.choice(["en", "zh"])
    elif endpoint == "overlap":
        q["layers"] = str(rng.choice([1, 2]))
    return q


def plan(count: int, maximal: float, seed: int) -> list[tuple[str, str, bool]]:
    """The mix: (endpoint, path with query, maximal?) in sending order."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        endpoint = rng.choice(ENDPOINTS)
        big = rng.random() < maximal
        query = dict(rng.choice(MAXIMAL[endpoint])) if big else ordinary(rng, endpoint)
        out.append((endpoint, f"/api/{endpoint}?" + "&".join(f"{k}={v}" for k, v in query.items()), big))
    return out


# --- a minimal HTTP/1.1 client: GET, keep-alive, Content-Length bodies (what uvicorn answers) ---


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], int]:
        """Status, headers and body length; reconnects when the server closed the connection."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
            assert self.reader is not None
            try:
                self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            length = int(headers.get("content-length", "0"))
            remaining = length
            while remaining:
                chunk = await self.reader.read(min(remaining, 1 << 20))
                if not chunk:
                    raise ConnectionError("connection closed in the body")
                remaining -= len(chunk)
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, headers, length
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Outcome:
    endpoint: str
    status: int  # the final answer's; 0: timeout, -1: connection error
    seconds: float  # from the first attempt to the final answer, the waits of Retry-After included
    maximal: bool = False
    busy: int = 0  # 503 answers before the final one (or including it, when the client gave up)
    retry_after_missing: int = 0


@dataclass
class Record:
    outcomes: list[Outcome] = field(default_factory=list)
    not_sent: int = 0


#: A 503 is retried after its Retry-After, as the page does, at most this many times (``--retries``).
RETRIES = 20


async def _ask(conn: Connection, endpoint: str, path: str, timeout: float, big: bool, retries: int) -> Outcome:
    start, busy, missing, status = time.perf_counter(), 0, 0, 503
    for attempt in range(retries + 1):
        try:
            status, headers, _ = await asyncio.wait_for(conn.get(path), timeout)
        except TimeoutError:
            conn.close()
            return Outcome(endpoint, 0, time.perf_counter() - start, big, busy, missing)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            conn.close()
            return Outcome(endpoint, -1, time.perf_counter() - start, big, busy, missing)
        if status != 503:
            break
        busy += 1
        missing += "retry-after" not in headers
        if attempt < retries:
            await asyncio.sleep(float(headers.get("retry-after", "1")))
    return Outcome(endpoint, status, time.perf_counter() - start, big, busy, missing)


async def run_mix(port: int, requests: list[tuple[str, str, bool]], concurrency: int, timeout: float,
                  duration: float, retries: int = RETRIES) -> tuple[Record, float]:
    record = Record()
    todo = list(reversed(requests))
    deadline = time.perf_counter() + duration

    async def client() -> None:
        conn = Connection(port)
        try:
            while todo and time.perf_counter() < deadline:
                endpoint, path, big = todo.pop()
                record.outcomes.append(await _ask(conn, endpoint, path, timeout, big, retries))
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    record.not_sent = len(todo)
    return record, time.perf_counter() - start


async def run_loop(port: int, loop_clients: int, shape_requests: int, timeout: float, duration: float,
                   retries: int = RETRIES) -> Record:
    """Clients looping on the largest scene while one client asks /api/shape, one request at a time."""
    record = Record()
    done = asyncio.Event()
    deadline = time.perf_counter() + duration
    scene = "/api/scene?" + "&".join(f"{k}={v}" for k, v in LARGEST_SCENE.items())

    async def looper(n: int) -> None:
        conn, seed = Connection(port), n
        try:
            while not done.is_set() and time.perf_counter() < deadline:
                record.outcomes.append(await _ask(conn, "scene (loop)", f"{scene}&seed={seed}", timeout, True, retries))
                seed += loop_clients  # a new query each time: the cache does not answer it
        finally:
            conn.close()

    async def shaper() -> None:
        conn = Connection(port)
        rng = random.Random(1)
        try:
            await asyncio.sleep(1.0)  # the scene clients are busy by then
            for n in range(shape_requests):
                if time.perf_counter() >= deadline:
                    record.not_sent = shape_requests - n
                    break
                q = ordinary(rng, "shape")
                path = "/api/shape?" + "&".join(f"{k}={v}" for k, v in q.items())
                record.outcomes.append(await _ask(conn, "shape", path, timeout, False, retries))
                await asyncio.sleep(0.02)
        finally:
            done.set()
            conn.close()

    await asyncio.gather(shaper(), *(looper(n) for n in range(loop_clients)))
    return record


# --- the server and its memory ---


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="latin-1") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_memory(pid: int) -> tuple[int, int, int]:
    """Memory of a process and all its descendants (the forkserver, the workers, the resource tracker): the sum
    of their RSS in bytes (what the targets count; pages shared between them count once per process), the sum of
    their PSS (shared pages divided among the sharers: what they cost the machine together), and how many."""
    tree, rss, pss, count, stack = _children(), 0, 0, 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{p}/statm", encoding="ascii") as f:
                rss += int(f.read().split()[1]) * page
            count += 1
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as f:
                pss += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) * 1024
        stack.extend(tree.get(p, []))
    return rss, pss, count


def own_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process, without its children."""
    with open(f"/proc/{pid}/stat", encoding="latin-1") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used by a process and all its descendants, the exited ones included (a reaped
    child's time is added to its parent's: retired workers count in the forkserver's)."""
    tree, total, stack = _children(), 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while stack:
        p = stack.pop()
        with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{p}/stat", encoding="latin-1") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
        stack.extend(tree.get(p, []))
    return total


class Server:
    """The server in a subprocess (its own process group), with a memory watch that kills it past the cap."""

    def __init__(self, app_options: dict[str, Any], rss_cap: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
        # The server's stderr, closed by stop(); a pipe could fill up and stall the server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, json.dumps(app_options), str(self.port)],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        self.rss_cap, self.peak, self.peak_pss, self.killed = rss_cap, 0, 0, False
        self.processes = 0
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watch_memory, daemon=True)
        self._watch.start()

    def _watch_memory(self) -> None:
        while not self._stop.wait(0.2) and self.process.poll() is None:
            rss, pss, count = tree_memory(self.process.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self.processes = max(self.processes, count)
            if rss > self.rss_cap:
                self.killed = True
                self.kill()
                print(f"server killed: its memory passed the cap ({rss / 2**20:.0f} MiB)", file=sys.stderr)

    def memory(self) -> tuple[int, int]:
        """RSS and PSS now, summed over the server and its children."""
        return tree_memory(self.process.pid)[:2]

    def reset_peak(self) -> None:
        self.peak, self.peak_pss = self.memory()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the server exited: {self.log.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /api/shape HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer within 60 s")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        self._stop.set()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)  # uvicorn shuts down and closes the pool
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
                self.process.wait()
        self._watch.join()
        self.log.close()


# --- figures ---


def _ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def latency(outcomes: list[Outcome]) -> dict[str, Any]:
    answered = [o.seconds for o in outcomes if o.status > 0]
    return {"n": len(outcomes), "p50_ms": _ms(answered, 0.50), "p99_ms": _ms(answered, 0.99)}


def figures(record: Record) -> dict[str, Any]:
    out = record.outcomes
    statuses: dict[str, int] = {}
    for o in out:
        statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
    failures = [o for o in out if o.status <= 0 or o.status >= 500]  # 503 here: still busy after the retries
    endpoints = sorted({o.endpoint for o in out})
    return {
        "sent": len(out),
        "not_sent": record.not_sent,
        "failures": len(failures),
        "timeouts": sum(o.status == 0 for o in out),
        "busy_503": sum(o.busy for o in out),
        "busy_503_without_retry_after": sum(o.retry_after_missing for o in out),
        "gave_up_503": sum(o.status == 503 for o in out),
        "statuses": statuses,
        "latency": {"all": latency(out), **{e: latency([o for o in out if o.endpoint == e]) for e in endpoints}},
        "maximal": {"n": sum(o.maximal for o in out), **latency([o for o in out if o.maximal])},
    }


def machine() -> dict[str, Any]:
    model, flags = platform.processor(), ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="latin-1") as f:
        for line in f:
            if line.startswith("model name") and model in ("", platform.machine()):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line
    return {"cpu": model, "avx2": " avx2" in flags, "avx512f": " avx512f" in flags, "cores": os.cpu_count(),
            "python": platform.python_version()}


def run(
    requests: int = 2000,
    concurrency: int = 32,
    maximal: float = 0.05,
    timeout: float = 60.0,
    duration: float = 600.0,
    loop_clients: int = 4,
    shape_requests: int = 200,
    rss_cap: int = 3 << 30,
    app_options: dict[str, Any] | None = None,
    seed: int = 0,
    retries: int = RETRIES,
) -> dict[str, Any]:
    """Start the server, run both scenarios, stop it; the figures as a dict."""
    server = Server(app_options or {}, rss_cap)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "machine": machine(),
                              "load_average_before": list(os.getloadavg()), "app_options": app_options or {},
                              "options": {"requests": requests, "concurrency": concurrency, "maximal": maximal,
                                          "timeout": timeout, "duration": duration, "loop_clients": loop_clients,
                                          "shape_requests": shape_requests, "retries": retries}}
    try:
        server.wait_ready()
        result["rss_idle_mb"], result["pss_idle_mb"] = (round(v / 2**20, 1) for v in server.memory())
        if requests:
            server.reset_peak()
            cpu, main_cpu = tree_cpu(server.process.pid), own_cpu(server.process.pid)
            mix, seconds = asyncio.run(
                run_mix(server.port, plan(requests, maximal, seed), concurrency, timeout, duration, retries)
            )
            cpu, main_cpu = tree_cpu(server.process.pid) - cpu, own_cpu(server.process.pid) - main_cpu
            result["mix"] = figures(mix) | {
                "seconds": round(seconds, 2),
                "server_cpu_s": round(cpu, 1),
                "server_main_process_cpu_s": round(main_cpu, 1),
                "server_cpu_ms_per_request": round(1000 * cpu / len(mix.outcomes), 1) if mix.outcomes else None,
                "requests_per_s": round(len(mix.outcomes) / seconds, 1) if seconds else None,
                "rss_peak_mb": round(server.peak / 2**20, 1),
                "pss_peak_mb": round(server.peak_pss / 2**20, 1),
                "processes": server.processes,
            }
            result["load_average_after_mix"] = list(os.getloadavg())
            time.sleep(5.0)
            after = server.memory()
            result["mix"]["rss_after_5s_mb"], result["mix"]["pss_after_5s_mb"] = (round(v / 2**20, 1) for v in after)
        if loop_clients and shape_requests and not server.killed:
            server.reset_peak()
            loop = asyncio.run(run_loop(server.port, loop_clients, shape_requests, timeout, duration, retries))
            result["loop"] = figures(loop) | {"rss_peak_mb": round(server.peak / 2**20, 1),
                                              "pss_peak_mb": round(server.peak_pss / 2**20, 1)}
            result["load_average_after_loop"] = list(os.getloadavg())
    finally:
        server.stop()
    result["server_killed_at_rss_cap"] = server.killed
    return result


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"{result['date']}: {m['cpu']} ({m['cores']} cores, avx2 {m['avx2']}, avx512f {m['avx512f']}), "
        f"Python {m['python']}, load average {' '.join(f'{v:.2f}' for v in result['load_average_before'])}",
        f"server options {result['app_options'] or 'default'}; idle RSS {result.get('rss_idle_mb')} MB "
        f"(PSS {result.get('pss_idle_mb')} MB), summed over the server and its children",
    ]
    mix = result.get("mix")
    if mix:
        lines.append(
            f"mix: {mix['sent']} sent ({mix['not_sent']} not sent), {mix['failures']} failures "
            f"({mix['timeouts']} timeouts), {mix['busy_503']} × 503 (retried after Retry-After), "
            f"{mix['requests_per_s']} req/s over "
            f"{mix['seconds']} s; statuses {mix['statuses']}"
        )
        per = mix["server_cpu_ms_per_request"]
        if per:  # what the server's CPU time allows, whatever else ran on the machine
            lines.append(f"  server CPU {mix['server_cpu_s']} s ({mix['server_main_process_cpu_s']} s of them in the "
                         f"main process): {per} ms per request, at most {round(1000 * (os.cpu_count() or 1) / per)} "
                         f"req/s on {os.cpu_count()} cores")
        lines.append(f"  RSS peak {mix['rss_peak_mb']} MB ({mix['processes']} processes), "
                     f"{mix['rss_after_5s_mb']} MB 5 s after; PSS peak {mix['pss_peak_mb']} MB, "
                     f"{mix['pss_after_5s_mb']} MB 5 s after")
        for name, lat in mix["latency"].items():
            lines.append(f"  {name:<12} n={lat['n']:<5} p50 {lat['p50_ms']} ms  p99 {lat['p99_ms']} ms")
        mx = mix["maximal"]
        lines.append(f"  {'(maximal)':<12} n={mx['n']:<5} p50 {mx['p50_ms']} ms  p99 {mx['p99_ms']} ms")
    loop = result.get("loop")
    if loop:
        shape, scene = loop["latency"].get("shape", {}), loop["latency"].get("scene (loop)", {})
        lines.append(
            f"loop: /api/shape n={shape.get('n')} p50 {shape.get('p50_ms')} ms p99 {shape.get('p99_ms')} ms while "
            f"{result['options']['loop_clients']} clients loop on the largest scene (n={scene.get('n')}, p50 "
            f"{scene.get('p50_ms')} ms); {loop['failures']} failures, {loop['busy_503']} × 503, "
            f"RSS peak {loop['rss_peak_mb']} MB (PSS {loop['pss_peak_mb']} MB)"
        )
    if result["server_killed_at_rss_cap"]:
        lines.append("THE SERVER WAS KILLED: its memory passed the cap")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--maximal", type=float, default=0.05, help="share of requests at the largest sizes")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds per scenario at most")
    parser.add_argument("--loop-clients", type=int, default=4)
    parser.add_argument("--shape-requests", type=int, default=200)
    parser.add_argument("--rss-cap", type=float, default=3.0, help="GB: kill the server past this")
    parser.add_argument("--app", default="{}", help='create_app keywords as JSON, e.g. \'{"pool": "thread"}\'')
    parser.add_argument("--retries", type=int, default=RETRIES, help="times a 503 is retried after Retry-After")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.requests, args.concurrency, args.maximal, args.timeout, args.duration, args.loop_clients,
                 args.shape_requests, int(args.rss_cap * 1e9), json.loads(args.app), args.seed, args.retries)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 1 if result["server_killed_at_rss_cap"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
