"""The notebook widget's front end as one ES module, joined from the explorer's own modules.

anywidget loads a widget's module from a Blob URL, where a relative ``import "./plan.js"`` cannot resolve, so the
widget (``static/widget.js``) ships as a single module. Rather than keep a built copy of the engine beside the
source, which could drift from it, the single module is joined here from the same files the page loads, when the
widget is first made: each module becomes a function scope that returns what the others import from it, and the
imports become reads of those scopes. ``./widget-assets.js`` is made on the way: the page's markup (index.html's
body) and style.css, so the widget shows the page's own controls and look. No tool, no network, no build step.

The modules are written in one plain style that this joiner relies on (and tests/test_notebook_widget.py checks):
imports and re-exports one line each, ``import { a, b as c } from "./name.js";``; declarations exported with
``export`` in front (``export function``, ``export const``, ``export class``); one ``export default``, the widget's.

>>> esm = widget_esm()
>>> esm.count("\\nexport default "), 'from "./' in esm
(1, False)
"""

from __future__ import annotations

import functools
import json
import re

from .site import _static

__all__ = ["bundle", "widget_esm"]

#: ``import { a, b as c } from "./name.js";`` and its re-export twin, ``export { a } from "./name.js";``
_IMPORT = re.compile(r'^(import|export)\s*\{([^}]*)\}\s*from\s*"\./([\w-]+)\.js";[ \t]*$', re.M)
_EXPORTED = re.compile(r"^export\s+(?=(?:async\s+)?function\b|class\b|const\b|let\b)", re.M)


def _read(name: str) -> str:
    return (_static() / name).read_text(encoding="utf-8")


def _scope(name: str) -> str:
    return "__tconv_" + name.replace("-", "_")


def _specs(text: str) -> list[tuple[str, str]]:
    """``a, b as c`` → [("a", "a"), ("b", "c")]: (the name exported, the name bound)."""
    out = []
    for part in text.split(","):
        words = part.split()
        if words:
            out.append((words[0], words[-1]))
    return out


def _rewrite_imports(text: str) -> str:
    """A module's imports and re-exports as reads of the scopes of the modules they name."""
    # a re-export binds no name of its own in ES modules; here it binds one unless an import already did
    imported = {local for kind, names, _ in _IMPORT.findall(text) if kind == "import" for _, local in _specs(names)}

    def rewrite(m: re.Match[str]) -> str:
        kind, names, dep = m.groups()
        specs = [s for s in _specs(names) if kind == "import" or s[1] not in imported]
        inner = ", ".join(exported if exported == local else f"{exported}: {local}" for exported, local in specs)
        return f"const {{ {inner} }} = {_scope(dep)};" if specs else ""

    return _IMPORT.sub(rewrite, text)


def widget_assets() -> str:
    """The module ``./widget-assets.js``: the page's markup (index.html's body, its scripts left out) and style.

    >>> assets = widget_assets()
    >>> assets.startswith("export const MARKUP = "), "<script" in assets, "picture" in assets
    (True, False, True)
    """
    page = _read("index.html")
    body = page.split('<body class="tconv-app">', 1)[1].split('<script type="module"', 1)[0]
    return f"export const MARKUP = {json.dumps(body.strip())};\nexport const CSS = {json.dumps(_read('style.css'))};\n"


def bundle(entry: str, virtual: dict[str, str] | None = None) -> str:
    """One ES module of ``entry`` (a file in static/) and every module it imports, in dependency order. ``virtual``
    gives modules by name (without ``.js``) that are not files.

    >>> print(bundle("main.js", {"main": 'import { two } from "./lib.js";\\nexport default two;',
    ...                          "lib": "export const two = 2;"}))
    // tconv explorer, the notebook widget: joined by tconv.web.bundle from tconv/web/static (do not edit)
    const __tconv_lib = (() => {
    const two = 2;
    return { two };
    })();
    const { two } = __tconv_lib;
    export default two;
    <BLANKLINE>
    """
    virtual = virtual or {}
    sources: dict[str, str] = {}
    wanted: dict[str, set[str]] = {}  # module → the names other modules import from it
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"static/{name}.js imports itself through {' → '.join(path)}")
        if name in sources:
            return
        text = virtual[name] if name in virtual else _read(name + ".js")
        sources[name] = text
        for _, names, dep in _IMPORT.findall(text):
            wanted.setdefault(dep, set()).update(exported for exported, _ in _specs(names))
            visit(dep, (*path, name))
        order.append(name)

    top = entry.removesuffix(".js")
    visit(top, ())
    parts = ["// tconv explorer, the notebook widget: joined by tconv.web.bundle from tconv/web/static (do not edit)"]
    for name in order:
        text = sources[name]
        text = _rewrite_imports(text)
        if name == top:
            parts.append(text)
            continue
        text = _EXPORTED.sub("", text)
        names = ", ".join(sorted(wanted.get(name, set())))
        parts.append(f"const {_scope(name)} = (() => {{\n{text}\nreturn {{ {names} }};\n}})();")
    return "\n".join(parts) + "\n"


@functools.cache
def widget_esm() -> str:
    """The widget's module (static/widget.js with everything it imports), as anywidget's ``_esm`` takes it.

    >>> esm = widget_esm()
    >>> "const __tconv_plan = " in esm, esm.rstrip().endswith("export default { render };")
    (True, True)
    """
    return bundle("widget.js", {"widget-assets": widget_assets()})
