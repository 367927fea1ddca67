"""``tconv serve``: the explorer's web app (FastAPI). A thin shell: it parses, applies request limits, calls
the library and formats; every number and every refusal comes from the library, so the errors match.

Stateless: each request carries the whole configuration, so concurrent use is safe. The cheap answer (the layer
report of ``/api/shape``) is computed in the event loop; the rendering ones (scenes, SVG, GIF, walkthroughs,
heatmaps) are jobs: module-level functions of the parsed query that return the answer's bytes, run by a bounded
pool of worker processes and cached by query (tconv.web.pool).

(No ``from __future__ import annotations`` here: FastAPI reads the route annotations at run time.)
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, Literal

from .._axes import quote, show
from .._extras import install_hint
from ..errors import TconvError
from .jobs import (
    LIMITS,
    SIZES,
    Config,
    explain_job,
    overlap_job,
    parse_config,
    scene_gif_job,
    scene_job,
    scene_svg_job,
    shape_info,
)
from .pool import Busy, HeavyPool, PoolKind, Result, cpu_count, tune_allocator
from .site import asset_names
from .values import LIMIT

__all__ = ["LIMITS", "POOL", "SIZES", "create_app"]

# The request limits (LIMITS, SIZES) live beside the jobs (tconv.web.jobs), where the notebook widget reads them
# too; the OpenAPI schema states them (each size parameter's pattern is built from them), so a request beyond them
# is refused by the schema, with a message that names the parameter and the range.

#: The longest typed values (x, w) a query may carry: 16 × 16 numbers of up to 15 characters and their commas.
VALUES_LENGTH = 4096
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
#: Typed values in the query: rows of numbers, rows joined by ";", numbers by "," (tconv.web.values reads them).
VALUES_PATTERN = rf"^{_NUMBER}(?:,{_NUMBER})*(?:;{_NUMBER}(?:,{_NUMBER})*)*$"

#: The server's bounds on work in progress (each one a keyword of :func:`create_app`): ``workers`` rendering
#: processes (None: one per core this process may use), at most ``queue`` more renders waiting for one (None:
#: ``queue_per_worker`` per worker; beyond that a request is answered 503 with Retry-After), ``cache_bytes`` of
#: answers kept by query. A worker is replaced when its memory after a job passes ``recycle_bytes`` (or, when the
#: pool goes idle, has grown by a quarter of it since its first job) or after ``max_jobs`` jobs. ``memory_budget``
#: is the library's memory budget for one render (tconv.set_memory_budget, in each worker): a render that would need
#: more is refused by the library before it allocates (422, its message), so workers × budget bounds the renders.
POOL: dict[str, Any] = {"workers": None, "queue": None, "queue_per_worker": 16, "cache_bytes": 32 << 20,
                        "recycle_bytes": 64 << 20, "max_jobs": 500, "memory_budget": 512 << 20, "retry_after": 1}

Mode = Literal["transposed", "conv"]
TransposedMode = Literal["transposed"]  # walkthroughs and overlap maps are of transposed convolutions
# tconv.scene.build.VIEWS, then VIEW_ALIASES ("equivalent" is the gather view's other name; a test checks they agree)
SceneView = Literal["gather", "scatter", "conv", "equivalent"]
ExplainView = Literal["gather", "scatter", "matrix"]  # tconv.explain.VIEWS but backward (the library's and CLI's)
Lang = Literal["en", "zh"]  # tconv.explain.i18n.LANGS
Pool = Literal["max", "avg"]

#: What every query parameter means; the schema's descriptions and the messages of schema refusals.
DESCRIPTIONS = {
    "mode": "transposed (ConvTranspose) or conv (the direct convolution)",
    "transposed_mode": "transposed (ConvTranspose): walkthroughs and overlap maps are of transposed convolutions",
    **{
        name: f"{torch_name}: an integer from {low} to {LIMITS[torch_name]}, or one per axis like 5,4{note}"
        for name, (torch_name, low, note) in SIZES.items()
    },
    "seed": f"seed of the small random integers shown as values: an integer from 0 to {LIMITS['seed']}",
    "x": "typed input values, drawn instead of the seed's: rows separated by ';', numbers by ',' (like "
         f"4,4,3;0,3,4;2,3,2), shaped as i, each within ±{LIMIT:,.0f}; with w, or neither",
    "w": "typed kernel values, drawn instead of the seed's: rows separated by ';', numbers by ',' (like 1,2;0,1), "
         f"shaped as k, each within ±{LIMIT:,.0f}; with x, or neither",
    "scene_view": "gather (the direct convolution it equals: zeros inserted, padded, flipped kernel; 'equivalent' "
                  "is accepted as another name for it) or scatter (stamps) with mode=transposed; conv with mode=conv "
                  "(another pairing is refused with 422)",
    "values": "write the numbers in the cells (true or false)",
    "pool": "conv mode only: draw a pooling window, max or avg",
    "explain_view": "gather, scatter or matrix",
    "lang": "language of the walkthrough: en or zh",
    "scene_lang": "language of every word in the picture (title, labels, captions, legend): en or zh",
    "shape_lang": "language of the relation titles: en or zh (numbers and formulas are the same)",
    "layers": f"how many identical layers are stacked: an integer from 1 to {LIMITS['layers']}",
}

log = logging.getLogger(__name__)


def _number_pattern(low: int, high: int) -> str:
    """A regular expression for the integers low..high (0 <= low <= high <= 99), without leading zeros."""
    parts = []
    if low <= 9:
        top = min(high, 9)
        parts.append(f"[{low}-{top}]" if top > low else str(low))
    for tens in range(max(1, low // 10), high // 10 + 1):
        first, last = max(low, tens * 10) % 10, min(high, tens * 10 + 9) % 10
        parts.append(f"{tens}[{first}-{last}]" if last > first else f"{tens}{first}")
    return "|".join(parts)


def size_pattern(name: str) -> str:
    """The schema pattern of a size parameter: one number within the limits, one with a trailing comma (one axis,
    a 1-D layer, as the CLI reads it), or two (one per axis).

    >>> import re
    >>> size_pattern("k")
    '^(?:(?:[1-7])(?:,(?:[1-7])?)?)$'
    >>> [bool(re.match(size_pattern("k"), text)) for text in ("3", "3,", "3,2", "8", "0", "3,2,1", ",3")]
    [True, True, True, False, False, False, False]
    """
    torch_name, low, _ = SIZES[name]
    one = f"(?:{_number_pattern(low, LIMITS[torch_name])})"
    empty = "|" if name == "os" else ""  # an empty output_size means "not given", as in the page's form
    return f"^(?:{empty}{one}(?:,{one}?)?)$"


def _require_web() -> Any:
    try:
        import fastapi
    except ImportError:
        raise TconvError(f"the explorer needs FastAPI and uvicorn: {install_hint('web')}") from None
    return fastapi


def api_docs_html(spec: dict[str, Any]) -> str:
    """A self-contained HTML reference of the API from its OpenAPI document.

    >>> shape = {"summary": "Output size.", "parameters": [{"name": "i", "schema": {"default": "3"},
    ...                                                     "description": "input_size"}]}
    >>> html = api_docs_html({"info": {"title": "demo", "version": "1.0"}, "paths": {"/api/shape": {"get": shape}}})
    >>> html[html.index("<h2"):html.index("<table>")]
    "<h2 id='/api/shape'><code>GET /api/shape</code></h2><p>Output size.</p>"
    >>> html[html.index("<tr><td>"):html.index("</table>")]       # one row per query parameter
    '<tr><td><code>i</code></td><td>3</td><td>input_size</td></tr>'
    """
    from html import escape

    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(spec['info']['title'])} API</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}code{background:#f3f3f3}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}"
        "</style></head><body>",
        f"<h1>{escape(spec['info']['title'])} API {escape(spec['info']['version'])}</h1>",
        f"<p>{escape(spec['info'].get('description', ''))}</p>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>",
    ]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            parts.append(
                f"<h2 id='{escape(op.get('operationId', path))}'><code>{method.upper()} {escape(path)}</code></h2>"
            )
            parts.append(f"<p>{escape(op.get('description') or op.get('summary') or '')}</p>")
            rows = "".join(
                f"<tr><td><code>{escape(p['name'])}</code></td>"
                f"<td>{escape(str(p.get('schema', {}).get('default', '')))}</td>"
                f"<td>{escape(p.get('description', ''))}</td></tr>"
                for p in op.get("parameters", [])
            )
            if rows:
                parts.append(f"<table><tr><th>parameter</th><th>default</th><th>meaning</th></tr>{rows}</table>")
    parts.append("</body></html>")
    return "".join(parts)


class _InternalErrors:
    """ASGI middleware: an exception no handler claimed (a bug, not the user's request) is logged with its
    traceback and answered 500 with a generic body; the traceback stays in the log.

    Starlette's own last-resort handler re-raises after answering (the server logs it a second time, and a test
    client raises instead of returning the 500), so the app keeps the whole contract here.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            log.exception("internal error answering %s %s?%s", scope.get("method"), scope.get("path"),
                          scope.get("query_string", b"").decode("latin-1"))
            if started:  # too late for a status: the client sees a cut response
                raise
            from fastapi.responses import JSONResponse

            body = {"detail": INTERNAL_ERROR, "parameter": None}
            await JSONResponse(status_code=500, content=body)(scope, receive, send)


