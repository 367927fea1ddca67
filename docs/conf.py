"""Sphinx configuration of tconv's documentation site.

Build it with ``pip install -e ".[docs]"`` and ``sphinx-build -W --keep-going docs docs/_build/html``. The pages
are the Markdown files of docs/ (read by MyST, so they stay readable on a forge), the API reference is built from
the docstrings, and the gallery's pictures and the explorer are made by tconv while the site builds
(docs/_ext/tconv_site.py), never committed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import sphinx.util.inspect

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import tconv  # noqa: E402  (the installed package, or src/ on PYTHONPATH)

project = "tconv"
# as LICENSE says it: the footer reads "© Copyright 2026 tconv contributors. tconv is under the MIT licence, …"
author = "tconv contributors"
copyright = "2026 tconv contributors. tconv is under the MIT licence, its bundled font under the SIL OFL 1.1"
release = version = getattr(tconv, "__version__", "")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",  # the docstrings' Args: / Returns: sections
    "sphinx.ext.viewcode",
    "tconv_site",  # the gallery, the embedded explorer, the language switch
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# notebook.ipynb is linked as a download from notebook.md; the scripts beside the pages are not pages
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "notebook.ipynb", "examples"]
templates_path = ["_templates"]

# MyST: headings get anchors (the pages link to #sections), $…$ is not mathematics (the pages show shell and code)
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]

# The API reference: autosummary writes a page per public name (into api/generated, rebuilt every time).
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's __all__ is its public API
autosummary_imported_members = True
autodoc_typehints = "description"
# NumPy's ArrayLike unrolled is a screenful of private protocols: show the names the code writes
autodoc_type_aliases = {"ArrayLike": "ArrayLike", "npt.ArrayLike": "ArrayLike", "IntOrSeq": "IntOrSeq",
                        "DTypeLike": "DTypeLike", "npt.DTypeLike": "DTypeLike"}
# Sphinx 9 stands each alias in for a TypeAliasForwardRef object; alone it prints as the name, but inside a union
# (ArrayLike | None, IntOrSeq | str) the Parameters field printed the object's repr, "TypeAliasForwardRef('ArrayLike')"
# (tests/test_site.py checks no page shows one). Its repr is made the name it stands for.
_forward_ref: Any = getattr(sphinx.util.inspect, "TypeAliasForwardRef", None)
if _forward_ref is not None:
    _forward_ref.__repr__ = lambda self: str(self.name)
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
add_module_names = False

html_theme = "pydata_sphinx_theme"
#: Pages shown without sidebars: the explorer and the gallery's pictures take the whole width.
WIDE = ("index", "zh/index", "gallery", "zh/gallery")
html_title = "tconv"
html_favicon = "../src/tconv/web/static/favicon.svg"  # the explorer's
html_static_path = ["_static"]
html_css_files = ["tconv-site.css"]
html_theme_options = {
    # the language switch stays in the header on a phone too (navbar_end folds into the menu there)
    "navbar_persistent": ["search-button-field", "lang-switch"],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "header_links_before_dropdown": 3,
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": {"**": ["page-toc"], **{page: [] for page in WIDE}},
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {page: [] for page in WIDE}
html_last_updated_fmt = None
# light: the explorer and the pictures are drawn on white (the theme rejects an empty mode with a console error)
html_context = {"default_mode": "light"}
