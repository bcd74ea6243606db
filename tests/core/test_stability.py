"""Stability under resampling (clusterboot Jaccard, consensus clustering) and agreement."""

from __future__ import annotations

from math import comb, log

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.kselect import hierarchical_fn
from rnaclust_dash.tl.kselect import kmeans_fn
from rnaclust_dash.tl.agreement import agreement
from rnaclust_dash.tl.consensus import consensus_cdf, consensus_clustering
from rnaclust_dash.tl.stability import bootstrap_stability


def blobs(n_per: int = 25, n_features: int = 5, *, seed: int = 0) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """Three well-separated Gaussian blobs (unit spread; centres apart in every feature)."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((3, n_features))
    centres[1], centres[2, ::2] = 20.0, -20.0  # dropping features keeps them apart
    truth = np.repeat([1, 2, 3], n_per)
    return centres[truth - 1] + rng.normal(size=(3 * n_per, n_features)), truth


class Recorder:
    """A cluster_fn that splits on the first feature, remembering each call's items."""

    def __init__(self, threshold: float, resample_label_all_one: bool = False):
        self.threshold = threshold
        self.all_one = resample_label_all_one
        self.calls: list[np.ndarray] = []

    def __call__(self, data, k, random_state):
        self.calls.append(data[:, 1].astype(int))  # column 1 holds the item's index
        if self.all_one and len(self.calls) > 1:
            return np.ones(len(data), dtype=int)
        return np.where(data[:, 0] < self.threshold, 1, 2)


def indexed(values: np.ndarray) -> np.ndarray:
    """Items with a value (column 0) and their own index (column 1)."""
    return np.column_stack([values, np.arange(len(values))]).astype(float)


# --- clusterwise bootstrap Jaccard ----------------------------------------------------------

@pytest.mark.parametrize("fn", [hierarchical_fn(linkage="average"), kmeans_fn(n_init=3)],
                         ids=["hierarchical", "kmeans"])
@pytest.mark.parametrize("scheme", ["bootstrap", "subsample"])
def test_jaccard_near_one_for_well_separated_blobs(fn, scheme):
    items, truth = blobs()
    result = bootstrap_stability(items, k=3, cluster_fn=fn, n_resamples=30, scheme=scheme)
    assert result.n_resamples_done == 30
    assert result.jaccard.shape == (3, 30)
    assert (result.cluster_jaccard > 0.95).all()
    assert np.nanmin(result.item_stability) > 0.95
    assert len(set(zip(result.labels, truth))) == 3


@pytest.mark.parametrize("fn", [hierarchical_fn(linkage="ward"), kmeans_fn(n_init=3)],
                         ids=["ward", "kmeans"])
def test_jaccard_low_for_a_uniform_cloud_cut_into_four(fn):
    cloud = np.random.default_rng(0).uniform(size=(100, 5))
    result = bootstrap_stability(cloud, k=4, cluster_fn=fn, n_resamples=40)
    # Hennig (2007): below 0.75 is not stable; a structureless cloud's cuts are arbitrary
    assert result.cluster_jaccard.max() < 0.75
    assert result.cluster_jaccard.mean() < 0.65


def test_bootstrap_drops_duplicates_and_restricts_to_the_drawn_items():
    # Original: value < 10 -> cluster 1 (items 0..9), else 2 (items 10..29). Every resample
    # puts all its items in one cluster, so cluster j's Jaccard is |A_j & S| / |S| and each
    # item's stability is that of its cluster in the resamples that hold it.
    values = np.arange(30, dtype=float)
    fn = Recorder(threshold=10, resample_label_all_one=True)
    result = bootstrap_stability(indexed(values), k=2, cluster_fn=fn, n_resamples=25,
                                 random_state=4)
    drawn_sets = fn.calls[1:]
    assert len(drawn_sets) == 25
    expected = np.zeros((2, 25))
    item_sum, item_count = np.zeros(30), np.zeros(30)
    for b, drawn in enumerate(drawn_sets):
        assert len(np.unique(drawn)) == len(drawn) < 30  # duplicates dropped
        shares = [np.mean(drawn < 10), np.mean(drawn >= 10)]
        expected[:, b] = shares
        item_sum[drawn] += np.where(drawn < 10, shares[0], shares[1])
        item_count[drawn] += 1
    np.testing.assert_allclose(result.jaccard, expected)
    np.testing.assert_allclose(result.cluster_jaccard.to_numpy(), expected.mean(axis=1))
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(result.item_stability, item_sum / item_count)


def test_subsample_draws_the_fraction_and_a_stable_rule_scores_one():
    fn = Recorder(threshold=10)
    result = bootstrap_stability(indexed(np.arange(30.0)), k=2, cluster_fn=fn,
                                 n_resamples=5, scheme="subsample", subsample_fraction=0.5)
    assert all(len(drawn) == 15 and len(np.unique(drawn)) == 15 for drawn in fn.calls[1:])
    np.testing.assert_allclose(result.jaccard, 1.0)  # 0 when a cluster is not drawn
    np.testing.assert_allclose(result.item_stability[~np.isnan(result.item_stability)], 1.0)