INTERNAL_ERROR = "internal error: the explorer failed on this request (a bug; the details are in the server log)"


def _validation_message(error: dict[str, Any], documented: dict[str, str]) -> tuple[str, str | None]:
    """A schema refusal in the library's style: the parameter, its documented rule, the value given."""
    loc = error.get("loc", ())
    name = str(loc[-1]) if len(loc) >= 2 and loc[0] == "query" else None
    if name is None or name not in documented:
        return str(error.get("msg", "invalid request")), name
    return f"{name} {show(error.get('input'))} is refused ({documented[name]})", name  # show: a value cut short


def create_app(
    *,
    workers: int | None = POOL["workers"],
    queue: int | None = POOL["queue"],
    cache_bytes: int = POOL["cache_bytes"],
    pool: PoolKind = "process",
    recycle_bytes: int = POOL["recycle_bytes"],
    max_jobs: int = POOL["max_jobs"],
    memory_budget: int | None = POOL["memory_budget"],
) -> Any:
    """The FastAPI application: the page, its assets and the JSON API (documented at /docs and /openapi.json).

    The keywords bound the rendering work (see :data:`POOL`); ``pool="thread"`` runs the jobs in threads of this
    process instead of worker processes (for tests that patch the library, and for comparison);
    ``memory_budget`` is the library's memory budget for one render (None: the library's default, half the
    machine).

    >>> app = create_app(workers=2, queue=4)    # built, not served: no worker starts before the server does
    >>> app.title, app.state.heavy.workers, app.state.heavy.queue
    ('tconv explorer', 2, 4)
    >>> sorted(route.path for route in app.routes if route.path.startswith("/api/"))
    ['/api/explain', '/api/overlap', '/api/scene', '/api/scene.gif', '/api/scene.svg', '/api/shape']
    """
    fastapi = _require_web()
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from pydantic import BaseModel, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .. import __version__

    workers = cpu_count() if workers is None else workers
    heavy = HeavyPool(
        workers,
        POOL["queue_per_worker"] * workers if queue is None else queue,
        cache_bytes,
        kind=pool,
        max_jobs=max_jobs,
        recycle_bytes=recycle_bytes,
        memory_budget=memory_budget,
        retry_after=POOL["retry_after"],
    )

    class Error(BaseModel):
        """Every error body: 422 for a refused request (the library's TconvError, or a parameter outside its
        schema), 503 when the server is busy, 500 for an internal error."""

        detail: str = Field(description="what is wrong, in words: the library's message or the parameter's rule")
        parameter: str | None = Field(
            description="the query parameter the schema refused; null when the library refused the combination "
            "(its message names the parameter), when the server is busy and for internal errors"
        )

    errors: dict[int | str, dict[str, Any]] = {
        422: {"model": Error, "description": "Refused: the library's message (TconvError), or a query parameter "
              "outside its schema (parameter names it)."},
        500: {"model": Error, "description": "Internal error: a generic message; the traceback is logged."},
    }
    busy = (
        f"Busy: the {heavy.workers} rendering workers are all busy and {heavy.queue} more renders are waiting; "
        "retry after the seconds of Retry-After. Answers are cached by query, so a repeated view is not rendered "
        "again."
    )
    rendered: dict[int | str, dict[str, Any]] = {
        **errors,
        503: {"model": Error, "description": busy, "headers": {
            "Retry-After": {"description": "seconds to wait before asking again", "schema": {"type": "integer"}}}},
    }

    def image(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
        return {
            200: {
                "description": what,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
                "headers": {"Content-Disposition": {"description": "attachment, with a file name",
                                                    "schema": {"type": "string"}}},
            },
            **rendered,
        }

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        tune_allocator()  # a serving process: large answers go back to the system once sent
        heavy.start()
        yield
        heavy.close()

    limits = ", ".join(f"{name} ≤ {value}" for name, value in LIMITS.items())
    app = FastAPI(
        title="tconv explorer",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        description="Transposed convolution, computed and drawn by tconv. Every endpoint takes the whole "
        "configuration; sizes are an integer or per axis `5,4`. Refusals answer 422 with "
        '`{"detail": message, "parameter": name or null}`: the library\'s message, or the rule of the query '
        "parameter the schema refused. An internal error answers 500 with the same shape and a generic message. "
        f"Request limits: {limits}. /api/shape is answered at once; the rendering endpoints (scene, scene.svg, "
        f"scene.gif, explain, overlap) run on {heavy.workers} worker processes with at most {heavy.queue} renders "
        f"waiting: beyond that they answer 503 (same shape) with Retry-After. Rendered answers are cached by query "
        f"({cache_bytes >> 20} MiB, least recently used out), so returning to a view answers the same bytes at once.",
    )
    app.state.heavy = heavy
    app.add_middleware(_InternalErrors)
    static = resources.files("tconv") / "web" / "static"

    @app.middleware("http")
    async def one_value_each(request: Request, call_next: Any) -> Any:
        """A parameter given twice is refused, as the CLI refuses a flag given twice (not the last one silently)."""
        if request.url.path.startswith("/api/"):
            seen: set[str] = set()
            for key, _ in request.query_params.multi_items():
                if key in seen:
                    return JSONResponse(status_code=422, content={
                        "detail": f"{show(key)} is given twice: give each parameter once", "parameter": key})
                seen.add(key)
        return await call_next(request)

    @app.exception_handler(TconvError)
    async def _refused(request: Request, exc: TconvError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc), "parameter": None})

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc), "parameter": None},
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """404 and 405 (no such path, a method other than GET) in the same shape as every other error."""
        return JSONResponse(
            status_code=exc.status_code, content={"detail": str(exc.detail), "parameter": None}, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        operation = app.openapi()["paths"].get(request.url.path, {}).get(request.method.lower(), {})
        documented = {p["name"]: p.get("description", "") for p in operation.get("parameters", [])}
        messages = [_validation_message(e, documented) for e in exc.errors()]
        return JSONResponse(
            status_code=422, content={"detail": "; ".join(m for m, _ in messages), "parameter": messages[0][1]}
        )

    def size(name: str, default: str | None) -> Any:
        return Query(default, description=DESCRIPTIONS[name], pattern=size_pattern(name))

    def values(name: str) -> Any:
        return Query(None, max_length=VALUES_LENGTH, pattern=VALUES_PATTERN, description=DESCRIPTIONS[name])

    mode_q = Query("transposed", description=DESCRIPTIONS["mode"])
    explain_view = Query("gather", description=DESCRIPTIONS["explain_view"])
    lang_q = Query("en", description=DESCRIPTIONS["lang"])

    def configured(modes: Any, mode_query: Any) -> Any:
        """The dependency that parses one explorer state, for the modes an endpoint draws."""

        async def common(  # async: parsed in the event loop, no thread hop
            mode: modes = mode_query,  # FastAPI reads the Literal at run time
            i: str = size("i", "3"),
            k: str = size("k", "3"),
            s: str = size("s", "1"),
            p: str = size("p", "0"),
            op: str = size("op", "0"),
            d: str = size("d", "1"),
            os: str | None = size("os", None),
            seed: int = Query(0, ge=0, le=LIMITS["seed"], description=DESCRIPTIONS["seed"]),
            x: str | None = values("x"),
            w: str | None = values("w"),
        ) -> Config:
            return parse_config(mode, i, k, s, p, op, d, os, seed, x, w)

        return fastapi.Depends(common)

    cfg_dep = configured(Mode, mode_q)
    transposed_dep = configured(TransposedMode, Query("transposed", description=DESCRIPTIONS["transposed_mode"]))
    scene_view = Query("gather", description=DESCRIPTIONS["scene_view"])
    scene_lang = Query("en", description=DESCRIPTIONS["scene_lang"])
    shape_lang = Query("en", description=DESCRIPTIONS["shape_lang"])
    values_q = Query(False, description=DESCRIPTIONS["values"])
    pool_q = Query(None, description=DESCRIPTIONS["pool"])

    def respond(result: Result) -> Response:
        return Response(result.body, media_type=result.media_type, headers=dict(result.headers))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        # the same page as the static site, marked as served: it may ask the API for what only Python makes
        page = (static / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(page.replace("<!-- tconv-server -->", '<meta name="tconv-server" content="1">', 1))

    # The shipped assets, listed once (the site writer's list; the page itself is "/"): a requested name is looked
    # up here, never handed to the file system (a 300-character name is an OS error there, not a missing file)
    assets = {name: kind for name, kind in asset_names().items() if name != "index.html"}

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in assets:
            return JSONResponse(status_code=404, content={"detail": f"no asset {quote(name)}", "parameter": None})
        return Response((static / name).read_bytes(), media_type=assets[name])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response((static / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API reference, rendered here from /openapi.json (no CDN: it works offline)."""
        return HTMLResponse(api_docs_html(app.openapi()))

    @app.get("/api/shape", responses=errors)
    async def api_shape(cfg: Config = cfg_dep, lang: Lang = shape_lang) -> dict[str, Any]:
        """Output size, PyTorch's formula with the numbers, the guide's relation, the output_size range, code.
        Answered at once, in the event loop (a few milliseconds), never queued behind renders."""
        return shape_info(cfg, lang)

    @app.get("/api/scene", response_model=dict[str, Any], responses=rendered)
    async def api_scene(
        cfg: Config = cfg_dep, view: SceneView = scene_view, values: bool = values_q, pool: Pool | None = pool_q,
        lang: Lang = scene_lang,
    ) -> Response:
        """The animation: server-rendered SVG and the scene's data. Every SVG cell is a rect with id
        "{panel}-{row}-{col}", data-role, and where it holds an element of the input, the weight or the output its
        true index in data-index ("0,0"); inserted zeros have data-between ("0,0;0,1"), the flipped kernel's cells
        data-flipped. scene.panels[i] has the same as roles, indices and between (row by row; null where none)."""
        return respond(await heavy.answer(scene_job, cfg, view, values, pool, lang))

    @app.get("/api/scene.svg", response_class=Response, responses=image("image/svg+xml", "The animated SVG."))
    async def api_scene_svg(
        cfg: Config = cfg_dep, view: SceneView = scene_view, values: bool = values_q, pool: Pool | None = pool_q,
        lang: Lang = scene_lang,
    ) -> Response:
        """The animation as a downloadable animated SVG."""
        return respond(await heavy.answer(scene_svg_job, cfg, view, values, pool, lang))

    @app.get("/api/scene.gif", response_class=Response, responses=image("image/gif", "The animated GIF."))
    async def api_scene_gif(
        cfg: Config = cfg_dep, view: SceneView = scene_view, values: bool = values_q, pool: Pool | None = pool_q,
        lang: Lang = scene_lang,
    ) -> Response:
        """The animation as a downloadable GIF."""
        return respond(await heavy.answer(scene_gif_job, cfg, view, values, pool, lang))

    @app.get("/api/explain", response_model=dict[str, Any], responses=rendered)
    async def api_explain(
        cfg: Config = transposed_dep,
        view: ExplainView = explain_view,
        lang: Lang = lang_q,
    ) -> Response:
        """The walkthrough (gather, scatter or matrix view) of the same numbers, with one equation per output cell."""
        return respond(await heavy.answer(explain_job, cfg, view, lang))

    @app.get("/api/overlap", response_model=dict[str, Any], responses=rendered)
    async def api_overlap(
        cfg: Config = transposed_dep,
        layers: int = Query(1, ge=1, le=LIMITS["layers"], description=DESCRIPTIONS["layers"]),
        lang: Lang = scene_lang,
    ) -> Response:
        """Taps per output cell for one layer or a stack, the verdict, and the heatmap as SVG."""
        return respond(await heavy.answer(overlap_job, cfg, layers, lang))

    return app
