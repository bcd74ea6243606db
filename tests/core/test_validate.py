"""Silhouette widths and the validation summary."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.metrics import silhouette_samples

from rnaclust_dash.tl.distance import pairwise_distances, square
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.validate import INDICES, silhouette_values, validation_summary


def test_silhouette_by_hand_with_a_singleton():
    # 1-D points 0, 2 | 6 | 10, 12. Cluster 2 is a singleton: width 0, as in R.
    # item 0: a = 2, b = min(6, mean(10, 12)) = 6 -> 4 / 6
    # item 1: a = 2, b = min(4, mean(8, 10)) = 4 -> 2 / 4
    # item 3: a = 2, b = min(mean(10, 8), 4) = 4 -> 2 / 4; item 4 mirrors item 0
    points = np.array([[0.0], [2.0], [6.0], [10.0], [12.0]])
    labels = np.array([1, 1, 2, 3, 3])
    widths = silhouette_values(pdist(points), labels)
    np.testing.assert_allclose(widths, [2 / 3, 1 / 2, 0.0, 1 / 2, 2 / 3], rtol=1e-14)


def test_silhouette_negative_for_a_misplaced_item():
    # 0, 1 | 2, 10: item 2 sits next to cluster 1. a = 8, b = mean(2, 1) = 1.5
    points = np.array([[0.0], [1.0], [2.0], [10.0]])
    widths = silhouette_values(pdist(points), np.array([1, 1, 2, 2]))
    assert widths[2] == pytest.approx((1.5 - 8) / 8)
    # item 0: a = 1, b = mean(2, 10) = 6 -> 5 / 6
    assert widths[0] == pytest.approx(5 / 6)


def test_silhouette_labels_need_not_be_numbers_from_one():
    points = np.array([[0.0], [2.0], [6.0], [10.0], [12.0]])
    a = silhouette_values(pdist(points), np.array([1, 1, 2, 3, 3]))
    b = silhouette_values(pdist(points), np.array(["z", "z", "a", "m", "m"]))
    np.testing.assert_array_equal(a, b)


def test_silhouette_needs_two_clusters():
    with pytest.raises(ParameterError, match="at least 2 clusters"):
        silhouette_values(pdist(np.arange(4.0)[:, None]), np.ones(4, dtype=int))


@pytest.mark.parametrize("metric", ["euclidean", "pearson", "spearman"])
def test_silhouette_matches_sklearn_precomputed(metric):
    rng = np.random.default_rng(8)
    for n, k in [(6, 2), (10, 3), (25, 4), (40, 7), (57, 12)]:
        items = rng.normal(size=(n, 6))
        labels = np.concatenate([np.arange(1, k + 1), rng.integers(1, k + 1, size=n - k)])
        rng.shuffle(labels)
        distances = pairwise_distances(items, metric=metric)
        expected = silhouette_samples(square(distances), labels, metric="precomputed")
        np.testing.assert_allclose(silhouette_values(distances, labels), expected,
                                   rtol=0, atol=1e-12)


def test_silhouette_singletons_match_sklearn():
    items = np.random.default_rng(9).normal(size=(7, 3))
    labels = np.array([1, 2, 2, 3, 3, 3, 4])  # clusters 1 and 4 are singletons
    distances = pdist(items)
    ours = silhouette_values(distances, labels)
    assert ours[0] == 0.0 and ours[6] == 0.0
    np.testing.assert_allclose(ours, silhouette_samples(square(distances), labels,
                                                        metric="precomputed"), atol=1e-12)


def test_validation_summary_by_hand():
    # 0, 2 | 10, 12. Calinski-Harabasz: between SS 2 * 5^2 * 2 = 100 over k - 1 = 1,
    # within SS 4 over n - k = 2 -> 50. Davies-Bouldin: scatters 1 and 1, centres 10 apart
    # -> 0.2. Silhouette: items 0 and 3 give (11 - 2) / 11, items 1 and 2 (9 - 2) / 9.
    items = np.array([[0.0], [2.0], [10.0], [12.0]])
    labels = np.array([1, 1, 2, 2])
    summary = validation_summary(items, pdist(items), labels)
    assert set(summary) == {"silhouette_values", "silhouette", "calinski_harabasz",
                            "davies_bouldin"}
    assert set(INDICES) == {"silhouette", "calinski_harabasz", "davies_bouldin"}
    np.testing.assert_allclose(summary["silhouette_values"], [9 / 11, 7 / 9, 7 / 9, 9 / 11])
    assert summary["silhouette"] == pytest.approx(79 / 99, rel=1e-14)
    assert summary["calinski_harabasz"] == pytest.approx(50.0, rel=1e-12)
    assert summary["davies_bouldin"] == pytest.approx(0.2, rel=1e-12)
    for name in ("silhouette", "calinski_harabasz", "davies_bouldin"):
        assert type(summary[name]) is float


def test_validation_summary_uses_the_given_distance_for_the_silhouette():
    items = np.random.default_rng(1).normal(size=(9, 5))
    labels = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])
    pearson = pairwise_distances(items, metric="pearson")
    summary = validation_summary(items, pearson, labels)
    np.testing.assert_allclose(summary["silhouette_values"], silhouette_values(pearson, labels))
    euclidean = validation_summary(items, pdist(items), labels)
    # CH and DB are Euclidean whatever the distance; the silhouette is not
    assert summary["calinski_harabasz"] == euclidean["calinski_harabasz"]
    assert summary["davies_bouldin"] == euclidean["davies_bouldin"]
    assert summary["silhouette"] != pytest.approx(euclidean["silhouette"])


def test_validation_indices_are_the_summary_or_nan_where_undefined():
    """The one home of the indices: the k and resolution scans read them from here."""
    from scipy.spatial.distance import pdist

    from rnaclust_dash.tl.validate import validation_indices, validation_summary

    rng = np.random.default_rng(2)
    items = np.vstack([rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) + 4])
    labels = np.repeat([1, 2], 6)
    condensed = pdist(items)
    summary = validation_summary(items, condensed, labels)
    indices = validation_indices(items, condensed, labels)
    assert indices == {name: summary[name] for name in
                       ("silhouette", "calinski_harabasz", "davies_bouldin")}
    assert indices["silhouette"] > 0.5
    for undefined in (np.ones(12, dtype=int), np.arange(1, 13)):
        values = validation_indices(items, condensed, undefined)
        assert all(np.isnan(value) for value in values.values())