def test_bootstrap_on_distances_progress_and_stop():
    items, _ = blobs(n_per=10)
    seen = []
    result = bootstrap_stability(None, k=3, cluster_fn=hierarchical_fn(metric="precomputed"),
                                 cluster_input="distances", condensed=pdist(items),
                                 n_resamples=10,
                                 progress=lambda done, total: seen.append((done, total)),
                                 should_stop=lambda: len(seen) >= 4)
    assert seen == [(1, 10), (2, 10), (3, 10), (4, 10)]
    assert result.n_resamples_done == 4 and result.jaccard.shape == (3, 4)
    assert (result.cluster_jaccard > 0.95).all()
    same_seed = bootstrap_stability(None, k=3, cluster_fn=hierarchical_fn(metric="precomputed"),
                                    cluster_input="distances", condensed=pdist(items),
                                    n_resamples=4)
    np.testing.assert_array_equal(result.jaccard, same_seed.jaccard)
    with pytest.raises(ParameterError):
        bootstrap_stability(items, k=3, cluster_fn=hierarchical_fn(), scheme="jackknife")
    with pytest.raises(ParameterError):
        bootstrap_stability(None, k=3, cluster_fn=hierarchical_fn(), cluster_input="distances")


# --- consensus clustering -------------------------------------------------------------------

def test_consensus_cdf_by_hand():
    # pairs: 0, 0.5, 1 -> CDF 1/3 up to 0.49, 2/3 from 0.50 (bins are right-closed), 1 at 1
    matrix = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [0.5, 1.0, 1.0]])
    edges, cdf, area = consensus_cdf(matrix)
    assert len(edges) == 100 and edges[-1] == 1.0
    assert cdf[48] == pytest.approx(1 / 3) and edges[48] == pytest.approx(0.49)
    assert cdf[49] == pytest.approx(2 / 3) and edges[49] == pytest.approx(0.50)
    assert cdf[98] == pytest.approx(2 / 3) and cdf[99] == 1.0
    assert area == pytest.approx((49 / 3 + 50 * 2 / 3 + 1) / 100)
    # values on every break land in the bin they close, despite floating point
    on_breaks = np.arange(1, 101) / 100
    n = 15  # 105 pairs: fill the lower triangle with the 100 breaks and 5 zeros
    lower = np.concatenate([np.zeros(5), on_breaks])
    square = np.zeros((n, n))
    square[np.tril_indices(n, k=-1)] = lower
    _, cdf, _ = consensus_cdf(square + square.T)
    np.testing.assert_allclose(cdf, (5 + np.arange(1, 101)) / 105)


def test_consensus_of_a_fixed_rule_is_its_co_membership():
    values = np.arange(20, dtype=float)
    fn = Recorder(threshold=8)
    result = consensus_clustering(indexed(values), k_values=[2], cluster_fn=fn,
                                  n_resamples=15)
    same = (values[:, None] < 8) == (values[None, :] < 8)
    np.testing.assert_array_equal(result.matrices[2], same.astype(float))
    assert all(len(drawn) == 16 for drawn in fn.calls)  # floor(20 * 0.8) items per resample
    np.testing.assert_array_equal(result.consensus_labels[2], np.where(values < 8, 1, 2))


@pytest.mark.parametrize("fn", [hierarchical_fn(linkage="average"), kmeans_fn(n_init=2)],
                         ids=["hierarchical", "kmeans"])
def test_consensus_matrices_cdf_and_delta_area(fn):
    items, truth = blobs(n_per=15)
    result = consensus_clustering(items, k_values=[2, 3, 4, 5], cluster_fn=fn,
                                  n_resamples=25, feature_fraction=0.8)
    assert result.n_resamples_done == 25
    for k, matrix in result.matrices.items():
        assert matrix.shape == (45, 45)
        np.testing.assert_array_equal(matrix, matrix.T)
        np.testing.assert_array_equal(np.diag(matrix), 1.0)
        assert matrix.min() >= 0.0 and matrix.max() <= 1.0
    cdf = result.cdf
    assert list(cdf.columns) == ["k", "consensus_index", "cdf"]
    for k, curve in cdf.groupby("k"):
        assert (np.diff(curve["cdf"]) >= 0).all() and curve["cdf"].iloc[-1] == 1.0
        assert result.area_under_cdf[k] == pytest.approx((curve["cdf"] * 0.01).sum())
    area = result.area_under_cdf
    expected_delta = [area[2]] + [(area[k] - area[k - 1]) / area[k - 1] for k in (3, 4, 5)]
    np.testing.assert_allclose(result.delta_area.loc[[2, 3, 4, 5]], expected_delta)
    # three clean blobs: k = 3 is all 0s and 1s, and the consensus partition is the truth
    assert set(np.unique(result.matrices[3])) == {0.0, 1.0}
    assert agreement(result.consensus_labels[3], truth)["ari"] == 1.0
    own = result.item_consensus[3].to_numpy()[np.arange(45), result.consensus_labels[3] - 1]
    np.testing.assert_allclose(own, 1.0)
    clusters = result.cluster_consensus
    np.testing.assert_allclose(clusters.loc[clusters["k"] == 3, "cluster_consensus"], 1.0)


