"""The documentation site (issue #30, part 4): built with warnings as errors, served as a static site, read in
Chromium.

The site is built once per run (``sphinx-build -W --keep-going``, as docs/hosting.md says) into a temporary folder
and served by ``python -m http.server`` on 127.0.0.1, as a school's web space would serve it. The tests crawl every
page (no link leads to a 404), read the API pages (every name of ``tconv.__all__``), load the gallery's pictures
(drawn by tconv during the build), turn a knob of the embedded explorer and follow the language switch.

Screenshots at 1280 and 390 px wide of the front page, an API page, the gallery and a Chinese page go to
test-artifacts/site-*.png; with TCONV_UPDATE_SCREENSHOTS=1 the run also writes them as docs/images/site-*.png.
"""

from __future__ import annotations

import html
import importlib
import importlib.metadata
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

import browser_fixtures
import tconv
from browser_fixtures import ARTIFACTS

pytest.importorskip("sphinx", reason='the docs extra: pip install -e ".[docs]"')
pytest.importorskip("pydata_sphinx_theme", reason='the docs extra: pip install -e ".[docs]"')
pytest.importorskip("myst_parser", reason='the docs extra: pip install -e ".[docs]"')

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
IMAGES = DOCS / "images"

browser = browser_fixtures.browser  # the shared fixture, used here by name


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built as CI builds it: any warning fails the build, and so the test."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD, str(out / "imports.json"), "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stderr.strip() == "", proc.stderr
    return out / "html"


#: sphinx-build (as ``python -m sphinx`` runs it), recording the top-level packages that tconv's own code (src/ and
#: docs/: conf.py, the extension, the modules autosummary imports) imports while the site builds.
_BUILD = f"""
import builtins, json, sys
from sphinx.cmd.build import main
roots, imported, real_import = {[str(ROOT / "src"), str(DOCS)]!r}, set(), builtins.__import__
def record(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and str((globals or {{}}).get("__file__") or "").startswith(tuple(roots)):
        imported.add(name.partition(".")[0])
    return real_import(name, globals, locals, fromlist, level)
builtins.__import__ = record
rc = main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump(sorted(imported), f)
sys.exit(rc)
"""


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The built folder served as static files, with nothing of tconv behind it."""
    yield from browser_fixtures._serve_folder(site)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag in ("img", "script", "iframe") and name == "src")
                          or (tag == "link" and name == "href")):
                self.links.append(value)


def _page(browser, url: str, width: int = 1280, height: int = 900):
    """A page in a fresh context that records script errors (asserted empty by the caller)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(url)
    return context, pg, errors


def test_every_internal_link_resolves(browser, base_url: str) -> None:
    """Crawl from the front page: every page, picture, script and stylesheet it links (on this host) answers 200."""
    context = browser.new_context()
    request = context.request
    seen: set[str] = set()
    queue = [base_url + "/index.html"]
    broken: list[str] = []
    pages = 0
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = request.get(url)
        if response.status != 200:
            broken.append(f"{url}: {response.status}")
            continue
        if not url.endswith(".html"):
            continue
        pages += 1
        parser = _Links()
        parser.feed(response.text())
        for link in parser.links:
            target, _ = urldefrag(urljoin(url, link))
            if urlparse(target).netloc == urlparse(base_url).netloc and target.startswith(base_url):
                queue.append(target.split("?")[0])
    context.close()
    assert broken == []
    # the guide, the seeds in both languages, one page per API name, the explorer: well over a hundred
    assert pages > 100, pages
    for must in ["/api/generated/tconv.conv_transpose.html", "/zh/seeds/seed001-example1.html",
                 "/explorer/index.html", "/_gallery/en/padding_strides_odd_transposed.gif"]:
        assert base_url + must in seen, must


