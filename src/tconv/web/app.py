"""``tconv serve``: the explorer's web app (FastAPI). A thin shell: it parses, applies request limits, calls
the library and formats; every number and every refusal comes from the library, so the errors match.

Stateless: each request carries the whole configuration, so concurrent use is safe.

(No ``from __future__ import annotations`` here: FastAPI reads the route annotations at run time.)
"""

from dataclasses import dataclass
from importlib import resources
from typing import Any

from .._axes import as_int, count_axes, parse_ints, per_axis
from ..errors import TconvError

__all__ = ["LIMITS", "create_app"]

#: Request limits: what one request may ask for, so that no request can exhaust the machine.
LIMITS = {"input_size": 16, "kernel_size": 7, "stride": 6, "padding": 16, "output_padding": 5, "dilation": 4,
          "output_size": 64, "layers": 4, "seed": 2**31 - 1}


def _require_web() -> Any:
    try:
        import fastapi
    except ImportError:
        raise TconvError("the explorer needs FastAPI and uvicorn: pip install 'tconv[web]'") from None
    return fastapi


@dataclass(frozen=True)
class Config:
    """One explorer state, parsed and within the request limits (the library validates the rest)."""

    mode: str
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_size: tuple[int, ...] | None
    seed: int

    @property
    def transposed(self) -> bool:
        return self.mode == "transposed"

    def sizes(self) -> dict[str, Any]:
        return dict(
            stride=self.stride, padding=self.padding, output_padding=self.output_padding, dilation=self.dilation
        )


def parse_config(mode: str, i: str, k: str, s: str, p: str, op: str, d: str, os: "str | None", seed: str) -> Config:
    if mode not in ("transposed", "conv"):
        raise TconvError(f"mode {mode!r} is not known: use 'transposed' or 'conv'")
    raw = {"input_size": i, "kernel_size": k, "stride": s, "padding": p, "output_padding": op, "dilation": d}
    values = {name: parse_ints(name, text) for name, text in raw.items()}
    out = None if os in (None, "") else parse_ints("output_size", os)
    nd = max(2, count_axes(*values.values(), out))  # all scalars: a square 2-D layer
    if nd > 2:
        raise TconvError(f"the explorer draws 1-D and 2-D layers: got {nd} axes")
    parsed = {name: per_axis(name, v, nd) for name, v in values.items()}
    for name, vals in parsed.items():
        for axis, v in enumerate(vals):
            if v > LIMITS[name]:
                raise TconvError(f"{name} {v} on axis {axis} is beyond the explorer's limit of {LIMITS[name]}")
    output = None if out is None else per_axis("output_size", out, nd)
    if output is not None and max(output) > LIMITS["output_size"]:
        raise TconvError(f"output_size {list(output)} is beyond the explorer's limit of {LIMITS['output_size']}")
    seed_v = as_int("seed", parse_ints("seed", seed), minimum=0)
    if seed_v > LIMITS["seed"]:
        raise TconvError(f"seed {seed_v} is beyond the limit of {LIMITS['seed']}")
    return Config(
        mode,
        parsed["input_size"],
        parsed["kernel_size"],
        parsed["stride"],
        parsed["padding"],
        parsed["output_padding"],
        parsed["dilation"],
        output,
        seed_v,
    )


def shape_info(cfg: Config) -> dict[str, Any]:
    """The library's layer report (tconv.shapes.layer_report, the same data as ``tconv shape --json``) plus the
    PyTorch code for the layer."""
    from ..shapes import layer_report
    from ..snippets import torch_code

    info = layer_report(
        cfg.input_size, cfg.kernel_size, **cfg.sizes(), output_size=cfg.output_size, transposed=cfg.transposed
    )
    info["code"] = {
        "pytorch": torch_code(
            cfg.input_size,
            cfg.kernel_size,
            **cfg.sizes(),
            transposed=cfg.transposed,
            output_size=cfg.output_size,
            nd=len(cfg.input_size),
        )
    }
    return info


def build_scene(cfg: Config, view: str, values: bool, pool: str | None = None) -> Any:
    from ..scene import animate

    if cfg.transposed:
        if view not in ("equivalent", "scatter"):
            raise TconvError(f"view {view!r} draws a direct convolution: use 'equivalent' or 'scatter' for transposed")
        return animate(
            cfg.input_size,
            cfg.kernel_size,
            **cfg.sizes(),
            output_size=cfg.output_size,
            view=view,
            values=values,
            seed=cfg.seed,
        )
    return animate(cfg.input_size, cfg.kernel_size, **cfg.sizes(), view="conv", pool=pool, values=values, seed=cfg.seed)


