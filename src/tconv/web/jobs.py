"""The explorer's jobs: one explorer state parsed from a query (:class:`Config`) and the module-level functions
that answer it (the layer report, scenes, SVG and GIF downloads, walkthroughs, overlap maps), each returning the
answer's bytes. The web app (tconv.web.app) runs the cheap ones in its event loop and the rendering ones in its
worker pool (tconv.web.pool), which pickles them by name: they live here, apart from the app, so that a worker
imports no web framework.

>>> cfg = parse_config("transposed", "3", "3", "2", "1", "1", "1", None, 0)
>>> shape_info(cfg)["output_size"]      # (3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1
[6, 6]
"""

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._axes import drawn_axes, parse_ints, per_axis
from ..errors import TconvError
from .pool import Result
from .values import Values, parse_values

if TYPE_CHECKING:  # the scene package is imported where a map is drawn, not by the web app's import
    from ..scene.overlap import OverlapMap

__all__ = ["LIMITS", "SIZES", "Config", "build_scene", "check_limits", "explain_info", "explain_job", "overlap_job",
           "overlap_map", "parse_config", "scene_gif_job", "scene_job", "scene_svg_job", "shape_info"]

#: Request limits: what one explorer state may ask for, so that no request (and no notebook widget) can exhaust
#: the machine. The web API's schema is built from them (tconv.web.app), the notebook widget checks them with
#: :func:`check_limits`, and the page's plan.js mirrors them.
LIMITS = {"input_size": 16, "kernel_size": 7, "stride": 6, "padding": 16, "output_padding": 5, "dilation": 4,
          "output_size": 64, "layers": 4, "seed": 2**31 - 1}

#: The size parameters: query name → (PyTorch's name, smallest value, a note). Each is one integer or one per axis.
SIZES = {
    "i": ("input_size", 1, ""),
    "k": ("kernel_size", 1, ""),
    "s": ("stride", 1, ""),
    "p": ("padding", 0, "; at most what leaves one output cell (transposed) or half the kernel (conv)"),
    "op": ("output_padding", 0, "; transposed only, and smaller than the stride or the dilation"),
    "d": ("dilation", 1, ""),
    "os": ("output_size", 1, "; transposed only, empty or absent: from output_padding, else it picks output_padding "
           "within PyTorch's range"),
}

# The smallest value of each limited parameter, by PyTorch's name (the schema's minimum for the web API).
_MINIMUMS = {torch_name: low for torch_name, low, _ in SIZES.values()} | {"layers": 1, "seed": 0}


def check_limits(name: str, value: int | tuple[int, ...]) -> None:
    """Refuse a value outside the request limits (:data:`LIMITS`, each with its minimum from :data:`SIZES`): one
    integer, or one per axis. The web API's schema refuses the same values in a query (its patterns are built from
    the same tables); the notebook widget, which has no schema, calls this.

    >>> check_limits("stride", (2, 6)), check_limits("seed", 0)
    (None, None)
    >>> check_limits("stride", (2, 7))
    Traceback (most recent call last):
    tconv.errors.TconvError: stride 7 on axis 1 is outside the explorer's limits: valid range: 1 to 6
    >>> check_limits("input_size", 20)
    Traceback (most recent call last):
    tconv.errors.TconvError: input_size 20 is outside the explorer's limits: valid range: 1 to 16
    """
    low, high = _MINIMUMS[name], LIMITS[name]
    values = value if isinstance(value, tuple) else (value,)
    for axis, v in enumerate(values):
        if not low <= v <= high:
            where = f" on axis {axis}" if isinstance(value, tuple) else ""
            raise TconvError(f"{name} {v}{where} is outside the explorer's limits: valid range: {low} to {high}")


