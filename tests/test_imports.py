"""The import graph of src/tconv: no cycle, and the layers of STYLE.md in one direction.

Every ``import``/``from ... import`` counts, at module level or inside a function: a function-local import is
still a dependency, only a later one. Imports under ``if TYPE_CHECKING:`` do not: they never run, they only name
types for annotations. ``tconv/__init__.py`` is the top (it re-exports everything), so imports of ``tconv`` itself
are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "tconv"

#: STYLE.md's layers, lowest first: errors ← shapes ← {relations, solver} ← report ← params ← algorithms ← explain ←
#: render ← scene ← {cli, web}. The guide's relations and the inverse search are built on the per-axis arithmetic
#: alone; the layer report adds the relations to it; none of them needs a plan (params). ``tconv.arrays`` (the
#: shells' arrays: read, made up, given channel axes) sits on the algorithms' floor: it uses the dtype rule and
#: nothing that explains, draws or serves. render (the scenes' writers) sits below the scene as explain's writers
#: sit below its model: the writers read scenes and build none, so they name the scene's types only under
#: TYPE_CHECKING, and ``Scene.save`` imports them when called. The notebook widget sits on the web's jobs (the same
#: validator chain as the API). Modules not named here (_axes, _format, functional...) are not ranked.
LAYERS = {"tconv.errors": 0, "tconv.shapes": 1, "tconv.relations": 2, "tconv.solver": 2, "tconv.report": 3,
          "tconv.params": 4, "tconv.algorithms": 5, "tconv.arrays": 5, "tconv.explain": 6, "tconv.render": 7,
          "tconv.scene": 8, "tconv.cli": 9, "tconv.__main__": 9, "tconv.web": 9,
          "tconv.notebook": 10}


def _modules() -> dict[str, Path]:
    """Dotted name: file, a package under the name of its ``__init__``."""
    found = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> list[str]:
    """A module and the packages above it that importing it runs (each package as its ``__init__``)."""
    parts = name.split(".")
    return [m for m in (".".join(parts[:i]) for i in range(2, len(parts) + 1)) if m in MODULES]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str) -> set[str]:
    """The tconv modules ``module`` imports, wherever in the file the import is."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                   for stmt in block.body for n in ast.walk(stmt)}
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    targets.update(_resolve(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == ROOT:
                source = node.module
            else:
                continue
            targets.update(_resolve(source))
            for alias in node.names:  # from .pkg import submodule
                if f"{source}.{alias.name}" in MODULES:
                    targets.add(f"{source}.{alias.name}")
    # the packages holding this module are already being imported when it runs: not edges of its own
    inside = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    return targets - inside - {module, ROOT}


GRAPH = {m: imports_of(m) for m in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that ends where it starts, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (cycle := visit(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def _layer(module: str) -> int | None:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def test_the_walker_sees_every_kind_of_import() -> None:
    """The walker itself: relative and absolute, package and submodule, module level and function-local."""
    assert {"tconv.scene.model", "tconv._axes", "tconv.explain", "tconv.explain.i18n"} <= GRAPH["tconv.scene.overlap"]
    assert "tconv.scene.model" not in GRAPH["tconv.render.layout"]  # under `if TYPE_CHECKING:` only
    assert "tconv.render" in GRAPH["tconv.scene.model"]  # `from ..render import WRITERS...`, inside Scene.save
    assert "tconv.scene" in GRAPH[ROOT]  # `from .scene import Scene, animate, overlap`
    assert "tconv.explain.writers" in GRAPH["tconv.explain.model"]  # inside Walkthrough.to_text
    assert "tconv.explain.model" not in GRAPH["tconv.explain.writers"]  # under `if TYPE_CHECKING:` only
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) is not None))
def test_lower_layers_do_not_import_higher(module: str) -> None:
    higher = sorted(t for t in GRAPH[module] if (_layer(t) or -1) > (_layer(module) or 0))
    assert higher == [], f"{module} (layer {_layer(module)}) imports higher layers: {higher}"


#: STYLE.md's layers, lowest first: errors ← shapes ← {relations, solver} ← report ← params ← algorithms ← explain ←
#: render ← scene ← {cli, web}. The guide's relations and the inverse search are built on the per-axis arithmetic
#: alone; the layer report adds the relations to it; none of them needs a plan (params). ``tconv.arrays`` (the
#: shells' arrays: read, made up, given channel axes) sits on the algorithms' floor: it uses the dtype rule and
#: nothing that explains, draws or serves. render (the scenes' writers) sits below the scene as explain's writers
#: sit below its model: the writers read scenes and build none, so they name the scene's types only under
#: TYPE_CHECKING, and ``Scene.save`` imports them when called. The notebook widget sits on the web's jobs (the same
#: validator chain as the API). Modules not named here (_axes, _format, functional...) are not ranked.
LAYERS = {"tconv.errors": 0, "tconv.shapes": 1, "tconv.relations": 2, "tconv.solver": 2, "tconv.report": 3,
          "tconv.params": 4, "tconv.algorithms": 5, "tconv.arrays": 5, "tconv.explain": 6, "tconv.render": 7,
          "tconv.scene": 8, "tconv.cli": 9, "tconv.__main__": 9, "tconv.web": 9,
          "tconv.notebook": 10}


def test_import_tconv_loads_no_widget_library() -> None:
    """``tconv.Explorer`` imports anywidget (and with it ipywidgets, traitlets and IPython) when first used, never on
    ``import tconv`` or ``from tconv import *``."""
    import subprocess
    import sys

    code = ("import sys, tconv; from tconv import *; "
            "print(sorted({'anywidget', 'ipywidgets', 'traitlets', 'IPython', 'comm'} & "
            "{m.split('.')[0] for m in sys.modules}), 'Explorer' in dir(tconv))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["[]", "True"]


def test_import_tconv_loads_no_dask() -> None:
    """``tconv.dask`` imports dask when one of its functions is called; ``import tconv`` (and ``from tconv import
    *``) load neither dask, distributed nor zarr, and do not import ``tconv.dask`` itself."""
    import subprocess
    import sys

    code = ("import sys, tconv; from tconv import *; "
            "print(sorted({'dask', 'distributed', 'zarr'} & {m.split('.')[0] for m in sys.modules}), "
            "'tconv.dask' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["[]", "False"]
