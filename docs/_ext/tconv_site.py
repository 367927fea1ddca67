"""The parts of tconv's documentation site that tconv makes itself, while the site builds.

- ``{tconv-gallery}``: conv_arithmetic's animations (and more) and overlap heatmaps, drawn by tconv's scene API
  into the built site's ``_gallery/`` (animated SVG, and the GIF beside it): never committed, so never stale.
- ``{tconv-explorer}``: the static explorer (``tconv site DIR``'s writer) copied into the built site's
  ``explorer/``, embedded in a page by an iframe; it computes in the browser, so a static host serves it.
- The language switch: a page ``X`` and its Chinese counterpart ``zh/X`` link to each other from the navbar (a page
  with no counterpart links the other language's front page, "中文（首页）"), a Chinese page declares
  ``lang="zh-CN"`` (so the browser picks a CJK font for it), and Previous/Next never cross between the languages.
- The Chinese pages' furniture: the theme's words (搜索, 本页目录, 上一页/下一页, the footer, …) in Chinese, and a
  navbar of their own: the Chinese pages first, with their titles, then the English-only pages named in Chinese and
  marked （英文）; the logo and the breadcrumbs' home lead to the Chinese front page.
- The seeds' pages: each seeds index gets its pages as a hidden toctree, in the order its list gives them.
- Chinese line breaks: on a Chinese page a source line break between two Chinese characters is dropped (HTML
  would show it as a space), so the Markdown stays wrapped and readable on a forge.
"""

from __future__ import annotations

import gettext
import html
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import tconv
from tconv.scene.gallery import GALLERY
from tconv.web.site import write_site

GALLERY_DIR = "_gallery"
EXPLORER_DIR = "explorer"
LANGS = ("en", "zh")

#: The overlap heatmaps shown in the gallery: (file name, tconv.overlap's arguments, caption in each language).
OVERLAPS = [
    ("overlap_k3_s2", dict(input_size=5, kernel_size=3, stride=2),
     {"en": "k=3 s=2: uneven (a checkerboard)", "zh": "k=3 s=2：不均匀（棋盘格）"}),
    ("overlap_k3_s2_2_layers", dict(input_size=5, kernel_size=3, stride=2, layers=2),
     {"en": "k=3 s=2, two layers: the checkerboard compounds", "zh": "k=3 s=2，两层：棋盘格叠加"}),
    ("overlap_k4_s2_p1", dict(input_size=5, kernel_size=4, stride=2, padding=1),
     {"en": "k=4 s=2 p=1: even (kernel a multiple of the stride)", "zh": "k=4 s=2 p=1：均匀（核是步幅的整数倍）"}),
    ("overlap_k4_s2_2_layers", dict(input_size=5, kernel_size=4, stride=2, padding=1, layers=2),
     {"en": "k=4 s=2 p=1, two layers: still even", "zh": "k=4 s=2 p=1，两层：仍然均匀"}),
]

#: Entries whose GIF is written beside the SVG (all of them: a GIF is what a slide or a chat takes).
GIF_LANGS = ("en", "zh")


def _prefix(docname: str) -> str:
    """From a page to the site's root: pages sit at their docname's depth."""
    return "../" * docname.count("/")


class GalleryDirective(SphinxDirective):
    """The gallery as HTML figures whose pictures are written into the built site by ``_write_gallery``."""

    option_spec: ClassVar[dict[str, Any]] = {"lang": lambda arg: directives.choice(arg, LANGS),
                   "kind": lambda arg: directives.choice(arg, ("animations", "overlaps"))}

    def run(self) -> list[nodes.Node]:
        lang = self.options.get("lang", "en")
        if self.options.get("kind", "animations") == "overlaps":
            return [nodes.raw("", self._overlaps(lang), format="html")]
        root = _prefix(self.env.docname) + f"{GALLERY_DIR}/{lang}/"
        gif = "GIF" if lang == "en" else "GIF 动画"
        parts = ['<div class="tconv-gallery">']
        for entry in GALLERY:
            src = html.escape(root + entry.name)
            parts.append(
                f'<figure class="tconv-figure" id="{entry.name}"><a href="{src}.svg">'
                f'<img src="{src}.svg" alt="{html.escape(entry.description)}" loading="lazy"></a>'
                f'<figcaption><code>{entry.name}</code><br>{html.escape(entry.description)} · '
                f'<a href="{src}.gif">{gif}</a></figcaption></figure>')
        parts.append("</div>")
        return [nodes.raw("", "\n".join(parts), format="html")]

    def _overlaps(self, lang: str) -> str:
        root = _prefix(self.env.docname) + f"{GALLERY_DIR}/{lang}/"
        parts = ['<div class="tconv-gallery tconv-overlaps">']
        for name, _kwargs, caption in OVERLAPS:
            src = html.escape(root + name)
            parts.append(f'<figure class="tconv-figure" id="{name}"><img src="{src}.svg" '
                         f'alt="{html.escape(caption[lang])}" loading="lazy">'
                         f'<figcaption>{html.escape(caption[lang])}</figcaption></figure>')
        parts.append("</div>")
        return "\n".join(parts)


