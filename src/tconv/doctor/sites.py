"""Where a traced call sits in the model's own source, and edits of that source a fix prints as a diff.

A trace records, for each module call and each function call it sees (``torch.cat``, ``F.interpolate``, ``+``),
the innermost frame of the model's code that made it (torch's frames and the doctor's are skipped): file, line
and the exact span of the call expression (Python 3.11's code positions), the function it is in, and, for a module,
the torch container that ran it when it was not the model's code (``nn.Sequential``).

A fix that edits the source is printed as a diff of whole lines, applied by replacing the ``-`` lines, which start
at the header's line, with the ``+`` lines::

    # docs/examples/unet.py:30, in Up.forward:
    -        x = self.up(x)
    +        x = self.up(x, output_size=skip.shape[-2:])
"""

from __future__ import annotations

import ast
import itertools
import linecache
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Site", "capture", "diff", "function_node", "node_at", "shown"]

_DOCTOR = str(Path(__file__).parent) + os.sep


@dataclass(frozen=True)
class Site:
    """A call in the model's source: ``file``, the span (1-based lines, 0-based UTF-8 columns), the function's
    qualified name and first line; ``via``: the torch container whose forward ran the module (the model's own line
    then calls the container); ``functional``: the name the file binds ``torch.nn.functional`` to, if any.

    >>> site = Site("/tmp/m.py", 30, 30, 12, 22, "Up.forward", 29)
    >>> site.label.endswith("m.py:30")
    True
    """

    file: str
    line: int
    end_line: int
    col: int
    end_col: int
    function: str
    first_line: int
    via: str = ""
    functional: str = ""

    @property
    def label(self) -> str:
        """``path:line``, the path relative to the current directory when under it.

        >>> Site(os.path.join(os.getcwd(), "net.py"), 30, 30, 12, 22, "Up.forward", 29).label
        'net.py:30'
        """
        return f"{shown(self.file)}:{self.line}"

    @property
    def readable(self) -> bool:
        """True when the site's file can be read and parsed, so a fix can be written against it.

        >>> Site(__file__, 1, 1, 0, 3, "<module>", 1).readable          # this module's own source
        True
        >>> Site("<stdin>", 1, 1, 0, 3, "<module>", 1).readable         # a model typed at a prompt
        False
        """
        return _tree(self.file) is not None

    def lines(self) -> list[str]:
        """The source lines of the span (empty when the file cannot be read).

        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        ...     _ = f.write("def forward(x, skip):\\n    return cat([skip,\\n                up(x)], 1)\\n")
        >>> Site(f.name, 2, 3, 11, 26, "forward", 1).lines()              # the call spans two lines
        ['    return cat([skip,', '                up(x)], 1)']
        >>> Site("/no/such/net.py", 2, 2, 11, 26, "forward", 1).lines()
        []
        >>> os.remove(f.name)
        """
        return [linecache.getline(self.file, n).rstrip("\n") for n in range(self.line, self.end_line + 1)] \
            if linecache.getline(self.file, self.line) else []


def shown(file: str) -> str:
    """A source path as printed: relative to the current directory when under it, else as is.

    >>> shown(os.path.join(os.getcwd(), "m.py"))
    'm.py'
    """
    try:
        rel = os.path.relpath(file)
    except ValueError:  # another drive on Windows
        return file
    return file if rel.startswith("..") else rel


