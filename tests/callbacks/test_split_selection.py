"""Sub-clustering a selection in place (issue 12 item 1): split labels stored once,
stability on the selection, a lasso over part of a cluster."""

from __future__ import annotations

import numpy as np
from callback_helpers import out

from callbacks.common import stored_analysis
from layouts import ids
from rnaclust_dash.pipeline import subcluster
from views.clustering import analysis


def test_split_labels_are_fitted_once_then_read_back(store, example_analysis, monkeypatch):
    """Every view reads the analysis on screen: the second read fits no split again and
    gives the same labels; other splits are other results."""
    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    one = analysis_store | {"splits": [{"cluster": "1", "k": 2}]}
    first = stored_analysis(store, one)
    fits = []
    real_fit = subcluster.fit_method
    monkeypatch.setattr(subcluster, "fit_method",
                        lambda *args, **kwargs: fits.append(1) or real_fit(*args, **kwargs))
    again = stored_analysis(store, one)
    assert fits == []
    np.testing.assert_array_equal(again.labels, first.labels)
    assert again.validation["silhouette"] == first.validation["silhouette"]
    other = stored_analysis(store, analysis_store | {"splits": [{"cluster": "2", "k": 2}]})
    assert fits and "2.1" in set(other.labels.tolist())


def test_stability_of_a_selection_is_that_of_its_sub_matrix_with_the_same_seed(
        store, example_analysis):
    """Pasilla's top 500 genes by k-means (k = 3); one cluster resampled alone into the
    split's k = 2 gives clusterboot's Jaccard of bootstrap_stability run directly on that
    cluster's rows, scoring the split's own sub-clusters, with the analysis' seed."""
    import pytest

    from rnaclust_dash.errors import ParameterError
    from rnaclust_dash.params import AnalysisParams
    from rnaclust_dash.pipeline import run_analysis
    from rnaclust_dash.pipeline.subcluster import split_analysis, split_step
    from rnaclust_dash.tl.methods import get_method, method_fn
    from rnaclust_dash.tl.stability import bootstrap_stability
    from views import stability

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    params = AnalysisParams.from_dict(analysis_store["params"]).replace(
        target="genes", method="kmeans", k=3, seed=7)
    genes_store = analysis_store | {"params": params.to_dict()}
    whole = run_analysis(store, genes_store["key"], params)
    in_cluster = whole.labels.astype(str) == "2"
    selected = [str(i) for i in whole.features.item_ids[in_cluster]]
    split = split_analysis(store, whole, [split_step("2", params, k=2)])
    children = split.labels[in_cluster]
    expected = bootstrap_stability(
        whole.features.items[in_cluster], k=2, n_resamples=8, random_state=7,
        cluster_fn=method_fn(get_method("kmeans"), get_method("kmeans").settings(params)),
        labels=np.array([int(c.split(".")[1]) for c in children]))

    figure, _consensus, status, *_ = stability.stability_panel(
        store, genes_store, 8, "bootstrap", False, selection=selected, split_k=2)
    jaccard = [t for t in figure["data"] if t["meta"] == "cluster-jaccard"][0]
    assert list(jaccard["x"]) == ["cluster 2.1", "cluster 2.2"]
    np.testing.assert_allclose(jaccard["y"], expected.cluster_jaccard.to_numpy(), atol=1e-12)
    assert f"The {len(selected):,} selected genes split into k = 2" in status
    assert "sub-cluster 2.1: " in status and "sub-cluster 2.2: " in status
    items = [t for t in figure["data"] if t["meta"] == "item-stability"][0]
    assert len(items["y"]) == len(selected)
    np.testing.assert_allclose(np.sort(items["y"]), np.sort(expected.item_stability),
                               atol=1e-12)
    with pytest.raises(ParameterError, match="too few for 3 sub-clusters"):
        stability.stability_panel(store, genes_store, 8, "bootstrap", False,
                                  selection=selected[:3], split_k=3)


def _part_of_biggest_cluster(store, analysis_store):
    whole = stored_analysis(store, analysis_store)
    labels = whole.labels.astype(str)
    names, counts = np.unique(labels, return_counts=True)
    cluster = str(names[np.argmax(counts)])
    members = [str(i) for i in whole.features.item_ids[labels == cluster]]
    return cluster, members


