"""tconv.Explorer end to end in a real JupyterLab (issue #25): the test starts JupyterLab on 127.0.0.1 with a token
(tests/jupyter_fixtures.py), writes a notebook, opens it in Chromium and runs its cells as a user does. The widget
draws the layer; a stride typed in the widget reaches the kernel; a padding set in Python redraws the picture.

Screenshots of the notebook at 1280 × 800, in English and in Chinese, go to
test-artifacts/jupyterlab-widget-{en,zh}-1280x800.png; with TCONV_UPDATE_SCREENSHOTS=1 the run also writes them as
docs/images/widget-jupyterlab-{en,zh}.png, the README's picture.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

import jupyter_fixtures
import tconv
from jupyter_fixtures import ARTIFACTS, CELLS, cell, open_notebook, output_text, run_cell, write_notebook
from tconv.scene.build import sample_arrays

# the shared fixtures, used here by name
browser, lab = jupyter_fixtures.browser, jupyter_fixtures.lab

DOCS = Path(__file__).parent.parent / "docs"
IMAGES = DOCS / "images"
LAYER = [
    "import tconv\n\nex = tconv.Explorer(input_size=3, kernel_size=3, stride=2)\nex",
    "print(ex.stride, ex.output_size)",
    "ex.padding = 1",
    'ex.lang = "zh"',
]


def _screenshot(page: Any, lang: str) -> None:
    """The JupyterLab window as it is, kept in test-artifacts/ (and in docs/images/ when asked to update)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"jupyterlab-widget-{lang}-1280x800.png"
    page.screenshot(path=str(shot))
    if os.environ.get("TCONV_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, IMAGES / f"widget-jupyterlab-{lang}.png")


def _size_line(widget: Any, output: str) -> str:
    """The picture's size line once it reads the output size output ("7,7"); its text."""
    line = widget.locator(f"#size-line[data-output='{output}']")
    line.wait_for()
    widget.locator("#picture[data-ready='1'] svg").wait_for()
    return str(line.text_content())


def _output(**layer: int) -> Any:
    """The output the widget draws for the 3 × 3 layer (kernel 3, seed 0's numbers), computed by the library."""
    x, w = sample_arrays(None, None, (3, 3), (3, 3), 0)
    return tconv.conv_transpose(x[None, None], w[None, None], **layer)[0, 0]


def _outputs(widget: Any) -> list[list[float]]:
    """The picture's output grid at the last frame (every output set), row by row, as numbers."""
    widget.locator("#scrub").evaluate("s => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    rows, cols = (int(v) for v in str(widget.locator("#size-line").get_attribute("data-output")).split(","))
    cells = dict(widget.locator("#picture text.value[data-cell^='output-']").evaluate_all(
        "els => els.map(t => [t.dataset.cell, t.textContent])"))
    return [[float(cells[f"output-{r}-{c}"]) for c in range(cols)] for r in range(rows)]


def _wait_for_chinese(page: Any, widget: Any) -> None:
    """Wait until the widget's language is Chinese: its menu, and its words (the stride's label)."""
    page.wait_for_function("el => el.value === 'zh'", arg=widget.locator("#lang").element_handle())
    assert widget.locator("th[data-i18n=stride]").text_content() == "步长"


def _top(element: Any) -> None:
    """Scroll the notebook so that element's top is at the top of the window."""
    element.evaluate("el => el.scrollIntoView({block: 'start'})")


def _hover(widget: Any, index: str) -> str:
    """Hover the output cell at index ("1,1") in the picture; what the widget then says about it."""
    widget.locator(f"#picture rect.cell[data-role=output][data-index='{index}']").first.hover()
    info = widget.locator("#hover-info:not([hidden])")
    info.wait_for()
    return str(info.text_content())


def test_the_explorer_follows_its_knobs_both_ways(browser, lab) -> None:
    name = write_notebook(lab, "explorer.ipynb", LAYER)
    with open_notebook(browser, lab, name) as page:
        # the widget's root, inside the shadow root on the output's element (Playwright's CSS pierces it)
        widget = run_cell(page, 0, 1).locator(".jp-OutputArea-output .tconv-widget")
        assert _size_line(widget, "7,7") == "3 × 3 → 7 × 7"
        _top(cell(page, 0))
        said = _hover(widget, "2,2")
        assert said.startswith("output y(2, 2) = ") and said.endswith(f"= {_output(stride=2)[2, 2]:g}"), said
        _screenshot(page, "en")

        # a stride typed in the widget (H = W is on: both axes) is saved to the model and read by the kernel
        saved = widget.get_attribute("data-saved") or ""  # how many times the view has saved to the model
        widget.locator("#s0").click()
        page.keyboard.press("Control+a")
        page.keyboard.type("3")
        page.keyboard.press("Tab")
        assert _size_line(widget, "9,9") == "3 × 3 → 9 × 9"
        assert widget.locator("#s1").input_value() == "3"
        page.wait_for_function("([el, before]) => (el.dataset.saved || '') !== before",
                               arg=[widget.element_handle(), saved])
        run_cell(page, 1, 2)
        assert output_text(page, 1) == "(3, 3) (9, 9)"

        # a padding set in Python redraws the picture
        run_cell(page, 2, 3)
        assert _size_line(widget, "7,7") == "3 × 3 → 7 × 7"
        assert widget.locator("#p0").input_value() == "1" and widget.locator("#p1").input_value() == "1"

        run_cell(page, 3, 4)
        _wait_for_chinese(page, widget)
        _top(cell(page, 0))
        said = _hover(widget, "2,2")
        assert said.startswith("输出 y(2, 2) = ") and said.endswith(f"= {_output(stride=3, padding=1)[2, 2]:g}"), said
        _screenshot(page, "zh")


def test_the_docs_notebook_draws_the_worked_example(browser, lab) -> None:
    """docs/notebook.ipynb, run cell by cell in JupyterLab: the typed example's picture holds the library's output,
    and the later cells (scatter, Chinese) reach both of its views."""
    cells = json.loads((DOCS / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]
    shutil.copyfile(DOCS / "notebook.ipynb", lab.root / "notebook.ipynb")
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    layer = next(i for i in code if "tconv.Explorer(" in "".join(cells[i]["source"]))
    x = np.array([[4, 4, 3], [0, 3, 4], [2, 3, 2]], float)
    w = np.array([[1, 2], [0, 1]], float)
    with open_notebook(browser, lab, "notebook.ipynb") as page:
        for count, index in enumerate(code[: code.index(layer) + 1], start=1):
            run_cell(page, index, count)
        widget = cell(page, layer).locator(".jp-OutputArea-output .tconv-widget")
        assert _size_line(widget, "4,4") == "3 × 3 → 4 × 4"
        assert _outputs(widget) == tconv.conv_transpose(x[None, None], w[None, None])[0, 0].tolist()
        for count, index in enumerate(code[code.index(layer) + 1:], start=code.index(layer) + 2):
            run_cell(page, index, count)
        views = page.locator(f"{CELLS} .jp-OutputArea-output .tconv-widget")
        assert views.count() == 2  # the example's cell and the scatter cell: two views of one explorer
        for view in views.all():
            _wait_for_chinese(page, view)
            assert view.locator("input[name=view][value=scatter]").is_checked()
            assert _size_line(view, "4,4") == "3 × 3 → 4 × 4"
