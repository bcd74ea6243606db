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