def capture(torch_dir: str, skip: int = 1) -> Site | None:
    """The innermost frame outside torch and the doctor, above the caller's ``skip`` frames, as a Site.

    A hook standing for the tracer's code inside torch, called from a model's forward in ``/models/net.py``:

    >>> def hook():                                  # skip=1: the hook's own frame is not the model's
    ...     return capture("/opt/torch/")
    >>> exec(compile("def forward():\\n    return hook()\\n", "/models/net.py", "exec"))
    >>> site = forward()
    >>> site.file, site.line, (site.col, site.end_col), site.function, site.first_line
    ('/models/net.py', 2, (11, 17), 'forward', 1)
    """
    frame: Any = sys._getframe(skip + 1)
    via = ""
    first_outside = True
    while frame is not None:
        code = frame.f_code
        name = code.co_filename
        if name.startswith(torch_dir) or name.startswith(_DOCTOR):
            if name.startswith(torch_dir) and not name.endswith(os.sep + "module.py") and first_outside \
                    and code.co_name == "forward":
                owner = frame.f_locals.get("self")
                via = type(owner).__name__ if owner is not None else code.co_name
            if name.startswith(torch_dir) and not name.endswith(os.sep + "module.py"):
                first_outside = False
            frame = frame.f_back
            continue
        try:
            pos = next(itertools.islice(code.co_positions(), frame.f_lasti // 2, None))
        except (StopIteration, AttributeError):
            pos = (frame.f_lineno, frame.f_lineno, None, None)
        line, end_line, col, end_col = pos
        functional = next((k for k, v in frame.f_globals.items() if _is_functional(v)), "")
        return Site(name, line or frame.f_lineno, end_line or line or frame.f_lineno,
                    -1 if col is None else col, -1 if end_col is None else end_col,
                    getattr(code, "co_qualname", code.co_name), code.co_firstlineno, via, functional)
    return None


def _is_functional(value: Any) -> bool:
    return getattr(value, "__name__", None) == "torch.nn.functional" and type(value).__name__ == "module"


_TREES: dict[tuple[str, int], ast.Module | None] = {}


def _tree(file: str) -> ast.Module | None:
    try:
        key = (file, os.stat(file).st_mtime_ns)
    except OSError:
        return None
    if key not in _TREES:
        try:
            _TREES[key] = ast.parse(Path(file).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            _TREES[key] = None
    return _TREES[key]


def node_at(site: Site) -> tuple[ast.AST | None, ast.stmt | None, ast.FunctionDef | None]:
    """The expression node whose span is the site's, the simple statement holding it, and its function.

    The statement is None when the expression is not directly in a simple statement of the function's body
    (an ``if`` header, a lambda, a comprehension): a fix cannot insert lines before it.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("def forward(x, skip):\\n    return cat([skip, up(x)], 1)\\n")
    >>> expr, stmt, func = node_at(Site(f.name, 2, 2, 22, 27, "forward", 1))     # the span of up(x)
    >>> ast.unparse(expr), type(stmt).__name__, func.name
    ('up(x)', 'Return', 'forward')
    >>> node_at(Site(f.name, 2, 2, 21, 27, "forward", 1))[0] is None             # no expression spans that
    True
    >>> os.remove(f.name)
    """
    tree = _tree(site.file)
    if tree is None or site.col < 0:
        return None, None, None
    func = function_node(site)
    if func is None:
        return None, None, None
    expr: ast.AST | None = None
    stmt: ast.stmt | None = None
    for node in ast.walk(func):
        if isinstance(node, ast.expr) and (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset) == \
                (site.line, site.col, site.end_line, site.end_col):
            expr = node
            break
    if expr is None:
        return None, None, func
    for node in ast.walk(func):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Return | ast.Expr) and \
                node.lineno <= site.line and (node.end_lineno or node.lineno) >= site.end_line and \
                (stmt is None or node.lineno >= stmt.lineno):
            stmt = node
    if stmt is not None and any(isinstance(n, ast.Lambda | ast.comprehension | ast.IfExp | ast.BoolOp)
                                and _contains(n, expr) for n in ast.walk(stmt)):
        stmt = None  # evaluated conditionally or later: hoisting it out would change the model
    return expr, stmt, func


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer)) and outer is not inner


def function_node(site: Site) -> ast.FunctionDef | None:
    """The ``def`` whose code the site's frame ran (matched by its first line).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("class Up:\\n    @staticmethod\\n    def forward(x):\\n        return up(x)\\n")
    >>> function_node(Site(f.name, 4, 4, 15, 20, "Up.forward", 2)).name       # its first line is the decorator's
    'forward'
    >>> function_node(Site(f.name, 4, 4, 15, 20, "Up.forward", 3)) is None
    True
    >>> os.remove(f.name)
    """
    tree = _tree(site.file)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first == site.first_line:
                return node  # type: ignore[return-value]
    return None