class ExplorerDirective(SphinxDirective):
    """An iframe to the static explorer written into the built site (``?lang=zh`` etc. as ``:query:``)."""

    option_spec: ClassVar[dict[str, Any]] = {"query": directives.unchanged, "height": directives.positive_int}

    def run(self) -> list[nodes.Node]:
        query = self.options.get("query", "")
        src = _prefix(self.env.docname) + f"{EXPLORER_DIR}/index.html" + (f"?{query}" if query else "")
        open_label = "open the explorer on its own page ↗" if "lang=zh" not in query else "在单独的页面中打开探索器 ↗"
        frame_title = "tconv explorer" if "lang=zh" not in query else "tconv 探索器"
        markup = (f'<div class="tconv-explorer"><iframe src="{html.escape(src)}" title="{frame_title}" '
                  f'loading="eager"></iframe>'
                  f'<p class="tconv-explorer-open"><a href="{html.escape(src)}">{open_label}</a></p></div>')
        return [nodes.raw("", markup, format="html")]


def _write_gallery(outdir: Path) -> None:
    for lang in LANGS:
        target = outdir / GALLERY_DIR / lang
        target.mkdir(parents=True, exist_ok=True)
        for entry in GALLERY:
            scene = tconv.animate(**entry.kwargs, seed=1234, lang=lang)
            scene.save(target / f"{entry.name}.svg")
            if lang in GIF_LANGS:
                scene.save(target / f"{entry.name}.gif")
        for name, kwargs, _caption in OVERLAPS:
            tconv.overlap(**kwargs).scene(lang=lang).save(target / f"{name}.svg")


def _build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    _write_gallery(outdir)
    explorer = outdir / EXPLORER_DIR
    if explorer.exists():
        shutil.rmtree(explorer)
    write_site(explorer)


def source_url(root: Path) -> str | None:
    """The repository's address from pyproject.toml's [project.urls] (Source, or Repository), if it names one."""
    try:
        urls = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"].get("urls", {})
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None
    url = urls.get("Source") or urls.get("Repository")
    return url.rstrip("/") if url else None


#: A Markdown link whose target climbs out of docs/ (to tests/ or src/): readable on a forge, not in the site.
OUTSIDE = re.compile(r"\[([^\]]*)\]\((\.\./[^)\s#]+)\)")


def _outside_links(app: Sphinx, docname: str, source: list[str]) -> None:
    """Point links to files beyond docs/ at the repository on its forge (or keep their text alone, if pyproject
    names no repository): on a forge the pages link the files beside them, on the site those files are not."""
    srcdir = Path(app.srcdir).resolve()
    page_dir = (srcdir / docname).parent
    repo = source_url(srcdir.parent)

    def replace(m: re.Match[str]) -> str:
        target = (page_dir / m.group(2)).resolve()
        if target.is_relative_to(srcdir):
            return m.group(0)
        rel = target.relative_to(srcdir.parent).as_posix()
        if repo is None:
            return m.group(1)
        return f"[{m.group(1)}]({repo}/{'tree' if target.is_dir() else 'blob'}/main/{rel})"

    source[0] = OUTSIDE.sub(replace, source[0])


#: A link from a seeds index to one of its pages: ``[title](seed001-example1.md)``.
SEED_LINK = re.compile(r"\]\((seed\d{3}-[\w-]+)\.md\)")


