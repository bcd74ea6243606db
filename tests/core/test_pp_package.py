"""The shape of the preprocessing package rnaclust_dash.pp (issue 8 item 1).

Its public API is re-exported from ``rnaclust_dash.pp`` (scanpy style), each module stays
small, and the functions follow the core's conventions (data first, the rest keyword-only).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from package_shape import assert_module_small

from rnaclust_dash import pp

PP_DIR = Path(pp.__file__).parent
MODULES = sorted(info.name for info in pkgutil.iter_modules([str(PP_DIR)]))


def _public_definitions(module_name: str) -> dict[str, object]:
    """Public functions, classes and UPPER_CASE constants a pp module defines itself."""
    module = importlib.import_module(f"rnaclust_dash.pp.{module_name}")
    found = {}
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        defined_here = getattr(value, "__module__", None) == module.__name__
        if defined_here and (inspect.isfunction(value) or inspect.isclass(value)):
            found[name] = value
        elif name.isupper() and not inspect.ismodule(value):
            found[name] = value
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_pp_exports_every_public_name_of_its_modules(module_name):
    for name, value in _public_definitions(module_name).items():
        assert name in pp.__all__, f"rnaclust_dash.pp.{module_name}.{name} is not re-exported"
        assert getattr(pp, name) is value


def test_pp_exports_only_names_that_a_module_defines():
    defined = {}
    for module_name in MODULES:
        defined.update(_public_definitions(module_name))
    assert sorted(pp.__all__) == sorted(defined)


def test_pp_functions_take_the_data_first_and_the_rest_by_keyword():
    for name in pp.__all__:
        function = getattr(pp, name)
        if not inspect.isfunction(function):
            continue
        positional = [p for p in inspect.signature(function).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) <= 2, f"pp.{name} takes {len(positional)} positional parameters"


@pytest.mark.parametrize("module_name", MODULES + ["__init__"])
def test_pp_modules_and_functions_stay_small(module_name):
    assert_module_small(PP_DIR / f"{module_name}.py")


def test_the_flat_preprocessing_modules_are_gone():
    for old in ("batch", "normalization", "preprocess"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"rnaclust_dash.{old}")


#: Layers above preprocessing: pp may not import them (tools read pp's output, not back).
ABOVE_PP = ("tl", "pl", "pipeline", "params")


def imported_packages(path: Path) -> set[str]:
    """``rnaclust_dash`` sub-packages / modules a pp source file imports (absolute or
    relative), read from its syntax tree."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            elif node.level == 1:  # from .x import y: inside pp
                names = [f"rnaclust_dash.pp.{node.module or ''}"]
            else:  # from ..x import y (or from .. import x)
                names = ([f"rnaclust_dash.{node.module}"] if node.module else
                         [f"rnaclust_dash.{alias.name}" for alias in node.names])
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "rnaclust_dash" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("module_name", MODULES + ["__init__"])
def test_pp_imports_no_layer_above_it(module_name):
    imported = imported_packages(PP_DIR / f"{module_name}.py")
    assert not imported & set(ABOVE_PP), (
        f"rnaclust_dash.pp.{module_name} imports {sorted(imported & set(ABOVE_PP))}")


def test_the_import_scan_sees_relative_and_absolute_imports(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("from ..tl.validate import silhouette_values\n"
                      "from .. import pl\nimport rnaclust_dash.pipeline.run\n"
                      "from rnaclust_dash.params import AnalysisParams\n"
                      "from .batch_design import _factor\nfrom ..errors import DataError\n")
    assert imported_packages(source) == {"tl", "pl", "pipeline", "params", "pp", "errors"}
