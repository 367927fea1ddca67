"""Install hints for the optional parts (extras): one place says which command installs what.

tconv is installed from a wheel or a clone, not from a package index, so ``pip install 'tconv[web]'`` would fail
(or fetch another project of that name). The hint names the extra's own packages instead, as tconv's metadata
declares them, so that the command works from any install:

>>> install_hint("show")
"pip install 'pillow>=10.1'"
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache
from pathlib import Path

__all__ = ["install_hint"]

_EXTRA_MARKER = re.compile(r"""^extra\s*==\s*(['"])(?P<name>[^'"]+)\1$""")


def install_hint(extra: str) -> str:
    """The command that installs the packages of ``extra`` (a key of pyproject's optional-dependencies).

    Every "needs X" message of an optional part ends with this, so that the hint is right in one place. The
    packages come from tconv's own declaration: pyproject.toml when tconv runs from a source tree (it is the truth
    there, and an editable install's metadata may be older), else the installed distribution's metadata. An extra
    that names tconv's other extras (``all``) gets their packages. Where neither can be read (a copied package
    without its metadata), the hint names the extra and where its list is.

    >>> install_hint("web")
    "pip install 'fastapi>=0.110' 'uvicorn>=0.27' 'pillow>=10.1'"
    >>> install_hint("all").split()[:3]
    ['pip', 'install', "'pillow>=10.1'"]
    """
    requirements = _resolve(_normalize(extra), _declared(), ())
    if not requirements:
        return f"install the packages of tconv's [{extra}] extra (listed in its pyproject.toml)"
    return "pip install " + " ".join(shlex.quote(r) for r in requirements)


def _normalize(name: str) -> str:
    """An extra's name as PEP 685 compares them: lower case, runs of - _ . as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _resolve(extra: str, declared: dict[str, list[str]], seen: tuple[str, ...]) -> list[str]:
    """The requirements of ``extra``, tconv's own extras (``tconv[show,web]``) replaced by their requirements,
    each requirement once, in declaration order."""
    out: list[str] = []
    for requirement in declared.get(extra, []):
        own = re.fullmatch(r"tconv\s*\[([^\]]*)\]", requirement.strip(), flags=re.I)
        names = [_normalize(name.strip()) for name in own.group(1).split(",")] if own else []
        found = [r for name in names if name not in seen for r in _resolve(name, declared, (*seen, extra))] \
            if own else [requirement]
        for r in found:
            if r not in out:
                out.append(r)
    return out


@lru_cache(maxsize=1)
def _declared() -> dict[str, list[str]]:
    """Each extra's requirements: from the source tree's pyproject.toml, else from the installed metadata."""
    return _from_pyproject(Path(__file__).resolve().parent.parent.parent / "pyproject.toml") or _from_metadata()


def _from_pyproject(path: Path) -> dict[str, list[str]]:
    import tomllib

    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return {}
    if project.get("name") != "tconv":  # a pyproject.toml above site-packages is some other project's
        return {}
    extras = project.get("optional-dependencies", {})
    return {_normalize(name): list(requirements) for name, requirements in extras.items()}


def _from_metadata() -> dict[str, list[str]]:
    """``Requires-Dist`` lines with an ``extra == "..."`` marker, grouped by extra, that marker removed (any other
    marker, a Python version say, is kept: pip evaluates it)."""
    from importlib import metadata

    try:
        lines = metadata.requires("tconv") or []
    except metadata.PackageNotFoundError:
        return {}
    extras: dict[str, list[str]] = {}
    for line in lines:
        requirement, _, marker = line.partition(";")
        clauses = [c.strip() for c in re.split(r"\s+and\s+", marker.strip())] if marker.strip() else []
        names = [m.group("name") for c in clauses if (m := _EXTRA_MARKER.match(c.strip("() ")))]
        if len(names) != 1 or re.search(r"\bor\b", marker):  # a requirement of every install, or a marker too
            continue                                          # involved to split: not an extra's own line
        rest = [c for c in clauses if not _EXTRA_MARKER.match(c.strip("() "))]
        extras.setdefault(_normalize(names[0]), []).append(
            requirement.strip() + (f"; {' and '.join(rest)}" if rest else ""))
    return extras
