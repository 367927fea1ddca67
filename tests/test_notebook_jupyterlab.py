"""The notebook widget end to end in a real JupyterLab (issue #25): the test starts JupyterLab on 127.0.0.1 with a
token (tests/jupyter_fixtures.py), writes a notebook, opens it in Chromium, runs its cells as a user does and
follows a synced trait both ways: a click in the widget reaches the kernel, a value set in Python reaches the view.
"""

from __future__ import annotations

import jupyter_fixtures
from jupyter_fixtures import open_notebook, output_text, run_cell, write_notebook

# the shared fixtures, used here by name
browser, lab = jupyter_fixtures.browser, jupyter_fixtures.lab

COUNTER = '''import anywidget, traitlets

class Counter(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const root = el.attachShadow({ mode: 'open' });
      const button = document.createElement('button');
      button.className = 'counter';
      const show = () => {
        button.textContent = `count ${model.get('value')}`;
        button.dataset.value = model.get('value');
      };
      button.addEventListener('click', () => { model.set('value', model.get('value') + 1); model.save_changes(); });
      model.on('change:value', show);
      show();
      root.appendChild(button);
    } }"""
    value = traitlets.Int(0).tag(sync=True)

counter = Counter()
counter'''


def test_a_widget_follows_its_trait_both_ways(browser, lab) -> None:
    name = write_notebook(lab, "counter.ipynb", [COUNTER, "print('value', counter.value)", "counter.value = 41"])
    with open_notebook(browser, lab, name) as page:
        widget = run_cell(page, 0, 1).locator(".jp-OutputArea-output button.counter")  # inside the shadow root
        assert widget.get_attribute("data-value") == "0"
        widget.click()
        widget.click()
        page.wait_for_selector("button.counter[data-value='2']")
        run_cell(page, 1, 2)
        assert output_text(page, 1) == "value 2"
        run_cell(page, 2, 3)
        page.wait_for_selector("button.counter[data-value='41']")
        assert widget.text_content() == "count 41"
