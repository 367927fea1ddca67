"""The explorer page of issue #14, in a real browser: every cell told truly (from its data-role, data-index and
data-between), one highlight at a time, touch, no sideways scroll, a fixed drawing scale, copy and share, both
languages. Each page is opened at a stated size (1280×800 laptop, 390×844 phone) with its state in the URL.

Screenshots of the hovered (or tapped) page go to test-artifacts/explorer-{lang}-{width}x{height}.png; the README's
docs/images/explorer.png is explorer-en-1280x800.png.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import browser_fixtures
import tconv
from browser_fixtures import ARTIFACTS, open_page, set_field
from tconv.scene.build import sample_arrays

# the shared fixtures, used here by name
base_url, browser = browser_fixtures.base_url, browser_fixtures.browser

LAPTOP, PHONE = (1280, 800), (390, 844)
TOUCH = {"has_touch": True, "is_mobile": True}
# the page's defaults, stated: ConvTranspose2d(k=3, s=2, p=1, output_padding=1) on a 3 × 3 input, numbers shown
LAYER = "mode=transposed&i=3,3&k=3,3&s=2,2&p=1,1&op=1,1&d=1,1&values=1&seed=0"


def _sample(i: tuple[int, int] = (3, 3), k: tuple[int, int] = (3, 3)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scene's own numbers (seed 0) and the transposed convolution of the default layer."""
    x, w = sample_arrays(None, None, i, k, 0)
    y = tconv.conv_transpose(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    return x, w, y


def _cell(role: str, index: str | None = None, between: str | None = None) -> str:
    sel = f"#picture rect.cell[data-role={role}]"
    if index is not None:
        sel += f"[data-index='{index}']"
    if between is not None:
        sel += f"[data-between='{between}']"
    return sel


def _point(pg: Any, selector: str, touch: bool = False) -> str:
    """Hover (or tap) the first element matching selector; what #hover-info then says."""
    el = pg.locator(selector).first
    el.tap() if touch else el.hover()
    pg.wait_for_selector("#hover-info:not([hidden])")
    return pg.text_content("#hover-info")


def _lit(pg: Any, role: str = "output") -> set[str]:
    """data-index of the lit (linked) cells of a role."""
    lit = pg.eval_on_selector_all(f"#picture rect.linked[data-role={role}]", "els => els.map(e => e.dataset.index)")
    return set(lit)


def _inside_viewport(pg: Any, selector: str) -> bool:
    """Every element matching selector is drawn, wholly inside the viewport."""
    return pg.evaluate(
        """sel => { const els = [...document.querySelectorAll(sel)];
                    return els.length > 0 && els.every(e => { const r = e.getBoundingClientRect();
                      return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth
                             && r.bottom <= innerHeight; }); }""",
        selector,
    )


# ---- every cell told truly


def test_gather_cells_are_told_by_role_and_true_index(browser, base_url) -> None:
    x, w, y = _sample()
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather") as pg:
        info = _point(pg, _cell("input", "0,0"))
        assert info.startswith(f"input x(0, 0) = {x[0, 0]}")
        assert _lit(pg) == {"0,0", "0,1", "1,0", "1,1"}  # the outputs whose window holds x(0, 0)
        info = _point(pg, _cell("pad"))
        assert info.startswith("padding") and "x(" not in info
        assert _lit(pg) == set()
        info = _point(pg, _cell("zero", between="0,0;0,1"))
        assert info.startswith("inserted zero between x(0, 0) and x(0, 1)")
        assert _lit(pg) == set()  # an inserted zero feeds nothing
        info = _point(pg, _cell("output", "1,1"))
        assert info.startswith("output y(1, 1) = ") and info.endswith(f"= {y[1, 1]}")
        assert _lit(pg, "input") == {"0,0", "0,1", "1,0", "1,1"}  # the real inputs in its window
        kernel = "#picture rect.cell[data-role=kernel]"
        assert _point(pg, f"{kernel}:not([data-flipped])[data-index='0,1']").startswith(f"kernel w(0, 1) = {w[0, 1]}")
        info = _point(pg, f"{kernel}[data-flipped=true][data-index='2,2']")  # the flipped kernel's first cell
        assert info.startswith(f"flipped kernel: here w(2, 2) = {w[2, 2]}")


def test_scatter_cells_are_told_by_role_and_true_index(browser, base_url) -> None:
    x, _, y = _sample()
    with open_page(browser, f"{base_url}/?{LAYER}&view=scatter") as pg:
        assert _point(pg, _cell("input", "1,2")).startswith(f"input x(1, 2) = {x[1, 2]}")
        # its 3 × 3 stamp, from (2·1 − 1, 2·2 − 1) after the crop of padding 1: inside the 6 × 6 output
        assert _lit(pg) == {f"{r},{c}" for r in (1, 2, 3) for c in (3, 4, 5)}
        assert _point(pg, _cell("crop")).startswith("cropped by padding")
        info = _point(pg, _cell("output", "2,3"))
        assert info.startswith("output y(2, 3) = ") and info.endswith(f"= {y[2, 3]}")


def test_conv_cells_are_told_by_role_and_true_index(browser, base_url) -> None:
    x, _ = sample_arrays(None, None, (5, 5), (3, 3), 0)
    with open_page(browser, f"{base_url}/?mode=conv&i=5,5&k=3,3&s=2,2&p=1,1&d=1,1&values=1&seed=0") as pg:
        assert _point(pg, _cell("input", "0,0")).startswith(f"input x(0, 0) = {x[0, 0]}")
        assert _lit(pg) == {"0,0"}  # stride 2, padding 1: only the first window holds x(0, 0)
        assert _point(pg, _cell("pad")).startswith("padding")
        assert _lit(pg) == set()
        assert _point(pg, _cell("output", "1,1")).startswith("output y(1, 1) = ")


def test_matrix_cells_are_told_by_row_and_column(browser, base_url) -> None:
    _, _, y = _sample()
    with open_page(browser, f"{base_url}/?{LAYER}&view=matrix") as pg:
        pg.wait_for_selector("#matrix[data-ready='1'] table")
        info = _point(pg, "#matrix th[data-role=input][data-index='0,0']")
        assert info.startswith("input x(0, 0)") and "4 lit outputs" in info
        info = _point(pg, "#matrix th[data-role=output][data-index='1,1']")
        assert info.startswith("output y(1, 1) = ") and info.endswith(f"= {y[1, 1]}")
        info = _point(pg, "#matrix td[data-row='0'][data-col='1']")
        assert info.startswith("C[x(0, 0), y(0, 1)] = ")
        # the column of y(0, 1) and the row of x(0, 0) are lit
        assert pg.locator("#matrix td.linked").count() == 9 + 36 - 1


def test_overlap_cells_say_their_taps(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=overlap") as pg:
        assert _point(pg, _cell("heat", "1,1")).startswith("output y(1, 1): 4 taps")
        assert _point(pg, _cell("heat", "0,0")).startswith("output y(0, 0): 1 tap ")


# ---- one highlight, in view


def _shown(pg: Any, selector: str) -> int:
    """How many elements matching selector are drawn (not display:none, not visibility:hidden)."""
    return pg.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && getComputedStyle(e).visibility === 'visible'; }).length""",
        selector,
    )


def test_hover_replaces_the_frame_highlight(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather&frame=1") as pg:
        assert _shown(pg, "#picture rect.highlight") == 1  # paused on frame 1: its current cell
        info = _point(pg, _cell("output", "2,2"))
        assert _shown(pg, "#picture rect.highlight, #picture rect.hovered") == 1  # one orange box
        assert _shown(pg, "#picture rect.footprint") == 0  # the frame's window steps aside too
        assert _shown(pg, "#picture text.caption") == 0
        assert pg.text_content("#caption") == info.split("\n")[0]  # the caption follows the hovered cell
        pg.mouse.move(2, 2)  # away: the frame is back
        pg.wait_for_selector("#hover-info[hidden]", state="attached")
        assert _shown(pg, "#picture rect.highlight") == 1


def test_hover_info_is_in_view_at_laptop_size(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather") as pg:
        # the whole picture, kernel and legend included, is in view at once
        for sel in ["#picture svg", "#picture rect.cell[data-role=kernel]", "#picture .legend-item"]:
            assert _inside_viewport(pg, sel), sel
        _point(pg, _cell("output", "5,5"))
        assert _inside_viewport(pg, "#hover-info")
        assert pg.evaluate("scrollY") == 0


def test_touch_tap_tap_again_and_drag(browser, base_url) -> None:
    x, _, _ = _sample()
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather", *PHONE, **TOUCH) as pg:
        assert _point(pg, _cell("input", "0,0"), touch=True).startswith(f"input x(0, 0) = {x[0, 0]}")
        assert _inside_viewport(pg, "#hover-info")
        assert _point(pg, _cell("input", "1,1"), touch=True).startswith(f"input x(1, 1) = {x[1, 1]}")
        assert pg.locator("#picture rect.hovered").count() == 1  # the second tap moved it
        # a finger pressed on the described cell, x(1, 1), and dragged over the zero to x(1, 0): followed
        start = pg.locator(_cell("input", "1,1")).bounding_box()
        end = pg.locator(_cell("input", "1,0")).bounding_box()
        cdp = pg.context.new_cdp_session(pg)

        def touch(kind: str, box: dict[str, float] | None) -> None:
            points = [] if box is None else [{"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        def says(text: str) -> None:  # pointermove is dispatched with the next animation frame: wait for it
            pg.wait_for_function("t => document.querySelector('#hover-info').textContent.startsWith(t)", arg=text)

        touch("touchStart", start)
        says("input x(1, 1)")
        scrolled = pg.evaluate("[scrollY, document.querySelector('#stage').scrollLeft]")
        for step in range(1, 5):
            touch("touchMove", {k: start[k] + (end[k] - start[k]) * step / 8 for k in start})
        says("inserted zero between x(1, 0) and x(1, 1)")
        for step in range(5, 9):
            touch("touchMove", {k: start[k] + (end[k] - start[k]) * step / 8 for k in start})
        says(f"input x(1, 0) = {x[1, 0]}")
        touch("touchEnd", None)
        pg.wait_for_timeout(100)
        assert pg.text_content("#hover-info").startswith("input x(1, 0)")  # it stays after the finger lifts
        assert pg.evaluate("[scrollY, document.querySelector('#stage').scrollLeft]") == scrolled  # nothing scrolled


# ---- layout: no sideways scroll, a fixed scale


VIEWS = {
    "gather": "view=gather",
    "scatter": "view=scatter",
    "matrix": "view=matrix",
    "overlap": "view=overlap",
    "conv": "mode=conv&i=5,5&k=3,3&s=2,2&p=1,1&d=1,1",
    "large": "view=gather&i=12,12&k=5,5&s=1,1&p=0,0&op=0,0&values=0",
    "old-name": "view=equivalent",
}


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
@pytest.mark.parametrize("state", list(VIEWS.values()), ids=list(VIEWS))
def test_no_sideways_scroll_and_a_readable_scale(browser, base_url, state: str, size: tuple[int, int]) -> None:
    with open_page(browser, f"{base_url}/?{state}&{LAYER}", *size) as pg:
        if "matrix" in state:
            pg.wait_for_selector("#matrix[data-ready='1'] table")
        assert pg.evaluate("document.documentElement.scrollWidth") <= size[0]
        if "matrix" in state:
            return
        # never enlarged; scaled down to fit its box, so nothing scrolls sideways, the picture box included
        scale = pg.evaluate("""() => { const s = document.querySelector('#picture svg');
                                return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }""")
        assert 0.2 <= scale <= 1.0001, scale
        assert pg.evaluate("(s => s.scrollWidth <= s.clientWidth)(document.querySelector('#stage'))")


def test_matrix_scrolls_in_its_box_with_headers_in_view(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?view=matrix&i=6,6&{LAYER}") as pg:
        pg.wait_for_selector("#matrix[data-ready='1'] table")
        assert pg.evaluate("document.documentElement.scrollWidth") <= LAPTOP[0]
        corner = pg.text_content("#matrix thead th.corner")
        assert "x" in corner and "y" in corner
        assert pg.text_content("#matrix thead th[data-col='0']").startswith("y")
        assert pg.text_content("#matrix tbody th[data-row='0']").startswith("x")
        pg.evaluate("() => { const s = document.querySelector('#stage'); s.scrollLeft = 900; s.scrollTop = 300; }")
        pg.wait_for_timeout(50)
        edges = pg.evaluate("""() => {
            const s = document.querySelector('#stage').getBoundingClientRect();
            const col = document.querySelector('#matrix thead th[data-col="40"]').getBoundingClientRect();
            const row = document.querySelector('#matrix tbody th[data-row="20"]').getBoundingClientRect();
            return [col.top - s.top, row.left - s.left]; }""")
        assert abs(edges[0]) <= 1 and abs(edges[1]) <= 1, edges  # the headers stick to the box's edges


# ---- both languages


def test_chinese_page_and_picture(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather&lang=zh") as pg:
        svg_text = " ".join(pg.eval_on_selector_all("#picture svg text", "els => els.map(e => e.textContent)"))
        assert re.search(r"[\u4e00-\u9fff]", svg_text), svg_text[:200]  # the picture itself is translated
        assert _point(pg, _cell("zero", between="0,0;0,1")).startswith("插入的零，位于 x(0, 0) 与 x(0, 1) 之间")
        assert _point(pg, _cell("pad")).startswith("填充")
        assert _point(pg, _cell("input", "0,0")).startswith("输入 x(0, 0)")
        assert _point(pg, _cell("output", "1,1")).startswith("输出 y(1, 1) = ")
        assert "关系 14 (转置卷积：有填充" in pg.text_content("#size-details")  # the relation's title too


# ---- copy, share, vocabulary, small things


def test_copy_code_and_link(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather") as pg:
        pg.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
        pg.click("#copy-code")
        pg.wait_for_selector("#copy-code[data-copied='1']")
        assert pg.text_content("#copy-code") == "copied ✓"
        assert pg.evaluate("navigator.clipboard.readText()") == pg.text_content("#code")
        pg.click("#next")
        pg.click("#next")
        pg.evaluate("window.stillHere = true")
        pg.click("#share")
        pg.wait_for_selector("#share[data-copied='1']")
        assert pg.text_content("#share") == "link copied ✓"
        assert pg.evaluate("window.stillHere === true")  # copied, not reloaded
        link = pg.evaluate("navigator.clipboard.readText()")
        assert "frame=3" in link and "view=gather" in link and link == pg.url
    with open_page(browser, link) as again:
        assert again.text_content("#frame-counter") == "3 / 36"


def test_code_block_wraps_on_a_phone(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather", *PHONE) as pg:
        assert "ConvTranspose2d(" in pg.text_content("#code")
        assert pg.eval_on_selector("#code", "c => c.scrollWidth <= c.clientWidth")  # wrapped, not cut off


def test_old_view_name_loads_the_gather_view(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=equivalent") as pg:
        assert pg.is_checked("input[name=view][value=gather]")
        assert "view=gather" in pg.url and "equivalent" not in pg.url
        assert pg.locator("#picture svg[data-view=gather]").count() == 1


def test_one_output_size_box_says_which_is_empty(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather&link=0") as pg:
        set_field(pg, "os0", "5")
        pg.wait_for_selector("#error:not([hidden])")
        assert pg.text_content("#error") == (
            "output_size: W is empty; fill both H and W, or clear both to use output_padding"
        )
        assert pg.input_value("#os0") == "5"  # the user's box is left as typed
        set_field(pg, "os1", "6")
        pg.wait_for_selector("#error[hidden]", state="attached")
        assert pg.text_content("#size-line") == "3 × 3 → 5 × 6"


def test_an_error_dims_everything_stale(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather") as pg:
        set_field(pg, "op0", "2")
        pg.wait_for_selector("#error:not([hidden])")
        for sel in ["#size-line", "#code", "#stage", "#caption-line", "#size-box"]:
            assert float(pg.eval_on_selector(sel, "e => getComputedStyle(e).opacity")) < 0.5, sel


@pytest.mark.parametrize(
    ("state", "hidden", "shown"),
    [
        ("view=overlap", ["#values", "#seed", "#player", "#download-svg", "#download-gif"], ["#layers"]),
        ("view=matrix", ["#values", "#player", "#layers", "#download-gif"], ["#seed", "#matrix table"]),
        ("mode=conv", ["#views", "#op0", "#os0", "#layers", "#walkthrough-box"], ["#values", "#player"]),
        ("view=gather", ["#layers"], ["#values", "#player", "#seed", "#walkthrough-box"]),
    ],
    ids=["overlap", "matrix", "conv", "gather"],
)
def test_controls_that_do_nothing_are_hidden(
    browser, base_url, state: str, hidden: list[str], shown: list[str]
) -> None:
    with open_page(browser, f"{base_url}/?{state}&{LAYER}") as pg:
        pg.wait_for_function("document.querySelector('#matrix').dataset.ready === '1'")
        for sel in hidden:
            assert pg.is_hidden(sel), sel
        for sel in shown:
            assert pg.is_visible(sel), sel


# ---- screenshots


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1280x800", "390x844"])
def test_screenshots_with_an_output_described(browser, base_url, lang: str, size: tuple[int, int]) -> None:
    touch = size == PHONE
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather&lang={lang}", *size, **(TOUCH if touch else {})) as pg:
        info = _point(pg, _cell("output", "1,1"), touch=touch)
        assert info.startswith("output y(1, 1)" if lang == "en" else "输出 y(1, 1)")
        assert _inside_viewport(pg, "#hover-info")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"explorer-{lang}-{size[0]}x{size[1]}.png"))