def test_item_and_cluster_consensus_by_hand():
    # calcICL: mean consensus with the cluster's members, the item itself left out
    items, _ = blobs(n_per=6)
    result = consensus_clustering(items, k_values=[2], cluster_fn=kmeans_fn(n_init=1),
                                  n_resamples=8)
    matrix, labels = result.matrices[2], result.consensus_labels[2]
    table = result.item_consensus[2]
    for item in (0, 7, 15):
        for cluster in (1, 2):
            members = [j for j in np.flatnonzero(labels == cluster) if j != item]
            assert table.loc[item, cluster] == pytest.approx(matrix[item, members].mean())
    for cluster in (1, 2):
        members = np.flatnonzero(labels == cluster)
        pairs = [matrix[i, j] for i in members for j in members if i < j]
        value = result.cluster_consensus.query("cluster == @cluster")["cluster_consensus"]
        assert value.iloc[0] == pytest.approx(np.mean(pairs))


def test_consensus_progress_stop_and_errors():
    items, _ = blobs(n_per=8)
    seen = []
    result = consensus_clustering(items, k_values=[3, 2], cluster_fn=hierarchical_fn(),
                                  n_resamples=10,
                                  progress=lambda done, total: seen.append((done, total)),
                                  should_stop=lambda: len(seen) >= 3)
    assert seen == [(1, 10), (2, 10), (3, 10)] and result.n_resamples_done == 3
    assert sorted(result.matrices) == [2, 3]
    with pytest.raises(ParameterError):
        consensus_clustering(items, k_values=[1, 2], cluster_fn=hierarchical_fn())
    with pytest.raises(ParameterError):
        consensus_clustering(None, k_values=[2], cluster_fn=hierarchical_fn(),
                             cluster_input="distances", condensed=pdist(items),
                             feature_fraction=0.5)
    with pytest.raises(ParameterError):
        consensus_clustering(items, k_values=[30], cluster_fn=hierarchical_fn())


# --- agreement ------------------------------------------------------------------------------

def test_identical_partitions_agree_fully_whatever_the_names():
    a = [1, 1, 2, 2, 3, 3, 3]
    b = ["c", "c", "a", "a", "b", "b", "b"]
    result = agreement(a, b)
    assert result["ari"] == pytest.approx(1.0)
    assert result["nmi"] == pytest.approx(1.0)
    assert result["purity"] == 1.0
    assert result["n_items"] == 7 and result["n_dropped"] == 0


def test_agreement_on_a_hand_built_table_with_missing_metadata():
    clusters = [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 2]
    groups = ["x", "x", "x", "y", "y", "y", "z", "z", "z", "x", np.nan, None]
    result = agreement(clusters, groups)
    assert result["n_dropped"] == 2 and result["n_items"] == 10
    # cluster 1: x 3, y 1; cluster 2: y 2, z 1; cluster 3: x 1, z 2
    table = result["contingency"]
    assert table.loc[1].tolist() == [3, 1, 0]
    assert table.loc[2].tolist() == [0, 2, 1]
    assert table.loc[3].tolist() == [1, 0, 2]
    assert result["purity"] == pytest.approx((3 + 2 + 2) / 10)
    # ARI by its definition: (index - expected) / (max - expected)
    cells = sum(comb(int(v), 2) for v in table.to_numpy().ravel())
    rows = sum(comb(int(v), 2) for v in table.sum(axis=1))
    columns = sum(comb(int(v), 2) for v in table.sum(axis=0))
    expected = rows * columns / comb(10, 2)
    ari = (cells - expected) / ((rows + columns) / 2 - expected)
    assert result["ari"] == pytest.approx(ari)
    # NMI by its definition, arithmetic mean of the entropies (and aricode's default, max)
    counts = table.to_numpy() / 10

    def entropy(p):
        return -sum(v * log(v) for v in p if v > 0)

    h_a, h_b = entropy(counts.sum(axis=1)), entropy(counts.sum(axis=0))
    mutual = h_a + h_b - entropy(counts.ravel())
    assert result["nmi"] == pytest.approx(2 * mutual / (h_a + h_b))
    assert agreement(clusters, groups, nmi_average="max")["nmi"] == pytest.approx(
        mutual / max(h_a, h_b))


def test_agreement_errors():
    with pytest.raises(ParameterError):
        agreement([1, 2], [1, 2, 3])
    with pytest.raises(ParameterError):
        agreement([1, 2], [np.nan, None])
    with pytest.raises(ParameterError):
        agreement([1, 2], [1, 2], nmi_average="joint")
    assert agreement(pd.Series([1, 2, 2]), pd.Series([1.0, np.nan, 2.0]))["n_dropped"] == 1