@dataclass(frozen=True)
class Config:
    """One explorer state, parsed and within the request limits (the library validates the rest).

    Frozen and hashable: with the other query parameters it is the key of the answers' cache.

    >>> cfg = Config("transposed", (3, 3), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), None, 0)
    >>> cfg == parse_config("transposed", "3", "3", "2", "1", "1", "1", None, 0), len({cfg, cfg})
    (True, 1)
    """

    mode: str
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_size: tuple[int, ...] | None
    seed: int
    #: typed values (tconv.web.values.parse_values), drawn instead of the seed's random integers when given
    x: Values | None = None
    w: Values | None = None

    @property
    def transposed(self) -> bool:
        """Whether the state is a transposed convolution (mode ``transposed``), not a direct one (``conv``).

        >>> parse_config("conv", "5", "3", "1", "0", "0", "1", None, 0).transposed
        False
        """
        return self.mode == "transposed"

    def sizes(self) -> dict[str, Any]:
        """The layer's keywords beside the input and kernel sizes, per axis, as the library's calls take them.

        >>> parse_config("transposed", "3", "3", "2", "1", "1", "1", None, 0).sizes()
        {'stride': (2, 2), 'padding': (1, 1), 'output_padding': (1, 1), 'dilation': (1, 1)}
        """
        return dict(
            stride=self.stride, padding=self.padding, output_padding=self.output_padding, dilation=self.dilation
        )


def parse_config(mode: str, i: str, k: str, s: str, p: str, op: str, d: str, os: "str | None", seed: int,
                 x: "str | None" = None, w: "str | None" = None) -> Config:
    """The query's text as per-axis sizes. The schema has checked the syntax and the limits; a mix of one and two
    values per axis, and everything about the layer, is the library's to judge. Typed values ``x`` and ``w`` (the
    page's form, "4,4,3;0,3,4;2,3,2") come both or neither, shaped as input_size and kernel_size.

    >>> parse_config("transposed", "5", "3,2", "2", "1", "0", "1", "10,9", 7)    # all scalars would mean 2-D too
    Config(mode='transposed', input_size=(5, 5), kernel_size=(3, 2), stride=(2, 2), padding=(1, 1),
           output_padding=(0, 0), dilation=(1, 1), output_size=(10, 9), seed=7, x=None, w=None)
    >>> parse_config("conv", "5,", "3", "2", "0", "0", "1", "", 0).input_size      # "5,": one axis
    (5,)
    >>> parse_config("transposed", "2", "1", "1", "0", "0", "1", None, 0, x="1,2;3,4", w="5").x
    ((1.0, 2.0), (3.0, 4.0))
    """
    raw = {"input_size": i, "kernel_size": k, "stride": s, "padding": p, "output_padding": op, "dilation": d}
    values = {name: parse_ints(name, text) for name, text in raw.items()}
    out = None if os in (None, "") else parse_ints("output_size", os)
    nd = drawn_axes(**values, output_size=out)  # all scalars: a square 2-D layer
    parsed = {name: per_axis(name, v, nd) for name, v in values.items()}
    output = None if out is None else per_axis("output_size", out, nd)
    if (x in (None, "")) != (w in (None, "")):
        raise TconvError("x and w: give both typed input and kernel values, or neither (then random integers from "
                         "the seed)")
    typed_x = None if x in (None, "") else parse_values(str(x), "x", parsed["input_size"])
    typed_w = None if w in (None, "") else parse_values(str(w), "w", parsed["kernel_size"])
    return Config(
        mode,
        parsed["input_size"],
        parsed["kernel_size"],
        parsed["stride"],
        parsed["padding"],
        parsed["output_padding"],
        parsed["dilation"],
        output,
        seed,
        typed_x,
        typed_w,
    )


