"""The method registry (rnaclust_dash.tl.methods) and the places that read it: the
analysis, choose-k and stability fit each method the same way and number its clusters
the same way (issue 8 item 2, issue 7 item 8)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.assess import assess_stability, choose_k, method_cluster_fn
from rnaclust_dash.cli import build_parser
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.kselect import kmeans_fn
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import put_dataset, run_analysis
from rnaclust_dash.stability import bootstrap_stability
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.methods import (REGISTRY, RESOLUTION_METHODS, get_method,
                                      partition_from_labels)

K_METHODS = [name for name, method in REGISTRY.items() if method.uses == "k"]
PARAM_FIELDS = {f.name for f in dataclasses.fields(AnalysisParams)}


def blobs(n_per: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0, 0, 0], [6, 0, 0, 0], [0, 6, 0, 0]])
    return np.vstack([c + rng.normal(size=(n_per, 4)) for c in centres])


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A 300-gene x 24-sample count table in three noisy groups, in a store. The groups
    overlap enough that k-means' seed decides which cluster is found first."""
    rng = np.random.default_rng(11)
    groups = np.repeat([0, 1, 2], 8)
    base = rng.gamma(4.0, 50.0, size=300)
    fold = np.ones((300, 3))
    for group in range(3):
        fold[100 * group:100 * group + 20, group] = 2.0
    counts = rng.negative_binomial(5, 5 / (5 + base[:, None] * fold[:, groups]))
    frame = pd.DataFrame(counts, index=[f"g{i}" for i in range(300)],
                         columns=[f"s{i}" for i in range(24)]).astype(float)
    store = ResultStore(tmp_path_factory.mktemp("store"))
    key = put_dataset(store, Dataset(counts=frame, name="three"))
    yield store, key
    store.cache.close()


def test_every_entry_is_complete():
    for name, method in REGISTRY.items():
        assert method.name == name
        assert method.label and method.description
        assert set(method.params) <= PARAM_FIELDS, name
        assert (method.tree is not None) <= (method.needs == "distances")
    assert RESOLUTION_METHODS == ("leiden", "louvain")
    with pytest.raises(ParameterError, match="not a valid method"):
        get_method("spectral")


@pytest.mark.parametrize("name", K_METHODS)
def test_fit_numbers_clusters_by_first_appearance(name):
    method = REGISTRY[name]
    items = blobs()[::-1]  # the first item is in the last blob
    fn = method_cluster_fn(AnalysisParams(method=name, k=3, pcs=2, distance="euclidean"),
                           on_distances=False)[0]
    partition = fn.partition(items, 3, random_state=4)
    labels = partition.labels
    first = [labels[np.argmax(labels == c)] for c in (1, 2, 3)]
    assert labels[0] == 1 and first == [1, 2, 3]
    assert np.all(np.diff([np.argmax(labels == c) for c in (1, 2, 3)]) > 0)
    assert partition.n_clusters == 3
    if method.soft:
        np.testing.assert_allclose(partition.memberships.sum(axis=1), 1.0, atol=1e-8)
        # the hard label is the largest membership, in the renumbered columns
        assert np.array_equal(partition.memberships.argmax(axis=1) + 1, labels)
    assert (partition.tree is not None) == (method.tree is not None)


def test_partition_from_labels_reorders_memberships_with_the_labels():
    memberships = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    partition = partition_from_labels(np.array([5, 2, 5]), memberships=memberships)
    assert partition.labels.tolist() == [1, 2, 1]
    np.testing.assert_array_equal(partition.memberships, memberships[:, [1, 0]])
    np.testing.assert_array_equal(partition.confidence, [0.9, 0.8, 0.7])


@pytest.mark.parametrize("name", K_METHODS)
def test_stability_and_choose_k_score_the_partition_on_screen(stored, name):
    """The stability reference and the k panel's partition at the analysis' k are the
    analysis' labels, numbered as on screen (before the registry, k-means and fuzzy
    c-means differed at all three seeds)."""
    store, key = stored
    extra = {"pcs": 3} if name == "gmm" else {}
    for seed in (0, 1, 2):
        params = AnalysisParams(method=name, k=3, seed=seed, top_genes=100, **extra)
        analysis = run_analysis(store, key, params)
        _, result, _ = assess_stability(store, key, params, n_resamples=2)
        assert np.array_equal(result.labels, analysis.labels), (name, seed)
        assert list(result.cluster_jaccard.index) == [1, 2, 3]
        # choose-k's fit of the analysis' input at its k and seed is the same partition
        fn, cluster_input = method_cluster_fn(params)
        data = (analysis.features.items if cluster_input == "items"
                else _square(store.get(analysis.keys["distance"])))
        assert np.array_equal(fn(data, 3, params.seed), analysis.labels), (name, seed)


def test_choose_k_tree_at_the_analysis_k_uses_its_clusters(stored):
    store, key = stored
    params = AnalysisParams(method="kmeans", k=3, seed=5, top_genes=100)
    analysis = run_analysis(store, key, params)
    choice = choose_k(store, key, params, k_values=[2, 3], gap_refs=0)
    sizes = choice.tree.groupby("to_cluster")["n_items"].sum()
    expected = pd.Series(analysis.labels).value_counts().sort_index()
    assert sizes.to_dict() == expected.to_dict()


def test_bootstrap_with_fewer_distinct_items_than_k_says_so():
    items = blobs(n_per=2)  # 6 items: a bootstrap draws ~4 distinct ones
    with pytest.raises(ParameterError, match="distinct items of 6, fewer than the k = 5"):
        bootstrap_stability(items, k=5, cluster_fn=kmeans_fn(n_init=1), n_resamples=50)


def test_bootstrap_scores_the_partition_it_is_given():
    items = blobs()
    given = kmeans_fn(n_init=2)(items, 3, 123)
    result = bootstrap_stability(items, k=3, cluster_fn=kmeans_fn(n_init=2), n_resamples=5,
                                 labels=given)
    assert np.array_equal(result.labels, given)
    with pytest.raises(ParameterError, match="labels 3 items"):
        bootstrap_stability(items, k=3, cluster_fn=kmeans_fn(), labels=given[:3])


def test_controls_and_cli_offer_the_registry():
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    method_option = next(a for a in run._actions if "--method" in a.option_strings)
    assert list(method_option.choices) == list(REGISTRY)
    layouts = pytest.importorskip("layouts.main")
    assert layouts.METHOD_LABELS == {name: m.label for name, m in REGISTRY.items()}


def _square(condensed):
    from scipy.spatial.distance import squareform
    return squareform(condensed)


def test_stability_panel_names_the_items_when_a_bootstrap_is_too_small(tmp_path):
    """8 samples, k = 4: some bootstrap draws hold 3 distinct samples (a ValueError from
    scikit-learn, 'Something went wrong' in the app, before)."""
    rng = np.random.default_rng(1)
    counts = pd.DataFrame(rng.negative_binomial(5, 0.05, size=(200, 8)),
                          index=[f"g{i}" for i in range(200)],
                          columns=[f"s{i}" for i in range(8)]).astype(float)
    store = ResultStore(tmp_path)
    try:
        key = put_dataset(store, Dataset(counts=counts, name="eight"))
        params = AnalysisParams(method="kmeans", k=4, seed=0)
        with pytest.raises(ParameterError, match="distinct samples of 8, fewer than the k = 4"):
            assess_stability(store, key, params, n_resamples=100)
    finally:
        store.cache.close()