def _seed_toctree(app: Sphinx, docname: str, source: list[str]) -> None:
    """Give a seeds index (``seeds/README``, ``zh/seeds/README``) its pages as a hidden toctree, in the order its list
    links them (relation 8 before 10, which a glob's string sort would not give): the pages sit under their index
    in the navigation, and Previous/Next walk them in that order. Added here, so the page stays plain Markdown on
    a forge (docs/make_seeds.py writes it)."""
    if docname.rpartition("/")[2] != "README" or not docname.removeprefix("zh/").startswith("seeds/"):
        return
    pages = list(dict.fromkeys(SEED_LINK.findall(source[0])))
    if pages:
        source[0] += "\n\n```{toctree}\n:hidden:\n\n" + "\n".join(pages) + "\n```\n"


def counterpart(docname: str) -> str:
    """The page in the other language: ``guide`` ↔ ``zh/guide``."""
    return docname.removeprefix("zh/") if docname.startswith("zh/") else "zh/" + docname


def _language(docname: str) -> str:
    return "zh" if docname.startswith("zh/") else "en"


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    chinese = pagename.startswith("zh/")
    if chinese:
        context["language"] = "zh-CN"
    # the switch goes to this page in the other language, or, where there is none, to that language's front page
    other = counterpart(pagename)
    home = other not in app.env.found_docs
    if home:
        other = "index" if chinese else "zh/index"
    context["tconv_lang_switch"] = {
        "url": app.builder.get_relative_uri(pagename, other),
        "label": ("English (home)" if home else "English") if chinese else ("中文（首页）" if home else "中文"),
        "lang": "en" if chinese else "zh-CN",
    }
    # Previous/Next stay in the page's language: the toctree puts 中文 after the API reference, and a reader of the
    # last API page is not looking for the Chinese front page (nor a Chinese one for the API)
    _parent, prev, nxt = _relations(app).get(pagename, (None, None, None))
    for key, neighbour in (("prev", prev), ("next", nxt)):
        if neighbour is not None and _language(neighbour) != _language(pagename):
            context[key] = None


#: The theme's words as the Chinese pages show them (its templates ask ``_()`` for them; the ``{% trans %}`` ones keep
#: their ``%(name)s``). A word not here falls back on Sphinx's own zh_CN catalogue, then stays as it is.
ZH_UI = {
    "Skip to main content": "跳到正文",
    "Back to top": "回到顶部",
    "Search": "搜索",
    "On this page": "本页目录",
    "Section Navigation": "本节导航",
    "Site navigation": "网站导航",
    "previous": "上一页",
    "next": "下一页",
    "previous page": "上一页",
    "next page": "下一页",
    "Collapse Sidebar": "收起侧栏",
    "Expand Sidebar": "展开侧栏",
    "Breadcrumb": "当前位置",
    "Home": "首页",
    "Color mode": "配色",
    "Light": "浅色",
    "Dark": "深色",
    "System Settings": "跟随系统",
    "Version warning": "版本提示",
    "Announcement": "公告",
    "Show Source": "查看源文件",
    "Indices": "索引",
    "General Index": "总索引",
    "Global Module Index": "全局模块索引",
    "Python Module Index": "Python 模块索引",
    "Error": "错误",
    "Please activate JavaScript to enable the search functionality.": "请启用 JavaScript 以使用搜索功能。",
    "Last updated on %(last_updated)s.": "最后更新于 %(last_updated)s。",
    "© Copyright %(copyright)s.": "© 版权所有 %(copyright)s。",
    'Created using <a href="https://www.sphinx-doc.org/">Sphinx</a> %(sphinx_version)s.':
        '由 <a href="https://www.sphinx-doc.org/">Sphinx</a> %(sphinx_version)s 构建。',
}
#: conf.py's ``copyright``, as the Chinese pages' footer says it.
ZH_COPYRIGHT = "2026 tconv 贡献者。tconv 以 MIT 许可证发布，随附的字体以 SIL OFL 1.1 发布"
ZH_SEARCH = "搜索文档……"
#: The permalinks' tooltips, which Sphinx's HTML writer puts into the page's body (whole attributes, replaced).
ZH_PERMALINKS = {f'title="Link to this {what}"': f'title="{zh}"' for what, zh in (
    ("heading", "链接到此标题"), ("definition", "链接到此定义"), ("image", "链接到此图片"), ("table", "链接到此表格"),
    ("code", "链接到此代码"))}