def shape_info(cfg: Config, lang: str = "en") -> dict[str, Any]:
    """The library's layer report (tconv.report.layer_report, the same data as ``tconv shape --json``) plus the
    PyTorch code for the layer; the relation titles (the guide's, or the general formula's case) in ``lang`` (from
    the i18n catalogue).

    >>> info = shape_info(parse_config("transposed", "3", "3", "2", "1", "1", "1", None, 0), lang="zh")
    >>> info["output_size"], info["relation"][0]["number"], info["relation"][0]["title"]
    ([6, 6], 14, '转置卷积：有填充，步长大于 1，a = output_padding')
    >>> print(info["code"]["pytorch"])
    import torch
    layer = torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
        output_padding=(1, 1))
    x = torch.randn(1, 1, 3, 3)
    y = layer(x)  # shape (1, 1, 6, 6)
    """
    from ..explain.i18n import relation_title
    from ..report import layer_report
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
    for r in info["relation"]:
        r["title"] = relation_title(r, lang)
    return info


def build_scene(cfg: Config, view: str, values: bool, pool: str | None = None, lang: str = "en") -> Any:
    """The animation of the state (tconv.scene.animate): ``view`` gather or scatter when transposed, a
    convolution (or with ``pool`` a pooling window) otherwise.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> scene = build_scene(cfg, "scatter", values=True)
    >>> scene.title, len(scene.frames)
    ('ConvTranspose2d k=2 s=1 p=0 op=0 d=1: 2 × 2 → 3 × 3 (scatter: stamps added)', 4)
    >>> build_scene(cfg, "conv", values=False)
    Traceback (most recent call last):
    tconv.errors.TconvError: view 'conv' draws a direct convolution: use 'gather' or 'scatter' for transposed
    """
    from ..scene import animate
    from ..scene.build import view_name

    view = view_name(view)
    if cfg.transposed:
        if view not in ("gather", "scatter"):
            raise TconvError(f"view {view!r} draws a direct convolution: use 'gather' or 'scatter' for transposed")
        return animate(
            cfg.input_size,
            cfg.kernel_size,
            **cfg.sizes(),
            output_size=cfg.output_size,
            view=view,
            values=values,
            seed=cfg.seed,
            lang=lang,
            input=cfg.x,
            weight=cfg.w,
        )
    return animate(cfg.input_size, cfg.kernel_size, **cfg.sizes(), view="conv", pool=pool, values=values, seed=cfg.seed,
                   lang=lang, input=cfg.x, weight=cfg.w)


def explain_info(cfg: Config, view: str, lang: str) -> dict[str, Any]:
    """The walkthrough of the scene's own numbers as JSON, with one equation per output cell and the plain text.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> info = explain_info(cfg, "gather", "en")
    >>> info["output"], info["equations"]["1,1"]
    ([[[12, 16, 4], [15, 29, 8], [3, 13, 4]]], 'y(1, 1) = 4·1 + 4·3 + 1·1 + 4·3 = 29')
    """
    from ..explain import explain
    from ..explain.writers import cell_equation
    from ..scene.build import sample_arrays

    if not cfg.transposed:
        raise TconvError("walkthroughs explain transposed convolution: switch the mode to transposed")
    x, w = sample_arrays(cfg.x, cfg.w, cfg.input_size, cfg.kernel_size, cfg.seed)  # the scene's own numbers
    wt = explain(x[None], w[None, None], None, **cfg.sizes(), output_size=cfg.output_size, view=view, lang=lang)
    d = wt.to_dict()
    computing = next(s for s in reversed(wt.steps) if s.cells)
    d["equations"] = {
        ",".join(map(str, c.position)): cell_equation(c, f"y({', '.join(map(str, c.position))})")
        for c in computing.cells
    }
    d["text"] = wt.to_text(color=False)
    return d


def overlap_map(cfg: Config, layers: int) -> "OverlapMap":
    """The overlap map (tconv.overlap) of ``layers`` stacked layers of the state: ``output_size`` picks the
    output_padding of every layer, as the layer report's does.

    >>> cfg = parse_config("transposed", "4", "3", "2", "0", "0", "1", "10", 0)    # output_size 10: op 1
    >>> overlap_map(cfg, 1).counts.shape
    (10, 10)
    """
    from ..params import plan_conv_transpose
    from ..scene import overlap

    if not cfg.transposed:
        raise TconvError("overlap is about transposed convolution: switch the mode to transposed")
    # output_size picks output_padding (and is refused out of range) as in /api/shape: the library's plan decides
    plan = plan_conv_transpose((1, 1, *cfg.input_size), (1, 1, *cfg.kernel_size), **cfg.sizes(),
                               output_size=cfg.output_size)
    return overlap(plan=plan, layers=layers)


