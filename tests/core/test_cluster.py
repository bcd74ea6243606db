"""Distances, hierarchical trees and their cuts, k-means."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import cut_tree as scipy_cut_tree
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.spatial.distance import pdist

from rnaclust_dash.tl.hierarchical import cut_tree, hierarchical_tree
from rnaclust_dash.tl.kmeans import kmeans
from rnaclust_dash.tl.labels import number_by_first_appearance
from rnaclust_dash.tl.distance import pairwise_distances, square
from rnaclust_dash.errors import ParameterError

# --- distances ----------------------------------------------------------------------------

LINEAR = np.array([[1.0, 2.0, 3.0],
                   [2.0, 4.0, 6.0],    # r = 1 with the first
                   [3.0, 2.0, 1.0]])   # r = -1 with both


def test_pearson_distance_by_hand():
    # condensed order: (0, 1), (0, 2), (1, 2)
    np.testing.assert_allclose(pairwise_distances(LINEAR, metric="pearson"), [0.0, 2.0, 2.0],
                               atol=1e-15)


def test_euclidean_distance_by_hand():
    np.testing.assert_allclose(pairwise_distances(LINEAR, metric="euclidean"),
                               [math.sqrt(14), math.sqrt(8), math.sqrt(30)], rtol=1e-15)


def test_spearman_distance_by_hand():
    items = np.array([[1.0, 2.0, 3.0, 4.0],
                      [1.0, 4.0, 9.0, 100.0],   # same ranks as the first: rho = 1
                      [4.0, 1.0, 2.0, 3.0]])    # rank differences [3, -1, -1, -1]
    # rho = 1 - 6 * 12 / (4 * 15) = -0.2 -> distance 1.2
    np.testing.assert_allclose(pairwise_distances(items, metric="spearman"), [0.0, 1.2, 1.2],
                               atol=1e-14)
    # Pearson sees the non-linear second item: r = 151 / sqrt(5 * 6849)
    pearson = pairwise_distances(items, metric="pearson")
    assert pearson[0] == pytest.approx(1 - 151 / math.sqrt(5 * 6849), rel=1e-12)


def test_spearman_ties_get_average_ranks():
    items = np.array([[1.0, 1.0, 3.0],    # ranks [1.5, 1.5, 3]
                      [1.0, 2.0, 3.0],    # ranks [1, 2, 3]
                      [3.0, 2.0, 1.0]])   # ranks [3, 2, 1]
    # centred ranks [-.5, -.5, 1] and [-1, 0, 1]: rho = 1.5 / sqrt(1.5 * 2) = sqrt(3) / 2
    # (ordinal ranks would give rho = 1)
    np.testing.assert_allclose(pairwise_distances(items, metric="spearman"),
                               [1 - math.sqrt(3) / 2, 1 + math.sqrt(3) / 2, 2.0], atol=1e-14)


def test_constant_item_is_at_correlation_distance_one():
    items = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0], [3.0, 1.0, 2.0]])
    got = square(pairwise_distances(items, metric="pearson"))
    assert got[0, 1] == 1.0 and got[1, 2] == 1.0
    assert not np.isnan(got).any()
    np.testing.assert_array_equal(np.diag(got), [0.0, 0.0, 0.0])


def test_distances_match_scipy_on_random_data():
    x = np.random.default_rng(3).normal(size=(12, 40))
    np.testing.assert_allclose(pairwise_distances(x, metric="pearson"),
                               pdist(x, metric="correlation"), atol=1e-12)
    np.testing.assert_allclose(pairwise_distances(x, metric="euclidean"), pdist(x), rtol=1e-14)


def test_unknown_distance():
    with pytest.raises(ParameterError, match="Unknown distance 'canberra'"):
        pairwise_distances(LINEAR, metric="canberra")


# --- trees and cuts ----------------------------------------------------------------------

# 1-D points 30, 10, 0, 12, 1. Single linkage merges {0, 1} at 1, {10, 12} at 2, those two
# at 9 (10 - 1), then 30 at 18.
POINTS = np.array([[30.0], [10.0], [0.0], [12.0], [1.0]])


@pytest.mark.parametrize("k, expected", [
    (1, [1, 1, 1, 1, 1]),
    (2, [1, 2, 2, 2, 2]),
    (3, [1, 2, 3, 2, 3]),
    (4, [1, 2, 3, 4, 3]),
    (5, [1, 2, 3, 4, 5]),
])
def test_cut_tree_by_hand_numbered_by_first_appearance(k, expected):
    tree = hierarchical_tree(pairwise_distances(POINTS, metric="euclidean"), linkage="single")
    np.testing.assert_allclose(tree[:, 2], [1.0, 2.0, 9.0, 18.0])
    np.testing.assert_array_equal(cut_tree(tree, k), expected)


@pytest.mark.parametrize("linkage, heights", [
    ("single", [1.0, 2.0, 9.0, 18.0]),
    ("complete", [1.0, 2.0, 12.0, 30.0]),
    # average: {0,1}-{10,12} mean of 10, 12, 9, 11 = 10.5; 30 to the rest (30+20+18+29)/4
    ("average", [1.0, 2.0, 10.5, 24.25]),
])
def test_merge_heights_by_hand(linkage, heights):
    tree = hierarchical_tree(pairwise_distances(POINTS, metric="euclidean"), linkage=linkage)
    np.testing.assert_allclose(tree[:, 2], heights, rtol=1e-14)


def test_ward_is_ward_d2_on_euclidean():
    # two points at distance 2 merge at 2 (ward.D2 heights are on the distance scale)
    x = np.array([[0.0], [2.0], [10.0]])
    tree = hierarchical_tree(pdist(x), linkage="ward")
    assert tree[0, 2] == pytest.approx(2.0)
    # {0, 2} with 10: sqrt(2 * 1 * 2 / 3) * |1 - 10| = 9 * sqrt(4 / 3)
    assert tree[1, 2] == pytest.approx(9 * math.sqrt(4 / 3))


def test_unknown_linkage():
    with pytest.raises(ParameterError, match="Unknown linkage 'ward.D'"):
        hierarchical_tree(pdist(POINTS), linkage="ward.D")


@pytest.mark.parametrize("k", [0, 6, -1])
def test_cut_tree_rejects_k_out_of_range(k):
    tree = hierarchical_tree(pdist(POINTS), linkage="average")
    with pytest.raises(ParameterError, match="between 1 and the number of items"):
        cut_tree(tree, k)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _is_numbered_by_first_appearance(labels: np.ndarray) -> bool:
    seen_max = 0
    for label in labels:
        if label > seen_max + 1:
            return False
        seen_max = max(seen_max, label)
    return labels[0] == 1


@pytest.mark.parametrize("linkage", ["single", "complete", "average", "ward"])
def test_cut_tree_matches_scipy_up_to_relabelling(linkage):
    rng = np.random.default_rng(11)
    checked = 0
    for n in list(range(2, 26)) + [40, 61]:
        x = rng.normal(size=(n, 4))  # continuous: no tied distances
        tree = hierarchical_tree(pdist(x), linkage=linkage)
        for k in range(1, n + 1):
            ours = cut_tree(tree, k)
            theirs = scipy_cut_tree(tree, n_clusters=k).ravel()
            assert len(np.unique(ours)) == k
            assert sorted(set(ours.tolist())) == list(range(1, k + 1))
            assert _is_numbered_by_first_appearance(ours)
            assert _same_partition(ours, theirs), (n, k)
            checked += 1
    assert checked == sum(range(2, 26)) + 40 + 61


def _union_find_cut(tree: np.ndarray, k: int) -> np.ndarray:
    """R's definition: apply the first n - k merges in the order of the merge matrix."""
    n = len(tree) + 1
    members = {i: [i] for i in range(n)}
    for i in range(n - k):
        a, b = int(tree[i, 0]), int(tree[i, 1])
        members[n + i] = members.pop(a) + members.pop(b)
    labels = np.empty(n, dtype=int)
    for group, items in enumerate(members.values()):
        labels[items] = group
    return number_by_first_appearance(labels)


