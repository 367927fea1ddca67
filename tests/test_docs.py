"""The docs say what is true: generated pages are current, and the errata's numbers are right."""

from __future__ import annotations

import functools
import runpy
from pathlib import Path

import pytest

import tconv

DOCS = Path(__file__).parent.parent / "docs"


@pytest.fixture(scope="module")
def seeds_module() -> dict:
    return runpy.run_path(str(DOCS / "make_seeds.py"))


def test_seed_pages_are_current(seeds_module: dict) -> None:
    """docs/seeds/ is what docs/make_seeds.py writes now (run it after changing walkthroughs)."""
    expected = seeds_module["files"]()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "seeds").glob("*.md")}
    assert sorted(on_disk) == sorted(expected)
    for name, text in expected.items():
        assert on_disk[name] == text, f"docs/seeds/{name} is stale: run python docs/make_seeds.py"


def test_chinese_seed_pages_are_current(seeds_module: dict) -> None:
    """docs/zh/seeds/ (the site's 中文 side) is what docs/make_seeds.py writes now, a page for every English one."""
    expected = seeds_module["files_zh"]()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "zh" / "seeds").glob("*.md")}
    assert sorted(on_disk) == sorted(seeds_module["files"]())
    for name, text in expected.items():
        assert on_disk[name] == text, f"docs/zh/seeds/{name} is stale: run python docs/make_seeds.py"


def test_every_seed_example_is_listed_with_the_right_output(seeds_module: dict) -> None:
    index = (DOCS / "seeds" / "README.md").read_text(encoding="utf-8")
    for slug, out in [("seed001-example1", "4 × 4"), ("seed001-example2", "2 × 2"), ("seed000-2x2-to-4x4", "4 × 4"),
                      ("seed000-3x3-to-5x5", "5 × 5"), ("seed000-output-padding", "6 × 6"),
                      ("seed002-gradient", "4 × 4"), ("seed002-matrix-4x16", "4 × 4"),
                      ("seed004-relation8", "4 × 4"), ("seed004-relation9", "5 × 5"), ("seed004-relation10", "5 × 5"),
                      ("seed004-relation11", "5 × 5"), ("seed004-relation12", "5 × 5"),
                      ("seed004-relation13", "5 × 5"), ("seed004-relation14", "6 × 6")]:
        assert f"({slug}.md): output {out}" in index
        page = (DOCS / "seeds" / f"{slug}.md").read_text(encoding="utf-8")
        if slug.startswith("seed004-relation"):
            number = slug.removeprefix("seed004-relation")
            assert f"the guide's relation {number} (" in page


def test_errata_numbers() -> None:
    # 1. seed 000's formula without parentheses vs the real one (Hin=5, k=3, s=2, p=1)
    assert tconv.conv_output_size(5, 3, stride=2, padding=1) == (3,)
    assert int(5 + 2 * 1 - 3 / 2) + 1 == 6
    # 2. the stride-1 example's padded input is 6, not 7
    (eq,) = tconv.conv_transpose_equivalent(2, 3)
    assert eq.padded_size == 6
    # 3. Figure 4.7: a 3×3 input, stretched to 5, padded to 8, output 6
    (eq,) = tconv.conv_transpose_equivalent(3, 3, stride=2, padding=1, output_padding=1)
    assert (eq.stretched_size, eq.padded_size, eq.output_size) == (5, 8, 6)
    # 4. relation 12 uses i′, not ĩ′: Figure 4.5 gives 5
    (rel,) = tconv.relation(2, 3, stride=2)
    assert rel.number == 12 and rel.output_size == 5 and 2 * (3 - 1) + 3 == 7
    # 5. output_padding with stride 1 is allowed when dilation > 1
    assert tconv.conv_transpose_output_size(4, 3, stride=1, output_padding=1, dilation=2) == (9,)
    with pytest.raises(tconv.TconvError):
        tconv.conv_transpose_output_size(4, 3, stride=1, output_padding=1, dilation=1)
    errata = (DOCS / "seeds" / "README.md").read_text(encoding="utf-8")
    for claim in [
        "gives **3**",
        "**6**, i.e. 6×6",
        "The input is **3×3**",
        "2·(2 − 1) + 3 = **5**",
        "max(stride, dilation)",
    ]:
        assert claim in errata


