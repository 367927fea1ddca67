"""The wheel and the sdist work on their own.

Both are built (``python -m build``: the sdist, then the wheel from it) from a copy of the repository's files, so
nothing the build leaves behind lands in the checkout and nothing untracked sneaks in. They pass ``twine check``;
the wheel holds every file of the package (static files, fonts and their licence, ``py.typed``), the licences in
its .dist-info, and no tests or caches; the sdist holds what builds it. Then the wheel goes into a fresh virtual
environment outside the repository, and tconv runs from there, in a folder outside it too: ``import tconv`` loads
NumPy alone, the version is the one of ``tconv.__version__``, ``tconv compute``, ``tconv site`` and ``tconv serve``
do what they do here, and every missing extra's message names a command that installs it (two are run: the feature
then works; the others are resolved by ``pip install --dry-run``).

Installing needs the package index (NumPy, Pillow, FastAPI...): where it cannot be reached those tests skip, saying
so, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import threading
import tomllib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

import tconv
from tconv import _extras
from tconv._extras import install_hint
from tconv.cli import main

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
VERSION = tconv.__version__
# Each extra that has a "needs X" message, and a command of the bare wheel's that gives it.
MISSING = {
    "show": ["tconv", "animate", "-i", "3", "-k", "3", "-o", "odd.gif"],
    "web": ["tconv", "serve", "--no-browser", "--port", "0"],
    "onnx": ["tconv", "onnx", str(ROOT / "README.md")],  # a file that exists: a missing one is said first
    "notebook": ["python", "-c", "import tconv\ntry: tconv.Explorer\nexcept tconv.TconvError as e: print(e)"],
    "bench": ["tconv", "bench", "--rounds", "1", "--no-memory"],
    "dask": ["python", "-c", "import tconv.dask\ntry: tconv.dask.conv_transpose([[[1.0]]], [[[1.0]]])\n"
             "except tconv.TconvError as e: print(e)"],
    "numba": ["python", "-c", "import tconv\ntry: tconv.conv_transpose([[[1.0]]], [[[1.0]]], algorithm='fused')\n"
              "except tconv.TconvError as e: print(e)"],
}


# ---------------------------------------------------------------------------------------------------------------
# What needs no build: the hints, the papers, the README's links


def test_install_hint_names_the_extras_packages_from_the_installed_metadata(monkeypatch) -> None:
    """Without a pyproject.toml beside the package (an installed wheel), the hint reads the distribution's
    Requires-Dist lines: the extra's own, its marker removed (another marker kept), tconv's extras expanded."""
    requires = ['numpy>=1.25', 'pillow>=10.1; extra == "show"', 'fastapi>=0.110; extra == "web"',
                'pillow>=10.1; extra == "web"', 'tomli>=2; python_version < "3.11" and extra == "web"',
                "onnx>=1.15; extra == 'onnx'", 'tconv[show,web]; extra == "all"', 'tconv[all]; extra == "everything"']
    monkeypatch.setattr(_extras, "_from_pyproject", lambda path: {})
    monkeypatch.setattr(metadata, "requires", lambda name: requires if name == "tconv" else None)
    _extras._declared.cache_clear()
    try:
        assert install_hint("show") == "pip install 'pillow>=10.1'"
        assert install_hint("web") == ("pip install 'fastapi>=0.110' 'pillow>=10.1' "
                                       "'tomli>=2; python_version < \"3.11\"'")
        assert install_hint("onnx") == "pip install 'onnx>=1.15'"
        assert install_hint("all") == install_hint("everything") == (
            "pip install 'pillow>=10.1' 'fastapi>=0.110' 'tomli>=2; python_version < \"3.11\"'")
        assert install_hint("nope") == "install the packages of tconv's [nope] extra (listed in its pyproject.toml)"

        def missing(name: str) -> None:
            raise metadata.PackageNotFoundError(name)

        monkeypatch.setattr(metadata, "requires", missing)
        _extras._declared.cache_clear()
        assert install_hint("web") == "install the packages of tconv's [web] extra (listed in its pyproject.toml)"
    finally:
        _extras._declared.cache_clear()


@pytest.mark.parametrize("extra", sorted(PROJECT["optional-dependencies"]))
def test_install_hint_in_a_source_tree_is_the_pyproject_list(extra: str) -> None:
    """From a clone the hint lists pyproject's packages for the extra (``all``: its extras' packages, once each);
    every hint fits a one-line message (TconvError cuts past 300 characters), ``test``'s aside."""
    declared = PROJECT["optional-dependencies"]

    def packages(extra: str) -> list[str]:  # tconv's own extras inside an extra (test > docs > show) unrolled
        out: list[str] = []
        for r in declared[extra]:
            own = re.fullmatch(r"tconv\[(.*)\]", r)
            out += [p for e in own.group(1).split(",") for p in packages(e)] if own else [r]
        return out

    expected: list[str] = []
    for r in packages(extra):
        expected += [] if r in expected else [r]
    hint = install_hint(extra)
    assert shlex.split(hint) == ["pip", "install", *expected]
    assert extra == "test" or len(hint) <= 200


