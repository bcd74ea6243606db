"""The Cells tab's cluster tree across resolutions: drawn from the analysis shown (its
graph, its seed), kept in the store, and a click on a node sets the resolution box."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from dash.exceptions import PreventUpdate

from callback_helpers import run_cells_analysis

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.graph import cluster_graph
from views import cells_tree
from views import cells_results as results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import planted_cells, planted_dataset  # noqa: E402

CONTROLS = {name: None for name in results.CELL_PARAMS} | {"min_genes": 50,
                                                            "embedding": "pca"}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The store and the result store of a Run on the planted cells (3 types)."""
    store = ResultStore(tmp_path_factory.mktemp("cells_tree") / "store")
    key = put_dataset(store, planted_dataset())
    yield store, run_cells_analysis(store, {"key": key, "mode": "single-cell"}, CONTROLS)
    store.cache.close()


def nodes_of(figure):
    return next(trace for trace in figure.data if trace.meta == "tree-nodes")


def test_the_tree_clusters_the_graph_of_the_analysis_shown(analysed):
    store, result_store = analysed
    figure, status, *alert = cells_tree.tree_panel(store, result_store, [0.2, 2.0])
    assert alert[1] is False, alert  # no error
    nodes = nodes_of(figure)
    # the analysis' own resolution (1) is always a row
    assert sorted(set(nodes.customdata)) == [0.2, 1.0, 2.0]
    result = results.analyse_cells(store, {"key": result_store["key"]},
                                   AnalysisParams.from_dict(result_store["params"])).result
    for resolution in (0.2, 1.0, 2.0):
        direct = cluster_graph(result.graph.connectivities, resolution=resolution,
                               random_state=result.params.seed)
        # each node: its cluster and its cells, as Leiden of the graph called directly
        shown = {int(t): h for t, h, r in zip(nodes.text, nodes.hovertext, nodes.customdata)
                 if r == resolution}
        assert {c: int(h.split(": ")[1].split(" cells")[0].replace(",", ""))
                for c, h in shown.items()} == {
            c: int(n) for c, n in enumerate(np.bincount(direct)) if c}
    # at the analysis' resolution the tree has the analysis' clusters (3 planted types)
    assert sum(r == 1.0 for r in nodes.customdata) == result.labels.max() == 3
    assert "resolution 1: 3 clusters" in figure.layout.yaxis.ticktext
    assert "shown (orange) is at 1" in status


def test_the_tree_is_kept_and_read_back(analysed, monkeypatch):
    store, result_store = analysed
    cells_tree.tree_panel(store, result_store, [0.5])
    monkeypatch.setattr(cells_tree, "resolution_panel", lambda *a, **k: (
        pytest.fail("the panel was computed again")))
    figure = cells_tree.tree_panel(store, result_store, [0.5])[0]
    assert sorted(set(nodes_of(figure).customdata)) == [0.5, 1.0]


def test_no_analysis_yet_says_run_first():
    figure, status, *_ = cells_tree.tree_panel(None, None, [0.5])
    assert status == cells_tree.NO_ANALYSIS


def test_a_k_method_has_no_resolutions(analysed):
    store, result_store = analysed
    kmeans = dict(result_store, params=dict(result_store["params"], method="kmeans"))
    with pytest.raises(ParameterError, match="has a k instead"):
        cells_tree.tree_panel(store, kmeans, [0.5])
    # through the view's guard: a message in the Cells alert, not a crash
    outputs = cells_tree.TREE_VIEW.guard(cells_tree.tree_panel)(store, kmeans, [0.5])
    assert "has a k instead" in str(outputs[-3]) and outputs[-1] == "danger"


def test_clicking_a_node_sets_the_resolution():
    click = {"points": [{"curveNumber": 4, "pointIndex": 2, "customdata": 0.4}]}
    assert cells_tree.picked_resolution(click) == 0.4
    for nothing in (None, {"points": []}, {"points": [{"pointIndex": 0}]}):
        with pytest.raises(PreventUpdate):
            cells_tree.picked_resolution(nothing)


def test_the_job_reports_each_resolution(analysed):
    store, result_store = analysed
    reports = []
    cells_tree.tree_panel(store, result_store, [0.3, 0.7],
                          progress=lambda done, total: reports.append((done, total)))
    assert reports == [(1, 3), (2, 3), (3, 3)]  # 0.3, 0.7 and the analysis' 1
