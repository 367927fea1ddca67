"""Threads on a busy machine: the opt-in ``blas_threads`` holds BLAS's count for a call and restores it; the
default leaves it alone; the bench's busy scenario starts one spinning process and stops it."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tconv
from tconv.algorithms import blas
from tconv.algorithms.chunks import blas_controls

pytestmark = pytest.mark.skipif(blas_controls() is None, reason="NumPy's BLAS thread count cannot be read here")


def counts_during_gemms(monkeypatch: pytest.MonkeyPatch, **opts: int) -> set[int]:
    get = blas_controls()[0]  # type: ignore[index]
    seen: list[int] = []
    gemm = blas.gemm

    def spy(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        seen.append(get())
        gemm(*args, **kwargs)

    monkeypatch.setattr(blas, "gemm", spy)
    x = np.random.default_rng(0).standard_normal((4, 16, 12, 12)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((16, 8, 4, 4)).astype(np.float32)
    with tconv.options(**opts):
        y = tconv.conv_transpose(x, w, stride=2, padding=1, algorithm="accumulate")
    np.testing.assert_allclose(y, tconv.conv_transpose(x, w, stride=2, padding=1, algorithm="col2im"), rtol=1e-5,
                               atol=1e-5)
    return set(seen)


def test_blas_threads_opt_in_holds_blas_for_the_call_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    get, set_ = blas_controls()  # type: ignore[misc]
    before = get()
    set_(2)
    try:
        assert counts_during_gemms(monkeypatch, blas_threads=1) == {1}
        assert get() == 2  # restored
        assert counts_during_gemms(monkeypatch) == {2}  # the default leaves the user's count alone
    finally:
        set_(before)


def test_blas_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCONV_BLAS_THREADS", "1")
    assert tconv.get_options().blas_threads == 1
    monkeypatch.setenv("TCONV_BLAS_THREADS", "none")
    with pytest.raises(tconv.TconvError, match="TCONV_BLAS_THREADS 'none' must be a whole number"):
        tconv.get_options()


def test_the_busy_scenario_stops_its_process() -> None:
    from tconv.bench.busy import busy_process

    with busy_process() as pid:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().split()[2]
        assert state in "RS"
    assert not os.path.exists(f"/proc/{pid}")


BENCH_LIKE = """
import sys, time
from tconv.bench.busy import busy_process
with busy_process() as pid:
    print(pid, flush=True)
    time.sleep(60)
"""


def _gone(pid: int) -> bool:
    """Whether the process has exited: no /proc entry, or a zombie (exited; its adopter has yet to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_the_spinner_dies_with_the_bench_whatever_kills_it(how: str) -> None:
    """kill, timeout and CI cancellations send SIGTERM (which skips every finally by default); SIGKILL can be
    handled by nobody: the spinner must go either way, not spin on forever."""
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", BENCH_LIKE], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert not _gone(pid)
        parent.send_signal(getattr(signal, how))
        status = parent.wait(timeout=10)
        assert status == (143 if how == "SIGTERM" else -signal.SIGKILL)  # SIGTERM: exits as sys.exit(128 + 15)
        deadline = time.monotonic() + 5
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pid), f"the spinner {pid} still runs after its parent got {how}"
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()

