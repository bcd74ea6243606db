"""Each highly-variable-gene flavor's ranking on hand-checked toys (issue 9 item 3).

Parity with scanpy on real cells (every flavor, with and without batches) is in
test_sc_pp_parity.py.
"""

from __future__ import annotations

import math

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.hvg import highly_variable_genes

GENES = [f"g{i}" for i in range(6)]


def _adata(values, **layers) -> ad.AnnData:
    values = np.asarray(values, dtype=np.float64)
    return ad.AnnData(sparse.csr_matrix(values),
                      var=pd.DataFrame(index=GENES[:values.shape[1]]),
                      layers={name: sparse.csr_matrix(layer)
                              for name, layer in layers.items()})


# Normalized (not log) values of 4 cells: g0-g3 have mean 2, g4-g5 mean 20 (another bin).
SEURAT_NORMALIZED = np.array([[2, 1, 0, 0, 10, 19], [2, 3, 4, 0, 30, 21],
                              [2, 1, 0, 0, 10, 19], [2, 3, 4, 8, 30, 21]], dtype=np.float64)


def test_seurat_flavor_by_hand():
    table = highly_variable_genes(_adata(np.log1p(SEURAT_NORMALIZED)), flavor="seurat",
                                  n_top_genes=2)
    # Dispersion = variance / mean of the normalized values, log; z-scored per mean bin.
    low_bin = [math.log((4 / 3) / 2), math.log((16 / 3) / 2), math.log(16 / 2)]  # g1-g3
    high_bin = [math.log((400 / 3) / 20), math.log((4 / 3) / 20)]  # g4, g5
    expected = {}
    for genes, logs in ((["g1", "g2", "g3"], low_bin), (["g4", "g5"], high_bin)):
        mean, sd = np.mean(logs), np.std(logs, ddof=1)
        expected.update({gene: (value - mean) / sd for gene, value in zip(genes, logs)})
    np.testing.assert_allclose(table.loc[list(expected), "dispersions_norm"],
                               list(expected.values()), rtol=1e-6)
    assert np.isnan(table.loc["g0", "dispersions_norm"])  # constant: no dispersion
    # g3 tops the low bin; g4 tops the high bin although g2's dispersion is larger.
    assert table.index[table["highly_variable"]].tolist() == ["g3", "g4"]
    np.testing.assert_allclose(table["means"], np.log1p([2, 2, 2, 2, 20, 20]), rtol=1e-6)
    assert list(table.columns[:2]) == ["highly_variable", "means"]


def test_cell_ranger_flavor_by_hand():
    # One mean (2) for all: one bin; dispersion var/mean = 0, 2/3, 8/3, 8, 1/3, 2/3 is
    # normalized by the median (2/3) and the MAD (median |d - 2/3| = 1/2, / 0.67449).
    values = np.array([[2, 1, 0, 0, 1, 1], [2, 3, 4, 0, 2, 3],
                       [2, 1, 0, 0, 2, 1], [2, 3, 4, 8, 3, 3]], dtype=np.float64)
    table = highly_variable_genes(_adata(values), flavor="cell_ranger", n_top_genes=2)
    dispersion = np.array([0, 2 / 3, 8 / 3, 8, 1 / 3, 2 / 3])
    expected = (dispersion - 2 / 3) / (0.5 / 0.6744897501960817)
    np.testing.assert_allclose(table["dispersions_norm"], expected, rtol=1e-6)
    assert table.index[table["highly_variable"]].tolist() == ["g2", "g3"]


def _hand_residual_variance(counts: np.ndarray, theta=100.0) -> np.ndarray:
    n_cells, n_genes = counts.shape
    total = counts.sum()
    clip = math.sqrt(n_cells)
    result = []
    for gene in range(n_genes):
        residuals = []
        for cell in range(n_cells):
            mu = counts[cell].sum() * counts[:, gene].sum() / total
            residual = (counts[cell, gene] - mu) / math.sqrt(mu + mu * mu / theta)
            residuals.append(min(max(residual, -clip), clip))
        result.append(np.var(residuals))
    return np.array(result)


