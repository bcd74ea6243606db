"""Linked selection: events built from the real figures' traces (found by ``meta``) give
the items the callback selects, so the figures and the callback are proven to agree."""

from __future__ import annotations

import numpy as np
import pytest
from callback_helpers import (
    PASILLA_SAMPLES,
    analysis_controls,
    browser_json,
    fake_ctx,
    guarded_analysis,
    out,
    registered,
    traces,
)
from dash import no_update
from scipy.cluster.hierarchy import to_tree

from views.clustering import analysis, selection
from layouts import ids
from rnaclust_dash import views
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, load_summary, run_analysis

select = selection.selection_from_event


def analysis_of(store, analysis_store):
    """The Analysis the selection callback reads for an analysis-store."""
    return run_analysis(store, analysis_store["key"],
                        AnalysisParams.from_dict(analysis_store["params"]))


def figures_of(store, analysis_store) -> dict:
    """The three views as the browser gets them."""
    result = analysis_of(store, analysis_store)
    metadata = load_summary(store, analysis_store["key"])["metadata"]
    coords = compute_embedding(store, analysis_store["key"], result.params)
    return {"heatmap": browser_json(views.heatmap(result, metadata=metadata)),
            "silhouette": browser_json(views.silhouette(result)),
            "embedding": browser_json(views.embedding(result, coords, metadata=metadata))}


def click(trace: dict, index, **extra) -> dict:
    """plotly clickData for one point of a trace (2-D traces: index = (row, column))."""
    data = trace["customdata"]
    value = data[index[0]][index[1]] if isinstance(index, tuple) else data[index]
    return {"points": [dict(extra, curveNumber=0, customdata=value)]}


def scipy_leaves(tree, node_id: int) -> list[int]:
    """Leaves under a node, by scipy's own tree walk."""
    return to_tree(np.asarray(tree), rd=True)[1][node_id].pre_order()


def genes_analysis_store(store, example, example_store) -> dict:
    outputs = guarded_analysis(store, example_store, analysis_controls(
        example, **{"cluster-target": "genes", "n-clusters": 3, "top-genes": 250}), [])
    return out(outputs, analysis, ids.ANALYSIS_STORE, "data")


@pytest.fixture
def pasilla(store, example_analysis_store):
    return analysis_of(store, example_analysis_store), figures_of(store, example_analysis_store)


def test_lasso_selects_the_points_inside(pasilla):
    result, figures = pasilla
    points = [{"curveNumber": c, "pointNumber": i, "x": x, "y": y, "customdata": item}
              for c, trace in enumerate(traces(figures["embedding"], "embedding"))
              for i, (x, y, item) in enumerate(zip(trace["x"], trace["y"],
                                                   trace["customdata"]))]
    assert sorted(p["customdata"] for p in points) == sorted(PASILLA_SAMPLES)
    inside = [p for p in points if p["x"] > 0]
    assert 0 < len(inside) < 7
    chosen = select("embedding.selectedData", {"points": inside, "lassoPoints": {}}, result)
    assert chosen == [p["customdata"] for p in inside]


def test_scatter_click_selects_that_item(pasilla):
    result, figures = pasilla
    for trace in traces(figures["embedding"], "embedding"):
        for k, item in enumerate(trace["customdata"]):
            assert select("embedding.clickData", click(trace, k), result) == [item]


def test_silhouette_click_selects_the_whole_cluster(pasilla):
    result, figures = pasilla
    bars = traces(figures["silhouette"], "silhouette")
    assert len(bars) == 2  # one trace per cluster
    for trace in bars:
        for k in range(len(trace["customdata"])):
            chosen = select("silhouette.clickData", click(trace, k), result)
            assert sorted(chosen) == sorted(trace["customdata"])
    labels = dict(zip(result.features.item_ids, result.labels.tolist()))
    chosen = select("silhouette.clickData", click(bars[0], 0), result)
    assert {labels[i] for i in chosen} == {labels[bars[0]["customdata"][0]]}


def test_heatmap_cluster_bar_click_selects_the_cluster(pasilla):
    result, figures = pasilla
    (bar,) = traces(figures["heatmap"], "cluster-bar")
    labels = dict(zip(result.features.item_ids, result.labels.tolist()))
    for j, label in enumerate(bar["customdata"][0]):
        chosen = select("heatmap.clickData", click(bar, (0, j)), result)
        assert chosen and all(labels[i] == label for i in chosen)
        assert sorted(chosen) == sorted(i for i, lab in labels.items() if lab == label)


def test_heatmap_cell_click_selects_the_cluster_of_its_item(pasilla):
    result, figures = pasilla
    (cells,) = traces(figures["heatmap"], "heatmap")
    labels = dict(zip(result.features.item_ids, result.labels.tolist()))
    for j, sample in enumerate(cells["x"]):
        # plotly's click on a cell: its names (x, y) and value; the cells carry no cluster.
        event = {"points": [{"curveNumber": 1, "pointNumber": [0, j], "x": sample,
                             "y": cells["y"][0], "z": cells["z"][0][j]}]}
        chosen = select("heatmap.clickData", event, result)
        assert sorted(chosen) == sorted(i for i, lab in labels.items()
                                        if lab == labels[sample])


