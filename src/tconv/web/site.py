"""The explorer as a static site: the page and its assets, computing in the browser, with no Python behind them.

``tconv site DIR`` writes it; any static file server can host DIR (GitHub Pages, a school's web space,
``python -m http.server``). ``tconv serve`` serves the same files.

>>> import tempfile
>>> names = [p.name for p in write_site(tempfile.mkdtemp())]
>>> "index.html" in names and "app.js" in names
True
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import TconvError

__all__ = ["asset_names", "write_site"]

# The kinds of file the page is made of; anything else in the folder (a cache, an editor's file) is not shipped.
#: Files in static/ that are not the page's: the notebook widget's entry module (tconv.web.bundle).
WIDGET_ONLY = frozenset({"widget.js"})
KINDS = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def _static() -> resources.abc.Traversable:
    return resources.files("tconv") / "web" / "static"


def asset_names() -> dict[str, str]:
    """The page's files (name → media type), listed once for the site writer and the server.

    >>> asset_names()["app.js"]
    'text/javascript'
    """
    out = {}
    for entry in _static().iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
        # widget.js is the notebook widget's, and runs only as tconv.web.bundle joins it
        if entry.is_file() and suffix in KINDS and entry.name not in WIDGET_ONLY:
            out[entry.name] = KINDS[suffix]
    return dict(sorted(out.items()))


def write_site(directory: str | os.PathLike[str]) -> list[Path]:
    """Write the explorer into ``directory`` (created if missing, in a folder that exists): ``index.html`` and
    ``static/`` beside it. Returns the files written, the page first. A path that exists and is not a folder, or
    whose parent folder is missing, is refused.

    >>> import tempfile
    >>> [p.relative_to(p.parents[1]).as_posix() for p in write_site(tempfile.mkdtemp()) if p.suffix == ".css"]
    ['static/style.css']
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise TconvError(f"DIR {str(root)!r} exists and is not a folder: give a folder to write the site into")
    if not root.parent.is_dir():  # the folder itself is made, never a missing path on the way to it
        raise TconvError(f"DIR {str(root)!r}: its parent folder {str(root.parent)!r} does not exist")
    try:
        root.mkdir(exist_ok=True)
        (root / "static").mkdir(exist_ok=True)
        written = []
        static = _static()
        for name in sorted(asset_names(), key=lambda n: n != "index.html"):
            target = root / name if name == "index.html" else root / "static" / name
            target.write_bytes((static / name).read_bytes())
            written.append(target)
    except OSError as exc:
        raise TconvError(f"DIR {str(root)!r}: cannot write the site there: {exc.strerror or exc}") from None
    return written
