"""The analysis callback: controls -> figures, metrics and a light analysis-store."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from callback_helpers import (
    PASILLA_SAMPLES,
    browser_json,
    assert_accepted,
    assert_rejected,
    guarded_analysis,
    out,
    registered,
    slot,
    text_of,
    traces,
)
from dash import Patch, no_update

from views.clustering import analysis
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import run_analysis


def figure_items(heatmap, silhouette) -> tuple[list, list]:
    """Item ids shown: the silhouette bars, and the heatmap's cluster bar length."""
    bars = [i for t in traces(silhouette, "silhouette") for i in t["customdata"]]
    (cluster_bar,) = traces(heatmap, "cluster-bar")
    return bars, np.asarray(cluster_bar["customdata"]).ravel().tolist()


def test_example_outputs(store, example_store, example_controls, example_analysis):
    heatmap = out(example_analysis, analysis, ids.HEATMAP, "figure")
    silhouette = out(example_analysis, analysis, ids.SILHOUETTE, "figure")
    bars, cluster_bar = figure_items(heatmap, silhouette)
    assert sorted(bars) == sorted(PASILLA_SAMPLES)
    assert len(cluster_bar) == 7
    (cells,) = traces(heatmap, "heatmap")
    assert sorted(cells["x"]) == sorted(PASILLA_SAMPLES)
    assert np.asarray(cells["z"]).shape[1] == 7

    params = AnalysisParams.from_dict(
        out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")["params"])
    pipeline = run_analysis(store, example_store["key"], params)
    metrics = text_of(out(example_analysis, analysis, ids.METRICS, "children"))
    assert metrics.startswith("7 samples, k = 2 (Hierarchical (agglomerative)):")
    assert f"mean silhouette {pipeline.metrics()['silhouette']:.3f}" in metrics
    assert f"Calinski-Harabasz {pipeline.metrics()['calinski_harabasz']:.1f}" in metrics
    assert f"Davies-Bouldin {pipeline.metrics()['davies_bouldin']:.3f}" in metrics
    # The silhouette figure and the cluster bar agree with the pipeline's partition.
    labels = dict(zip(pipeline.features.item_ids, pipeline.labels.tolist()))
    order = np.asarray(pipeline.features.item_ids)[pipeline.item_order]
    assert cluster_bar == [labels[i] for i in order]
    # The gene filter notice is shown in the notices alert.
    assert out(example_analysis, analysis, ids.NOTICES, "is_open") is True
    assert "3,936 of 12,359 genes" in text_of(out(example_analysis, analysis, ids.NOTICES,
                                                  "children"))


def test_analysis_store_holds_keys_and_parameters_only(store, example_store, example_controls,
                                                      example_analysis):
    stored = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    assert set(stored) == {"key", "params", "n_items", "splits"}
    assert stored["splits"] == []  # no sub-clusters (issue 12)
    assert stored["key"] == example_store["key"]
    assert stored["n_items"] == 7
    assert stored["params"] == AnalysisParams(k=2).to_dict()
    assert all(isinstance(v, (str, int, float, bool)) for v in stored["params"].values())
    assert len(json.dumps(stored)) < 2000


def test_selection_only_redraws_the_two_figures(store, example_store, example_controls,
                                                example_analysis):
    outputs = guarded_analysis(store, example_store, example_controls,
                               ["treated1", "untreated4"], selection_only=True)
    heatmap = out(outputs, analysis, ids.HEATMAP, "figure")
    silhouette = out(outputs, analysis, ids.SILHOUETTE, "figure")
    assert heatmap is not no_update and silhouette is not no_update
    figures = {slot(analysis, ids.HEATMAP, "figure"), slot(analysis, ids.SILHOUETTE, "figure"),
               slot(analysis, ids.FIGURES_SHOWN, "data")}
    others = [str(analysis.OUTPUTS[i]) for i, o in enumerate(outputs)
              if i not in figures and o is not no_update]
    assert others == []
    (marks,) = traces(heatmap, "selection")
    assert sorted(marks["customdata"]) == ["treated1", "untreated4"]
    # Unchanged figures otherwise: same cells as without the selection.
    before = traces(out(example_analysis, analysis, ids.HEATMAP, "figure"), "heatmap")
    assert traces(heatmap, "heatmap") == before


def test_kmeans_runs_and_has_no_item_tree(store, example_store, example_controls):
    controls = dict(example_controls, method="kmeans", **{"n-clusters": 3}, seed=4)
    outputs = guarded_analysis(store, example_store, controls, [])
    assert_accepted(outputs, analysis)
    stored = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    assert stored["params"]["method"] == "kmeans" and stored["params"]["k"] == 3
    assert stored["params"]["seed"] == 4
    pipeline = run_analysis(store, example_store["key"],
                            AnalysisParams.from_dict(stored["params"]))
    assert sorted(set(pipeline.labels.tolist())) == [1, 2, 3]
    heatmap = out(outputs, analysis, ids.HEATMAP, "figure")
    axes = {node[0] for t in traces(heatmap, "dendrogram-nodes") for node in t["customdata"]}
    assert axes == {"genes"}  # no sample tree for k-means, the genes keep theirs
    assert "7 samples, k = 3 (K-means):" in text_of(out(outputs, analysis, ids.METRICS, "children"))
    bars = traces(out(outputs, analysis, ids.SILHOUETTE, "figure"), "silhouette")
    assert sorted(i for t in bars for i in t["customdata"]) == sorted(PASILLA_SAMPLES)


def test_genes_target(store, example_store, example_controls):
    controls = dict(example_controls, **{"cluster-target": "genes", "n-clusters": 4,
                                         "top-genes": 300})
    outputs = guarded_analysis(store, example_store, controls, [])
    assert_accepted(outputs, analysis)
    stored = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    assert stored["n_items"] == 300 and stored["params"]["target"] == "genes"
    assert text_of(out(outputs, analysis, ids.METRICS, "children")).startswith(
        "300 genes, k = 4 (")
    silhouette = out(outputs, analysis, ids.SILHOUETTE, "figure")
    genes = [i for t in traces(silhouette, "silhouette") for i in t["customdata"]]
    assert len(genes) == len(set(genes)) == 300 and all(g.startswith("FBgn") for g in genes)
    (cluster_bar,) = traces(out(outputs, analysis, ids.HEATMAP, "figure"), "cluster-bar")
    assert set(np.asarray(cluster_bar["customdata"]).ravel().tolist()) == {1, 2, 3, 4}
    assert len(json.dumps(stored)) < 2000


@pytest.mark.parametrize("control, empty", [("n-clusters", None), ("top-genes", None),
                                            ("min-count", ""), ("seed", None)])
def test_empty_number_box_changes_nothing(store, example_store, example_controls, control,
                                          empty):
    outputs = guarded_analysis(store, example_store, dict(example_controls, **{control: empty}),
                               [])
    assert len(outputs) == len(analysis.OUTPUTS)
    assert all(o is no_update for o in outputs)


def test_no_dataset_yet_changes_nothing(store, example_controls):
    assert all(o is no_update for o in guarded_analysis(store, None, example_controls, []))


def test_ward_with_pearson_asks_for_euclidean(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store, dict(example_controls, linkage="ward"), [])
    message = assert_rejected(outputs, analysis)
    assert "Ward linkage needs Euclidean distance" in message
    assert "Choose the Euclidean distance, or another linkage" in message


def test_ward_with_euclidean_runs(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, linkage="ward", distance="euclidean"), [])
    assert_accepted(outputs, analysis)
    assert out(outputs, analysis, ids.ANALYSIS_STORE, "data")["params"]["linkage"] == "ward"


