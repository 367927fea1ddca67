"""The JavaScript engine (src/tconv/web/static/*.js, ES modules) run in Debian's Chromium through Playwright,
for tests that hold it equal to the Python library.

The explorer's static site (tconv.web.site.write_site) is written to a temporary folder and served by Python's
http.server on 127.0.0.1, as a teacher would host it; a blank page there imports the modules. ``js(module, name,
*args)`` calls an exported function and returns its JSON-able result, or ``{"error": {...}}`` when it throws
(the engine's refusals carry ``message``, ``en`` and ``zh``).
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from browser_fixtures import CHROMIUM, sync_api
from tconv.web.site import write_site

BLANK = "<!doctype html><meta charset='utf-8'><title>engine</title>"

CALL = """async ([module, name, args]) => {
  const m = await import(module);
  try { return { value: m[name](...args) }; }
  catch (e) { return { error: { message: String(e && e.message), en: e && e.en, zh: e && e.zh,
                                 name: e && e.name, parameter: e && e.parameter, stack: String(e && e.stack) } }; }
}"""

CALL_MANY = """async ([module, name, calls]) => {
  const m = await import(module);
  return calls.map((args) => {
    try { return { value: m[name](...args) }; }
    catch (e) { return { error: { message: String(e && e.message), en: e && e.en, zh: e && e.zh,
                                   name: e && e.name, parameter: e && e.parameter, stack: String(e && e.stack) } }; }
  });
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    """The static site, written by write_site and served by http.server on a free port of 127.0.0.1."""
    root = tmp_path_factory.mktemp("site")
    write_site(root)
    (root / "blank.html").write_text(BLANK, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def js(site_url) -> Iterator[Callable[..., Any]]:
    """``js("plan.js", "layerReport", cfg, "en")`` → {"value": ...} or {"error": {...}};
    ``js.many("plan.js", "layerReport", [[cfg, "en"], ...])`` → a list of those, in one round trip."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(site_url + "/blank.html")

        def call(module: str, name: str, *args: Any) -> Any:
            return page.evaluate(CALL, [f"/static/{module}", name, list(args)])

        def many(module: str, name: str, calls: list[list[Any]]) -> list[Any]:
            return page.evaluate(CALL_MANY, [f"/static/{module}", name, calls])

        call.many = many  # type: ignore[attr-defined]
        call.page = page  # type: ignore[attr-defined]
        yield call
        browser.close()
        assert errors == [], errors


def plain(value: Any) -> Any:
    """A Python answer as JSON gives it back (tuples as lists, NumPy scalars as numbers)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


__all__ = ["js", "plain", "site_url"]

