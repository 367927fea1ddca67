"""A real JupyterLab for the notebook tests: started by the test on 127.0.0.1 with a random token, driven by
Playwright through the shared Chromium of ``browser_fixtures``.

The server runs this interpreter (``python -m jupyterlab``) with every Jupyter directory inside a temporary folder:
no user settings, workspaces or kernels leak in, and the one kernel, ``python3``, is jupyter_kernel's: this
interpreter with the tconv under test first on its path. News, update checks, the extension manager and terminals
are off, so no notification or dialog covers the notebook. The server and its kernels are stopped at teardown
(SIGTERM, then SIGKILL after a bound), whether the test passed or not.

Without JupyterLab (or anywidget, nbformat, ipykernel) or Chromium the importing module is skipped with the reason;
under CI (CI=true) they come with the test extra, so a missing one fails.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyter_kernel import python_kernel, require

require("jupyterlab", "anywidget", "nbformat", "ipykernel", "psutil")

import nbformat  # noqa: E402
import psutil  # noqa: E402

import browser_fixtures  # noqa: E402  (skips the module without Chromium)

ARTIFACTS = browser_fixtures.ARTIFACTS
#: The cells of the notebook on screen (a notebook in another tab stays in the page, hidden).
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"
#: How long the server may take to answer /api/status, and JupyterLab to show a notebook with its kernel idle.
START_TIMEOUT_S, OPEN_TIMEOUT_MS = 60, 90_000
#: How long one cell may run (the first ``import tconv`` in a cold kernel included).
CELL_TIMEOUT_MS = 60_000

browser = browser_fixtures.browser


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its address, token, the folder it serves and its log."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        # reset: the workspace (the tabs an earlier test left open) is forgotten, only this notebook is shown
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def _settings(folder: Path) -> None:
    """User settings and page config that keep popups away: never ask about news, never check for updates."""
    notification = folder / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    config = folder / "config"
    (config / "labconfig").mkdir(parents=True)
    # Terminals are off on the server (their shutdown can hang it): the page is told not to offer them.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/terminal-extension": True}}))
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_server_terminals": False}}}))
    python_kernel(folder / "data" / "kernels")


def _environment(folder: Path) -> dict[str, str]:
    return {**os.environ,
            "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTER_DATA_DIR": str(folder / "data"),
            "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
            # the temporary data folder (with its kernel) before the environment's: a venv is preferred otherwise
            "JUPYTER_PREFER_ENV_PATH": "0", "JUPYTER_PLATFORM_DIRS": "1"}


def _die_with_parent() -> None:
    """In the server's process before it starts (Linux): SIGTERM it when the test process dies, however it dies
    (a ``timeout`` or a kill skips the fixture's teardown). The server then stops its kernels itself."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and its kernels (each kernel has a session of its own), SIGKILL what is left after 10 s."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        with suppress(psutil.NoSuchProcess):
            p.terminate()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    _, alive = psutil.wait_procs(family, timeout=5)
    for p in alive:
        p.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on a free port of 127.0.0.1, serving a temporary folder, until the module's tests are done."""
    folder = tmp_path_factory.mktemp("jupyterlab")
    _settings(folder)
    root = folder / "notebooks"
    root.mkdir()
    port, token = browser_fixtures._free_port(), secrets.token_hex(16)
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--allow-root",  # containers and CI runners are often root; the server refuses root without it
             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly"],
            env=_environment(folder), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # an http_proxy of CI's is not asked
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with direct.open(f"{lab.url}/api/status?token={token}", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start within {START_TIMEOUT_S} s:\n{lab.log_tail()}")
            time.sleep(0.2)
        yield lab
    finally:
        _stop(proc)


def write_notebook(lab: Lab, name: str, cells: list[str]) -> str:
    """A notebook of code cells, written into the served folder for the page to open; its name."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, lab.root / name)
    return name


@contextmanager
def open_notebook(browser: Any, lab: Lab, name: str) -> Iterator[Any]:
    """The notebook in a fresh 1280 × 800 page, its kernel started and idle, the left sidebar folded. At the end,
    pass or fail, the page is kept as test-artifacts/jupyterlab-{name}.png and the server's log beside it; any
    script error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e.stack or e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    try:
        page.goto(lab.notebook_url(name), timeout=OPEN_TIMEOUT_MS)
        # The indicator reads idle before a kernel exists ("No Kernel"): wait for the kernel's name as well.
        page.wait_for_function("""() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const name = panel && panel.querySelector('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName');
            const state = panel && panel.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
            return name && !/No Kernel/.test(name.textContent) && state && state.dataset.status === 'idle';
        }""", timeout=OPEN_TIMEOUT_MS)
        # The file browser folded away before anything is drawn: outputs get the width (as a learner would give
        # them), and no layout change moves a picture under the mouse later.
        folder = page.locator(".jp-SideBar.jp-mod-left li.lm-mod-current")
        if folder.count():
            folder.click()
            page.locator("#jp-left-stack").wait_for(state="hidden")
        yield page
    except Exception as failure:
        if errors:  # the page's own error is the likelier cause of a timeout than the timeout
            raise AssertionError("script errors on the page:\n" + "\n".join(errors)) from failure
        raise
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = f"jupyterlab-{Path(name).stem}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), timeout=10_000)
        finally:
            (ARTIFACTS / f"{stem}-server.log").write_text(lab.log_tail(20_000), encoding="utf-8")
            context.close()
    assert errors == [], errors


def cell(page: Any, index: int) -> Any:
    """The notebook's cell at index (0-based), as a locator."""
    return page.locator(CELLS).nth(index)


def run_cell(page: Any, index: int, count: int) -> Any:
    """Run the cell at index as a user does (select it, Ctrl+Enter: run in place, no new cell) and wait until its
    prompt reads ``[count]:``, the kernel's execution count; the cell's locator."""
    target = cell(page, index)
    target.locator(".jp-InputArea-prompt").click()  # selects the cell in command mode
    page.wait_for_function("([cells, i]) => document.querySelectorAll(cells)[i].classList.contains('jp-mod-active')",
                           arg=[CELLS, index])
    page.keyboard.press("Control+Enter")
    page.wait_for_function("([cells, i, n]) => document.querySelectorAll(cells)[i]"
                           ".querySelector('.jp-InputArea-prompt').textContent.trim() === `[${n}]:`",
                           arg=[CELLS, index, count], timeout=CELL_TIMEOUT_MS)
    # A traceback (or a warning) is written on stderr: the cell failed, and the test says how.
    stderr = target.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    if stderr.count():
        raise AssertionError(f"cell {index} wrote on stderr:\n" + "\n".join(stderr.all_inner_texts()))
    return target


def output_text(page: Any, index: int) -> str:
    """The text of the cell's outputs at index, joined by newlines, whitespace at the ends stripped."""
    return "\n".join(cell(page, index).locator(".jp-OutputArea-output").all_inner_texts()).strip()