def _docs_extra_closure() -> set[str]:
    """The distributions ``pip install -e ".[docs]"`` brings: the extra as pyproject.toml declares it (``tconv[...]``
    read from the same file), then each package's own requirements as installed here, markers evaluated."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    todo = [Requirement(r) for r in extras["docs"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == project["name"]:
            todo += [Requirement(r) for r in project["dependencies"]]
            todo += [Requirement(r) for extra in req.extras for r in extras[extra]]
            continue
        if (name, frozenset(req.extras)) in seen:
            continue
        seen.add((name, frozenset(req.extras)))
        try:
            requires = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [r for r in map(Requirement, requires)
                 if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in (*req.extras, ""))]
    return {name for name, _ in seen}


def test_docs_extra_brings_what_the_build_imports(site: Path) -> None:
    """Every package tconv's code imports while the site builds (the gallery's GIFs need Pillow, autosummary's import
    of tconv.notebook needs anywidget) is brought by the `docs` extra, so docs/hosting.md's commands work in a fresh
    environment with only ``pip install -e ".[docs]"``."""
    from packaging.utils import canonicalize_name

    imported = set(json.loads((site.parent / "imports.json").read_text(encoding="utf-8")))
    assert {"PIL", "anywidget", "numpy"} <= imported, imported  # the recording saw the imports it is here for
    closure = _docs_extra_closure()
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for top in sorted(imported - set(sys.stdlib_module_names) - {"tconv", "tconv_site"}):
        dists = {canonicalize_name(d) for d in owners.get(top, [])}
        if not dists & closure:
            missing[top] = sorted(dists)
    assert missing == {}, f"the docs build imports packages the docs extra does not bring: {missing}"


def test_api_types_read_as_the_code_writes_them(site: Path) -> None:
    """Type hints show the aliases' names (``ArrayLike | None``, ``IntOrSeq | str``), never an object's repr."""
    shown = [page.relative_to(site).as_posix() for page in site.rglob("*.html")
             if "ForwardRef(" in (text := page.read_text(encoding="utf-8")) or "TypeAliasForwardRef" in text]
    assert shown == [], shown
    text = (site / "api/generated/tconv.conv_transpose.html").read_text(encoding="utf-8")
    fields = {m[1]: re.sub(r"<[^>]+>", "", m[2]) for m in re.finditer(r"<strong>(\w+)</strong> \((.*?)\) –", text)}
    assert fields["bias"] == "ArrayLike | None", fields
    assert fields["padding"] == "IntOrSeq | str", fields


#: Chinese characters and their punctuation (as docs/_ext/tconv_site.py's CJK), and a line break between two.
CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
CJK_BREAK = re.compile(rf"[{CJK}][ \t]*\n\s*[{CJK}]")


class _BlockText(HTMLParser):
    """The text of each paragraph, list item, caption and heading; code stands as "x" (a break beside it is a
    space in Chinese text too)."""

    BLOCKS = frozenset({"p", "li", "dt", "dd", "figcaption", "h1", "h2", "h3", "h4", "td", "th"})
    CODE = frozenset({"pre", "code", "script", "style", "kbd"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.parts: list[list[str]] = []
        self.blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append([])
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self.parts:
            self.blocks.append("".join(self.parts.pop()))
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.parts:
            self.parts[-1].append("x" if self.CODE & set(self.open) else data)


def test_chinese_text_has_no_line_break_spaces(site: Path) -> None:
    """A line break in a Chinese page's Markdown between two characters would show as a space ("的 视角"): the
    site's extension joins them, on every Chinese page (the seeds' pages that docs/make_seeds.py writes included)."""
    found = {}
    for page in sorted((site / "zh").rglob("*.html")):
        parser = _BlockText()
        parser.feed(page.read_text(encoding="utf-8"))
        breaks = [m.group(0) for block in parser.blocks for m in CJK_BREAK.finditer(block)]
        if breaks:
            found[page.relative_to(site).as_posix()] = breaks
    assert found == {}, found
    # the line break that the trial found, joined; a break beside inline code stays a space
    guide = (site / "zh/guide.html").read_text(encoding="utf-8")
    assert "在“插零”的视角里" in guide, "zh/guide.md's first wrapped line is not joined"
    assert "变为\n<code" in guide


def _prev_next_switch(site: Path, page: str) -> tuple[str | None, str | None, tuple[str, str]]:
    """A built page's Previous and Next (as site paths, or None) and its language switch (site path, label)."""
    text = (site / page).read_text(encoding="utf-8")

    def target(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, text)

    def resolve(href: str) -> str:
        return (Path("/", page).parent / href).resolve().as_posix().lstrip("/")

    prev, nxt = target(r'class="left-prev"\s+href="([^"]+)"'), target(r'class="right-next"\s+href="([^"]+)"')
    switch = target(r'class="nav-link tconv-lang-switch" href="([^"]+)"[^>]*>([^<]+)<')
    assert switch is not None, f"{page} has no language switch"
    return (prev and resolve(prev[1]), nxt and resolve(nxt[1]), (resolve(switch[1]), switch[2]))