@pytest.mark.parametrize("linkage", ["single", "complete", "average", "ward"])
def test_cut_tree_with_tied_heights_applies_the_first_merges(linkage):
    # scipy's cut_tree goes wrong on tied heights (scipy/scipy#7977, #8063); R's cutree
    # applies the first n - k rows of the merge matrix, which is what we compare with.
    rng = np.random.default_rng(5)
    for n in (5, 9, 17, 30):
        x = rng.integers(0, 3, size=(n, 2)).astype(float)  # many equal distances
        tree = hierarchical_tree(pdist(x), linkage=linkage)
        for k in range(1, n + 1):
            ours = cut_tree(tree, k)
            np.testing.assert_array_equal(ours, _union_find_cut(tree, k))
            assert len(np.unique(ours)) == k


def test_cut_tree_accepts_scipy_linkage_matrices():
    x = np.random.default_rng(2).normal(size=(15, 3))
    tree = scipy_linkage(pdist(x), method="average")
    for k in range(1, 16):
        assert _same_partition(cut_tree(tree, k), scipy_cut_tree(tree, n_clusters=k).ravel())


def test_number_by_first_appearance():
    np.testing.assert_array_equal(number_by_first_appearance(np.array([7, 7, 3, 9, 3, 0])),
                                  [1, 1, 2, 3, 2, 4])
    np.testing.assert_array_equal(number_by_first_appearance(np.array(["b", "a", "b"])),
                                  [1, 2, 1])


