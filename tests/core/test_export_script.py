"""export-script (issue 14 items 2 and 7): the exported script and notebook, run on a
bundled example, write the same assignments.csv as ``run``; every function they call is
public and documented."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnaclust_dash.cli import main

REPO = Path(__file__).resolve().parents[2]
PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
AIRWAY = REPO / "rnaclust_dash" / "data" / "airway"

# (example, run options): each branch of the script generator on a bundled table.
CASES = {
    "hierarchical-samples": (PASILLA, ["--k", "3"]),
    "kmeans-genes-limma-exclude": (AIRWAY, [
        "--target", "genes", "--method", "kmeans", "--k", "4", "--top-genes", "300",
        "--distance", "euclidean", "--batch-method", "limma", "--batch-column", "batch",
        "--protect", "dex", "--exclude", "SRR1039508", "--seed", "7",
        "--normalization", "logcpm-tmm", "--no-log"]),
    "pam-ward-fallback-combat": (AIRWAY, [
        "--method", "kmedoids", "--k", "2", "--linkage", "ward", "--batch-method", "combat",
        "--batch-column", "batch", "--normalization", "vst", "--no-log"]),
    "gmm-samples-harmony": (PASILLA, [
        "--method", "gmm", "--k", "2", "--batch-method", "harmony", "--batch-column", "batch",
        "--pcs", "3", "--seed", "3"]),
    "leiden-genes-umap": (AIRWAY, [
        "--target", "genes", "--method", "leiden", "--resolution", "0.8", "--neighbors", "10",
        "--top-genes", "400", "--embedding", "umap", "--seed", "5", "--no-zscore", "--pcs", "5"]),
    "diana-combat-seq": (PASILLA, [
        "--method", "diana", "--k", "2", "--batch-method", "combat-seq",
        "--batch-column", "batch", "--distance", "spearman"]),
}


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _run_and_export(tmp_path: Path, example: Path, options: list[str]) -> tuple[Path, Path]:
    """``run`` into tmp/run, then export-script from its params.json into tmp/export."""
    counts, sheet = example / "counts.csv.gz", example / "samples.csv"
    assert main(["run", str(counts), "--metadata", str(sheet), "--out",
                 str(tmp_path / "run"), *options]) == 0
    assert main(["export-script", "--params", str(tmp_path / "run" / "params.json"),
                 "--out", str(tmp_path / "export"), "--counts", str(counts),
                 "--metadata", str(sheet), "--results", str(tmp_path / "script")]) == 0
    return tmp_path / "run" / "assignments.csv", tmp_path / "export"


@pytest.mark.parametrize("case", list(CASES))
def test_exported_script_reproduces_assignments_exactly(tmp_path, case):
    expected, export = _run_and_export(tmp_path, *CASES[case])
    done = subprocess.run([sys.executable, str(export / "analysis.py")], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "script" / "assignments.csv").read_bytes() == expected.read_bytes()


def test_script_writes_parameters_inline_and_only_the_steps_used(tmp_path):
    _, export = _run_and_export(tmp_path, *CASES["kmeans-genes-limma-exclude"])
    text = (export / "analysis.py").read_text()
    for snippet in ("random_state=7", "k=4", "top_variable_genes(values, 300)",
                    "remove_batch_effect(", "excluded = ['SRR1039508']",
                    "method='logcpm-tmm'", "# --- 1. Read the count table ---"):
        assert snippet in text
    assert "combat_seq(" not in text and "harmony_embedding(" not in text


def test_exported_notebook_reproduces_assignments_exactly(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    expected, export = _run_and_export(tmp_path, *CASES["kmeans-genes-limma-exclude"])
    book = nbformat.read(export / "analysis.ipynb", as_version=4)
    assert [cell.cell_type for cell in book.cells[:3]] == ["markdown", "markdown", "code"]
    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])  # the kernel inherits it
    nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert (tmp_path / "script" / "assignments.csv").read_bytes() == expected.read_bytes()


def _called_api(script: str) -> set[tuple[str, str]]:
    """(module, name) of every rnaclust_dash name the script imports."""
    names = set()
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.ImportFrom) and node.module.startswith("rnaclust_dash"):
            names |= {(node.module, alias.name) for alias in node.names}
    return names


def test_every_function_the_script_calls_is_public_and_documented(tmp_path):
    api = set()
    for case in ("kmeans-genes-limma-exclude", "gmm-samples-harmony", "diana-combat-seq",
                 "pam-ward-fallback-combat"):
        _, export = _run_and_export(tmp_path / case, *CASES[case])
        api |= _called_api((export / "analysis.py").read_text())
    assert len(api) >= 12
    for module, name in sorted(api):
        assert not name.startswith("_"), f"{module}.{name} is private"
        value = getattr(importlib.import_module(module), name)
        if inspect.isfunction(value):  # numpydoc: parameters and what it returns
            doc = inspect.getdoc(value) or ""
            for section in ("Parameters\n----------", "Returns\n-------"):
                assert section in doc, f"{module}.{name}: no {section.split()[0]} section"
    # the methods the script calls through the registry are documented too
    from rnaclust_dash.tl.methods import get_method
    for method in ("kmeans", "gmm", "diana", "kmedoids", "hierarchical"):
        entry = get_method(method)
        assert inspect.getdoc(entry.fit) and not entry.fit.__name__.startswith("_")
