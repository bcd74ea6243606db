"""The Cells tab's reproduce-and-report downloads (issue 14 items 2-3 on single cells), on
the bundled CellBench example (909 cells): the downloaded params.json, run through the
command line, and the downloaded script give the assignments on the Cells map; with a
split, params.json replays it; the report holds the figures, methods and checksums."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from callback_helpers import REPO, assert_accepted, guarded_data, out, registered
from dash import no_update

from callbacks import data
from layouts import ids
from rnaclust_dash.store import ResultStore
from views import cells_callbacks, cells_downloads, cells_splits
from views import cells_results as results
from views.cells_map import CellMap

CELLBENCH = resources.files("rnaclust_dash") / "data" / "cellbench"
#: Controls away from the single-cell defaults, so that params.json must carry them.
CONTROLS = {name: None for name in results.CELL_PARAMS} | {
    "min_genes": 250, "min_cells": 5, "hvg": 1500, "pcs": 20, "neighbors": 12,
    "resolution": 0.5, "markers": "t-test"}
#: The row's alert after a download that worked: closed (children, is_open, color).
CLOSED = [None, False, no_update]


def _run(store, dataset_store: dict, splits=None) -> dict:
    request, shown = cells_callbacks.ASK_VIEW.guard(cells_callbacks.request_analysis)(
        store, dataset_store, CONTROLS, splits=splits)[:2]
    if request is no_update:  # stored already
        return shown
    outputs = cells_callbacks.job_outputs(store, lambda value: None, request)
    assert outputs[-1] != "danger", outputs[-3]
    return outputs[0]


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """The CellBench example chosen in the data card and run in the Cells tab."""
    store = ResultStore(tmp_path_factory.mktemp("cells-downloads") / "store")
    outputs = guarded_data(store, ids.EXAMPLE, "cellbench", None, None, None, None, None,
                           None, None)
    assert_accepted(outputs, data)
    dataset_store = out(outputs, data, ids.DATASET_STORE, "data")
    yield store, dataset_store, _run(store, dataset_store)
    store.close()


def _downloads(store) -> dict:
    return registered(cells_downloads, store).functions


def _map_assignments(store, reference: dict) -> pd.Series:
    """The Cells tab's clusters: cell id -> label on the map (as text)."""
    cell_map = CellMap(store, reference["map"])
    return pd.Series(cell_map.part("cells")["labels"].astype(str),
                     index=cell_map.part("obs").index.astype(str))


def _assignments(path: Path) -> pd.Series:
    table = pd.read_csv(path, dtype=str)
    return pd.Series(table["cluster"].to_numpy(), index=table["id"].to_numpy())


def _command(args: list[str], cwd: Path) -> None:
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr[-2000:]


def _cli_assignments(params_text: str, folder: Path) -> pd.Series:
    """assignments.csv of ``run --params`` on the CellBench files."""
    folder.mkdir()
    (folder / "params.json").write_text(params_text)
    _command(["-m", "rnaclust_dash", "run", str(CELLBENCH / "counts.h5"), "--metadata",
              str(CELLBENCH / "cells.csv"), "--params", "params.json", "--out", "cli"], folder)
    return _assignments(folder / "cli" / "assignments.csv")


def _unzipped(sent: dict, folder: Path) -> Path:
    assert sent["filename"] == "rnaclust-dash-analysis.zip"
    bundle = zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"])))
    assert sorted(bundle.namelist()) == ["analysis.ipynb", "analysis.py", "params.json"]
    bundle.extractall(folder)
    return folder


def test_params_json_run_by_the_cli_gives_the_cells_map(cells, tmp_path):
    store, _, reference = cells
    sent = _downloads(store)["download_params"](1, reference)[0]
    assert sent["filename"] == "params.json"
    parameters = json.loads(sent["content"])["parameters"]
    for name, value in CONTROLS.items():  # the controls of the run, as set
        if value is not None:
            assert parameters[name] == value, name
    assert parameters["mode"] == "single-cell" and parameters["seed"] == 0
    shown = _map_assignments(store, reference)
    assert shown.nunique() >= 4
    pd.testing.assert_series_equal(_cli_assignments(sent["content"], tmp_path / "run"),
                                   shown, check_names=False)


