"""Where output goes: a path or a file object open for writing, checked and written one way (segno's
``writable``). ``Scene.save`` and ``OverlapMap.save`` write through :func:`writable`; a shell checks a path with
:func:`check_writable` before any work, then writes through :func:`writable` too.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from .._axes import quote, show
from ..errors import TconvError

__all__ = ["Sink", "Target", "check_target", "check_writable", "path_kind", "writable"]

#: What output can go to: a path, or a file object open for writing.
Target = str | os.PathLike[str] | IO[bytes] | IO[str]


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def path_kind(path: Path, what: str) -> str:
    """'folder', 'file' or 'missing'; a path the system refuses to look at (too long...) is an error naming it
    as ``what``.

    >>> path_kind(Path("/tmp"), "DIR"), path_kind(Path("/tmp/tconv-surely-missing"), "DIR")
    ('folder', 'missing')
    """
    try:
        return "folder" if path.is_dir() else "file" if path.exists() else "missing"
    except (OSError, ValueError) as exc:
        raise TconvError(f"{what} {quote(str(path))} cannot be used: {_reason(exc)}") from None


def check_writable(path: str | os.PathLike[str], what: str = "path") -> Path:
    """The path, refused before any work when no file can be written there: a folder, or a file in a folder that
    does not exist (or that is a file). ``what`` names the path in messages (a shell's flag: ``"--output"``).

    >>> check_writable("/tmp/tconv-doctest.svg").name
    'tconv-doctest.svg'
    >>> check_writable("/tmp", "--output")
    Traceback (most recent call last):
    tconv.errors.TconvError: --output '/tmp' is a folder: give a file name
    """
    if not str(path):
        raise TconvError(f"{what} '' is empty: give a file name")
    target = Path(path)
    shown = quote(str(path))
    if path_kind(target, what) == "folder":
        raise TconvError(f"{what} {shown} is a folder: give a file name")
    folder = path_kind(target.parent, what)
    if folder == "missing":
        raise TconvError(f"{what} {shown}: the folder {quote(str(target.parent))} does not exist (create it first)")
    if folder == "file":
        raise TconvError(f"{what} {shown}: {quote(str(target.parent))} is a file, not a folder")
    return target


def check_target(target: object, what: str = "the output") -> None:
    """Refuse, before any work, a target no output can go to: a path :func:`check_writable` refuses, or an object
    that is not a file open for writing (no ``write``, closed, or opened for reading). ``what`` names the output.

    >>> check_target("/tmp/tconv-doctest.svg")          # returns nothing: a file can be written there
    >>> check_target(None, "the scene")
    Traceback (most recent call last):
    tconv.errors.TconvError: cannot write the scene to None (NoneType): give a path or a file object open for writing
    >>> check_target(io.BufferedReader(io.BytesIO()), "the scene")        # as a file opened with mode 'rb'
    Traceback (most recent call last):
    tconv.errors.TconvError: cannot write the scene to <_io.BufferedReader>: it is not open for writing (open the \
file with mode 'wb')
    """
    if isinstance(target, str | os.PathLike):
        check_writable(target, "target")  # the saving methods' parameter
        return
    if not callable(getattr(target, "write", None)):
        raise TconvError(f"cannot write {what} to {show(target)} ({type(target).__name__}): give a path or a file "
                         "object open for writing")
    if getattr(target, "closed", False) is True:
        raise TconvError(f"cannot write {what} to {show(target)}: the file is closed")
    writable = getattr(target, "writable", None)
    try:
        refused = callable(writable) and writable() is False
    except (OSError, ValueError):  # a file object that cannot say: its first write tells
        refused = False
    if refused:
        raise TconvError(f"cannot write {what} to {show(target)}: it is not open for writing (open the file with "
                         "mode 'wb')")


class Sink:
    """Bytes going to one target: :meth:`write` takes bytes (NumPy's ``np.save`` takes a sink too), and a failed
    write is a TconvError that names the target.

    >>> buf = io.BytesIO()
    >>> sink = Sink(buf.write, lambda exc: TconvError(f"cannot write the picture to the buffer: {exc}"))
    >>> sink.write(b"GIF89a")
    >>> buf.getvalue()
    b'GIF89a'
    """

    def __init__(self, write: Callable[[Any], Any], fail: Callable[[BaseException], TconvError],
                 encoding: str | None = None) -> None:
        self._write, self._fail, self._encoding = write, fail, encoding

    def write(self, data: bytes) -> None:
        """Write ``data`` (decoded first when the sink has an encoding); a failure is the sink's TconvError.

        >>> buf = io.StringIO()
        >>> sink = Sink(buf.write, lambda exc: TconvError(f"cannot write the SVG: {exc}"), encoding="utf-8")
        >>> sink.write("<svg>→</svg>".encode())
        >>> buf.getvalue()
        '<svg>→</svg>'
        >>> buf.close()
        >>> sink.write(b"<svg/>")
        Traceback (most recent call last):
        tconv.errors.TconvError: cannot write the SVG: I/O operation on closed file
        """
        try:
            self._write(data if self._encoding is None else data.decode(self._encoding))
        except (OSError, ValueError, TypeError) as exc:
            raise self._fail(exc) from None


@contextlib.contextmanager
def writable(target: Target, what: str = "the output", *, encoding: str | None = None) -> Iterator[Sink]:
    """A :class:`Sink` for ``target``: a path is opened here (binary), closed at the end and removed when the
    block fails half-way; a file object is written as it is. ``encoding``: the bytes are text in it, so a text
    file takes them decoded (None: binary data, which a text file refuses). ``what`` names the output in messages.

    >>> buf = io.StringIO()
    >>> with writable(buf, encoding="utf-8") as out:
    ...     out.write(b"<svg/>")
    >>> buf.getvalue()
    '<svg/>'
    >>> with writable("/tmp/tconv-doctest-writable.txt") as out:
    ...     out.write(b"done")
    >>> Path("/tmp/tconv-doctest-writable.txt").read_text()
    'done'
    """
    if isinstance(target, str | os.PathLike):
        path = Path(target)

        def cannot(exc: BaseException) -> TconvError:
            return TconvError(f"cannot write {what} {quote(str(path))}: {_reason(exc)}")

        try:
            file = path.open("wb")
        except (OSError, ValueError) as exc:  # no such folder, a folder, no permission, a NUL in the name
            raise cannot(exc) from None
        try:
            yield Sink(file.write, cannot)
            try:
                file.close()
            except OSError as exc:  # the last buffered bytes did not fit
                raise cannot(exc) from None
        except BaseException:
            with contextlib.suppress(OSError, ValueError):
                file.close()
            with contextlib.suppress(OSError, ValueError):
                path.unlink(missing_ok=True)
            raise
        return
    check_target(target, what)

    def failed(exc: BaseException) -> TconvError:  # a closed file, one open in the wrong mode: the caller's mistake
        return TconvError(f"cannot write {what} to {show(target)}: {exc}")

    if isinstance(target, io.TextIOBase) and encoding is None:
        raise TconvError(f"cannot write {what} to a text file ({show(target)}): it is binary, open the file with "
                         "mode 'wb'")
    yield Sink(target.write, failed, encoding if isinstance(target, io.TextIOBase) else None)