def test_previous_next_follow_the_reading_order(site: Path) -> None:
    """Previous/Next walk each seeds index's pages in its list's order (relation 8, 9, 10, …, not a string sort),
    the guide's last page leads to the API reference, and no Previous/Next crosses between English and 中文."""
    for lang in ("", "zh/"):
        index = (DOCS / lang / "seeds/README.md").read_text(encoding="utf-8")
        order = [f"{lang}seeds/README.html"] + [f"{lang}seeds/{slug}.html" for slug in
                                                dict.fromkeys(re.findall(r"\]\((seed\d{3}-[\w-]+)\.md\)", index))]
        assert order.index(f"{lang}seeds/seed004-relation9.html") < order.index(f"{lang}seeds/seed004-relation10.html")
        for before, after in itertools.pairwise(order):
            assert _prev_next_switch(site, before)[1] == after, (before, after)
            assert _prev_next_switch(site, after)[0] == before, (before, after)
    assert _prev_next_switch(site, "hosting.html")[1] == "api/index.html"
    crossing = []
    for page in sorted(site.rglob("*.html")):
        name = page.relative_to(site).as_posix()
        if name.startswith(("_", "explorer/", "genindex", "search", "py-modindex")):
            continue
        prev, nxt, _switch = _prev_next_switch(site, name)
        crossing += [f"{name} → {n}" for n in (prev, nxt) if n and n.startswith("zh/") != name.startswith("zh/")]
    assert crossing == [], crossing


def test_language_switch_on_a_page_without_translation_leads_home(site: Path) -> None:
    """Every page has the switch: to its counterpart, or, where it has none, to the other language's front page."""
    assert _prev_next_switch(site, "guide.html")[2] == ("zh/guide.html", "中文")
    assert _prev_next_switch(site, "hosting.html")[2] == ("zh/index.html", "中文（首页）")
    assert _prev_next_switch(site, "api/generated/tconv.conv_transpose.html")[2] == ("zh/index.html", "中文（首页）")
    assert _prev_next_switch(site, "zh/guide.html")[2] == ("guide.html", "English")


class _Furniture(HTMLParser):
    """A page's words outside its article (the theme's furniture): each element's text, and its title, aria-label
    and placeholder, and the permalinks' tooltip; and the header navbar's links, (href, text, hreflang)."""

    def __init__(self) -> None:
        super().__init__()
        self.words: set[str] = set()
        self.navbar: list[tuple[str, str, str | None]] = []
        self._article = 0
        self._navbars = 0  # the header's navbar comes first; the phone's menu repeats it
        self._in_nav = False
        self._link: list[str] | None = None
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "article" or self._article:
            self._article += tag == "article"
            if tag == "a" and "headerlink" in (attr.get("class") or "") and attr.get("title"):
                self.words.add(attr["title"])  # type: ignore[arg-type]  # the permalinks' tooltip
            return
        for name in ("title", "aria-label", "placeholder"):
            if attr.get(name):
                self.words.add(" ".join(attr[name].split()))  # type: ignore[union-attr]
        if tag == "ul" and "bd-navbar-elements" in (attr.get("class") or ""):
            self._navbars += 1
            self._in_nav = self._navbars == 1
        if tag == "a" and self._in_nav:
            self._link = [attr.get("href") or "", "", attr.get("hreflang") or ""]

    def handle_endtag(self, tag: str) -> None:
        if self._article:
            self._article -= tag == "article"
            return
        if tag == "a" and self._link is not None:
            self.navbar.append((self._link[0], " ".join(self._link[1].split()), self._link[2] or None))
            self._link = None
        if tag == "nav":
            self._in_nav = False

    def handle_data(self, data: str) -> None:
        if self._article:
            return
        if self._link is not None:
            self._link[1] += data
        if data.strip():
            self.words.add(" ".join(data.split()))