# --- k-means ---------------------------------------------------------------------------------

def _blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[10.0, 0.0], [0.0, 10.0], [-10.0, -10.0]])
    truth = np.array([2, 0, 1, 1, 2, 0, 0, 2, 1, 0, 2, 1])
    return centres[truth] + rng.normal(scale=0.3, size=(len(truth), 2)), truth


def test_kmeans_labels_numbered_by_first_appearance():
    items, truth = _blobs()
    result = kmeans(items, k=3, random_state=0)
    np.testing.assert_array_equal(result.labels, number_by_first_appearance(truth))
    np.testing.assert_array_equal(result.labels, [1, 2, 3, 3, 1, 2, 2, 1, 3, 2, 1, 3])


def test_kmeans_centres_follow_the_labels():
    items, _ = _blobs()
    result = kmeans(items, k=3, random_state=0)
    assert result.centers.shape == (3, 2)
    for c in (1, 2, 3):
        np.testing.assert_allclose(result.centers[c - 1], items[result.labels == c].mean(axis=0),
                                   atol=1e-9)
    inertia = sum(((items[result.labels == c] - result.centers[c - 1]) ** 2).sum()
                  for c in (1, 2, 3))
    assert result.inertia == pytest.approx(inertia, rel=1e-9)


def test_kmeans_same_seed_same_result():
    items = np.random.default_rng(4).normal(size=(60, 5))  # no structure: seed matters
    first = kmeans(items, k=4, random_state=123, n_init=3)
    second = kmeans(items, k=4, random_state=123, n_init=3)
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.centers, second.centers)
    assert first.inertia == second.inertia
    assert first.labels[0] == 1
    assert _is_numbered_by_first_appearance(first.labels)
    assert sorted(set(first.labels.tolist())) == [1, 2, 3, 4]


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_kmeans_inits(init):
    items, truth = _blobs(1)
    result = kmeans(items, k=3, init=init, random_state=7)
    np.testing.assert_array_equal(result.labels, number_by_first_appearance(truth))


def test_kmeans_unknown_init():
    with pytest.raises(ParameterError, match="Unknown k-means init 'forgy'"):
        kmeans(_blobs()[0], k=2, init="forgy")


