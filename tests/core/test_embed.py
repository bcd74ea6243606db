"""PCA and UMAP embeddings (rnaclust_dash.embed)."""

from __future__ import annotations

import numpy as np
import pytest

from rnaclust_dash.distance import DISTANCES
from rnaclust_dash.embed import pca_embedding, umap_embedding

N_FEATURES = 12


def two_groups(rng, *, scale_spread=False, signs=False, n_per_group=20):
    """Items x features: two groups around two random profiles. ``scale_spread`` gives
    each item its own size (x1 .. x20), ``signs`` flips half of each group's profiles."""
    profiles = rng.normal(size=(2, N_FEATURES))
    labels = np.repeat([0, 1], n_per_group)
    items = profiles[labels] + 0.15 * rng.normal(size=(len(labels), N_FEATURES))
    if scale_spread:
        items *= rng.uniform(1, 20, size=(len(labels), 1))
    if signs:
        items *= np.tile(np.repeat([1.0, -1.0], n_per_group // 2), 2)[:, None]
    return items, labels


def nearest_in_same_group(coords: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of items whose nearest neighbour on the map is in their own group."""
    gaps = np.linalg.norm(coords[:, None, :] - coords[None, :, :], axis=2)
    np.fill_diagonal(gaps, np.inf)
    return float(np.mean(labels[gaps.argmin(axis=1)] == labels))


@pytest.mark.slow
@pytest.mark.parametrize("metric", list(DISTANCES))
def test_umap_accepts_every_distance_the_app_offers(metric):
    items, labels = two_groups(np.random.default_rng(1))
    result = umap_embedding(items, n_neighbors=8, metric=metric, random_state=0)
    assert result.coords.shape == (len(items), 2)
    assert np.isfinite(result.coords).all()
    assert nearest_in_same_group(result.coords, labels) == 1.0


@pytest.mark.slow
def test_umap_cosine_ignores_the_size_of_a_profile():
    # Items differ 20-fold in size: Euclidean neighbours follow size, cosine the shape.
    items, labels = two_groups(np.random.default_rng(2), scale_spread=True)
    result = umap_embedding(items, n_neighbors=8, metric="cosine", random_state=0)
    assert nearest_in_same_group(result.coords, labels) == 1.0


@pytest.mark.slow
def test_umap_absolute_pearson_puts_opposite_profiles_together():
    # Half of each group runs exactly opposite: 1 - |r| keeps them with their group,
    # 1 - r sends them away (to the mirrored half of the other group or on their own).
    items, labels = two_groups(np.random.default_rng(3), signs=True)
    sign = np.tile(np.repeat([0, 1], 10), 2)
    absolute = umap_embedding(items, n_neighbors=8, metric="abspearson", random_state=0)
    assert nearest_in_same_group(absolute.coords, labels) == 1.0
    signed = umap_embedding(items, n_neighbors=8, metric="pearson", random_state=0)
    assert nearest_in_same_group(signed.coords, labels * 2 + sign) == 1.0


@pytest.mark.slow
def test_umap_is_reproducible_with_a_seed():
    items, _ = two_groups(np.random.default_rng(4))
    first = umap_embedding(items, n_neighbors=8, metric="manhattan", random_state=3)
    again = umap_embedding(items, n_neighbors=8, metric="manhattan", random_state=3)
    np.testing.assert_array_equal(first.coords, again.coords)
    assert first.axis_titles == ("UMAP1", "UMAP2")


@pytest.mark.slow
def test_umap_lowers_the_neighbour_count_on_few_items_and_says_so():
    items, _ = two_groups(np.random.default_rng(5), n_per_group=4)
    result = umap_embedding(items, n_neighbors=15, metric="euclidean", random_state=0)
    assert result.coords.shape == (8, 2)
    assert result.notices == ("UMAP n_neighbors lowered from 15 to 7: there are only 8 "
                              "items.",)


def test_umap_does_not_change_its_input():
    items, _ = two_groups(np.random.default_rng(6), n_per_group=4)
    before = items.copy()
    umap_embedding(items, n_neighbors=3, metric="spearman", random_state=0)
    np.testing.assert_array_equal(items, before)


def test_pca_axis_titles_give_the_variance_explained():
    items, _ = two_groups(np.random.default_rng(7))
    result = pca_embedding(items, random_state=0)
    centred = items - items.mean(axis=0)
    variances = np.linalg.svd(centred, compute_uv=False) ** 2
    share = 100 * variances[:2] / variances.sum()
    assert result.axis_titles == (f"PC1 ({share[0]:.1f}%)", f"PC2 ({share[1]:.1f}%)")
