"""Install hints for the optional parts (extras): one place says which command installs what.

>>> install_hint("show")
"pip install 'tconv[show]'"
"""

from __future__ import annotations

__all__ = ["install_hint"]


def install_hint(extra: str) -> str:
    """The command that installs the packages of ``extra`` (a key of pyproject's optional-dependencies).

    Every "needs X" message of an optional part ends with this, so that the hint is right in one place.

    >>> install_hint("web")
    "pip install 'tconv[web]'"
    """
    return f"pip install 'tconv[{extra}]'"