def test_dendrogram_node_on_the_item_axis_selects_its_leaves(pasilla):
    result, figures = pasilla
    nodes = [t for t in traces(figures["heatmap"], "dendrogram-nodes")
             if t["customdata"][0][0] == "samples"]
    assert len(nodes) == 1
    customdata = nodes[0]["customdata"]
    assert len(customdata) == 6  # every merge of 7 samples
    for k, (axis, node_id) in enumerate(customdata):
        chosen = select("heatmap.clickData", click(nodes[0], k), result)
        expected = result.features.item_ids[scipy_leaves(result.item_tree, node_id)].tolist()
        assert sorted(chosen) == sorted(expected)
        assert len(chosen) == int(np.asarray(result.item_tree)[node_id - 7, 3])
    node_ids = [node_id for _, node_id in customdata]
    root = node_ids.index(max(node_ids))
    assert sorted(select("heatmap.clickData", click(nodes[0], root), result)) == \
        sorted(PASILLA_SAMPLES)


def test_dendrogram_node_on_the_other_axis_selects_nothing(pasilla):
    result, figures = pasilla
    (genes,) = [t for t in traces(figures["heatmap"], "dendrogram-nodes")
                if t["customdata"][0][0] == "genes"]
    for k in (0, len(genes["customdata"]) - 1):
        assert select("heatmap.clickData", click(genes, k), result) is None


def test_gene_dendrogram_selects_genes_when_clustering_genes(store, example, example_store):
    analysis_store = genes_analysis_store(store, example, example_store)
    result = analysis_of(store, analysis_store)
    figures = figures_of(store, analysis_store)
    (genes,) = [t for t in traces(figures["heatmap"], "dendrogram-nodes")
                if t["customdata"][0][0] == "genes"]
    n = len(result.features.item_ids)
    assert n == 250
    for k in range(0, len(genes["customdata"]), 17):
        node_id = genes["customdata"][k][1]
        chosen = select("heatmap.clickData", click(genes, k), result)
        expected = result.features.item_ids[scipy_leaves(result.item_tree, node_id)]
        assert sorted(chosen) == sorted(expected.tolist())
    (samples,) = [t for t in traces(figures["heatmap"], "dendrogram-nodes")
                  if t["customdata"][0][0] == "samples"]
    assert select("heatmap.clickData", click(samples, 0), result) is None
    # The cluster bar along the rows selects genes of one cluster.
    (bar,) = traces(figures["heatmap"], "cluster-bar")
    label = bar["customdata"][0][0]
    chosen = select("heatmap.clickData", click(bar, (0, 0)), result)
    assert sorted(chosen) == sorted(result.features.item_ids[result.labels == label].tolist())


@pytest.mark.parametrize("source", ["embedding.clickData", "silhouette.clickData",
                                    "heatmap.clickData"])
def test_click_without_customdata_selects_nothing(pasilla, source):
    result, _ = pasilla
    assert select(source, {"points": [{"curveNumber": 0, "x": 1.0, "y": 2.0}]}, result) is None
    assert select(source, {"points": []}, result) is None
    assert select(source, None, result) is None


def test_heatmap_annotation_and_selection_marks_select_nothing(pasilla):
    result, figures = pasilla
    annotation = traces(figures["heatmap"], "annotation")[0]
    assert select("heatmap.clickData", click(annotation, (0, 0)), result) is None


def test_lasso_without_customdata_selects_nothing(pasilla):
    result, _ = pasilla
    event = {"points": [{"curveNumber": 0, "pointNumber": 0, "x": 0.0, "y": 0.0}]}
    assert select("embedding.selectedData", event, result) == []


def test_unknown_silhouette_id_selects_nothing(pasilla):
    result, _ = pasilla
    assert select("silhouette.clickData", {"points": [{"customdata": "nope"}]}, result) is None


def test_registered_callback_stores_the_selection_with_a_summary(store, example_analysis_store,
                                                                 pasilla, monkeypatch):
    _, figures = pasilla
    callback = registered(selection, store).functions["select"]
    (bar,) = traces(figures["heatmap"], "cluster-bar")
    event = click(bar, (0, 0))
    monkeypatch.setattr(selection, "ctx", fake_ctx("heatmap.clickData", event))
    chosen, text = callback(None, None, None, event, None, example_analysis_store)
    assert chosen and set(chosen) <= set(PASILLA_SAMPLES)
    assert text.startswith(f"{len(chosen)} samples selected: ")
    # Clear, and a click that is not a selection.
    monkeypatch.setattr(selection, "ctx", fake_ctx("clear-selection.n_clicks", 1))
    assert callback(None, None, None, None, 1, example_analysis_store) == ([], "")
    monkeypatch.setattr(selection, "ctx", fake_ctx("heatmap.clickData", {"points": [{}]}))
    assert callback(None, None, None, {"points": [{}]}, None, example_analysis_store) == (
        no_update, no_update)


def test_redrawn_scatter_reporting_no_points_keeps_the_selection(pasilla):
    """plotly reports an empty selection when a figure is re-drawn under a lasso outline:
    not a choice of the user's, so nothing changes; a double-click (deselect) clears."""
    result, _ = pasilla
    assert select("embedding.selectedData", {"points": []}, result) is None
    assert select("embedding.selectedData", None, result) == []
