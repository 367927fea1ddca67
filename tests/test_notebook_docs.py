"""docs/notebook.ipynb runs as written: nbclient executes every cell in a fresh kernel (this interpreter, the tconv
under test) and what the cells print is the tutorials' worked example (seed 001, examples 1 and 2)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from jupyter_kernel import python_kernel, require

require("nbclient", "nbformat", "ipykernel", "anywidget")

import nbformat  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

NOTEBOOK = Path(__file__).parent.parent / "docs" / "notebook.ipynb"
#: seed 001: example 1 (stride 1, padding 0) and example 2 (padding 1)
EXAMPLE_1 = [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]
EXAMPLE_2 = [[7, 14], [7, 11]]
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The notebook after running every cell (each cell bounded), by cell id."""
    folder = tmp_path_factory.mktemp("notebook")
    python_kernel(folder / "kernels")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    manager = KernelManager(kernel_name="python3",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "kernels")]))
    # run where a reader would open it: a file the notebook wrote would land beside it, here in the scratch folder
    NotebookClient(nb, km=manager, timeout=60, startup_timeout=60,
                   resources={"metadata": {"path": str(folder)}}).execute(cleanup_kc=True)  # the kernel stops
    return {c["id"]: c for c in nb.cells}


def _printed(cell: Any) -> str:
    """What the cell wrote on stdout; it wrote nothing else (no error, no warning on stderr)."""
    streams = [o for o in cell["outputs"] if o["output_type"] == "stream"]
    assert all(o["name"] == "stdout" for o in streams), streams
    assert not [o for o in cell["outputs"] if o["output_type"] == "error"]
    return "".join(o["text"] for o in streams)


def test_every_code_cell_ran_in_order(executed: dict[str, Any]) -> None:
    counts = [c["execution_count"] for c in executed.values() if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
    for cell in executed.values():
        if cell["cell_type"] == "code":
            _printed(cell)


@pytest.mark.parametrize("cell_id", ["layer", "scatter"])
def test_the_widget_is_shown(executed: dict[str, Any], cell_id: str) -> None:
    (shown,) = [o for o in executed[cell_id]["outputs"] if o["output_type"] == "execute_result"]
    assert WIDGET in shown["data"] and shown["data"][WIDGET]["model_id"]


def test_what_is_on_screen_is_the_tutorials_size_and_relation(executed: dict[str, Any]) -> None:
    assert _printed(executed["on-screen"]).splitlines() == ["(4, 4)", "8 3 + (2 − 1) = 4"]


def test_the_library_computes_the_tutorials_output(executed: dict[str, Any]) -> None:
    assert ast.literal_eval(_printed(executed["compute"])) == EXAMPLE_1


def test_padding_one_is_the_tutorials_second_example(executed: dict[str, Any]) -> None:
    size, _, values = _printed(executed["padding"]).strip().partition(" [")
    assert ast.literal_eval(size) == (2, 2)
    assert ast.literal_eval("[" + values) == EXAMPLE_2


def test_a_refused_stride_says_why_and_changes_nothing(executed: dict[str, Any]) -> None:
    message, kept = _printed(executed["refusal"]).strip().rsplit("\n", 1)
    assert "stride" in message and "0" in message
    assert kept == "(1, 1)"
