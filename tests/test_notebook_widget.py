"""The notebook widget's front end (static/widget.js, joined by tconv.web.bundle) under anywidget's contract,
``render({model, el})``, in Chromium with a model stub: it draws what the page draws, says what the page says on
hover, saves a knob turned in the view to the model's traits (only states the explorer accepts), redraws when a
trait is set from Python, asks the kernel for the walkthrough, and keeps two widgets in one notebook apart.

The module is loaded as anywidget loads it, from a Blob URL, where no relative import could resolve.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_fixtures import _serve_site, browser, settled  # noqa: F401  (fixtures)
from tconv.web.bundle import _IMPORT, bundle, widget_assets, widget_esm

STATIC = Path(__file__).parent.parent / "src" / "tconv" / "web" / "static"

# anywidget's model surface, as small as its contract allows: get/set/on/off/save_changes/send. `emit` plays the
# kernel's side (a trait set from Python, a custom message).
STUB = r"""
window.makeModel = (state) => {
  const handlers = {};
  return { state: { ...state }, saves: [], sent: [],
    get(k) { return this.state[k]; },
    set(k, v) { this.state[k] = v; for (const f of handlers["change:" + k] || []) f(); },
    on(e, f) { (handlers[e] ||= []).push(f); },
    off(e, f) { handlers[e] = (handlers[e] || []).filter((g) => g !== f); },
    listening() { return Object.values(handlers).reduce((n, fs) => n + fs.length, 0); },
    save_changes() { this.saves.push(JSON.parse(JSON.stringify(this.state))); },
    send(msg) { this.sent.push(msg); },
    emit(e, ...a) { for (const f of handlers[e] || []) f(...a); } };
};
window.mountWidget = async (src, id, state) => {
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  const mod = await import(url);
  const model = makeModel(state);
  (window.models ||= {})[id] = model;
  (window.cleanups ||= {})[id] = mod.default.render({ model, el: document.getElementById(id) });
};
"""

# The traits tconv.Explorer(input_size=3, kernel_size=3, stride=2) sends, as JSON.
TRAITS = {"input_size": [3, 3], "kernel_size": [3, 3], "stride": [2, 2], "padding": [0, 0], "output_padding": [0, 0],
          "dilation": [1, 1], "output_size": [7, 7], "output_size_given": False, "mode": "transposed",
          "view": "gather", "lang": "en", "values": {"seed": 0}, "numbers": True, "layers": 1, "frame": 0}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    yield from _serve_site(tmp_path_factory.mktemp("site"))


def _open(browser, widgets: int = 1, state: dict[str, Any] | None = None, width: int = 1280) -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    ids = [f"w{n}" for n in range(widgets)]
    pg.set_content("<html><body style='margin:0'>" + "".join(f"<div id='{i}'></div>" for i in ids) + "</body></html>")
    pg.add_script_tag(content=STUB)
    for i in ids:
        pg.evaluate("([src, id, state]) => mountWidget(src, id, state)", [widget_esm(), i, {**TRAITS, **(state or {})}])
        pg.wait_for_selector(f"#{i} #picture[data-ready='1']", state="attached")
    pg.errors = errors
    return context, pg


@pytest.fixture
def widget(browser) -> Iterator[Any]:  # noqa: F811
    context, pg = _open(browser)
    yield pg
    context.close()
    assert pg.errors == [], pg.errors


def model(pg, key: str = "w0") -> dict[str, Any]:
    return pg.evaluate(f"JSON.parse(JSON.stringify(models[{key!r}].state))")


def saved(pg, n: int, key: str = "w0") -> None:
    """Wait for the view's n-th save to the model."""
    pg.wait_for_function(f"models[{key!r}].saves.length >= {n}")


# ---- the module


def test_the_module_is_one_file_of_the_pages_own_modules() -> None:
    esm = widget_esm()
    assert esm.count("\nexport default ") == 1 and not re.search(r'from\s*"\./', esm)
    # every module the page's explorer uses is inside, from the same source files
    for name in ("plan", "scene", "sceneplan", "explain", "overlap", "draw", "explorer", "values", "words", "py"):
        assert f"const __tconv_{name} = (() => {{" in esm
        body = (STATIC / f"{name}.js").read_text(encoding="utf-8")
        longest = max((line for line in body.splitlines() if not line.startswith(("import", "export"))), key=len)
        assert longest in esm
    # the page's markup and style, read from the page's own files
    assets = widget_assets()
    assert json.dumps((STATIC / "style.css").read_text(encoding="utf-8")) in assets
    assert 'id=\\"picture\\"' in assets and "<script" not in assets


def test_every_module_is_written_the_way_the_joiner_reads() -> None:
    """An import or export the joiner does not read would reach the widget unjoined: each one is one of its forms."""
    for path in STATIC.glob("*.js"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("import"):
                assert _IMPORT.match(line), (path.name, line)
            elif line.startswith("export"):
                assert _IMPORT.match(line) or re.match(r"export (async function|function|class|const|let|default) ",
                                                       line), (path.name, line)


def test_a_module_that_imports_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="imports itself"):
        bundle("a.js", {"a": 'import { b } from "./b.js";\n',
                        "b": 'import { a } from "./a.js";\nexport const b = 1;\n'})