ZH_MORE = "更多"
#: The navbar's English-only pages, named in Chinese (the navbar marks them （英文）). A page of the front page's
#: toctree with neither a Chinese counterpart nor a name here fails the build (-W): the Chinese navbar would show
#: it in English.
ZH_NAV = {
    "explain": "逐步讲解",
    "show": "动画与重叠热图",
    "explorer": "探索器",
    "notebook": "notebook 中的探索器",
    "dask": "超大数组：tconv.dask",
    "doctor": "模型医生",
    "porting": "框架间移植",
    "algorithms": "算法",
    "benchmarks": "性能测试",
    "testing": "测试",
    "hosting": "本站的构建与托管",
    "api/index": "API 参考",
}
ENGLISH_MARK = "（英文）"

logger = logging.getLogger(__name__)


class _ChineseUI(gettext.NullTranslations):
    """ZH_UI, then Sphinx's zh_CN catalogue, then the word as it is."""

    def gettext(self, message: str) -> str:
        return ZH_UI.get(message) or super().gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return ZH_UI.get(msgid1 if n == 1 else msgid2) or super().ngettext(msgid1, msgid2, n)


def _chinese_ui() -> _ChineseUI:
    ui = _ChineseUI()
    import sphinx.locale

    ui.add_fallback(gettext.translation("sphinx", Path(sphinx.locale.__file__).parent, ["zh_CN"], fallback=True))
    return ui


def _zh_nav(app: Sphinx) -> list[tuple[str, str, bool]]:
    """The Chinese navbar's entries, (docname, label, in English), from the front page's toctree: the pages with a
    Chinese counterpart first (their Chinese titles), then the English-only ones (ZH_NAV's names, marked)."""
    builder: Any = app.builder
    if getattr(builder, "_tconv_zh_nav", None) is None:
        from sphinx import addnodes

        entries = [doc for toc in app.env.tocs[app.config.root_doc].findall(addnodes.toctree)
                   for _title, doc in toc["entries"]]
        chinese, english = [], []
        for doc in entries:
            if doc.startswith("zh/"):
                continue  # the Chinese front page: the logo leads there
            zh = counterpart(doc)
            if zh in app.env.found_docs:
                chinese.append((zh, app.env.titles[zh].astext(), False))
            elif doc in ZH_NAV:
                english.append((doc, ZH_NAV[doc] + ENGLISH_MARK, True))
            else:
                logger.warning("tconv_site: %s is in the navbar but has no Chinese name: add it to ZH_NAV", doc)
        builder._tconv_zh_nav = chinese + english
    nav: list[tuple[str, str, bool]] = builder._tconv_zh_nav
    return nav


def _zh_header_nav(app: Sphinx, pagename: str, pathto: Any) -> Any:
    """The theme's ``generate_header_nav_html`` for a Chinese page: the same markup, the Chinese navbar's entries
    (``pathto``: the page's, which links the page itself as "#", as the theme does)."""

    def ancestors(doc: str | None) -> set[str]:
        out = set()
        while doc is not None:
            out.add(doc)
            doc = _relations(app).get(doc, (None, None, None))[0]
        return out

    def generate(n_links_before_dropdown: int = 5, dropdown_text: str = "More") -> str:
        entries = _zh_nav(app)
        cut = int(n_links_before_dropdown)
        cut = len(entries) if len(entries) <= cut + 1 else cut  # as the theme: never a dropdown of one
        mine = ancestors(pagename)

        def item(doc: str, label: str, english: bool, dropdown: bool) -> str:
            li = ("" if dropdown else "nav-item") + (" current active" if doc in mine else "")
            a = "nav-link dropdown-item" if dropdown else "nav-link"
            href = html.escape(pathto(doc))
            extra = (' hreflang="en"' if english else "") + (' aria-current="page"' if doc == pagename else "")
            return f'<li class="{li}"><a class="{a} nav-internal" href="{href}"{extra}>{html.escape(label)}</a></li>'

        out = "\n".join(item(*entry, dropdown=False) for entry in entries[:cut])
        rest = entries[cut:]
        if rest:
            links = "\n".join(item(*entry, dropdown=True) for entry in rest)
            out += (f'\n<li class="nav-item dropdown"><button class="btn dropdown-toggle nav-item" type="button" '
                    f'data-bs-toggle="dropdown" aria-expanded="false" aria-controls="pst-nav-more-links">{ZH_MORE}'
                    f'</button><ul id="pst-nav-more-links" class="dropdown-menu">{links}</ul></li>')
        return out

    return generate


