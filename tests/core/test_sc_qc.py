"""Single-cell QC metrics and filters on hand-checked toys (issue 9 item 2).

The parity with scanpy on real cells is in test_sc_pp_parity.py.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.sc_qc import QC_RULES, cell_qc_metrics, filter_cells_and_genes

SYMBOLS = ["MT-CO1", "mt-Nd1", "RPS3", "RPL7", "GAPDH"]


def toy(with_symbols: bool = True) -> ad.AnnData:
    """Cells A (all kinds of genes, a stored zero for mt-Nd1), B (GAPDH only, a stored
    zero for MT-CO1), C (no counts)."""
    counts = sparse.csr_matrix((np.array([2, 0, 3, 1, 4, 0, 5], np.float32),
                                np.array([0, 1, 2, 3, 4, 0, 4]),
                                np.array([0, 5, 7, 7])), shape=(3, 5))
    if with_symbols:
        var = pd.DataFrame({"gene_symbol": SYMBOLS},
                           index=[f"ENSG0{i}" for i in range(5)])
    else:
        var = pd.DataFrame(index=SYMBOLS)
    return ad.AnnData(counts, obs=pd.DataFrame(index=["A", "B", "C"]), var=var)


def test_metrics_by_hand():
    metrics = cell_qc_metrics(toy())
    assert list(metrics.index) == ["A", "B", "C"]
    # A: 2 + 3 + 1 + 4 = 10 counts in 4 genes; MT-CO1 (2) mitochondrial -> 20 %;
    # RPS3 + RPL7 (3 + 1) ribosomal -> 40 %. B: 5 in GAPDH (the stored zero is no gene).
    assert metrics["n_genes"].tolist() == [4, 1, 0]
    assert metrics["total_counts"].tolist() == [10, 5, 0]
    np.testing.assert_allclose(metrics["pct_mito"], [20.0, 0.0, 0.0])
    np.testing.assert_allclose(metrics["pct_ribo"], [40.0, 0.0, 0.0])


def test_mouse_prefix_and_var_names_without_symbols():
    adata = toy(with_symbols=False)
    adata.X = sparse.csr_matrix(np.array([[1, 1, 0, 0, 2], [0, 0, 0, 0, 1],
                                          [0, 4, 0, 0, 0]], dtype=np.float32))
    metrics = cell_qc_metrics(adata)
    np.testing.assert_allclose(metrics["pct_mito"], [50.0, 0.0, 100.0])


def test_a_mitochondrial_gene_list_replaces_the_prefixes():
    metrics = cell_qc_metrics(toy(), mito_genes=["GAPDH"])
    np.testing.assert_allclose(metrics["pct_mito"], [40.0, 100.0, 0.0])
    by_id = cell_qc_metrics(toy(), mito_genes=["ENSG04"])
    np.testing.assert_allclose(by_id["pct_mito"], [40.0, 100.0, 0.0])


def test_metrics_of_dense_counts_equal_sparse():
    adata = toy()
    dense = ad.AnnData(adata.X.toarray(), obs=adata.obs, var=adata.var)
    pd.testing.assert_frame_equal(cell_qc_metrics(dense), cell_qc_metrics(adata))


def test_negative_values_are_not_counts():
    adata = toy()
    adata.X = adata.X.toarray() - 1
    with pytest.raises(DataError, match="negative values"):
        cell_qc_metrics(adata)


def test_filter_counts_what_each_rule_removes_and_keeps_the_input():
    adata = toy()
    before = adata.X.copy()
    result = filter_cells_and_genes(adata, min_genes=1, min_cells=2)
    assert result.kept_cells.tolist() == [True, True, False]
    # Of A and B only GAPDH has counts in both.
    assert result.kept_genes.tolist() == [False, False, False, False, True]
    assert result.removed_by_rule == {"min_genes": 1, "max_genes": 0, "min_counts": 0,
                                      "max_pct_mito": 0, "min_cells": 4}
    assert tuple(result.removed_by_rule) == QC_RULES
    assert result.adata.shape == (2, 1)
    assert result.adata.X.toarray().ravel().tolist() == [4, 5]
    assert result.adata.obs["n_genes"].tolist() == [4, 1]
    assert result.metrics["kept"].tolist() == [True, True, False]
    assert (adata.X != before).nnz == 0 and adata.shape == (3, 5)


def test_each_rule_alone():
    adata = toy()
    assert filter_cells_and_genes(adata, max_genes=3).kept_cells.tolist() == [
        False, True, True]
    assert filter_cells_and_genes(adata, min_counts=6).kept_cells.tolist() == [
        True, False, False]
    assert filter_cells_and_genes(adata, max_pct_mito=10).kept_cells.tolist() == [
        False, True, True]
    # A cell failing two rules counts under both.
    result = filter_cells_and_genes(adata, min_genes=2, min_counts=6)
    assert result.removed_by_rule["min_genes"] == 2
    assert result.removed_by_rule["min_counts"] == 2


def test_precomputed_metrics_are_used():
    adata = toy()
    metrics = cell_qc_metrics(adata, mito_genes=["GAPDH"])
    result = filter_cells_and_genes(adata, max_pct_mito=50, metrics=metrics)
    assert result.kept_cells.tolist() == [True, False, True]
    with pytest.raises(DataError, match="same cells"):
        filter_cells_and_genes(adata, metrics=metrics.iloc[::-1])


def test_all_cells_removed_names_the_worst_rule():
    with pytest.raises(DataError, match=r"all 3 cells.*min_counts alone removes 3"):
        filter_cells_and_genes(toy(), min_genes=1, min_counts=100)


def test_no_gene_left_is_a_clear_error():
    with pytest.raises(DataError, match="min_cells"):
        filter_cells_and_genes(toy(), min_cells=3)


@pytest.mark.parametrize("rules", [{"min_genes": -1}, {"max_pct_mito": 150},
                                   {"min_genes": 5, "max_genes": 2},
                                   {"min_counts": float("nan")}])
def test_bad_thresholds(rules):
    with pytest.raises(ParameterError):
        filter_cells_and_genes(toy(), **rules)
