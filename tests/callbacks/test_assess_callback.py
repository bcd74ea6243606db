"""The choose-k and stability panels' bodies, without a browser."""

from __future__ import annotations

from callback_helpers import analysis_controls, guarded_analysis, out
from dash import no_update

from views.clustering import analysis
from views.choose_k import clicked_choice, k_panel
from views.stability import stability_panel
from layouts import ids


def _analysis_store(store, example, example_store, **changes):
    result = guarded_analysis(store, example_store, analysis_controls(example, **changes), [])
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


def test_k_panel_for_hierarchical_clustering(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store)
    panel, tree, status, *_ = k_panel(store, analysis_store, 2, 5, 5)
    ks = [t for t in panel.data if t.meta == "k-index"][0].x
    assert list(ks) == [2, 3, 4, 5]
    assert status.startswith("k 2\u20135. Suggested: silhouette k = ")
    assert tree.data[1].meta == "tree-nodes"


def test_k_panel_scans_resolution_for_leiden(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store, method="leiden",
                                     neighbors=3, pcs=3)
    panel, _, status, *_ = k_panel(store, analysis_store, 2, 5, 5)
    xs = [t for t in panel.data if t.meta == "k-index"][0].x
    assert list(xs)[:3] == [0.1, 0.2, 0.4] and "resolution =" in status
    assert clicked_choice({"points": [{"customdata": 1.5}]}, "leiden") == (no_update, 1.5)
    assert clicked_choice({"points": [{"customdata": 3}]}, "kmeans") == (3, no_update)
    assert clicked_choice({"points": [{}]}, "kmeans") == (no_update, no_update)


def test_stability_panel_reports_jaccard_per_cluster(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store)
    figure, consensus, status, *_ = stability_panel(store, analysis_store, 10, "bootstrap", True)
    assert status.startswith("10 resamples; mean Jaccard cluster 1:")
    assert [t.meta for t in figure.data] == ["cluster-jaccard", "item-stability"]
    assert any(t.meta == "consensus-matrix" for t in consensus.data)
