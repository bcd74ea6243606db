"""PCA (sparse with implicit centring, seeded) and the kNN graph (exact and approximate).

Parity with scanpy is in test_sc_pp_parity.py; these check the properties that hold for
any data.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pp.neighbors import neighbors
from rnaclust_dash.pp.pca import pca


def planted(n_cells=600, n_genes=300, n_groups=4, seed=0) -> sparse.csr_matrix:
    """Sparse log-like values with ``n_groups`` groups of cells, each with its own genes."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n_cells)
    rates = rng.gamma(0.3, 1.0, size=(n_groups, n_genes)) * 3
    counts = rng.poisson(rates[groups])
    return sparse.csr_matrix(np.log1p(counts).astype(np.float32)), groups


@pytest.mark.parametrize("solver", ["arpack", "randomized"])
def test_sparse_pca_equals_dense_pca_without_densifying(solver):
    values, _ = planted()
    from_sparse = pca(values, n_comps=10, svd_solver=solver, random_state=0)
    from_dense = pca(values.toarray(), n_comps=10, svd_solver="arpack", random_state=0)
    # 4 groups: 3 components of signal; the rest is noise of near-equal variance.
    np.testing.assert_allclose(from_sparse.scores[:, :3], from_dense.scores[:, :3],
                               atol=1e-3 * np.abs(from_dense.scores[:, 0]).max())
    np.testing.assert_allclose(from_sparse.variance[:3], from_dense.variance[:3], rtol=1e-4)


def test_pca_against_the_eigen_decomposition_of_the_covariance():
    values, _ = planted(n_cells=200, n_genes=40)
    dense = values.toarray().astype(np.float64)
    centred = dense - dense.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    order = np.argsort(eigenvalues)[::-1][:5]
    result = pca(values, n_comps=5, svd_solver="arpack")
    np.testing.assert_allclose(result.variance, eigenvalues[order], rtol=1e-4)
    np.testing.assert_allclose(result.variance_ratio, eigenvalues[order] / eigenvalues.sum(),
                               rtol=1e-4)
    np.testing.assert_allclose(np.abs(result.loadings), np.abs(eigenvectors[:, order]),
                               atol=1e-4)
    # Signs: each loading vector's largest entry is positive.
    largest = np.abs(result.loadings).argmax(axis=0)
    assert (result.loadings[largest, np.arange(5)] > 0).all()


def test_pca_is_seeded_and_keeps_its_input():
    values, _ = planted()
    before = values.copy()
    first = pca(values, n_comps=8, svd_solver="randomized", random_state=3)
    second = pca(values, n_comps=8, svd_solver="randomized", random_state=3)
    np.testing.assert_array_equal(first.scores, second.scores)
    assert (values != before).nnz == 0


def test_pca_without_centring_is_a_truncated_svd():
    values, _ = planted(n_cells=200, n_genes=40)
    singular = np.linalg.svd(values.toarray().astype(np.float64), compute_uv=False)
    for solver in ("arpack", "randomized"):
        result = pca(values, n_comps=3, zero_center=False, svd_solver=solver)
        np.testing.assert_allclose(np.linalg.norm(result.scores, axis=0), singular[:3],
                                   rtol=1e-4)


def test_pca_asks_for_fewer_components_on_small_data():
    values, _ = planted(n_cells=12, n_genes=30)
    assert pca(values, n_comps=50).scores.shape == (12, 11)
    with pytest.raises(ParameterError, match="n_comps"):
        pca(values, n_comps=0)
    with pytest.raises(ParameterError, match="svd_solver"):
        pca(values, svd_solver="lobpcg")


@pytest.fixture(scope="module")
def components():
    values, groups = planted(n_cells=1500)
    return pca(values, n_comps=20, svd_solver="arpack").scores, groups


def test_exact_graph_shape_and_symmetry(components):
    scores, groups = components
    graph = neighbors(scores, n_neighbors=10)
    n = scores.shape[0]
    assert graph.exact
    assert graph.knn_indices.shape == (n, 10)
    np.testing.assert_array_equal(graph.knn_indices[:, 0], np.arange(n))
    assert (graph.knn_distances[:, 0] == 0).all()
    assert (np.diff(graph.knn_distances, axis=1) >= 0).all()
    assert (np.diff(graph.distances.indptr) == 9).all()
    assert abs(graph.connectivities - graph.connectivities.T).max() < 1e-6
    assert graph.connectivities.max() <= 1 + 1e-6
    # Planted groups: nearly every neighbour is from the cell's own group.
    same = groups[graph.knn_indices[:, 1:]] == groups[:, None]
    assert same.mean() > 0.95


@pytest.mark.slow  # pynndescent's numba compilation: 30-100 s on the first call
def test_approximate_graph_finds_the_exact_neighbours_and_is_seeded(components):
    scores, _ = components
    exact = neighbors(scores, n_neighbors=10)
    approximate = neighbors(scores, n_neighbors=10, exact_below=0, random_state=1)
    again = neighbors(scores, n_neighbors=10, exact_below=0, random_state=1)
    assert not approximate.exact
    np.testing.assert_array_equal(approximate.knn_indices, again.knn_indices)
    np.testing.assert_array_equal(approximate.knn_indices[:, 0], np.arange(len(scores)))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in
                      zip(exact.knn_indices, approximate.knn_indices)])
    assert recall > 0.95


def test_identical_cells_still_list_themselves_first():
    points = np.repeat(np.arange(10, dtype=np.float32)[:, None], 2, axis=0)  # pairs
    graph = neighbors(points, n_neighbors=3)
    np.testing.assert_array_equal(graph.knn_indices[:, 0], np.arange(20))
    twins = np.arange(20) ^ 1
    np.testing.assert_array_equal(graph.knn_indices[:, 1], twins)


def test_neighbors_bad_parameters():
    points = np.zeros((5, 2), dtype=np.float32)
    with pytest.raises(ParameterError, match="cannot exceed the number of cells"):
        neighbors(points, n_neighbors=6)
    with pytest.raises(ParameterError, match="metric"):
        neighbors(points, n_neighbors=3, metric="hamming")


def test_harmony_on_single_cell_components_mixes_batches_and_keeps_groups():
    from rnaclust_dash.pp.batch_harmony import harmony_components

    values, groups = planted(n_cells=600, n_genes=200, n_groups=3, seed=2)
    batch = np.arange(600) % 2
    shifted = values.toarray()
    shifted[batch == 1] += 0.4 * (np.arange(200) % 3 == 0)  # batch 1: a third of genes up
    scores = pca(shifted, n_comps=10).scores

    def neighbour_share(points, labels):
        indices = neighbors(points, n_neighbors=11).knn_indices[:, 1:]
        return (labels[indices] == labels[:, None]).mean()

    corrected = harmony_components(scores, batch, random_state=0)
    assert corrected.shape == scores.shape
    assert neighbour_share(scores, batch) > 0.9  # before: neighbours from the same batch
    assert neighbour_share(corrected, batch) < 0.65  # after: mixed (0.5 = perfect)
    assert neighbour_share(corrected, groups) > 0.95  # the biology stays
    np.testing.assert_array_equal(corrected, harmony_components(scores, batch, random_state=0))
