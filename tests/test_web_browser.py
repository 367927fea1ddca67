"""The explorer in a real browser: Playwright for Python driving Debian's Chromium (/usr/bin/chromium).

Without Chromium these tests skip with the reason; under CI (CI=true) they must run, so a missing browser fails.
Screenshots go to test-artifacts/ (or $TCONV_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tconv

CHROMIUM = os.environ.get("TCONV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TCONV_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the browser tests, but {CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); browser tests skipped", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from tconv.scene.build import sample_arrays  # noqa: E402
from tconv.web.app import create_app  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
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


def _set(page, field: str, value: str) -> None:
    page.fill(f"#{field}", value)
    page.dispatch_event(f"#{field}", "change")


def _wait_text(page, selector: str, pattern: str) -> str:
    page.wait_for_function(
        "([sel, pat]) => new RegExp(pat).test(document.querySelector(sel).textContent)", arg=[selector, pattern]
    )
    return page.text_content(selector)


def test_loads_with_defaults_and_reports_the_size(page) -> None:
    assert page.text_content("#size-line") == "3 × 3 → 6 × 6"
    assert page.text_content("#frame-counter") == "1 / 36"
    assert "relation 14" in page.text_content("#size-details")
    assert "torch.nn.ConvTranspose2d" in page.text_content("#code")


def test_changing_parameters_updates_the_size(page) -> None:
    _set(page, "i0", "4")
    _set(page, "s1", "3")
    expected = tconv.conv_transpose_output_size((4, 3), 3, stride=(2, 3), padding=1, output_padding=1)
    _wait_text(page, "#size-line", f"→ {expected[0]} × {expected[1]}$")
    assert page.get_attribute("#size-line", "data-output") == f"{expected[0]},{expected[1]}"
    _wait_text(page, "#frame-counter", rf"/ {expected[0] * expected[1]}$")


def test_stepping_scrubbing_and_playing(page) -> None:
    page.click("#next")
    assert page.text_content("#frame-counter") == "2 / 36"
    visible = page.locator("#picture g.frame[visibility=visible]")
    assert visible.count() == 1 and visible.get_attribute("data-frame") == "1"
    page.click("#prev")
    page.click("#prev")
    assert page.text_content("#frame-counter") == "36 / 36"
    page.fill("#scrub", "10")
    page.dispatch_event("#scrub", "input")
    assert page.text_content("#frame-counter") == "11 / 36"
    page.select_option("#speed", "4")
    page.click("#play")
    page.wait_for_function("document.querySelector('#frame-counter').textContent !== '11 / 36'")
    page.click("#pause")
    stopped = page.text_content("#frame-counter")
    page.wait_for_timeout(500)
    assert page.text_content("#frame-counter") == stopped


def test_hover_links_output_cell_to_its_inputs_and_taps(page) -> None:
    page.hover("#output-1-1")
    assert "hovered" in page.get_attribute("#output-1-1", "class")
    linked = page.eval_on_selector_all("#picture rect.linked", "els => els.map(e => e.id)")
    inputs = [i for i in linked if i.startswith("input-")]
    taps = [i for i in linked if i.startswith("flipped-")]
    assert sorted(inputs) == sorted(f"input-{r}-{c}" for r in (1, 2, 3) for c in (1, 2, 3))  # the 3×3 window at (1, 1)
    assert len(taps) == 9
    x, w = sample_arrays(None, None, (3, 3), (3, 3), 0)  # the page's default values: seed 0
    y = tconv.conv_transpose(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    assert page.text_content("#hover-info").endswith(f"= {y[1, 1]}")
    # the reverse: an input cell links to every output cell whose window covers it
    page.hover("#input-1-1")
    outs = page.eval_on_selector_all(
        "#picture rect.linked", "els => els.map(e => e.id).filter(i => i.startsWith('output-'))"
    )
    assert sorted(outs) == sorted(f"output-{r}-{c}" for r in (0, 1) for c in (0, 1))


def test_hover_answers_before_the_equations_arrive(browser, base_url) -> None:
    # Hold back the walkthrough request: the picture must already answer the mouse (with frame captions), and the
    # page must not call itself ready until the equations have arrived and replaced them.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    held: list[object] = []
    pg.route("**/api/explain*", lambda route: held.append(route))
    x, w = sample_arrays(None, None, (3, 3), (3, 3), 0)  # the page's default values: seed 0
    y = tconv.conv_transpose(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    try:
        pg.goto(base_url + "/")
        pg.wait_for_function("() => document.querySelector('#picture svg') !== null")
        pg.wait_for_function("() => document.querySelector('#picture').dataset.ready === '0'")
        pg.hover("#output-1-1")
        assert "hovered" in pg.get_attribute("#output-1-1", "class")
        caption = pg.text_content("#hover-info")
        assert caption == f"output (1, 1) = Σ flipped kernel × window = {y[1, 1]}"
        assert pg.get_attribute("#picture", "data-ready") == "0"
        assert len(held) == 1
        held[0].continue_()
        _wait_ready(pg)
        pg.hover("#input-0-0")
        pg.hover("#output-1-1")
        equation = pg.text_content("#hover-info")
        assert equation.startswith("y(1, 1) = ") and equation.endswith(f"= {y[1, 1]}")  # the sum of products
    finally:
        context.close()


def test_switching_views(page) -> None:
    page.check("input[name=view][value=scatter]")
    page.wait_for_selector("#picture svg[data-view=scatter]")
    _wait_text(page, "#frame-counter", r"/ 9$")  # one stamp per input cell
    page.check("input[name=view][value=matrix]")
    page.wait_for_selector("#matrix table")
    assert (
        page.locator("#matrix tr").count() == 1 + 9 and page.locator("#matrix tr").first.locator("th").count() == 1 + 36
    )
    page.check("input[name=view][value=overlap]")
    page.wait_for_selector("#picture svg[data-view=overlap]")
    assert "uneven" in page.text_content("#caption")
    page.check("input[name=view][value=gather]")
    page.wait_for_selector("#picture svg[data-view=gather]")


def test_a_shared_url_restores_the_state(page, browser) -> None:
    _set(page, "k0", "4")
    page.check("input[name=view][value=scatter]")
    page.select_option("#lang", "zh")
    page.wait_for_selector("#picture svg[data-view=scatter]")
    url = page.url
    assert re.search(r"k=4%2C3|k=4,3", url)
    other = browser.new_page()
    other.goto(url)
    other.wait_for_selector("#picture svg[data-view=scatter]")
    assert other.input_value("#k0") == "4" and other.input_value("#lang") == "zh"
    assert other.is_checked("input[name=view][value=scatter]")
    assert other.text_content("#size-line") == page.text_content("#size-line")
    assert "输入尺寸" in other.text_content("#params")
    other.close()


def test_invalid_settings_are_explained_inline(page) -> None:
    _set(page, "op0", "2")
    page.wait_for_selector("#error:not([hidden])")
    assert "output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1)" in page.text_content("#error")
    assert "stale" in page.get_attribute("#picture", "class")
    _set(page, "op0", "1")
    page.wait_for_selector("#error[hidden]", state="attached")


def test_downloads_and_conv_mode(page) -> None:
    href = page.get_attribute("#download-gif", "href")
    assert href.startswith("/api/scene.gif?")
    assert page.request.get(page.url.split("?")[0].rstrip("/") + href).body()[:6] == b"GIF89a"
    page.select_option("#mode", "conv")
    page.wait_for_selector("#picture svg[data-view=conv]")
    assert page.is_hidden("#op0")
    assert "torch.nn.Conv2d" in page.text_content("#code")


def test_phone_width_has_no_horizontal_scroll(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    assert page.is_visible("#i0") and page.is_visible("#picture svg")
