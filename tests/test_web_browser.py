"""The explorer in a real browser: Playwright for Python driving Debian's Chromium (/usr/bin/chromium).

Without Chromium these tests skip with the reason; under CI (CI=true) they must run, so a missing browser fails.
Screenshots go to test-artifacts/ (or $TCONV_ARTIFACTS). The server, browser and page fixtures are in
browser_fixtures.py (shared with test_web_explorer.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import browser_fixtures
import tconv
from tconv.scene.build import sample_arrays

# the shared fixtures, used here by name
base_url, browser, page = browser_fixtures.base_url, browser_fixtures.browser, browser_fixtures.page
_wait_ready = browser_fixtures.wait_ready


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
    page.uncheck("#link")  # H and W apart: the W boxes open
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


def test_the_page_computes_without_the_network(browser, base_url) -> None:
    # Every request after the page has loaded is refused: knobs, views and hover still answer, at once, with the
    # library's numbers (the engine runs in the page; only the walkthrough's text would need Python).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        pg.goto(base_url + "/")
        _wait_ready(pg)
        pg.route("**/*", lambda route: route.abort())
        ready = pg.evaluate("""() => { const box = document.querySelector('#s0');
            box.value = '3'; box.dispatchEvent(new Event('input', { bubbles: true }));
            return document.querySelector('#picture').dataset.ready; }""")
        assert ready == "1"  # drawn in the same task as the knob's event: nothing was waited for
        assert pg.text_content("#size-line") == "3 × 3 → 8 × 8"  # (3 − 1)·3 − 2·1 + (3 − 1) + 1 + 1
        x, w = sample_arrays(None, None, (3, 3), (3, 3), 0)  # the page's default values: seed 0
        y = tconv.conv_transpose(x[None, None], w[None, None], stride=3, padding=1, output_padding=1)[0, 0]
        pg.hover("#output-4-4")
        equation = pg.text_content("#hover-info")
        assert equation.startswith("output y(4, 4) = ") and equation.endswith(f"= {y[4, 4]}")  # the sum of products
        assert equation.count("·") == 9  # the 3 × 3 window's products
        pg.check("input[name=view][value=matrix]")
        assert pg.locator("#matrix tr").count() == 1 + 9
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
    browser_fixtures.settled(page)
    url = page.url
    assert re.search(r"k=4%2C4|k=4,4", url)  # H = W is on for a square layer: one edit set both
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
    with page.expect_download() as download:
        page.click("#download-svg")  # made in the page, from the frame on screen: works on a static site too
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and 'data-view="gather"' in svg and "ConvTranspose2d" in svg
    assert svg.count('class="cell"') == 8 * 8 + 6 * 6 + 2 * 9
    if page.locator('meta[name="tconv-server"]').count():  # served: the GIF comes from the API
        href = page.get_attribute("#download-gif", "href")
        assert href.startswith("api/scene.gif?")
        assert page.request.get(page.url.split("?")[0].rstrip("/") + "/" + href).body()[:6] == b"GIF89a"
    else:  # a static site says how to make it
        assert page.is_hidden("#download-gif")
        assert "tconv animate -i 3,3 -k 3,3 --seed 0 -s 2,2 -p 1,1" in page.text_content("#gif-note")
    page.select_option("#mode", "conv")
    page.wait_for_selector("#picture svg[data-view=conv]")
    assert page.is_hidden("#op0")
    assert "torch.nn.Conv2d" in page.text_content("#code")


def test_phone_width_has_no_horizontal_scroll(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    assert page.is_visible("#i0") and page.is_visible("#picture svg")