def test_doc_images_are_current() -> None:
    """The embedded SVGs are what docs/make_images.py draws now (run it after changing the renderers)."""
    images = runpy.run_path(str(DOCS / "make_images.py"))
    for name, text in images["svgs"]().items():
        assert (DOCS / "images" / name).read_text(encoding="utf-8") == text, f"docs/images/{name} is stale"
    for name in images["GIFS"]:
        assert (DOCS / "images" / name).stat().st_size > 10_000


def test_porting_guide_examples_run() -> None:
    """Every Python block of docs/porting.md runs, in order, and its assertions hold."""
    import re

    text = (DOCS / "porting.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 10
    namespace: dict = {}
    for block in blocks:
        exec(block.replace("print(eq.code())", "assert 'ConvTranspose' in eq.code()"), namespace)


@functools.cache
def _docstring_examples() -> dict:
    return runpy.run_path(str(Path(__file__).parent.parent / "scripts" / "docstring_examples.py"))


#: Public names that carry no runnable example, each with the reason (the definition of "public" is
#: scripts/docstring_examples.py's). Every other public function, class and method of the package has one.
NO_EXAMPLE = {
    # glibc's mallopt for the whole process, which cannot be undone: running it would change the test process
    "tconv.web.pool.tune_allocator",
}


@pytest.mark.parametrize("module", sorted({n.module for n in _docstring_examples()["public_names"]()}))
def test_public_names_have_an_example(module: str) -> None:
    """Every public name of every module shows a runnable example (the doctests run it), or is listed in
    NO_EXAMPLE with the reason."""
    missing = [str(n) for n in _docstring_examples()["public_names"]([module])
               if not n.has_example and str(n) not in NO_EXAMPLE]
    assert missing == [], f"add a >>> example to: {', '.join(missing)}"


def test_every_name_without_an_example_exists_and_still_has_none() -> None:
    names = {str(n): n.has_example for n in _docstring_examples()["public_names"]()}
    assert {name: names.get(name) for name in NO_EXAMPLE} == dict.fromkeys(NO_EXAMPLE, False)


def test_the_example_count_sees_what_it_should() -> None:
    """The count finds methods and module functions with and without examples, and skips type-only stubs."""
    names = {str(n): n.has_example for n in _docstring_examples()["public_names"](["tconv.algorithms.base",
                                                                                    "tconv._axes"])}
    assert names["tconv.algorithms.base.weight_size"] is True
    assert "tconv.algorithms.base.Reference.run" in names  # a method of a public class
    assert not any(name.startswith("tconv.algorithms.base.Prepared") for name in names)  # a Protocol's stubs
    assert not any("._" in name.removeprefix("tconv._axes") for name in names)  # no private name
    with pytest.raises(ValueError, match="tconv.no_such_module"):
        _docstring_examples()["public_names"](["tconv.no_such_module"])


@pytest.mark.parametrize("page", ["guide.md", "explain.md", "show.md", "notebook.md", "dask.md", "zh/guide.md",
                                  "zh/index.md"])
def test_every_python_block_of_the_page_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guides' examples run in order, in one namespace; a block written as a doctest (``>>>``) is checked
    against its printed values. (docs/porting.md has its own test; docs/doctor.md shows patches to a user's
    model, not programs.)"""
    import doctest
    import re

    monkeypatch.chdir(tmp_path)  # examples that save pictures write them here
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        if block.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(block, namespace, page, page, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            runner.run(test, out=lambda _: None, clear_globs=False)
            namespace.update(test.globs)  # a DocTest runs in a copy: the next block goes on with its names
            assert runner.failures == 0, f"a doctest block of docs/{page} fails:\n{block}"
        else:
            exec(block, namespace)


def test_docs_cite_only_what_a_reader_has() -> None:
    """A session's notes and scratch scripts (`/work/shared/notes/reach.md`, "a /tmp script") are on no reader's
    machine: the docs give the figures and the method, or a script committed under benchmarks/."""
    import re

    for page in [*DOCS.rglob("*.md"), DOCS.parent / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for pattern in (r"/work/", r"\breach\.md\b", r"`/tmp` script", r"/tmp script", r"shared/notes"):
            assert not re.search(pattern, text), f"{page.name} cites {pattern!r}"