def explain_info(cfg: Config, view: str, lang: str) -> dict[str, Any]:
    from ..explain import explain
    from ..explain.writers import cell_equation
    from ..scene.build import sample_arrays

    if not cfg.transposed:
        raise TconvError("walkthroughs explain transposed convolution: switch the mode to transposed")
    x, w = sample_arrays(None, None, cfg.input_size, cfg.kernel_size, cfg.seed)  # the scene's own numbers
    wt = explain(x[None], w[None, None], None, **cfg.sizes(), output_size=cfg.output_size, view=view, lang=lang)
    d = wt.to_dict()
    computing = next(s for s in reversed(wt.steps) if s.cells)
    d["equations"] = {
        ",".join(map(str, c.position)): cell_equation(c, f"y({', '.join(map(str, c.position))})")
        for c in computing.cells
    }
    d["text"] = wt.to_text(color=False)
    return d


def api_docs_html(spec: dict[str, Any]) -> str:
    """A self-contained HTML reference of the API from its OpenAPI document."""
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


def create_app() -> Any:
    """The FastAPI application: the page, its assets and the JSON API (documented at /docs and /openapi.json)."""
    fastapi = _require_web()
    from fastapi import FastAPI, Query, Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    from .. import __version__

    app = FastAPI(
        title="tconv explorer",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Transposed convolution, computed and drawn by tconv. Every endpoint takes the whole "
        "configuration; sizes are an integer or per axis `5,4`. Invalid settings answer 422 "
        "with the library's message.",
    )
    static = resources.files("tconv") / "web" / "static"

    @app.exception_handler(TconvError)
    async def _refused(request: Request, exc: TconvError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    def common(
        mode: str = Query("transposed", description="transposed or conv"),
        i: str = Query("3", description="input size, e.g. 5 or 5,4"),
        k: str = Query("3", description="kernel size"),
        s: str = Query("1", description="stride"),
        p: str = Query("0", description="padding"),
        op: str = Query("0", description="output_padding (transposed only)"),
        d: str = Query("1", description="dilation"),
        os: str | None = Query(None, description="output_size (transposed only; picks output_padding)"),
        seed: str = Query("0", description="seed of the small random integers shown as values"),
    ) -> Config:
        return parse_config(mode, i, k, s, p, op, d, os, seed)

    cfg_dep = fastapi.Depends(common)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        kinds = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        if "/" in name or suffix not in kinds or not (static / name).is_file():
            return JSONResponse(status_code=404, content={"detail": f"no asset {name!r}"})
        return Response((static / name).read_bytes(), media_type=kinds[suffix])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response((static / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API reference, rendered here from /openapi.json (no CDN: it works offline)."""
        return HTMLResponse(api_docs_html(app.openapi()))

    @app.get("/api/shape")
    def api_shape(cfg: Config = cfg_dep) -> dict[str, Any]:
        """Output size, PyTorch's formula with the numbers, the guide's relation, the output_size range, code."""
        return shape_info(cfg)

    @app.get("/api/scene")
    def api_scene(
        cfg: Config = cfg_dep, view: str = "equivalent", values: bool = False, pool: str | None = None
    ) -> dict[str, Any]:
        """The animation: server-rendered SVG (cells have ids) and the frames' marks for interaction."""
        scene = build_scene(cfg, view, values, pool)
        return {"svg": scene.svg(), "scene": scene.to_dict()}

    @app.get("/api/scene.svg")
    def api_scene_svg(
        cfg: Config = cfg_dep, view: str = "equivalent", values: bool = False, pool: str | None = None
    ) -> Response:
        """The animation as a downloadable animated SVG."""
        scene = build_scene(cfg, view, values, pool)
        return Response(
            scene.svg(), media_type="image/svg+xml", headers={"Content-Disposition": 'attachment; filename="tconv.svg"'}
        )

    @app.get("/api/scene.gif")
    def api_scene_gif(
        cfg: Config = cfg_dep, view: str = "equivalent", values: bool = False, pool: str | None = None
    ) -> Response:
        """The animation as a downloadable GIF."""
        from ..render import WRITERS

        scene = build_scene(cfg, view, values, pool)
        return Response(
            WRITERS["gif"](scene, None),
            media_type="image/gif",
            headers={"Content-Disposition": 'attachment; filename="tconv.gif"'},
        )

    @app.get("/api/explain")
    def api_explain(cfg: Config = cfg_dep, view: str = "gather", lang: str = "en") -> dict[str, Any]:
        """The walkthrough (gather, scatter or matrix view) of the same numbers, with one equation per output cell."""
        return explain_info(cfg, view, lang)

    @app.get("/api/overlap")
    def api_overlap(cfg: Config = cfg_dep, layers: str = "1") -> dict[str, Any]:
        """Taps per output cell for one layer or a stack, the verdict, and the heatmap as SVG."""
        from ..scene import overlap

        if not cfg.transposed:
            raise TconvError("overlap is about transposed convolution: switch the mode to transposed")
        n = as_int("layers", parse_ints("layers", layers), minimum=1)
        if n > LIMITS["layers"]:
            raise TconvError(f"layers {n} is beyond the explorer's limit of {LIMITS['layers']}")
        m = overlap(cfg.input_size, cfg.kernel_size, **cfg.sizes(), layers=n)
        return m.to_dict() | {"summary": m.summary(), "svg": m.scene().svg()}

    return app