def test_a_lasso_over_part_of_a_cluster_splits_it_off_says_so_and_replays_in_the_cli(
        store, example_store, example_controls, example_analysis, tmp_path, capsys):
    import io as text_io
    import json

    import pandas as pd
    from callback_helpers import PASILLA, assert_accepted, guarded_analysis, registered

    from rnaclust_dash.cli import main
    from views.clustering import splits

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    cluster, members = _part_of_biggest_cluster(store, analysis_store)
    lassoed, rest = members[:2], members[2:]
    part = splits.selection_part(stored_analysis(store, analysis_store), lassoed, cluster)
    assert part == lassoed
    assert splits.selection_part(stored_analysis(store, analysis_store), members, cluster) is None
    said = splits.action_text(part, cluster, splits.SPLIT_OFF, 2, True, "samples")
    assert f"the 2 selected samples cluster {cluster}.1" in said
    assert f"the rest of cluster {cluster} cluster {cluster}.2" in said

    history = splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, cluster, 2,
                                   lassoed, splits.SPLIT_OFF)
    assert history == [{"cluster": cluster, "members": lassoed}]
    outputs = guarded_analysis(store, example_store, example_controls, lassoed, splits=history)
    assert_accepted(outputs, analysis)
    split_store = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    functions = registered(analysis, store).functions
    sent = pd.read_csv(text_io.StringIO(functions["download_assignments"](1, split_store)[
        "content"]), dtype={"cluster": str}).set_index("id")["cluster"]
    assert set(sent[lassoed]) == {f"{cluster}.1"} and set(sent[rest]) == {f"{cluster}.2"}
    assert splits.history_text(history) == f"Splits: {cluster} (2 selected split off)"

    params_file = tmp_path / "params.json"
    params_file.write_text(functions["download_params"](1, split_store, "pca", 15, 0.1)[
        "content"])
    assert json.loads(params_file.read_text())["subclusters"] == history
    status = main(["run", str(PASILLA / "counts.csv.gz"), "--params", str(params_file),
                   "--metadata", str(PASILLA / "samples.csv"),
                   "--gene-lengths", str(PASILLA / "lengths.csv.gz"),
                   "--out", str(tmp_path / "results")])
    assert status == 0, capsys.readouterr().err
    assert ((tmp_path / "results" / "assignments.csv").read_text()
            == functions["download_assignments"](1, split_store)["content"])
    # the same split from the command line's options
    status = main(["run", str(PASILLA / "counts.csv.gz"), "--params", str(params_file),
                   "--metadata", str(PASILLA / "samples.csv"),
                   "--gene-lengths", str(PASILLA / "lengths.csv.gz"),
                   "--subcluster", cluster, "--subcluster-members", ",".join(lassoed),
                   "--out", str(tmp_path / "options")])
    assert status == 0, capsys.readouterr().err
    assert ((tmp_path / "options" / "assignments.csv").read_text()
            == (tmp_path / "results" / "assignments.csv").read_text())


def test_a_selection_too_small_to_re_cluster_says_so(store, example_analysis):
    import pytest

    from rnaclust_dash.errors import ParameterError
    from views.clustering import splits

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    cluster, members = _part_of_biggest_cluster(store, analysis_store)
    with pytest.raises(ParameterError, match="The selection holds 2 items of cluster .* too "
                                             "few to split .* split the selection off"):
        splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, cluster, 2,
                             members[:2], splits.RECLUSTER)
    # "re-cluster the whole cluster" ignores the lasso: the old behaviour
    history = splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, cluster, 2,
                                   members[:2], splits.WHOLE)
    assert history == [{"cluster": cluster, "k": 2}]


def test_the_stability_tab_on_the_selection_asks_for_one_then_resamples_it(
        store, example_analysis):
    from callback_helpers import registered

    from views import stability

    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    compute = registered(stability, store).functions["compute_stability"]
    view = stability.STABILITY_VIEW
    outputs = compute(lambda *_: None, 1, analysis_store, 5, "subsample", [], True, [], 2)
    assert "Select items first" in str(outputs[view.position(view.alert, "children")])
    _cluster, members = _part_of_biggest_cluster(store, analysis_store)
    outputs = compute(lambda *_: None, 1, analysis_store, 5, "subsample", [], True, members,
                      2.0)
    status = outputs[view.position(ids.STABILITY_STATUS, "children")]
    assert status.startswith(f"The {len(members)} selected samples split into k = 2: 5 "
                             "resamples"), status
    # a selection inside cluster C is named as its split would name it; across clusters not
    whole = stored_analysis(store, analysis_store)
    other = [str(i) for i in whole.features.item_ids if str(i) not in members][:1]
    assert stability._split_prefix(store, analysis_store, members[:2]) == f"{_cluster}."
    assert stability._split_prefix(store, analysis_store, members[:2] + other) == ""
    # unticked: the whole analysis, as before
    outputs = compute(lambda *_: None, 1, analysis_store, 5, "subsample", [], False, members, 2)
    assert outputs[view.position(ids.STABILITY_STATUS, "children")].startswith("5 resamples")
