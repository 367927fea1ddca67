"""The package frame: a light import, a small explicit public API, typed, one error family."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from importlib import resources

import tconv

PUBLIC = {
    "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "TconvError", "available_algorithms", "conv",
    "conv_output_size", "conv_transpose", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "conv_transpose_equivalent", "conv_transpose_output_size", "explain", "Walkthrough", "get_memory_budget",
    "output_padding_for",
    "output_size_range", "pool_output_size", "relation", "set_memory_budget", "solve", "animate", "overlap", "Scene",
    "conv1d", "conv2d", "conv3d", "Options", "get_options", "options", "set_options", "doctor", "Diagnosis",
    "plan", "Recipe", "grad",
}


def test_import_loads_numpy_and_nothing_heavy() -> None:
    code = (
        "import sys, tconv, tconv.cli; "
        "heavy = {'torch', 'PIL', 'fastapi', 'uvicorn', 'onnx', 'onnxruntime', 'scipy', 'hypothesis', 'jax', "
        "'tensorflow'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_public_api_is_small_and_explicit() -> None:
    assert set(tconv.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(tconv, name).__doc__, name


def test_error_family_and_typing_marker() -> None:
    assert issubclass(tconv.TconvError, ValueError)
    assert resources.files("tconv").joinpath("py.typed").is_file()


def test_algorithm_registry_names() -> None:
    compiled = ("fused",) if importlib.util.find_spec("numba") else ()  # the numba extra's engines
    assert tconv.available_algorithms() == (
        "scatter", "zero_insert", "matrix", "col2im", "phase", "implicit", "stacked", "accumulate", *compiled)


def test_explain_is_a_function_and_its_package_imports_by_path() -> None:
    """``tconv.explain(...)`` is a plain function; its package's modules import with ``from tconv.explain import``."""
    import inspect
    import types

    from tconv.explain import views, writers

    wt = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2, view="scatter")
    assert isinstance(wt, tconv.Walkthrough) and wt.output.tolist() == [[1, 1, 3, 2, 2]]
    assert isinstance(tconv.explain, types.FunctionType) and tconv.explain is views.explain
    assert writers.to_text(wt, color=False) == wt.to_text(color=False)
    assert list(inspect.signature(tconv.explain).parameters)[:3] == ["input", "weight", "bias"]
    code = ("from tconv.explain import writers as w; import tconv; "
            "print(w.format_number(2.50), tconv.explain([[3]], [[[2]]]).output, type(tconv.explain).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2.5", "[[6]]", "function"]


def test_doctor_is_a_plain_function_and_its_parts_import_from_the_package() -> None:
    """``tconv.doctor(...)`` is the function itself; ``from tconv.doctor import ...`` reaches the package's parts."""
    import inspect
    import types

    from tconv.doctor import Diagnosis, core, writers

    assert isinstance(tconv.doctor, types.FunctionType) and tconv.doctor is core.doctor
    assert list(inspect.signature(tconv.doctor).parameters)[:2] == ["model", "input_shape"]
    assert tconv.Diagnosis is Diagnosis
    assert writers.dims((350, 525)) == "350×525"


def test_dir_lists_tconv_names_and_its_submodules_only() -> None:
    """No typing helper (Any, TYPE_CHECKING) nor __future__'s ``annotations`` among the public-looking names."""
    import types

    others = {n for n in dir(tconv) if not n.startswith("_")} - set(tconv.__all__) - {"Explorer"}
    assert {n for n in others if not isinstance(getattr(tconv, n), types.ModuleType)} == set()
    assert {"Any", "TYPE_CHECKING", "annotations"}.isdisjoint(dir(tconv))