def test_switch_values_are_read_from_checklists(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, **{"log-transform": []}), [])
    assert_accepted(outputs, analysis)
    assert out(outputs, analysis, ids.ANALYSIS_STORE,
               "data")["params"]["log_transform"] is False


def test_dataset_evicted_from_the_cache_says_upload_again(store, example_controls):
    outputs = guarded_analysis(store, {"key": "dataset-" + "0" * 40}, example_controls, [])
    message = assert_rejected(outputs, analysis)
    assert "no longer on the server" in message and "upload it again" in message


def test_download_assignments_matches_the_pipeline(store, example_store,
                                                   example_analysis_store):
    download = registered(analysis, store).functions["download_assignments"]
    sent = download(1, example_analysis_store)
    assert sent["filename"] == "assignments.csv"
    table = pd.read_csv(io.StringIO(sent["content"]))
    pipeline = run_analysis(store, example_store["key"],
                            AnalysisParams.from_dict(example_analysis_store["params"]))
    assert table["id"].tolist() == pipeline.features.item_ids.tolist()
    assert table["cluster"].tolist() == pipeline.labels.tolist()
    assert download(1, None) is no_update


@pytest.mark.parametrize("seed", [-1, 2**32], ids=["negative", "too-large"])
def test_seed_out_of_range_gets_a_message_with_kmeans(store, example_store, example_controls,
                                                      seed):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, method="kmeans", seed=seed), [])
    message = assert_rejected(outputs, analysis)  # fails: the message is a crash report
    assert "Seed" in message


