"""Which public functions, classes and methods of tconv carry a runnable ``>>>`` example in their docstring.

    python scripts/docstring_examples.py            # the count, then every public name without an example
    python scripts/docstring_examples.py --all      # every public name, with or without one

It reads the source (``ast``), so it needs none of the optional packages and imports nothing.

What counts as public:

- every module under ``src/tconv``, including those whose name starts with an underscore (``_axes``,
  ``_format``, ``algorithms/_correlate``): they are the package's own shared helpers, called across modules,
  and a reader of the caller needs their examples as much as a user needs the top-level ones;
- the functions and classes defined at a module's top level whose name has no leading underscore (imported
  names are counted where they are defined, once);
- the methods of those classes whose name has no leading underscore: so no dunder method, and no
  ``_private`` helper; properties count as methods (they compute, and their example shows the value);
- except type-only declarations: a ``Protocol`` or ``TypedDict`` class and its stubs, and ``@overload``
  signatures, which have no body to run an example against.

``tests/test_docs.py`` uses :func:`public_names` to hold the rule for the modules listed there.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tconv"

#: Base classes whose subclasses only declare types: they have no behaviour to show.
TYPE_ONLY_BASES = frozenset({"Protocol", "TypedDict"})


@dataclass(frozen=True)
class PublicName:
    """One public function, class or method: where it is and whether its docstring has a ``>>>`` line."""

    module: str  #: dotted, e.g. ``tconv.algorithms.geometry``
    name: str  #: ``function``, ``Class`` or ``Class.method``
    path: str  #: relative to the repository, e.g. ``src/tconv/algorithms/geometry.py``
    line: int
    has_example: bool

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


def module_name(path: Path) -> str:
    """``src/tconv/a/b.py`` → ``tconv.a.b``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base  # Protocol[T]
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):  # typing.Protocol
            names.add(target.attr)
    return names


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "overload") or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in node.decorator_list
    )


def _has_example(node: ast.AST) -> bool:
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    doc = ast.get_docstring(node) or ""
    return any(line.lstrip().startswith(">>>") for line in doc.splitlines())


def _public(name: str) -> bool:
    return not name.startswith("_")


def names_in(path: Path) -> Iterator[PublicName]:
    """The public names defined in one source file, in source order."""
    module = module_name(path)
    where = path.relative_to(PACKAGE.parent.parent).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and _public(node.name) and not _is_overload(node):
            yield PublicName(module, node.name, where, node.lineno, _has_example(node))
        elif isinstance(node, ast.ClassDef) and _public(node.name) and not _base_names(node) & TYPE_ONLY_BASES:
            yield PublicName(module, node.name, where, node.lineno, _has_example(node))
            for sub in node.body:
                if isinstance(sub, functions) and _public(sub.name) and not _is_overload(sub):
                    yield PublicName(module, f"{node.name}.{sub.name}", where, sub.lineno, _has_example(sub))


def public_names(modules: list[str] | None = None) -> list[PublicName]:
    """Every public name of the package, or of the given dotted modules (``tconv.roles``; a package's name means
    its ``__init__.py`` only)."""
    paths = sorted(PACKAGE.rglob("*.py"))
    if modules is not None:
        unknown = set(modules) - {module_name(p) for p in paths}
        if unknown:
            raise ValueError(f"no such module in {PACKAGE}: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if module_name(p) in modules]
    return [n for p in paths for n in names_in(p)]


def main(argv: list[str]) -> int:
    names = public_names()
    with_example = [n for n in names if n.has_example]
    print(f"{len(with_example)} of {len(names)} public functions, classes and methods have a >>> example")
    for n in names:
        if "--all" in argv or not n.has_example:
            mark = "+" if n.has_example else "-"
            print(f"{mark} {n}  ({n.path}:{n.line})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
