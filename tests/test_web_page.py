"""The explorer of issue #24 in a real browser, on tconv serve and on the static site alike: typed values and the
tutorials' worked example, the H = W link, phones (every view's panels inside the picture, no sideways scroll),
a view change resetting the scroll, a tap outside the cells clearing the description, both languages in every
caption, and what the page says where only Python can help (the walkthrough, the GIF).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import browser_fixtures
from browser_fixtures import open_page, set_field

# the shared fixtures, used here by name
base_url, browser = browser_fixtures.base_url, browser_fixtures.browser

LAPTOP, PHONE = (1280, 800), (390, 844)
TOUCH = {"has_touch": True, "is_mobile": True}
LAYER = "mode=transposed&i=3,3&k=3,3&s=2,2&p=1,1&op=1,1&d=1,1&values=1&seed=0"
TUTORIAL = [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]


def _outputs(pg: Any) -> list[list[str]]:
    """The output grid's numbers at the last frame (every output set), row by row."""
    pg.evaluate("""() => { const s = document.querySelector('#scrub'); s.value = s.max;
                          s.dispatchEvent(new Event('input')); }""")
    rows, cols = (int(v) for v in pg.get_attribute("#size-line", "data-output").split(","))
    cells = pg.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#picture text.value[data-cell^="output-"]')]
        .map(t => [t.dataset.cell, t.textContent]))""")
    return [[cells.get(f"output-{r}-{c}") for c in range(cols)] for r in range(rows)]


def _renders(pg: Any) -> int:
    return int(pg.get_attribute("#picture", "data-renders"))


# ---- typed values


def test_the_worked_example_button_reads_the_tutorials_output(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}") as pg:
        pg.click("#example")
        pg.wait_for_function("document.querySelector('#picture').dataset.ready === '1'")
        assert pg.input_value("#x-values") == "4, 4, 3\n0, 3, 4\n2, 3, 2"
        assert pg.input_value("#w-values") == "1, 2\n0, 1"
        assert pg.text_content("#size-line") == "3 × 3 → 4 × 4"
        assert _outputs(pg) == [[str(v) for v in row] for row in TUTORIAL]
        set_field(pg, "p0", "1")  # H = W is on: padding 1 on both axes
        assert pg.text_content("#size-line") == "3 × 3 → 2 × 2"
        assert _outputs(pg) == [["7", "14"], ["7", "11"]]
        browser_fixtures.settled(pg)
        assert "x=4%2C4%2C3%3B0%2C3%2C4%3B2%2C3%2C2" in pg.url and "w=1%2C2%3B0%2C1" in pg.url  # kept in the URL


def test_typed_values_are_kept_in_the_url_and_set_the_sizes(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&link=0") as pg:
        pg.fill("#w-values", "1 0\n0 -1")
        pg.fill("#x-values", "1; 2 ;3\n")  # one column of three rows
        pg.dispatch_event("#x-values", "change")
        assert pg.input_value("#i0") == "3" and pg.input_value("#i1") == "1"
        assert pg.input_value("#k0") == "2" and pg.input_value("#k1") == "2"
        assert pg.is_hidden("#error") and pg.is_hidden("#x-error")
        browser_fixtures.settled(pg)
        url = pg.url
    with open_page(browser, url) as again:
        assert again.input_value("#x-values") == "1\n2\n3" and again.input_value("#w-values") == "1, 0\n0, -1"
        assert again.locator("#picture rect.cell[data-role=input]").count() == 3


@pytest.mark.parametrize(("box", "text", "message"), [
    ("x", "1 2 3\n4 5", "input values: row 2 has 2 numbers and row 1 has 3: every row needs as many"),
    ("x", "1 2 x", 'input values: "x" (row 1) is not a number'),
    ("w", "1e9", "kernel values: 1e9 is beyond ±1,000,000"),
], ids=["ragged", "not-a-number", "too-large"])
def test_bad_values_get_a_message_at_their_box(browser, base_url, box: str, text: str, message: str) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&x=1,2,3;4,5,6;7,8,9&w=1,0,0;0,1,0;0,0,1") as pg:
        pg.fill(f"#{box}-values", text)
        pg.dispatch_event(f"#{box}-values", "change")
        assert pg.text_content(f"#{box}-error") == message
        assert pg.get_attribute(f"#{box}-values", "aria-invalid") == "true"
        assert pg.is_visible("#size-line") and pg.is_visible("#params")  # the page stands; the picture is dimmed
        pg.fill(f"#{box}-values", "1 0 0; 0 1 0; 0 0 1" if box == "w" else "1 2 3; 4 5 6; 7 8 9")
        pg.dispatch_event(f"#{box}-values", "change")
        assert pg.is_hidden(f"#{box}-error")


def test_refused_values_leave_the_sizes_and_the_cli_format_is_read(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&x=1,2,3;4,5,6;7,8,9&w=1,0,0;0,1,0;0,0,1") as pg:
        pg.fill("#x-values", "1 a 3")
        pg.dispatch_event("#x-values", "change")
        assert pg.text_content("#x-error") == 'input values: "a" (row 1) is not a number'
        assert pg.input_value("#i0") == "3" and pg.is_checked("#link")  # nothing refused reached the sizes
        pg.fill("#x-values", " ".join(["1"] * 17))  # more than the page draws: the sizes stay, the box says why
        pg.dispatch_event("#x-values", "change")
        assert pg.input_value("#i0") == "3" and pg.text_content("#x-error").startswith("input values: 1 × 17 typed")
        pg.fill("#x-values", "[[1, 2], [3, 4]]")  # the CLI's --input form
        pg.dispatch_event("#x-values", "change")
        pg.fill("#w-values", "[1, 1]")  # a 1 × 2 kernel: the axes go apart
        pg.dispatch_event("#w-values", "change")
        assert pg.is_hidden("#x-error") and pg.is_hidden("#w-error") and pg.is_hidden("#error")
        assert pg.text_content("#size-line") == "2 × 2 → 2 × 3" and not pg.is_checked("#link")  # k 1 × 2, s2 p1 op1


def test_values_are_read_when_typing_pauses(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}") as pg:
        pg.locator("#w-values").press_sequentially("1 0; 0 1")
        pg.locator("#x-values").press_sequentially("1 2; 3 4")  # no change event: the pause reads it
        pg.wait_for_function("document.querySelector('#size-line').textContent === '2 × 2 → 3 × 3'")
        assert pg.input_value("#k0") == "2"


# ---- H and W together


def test_the_link_toggle_changes_both_axes_in_one_render(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}") as pg:
        assert pg.is_checked("#link") and pg.is_disabled("#i1")  # square: on, the W boxes follow
        before = _renders(pg)
        set_field(pg, "i0", "5")
        assert pg.input_value("#i1") == "5" and pg.text_content("#size-line") == "5 × 5 → 10 × 10"
        assert _renders(pg) == before + 1  # one edit, one render (its change event after the input draws nothing)
        pg.uncheck("#link")
        set_field(pg, "i0", "4")
        assert pg.input_value("#i1") == "5" and pg.text_content("#size-line") == "4 × 5 → 8 × 10"
    with open_page(browser, f"{base_url}/?mode=transposed&i=3,4&k=3,3&s=2,2&p=1,1&op=1,1&d=1,1") as pg:
        assert not pg.is_checked("#link")  # a layer that is not square opens with the axes apart
    with open_page(browser, f"{base_url}/?mode=transposed&i=5,4&k=3,3&s=2,2&p=1,1&op=1,1&d=1,1&link=1") as pg:
        assert not pg.is_checked("#link") and pg.input_value("#i1") == "4"  # a link cannot join unequal axes


# ---- phones, scrolling, taps


PHONE_VIEWS = {
    "gather": ("view=gather", ["input", "output", "kernel"]),
    "scatter": ("view=scatter", ["input", "output", "kernel"]),
    "conv": ("mode=conv&i=5,5&k=3,3&s=2,2&p=1,1&d=1,1", ["input", "output", "kernel"]),
    "overlap": ("view=overlap", ["heat"]),
    "largest": ("view=gather&i=16,16&k=7,7&s=1,1&p=1,1&op=0,0", ["input", "output", "kernel"]),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("view", list(PHONE_VIEWS))
def test_every_view_opens_whole_on_a_phone(browser, base_url, view: str, lang: str) -> None:
    state, roles = PHONE_VIEWS[view]
    with open_page(browser, f"{base_url}/?{LAYER}&{state}&lang={lang}", *PHONE, **TOUCH) as pg:
        assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        assert pg.evaluate("(s => s.scrollWidth <= s.clientWidth)(document.querySelector('#stage'))")
        outside = pg.evaluate("""roles => {
            const box = document.querySelector('#stage').getBoundingClientRect();
            return roles.map(role => [...document.querySelectorAll(`#picture rect.cell[data-role=${role}]`)]
              .filter(c => { const r = c.getBoundingClientRect();
                return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
                       || r.bottom > box.bottom + 0.5 || r.right > innerWidth || r.bottom > innerHeight; }).length);
            }""", roles)  # inside the picture box, and on the first screen: a phone opens on the picture
        counts = [pg.locator(f"#picture rect.cell[data-role={r}]").count() for r in roles]
        assert all(counts) and outside == [0] * len(roles), (counts, outside)


def test_a_view_change_resets_the_scroll(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=matrix&i=8,8", *PHONE, **TOUCH) as pg:
        pg.wait_for_selector("#matrix[data-ready='1'] table")
        pg.evaluate("() => { const s = document.querySelector('#stage'); s.scrollLeft = 400; s.scrollTop = 200; }")
        assert pg.evaluate("document.querySelector('#stage').scrollLeft") > 0
        pg.check("input[name=view][value=scatter]")
        pg.wait_for_selector("#picture svg[data-view=scatter]")
        assert pg.evaluate("(s => [s.scrollLeft, s.scrollTop])(document.querySelector('#stage'))") == [0, 0]


def test_a_tap_on_a_control_after_a_cell_works_the_first_time(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather", *PHONE, **TOUCH) as pg:
        pg.locator("#picture rect.cell[data-role=output]").nth(4).tap()
        pg.wait_for_selector("#hover-info:not([hidden])")
        pg.locator("#walkthrough-box summary").tap()  # clearing the description must not move it from the finger
        assert pg.get_attribute("#walkthrough-box", "open") is not None
        pg.wait_for_selector("#hover-info[hidden]", state="attached")


def test_the_page_refuses_what_the_api_refuses_in_its_words(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=overlap&layers=6") as pg:
        assert pg.text_content("#error") == ("layers 6 is refused (how many identical layers are stacked: an integer "
                                             "from 1 to 4)")
        assert pg.is_hidden("#download-svg") and pg.is_hidden("#download-gif")


def test_a_convolution_output_tells_its_sum(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?mode=conv&i=5,5&k=3,3&s=2,2&p=1,1&d=1,1&values=1&seed=0") as pg:
        pg.hover("#output-1-1")
        text = pg.text_content("#hover-info")
        assert text.startswith("output y(1, 1) = ") and text.count("·") == 9, text


def test_a_tap_outside_the_cells_clears_the_description(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=gather", *PHONE, **TOUCH) as pg:
        pg.locator("#picture rect.cell[data-role=input]").first.tap()
        pg.wait_for_selector("#hover-info:not([hidden])")
        pg.locator("header h1").tap()
        pg.wait_for_selector("#hover-info[hidden]", state="attached")
        assert pg.locator("#picture rect.hovered").count() == 0


# ---- both languages, and what needs Python


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("view", ["gather", "scatter", "overlap", "matrix"])
def test_every_caption_is_chinese_in_chinese(browser, base_url, view: str) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view={view}&lang=zh") as pg:
        if view == "matrix":
            pg.wait_for_selector("#matrix[data-ready='1'] table")
        caption, title = pg.text_content("#caption"), pg.text_content("#title-line")
        assert CJK.search(caption) and CJK.search(title), (caption, title)
        assert not re.search(r"\b(even|uneven|taps|output|input|the)\b", caption), caption
        legend = pg.locator("#picture .legend-item").all_text_contents()
        assert all(CJK.search(word) for word in legend) if view != "matrix" else True, legend


def test_a_refusal_is_chinese_in_chinese(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&lang=zh&link=0") as pg:
        set_field(pg, "op0", "2")
        pg.wait_for_selector("#error:not([hidden])")
        assert CJK.search(pg.text_content("#error")) and "must" not in pg.text_content("#error")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_needs_python_says_how_to_get_it(browser, base_url, lang: str) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}&view=scatter&lang={lang}") as pg:
        pg.click("#walkthrough-box summary")
        if pg.locator('meta[name="tconv-server"]').count():  # served: the walkthrough comes from the API
            pg.wait_for_function("document.querySelector('#walkthrough').textContent.length > 200")
            text = pg.text_content("#walkthrough")
            assert text.startswith("tconv.explain") and "view: scatter" in text if lang == "en" else CJK.search(text)
        else:
            note = pg.text_content("#walkthrough")
            assert "pip install ." in note and "tconv explain -i 3,3 -k 3,3 --seed 0" in note
            assert "--view scatter" in note and f"--lang {lang}" in note
            assert bool(CJK.search(note)) == (lang == "zh")
            assert bool(CJK.search(pg.text_content("#gif-note"))) == (lang == "zh")


def test_served_downloads_and_walkthrough_use_the_typed_values(browser, base_url) -> None:
    with open_page(browser, f"{base_url}/?{LAYER}") as pg:
        if not pg.locator('meta[name="tconv-server"]').count():
            pytest.skip("a static site has no API: its notes are checked in test_what_needs_python_says_how_to_get_it")
        pg.click("#example")
        pg.click("#walkthrough-box summary")
        pg.wait_for_function("document.querySelector('#walkthrough').textContent.includes('14')")
        assert "4  12  11   6" in pg.text_content("#walkthrough")  # the tutorials' output, from the API
        href = pg.get_attribute("#download-gif", "href")
        assert "x=4%2C4%2C3%3B0%2C3%2C4%3B2%2C3%2C2" in href and "w=1%2C2%3B0%2C1" in href
        assert pg.request.get(pg.url.split("?")[0].rstrip("/") + "/" + href).body()[:6] == b"GIF89a"


# ---- any URL: the page explains or draws, never throws


JUNK = st.sampled_from(["", "0", "-1", "99999", "3.5", "abc", "1,2,3", ",", "5,", "2,2", "1e3", "%00", "🙂", " 3",
                        "4;4", "1,,2"])
URL_KEYS = ["mode", "i", "k", "s", "p", "op", "d", "os", "view", "values", "seed", "lang", "speed", "layers",
            "frame", "x", "w", "link"]


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(URL_KEYS), st.one_of(JUNK, st.sampled_from(
    ["transposed", "conv", "scatter", "matrix", "overlap", "zh", "fr", "1,2;3,4", "1"])), max_size=6))
def test_any_url_is_drawn_or_explained_never_thrown(browser, base_url, query: dict[str, str]) -> None:
    url = f"{base_url}/?{LAYER}&" + urlencode(query)
    with open_page(browser, url) as pg:  # open_page fails the test on any script error
        drawn = pg.locator("#picture svg, #matrix table").count() > 0
        told = pg.is_visible("#error") or pg.is_visible("#x-error") or pg.is_visible("#w-error")
        assert drawn or told, (query, pg.text_content("#error"))
        if told:
            assert pg.text_content("#error") or pg.text_content("#x-error") or pg.text_content("#w-error")


def test_a_site_opened_as_a_file_says_how_to_open_it(browser, tmp_path) -> None:
    from tconv.web.site import write_site

    write_site(tmp_path / "site")
    page = browser.new_page()
    try:
        page.goto((tmp_path / "site" / "index.html").as_uri())
        page.wait_for_selector("#error:not([hidden])")
        assert "python -m http.server" in page.text_content("#error")
    finally:
        page.close()
