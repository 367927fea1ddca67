"""Writers of walkthroughs: functions of the data, nothing computed here.

``to_text`` (aligned grids, ANSI colour on a TTY), ``to_markdown`` and ``to_html`` (Jupyter's ``_repr_html_``).
"""

from __future__ import annotations

import html
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from .._format import format_number  # re-exported: the one number format of walkthroughs, captions and cells
from ..roles import ANSI, ROLE_STYLE, css
from .i18n import render

if TYPE_CHECKING:  # writers read the model's data and build none of it: only the model imports them (its methods)
    from .model import Cell, Grid, Step, Walkthrough

__all__ = ["format_number", "to_html", "to_markdown", "to_text"]

# One palette (tconv.roles, conv_arithmetic's); the HTML cells add only what a table needs to read well.
CSS = {role: css(role) for role in ROLE_STYLE} | {
    "crop": css("crop") + ";text-decoration:line-through",
    "matrix": css("matrix") + ";font-weight:bold",
}


def _factor(v: Any) -> str:
    s = format_number(v)
    return f"({s})" if s.startswith("-") else s


def cell_equation(cell: Cell, name: str) -> str:
    """``y[0](1, 2) = 4·1 + 0·2 + … (+ bias b) = value``; terms grouped by input channel when there are several.

    >>> import tconv
    >>> cell = tconv.explain([[1, 2], [3, 4]], [[[1, -1]], [[2, 1]]]).steps[3].cells[1]   # two input channels
    >>> cell_equation(cell, "y[0](1)")
    'y[0](1) = [c0] 1·(-1) + 2·1 + [c1] 3·1 + 4·2 = 12'
    """
    channels = sorted({t.channel for t in cell.terms})
    parts = []
    for c in channels:
        terms = " + ".join(f"{_factor(t.x)}·{_factor(t.w)}" for t in cell.terms if t.channel == c)
        parts.append(f"[c{c}] {terms}" if len(channels) > 1 else terms)
    rhs = " + ".join(parts) if parts else "0"
    if cell.bias != 0:
        rhs += f" + bias {_factor(cell.bias)}"
    return f"{name} = {rhs} = {format_number(cell.value)}"


def _cell_name(wt: Walkthrough, cell: Cell) -> str:
    if cell.name is not None:
        return cell.name
    idx = f"[{cell.batch}, {cell.channel}]" if cell.batch is not None else f"[{cell.channel}]"
    pos = ", ".join(map(str, cell.position))
    return f"y{idx}({pos})"


def _slices(v: np.ndarray, r: np.ndarray | None) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """A grid's values and roles as 2-D slices: 1-D becomes one row, 3-D one slice per depth."""
    if v.ndim == 1:
        return [("", v[None, :], None if r is None else r[None, :])]
    if v.ndim == 2:
        return [("", v, r)]
    out = []
    for d in range(v.shape[0]):
        for label, sv, sr in _slices(v[d], None if r is None else r[d]):
            out.append((f"[{d}]{label}", sv, sr))
    return out


# --------------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------------


def _text_grid(grid: Grid, lang: str, color: bool, indent: str = "    ") -> list[str]:
    title = grid.label.render(lang) + f" ({' × '.join(map(str, grid.shape))})"
    lines = [indent[:-2] + title]
    for depth, vals, roles in _slices(grid.values, grid.roles):
        strs = [[format_number(v) for v in row] for row in vals]
        width = max((len(s) for row in strs for s in row), default=1)
        if depth:
            lines.append(f"{indent}{depth}")
        label_w = max((len(s) for s in grid.row_labels), default=0) if grid.row_labels else 0
        for i, row in enumerate(strs):
            cells = []
            for j, s in enumerate(row):
                s = s.rjust(width)
                role = None if roles is None else roles[i, j]
                if color and role in ANSI:
                    s = f"\x1b[{ANSI[role]}m{s}\x1b[0m"
                cells.append(s)
            head = (grid.row_labels[i].ljust(label_w) + " │ ") if grid.row_labels else ""
            lines.append(indent + head + "  ".join(cells))
    return lines


def _used_roles(step: Step) -> list[str]:
    seen: list[str] = []
    for g in step.grids:
        if g.roles is not None:
            for role in dict.fromkeys(g.roles.ravel().tolist()):
                if role not in seen:
                    seen.append(role)
    return seen