def _chinese_furniture(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                       doctree: Any) -> None:
    """A Chinese page's furniture in Chinese (after the theme has set up its context: priority 900)."""
    if not pagename.startswith("zh/"):
        return
    builder: Any = app.builder
    if getattr(builder, "_tconv_zh_ui", None) is None:
        builder._tconv_zh_ui = _chinese_ui()
    ui: _ChineseUI = builder._tconv_zh_ui
    # the templates' _() and {% trans %} look "gettext" up in the page's context before the globals
    context["gettext"], context["ngettext"] = ui.gettext, ui.ngettext
    context["copyright"] = ZH_COPYRIGHT
    context["theme_search_bar_text"] = ZH_SEARCH
    context["generate_header_nav_html"] = _zh_header_nav(app, pagename, context["pathto"])
    body = context.get("body", "")
    for english, chinese in ZH_PERMALINKS.items():
        body = body.replace(english, chinese)
    context["body"] = body
    # the logo and the breadcrumbs' home icon lead to the Chinese front page (which then is no crumb of its own)
    home = app.builder.get_relative_uri(pagename, "zh/index")
    context["root_doc"] = "zh/index"
    context["theme_logo_link"] = home
    context["parents"] = [p for p in context.get("parents", []) if p.get("link") != home]


def _relations(app: Sphinx) -> dict[str, list[str | None]]:
    """Each page's (parent, previous, next) in toctree order, computed once per build (on the builder, which lives
    for one build; the context hook asks once per page)."""
    builder: Any = app.builder
    if getattr(builder, "_tconv_relations", None) is None:
        builder._tconv_relations = app.env.collect_relations()
    relations: dict[str, list[str | None]] = builder._tconv_relations
    return relations


#: Chinese characters and the punctuation written between them (CJK symbols, full-width forms, curly quotes).
CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
#: A line break in the source between two of them: Markdown keeps it as a newline, which a browser shows as a space.
CJK_BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")


def _block(node: nodes.Node) -> nodes.Node | None:
    """The paragraph-like element (not an inline one) that holds a text node: line breaks join within it only."""
    parent = node.parent
    while parent is not None and isinstance(parent, nodes.Inline):
        parent = parent.parent
    return parent


def _join_chinese_lines(app: Sphinx, doctree: nodes.document) -> None:
    """On the Chinese pages, drop a source line break between two Chinese characters (a browser would show a space
    there, "的 视角": Chinese has none between words), so the Markdown can stay wrapped at any width. Code, literal
    blocks and raw HTML keep their line breaks, and a break beside inline code stays a space."""
    if not app.env.docname.startswith("zh/"):
        return
    texts = list(doctree.findall(nodes.Text))
    kept = {id(t) for t in texts
            if any(isinstance(a, (nodes.FixedTextElement, nodes.literal, nodes.raw, nodes.comment))
                   for a in _ancestors(t))}
    for i, text in enumerate(texts):
        if "\n" not in text or id(text) in kept:
            continue
        before, after = _edge(texts, i, -1, kept), _edge(texts, i, 1, kept)
        # the neighbours' characters only look on (the pattern's look-arounds): what is dropped is this node's own
        joined = CJK_BREAK.sub("", before + text + after)
        joined = joined[len(before):len(joined) - len(after)]
        if joined != text:
            texts[i] = nodes.Text(joined)
            # by identity: Text is a str, and Element.replace finds the first child *equal* to it (another "\n")
            parent = text.parent
            parent[next(k for k, child in enumerate(parent.children) if child is text)] = texts[i]


def _edge(texts: list[nodes.Text], i: int, step: int, kept: set[int]) -> str:
    """The character of text ``i``'s neighbour (``step`` −1: the one before) that touches it, if that neighbour is
    in the same paragraph; inline code reads as a Latin letter (the space beside it stays)."""
    j = i + step
    while 0 <= j < len(texts) and texts[j] == "":  # MyST leaves empty ones beside inline markup
        j += step
    if not 0 <= j < len(texts) or _block(texts[j]) is not _block(texts[i]):
        return ""
    if id(texts[j]) in kept:
        return "x"
    return texts[j][-1:] if step < 0 else texts[j][:1]


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    out = []
    while node.parent is not None:
        node = node.parent
        out.append(node)
    return out


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("tconv-gallery", GalleryDirective)
    app.add_directive("tconv-explorer", ExplorerDirective)
    app.connect("html-page-context", _page_context)
    app.connect("html-page-context", _chinese_furniture, priority=900)
    app.connect("source-read", _outside_links)
    app.connect("source-read", _seed_toctree)
    app.connect("doctree-read", _join_chinese_lines)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