def test_every_needs_message_in_the_package_goes_through_install_hint() -> None:
    """No hard-coded ``pip install 'tconv[...]'`` is left: it fails until tconv is on a package index."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "src" / "tconv").rglob("*.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"pip install ['\"]?tconv\[", line) and p.name != "_extras.py"]
    assert offenders == []


def test_licence_and_changelog_match_the_metadata() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) ") and "tconv contributors" in licence.splitlines()[2]
    assert PROJECT["license"] == "MIT AND OFL-1.1"
    assert PROJECT["license-files"] == ["LICENSE", "src/tconv/render/fonts/OFL.txt"]
    ofl = (ROOT / "src/tconv/render/fonts/OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in ofl and "SIL Open Font License, Version 1.1" in licence
    # the attribution the OFL asks for, as the font's own licence file states it
    assert "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name\n  'Source'." in licence
    assert ofl.startswith("Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    assert releases[0] == "Unreleased" and VERSION in releases
    for release in releases:  # Keep a Changelog: each heading is a link defined at the end
        assert re.search(rf"^\[{re.escape(release)}\]: {PROJECT['urls']['Source']}/", changelog, flags=re.M)


def test_readme_links_name_files_that_exist() -> None:
    """The README is read in a clone and on the forge, where relative links work; each names a file that exists.
    (The package index would need them absolute: that is a step of publishing, once the Source URL exists.)"""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", readme) + re.findall(r"""(?:src|href)=["']([^"']+)""", readme)
    relative = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:|#", t)]
    assert len(relative) >= 10
    assert [t for t in relative if not (ROOT / t).exists()] == []
    assert f"`tconv serve` without them: `{install_hint('web')}`" in readme


# ---------------------------------------------------------------------------------------------------------------
# The build


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    tree: Path  # the copy the build ran in


def _source_files() -> list[str]:
    """The repository's files as a fresh clone has them, plus new files not yet committed (git ignores the rest)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("the wheel test builds from the files git lists: run it in a git checkout")
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    tree = tmp_path_factory.mktemp("tree")
    for name in _source_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    out = tmp_path_factory.mktemp("dist")
    # The build system's own requirements, when this environment has them (the test extra does), build without
    # the isolated environment build would otherwise download them into: quicker, and no index needed.
    isolation = ["--no-isolation"] if _satisfied(PYPROJECT["build-system"]["requires"]) else []
    result = subprocess.run([sys.executable, "-m", "build", *isolation, "--outdir", str(out), str(tree)],
                            capture_output=True, text=True, env=_clean_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return Dist(wheel, sdist, tree)


def _satisfied(requirements: list[str]) -> bool:
    from packaging.requirements import Requirement

    for text in requirements:
        requirement = Requirement(text)
        try:
            if not requirement.specifier.contains(metadata.version(requirement.name), prereleases=True):
                return False
        except metadata.PackageNotFoundError:
            return False
    return True


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without what would make a child import the checkout's tconv (PYTHONPATH=src)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {**env, "PYTHONNOUSERSITE": "1", "PYTHONWARNINGS": "", **extra}


def test_twine_check_passes_both(dist: Dist) -> None:
    """The README renders on the package index, the metadata is well formed (``--strict``: warnings fail too)."""
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(dist.wheel), str(dist.sdist)],
                            capture_output=True, text=True, env=_clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def _package_files(tree: Path) -> set[str]:
    return {p.relative_to(tree / "src").as_posix() for p in (tree / "src" / "tconv").rglob("*") if p.is_file()}


def test_wheel_holds_the_whole_package_its_licences_and_nothing_else(dist: Dist) -> None:
    assert dist.wheel.name == f"tconv-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(dist.wheel) as whl:
        names = set(whl.namelist())
        info = f"tconv-{VERSION}.dist-info"
        package = {n for n in names if not n.startswith(f"{info}/")}
        expected = _package_files(dist.tree)
        # every source file, the explorer's static files, the font with its licence and notes, py.typed
        assert package == expected
        for needed in ("tconv/py.typed", "tconv/render/fonts/TconvSans-Regular.ttf", "tconv/render/fonts/OFL.txt",
                       "tconv/render/fonts/widths.json", "tconv/web/static/index.html"):
            assert needed in package
        static = {f"tconv/web/static/{p.name}" for p in (dist.tree / "src/tconv/web/static").iterdir()}
        assert static <= package and len(static) >= 15
        assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo")) or "tests/" in n]
        assert whl.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        assert whl.read(f"{info}/licenses/src/tconv/render/fonts/OFL.txt") == \
            (ROOT / "src/tconv/render/fonts/OFL.txt").read_bytes()
        assert "tconv = tconv.cli:main" in whl.read(f"{info}/entry_points.txt").decode()
        meta = whl.read(f"{info}/METADATA").decode()
    fields = [tuple(line.split(": ", 1)) for line in meta.split("\n\n", 1)[0].splitlines() if ": " in line]
    assert ("Version", VERSION) in fields and ("License-Expression", "MIT AND OFL-1.1") in fields
    assert ("Description-Content-Type", "text/markdown") in fields
    assert {v for k, v in fields if k == "License-File"} == {"LICENSE", "src/tconv/render/fonts/OFL.txt"}
    assert {v for k, v in fields if k == "Project-URL"} == {f"{k}, {v}" for k, v in PROJECT["urls"].items()}
    assert [v for k, v in fields if k == "Classifier"] == PROJECT["classifiers"]
    assert {"Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.13", "Typing :: Typed",
            "Operating System :: OS Independent"} <= set(PROJECT["classifiers"])
    assert {v for k, v in fields if k == "Provides-Extra"} == set(PROJECT["optional-dependencies"])


def test_sdist_holds_what_builds_the_wheel_and_no_tests(dist: Dist) -> None:
    top = f"tconv-{VERSION}"
    assert dist.sdist.name == f"{top}.tar.gz"
    with tarfile.open(dist.sdist) as sdist:
        names = {m.name.removeprefix(f"{top}/") for m in sdist.getmembers() if m.isfile()}
        assert sdist.extractfile(f"{top}/LICENSE").read() == (ROOT / "LICENSE").read_bytes()  # type: ignore[union-attr]
    papers = {"PKG-INFO", "setup.cfg", "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in"}
    source = {f"src/{n}" for n in _package_files(dist.tree)}
    egg_info = {n for n in names if n.startswith("src/tconv.egg-info/")}
    assert names == papers | source | egg_info
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]


# ---------------------------------------------------------------------------------------------------------------
# The wheel in a fresh virtual environment


@dataclass(frozen=True)
class Venv:
    root: Path
    python: Path
    bin: Path
    outside: Path  # a working folder outside the repository

    def run(self, *argv: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        exe = str(self.bin / argv[0]) if argv[0] in ("tconv", "python", "pip") else argv[0]
        result = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, cwd=self.outside,
                                env=_clean_env(PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"),
                                timeout=timeout)
        if check:
            assert result.returncode == 0, f"{argv}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result


def _index_reachable() -> str | None:
    """None when the package index answers, else why not."""
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/") + "/numpy/"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read(64)
    except (OSError, urllib.error.URLError) as exc:
        return f"the package index ({url}) cannot be reached: {exc}"
    return None


@pytest.fixture(scope="module")
def venv(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    why = _index_reachable()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{why}; under CI the wheel must be installed and run")
        pytest.skip(f"{why}: installing the wheel in a fresh venv needs NumPy and the extras from it")
    root = tmp_path_factory.mktemp("venv")
    assert not root.resolve().is_relative_to(ROOT)
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, capture_output=True, env=_clean_env())
    bindir = root / ("Scripts" if os.name == "nt" else "bin")
    env = Venv(root, bindir / "python", bindir, tmp_path_factory.mktemp("outside"))
    env.run("python", "-m", "pip", "install", "-q", str(dist.wheel), timeout=300)
    return env


def _repo_stdout(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_the_wheel_runs_from_its_venv_alone(venv: Venv, dist: Dist) -> None:
    """The installed tconv (not the checkout's) answers, at the wheel's version, as the checkout does."""
    probe = ("import importlib.metadata as m, pathlib, sys, tconv; "
             "print(tconv.__version__, m.version('tconv'), pathlib.Path(tconv.__file__).resolve())")
    version, dist_version, path = venv.run("python", "-c", probe).stdout.split()
    assert version == dist_version == VERSION and f"tconv-{version}-" in dist.wheel.name
    assert Path(path).is_relative_to(venv.root.resolve()) and not Path(path).is_relative_to(ROOT)
    assert venv.run("tconv", "--version").stdout == f"tconv {VERSION}\n"
    # the tutorials' worked example (seed 001), as the checkout prints it
    compute = venv.run("tconv", "compute").stdout
    assert compute == _repo_stdout(["compute"])
    assert "[[ 4 12 11  6]\n [ 0  7 14 11]\n [ 2  7 11  8]\n [ 0  2  3  2]]" in compute


def test_tconv_site_from_the_wheel_writes_the_checkouts_site(venv: Venv, tmp_path: Path) -> None:
    from tconv.web.site import write_site

    venv.run("tconv", "site", str(tmp_path / "wheel"))
    write_site(tmp_path / "repo")
    files = {p.relative_to(tmp_path / "wheel").as_posix(): p.read_bytes()
             for p in (tmp_path / "wheel").rglob("*") if p.is_file()}
    assert files == {p.relative_to(tmp_path / "repo").as_posix(): p.read_bytes()
                     for p in (tmp_path / "repo").rglob("*") if p.is_file()}
    page = files["index.html"].decode()
    local = [t for t in re.findall(r"""(?:src|href)=["']([^"'#?]+)""", page) if not re.match(r"[a-z]+:", t)]
    assert "static/app.js" in local and "static/style.css" in local
    # everything the page loads or links to is there (a folder's link: its index.html)
    assert [t for t in local if posixpath.normpath(t + ("index.html" if t.endswith("/") else "")) not in files] == []


@pytest.fixture(scope="module")
def hints(venv: Venv) -> dict[str, str]:
    """Each extra's message in the bare venv (before any extra is installed), by extra."""
    out = {}
    for extra, argv in MISSING.items():
        result = venv.run(*argv, check=False)
        text = (result.stderr + result.stdout).strip()
        assert len(text.splitlines()) == 1 and len(text) <= 300, text  # one line, whole
        assert (result.returncode == 2) if argv[0] == "tconv" else result.returncode == 0, text
        out[extra] = text
    return out


@pytest.mark.parametrize("extra", sorted(MISSING))
def test_a_missing_extras_message_ends_with_its_command(hints: dict[str, str], extra: str) -> None:
    """Read from the wheel's metadata there, the command is the one pyproject declares here."""
    assert hints[extra].endswith(f": {install_hint(extra)}")
    assert "tconv[" not in hints[extra]


@pytest.mark.parametrize("extra", ["onnx", "notebook", "bench", "dask", "numba"])
def test_the_other_hints_resolve(venv: Venv, hints: dict[str, str], extra: str) -> None:
    argv = shlex.split(hints[extra][hints[extra].index("pip install "):])
    result = venv.run("python", "-m", "pip", "install", "--dry-run", *argv[2:], timeout=300)
    assert "Would install" in result.stdout


@pytest.fixture(scope="module")
def with_show_and_web(venv: Venv, hints: dict[str, str]) -> Venv:
    """The venv after running the show and web hints' commands, as a user pastes them."""
    for extra in ("show", "web"):
        argv = shlex.split(hints[extra][hints[extra].index("pip install "):])
        venv.run("python", "-m", "pip", "install", "-q", *argv[2:], timeout=300)
    return venv


def test_after_the_show_hint_gifs_and_pngs_are_drawn(with_show_and_web: Venv, tmp_path: Path) -> None:
    from PIL import Image

    with_show_and_web.run("tconv", "animate", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1",
                          "-o", str(tmp_path / "odd.gif"))
    with_show_and_web.run("tconv", "animate", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1",
                          "-o", str(tmp_path / "odd.png"))
    with Image.open(tmp_path / "odd.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == len(tconv.animate(3, 3, stride=2, padding=1,
                                                                         output_padding=1).frames)
    scene = tconv.animate(3, 3, stride=2, padding=1, output_padding=1)
    scene.save(tmp_path / "repo.png")
    with Image.open(tmp_path / "odd.png") as wheel, Image.open(tmp_path / "repo.png") as repo:
        assert wheel.size == repo.size
        same_pillow = with_show_and_web.run("python", "-c", "import PIL; print(PIL.__version__)").stdout.strip() == \
            __import__("PIL").__version__
        if same_pillow:  # the bundled font draws the same pixels wherever it runs, with the same FreeType
            assert wheel.convert("RGB").tobytes() == repo.convert("RGB").tobytes()


def test_after_the_web_hint_serve_answers_the_page_and_its_assets(with_show_and_web: Venv) -> None:
    venv = with_show_and_web
    server = subprocess.Popen([str(venv.bin / "tconv"), "serve", "--no-browser", "--port", "0"], cwd=venv.outside,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_clean_env(PATH=f"{venv.bin}{os.pathsep}{os.environ.get('PATH', '')}"))
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(server.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(60)  # bounded: the server prints its URL once the port is bound
        assert first and first[0].startswith("tconv explorer on http://127.0.0.1:"), (first, server.poll())
        url = first[0].split()[3]

        def get(path: str) -> tuple[int, str, bytes]:
            with urllib.request.urlopen(url + path, timeout=30) as response:
                return response.status, response.headers["content-type"], response.read()

        status, kind, body = get("")
        page = (ROOT / "src/tconv/web/static/index.html").read_text(encoding="utf-8")
        assert status == 200 and kind.startswith("text/html")
        assert body.decode().replace('<meta name="tconv-server" content="1">', "<!-- tconv-server -->", 1) == page
        status, kind, body = get("static/app.js")
        assert (status, kind.split(";")[0]) == (200, "text/javascript")
        assert body == (ROOT / "src/tconv/web/static/app.js").read_bytes()
        status, _, body = get("api/shape?i=3&k=2")  # Python computing behind it, from the wheel
        assert status == 200 and b'"output_size":[4,4]' in body.replace(b" ", b"")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        for stream in (server.stdout, server.stderr):
            stream.close()  # type: ignore[union-attr]


def test_import_tconv_loads_numpy_alone_with_every_extra_beside_it(with_show_and_web: Venv) -> None:
    code = ("import sys; before = set(sys.modules); import tconv, tconv.cli; "
            "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names)))")
    assert with_show_and_web.run("python", "-c", code).stdout.strip() == "['numpy', 'tconv']"
    installed = with_show_and_web.run("python", "-c", "import PIL, fastapi, uvicorn; print('ok')").stdout
    assert installed == "ok\n"