def segment(lines: Sequence[str], node: ast.AST, first: int) -> str:
    """The source text of ``node`` from ``lines`` (the file's lines ``first``, ``first + 1``, ...).

    >>> lines = ["y = up(x,", "       skip)"]                     # the file's lines 30 and 31
    >>> call = ast.increment_lineno(ast.parse("\\n".join(lines)), 29).body[0].value
    >>> segment(lines, call.args[1], 30), segment(lines, call, 30)
    ('skip', 'up(x,\\n       skip)')
    """
    encoded = [line.encode("utf-8") for line in lines]
    a, b = node.lineno - first, (node.end_lineno or node.lineno) - first  # type: ignore[attr-defined]
    c, d = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    if a == b:
        return str(encoded[a][c:d].decode("utf-8"))
    parts = [encoded[a][c:], *encoded[a + 1:b], encoded[b][:d]]
    return str(b"\n".join(parts).decode("utf-8"))


def replace(lines: Sequence[str], first: int, spans: Sequence[tuple[ast.AST, str]]) -> list[str]:
    """``lines`` (the file's lines from ``first``) with each node's text replaced, the last spans first.

    >>> lines = ["y = cat([skip, up(x)], 1)"]
    >>> skip, upx = ast.parse(lines[0]).body[0].value.args[0].elts
    >>> replace(lines, 1, [(skip, "skip[..., :8]"), (upx, "u")])
    ['y = cat([skip[..., :8], u], 1)']
    """
    text = [line.encode("utf-8") for line in lines]
    for node, new in sorted(spans, key=lambda s: (s[0].lineno, s[0].col_offset), reverse=True):  # type: ignore
        a, b = node.lineno - first, (node.end_lineno or node.lineno) - first  # type: ignore[attr-defined]
        c, d = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        joined = text[a][:c] + new.encode("utf-8") + text[b][d:]
        text[a:b + 1] = joined.split(b"\n")
    return [t.decode("utf-8") for t in text]


def diff(site: Site, first: int, old: Sequence[str], new: Sequence[str], note: str = "") -> str:
    """The printed edit: a header naming the file, line and function, then ``-`` old and ``+`` new lines.

    >>> print(diff(Site("/nowhere/m.py", 3, 3, 4, 9, "Up.forward", 2), 3, ["    x = up(x)"],
    ...            ["    x = up(x, output_size=skip.shape[-1:])"]))
    # /nowhere/m.py:3, in Up.forward:
    -    x = up(x)
    +    x = up(x, output_size=skip.shape[-1:])
    """
    head = f"# {shown(site.file)}:{first}, in {site.function}{note}:"
    return "\n".join([head, *(f"-{line}" for line in old), *(f"+{line}" for line in new)])


def names_in(func: ast.AST) -> set[str]:
    """Every name a function reads, binds or takes, so a fix's temporary does not clobber one.

    >>> sorted(names_in(ast.parse("def forward(x, skip):\\n    d = up(x)\\n    return d + skip").body[0]))
    ['d', 'skip', 'up', 'x']
    """
    found = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    found |= {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
    return found


def fresh(name: str, used: set[str]) -> str:
    """``name``, or ``name_``, ``name__`` ... the first not in ``used``.

    >>> fresh("d", {"d", "x"})
    'd_'
    """
    while name in used:
        name += "_"
    return name


def bound_before(func: ast.FunctionDef, name: str, line: int) -> bool:
    """True when ``name`` is a parameter of ``func`` or assigned in it on a line before ``line``.

    >>> func = ast.parse("def forward(x):\\n    skip = down(x)\\n    return up(x) + skip").body[0]
    >>> bound_before(func, "x", 2), bound_before(func, "skip", 2), bound_before(func, "skip", 3)
    (True, False, True)
    """
    if any(a.arg == name for a in ast.walk(func.args) if isinstance(a, ast.arg)):
        return True
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store) and \
                node.lineno < line:
            return True
    return False