# ---- the same truths as the page


STATES = [
    {},
    {"padding": [1, 1], "output_padding": [1, 1], "lang": "zh"},
    {"input_size": [5], "kernel_size": [3], "stride": [2], "padding": [1], "output_padding": [0], "dilation": [1],
     "output_size": [9], "view": "scatter"},
    {"mode": "conv", "input_size": [5, 4], "stride": [1, 2], "output_size": [3, 1]},
    {"view": "overlap", "kernel_size": [4, 4], "layers": 2},
    {"view": "matrix", "input_size": [2, 2], "kernel_size": [2, 2]},
]


def _query(state: dict[str, Any]) -> str:
    s = {**TRAITS, **state}
    size = lambda v: f"{v[0]}," if len(v) == 1 else ",".join(map(str, v))  # noqa: E731
    return "?" + "&".join([
        f"mode={s['mode']}", f"i={size(s['input_size'])}", f"k={size(s['kernel_size'])}", f"s={size(s['stride'])}",
        f"p={size(s['padding'])}", f"op={size(s['output_padding'])}", f"d={size(s['dilation'])}",
        f"view={s['view']}", f"lang={s['lang']}", f"layers={s['layers']}", "seed=0", "values=1"])


TRUTHS = "(r) => ({ size: r.querySelector('#size-line').textContent, " \
         "title: r.querySelector('#title-line').textContent, caption: r.querySelector('#caption').textContent, " \
         "code: r.querySelector('#code').textContent, " \
         "picture: r.querySelector('#picture').innerHTML, matrix: r.querySelector('#matrix').innerHTML, " \
         "words: [...r.querySelectorAll('[data-i18n]')].map((e) => e.textContent) })"