def test_one_top_gene_gets_a_message(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, **{"top-genes": 1}), [])
    message = assert_rejected(outputs, analysis)
    assert "gene" in message


def test_two_top_genes_still_run(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, **{"top-genes": 2}), [])
    assert_accepted(outputs, analysis)


@pytest.mark.parametrize("changes, expected", [
    ({"n-init": 0, "method": "kmeans"}, "n_init must be at least 1"),
    ({"n-init": 10**7, "method": "kmeans"}, "n_init must be from 1 to 1,000"),  # no 10**7 fits
    ({"pseudocount": "Infinity"}, "pseudocount must be a finite number"),
    ({"n-clusters": 2.5}, "k must be a whole number"),
    ({"min-count": -1}, "cannot be negative"),
    ({"min-samples": 8}, "Lower the minimum count or the minimum number of samples"),
])
def test_other_bad_controls_get_messages(store, example_store, example_controls, changes,
                                         expected):
    outputs = guarded_analysis(store, example_store, dict(example_controls, **changes), [])
    assert expected in assert_rejected(outputs, analysis)


def test_more_than_ten_thousand_display_genes_lose_their_tree(store, example_store,
                                                              example_controls):
    controls = dict(example_controls, **{"top-genes": 0, "min-count": 0, "min-samples": 0})
    outputs = guarded_analysis(store, example_store, controls, [])
    assert_accepted(outputs, analysis)
    notices = text_of(out(outputs, analysis, ids.NOTICES, "children"))
    assert "The heatmap shows its 12,359 genes in order of variance, without a tree" in notices
    heatmap = out(outputs, analysis, ids.HEATMAP, "figure")
    axes = {node[0] for t in traces(heatmap, "dendrogram-nodes") for node in t["customdata"]}
    assert axes == {"samples"}


def test_more_than_ten_thousand_genes_to_cluster_is_refused(store, example_store,
                                                            example_controls):
    controls = dict(example_controls, **{"cluster-target": "genes", "top-genes": 0,
                                         "min-count": 0, "min-samples": 0})
    message = assert_rejected(guarded_analysis(store, example_store, controls, []), analysis)
    assert "12,359 genes are too many to cluster here" in message
    assert "Keep at most 10,000 with 'Most variable genes'" in message