def test_pearson_residuals_flavor_by_hand():
    counts = np.array([[1, 0, 5, 2, 0, 3], [2, 0, 0, 4, 1, 3], [4, 9, 0, 8, 1, 2],
                       [1, 0, 5, 2, 0, 4]], dtype=np.float64)
    table = highly_variable_genes(_adata(counts), flavor="pearson_residuals",
                                  n_top_genes=2)
    expected = _hand_residual_variance(counts)
    np.testing.assert_allclose(table["residual_variances"], expected, rtol=1e-10)
    # g2 (counts in two cells only) and g1 (all 9 counts in one cell) vary most; g0, close
    # to each cell's share of the counts, least.
    assert np.argsort(-expected).tolist() == [2, 1, 5, 4, 3, 0]
    assert table.index[table["highly_variable"]].tolist() == ["g1", "g2"]
    assert table.loc[["g2", "g1"], "highly_variable_rank"].tolist() == [0, 1]
    assert table["highly_variable_rank"].isna().sum() == 4


def test_seurat_v3_standardizes_by_the_trend_and_clips_outliers():
    # Six genes of interest among 300 Poisson genes that give the mean-variance trend:
    # g0 is overdispersed in every cell (mean 5, variance 30); g1 has the same total all in
    # one cell; g2-g5 are Poisson with mean 5.
    rng = np.random.default_rng(0)
    n_cells = 200
    background = rng.poisson(rng.uniform(0.05, 20, 300), size=(n_cells, 300))
    spread = rng.negative_binomial(1, 1 / 6, size=n_cells)
    outlier = np.zeros(n_cells)
    outlier[0] = spread.sum()
    plain = rng.poisson(5, size=(n_cells, 4))
    counts = np.column_stack([spread, outlier, plain, background])
    adata = ad.AnnData(sparse.csr_matrix(counts.astype(np.float32)),
                       var=pd.DataFrame(index=GENES + [f"b{i}" for i in range(300)]))
    table = highly_variable_genes(adata, flavor="seurat_v3", n_top_genes=10)
    assert table.loc[["g0", "g1"], "highly_variable"].all()
    assert table.loc[["g0", "g1"], "highly_variable_rank"].max() == 1
    # Poisson genes sit on the trend: standardized variance near 1, not selected.
    assert not table.loc[GENES[2:], "highly_variable"].any()
    assert table.loc[GENES[2:], "variances_norm"].between(0.5, 1.5).all()
    # g1's variance over its mean is ~1000; the clip at sqrt(200) expected sd (Poisson
    # sd ~ sqrt(5)) leaves one value of ~37 above the mean: standardized variance < 10.
    assert table.loc["g1", "variances"] / table.loc["g1", "means"] > 1000
    assert table.loc["g1", "variances_norm"] < 10
    assert table["highly_variable"].sum() == 10


def test_count_flavors_read_the_counts_layer():
    counts = np.array([[1, 0, 5, 2, 0, 3], [2, 0, 0, 4, 1, 3], [4, 9, 0, 8, 1, 2],
                       [1, 0, 5, 2, 0, 4]], dtype=np.float64)
    adata = _adata(np.log1p(counts), counts=counts)
    from_layer = highly_variable_genes(adata, flavor="pearson_residuals", n_top_genes=2,
                                       layer_counts="counts")
    direct = highly_variable_genes(_adata(counts), flavor="pearson_residuals",
                                   n_top_genes=2)
    pd.testing.assert_frame_equal(from_layer, direct)
    with pytest.raises(DataError, match="layer 'raw_counts'"):
        highly_variable_genes(adata, flavor="seurat_v3", layer_counts="raw_counts")


def test_bad_flavor_and_batch_column():
    adata = _adata(np.log1p(SEURAT_NORMALIZED))
    with pytest.raises(ParameterError, match="flavor"):
        highly_variable_genes(adata, flavor="seurat_v4")
    with pytest.raises(ParameterError, match="batch column 'plate'"):
        highly_variable_genes(adata, batch_key="plate")


def test_seurat_cutoffs_without_a_number_of_genes():
    adata = _adata(np.log1p(SEURAT_NORMALIZED))
    # Normalized dispersions (see test_seurat_flavor_by_hand): g3 0.96, g4 0.71, g2 0.08;
    # g4's mean log1p(20) = 3.04 is above max_mean 3: only g3 passes scanpy's defaults.
    table = highly_variable_genes(adata, flavor="seurat", n_top_genes=None)
    assert table.index[table["highly_variable"]].tolist() == ["g3"]
    wider = highly_variable_genes(adata, flavor="seurat", n_top_genes=None,
                                  cutoffs={"max_mean": 4, "min_disp": 0.0})
    assert wider.index[wider["highly_variable"]].tolist() == ["g2", "g3", "g4"]
    with pytest.raises(ParameterError, match="n_top_genes"):
        highly_variable_genes(adata, flavor="seurat_v3", n_top_genes=None)
