"""The doctor's bounds: ONNX channels checked as a runtime checks them, a time limit on the model's forward, a
model's exits and interrupts refused, and the doctor's own imports outside the memory budget."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402
from torch import nn  # noqa: E402

import tconv  # noqa: E402
from tconv.cli import main  # noqa: E402
from tconv.doctor import torch_trace  # noqa: E402

SRC = Path(__file__).parent.parent / "src"
#: How long a hanging model's forward runs at most in these tests, so that a broken limit fails instead of hanging.
HANG = 30.0

# ------------------------------------------------------------------------------------------ ONNX channels


def _onnx_model(op: str, weight: list[int], group: int) -> Any:
    """One node ``op`` with a zero weight; the input's channels are symbolic, so only the node can refuse them."""
    inputs = ["X", "W"]
    inits = [helper.make_tensor("W", TensorProto.FLOAT, weight, [0.0] * int(np.prod(weight)))]
    attrs: dict[str, Any] = {"group": group} if op in ("Conv", "ConvTranspose") else {}
    if op == "BatchNormalization":
        inputs = ["X", *"SBMV"]
        inits = [helper.make_tensor(n, TensorProto.FLOAT, weight, [1.0] * weight[0]) for n in "SBMV"]
    node = helper.make_node(op, inputs, ["Y"], name="layer", **attrs)
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, "C", "H", "W_"])
    graph = helper.make_graph([node], "net", [x], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


CHANNELS = [  # op, weight shape, group, input channels
    ("Conv", [4, 4, 3, 3], 1, 3), ("Conv", [4, 4, 3, 3], 1, 4), ("Conv", [4, 2, 3, 3], 2, 3),
    ("Conv", [4, 2, 3, 3], 2, 4), ("Conv", [4, 4, 3, 3], 2, 4), ("Conv", [3, 1, 3, 3], 2, 2),
    ("ConvTranspose", [4, 4, 3, 3], 1, 3), ("ConvTranspose", [4, 4, 3, 3], 1, 4),
    ("ConvTranspose", [4, 2, 3, 3], 2, 3), ("ConvTranspose", [4, 2, 3, 3], 2, 4),
    ("BatchNormalization", [4], 1, 3), ("BatchNormalization", [4], 1, 4),
]


@pytest.mark.parametrize("op,weight,group,channels", CHANNELS,
                         ids=[f"{op}-w{'x'.join(map(str, w))}-g{g}-c{c}" for op, w, g, c in CHANNELS])
def test_onnx_ok_means_onnxruntime_runs_it(op: str, weight: list[int], group: int, channels: int) -> None:
    """The doctor says "ok" exactly where ONNX Runtime runs the model, and names the channels where it does not."""
    ort = pytest.importorskip("onnxruntime")
    model = _onnx_model(op, weight, group)
    options = ort.SessionOptions()
    options.log_severity_level = 4  # the refusal is expected: keep ONNX Runtime's log quiet
    try:
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        session.run(None, {"X": np.zeros((1, channels, 8, 8), np.float32)})
        runs = True
    except Exception:  # ONNX Runtime's refusal, whichever of its error types
        runs = False
    d = tconv.doctor(model, (1, channels, 8, 8), sizes=(6, 10))
    assert d.ok == runs
    if not runs:
        message = d.problems[0].message
        assert d.problems[0].where == ("layer",) and ("channels" in message or "groups" in message), message


# ------------------------------------------------------------------------------------------ time limit and exits


class Loops(nn.Module):
    """A forward that does not return (for HANG seconds), unless ``stop`` is set."""

    stop = threading.Event()

    def forward(self, x: Any) -> Any:
        end = time.monotonic() + HANG
        while time.monotonic() < end and not self.stop.is_set():
            pass
        return x


class Raises(nn.Module):
    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def forward(self, x: Any) -> Any:
        raise self.exc


def _refusal(call: Any, thread: str) -> Any:
    """What ``call`` raises in the main thread (it must raise a TconvError) or returns or raises in another."""
    if thread == "main-thread":
        with pytest.raises(tconv.TconvError) as info:
            call()
        return info.value
    return _in_other_thread(call)


def _in_other_thread(call: Any) -> Any:
    """``call()`` run in a thread that is not the main one (the limit's fallback), its result or exception."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except BaseException as exc:  # relayed to the test
            out.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(HANG + 10)
    return out[0]


@pytest.mark.parametrize("thread", ["main-thread", "other-thread"])
def test_a_forward_that_hangs_is_stopped_by_the_limit(thread: str) -> None:
    torch_trace.prepare()  # torch's one-time imports take seconds; they are outside the limit, and out of the timing
    Loops.stop.clear()
    start = time.monotonic()

    def call() -> Any:
        return tconv.doctor(Loops(), (1, 2, 8), timeout=0.5)

    try:
        error = _refusal(call, thread)
    finally:
        Loops.stop.set()  # ends the forward the other thread's limit gave up on
    assert isinstance(error, tconv.TconvError)
    assert str(error) == ("the model's forward did not finish within 0.5 s at input size [1, 2, 8]; raise --timeout "
                          "(timeout= in Python) if it is only slow")
    assert time.monotonic() - start < 5.0


def test_the_limit_leaves_an_earlier_alarm_in_place() -> None:
    """A SIGALRM handler and timer set by the caller (pytest-timeout, a server) survive a doctor call."""
    import signal

    if not hasattr(signal, "setitimer"):
        pytest.skip("no setitimer on this platform")
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 20.0)
        tconv.doctor(nn.MaxPool1d(1), (1, 2, 8), sizes=(7, 9), timeout=5.0)
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < left <= 20.0 and signal.getsignal(signal.SIGALRM) is not previous and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


EXITS = [(SystemExit(3), "SystemExit(3)"), (SystemExit(), "SystemExit()"), (KeyboardInterrupt(), "KeyboardInterrupt()"),
         (GeneratorExit(), "GeneratorExit()")]


@pytest.mark.parametrize("thread", ["main-thread", "other-thread"])
@pytest.mark.parametrize("exc,name", EXITS, ids=[n for _, n in EXITS])
def test_a_models_exit_or_interrupt_is_refused(exc: BaseException, name: str, thread: str) -> None:
    def call() -> Any:
        return tconv.doctor(Raises(exc), (1, 2, 8), timeout=5.0)

    error = _refusal(call, thread)
    assert isinstance(error, tconv.TconvError)
    assert str(error) == (f"the model raised {name} at input size [1, 2, 8]: tconv doctor does not let a model exit "
                          "or interrupt it")


@pytest.mark.parametrize("timeout", [0, -1, 1e-5, float("nan"), float("inf"), True, "60"],
                         ids=["zero", "negative", "below-a-millisecond", "nan", "inf", "bool", "string"])
def test_bad_timeouts_are_refused(timeout: Any) -> None:
    with pytest.raises(tconv.TconvError, match="timeout must be a number of seconds from 0.001"):
        tconv.doctor(nn.MaxPool1d(1), (1, 2, 8), timeout=timeout)


MODULES = {
    "loops": "class Net(nn.Module):\n    def forward(self, x):\n        end = time.monotonic() + 30\n"
             "        while time.monotonic() < end:\n            pass\n        return x\n",
    "exits": "class Net(nn.Module):\n    def forward(self, x):\n        sys.exit(5)\n",
    "interrupted": "class Net(nn.Module):\n    def forward(self, x):\n        raise KeyboardInterrupt\n",
    "generator-exit": "class Net(nn.Module):\n    def forward(self, x):\n        raise GeneratorExit('closed')\n",
    "exits-on-import": "sys.exit(7)\n",
    "exits-when-built": "def Net():\n    sys.exit(4)\n",
    "loops-on-import": "end = time.monotonic() + 30\nwhile time.monotonic() < end:\n    pass\nNet = nn.Identity\n",
    "loops-when-built": "def Net():\n    end = time.monotonic() + 30\n"
                        "    while time.monotonic() < end:\n        pass\n",
}
CLI = [
    ("loops", "the model's forward did not finish within 0.5 s at input size [1, 2, 8]; raise --timeout"),
    ("exits", "the model raised SystemExit(5) at input size [1, 2, 8]"),
    ("interrupted", "the model raised KeyboardInterrupt() at input size [1, 2, 8]"),
    ("generator-exit", "the model raised GeneratorExit('closed') at input size [1, 2, 8]"),
    ("exits-on-import", "the model raised SystemExit(7) while MODEL 'zoo_exits_on_import:Net' was imported"),
    ("exits-when-built", "the model raised SystemExit(4) while MODEL 'zoo_exits_when_built:Net' was built"),
    ("loops-on-import", "the model did not finish within 0.5 s while it was imported and built; raise --timeout"),
    ("loops-when-built", "the model did not finish within 0.5 s while it was imported and built; raise --timeout"),
]


@pytest.mark.parametrize("kind,message", CLI, ids=[k for k, _ in CLI])
def test_cli_refuses_a_hanging_or_exiting_model_in_one_line(kind: str, message: str, tmp_path: Path, monkeypatch,
                                                             capsys) -> None:
    torch_trace.prepare()
    name = "zoo_" + kind.replace("-", "_")
    (tmp_path / f"{name}.py").write_text("import sys\nimport time\nfrom torch import nn\n" + MODULES[kind])
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    start = time.monotonic()
    try:
        code = main(["doctor", f"{name}:Net", "--input-shape", "1,2,8", "--timeout", "0.5"])
    finally:
        sys.modules.pop(name, None)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("tconv doctor: error: ") and message in err and len(err.splitlines()) == 1, err
    assert time.monotonic() - start < 5.0


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e3", "٣", "0.00001"],
                         ids=["zero", "negative", "word", "exponent", "arabic-digit", "below-a-millisecond"])
def test_cli_refuses_a_bad_timeout(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["doctor", "m:Net", "--input-shape", "1,2,8", "--timeout", value])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--timeout" in err and "expected seconds from 0.001" in err, err


# ------------------------------------------------------------------------------------------ memory


FIRST_CALL = textwrap.dedent("""
    import tracemalloc
    import torch
    from torch import nn
    import tconv
    from tconv.doctor import torch_trace

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.down, self.up = nn.MaxPool2d(2), nn.ConvTranspose2d(3, 3, 2, stride=2)
        def forward(self, x):
            return torch.cat([x, self.up(self.down(x))], dim=1)

    model = Net()
    prepare, measured = torch_trace.prepare, {}

    def counted_apart():  # the doctor's one-time imports: what follows them is the call's own
        first = not torch_trace._PREPARED
        prepare()
        if first:
            measured["imports"] = tracemalloc.get_traced_memory()[1] - measured["base"]
            tracemalloc.reset_peak()
            measured["base"] = tracemalloc.get_traced_memory()[0]

    torch_trace.prepare = counted_apart
    tracemalloc.start()
    measured["base"] = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    with tconv.options(memory_budget=50 << 20):
        d = tconv.doctor(model, (1, 3, 17, 16))
    print(measured["imports"], tracemalloc.get_traced_memory()[1] - measured["base"], d.ok, len(d.problems))
""")


def test_the_first_call_traces_within_the_budget_its_imports_apart() -> None:
    """In a fresh process, the first doctor call under a 50 MiB budget runs; apart from torch's one-time imports
    (which alone exceed the budget: they are why this is a separate phase) it allocates well within it."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    imports, peak, ok, problems = done.stdout.split()
    assert ok == "False" and problems == "1"  # 17 rows pool to 8, the upsampled 16 cannot join the input's 17
    assert int(peak) <= 50 << 20
    assert int(peak) < 4 << 20 < int(imports)


def test_a_millisecond_limit_refuses_cleanly_even_when_the_timer_fires_at_once() -> None:
    """The timer is armed inside the guarded block: one that fires before the forward starts is still a refusal."""
    for _ in range(5):
        try:
            tconv.doctor(nn.MaxPool1d(1), (1, 2, 8), sizes=(7, 9), timeout=1e-3)
        except tconv.TconvError as exc:
            assert "did not finish within 0.001 s" in str(exc)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")


@pytest.mark.parametrize(("exc", "said"), [(ValueError("line\n" * 10000), "line line line"),
                                           (_Unprintable(), "(a _Unprintable whose message cannot be shown)")],
                         ids=["ten-thousand-lines", "unprintable"])
def test_a_models_own_error_is_reported_on_one_short_line(exc: Exception, said: str) -> None:
    diagnosis = tconv.doctor(Raises(exc), (1, 2, 8), sizes=(8, 8), timeout=5.0)
    [problem] = diagnosis.problems
    assert said in problem.message and len(problem.message) < 400 and "\n" not in problem.message


def test_a_limit_that_fires_inside_a_gc_callback_fires_again_in_the_forward() -> None:
    """A SIGALRM that lands in a garbage-collector callback (hypothesis and profilers install them) would raise
    where Python drops exceptions: the limit fires again a moment later, and the forward is still refused."""
    import gc
    import time

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start":
            time.sleep(0.05)  # long enough for the timer to land here

    class Churn(nn.Module):
        def forward(self, x):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # makes garbage: the collector (and its callback) runs often
                [[object()] for _ in range(1000)]
                gc.collect(0)
            return x

    gc.callbacks.append(slow_callback)
    try:
        start = time.monotonic()
        with pytest.raises(tconv.TconvError, match="did not finish within 0.2 s"):
            tconv.doctor(Churn(), (1, 2, 8), sizes=(8, 8), timeout=0.2)
        assert time.monotonic() - start < 3
    finally:
        gc.callbacks.remove(slow_callback)