# --- properties ----------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 20), data=st.data())
def test_permuting_items_permutes_partitions_and_silhouettes(seed, n, data):
    from rnaclust_dash.tl.validate import silhouette_values

    items = np.random.default_rng(seed).normal(size=(n, 5))
    order = np.array(data.draw(st.permutations(range(n)), label="order"))
    # (not Spearman: ranks of a few features tie often, and tied merge heights are
    # broken by item order, in R as here)
    metric = data.draw(st.sampled_from(["euclidean", "pearson"]), label="metric")
    linkage = data.draw(st.sampled_from(["single", "complete", "average"]), label="linkage")
    k = data.draw(st.integers(2, n - 1), label="k")
    original_d = pairwise_distances(items, metric=metric)
    permuted_d = pairwise_distances(items[order], metric=metric)
    np.testing.assert_allclose(square(permuted_d), square(original_d)[np.ix_(order, order)],
                               atol=1e-12)
    original = cut_tree(hierarchical_tree(original_d, linkage=linkage), k)
    permuted = cut_tree(hierarchical_tree(permuted_d, linkage=linkage), k)
    assert _same_partition(permuted, original[order])
    np.testing.assert_allclose(silhouette_values(permuted_d, permuted),
                               silhouette_values(original_d, original)[order], atol=1e-9)


# --- more linkages, optimal leaf order, mini-batch ---------------------------------------

@pytest.mark.parametrize("dataset", ["pasilla", "airway"])
@pytest.mark.parametrize("linkage, r_name", [("weighted", "mcquitty"), ("centroid", "centroid"),
                                             ("median", "median")])
def test_extra_linkages_cut_like_r_hclust(dataset, linkage, r_name):
    """R: hclust(dist(x), "mcquitty"); centroid and median on squared Euclidean distances,
    their geometric meaning (tests/data/reference/hclust_extra_linkages.R)."""
    import pandas as pd
    from pathlib import Path

    from rnaclust_dash.tl.distance import pairwise_distances

    folder = Path(__file__).resolve().parents[1] / "data" / "reference" / dataset
    x = pd.read_csv(folder / "cluster_input_top500_log2mor.csv", index_col=0).to_numpy().T
    reference = pd.read_csv(folder / "hclust_euclidean_extra_linkages.csv", index_col=0)
    tree = hierarchical_tree(pairwise_distances(x, metric="euclidean"), linkage=linkage)
    for k in (2, 3, 4):
        np.testing.assert_array_equal(cut_tree(tree, k), reference[f"{r_name}_k{k}"].to_numpy())


def test_optimal_leaf_order_changes_the_order_but_not_the_cuts():
    from scipy.cluster.hierarchy import leaves_list

    from rnaclust_dash.tl.hierarchical import optimal_leaf_order
    from rnaclust_dash.tl.distance import pairwise_distances

    rng = np.random.default_rng(4)
    items = rng.normal(size=(30, 5))
    distances = pairwise_distances(items, metric="euclidean")
    tree = hierarchical_tree(distances, linkage="average")
    ordered = optimal_leaf_order(tree, distances)
    for k in range(1, 31):
        np.testing.assert_array_equal(cut_tree(ordered, k), cut_tree(tree, k))

    def path_length(order):
        square = pairwise_distances(items[order], metric="euclidean")
        from scipy.spatial.distance import squareform
        full = squareform(square)
        return sum(full[i, i + 1] for i in range(len(order) - 1))

    assert path_length(leaves_list(ordered)) <= path_length(leaves_list(tree)) + 1e-12


def test_minibatch_kmeans_is_seeded_and_finds_separated_groups():
    rng = np.random.default_rng(2)
    items = np.vstack([rng.normal(c, 0.1, size=(200, 3)) for c in (0, 5, 10)])
    first = kmeans(items, k=3, random_state=1, minibatch=True)
    again = kmeans(items, k=3, random_state=1, minibatch=True)
    np.testing.assert_array_equal(first.labels, again.labels)
    np.testing.assert_array_equal(first.labels, np.repeat([1, 2, 3], 200))