def _furniture(site: Path, page: str) -> _Furniture:
    parser = _Furniture()
    parser.feed((site / page).read_text(encoding="utf-8"))
    return parser


#: The theme's English words, and the Chinese that the Chinese pages show in their place.
FURNITURE = {
    "Skip to main content": "跳到正文", "Back to top": "回到顶部", "Search": "搜索",
    "Search the docs ...": "搜索文档……",
    "On this page": "本页目录", "Section Navigation": "本节导航", "Site navigation": "网站导航", "previous": "上一页",
    "next": "下一页", "previous page": "上一页", "next page": "下一页", "More": "更多", "Home": "首页",
    "Breadcrumb": "当前位置", "Color mode": "配色", "Light": "浅色", "Dark": "深色", "System Settings": "跟随系统",
    "Collapse Sidebar": "收起侧栏", "Expand Sidebar": "展开侧栏", "Link to this heading": "链接到此标题",
    "© Copyright 2026 tconv contributors. tconv is under the MIT licence, its bundled font under the SIL OFL 1.1.":
        "© 版权所有 2026 tconv 贡献者。tconv 以 MIT 许可证发布，随附的字体以 SIL OFL 1.1 发布。",
    "Created using": "由", "tconv guide": "tconv 指南（核心部分）", "The seeds, reproduced": "教程中的例子，逐一重现",
    "Explain: walkthroughs with real numbers": "逐步讲解（英文）", "API reference": "API 参考（英文）",
}


def test_chinese_pages_furniture_is_chinese(site: Path) -> None:
    """Every Chinese page's navbar, search, sidebars, Previous/Next, breadcrumbs, tooltips and footer are in
    Chinese; the English pages keep the theme's English (the same page, guide and zh/guide, compared)."""
    english = _furniture(site, "guide.html").words
    assert set(FURNITURE) <= english, set(FURNITURE) - english
    chinese = _furniture(site, "zh/guide.html").words
    assert set(FURNITURE.values()) <= chinese, set(FURNITURE.values()) - chinese
    left = {}
    for page in sorted((site / "zh").rglob("*.html")):
        words = _furniture(site, page.relative_to(site).as_posix()).words
        if found := {w for w in words for e in FURNITURE if w == e or w.startswith(e + " ")}:
            left[page.relative_to(site).as_posix()] = sorted(found)
    assert left == {}, left


def test_chinese_navbar_leads_to_the_chinese_pages(site: Path) -> None:
    """On a Chinese page the navbar leads to the Chinese pages first, with their titles, then to the English-only
    pages, named in Chinese and marked （英文）; every link is a built page. The English navbar is the theme's."""

    def entries(page: str) -> list[tuple[str, str, str | None]]:
        return [(page if href == "#" else (Path("/", page).parent / href).resolve().as_posix().lstrip("/"), text, lang)
                for href, text, lang in _furniture(site, page).navbar]

    zh = entries("zh/seeds/seed001-example1.html")
    assert zh[:3] == [("zh/guide.html", "tconv 指南（核心部分）", None),
                      ("zh/seeds/README.html", "教程中的例子，逐一重现", None), ("zh/gallery.html", "动画集", None)]
    rest = zh[3:]
    assert ("api/index.html", "API 参考（英文）", "en") in rest
    assert rest and all(text.endswith("（英文）") and lang == "en" and not target.startswith("zh/")
                        for target, text, lang in rest), rest
    assert all((site / target).is_file() for target, _text, _lang in zh), zh
    assert zh == entries("zh/index.html") == entries("zh/guide.html")
    # the page's own section is the current one; the logo and the breadcrumbs' home lead to the Chinese front page
    text = (site / "zh/seeds/seed001-example1.html").read_text(encoding="utf-8")
    assert re.search(r'<li class="nav-item current active"><a [^>]*href="README.html"', text)
    assert '<a class="navbar-brand logo" href="../index.html">' in text
    assert re.search(r'<li class="breadcrumb-item breadcrumb-home">\s*<a href="../index.html"', text)
    assert 'class="nav-link">tconv：转置卷积' not in text  # the front page is the home icon, not a crumb too
    english = entries("guide.html")
    assert english[:3] == [("guide.html", "tconv guide", None), ("seeds/README.html", "The seeds, reproduced", None),
                           ("explain.html", "Explain: walkthroughs with real numbers", None)]
    assert '<a class="navbar-brand logo" href="index.html">' in (site / "guide.html").read_text(encoding="utf-8")