def test_downloaded_script_and_notebook_reproduce_the_cells_map(cells, tmp_path,
                                                                monkeypatch):
    store, _, reference = cells
    sent, *alert = _downloads(store)["download_script"](1, reference)
    assert alert == CLOSED
    folder = _unzipped(sent, tmp_path)
    script = (folder / "analysis.py").read_text()
    # the script reads the example's own file names: put the files there
    assert re.search(r"^COUNTS = Path\('counts.h5'\)", script, flags=re.M)
    assert re.search(r"^CELL_SHEET = Path\('cells.csv'\)", script, flags=re.M)
    for name in ("counts.h5", "cells.csv"):
        (folder / name).write_bytes((CELLBENCH / name).read_bytes())
    _command(["analysis.py"], folder)
    shown = _map_assignments(store, reference)
    written = folder / "results" / "assignments.csv"
    pd.testing.assert_series_equal(_assignments(written), shown, check_names=False)
    # the notebook of the same zip writes them too
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    written.unlink()
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    nbclient.NotebookClient(nbformat.read(folder / "analysis.ipynb", as_version=4),
                            timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    pd.testing.assert_series_equal(_assignments(written), shown, check_names=False)


def _split_reference(cells) -> dict:
    store, dataset_store, reference = cells
    labels = CellMap(store, reference["map"]).part("cells")["labels"]
    splits = cells_splits.next_splits([], "split", "1", 0.5, labels)
    return _run(store, dataset_store, splits)


def test_params_json_of_a_split_replays_it_through_the_cli(cells, tmp_path):
    store = cells[0]
    reference = _split_reference(cells)
    shown = _map_assignments(store, reference)
    assert {"1.1", "1.2"} <= set(shown)
    sent = _downloads(store)["download_params"](1, reference)[0]
    assert json.loads(sent["content"])["subclusters"] == [{"cluster": "1",
                                                           "resolution": 0.5}]
    pd.testing.assert_series_equal(_cli_assignments(sent["content"], tmp_path / "run"),
                                   shown, check_names=False)


def test_script_and_report_of_a_split(cells, tmp_path):
    """After Split a cluster the downloaded script replays the split (the map's labels
    1.1, 1.2...) and the report shows it."""
    store = cells[0]
    reference = _split_reference(cells)
    functions = _downloads(store)
    sent, *alert = functions["download_script"](1, reference)
    assert alert == CLOSED
    folder = _unzipped(sent, tmp_path)
    for name in ("counts.h5", "cells.csv"):
        (folder / name).write_bytes((CELLBENCH / name).read_bytes())
    _command(["analysis.py"], folder)
    pd.testing.assert_series_equal(_assignments(folder / "results" / "assignments.csv"),
                                   _map_assignments(store, reference), check_names=False)
    report = functions["download_report"](1, reference)[0]["content"]
    assert "&quot;subclusters&quot;" in report and ">1.1<" in report and ">1.2<" in report
    assert "Clusters were then split in place, in this order: 1;" in report


def test_report_of_the_cells_map(cells):
    store, _, reference = cells
    sent, *alert = _downloads(store)["download_report"](1, reference)
    assert alert == CLOSED and sent["filename"] == "report.html"
    text = sent["content"]
    assert re.findall(r'Plotly\.newPlot\(\s*"(figure-\d)"', text) == [
        "figure-1", "figure-2", "figure-3", "figure-4"]
    assert "<script src" not in text and "UMAP of the cells by cluster" in text
    sizes = _map_assignments(store, reference).value_counts()
    assert f"into {len(sizes)} clusters" in text  # the methods count the map's clusters
    assert "Wilcoxon" not in text and "t-test" in text  # the markers test that ran
    # the checksums of the example's files, as loaded in the data card
    for name in ("counts.h5", "cells.csv"):
        digest = hashlib.sha256((CELLBENCH / name).read_bytes()).hexdigest()
        assert re.search(rf"<td>cellbench/{name}</td>\s*<td>\d+</td>\s*<td>{digest}</td>",
                         text), name


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                    reason="needs Chromium and pdftotext (poppler-utils)")
def test_report_pdf_of_the_cells_map(cells, tmp_path):
    store, _, reference = cells
    sent, *alert = _downloads(store)["download_report_pdf"](1, reference)
    assert alert == CLOSED and sent["filename"] == "report.pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(base64.b64decode(sent["content"]))
    printed = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert "rnaclust-dash report: cellbench (single cells)" in printed
    assert "Figure 4. Top marker genes of each cluster" in printed


def test_nothing_to_download_before_a_run(cells):
    functions = _downloads(cells[0])
    for name in ("download_params", "download_script", "download_report",
                 "download_report_pdf"):
        assert functions[name](1, None) == (no_update,) * 4
