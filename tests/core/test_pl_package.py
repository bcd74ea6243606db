"""The shape of the figure package rnaclust_dash.pl (issue 8 item 1).

Figure builders live in ``rnaclust_dash.pl`` (one module per figure family), the QC
statistics in ``rnaclust_dash.pp.qc``; the old flat modules are gone (no facades), each
module stays small and none imports Dash.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from package_shape import assert_module_small

from rnaclust_dash import pl

PL_DIR = Path(pl.__file__).parent
MODULES = sorted(info.name for info in pkgutil.iter_modules([str(PL_DIR)]))


@pytest.mark.parametrize("module_name", MODULES + ["__init__"])
def test_pl_modules_and_functions_stay_small(module_name):
    assert_module_small(PL_DIR / f"{module_name}.py")


@pytest.mark.parametrize("module_name", MODULES)
def test_pl_modules_import_without_dash(module_name):
    source = (PL_DIR / f"{module_name}.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    assert "dash" not in imported
    importlib.import_module(f"rnaclust_dash.pl.{module_name}")


def test_the_flat_figure_modules_are_gone():
    for old in ("figures", "assess_figures", "qc", "palettes"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"rnaclust_dash.{old}")


def test_palettes_entry_point_prints_the_palette_lists():
    printed = subprocess.run([sys.executable, "-m", "rnaclust_dash.pl.palettes"],
                             capture_output=True, text=True, check=True).stdout
    from rnaclust_dash.pl.palettes import ANNOTATION_COLORS, CLUSTER_COLORS
    assert "CLUSTER_COLORS = (" in printed and "ANNOTATION_COLORS = (" in printed
    for color in CLUSTER_COLORS + ANNOTATION_COLORS:
        assert f'"{color}"' in printed