def test_footer_says_what_license_says(site: Path) -> None:
    """The footer's holder and year are LICENSE's, with both licences (tconv's MIT, the bundled font's OFL)."""
    holder = re.search(r"^Copyright \(c\) (.+)$", (ROOT / "LICENSE").read_text(encoding="utf-8"), re.M)
    assert holder is not None
    footer = re.sub(r"\s+", " ", (site / "index.html").read_text(encoding="utf-8"))
    assert f"© Copyright {holder[1]}. tconv is under the MIT licence, its bundled font under the SIL OFL 1.1." in footer


def test_api_data_are_documented_with_their_values(site: Path) -> None:
    """A module's public data (``__all__`` names that are no function, class or module) have their entry, with the
    #: comment and the value, on the module's page: tconv.frameworks.FRAMEWORKS and FROM_READS."""
    import inspect
    import types

    api = (DOCS / "api/index.md").read_text(encoding="utf-8")
    data = [(module, name) for module in re.findall(r"^   (tconv[\w.]*)$", api, re.M)
            for name in importlib.import_module(module).__all__
            if not isinstance(value := getattr(importlib.import_module(module), name), types.ModuleType)
            and not inspect.isroutine(value) and not inspect.isclass(value)]
    assert ("tconv.frameworks", "FRAMEWORKS") in data and ("tconv.frameworks", "FROM_READS") in data
    for module, name in data:
        text = (site / f"api/generated/{module}.html").read_text(encoding="utf-8")
        assert f'id="{module}.{name}"' in text, (module, name)
    frameworks = html.unescape(re.sub(r"<[^>]+>", "", (site / "api/generated/tconv.frameworks.html").read_text(
        encoding="utf-8")))
    assert "FRAMEWORKS = {'jax': 'JAX', 'keras': 'Keras', 'onnx': 'ONNX', 'tf': 'TensorFlow'}" in frameworks


def test_api_pages_list_every_public_name(browser, base_url: str) -> None:
    context, pg, errors = _page(browser, base_url + "/api/generated/tconv.html")
    listed = set(pg.eval_on_selector_all("table.autosummary td:first-child a", "els => els.map(e => e.textContent)"))
    assert set(tconv.__all__) <= listed, sorted(set(tconv.__all__) - listed)
    # each name has its own page, with its docstring's example
    pg.goto(base_url + "/api/generated/tconv.conv_transpose.html")
    assert ">>> y = conv_transpose(" in pg.inner_text("article")
    pg.goto(base_url + "/api/generated/tconv.grad.html")
    grad_listed = set(pg.eval_on_selector_all("table.autosummary td:first-child a",
                                              "els => els.map(e => e.textContent)"))
    assert set(tconv.grad.__all__) <= grad_listed
    pg.goto(base_url + "/api/generated/tconv.notebook.Explorer.html")
    assert "Explorer" in pg.inner_text("h1")
    assert "Explorer(input_size=None, kernel_size=None, stride=1," in " ".join(pg.inner_text("dl.py.class dt").split())
    context.close()
    assert errors == [], errors


