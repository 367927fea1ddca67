"""The server's bounds: the rendering pool and its queue (503 with Retry-After when full), the cache by query
(identical bytes, no second call to the library, least recently used out within its byte budget), cheap endpoints
outside the pool, worker processes (refusals, faults, a dying worker, recycling), and a tiny run of the load script.
No timed assertions: speed is measured by ``python -m benchmarks.load``, not by the tests."""

from __future__ import annotations

import asyncio
import importlib
import logging
import math
import operator
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import tconv
import tconv.web.jobs as web
from tconv.web.app import INTERNAL_ERROR, POOL, create_app
from tconv.web.jobs import Config, parse_config, scene_svg_job
from tconv.web.pool import HeavyPool, Result, ResultCache, WorkerDied

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"i": "3", "k": "3", "s": "2", "p": "1", "op": "1"}


def small_config(seed: int = 0) -> Config:
    return parse_config("transposed", "3", "3", "2", "1", "1", "1", None, seed)


class Gate:
    """A fake build_scene that blocks until opened, counting its calls (then builds the real scene)."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Semaphore(0)
        self.calls = 0
        self.real = web.build_scene

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.entered.release()
        assert self.open.wait(30), "the test never opened the gate"
        return self.real(*args, **kwargs)


def test_a_full_queue_answers_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(web, "build_scene", gate)
    app = create_app(pool="thread", workers=1, queue=1)
    with TestClient(app) as client, ThreadPoolExecutor(2) as threads:
        running = threads.submit(client.get, "/api/scene.svg", params={**SMALL, "seed": "1"})
        assert gate.entered.acquire(timeout=30)  # the one worker is busy
        queued = threads.submit(client.get, "/api/scene.svg", params={**SMALL, "seed": "2"})
        while app.state.heavy.stats()["running"] < 2:  # accepted: waiting in the queue
            threading.Event().wait(0.01)
        refused = client.get("/api/scene.svg", params={**SMALL, "seed": "3"})
        also_refused = client.get("/api/explain", params=SMALL)
        gate.open.set()
        answered = [running.result(), queued.result()]
    for r in (refused, also_refused):
        assert r.status_code == 503 and r.headers["retry-after"] == str(POOL["retry_after"]) == "1"
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"detail": "the server is busy (renders running: 1, waiting: 1, the most it holds); "
                            "retry in 1 s", "parameter": None}
    assert [r.status_code for r in answered] == [200, 200] and gate.calls == 2
    stats = app.state.heavy.stats()
    assert (stats["jobs"], stats["refused"], stats["running"]) == (2, 2, 0)
    after = TestClient(app).get("/api/scene.svg", params={**SMALL, "seed": "3"})  # room again: answered
    assert after.status_code == 200 and gate.calls == 3


def test_cheap_endpoints_are_answered_while_the_pool_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(web, "build_scene", gate)
    app = create_app(pool="thread", workers=1, queue=0)
    asked: list[str] = []
    answer = app.state.heavy.answer

    async def counted(fn: Any, *args: Any) -> Result:
        asked.append(fn.__name__)
        return await answer(fn, *args)

    monkeypatch.setattr(app.state.heavy, "answer", counted)
    with TestClient(app) as client, ThreadPoolExecutor(1) as threads:
        scene = threads.submit(client.get, "/api/scene", params=SMALL)
        assert gate.entered.acquire(timeout=30)
        assert client.get("/api/explain", params=SMALL).status_code == 503  # the pool is full...
        shape = client.get("/api/shape", params=SMALL)  # ...and the shape is answered all the same
        assert shape.status_code == 200 and shape.json()["output_size"] == [6, 6]
        assert client.get("/", params=SMALL).status_code == 200 and client.get("/docs").status_code == 200
        gate.open.set()
        assert scene.result().status_code == 200
    assert asked == ["scene_job", "explain_job"]


@pytest.mark.parametrize(
    "path,first,same,patched",
    [
        ("/api/scene", SMALL, {**SMALL, "i": "3,3", "k": "3,3"}, "build_scene"),
        ("/api/scene.svg", SMALL, {**SMALL, "s": "2,2", "d": "1"}, "build_scene"),
        ("/api/scene.gif", {"i": "2", "k": "2", "s": "2"}, {"i": "2,2", "k": "2", "s": "2", "seed": "0"},
         "build_scene"),
        ("/api/explain", SMALL, {**SMALL, "view": "gather", "lang": "en"}, "explain_info"),
        ("/api/overlap", {"i": "4", "k": "3", "s": "2"}, {"i": "4", "k": "3", "s": "2", "layers": "1"}, "overlap"),
    ],
    ids=["scene", "scene.svg", "scene.gif", "explain", "overlap"],
)
def test_the_cache_answers_the_same_bytes_without_calling_the_library(
    monkeypatch: pytest.MonkeyPatch, path: str, first: dict[str, str], same: dict[str, str], patched: str
) -> None:
    import tconv.scene

    module = tconv.scene if patched == "overlap" else web
    real = getattr(module, patched)
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, patched, counted)
    client = TestClient(create_app(pool="thread"))
    a = client.get(path, params=first)
    b = client.get(path, params=same)  # the same query written differently: the parsed query is the key
    c = client.get(path, params=first)
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.content == b.content == c.content and len(calls) == 1
    assert a.headers["content-type"] == c.headers["content-type"]
    assert a.headers.get("content-disposition") == c.headers.get("content-disposition")
    other = client.get(path, params={**first, "seed": "7"})
    assert other.status_code == 200 and len(calls) == 2
    stats = client.app.state.heavy.stats()["cache"]  # type: ignore[attr-defined]
    assert (stats["hits"], stats["entries"]) == (2, 2)


def test_refusals_are_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(pool="thread"))
    for _ in range(2):
        r = client.get("/api/scene", params={"i": "16", "k": "1", "s": "6"})
        assert r.status_code == 422 and "at most 400" in r.json()["detail"]
    assert client.app.state.heavy.stats()["cache"]["entries"] == 0  # type: ignore[attr-defined]


def _result(n: int) -> Result:
    return Result(b"x" * n, "application/octet-stream")


def test_the_cache_evicts_the_least_recently_used_within_its_byte_budget() -> None:
    cache = ResultCache(budget=10)
    cache.put("a", _result(4))
    cache.put("b", _result(4))
    assert cache.get("a") == _result(4)  # a is now the most recently used
    cache.put("c", _result(4))  # 12 > 10: b goes
    assert cache.keys() == ["a", "c"] and cache.size == 8 and cache.get("b") is None
    cache.put("d", _result(6))  # 14 > 10: a goes, 10 fits exactly
    assert cache.keys() == ["c", "d"] and cache.size == 10
    cache.put("d", _result(2))  # replaced, counted once
    assert cache.keys() == ["c", "d"] and cache.size == 6
    cache.put("e", _result(7))  # 13 > 10: c goes, 9 fits
    assert cache.keys() == ["d", "e"] and cache.size == 9
    cache.put("huge", _result(11))  # larger than the whole budget: not kept, nothing evicted
    assert cache.keys() == ["d", "e"] and cache.size == 9
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_cache_budget_holds_in_the_app() -> None:
    client = TestClient(create_app(pool="thread", cache_bytes=200_000))
    sizes = [len(client.get("/api/scene.svg", params={**SMALL, "seed": str(n)}).content) for n in range(3)]
    assert all(70_000 < n < 100_000 for n in sizes), sizes  # two fit, three do not
    cache = client.app.state.heavy.cache  # type: ignore[attr-defined]
    assert cache.size == sizes[1] + sizes[2] and len(cache) == 2
    assert cache.keys()[-1][2][0].seed == 2  # the last one asked is kept


def test_identical_queries_in_flight_share_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(web, "build_scene", gate)
    app = create_app(pool="thread", workers=1, queue=0)
    with TestClient(app) as client, ThreadPoolExecutor(3) as threads:
        first = threads.submit(client.get, "/api/scene", params=SMALL)
        assert gate.entered.acquire(timeout=30)
        others = [threads.submit(client.get, "/api/scene", params=SMALL) for _ in range(2)]
        while app.state.heavy.stats()["shared"] < 2:  # waiting on the running job, not refused
            threading.Event().wait(0.01)
        gate.open.set()
        bodies = [f.result().content for f in [first, *others]]
    assert gate.calls == 1 and bodies[0] == bodies[1] == bodies[2]
    assert app.state.heavy.stats()["refused"] == 0


def test_the_pool_is_sized_from_the_cores() -> None:
    from tconv.web.pool import cpu_count

    heavy = create_app().state.heavy
    assert heavy.workers == cpu_count() == len(os.sched_getaffinity(0))
    assert heavy.queue == POOL["queue_per_worker"] * heavy.workers and heavy.kind == "process"
    assert heavy.limit == heavy.workers + heavy.queue
    assert heavy.cache.budget == POOL["cache_bytes"]
    with pytest.raises(ValueError, match="at least one worker"):
        HeavyPool(0, 1, 1)


def test_the_limits_are_documented() -> None:
    spec = TestClient(create_app(workers=3, queue=5, cache_bytes=32 << 20)).get("/openapi.json").json()
    description = spec["info"]["description"]
    assert "3 worker processes" in description and "at most 5 renders waiting" in description
    assert "503" in description and "Retry-After" in description and "32 MiB" in description
    assert "input_size ≤ 16" in description
    for path in ("/api/scene", "/api/scene.svg", "/api/scene.gif", "/api/explain", "/api/overlap"):
        busy = spec["paths"][path]["get"]["responses"]["503"]
        assert busy["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        assert busy["headers"]["Retry-After"]["schema"] == {"type": "integer"}
        assert "3 rendering workers" in busy["description"]
    assert "503" not in spec["paths"]["/api/shape"]["get"]["responses"]


# --- worker processes ---


def _answer(pool: HeavyPool, fn: Any, *args: Any) -> Result:
    async def go() -> Result:
        return await pool.answer(fn, *args)

    return asyncio.run(go())


@pytest.fixture
def processes() -> Any:
    pool = HeavyPool(1, 0, 0, kind="process", recycle_bytes=1 << 40)
    yield pool
    pool.close()


def test_worker_processes_answer_the_same_bytes_as_the_library(processes: HeavyPool) -> None:
    cfg = small_config()
    result = _answer(processes, scene_svg_job, cfg, "equivalent", True, None)
    assert result == scene_svg_job(cfg, "equivalent", True, None)
    assert result.body == tconv.animate(3, 3, stride=2, padding=1, output_padding=1, values=True).svg().encode()
    assert processes.worker_pids() and os.getpid() not in processes.worker_pids()


def test_a_refusal_in_a_worker_is_the_librarys_error(processes: HeavyPool) -> None:
    with pytest.raises(tconv.TconvError, match="stride 0 on axis 0 must be at least 1"):
        _answer(processes, tconv.conv_transpose_output_size, 5, 3, 0)
    with pytest.raises(ZeroDivisionError) as info:  # any other exception: as raised, the worker's traceback chained
        _answer(processes, operator.truediv, 1, 0)
    assert "Traceback" in str(info.value.__cause__) and "ZeroDivisionError" in str(info.value.__cause__)
    with pytest.raises(AttributeError, match="pickle"):  # a job that cannot be sent to a worker
        _answer(processes, math.sqrt, lambda: 0)
    assert _answer(processes, scene_svg_job, small_config(), "equivalent", False, None).body.startswith(b"<svg")


def test_a_worker_that_dies_is_replaced(processes: HeavyPool) -> None:
    _answer(processes, math.sqrt, 4.0)
    [before] = processes.worker_pids()
    with pytest.raises(WorkerDied, match="exit code 3"):
        _answer(processes, os._exit, 3)
    [after] = processes.worker_pids()
    assert after != before and _answer(processes, math.sqrt, 9.0) == 3.0


def test_workers_are_recycled_after_their_jobs_or_past_their_memory() -> None:
    by_jobs = HeavyPool(1, 0, 0, kind="process", max_jobs=2)
    by_memory = HeavyPool(1, 0, 0, kind="process", recycle_bytes=1)  # every worker is over 1 byte after a job
    try:
        pids = []
        for n in range(4):
            _answer(by_jobs, math.sqrt, float(n))
            pids.append(by_jobs.worker_pids()[0])
        assert pids[0] != pids[1] == pids[2] != pids[3] and by_jobs.stats()["recycled"] == 2  # after jobs 2 and 4
        first = by_memory.worker_pids() or [None]
        _answer(by_memory, math.sqrt, 1.0)
        assert by_memory.worker_pids() != first and by_memory.stats()["recycled"] == 1
    finally:
        by_jobs.close()
        by_memory.close()


def test_the_memory_budget_holds_in_the_workers() -> None:
    from tconv.settings import get_memory_budget

    pool = HeavyPool(1, 0, 0, kind="process", memory_budget=12345678)
    try:
        assert _answer(pool, get_memory_budget) == 12345678
    finally:
        pool.close()
    assert get_memory_budget() != 12345678  # the server's own budget is not changed
    client = TestClient(create_app(pool="thread", memory_budget=1 << 20))
    r = client.get("/api/scene.gif", params={"i": "8", "k": "3"})
    assert r.status_code == 422 and "more than the memory budget of 1.0 MiB" in r.json()["detail"]


def test_an_internal_fault_in_a_worker_is_a_logged_500(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(workers=1, queue=0)
    original = app.state.heavy.answer

    async def failing(fn: Any, *args: Any) -> Result:  # a job that fails in the worker process: 1 / 0
        return await original(operator.truediv, 1, 0)

    monkeypatch.setattr(app.state.heavy, "answer", failing)
    try:
        with caplog.at_level(logging.ERROR, logger="tconv.web.app"):
            r = TestClient(app).get("/api/explain", params=SMALL)
    finally:
        app.state.heavy.close()
    assert r.status_code == 500 and r.json() == {"detail": INTERNAL_ERROR, "parameter": None}
    [record] = [rec for rec in caplog.records if rec.name == "tconv.web.app"]
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert "ZeroDivisionError" in str(record.exc_info[1].__cause__)  # the worker's traceback, in the log


# --- the load script ---


def _load_module() -> Any:
    if str(ROOT) not in sys.path:  # the repository root: benchmarks/ is a package beside src/
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("benchmarks.load")


def test_the_load_plan_mixes_every_endpoint_and_maximal_queries() -> None:
    load = _load_module()
    plan = load.plan(2000, 0.05, 0)
    assert {e for e, _, _ in plan} == set(load.ENDPOINTS) and 50 < sum(big for _, _, big in plan) < 150
    client = TestClient(create_app(pool="thread"))
    # The maximal queries are within the schema: answered 200 or refused by the library (422, parameter null).
    for endpoint, queries in load.MAXIMAL.items():
        if endpoint in ("scene", "scene.svg", "scene.gif"):
            continue  # drawn by the scene queries through /api/scene below
        for q in queries:
            r = client.get(f"/api/{endpoint}", params=q)
            assert r.status_code == 200 or (r.status_code == 422 and r.json()["parameter"] is None), (endpoint, q)
    statuses = [client.get("/api/scene", params=q).status_code for q in load.MAXIMAL["scene"]]
    assert statuses == [200, 200, 200, 422, 422, 422]


def test_a_tiny_load_run_reports_its_figures() -> None:
    load = _load_module()
    result = load.run(requests=20, concurrency=4, maximal=0.1, timeout=60, duration=120, loop_clients=1,
                      shape_requests=5, app_options={"workers": 1})
    mix = result["mix"]
    assert mix["sent"] == 20 and mix["not_sent"] == 0 and mix["failures"] == 0 and mix["timeouts"] == 0
    assert set(mix["statuses"]) <= {"200", "422"} and mix["processes"] >= 3  # the server, forkserver, a worker
    assert mix["rss_peak_mb"] > 0 and mix["rss_after_5s_mb"] > 0 and mix["requests_per_s"] > 0
    assert set(mix["latency"]) <= {"all", *load.ENDPOINTS} and mix["latency"]["all"]["n"] == 20
    loop = result["loop"]
    assert loop["latency"]["shape"]["n"] == 5 and loop["failures"] == 0
    assert result["server_killed_at_rss_cap"] is False
    assert "req/s" in load.report(result) and "/api/shape" in load.report(result)


def test_idle_workers_are_stopped_and_the_next_job_starts_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """After IDLE_SHRINK_S without a job no worker process is left (its memory goes back to the machine); the
    next job forks a fresh one and answers as before."""
    import time

    from tconv.web import pool as pool_module

    monkeypatch.setattr(pool_module, "IDLE_SHRINK_S", 0.2)
    pool = HeavyPool(2, 0, 0, kind="process", recycle_bytes=1 << 40)
    try:
        assert _answer(pool, math.sqrt, 16.0) == 4.0
        [first] = list(pool.worker_pids())[:1]
        deadline = time.time() + 10
        while pool.worker_pids() and time.time() < deadline:
            time.sleep(0.05)
        assert pool.worker_pids() == []
        assert _answer(pool, math.sqrt, 25.0) == 5.0
        assert pool.worker_pids() and first not in pool.worker_pids()
    finally:
        pool.close()
