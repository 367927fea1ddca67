"""Shared by the browser tests: the explorer served on a free port, Debian's Chromium driven by Playwright for
Python, and a page fixture that fails the test on any script error.

Without Chromium the importing test module is skipped with the reason; under CI (CI=true) it must run, so a
missing browser fails. Screenshots go to test-artifacts/ (or $TCONV_ARTIFACTS).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TCONV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TCONV_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the browser tests, but {CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); browser tests skipped", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_app() -> Iterator[str]:
    """``tconv serve``'s app (uvicorn) on a free port of 127.0.0.1."""
    # imported here: the JupyterLab test shares the browser fixture and needs no web extra
    uvicorn = pytest.importorskip("uvicorn")
    from tconv.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the explorer did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _serve_site(root: Path) -> Iterator[str]:
    """``tconv site DIR`` hosted as a teacher would: ``python -m http.server`` on 127.0.0.1, no tconv behind it."""
    from tconv.web.site import write_site

    write_site(root)
    yield from _serve_folder(root)


def _serve_folder(root: Path) -> Iterator[str]:
    """A folder of static files served by ``python -m http.server`` on a free port of 127.0.0.1."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("http.server did not start") from None
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


#: Where the explorer runs in the browser tests: served by tconv (its API behind it) and as a static site.
HOSTS = ["serve", "site"]


@pytest.fixture(scope="module", params=HOSTS)
def base_url(request, tmp_path_factory) -> Iterator[str]:
    """The explorer's address, once from ``tconv serve`` and once from the static site: every test runs on both."""
    if request.param == "serve":
        yield from _serve_app()
    else:
        yield from _serve_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url, request) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # A refused configuration is a 422 that the page explains inline; Chromium still logs it. Anything else counts.
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None)
    pg.goto(base_url + "/")
    _wait_ready(pg)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], errors


def _wait_ready(page) -> None:
    # The page marks #picture ready once the current request has drawn and wired everything (hover, equations):
    # an <svg> alone can be on screen before its hover handlers and equations are.
    page.wait_for_selector("#picture[data-ready='1'] svg")
    settled(page)


def settled(page) -> None:
    """Wait until the page has drawn and written its state into the URL (it does that just after drawing)."""
    page.wait_for_function("document.querySelector('#picture').dataset.ready === '1' "
                           "&& document.documentElement.dataset.url === 'written'")


def wait_ready(page) -> None:
    _wait_ready(page)


@contextmanager
def open_page(browser, url: str, width: int = 1280, height: int = 800, **options: Any) -> Iterator[Any]:
    """A page in a fresh context (a viewport, touch...), loaded and ready, that fails on any script error."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None)
    try:
        pg.goto(url)
        settled(pg)
        yield pg
    finally:
        context.close()
    assert errors == [], errors


def set_field(page, field: str, value: str) -> None:
    page.fill(f"#{field}", value)
    page.dispatch_event(f"#{field}", "change")