def _json(content: Any) -> Result:
    """A JSON answer, encoded as Starlette's JSONResponse encodes it."""
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return Result(text.encode("utf-8"), "application/json")


def _download(body: str | bytes, media_type: str, name: str) -> Result:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Result(data, media_type, (("Content-Disposition", f'attachment; filename="{name}"'),))


# The jobs: what the pool runs, in a worker process. Each takes the parsed query (hashable: it is also the cache
# key) and returns the answer's bytes.


def scene_job(cfg: Config, view: str, values: bool, pool: str | None, lang: str = "en") -> Result:
    """``/api/scene``: the scene's SVG and its data, as JSON.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> result = scene_job(cfg, "gather", False, None)
    >>> result.media_type, sorted(json.loads(result.body))
    ('application/json', ['scene', 'svg'])
    """
    scene = build_scene(cfg, view, values, pool, lang)
    return _json({"svg": scene.svg(), "scene": scene.to_dict()})


def scene_svg_job(cfg: Config, view: str, values: bool, pool: str | None, lang: str = "en") -> Result:
    """``/api/scene.svg``: the animated SVG, as a download.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> result = scene_svg_job(cfg, "scatter", True, None)
    >>> result.media_type, result.headers, result.body[:4]
    ('image/svg+xml', (('Content-Disposition', 'attachment; filename="tconv.svg"'),), b'<svg')
    """
    return _download(build_scene(cfg, view, values, pool, lang).svg(), "image/svg+xml", "tconv.svg")


def scene_gif_job(cfg: Config, view: str, values: bool, pool: str | None, lang: str = "en") -> Result:
    """``/api/scene.gif``: the animated GIF, as a download.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> result = scene_gif_job(cfg, "gather", False, None)
    >>> result.media_type, result.headers, result.body[:6]
    ('image/gif', (('Content-Disposition', 'attachment; filename="tconv.gif"'),), b'GIF89a')
    """
    return _download(b"".join(build_scene(cfg, view, values, pool, lang).chunks("gif")), "image/gif", "tconv.gif")


def explain_job(cfg: Config, view: str, lang: str) -> Result:
    """``/api/explain``: :func:`explain_info` as JSON.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> answer = json.loads(explain_job(cfg, "scatter", "zh").body)
    >>> answer["view"], answer["lang"], answer["output"]
    ('scatter', 'zh', [[[12, 16, 4], [15, 29, 8], [3, 13, 4]]])
    """
    return _json(explain_info(cfg, view, lang))


def overlap_job(cfg: Config, layers: int, lang: str = "en") -> Result:
    """``/api/overlap``: taps per output cell of ``layers`` stacked layers, the verdict and the heatmap's SVG.
    ``output_size`` picks the output_padding of every layer, as the layer report's does.

    >>> cfg = parse_config("transposed", "2", "2", "1", "0", "0", "1", None, 0)    # 2×2 input, 2×2 kernel
    >>> answer = json.loads(overlap_job(cfg, 2).body)
    >>> answer["counts"], answer["even"], answer["summary"]
    ([[1, 3, 3, 1], [3, 9, 9, 3], [3, 9, 9, 3], [1, 3, 3, 1]], True,
     'even overlap: 1–9 taps per cell (less only at the borders)')
    >>> cfg = parse_config("transposed", "4", "3", "2", "0", "0", "1", "10", 0)    # output_size 10: op 1
    >>> len(json.loads(overlap_job(cfg, 1).body)["counts"])
    10
    """
    m = overlap_map(cfg, layers)
    return _json(m.to_dict(lang) | {"summary": m.summary(lang), "svg": m.scene(lang=lang).svg()})