@pytest.mark.parametrize("page", ["gallery.html", "zh/gallery.html"])
def test_gallery_images_load(browser, base_url: str, page: str) -> None:
    """Every picture of the gallery (drawn by tconv during the build) loads with a size."""
    from tconv.scene.gallery import GALLERY

    context, pg, errors = _page(browser, f"{base_url}/{page}")
    widths = pg.evaluate("""async () => Promise.all([...document.querySelectorAll('.tconv-gallery img')].map(
        async img => { img.loading = 'eager'; try { await img.decode(); } catch (e) {} return img.naturalWidth; }))""")
    context.close()
    assert len(widths) >= len(GALLERY) + 4
    assert all(w > 0 for w in widths), widths
    assert errors == [], errors


def _explorer(pg):
    pg.wait_for_selector("iframe")
    frame = pg.frame_locator(".tconv-explorer iframe")
    frame.locator("#picture[data-ready='1'] svg").wait_for()
    return frame


def test_embedded_explorer_draws_and_redraws(browser, base_url: str) -> None:
    context, pg, errors = _page(browser, base_url + "/index.html")
    frame = _explorer(pg)
    cells = frame.locator("#picture rect.cell")
    assert cells.count() > 0
    before = frame.locator("#size-line").get_attribute("data-output")
    assert before == "6,6"  # conv_arithmetic's padding_strides_odd_transposed: 3 → 6
    frame.locator("#p0").fill("0")
    frame.locator("#p0").dispatch_event("change")
    frame.locator("#size-line[data-output='8,8']").wait_for()  # padding 0 (H = W linked): (3 − 1)·2 + 2 + 1 + 1
    frame.locator("#picture[data-ready='1'] svg").wait_for()
    assert frame.locator("#picture rect.cell").count() > 0
    context.close()
    assert errors == [], errors


def test_language_switch_goes_to_chinese_and_back(browser, base_url: str) -> None:
    context, pg, errors = _page(browser, base_url + "/guide.html")
    pg.click("a.tconv-lang-switch")
    pg.wait_for_url("**/zh/guide.html")
    assert pg.evaluate("document.documentElement.lang") == "zh-CN"
    assert "转置卷积" in pg.inner_text("article")
    pg.click("a.tconv-lang-switch")
    pg.wait_for_url("**/guide.html")
    assert not pg.url.endswith("/zh/guide.html")
    # the front page and a seed's page have their counterparts too; the Chinese front page's explorer is in Chinese
    pg.goto(base_url + "/seeds/seed000-output-padding.html")
    pg.click("a.tconv-lang-switch")
    pg.wait_for_url("**/zh/seeds/seed000-output-padding.html")
    # a page with no Chinese counterpart leads to the Chinese front page, and says so
    pg.goto(base_url + "/hosting.html")
    assert pg.inner_text("a.tconv-lang-switch") == "中文（首页）"
    pg.click("a.tconv-lang-switch")
    pg.wait_for_url("**/zh/index.html")
    pg.goto(base_url + "/index.html")
    pg.click("a.tconv-lang-switch")
    pg.wait_for_url("**/zh/index.html")
    frame = _explorer(pg)
    assert frame.locator("html").get_attribute("lang") == "zh-CN"
    context.close()
    assert errors == [], errors


SHOTS = {"front": "index.html", "api": "api/generated/tconv.conv_transpose.html", "gallery": "gallery.html",
         "zh": "zh/index.html"}


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(browser, base_url: str, width: int) -> None:
    """The pages as a reader sees them, on a laptop and on a phone: no page scrolls sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, page in SHOTS.items():
        context, pg, errors = _page(browser, f"{base_url}/{page}", width=width, height=900 if width > 600 else 844)
        if name in ("front", "zh"):
            _explorer(pg)
        pg.evaluate("document.fonts.ready")
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, f"{page} scrolls sideways at {width}"
        shot = ARTIFACTS / f"site-{name}-{width}.png"
        pg.screenshot(path=str(shot))
        context.close()
        assert errors == [], errors
        if os.environ.get("TCONV_UPDATE_SCREENSHOTS"):
            shutil.copyfile(shot, IMAGES / f"site-{name}-{width}.png")
