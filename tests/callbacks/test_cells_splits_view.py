"""The Cells tab's "Split a cluster" row (issue 12 item 1 on single cells): the split
steps go into the request and the map key, the job's pipeline applies them, and the map,
the marker table and the dot plot show 3.1/3.2; Undo brings the stored map back at once."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from dash import no_update
from callback_helpers import run_cells_analysis
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import ResultStore
from views import cells, cells_callbacks, cells_splits
from views import cells_results as results
from views.cells_map import CellMap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import nested_cells  # noqa: E402

CONTROLS = {name: None for name in results.CELL_PARAMS} | {
    "min_genes": 50, "hvg": 300, "pcs": 10, "resolution": 0.05}


def ask(store, dataset_store, splits):
    return cells_callbacks.ASK_VIEW.guard(cells_callbacks.request_analysis)(
        store, dataset_store, CONTROLS, splits=splits)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    store = ResultStore(tmp_path_factory.mktemp("cells") / "store")
    adata = nested_cells()
    key = put_dataset(store, Dataset.from_anndata(adata, value_kind="counts"))
    dataset_store = {"key": key, "mode": "single-cell"}
    reference = run_cells_analysis(store, dataset_store, CONTROLS)
    labels = CellMap(store, reference["map"]).part("cells")["labels"]
    truth = adata.obs["cell_type"].to_numpy()[:len(labels)]  # QC keeps the first cells
    parent = str(np.bincount(labels[np.char.startswith(truth.astype(str), "type3")]).argmax())
    yield store, dataset_store, reference, parent, truth
    store.close()


def _split(loaded):
    store, dataset_store, reference, parent, _ = loaded
    labels = CellMap(store, reference["map"]).part("cells")["labels"]
    splits = cells_splits.next_splits([], "split", parent, 0.5, labels)
    request, shown = ask(store, dataset_store, splits)[:2]
    if request is no_update:  # split in an earlier test: its map is stored
        return splits, shown
    assert request["splits"] == splits and request["map"] != reference["map"]
    split_reference = cells_callbacks.job_outputs(store, lambda value: None, request)[0]
    return splits, split_reference


def test_a_split_shows_its_children_in_the_map_markers_and_dot_plot(loaded):
    store, _, _, parent, truth = loaded
    _, reference = _split(loaded)
    labels = CellMap(store, reference["map"]).part("cells")["labels"].astype(str)
    children = np.char.startswith(labels, f"{parent}.")
    assert sorted(set(labels[children])) == [f"{parent}.1", f"{parent}.2"]
    assert adjusted_rand_score(labels[children], truth[children]) > 0.95
    outputs = cells.VIEW.guard(cells_callbacks.map_panel)(store, reference, {})
    groups = {row["group"] for row in outputs[cells.VIEW.position(cells.MARKERS, "data")]}
    assert {f"{parent}.1", f"{parent}.2"} <= {str(g) for g in groups}
    dot = outputs[cells.VIEW.position(cells.DOT_PLOT, "figure")].to_dict()
    assert {f"{parent}.1", f"{parent}.2"} <= {str(t) for t in dot["layout"]["yaxis"]["ticktext"]}
    shown = outputs[cells.VIEW.position(cells.MAP, "figure")].to_dict()
    assert {f"{parent}.1", f"{parent}.2"} <= _values(shown, ("text", "customdata", "name"))


def _values(figure: dict, keys) -> set[str]:
    """Every value under ``keys`` of the figure's traces, as text."""
    found = set()
    for trace in figure["data"]:
        for key in keys:
            value = trace.get(key)
            if value is not None:
                found |= {str(v) for v in np.ravel(np.asarray(value, dtype=object))}
    return found


def test_undo_brings_the_stored_map_back_without_a_job(loaded):
    store, dataset_store, reference, _, _ = loaded
    splits, _ = _split(loaded)
    undone = cells_splits.next_splits(splits, "undo", None, None, None)
    assert undone == []
    request, shown = ask(store, dataset_store, undone)[:2]
    assert request is no_update and shown == reference  # no job: the stored map at once


def test_a_split_of_a_cluster_not_on_the_map_is_refused(loaded):
    store, _, reference, _, _ = loaded
    labels = CellMap(store, reference["map"]).part("cells")["labels"]
    with pytest.raises(ParameterError, match="no cluster 42"):
        cells_splits.next_splits([], "split", "42", 0.5, labels)
    with pytest.raises(ParameterError, match="resolution"):
        cells_splits.next_splits([], "split", "1", None, labels)
    with pytest.raises(ParameterError, match="at most"):
        cells_splits.next_splits([], "split", "1", 1e9, labels)