def test_soft_method_lists_uncertain_items_and_fades_them(store, example, example_store):
    from callback_helpers import analysis_controls, guarded_analysis

    from rnaclust_dash import views
    from rnaclust_dash.params import AnalysisParams
    from rnaclust_dash.pipeline import run_analysis

    controls = analysis_controls(example, method="fuzzy-cmeans", n_clusters=3)
    result = guarded_analysis(store, example_store, controls, [])
    uncertain = out(result, analysis, ids.UNCERTAIN, "children")
    params = AnalysisParams.from_dict(out(result, analysis, ids.ANALYSIS_STORE, "data")["params"])
    expected = views.uncertain_items(run_analysis(store, example_store["key"], params))
    assert len(expected) >= 1  # pasilla's treated1 sits between clusters at k = 3
    assert f"{len(expected):,} items with uncertain assignment" in str(uncertain)
    for item in expected["id"]:
        assert item in str(uncertain)


def same(a: dict, b: dict) -> bool:
    """Equal figures (as JSON text: NaN gaps of the trees compare equal)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def apply_patch(figure: dict, patch) -> dict:
    """What dash-renderer does with a Patch (the operations the callbacks use)."""
    document = json.loads(json.dumps(figure))
    for op in patch.to_plotly_json()["operations"]:
        *path, last = op["location"]
        node = document
        for key in path:
            node = node[key]
        value = browser_json({"v": op["params"].get("value")})["v"]
        if op["operation"] == "Delete":
            del node[last]
        elif op["operation"] == "Extend":
            node[last].extend(value)
        elif op["operation"] == "Assign":
            node[last] = value
        else:
            raise AssertionError(f"unexpected operation {op['operation']}")
    return document


def test_k_change_patches_the_heatmap_without_resending_the_matrix(store, example_store,
                                                                  example_controls):
    first = guarded_analysis(store, example_store, example_controls, ["treated1"])
    shown = out(first, analysis, ids.FIGURES_SHOWN, "data")
    controls = dict(example_controls, **{"n-clusters": 3})
    patched = guarded_analysis(store, example_store, controls, ["treated1"], shown=shown)
    full = guarded_analysis(store, example_store, controls, ["treated1"])
    patch = out(patched, analysis, ids.HEATMAP, "figure")
    assert isinstance(patch, Patch)
    # The patch carries no matrix and is a small part of the figure ...
    text = json.dumps(patch.to_plotly_json(), default=str)
    assert not any(t["meta"] == "heatmap" for op in patch.to_plotly_json()["operations"]
                   if op["operation"] == "Extend" for t in op["params"]["value"])
    whole = browser_json(out(full, analysis, ids.HEATMAP, "figure"))
    assert len(text) < len(json.dumps(whole)) / 3
    # ... and applied to the figure on screen it gives the figure for k = 3.
    before = browser_json(out(first, analysis, ids.HEATMAP, "figure"))
    assert same(apply_patch(before, patch), whole)
    assert out(patched, analysis, ids.FIGURES_SHOWN, "data") == \
        out(full, analysis, ids.FIGURES_SHOWN, "data")
    # A new selection only: the silhouette's opacities are patched, to the same figure.
    reselected = guarded_analysis(store, example_store, controls, ["untreated2"],
                                  selection_only=True,
                                  shown=out(full, analysis, ids.FIGURES_SHOWN, "data"))
    silhouette_patch = out(reselected, analysis, ids.SILHOUETTE, "figure")
    assert isinstance(silhouette_patch, Patch)
    expected = guarded_analysis(store, example_store, controls, ["untreated2"])
    assert same(apply_patch(browser_json(out(full, analysis, ids.SILHOUETTE, "figure")),
                            silhouette_patch),
                browser_json(out(expected, analysis, ids.SILHOUETTE, "figure")))
    # Another normalization changes the matrix: the whole figure goes out.
    other = dict(controls, normalization="tmm")
    renormalized = guarded_analysis(store, example_store, other, ["treated1"], shown=shown)
    assert isinstance(out(renormalized, analysis, ids.HEATMAP, "figure"), dict)