def to_text(wt: Walkthrough, color: bool | None = None) -> str:
    """The walkthrough for a terminal; ``color=None`` colours when stdout is a TTY.

    >>> import tconv
    >>> text = to_text(tconv.explain([[1, 2]], [[[1, 1, 1]]], bias=[10], stride=2), color=False)
    >>> for line in text.splitlines():
    ...     if line.startswith("  y[0]("):   # the slide step: each output value as the sum of its products
    ...         print(line)
      y[0](0) = 0·1 + 0·1 + 1·1 + bias 10 = 11
      y[0](1) = 0·1 + 1·1 + 0·1 + bias 10 = 11
      y[0](2) = 1·1 + 0·1 + 2·1 + bias 10 = 13
      y[0](3) = 0·1 + 2·1 + 0·1 + bias 10 = 12
      y[0](4) = 2·1 + 0·1 + 0·1 + bias 10 = 12
    """
    if color is None:
        color = sys.stdout is not None and sys.stdout.isatty()  # no stdout at all (closed): no colour
    lang = wt.lang
    p = wt.params
    out = [
        f"tconv.explain · {render('word.view', lang, {})}: {render('view.' + wt.view, lang, {})}",
        f"{render('word.parameters', lang, {})}: input {p['input_shape']} · weight {p['weight_shape']} · "
        f"stride {p['stride']} · padding {p['padding']} · output_padding {p['output_padding']} · "
        f"dilation {p['dilation']} · groups {p['groups']}" + (f" · bias {p['bias']}" if p["bias"] is not None else "")
        + (f" · padding_mode {p['padding_mode']}" if "padding_mode" in p else ""),
        "",
        render("size.title", lang, {}),
    ]
    out += ["  " + line for line in _size_lines(wt)]
    for step in wt.steps:
        out += ["", step.title.render(lang)]
        out += ["  " + m.render(lang) for m in step.text]
        if color:
            roles = _used_roles(step)
            if len(roles) > 1:
                legend = "  ".join(f"\x1b[{ANSI[r]}m■\x1b[0m {render('role.' + r, lang, {})}" for r in roles)
                out.append(f"  {render('word.legend', lang, {})}: {legend}")
        for grid in step.grids:
            out += _text_grid(grid, lang, color)
        for cell in step.cells:
            out.append("  " + cell_equation(cell, _cell_name(wt, cell)))
    return "\n".join(out) + "\n"


def _size_lines(wt: Walkthrough) -> list[str]:
    lang, size = wt.lang, wt.size
    lines = [render("size.formula", lang, {"formula": size.formula})]
    lines += [render("size.axis", lang, {"axis": a, "substituted": s}) for a, s in enumerate(size.substituted)]
    for a, r in enumerate(size.relations):
        key = "size.relation" if r["number"] is not None else "size.general"
        title = render(f"relation.{r['number']}", lang, {}) if r["number"] is not None else r["title"]
        lines.append(render(key, lang, {"axis": a, "number": r["number"], "title": title, "formula": r["formula"],
                                        "substituted": r["substituted"]}))
    if any("non-square" in r["note"] for r in size.relations):
        lines.append(render("size.nonsquare", lang, {}))
    if size.output_size_range is not None:
        ranges = ", ".join(f"{lo}..{hi}" for lo, hi in size.output_size_range)
        lines.append(render("size.range", lang, {"ranges": ranges}))
    return lines


# --------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------


MD_MARK = {
    "input": "**{}**", "crop": "~~{}~~", "extend": "_{}_", "stamp": "**{}**", "matrix": "**{}**", "output": "**{}**"
}


def _md_grid(grid: Grid, lang: str) -> list[str]:
    title = grid.label.render(lang) + f" ({' × '.join(map(str, grid.shape))})"
    lines = [f"*{title}*", ""]
    for depth, vals, roles in _slices(grid.values, grid.roles):
        if depth:
            lines += [f"depth {depth}", ""]
        head = [""] + list(grid.col_labels) if grid.col_labels else [""] + [str(j) for j in range(vals.shape[1])]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for i, row in enumerate(vals):
            cells = []
            for j, v in enumerate(row):
                s = format_number(v)
                role = None if roles is None else str(roles[i, j])
                cells.append(MD_MARK.get(role, "{}").format(s) if role else s)
            label = grid.row_labels[i] if grid.row_labels else str(i)
            lines.append("| " + " | ".join([f"**{label}**"] + cells) + " |")
        lines.append("")
    return lines


