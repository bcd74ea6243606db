"""Sub-clusters in every view (issue 12 item 1): the Clustering view's Split/Undo, the
analysis store carrying the splits, the views reading it, and params.json replayed."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from callback_helpers import PASILLA, assert_accepted, guarded_analysis, out, registered

from callbacks.common import current_splits, stored_analysis
from layouts import ids
from rnaclust_dash.cli import main
from rnaclust_dash.errors import ParameterError
from views import marker_results
from views.clustering import analysis, selection, splits


def _analyse(store, example_store, controls, records, selected=()):
    outputs = guarded_analysis(store, example_store, controls, list(selected), splits=records)
    assert_accepted(outputs, analysis)
    return outputs


def _legend(figure: dict) -> list[str]:
    return [t["name"] for t in figure["data"] if t.get("legendgroup") == "cluster"]


def test_a_split_shows_its_children_in_every_view_and_undo_removes_them(
        store, example_store, example_controls, example_analysis):
    before = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    assert before["splits"] == []
    history = splits.split_history(store, before, splits.SPLIT_BUTTON, "1", 2)
    assert history == [{"cluster": "1", "k": 2}]

    outputs = _analyse(store, example_store, example_controls, history)
    analysis_store = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    assert analysis_store["splits"] == history
    legend = _legend(out(outputs, analysis, ids.HEATMAP, "figure"))
    assert "cluster 1.1" in legend and "cluster 1.2" in legend and "cluster 1" not in legend
    bars = [t["name"] for t in out(outputs, analysis, ids.SILHOUETTE, "figure")["data"]
            if t["type"] == "bar"]
    assert bars[:2] == ["cluster 1.1", "cluster 1.2"]
    labels = set(stored_analysis(store, analysis_store).labels.tolist())
    assert {"1.1", "1.2"} <= labels and "1" not in labels
    # the metrics count the children
    assert f"k = {len(labels)}" in str(out(outputs, analysis, ids.METRICS, "children"))
    # downloads: assignments.csv names the children
    functions = registered(analysis, store).functions
    sent = pd.read_csv(io.StringIO(functions["download_assignments"](1, analysis_store)[
        "content"]), dtype={"cluster": str})
    assert {"1.1", "1.2"} <= set(sent["cluster"])
    # marker groups are the split clusters
    groups = marker_results.sample_groups(store, analysis_store, marker_results.CLUSTERS)
    assert {"cluster 1.1", "cluster 1.2"} <= set(groups.dropna())
    # a click on the cluster bar of a child selects that child's samples
    child = selection.selection_from_event(
        "heatmap.clickData", {"points": [{"customdata": "1.2"}]},
        stored_analysis(store, analysis_store))
    assert child and set(child) == set(sent.loc[sent["cluster"] == "1.2", "id"])
    # the split menu offers the children; the selection picks its cluster
    options, value, hint, text = splits.menu(store, analysis_store, child, None)
    assert [o["value"] for o in options][:2] == ["1.1", "1.2"] and value == "1.2"
    assert hint == "into k" and text == "Splits: 1 (k = 2)"

    undone = splits.split_history(store, analysis_store, splits.UNDO_BUTTON, None, None)
    assert undone == []
    back = out(_analyse(store, example_store, example_controls, undone), analysis,
               ids.HEATMAP, "figure")
    assert _legend(back) == _legend(out(example_analysis, analysis, ids.HEATMAP, "figure"))


def test_splits_that_cannot_be_made_say_why(store, example_analysis):
    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    with pytest.raises(ParameterError, match="no split to undo"):
        splits.split_history(store, analysis_store, splits.UNDO_BUTTON, None, None)
    with pytest.raises(ParameterError, match="Choose the cluster"):
        splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, None, 2)
    with pytest.raises(ParameterError, match="too few to split"):
        splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, "1", 9)


def test_a_split_of_a_cluster_that_no_longer_exists_is_dropped_with_a_notice(
        store, example_store, example_controls):
    outputs = _analyse(store, example_store, example_controls,
                       [{"cluster": "9", "k": 2}])
    assert out(outputs, analysis, ids.ANALYSIS_STORE, "data")["splits"] == []
    assert out(outputs, analysis, ids.NOTICES, "is_open") is True
    assert "split of cluster 9 was dropped" in str(out(outputs, analysis, ids.NOTICES,
                                                       "children"))


def test_the_splits_applied_follow_the_buttons_else_the_analysis_on_screen():
    kept = {"key": "d1", "splits": [{"cluster": "1", "k": 2}]}
    new = [{"cluster": "1", "k": 3}]
    assert current_splits({"key": "d1"}, new, kept, {ids.SPLITS_STORE}) == new
    # a k change keeps what the analysis on screen kept, not a stale history
    assert current_splits({"key": "d1"}, new, kept, {ids.K_BOX}) == kept["splits"]
    assert current_splits({"key": "d2"}, new, kept, {ids.DATASET_STORE}) == []


def test_downloaded_params_with_splits_replay_the_same_assignments(
        store, example_store, example_controls, example_analysis, tmp_path, capsys):
    before = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    history = splits.split_history(store, before, splits.SPLIT_BUTTON, "1", 2)
    analysis_store = out(_analyse(store, example_store, example_controls, history), analysis,
                         ids.ANALYSIS_STORE, "data")
    functions = registered(analysis, store).functions
    sent = functions["download_params"](1, analysis_store, "pca", 15, 0.1)
    assert json.loads(sent["content"])["subclusters"] == history
    params_file = tmp_path / "params.json"
    params_file.write_text(sent["content"])
    status = main(["run", str(PASILLA / "counts.csv.gz"), "--params", str(params_file),
                   "--metadata", str(PASILLA / "samples.csv"),
                   "--gene-lengths", str(PASILLA / "lengths.csv.gz"),
                   "--out", str(tmp_path / "results")])
    assert status == 0, capsys.readouterr().err
    ui = functions["download_assignments"](1, analysis_store)["content"]
    assert "1.1" in ui
    assert (tmp_path / "results" / "assignments.csv").read_text() == ui


def test_the_k_panel_on_the_selection_scores_only_the_selected_items(store, example_analysis):
    """Choose k on 5 of pasilla's 7 samples: each k's silhouette is that of scipy's
    average-linkage cut of those samples' distances (sklearn's silhouette)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.metrics import silhouette_score

    from rnaclust_dash.pipeline import item_distances
    from views import choose_k

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    whole = stored_analysis(store, analysis_store)
    chosen = [str(i) for i in whole.features.item_ids[:5]]
    figure, _tree, status, *_ = choose_k.k_panel(store, analysis_store, 2, 6, 0,
                                                 selection=chosen)
    assert "the selection only" in status and "5 samples" in status
    distances = squareform(item_distances(store, whole))[:5, :5]
    tree = linkage(squareform(distances, checks=False), method="average")
    expected = [silhouette_score(distances, fcluster(tree, k, criterion="maxclust"),
                                 metric="precomputed") for k in (2, 3, 4)]
    table = choose_k.choose_k(store, analysis_store["key"], whole.params, k_values=range(2, 7),
                              gap_refs=0, item_ids=chosen).table
    assert table["k"].tolist() == [2, 3, 4]
    np.testing.assert_allclose(table["silhouette"].to_numpy(), expected, atol=1e-10)
    with pytest.raises(ParameterError, match="select at least 3"):
        choose_k.choose_k(store, analysis_store["key"], whole.params, item_ids=chosen[:2])


def test_the_stability_tab_says_it_scores_the_clusters_before_the_splits(store, example_analysis):
    from views import stability

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    split = analysis_store | {"splits": [{"cluster": "1", "k": 2}]}
    assert "before the splits" in str(stability.stability_panel(store, split, 5, "bootstrap",
                                                                False))
    assert "before the splits" not in str(stability.stability_panel(store, analysis_store, 5,
                                                                    "bootstrap", False))