@pytest.mark.parametrize("state", STATES, ids=["default", "zh", "1-D scatter", "conv", "overlap", "matrix"])
def test_the_widget_draws_what_the_page_draws(browser, site, state) -> None:  # noqa: F811
    context, pg = _open(browser, state=state)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/" + _query(state))
    settled(page)
    mine = pg.evaluate(f"({TRUTHS})(document.getElementById('w0').shadowRoot.querySelector('.tconv-app'))")
    theirs = page.evaluate(f"({TRUTHS})(document.body)")
    assert mine == theirs
    assert mine["picture"].count("<rect") > 4 or mine["matrix"].count("<td") > 4
    # and every cell's description, hovered one after another, is the page's
    cells = pg.locator("#w0 #picture rect.cell, #w0 #matrix td")
    count = cells.count()
    for n in sorted({0, count // 2, count - 1}):  # the first, middle and last cell: different roles
        cells.nth(n).hover()
        page.locator("#picture rect.cell, #matrix td").nth(n).hover()
        assert pg.locator("#w0 #hover-info").text_content() == page.locator("#hover-info").text_content()
    context.close()
    assert pg.errors == [], pg.errors


# ---- the view → the model


def test_a_knob_turned_in_the_view_is_saved_to_the_traits(widget) -> None:
    widget.locator("#s0").fill("3")  # H = W is on: both axes
    saved(widget, 1)
    state = model(widget)
    assert state["stride"] == [3, 3]
    # the output size is Python's to derive while it is not given; the view sends it only when asked for
    assert state["output_size"] == [7, 7] and state["output_size_given"] is False
    assert widget.locator("#size-line").get_attribute("data-output") == "9,9"
    widget.locator("#os0").fill("10")
    saved(widget, 2)
    assert model(widget)["output_size"] == [10, 10] and model(widget)["output_size_given"] is True
    widget.locator("#os0").fill("")  # H = W: both boxes
    saved(widget, 3)
    # back to the derived size: Python fills it in
    assert model(widget)["output_size"] is None and model(widget)["output_size_given"] is False


def test_a_refused_knob_stays_in_the_view(widget) -> None:
    widget.locator("#p0").fill("9")  # more padding than a 3 × 3 input of stride 2 allows
    widget.wait_for_function("document.getElementById('w0').shadowRoot.getElementById('error').hidden === false")
    message = widget.locator("#error").text_content()
    assert "padding" in message and "9" in message
    widget.wait_for_timeout(100)
    state = model(widget)
    assert state["padding"] == [0, 0] and all(s["padding"] == [0, 0] for s in widget.evaluate("models.w0.saves"))


def test_the_tutorials_example_saves_its_layer_and_values(widget) -> None:
    widget.locator("#example").click()
    saved(widget, 1)
    state = model(widget)
    assert state["values"] == {"x": "4,4,3;0,3,4;2,3,2", "w": "1,2;0,1"}
    assert (state["input_size"], state["kernel_size"], state["stride"], state["padding"]) == (
        [3, 3], [2, 2], [1, 1], [0, 0])
    assert widget.locator("#size-line").text_content() == "3 × 3 → 4 × 4"


def test_sizes_that_no_longer_fit_the_typed_values_stay_in_the_view(widget) -> None:
    widget.locator("#example").click()  # typed 3 × 3 and 2 × 2 values
    saved(widget, 1)
    widget.locator("#i0").fill("4")
    widget.wait_for_function("document.getElementById('w0').shadowRoot.getElementById('x-error').hidden === false")
    assert "input_size is 4 × 4" in widget.locator("#x-error").text_content()
    widget.wait_for_timeout(100)
    assert model(widget)["input_size"] == [3, 3] and widget.evaluate("models.w0.saves.length") == 1


def test_the_frame_on_screen_is_saved(widget) -> None:
    widget.locator("#next").click()
    widget.locator("#next").click()
    widget.wait_for_function("models.w0.state.frame === 2")


# ---- the model → the view


def test_a_trait_set_from_python_redraws_the_view(widget) -> None:
    widget.evaluate("models.w0.set('padding', [1, 1])")
    widget.wait_for_function(
        "document.getElementById('w0').shadowRoot.getElementById('size-line').dataset.output === '5,5'")
    assert widget.locator("#p0").input_value() == "1"
    widget.evaluate("models.w0.set('lang', 'zh')")
    widget.wait_for_function(
        "document.getElementById('w0').shadowRoot.querySelector('h1').textContent !== 'tconv explorer'")
    assert widget.locator("#w0 .tconv-app").get_attribute("lang") == "zh-CN"
    # several traits in one message are drawn once
    before = int(widget.locator("#picture").get_attribute("data-renders"))
    widget.evaluate("() => { const m = models.w0; m.state.stride = [1, 1]; m.state.padding = [0, 0]; "
                    "m.set('kernel_size', [2, 2]); m.set('stride', [1, 1]); }")
    widget.wait_for_function(
        "document.getElementById('w0').shadowRoot.getElementById('size-line').dataset.output === '4,4'")
    assert int(widget.locator("#picture").get_attribute("data-renders")) == before + 1
    # a given output_size shows in its box; a derived one does not
    widget.evaluate("() => { models.w0.state.output_size_given = true; models.w0.set('output_size', [4, 4]); }")
    widget.wait_for_function("document.getElementById('w0').shadowRoot.getElementById('os0').value === '4'")


def test_the_walkthrough_is_asked_of_the_kernel(widget) -> None:
    widget.wait_for_function("models.w0.sent.length >= 1")
    asked = widget.evaluate("models.w0.sent.at(-1)")
    assert asked["type"] == "explain" and asked["query"]["s"] == "2,2" and asked["query"]["view"] == "gather"
    widget.evaluate("(id) => models.w0.emit('msg:custom', { type: 'explain', id: id - 1, text: 'stale' })", asked["id"])
    widget.evaluate("(id) => models.w0.emit('msg:custom', { type: 'explain', id, text: 'step 1: 3 × 3 → 7 × 7' })",
                    asked["id"])
    assert widget.locator("#walkthrough").text_content() == "step 1: 3 × 3 → 7 × 7"
    widget.locator("#s0").fill("1")  # a new layer asks again; a refusal is shown as said
    widget.wait_for_function(f"models.w0.sent.length >= 2 && models.w0.sent.at(-1).id > {asked['id']}")
    again = widget.evaluate("models.w0.sent.at(-1)")
    widget.evaluate("(id) => models.w0.emit('msg:custom', { type: 'explain', id, error: 'refused: why' })", again["id"])
    assert widget.locator("#walkthrough").text_content() == "refused: why"


# ---- two widgets, and the end


def test_two_widgets_in_one_notebook_keep_apart(browser) -> None:  # noqa: F811
    context, pg = _open(browser, widgets=2)
    pg.locator("#w0 #s0").fill("3")
    saved(pg, 1, "w0")
    assert pg.locator("#w0 #size-line").text_content() == "3 × 3 → 9 × 9"
    assert pg.locator("#w1 #size-line").text_content() == "3 × 3 → 7 × 7"
    assert model(pg, "w1")["stride"] == [2, 2]
    pg.locator("#w1 #picture rect[data-role=output]").first.hover()
    assert pg.locator("#w1 #hover-info").is_visible() and pg.locator("#w0 #hover-info").is_hidden()
    # the end: cleanup leaves nothing listening
    assert pg.evaluate("models.w0.listening()") > 0
    pg.evaluate("cleanups.w0()")
    assert pg.evaluate("models.w0.listening()") == 0
    context.close()
    assert pg.errors == [], pg.errors


def test_a_narrow_notebook_output_stacks_the_picture_over_the_knobs(browser) -> None:  # noqa: F811
    context, pg = _open(browser, width=600)
    picture = pg.locator("#w0 #stage").bounding_box()
    controls = pg.locator("#w0 #controls").bounding_box()
    assert picture["y"] < controls["y"] and picture["width"] > 500
    context.close()
    assert pg.errors == [], pg.errors
