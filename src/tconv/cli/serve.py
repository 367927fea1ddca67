"""``tconv serve`` and ``tconv site``: the interactive explorer in the browser, served by Python or written as a
static site that any web server can host."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .._axes import quote
from .._extras import install_hint
from ..errors import TconvError
from .base import int_in, subparser

if TYPE_CHECKING:
    import socket

EXAMPLES = """\
  tconv serve                                   the interactive explorer at http://127.0.0.1:8765/
  tconv serve --port 9000 --no-browser          --port 0: any free port"""

SITE_EXAMPLES = """\
  tconv site explorer/                          the explorer as static files (index.html and static/)
  python -m http.server -d explorer/            try it; or copy the folder to GitHub Pages or any web space"""


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening, or a TconvError naming the host or the port."""
    import errno
    import socket

    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                      flags=socket.AI_PASSIVE)[0]
    except (OSError, UnicodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise TconvError(f"--host {quote(host)} is not an address to listen on: {reason}") from None
    try:
        return socket.create_server(address, family=family)
    except OSError as exc:
        busy = "; the port is busy: pick another with --port, or --port 0 for any free one" \
            if exc.errno == errno.EADDRINUSE else ""
        raise TconvError(f"--port {port}: cannot listen on {host}:{port}: {exc.strerror or exc}{busy}") from None


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..web.app import create_app

    app = create_app()  # raises TconvError with the install hint when FastAPI is missing
    try:
        import uvicorn
    except ImportError:
        raise TconvError(f"the explorer needs uvicorn: {install_hint('web')}") from None
    # bind first: the URL is printed (and the browser opened) only once the port is ours
    sock = _listen(args.host, args.port)
    with sock:
        port = sock.getsockname()[1]
        host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else args.host
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
        print(f"tconv explorer on {url} (Ctrl+C stops it)", flush=True)
        if not args.no_browser:
            import threading
            import webbrowser

            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        uvicorn.Server(uvicorn.Config(app, host=args.host, port=port, log_level="warning")).run(sockets=[sock])
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    import shlex

    from ..web.site import write_site

    written = write_site(args.directory)
    print(f"wrote the explorer ({len(written)} files) to {args.directory}: host that folder on any static web "
          f"server (GitHub Pages, a school's web space), or try it with: python -m http.server -d "
          f"{shlex.quote(args.directory)}")
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` and ``site`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> args = parser.parse_args(["serve", "--port", "9000", "--no-browser"])    # parsed only: nothing listens
    >>> args.handler.__name__, args.host, args.port, args.no_browser
    ('_cmd_serve', '127.0.0.1', 9000, True)
    >>> parser.parse_args(["site", "out/"]).directory
    'out/'
    """
    # the packages named as the "needs X" message names them (install_hint: the extra's list, from the metadata)
    needs = install_hint("web").replace("%", "%%")
    se = subparser(sub, "serve", [], f"start the interactive explorer in the browser (needs FastAPI and uvicorn: "
                   f"{needs})", EXAMPLES, _cmd_serve)
    se.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    se.add_argument("--port", type=int_in(0, 65535), default=8765, metavar="N",
                    help="port, 1..65535, or 0 for any free one (default 8765)")
    se.add_argument("--no-browser", action="store_true", help="do not open a browser")
    si = subparser(sub, "site", [], "write the explorer as a static site: it computes in the browser, no "
                   "Python behind it", SITE_EXAMPLES, _cmd_site)
    si.add_argument("directory", metavar="DIR", help="folder to write index.html and static/ into (created if "
                    "missing; files of the same names are replaced)")