def to_markdown(wt: Walkthrough) -> str:
    """The walkthrough as Markdown: headings per step, grids as tables, each output value as an equation.

    >>> import tconv
    >>> md = to_markdown(tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2))
    >>> print(md[md.index("### 1."):md.index("### 2.")])   # the stretched input; input cells in bold
    ### 1. Insert stride − 1 zeros between the inputs
    <BLANKLINE>
    axis 0: stride 2, so 1 zero(s) between neighbours; size 2 → (L − 1)·s + 1 = 3 (the guide's ĩ′).
    <BLANKLINE>
    *x[0] with zeros inserted (3)*
    <BLANKLINE>
    |  | 0 | 1 | 2 |
    |---|---|---|---|
    | **0** | **1** | 0 | **2** |
    <BLANKLINE>
    """
    lang, p = wt.lang, wt.params
    out = [
        f"## {render('view.' + wt.view, lang, {})}",
        "",
        f"{render('word.parameters', lang, {})}: input `{p['input_shape']}`, weight `{p['weight_shape']}`, "
        f"stride `{p['stride']}`, padding `{p['padding']}`, output_padding `{p['output_padding']}`, "
        f"dilation `{p['dilation']}`, groups `{p['groups']}`"
        + (f", bias `{p['bias']}`" if p["bias"] is not None else "")
        + (f", padding_mode `{p['padding_mode']}`" if "padding_mode" in p else ""),
        "",
        f"### {render('size.title', lang, {})}",
        "",
    ]
    out += [f"- {line}" for line in _size_lines(wt)] + [""]
    for step in wt.steps:
        out += [f"### {step.title.render(lang)}", ""]
        out += [m.render(lang) + "\n" for m in step.text]
        for grid in step.grids:
            out += _md_grid(grid, lang)
        if step.cells:
            out += ["```text"] + [cell_equation(c, _cell_name(wt, c)) for c in step.cells] + ["```", ""]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------------
# HTML (Jupyter)
# --------------------------------------------------------------------------------------------------


def _html_grid(grid: Grid, lang: str) -> str:
    title = html.escape(grid.label.render(lang) + f" ({' × '.join(map(str, grid.shape))})")
    parts = [
        '<figure style="display:inline-block;margin:4px 12px 8px 0;vertical-align:top">'
        f'<figcaption style="font-size:12px">{title}</figcaption>'
    ]
    for depth, vals, roles in _slices(grid.values, grid.roles):
        if depth:
            parts.append(f'<div style="font-size:11px">{html.escape(depth)}</div>')
        rows = []
        if grid.col_labels:
            rows.append(
                "<tr><th></th>"
                + "".join(f'<th style="font-size:10px">{html.escape(c)}</th>' for c in grid.col_labels)
                + "</tr>"
            )
        for i, row in enumerate(vals):
            tds = []
            for j, v in enumerate(row):
                role = "" if roles is None else str(roles[i, j])
                style = CSS.get(role, "")
                tds.append(
                    f'<td class="tconv-{role}" style="{style};min-width:22px;padding:2px 4px;text-align:right">'
                    f"{html.escape(format_number(v))}</td>"
                )
            head = (
                f'<th style="font-size:10px;text-align:left">{html.escape(grid.row_labels[i])}</th>'
                if grid.row_labels
                else ""
            )
            rows.append("<tr>" + head + "".join(tds) + "</tr>")
        parts.append(
            '<table style="border-collapse:separate;border-spacing:2px;font-family:monospace">'
            + "".join(rows)
            + "</table>"
        )
    parts.append("</figure>")
    return "".join(parts)


def to_html(wt: Walkthrough) -> str:
    """Self-contained HTML (inline styles, no scripts): what Jupyter shows for a walkthrough.

    >>> import re, tconv
    >>> page = to_html(tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2))
    >>> re.findall(r'<section data-step="([a-z_]+)">', page), "<script" in page
    (['insert_zeros', 'pad', 'flip', 'slide', 'output'], False)
    >>> re.findall(r'class="tconv-([a-z_]+)"[^>]*>([0-9]+)<', page)[:3]   # the stretched input, each cell with its role
    [('input', '1'), ('zero', '0'), ('input', '2')]
    """
    lang = wt.lang
    out = [
        f'<div class="tconv-walkthrough" lang="{lang}" style="font-family:sans-serif">',
        f"<h3>{html.escape(render('view.' + wt.view, lang, {}))}</h3>",
        f"<h4>{html.escape(render('size.title', lang, {}))}</h4><ul>",
    ]
    out += [f"<li>{html.escape(line)}</li>" for line in _size_lines(wt)]
    out.append("</ul>")
    for step in wt.steps:
        out.append(f'<section data-step="{step.key}"><h4>{html.escape(step.title.render(lang))}</h4>')
        out += [f"<p>{html.escape(m.render(lang))}</p>" for m in step.text]
        out += [_html_grid(g, lang) for g in step.grids]
        if step.cells:
            eqs = "\n".join(html.escape(cell_equation(c, _cell_name(wt, c))) for c in step.cells)
            out.append(
                f'<details><summary>{len(step.cells)} × Σ</summary><pre style="font-size:12px">{eqs}</pre></details>'
            )
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out)
