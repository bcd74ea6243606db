"""The single-cell steps that work a chunk of cells at a time (issue 9 item 9: a million
cells in 24 GiB) give what the whole-matrix computation gives, and the store keeps no
in-memory copy of a large value. Chunks are made tiny here so that every test crosses
many chunk boundaries."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest
from scipy import sparse

import rnaclust_dash.pp._sc_inputs as sc_inputs
import rnaclust_dash.pp.sc_normalize as sc_normalize
import rnaclust_dash.tl.sc_markers as sc_markers
from rnaclust_dash.pp import normalize_log1p_subset, normalize_total_log1p, subset_cells_genes
from rnaclust_dash.pp.pca import _ScaledRows, pca, pca_of_scaled
from rnaclust_dash.pp.sc_normalize import gene_mean_var, scale
from rnaclust_dash.pp.sc_qc import filter_cells_and_genes
from rnaclust_dash.store import ResultStore
from rnaclust_dash.store.base import pickled_size
from rnaclust_dash.tl.sc_markers import rank_genes_groups


@pytest.fixture
def tiny_chunks(monkeypatch):
    """A few hundred stored values per chunk of cells (and per CSC part of the markers)."""
    monkeypatch.setattr(sc_inputs, "CHUNK_ENTRIES", 700)
    monkeypatch.setattr(sc_normalize, "CHUNK_ENTRIES", 700)
    monkeypatch.setattr(sc_markers, "_PART_ENTRIES", 3_000)
    monkeypatch.setattr(_ScaledRows, "_ROWS", 97)


def _counts(n_cells=1_500, n_genes=120, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.poisson(rng.gamma(0.4, 1.0, size=n_genes), size=(n_cells, n_genes))
    dense[: n_cells // 3, :10] += rng.poisson(4, size=(n_cells // 3, 10))
    dense[5] = 0  # a cell without counts
    return sparse.csr_matrix(dense.astype(np.float32))


def _kept(n_cells=1_500, n_genes=120, seed=1):
    rng = np.random.default_rng(seed)
    return (np.flatnonzero(rng.random(n_cells) < 0.8),
            np.flatnonzero(rng.random(n_genes) < 0.7))


def test_chunks_cover_every_row_once(tiny_chunks):
    counts = _counts()
    ranges = list(sc_inputs.row_chunks(counts))
    assert len(ranges) > 10
    assert ranges[0][0] == 0 and ranges[-1][1] == counts.shape[0]
    assert all(stop == next_start for (_, stop), (next_start, _) in zip(ranges, ranges[1:]))


@pytest.mark.parametrize("target_sum", [1e4, None])
@pytest.mark.parametrize("which", ["both", "cells", "genes", "none"])
def test_normalize_subset_equals_normalizing_a_copy(tiny_chunks, target_sum, which):
    counts = _counts()
    cells, genes = _kept()
    cells = cells if which in ("both", "cells") else None
    genes = genes if which in ("both", "genes") else None
    copy = counts[cells if cells is not None else slice(None)][
        :, genes if genes is not None else slice(None)]
    expected = normalize_total_log1p(copy, target_sum=target_sum)
    got = normalize_log1p_subset(counts, cells=cells, genes=genes, target_sum=target_sum)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)  # to the last bit


def test_subset_cells_genes(tiny_chunks):
    counts = _counts()
    cells, genes = _kept()
    got = subset_cells_genes(counts, cells=cells, genes=genes)
    np.testing.assert_array_equal(got.toarray(), counts.toarray()[np.ix_(cells, genes)])
    assert np.shares_memory(subset_cells_genes(counts).data, counts.data)  # not copied


def test_cells_per_gene_over_kept_cells(tiny_chunks):
    counts = _counts()
    rows = np.zeros(counts.shape[0], dtype=bool)
    rows[_kept()[0]] = True
    expected = (counts.toarray()[rows] > 0).sum(axis=0)
    np.testing.assert_array_equal(sc_inputs._cells_per_gene(counts, rows=rows), expected)


def test_gene_mean_var_in_slices(tiny_chunks):
    values = normalize_total_log1p(_counts())
    dense = values.toarray().astype(np.float64)
    mean, variance = gene_mean_var(values)
    np.testing.assert_allclose(mean, dense.mean(axis=0), rtol=1e-12)
    # squares in float32, as scanpy: the variance to float32 precision
    np.testing.assert_allclose(variance, dense.var(axis=0, ddof=1), rtol=1e-6)


def test_filter_copies_only_when_asked(tiny_chunks):
    import anndata as ad

    counts = _counts()
    adata = ad.AnnData(X=counts)
    result = filter_cells_and_genes(adata, min_genes=20, min_cells=200)
    kept = counts.toarray()[result.kept_cells][:, result.kept_genes]
    np.testing.assert_array_equal((counts.toarray()[result.kept_cells] > 0).sum(axis=0)
                                  >= 200, result.kept_genes)
    np.testing.assert_array_equal(result.adata.X.toarray(), kept)


def test_pca_of_scaled_equals_pca_of_the_dense_scaled_matrix(tiny_chunks):
    values = normalize_total_log1p(_counts(n_cells=2_000, n_genes=80))
    expected = pca(scale(values, max_value=1.5), n_comps=5, random_state=0,
                   svd_solver="randomized")
    got = pca_of_scaled(values, max_value=1.5, n_comps=5, random_state=0,
                        svd_solver="randomized")
    np.testing.assert_allclose(got.variance_ratio, expected.variance_ratio, rtol=1e-5)
    np.testing.assert_allclose(got.scores, expected.scores, atol=1e-3 * np.abs(
        expected.scores).max())
    np.testing.assert_allclose(got.loadings, expected.loadings, atol=1e-4)


@pytest.mark.parametrize("method", ["wilcoxon", "t-test"])
def test_markers_in_parts_equal_markers_at_once(monkeypatch, method):
    values = normalize_total_log1p(_counts())
    groups = np.random.default_rng(2).integers(0, 4, size=values.shape[0]).astype(str)
    groups[: values.shape[0] // 3] = "A"
    expected = rank_genes_groups(values, groups, method=method)
    monkeypatch.setattr(sc_inputs, "CHUNK_ENTRIES", 700)
    monkeypatch.setattr(sc_markers, "_PART_ENTRIES", 3_000)
    got = rank_genes_groups(values, groups, method=method)
    assert got["gene"].tolist() == expected["gene"].tolist()
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["log2fc"], expected["log2fc"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["pct_in"], expected["pct_in"], rtol=1e-12)


def test_store_writes_a_large_value_without_a_copy_in_memory(tmp_path):
    matrix = sparse.random(20_000, 500, density=0.1, format="csr", dtype=np.float32,
                           random_state=0)
    size = matrix.data.nbytes + matrix.indices.nbytes
    assert pickled_size(matrix) == len(pickle.dumps(matrix, pickle.HIGHEST_PROTOCOL))
    store = ResultStore(tmp_path)
    try:
        tracemalloc.start()
        store.put("large", matrix)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < size / 10
        assert (store.get("large") != matrix).nnz == 0
        store.put("small", {"a": 1})
        assert store.get("small") == {"a": 1}
    finally:
        store.cache.close()
