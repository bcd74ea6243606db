"""The flag for a dataset without mitochondrial genes (issue 9 item 2: CellBench has no
MT- genes, so its % mito is 0 for every cell and means nothing)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.pp.sc_qc import (MITO_GENES_ATTR, NO_MITO_GENES, cell_qc_metrics,
                                    filter_cells_and_genes, mito_genes_missing,
                                    mito_notices)


def _cells(symbols) -> ad.AnnData:
    counts = sparse.csr_matrix(np.arange(1, 1 + 3 * len(symbols), dtype=np.float32)
                               .reshape(3, len(symbols)))
    var = pd.DataFrame({"gene_symbol": symbols},
                       index=[f"ENSG{i:05d}" for i in range(len(symbols))])
    return ad.AnnData(counts, obs=pd.DataFrame(index=["a", "b", "c"]), var=var)


@pytest.mark.parametrize("symbols, n_mito", [
    (["MT-CO1", "MT-ND1", "GAPDH"], 2), (["mt-Nd1", "Actb"], 1), (["GAPDH", "ACTB"], 0),
    # a gene merely containing MT- is not mitochondrial
    (["SMT-3", "GAPDH"], 0)])
def test_metrics_count_the_mitochondrial_genes(symbols, n_mito):
    metrics = cell_qc_metrics(_cells(symbols))
    assert metrics.attrs[MITO_GENES_ATTR] == n_mito
    assert mito_genes_missing(metrics) is (n_mito == 0)
    assert mito_notices(metrics) == ((NO_MITO_GENES,) if n_mito == 0 else ())


def test_a_gene_list_decides_instead_of_the_prefixes():
    adata = _cells(["GAPDH", "ACTB"])
    assert mito_genes_missing(cell_qc_metrics(adata, mito_genes=["ACTB"])) is False
    assert mito_genes_missing(cell_qc_metrics(_cells(["MT-CO1"]), mito_genes=[])) is True


def test_the_flag_survives_the_filter_and_a_table_without_it_says_nothing():
    adata = _cells(["GAPDH", "ACTB"])
    result = filter_cells_and_genes(adata, metrics=cell_qc_metrics(adata))
    assert mito_genes_missing(result.metrics)
    # a metrics table made elsewhere (no attrs): no claim either way
    bare = pd.DataFrame({"n_genes": [1], "total_counts": [1.0], "pct_mito": [0.0]})
    assert not mito_genes_missing(bare) and mito_notices(bare) == ()


def test_the_notice_says_what_a_biologist_needs():
    assert "MT-/mt-" in NO_MITO_GENES and "0 for every cell" in NO_MITO_GENES


def test_the_cli_run_on_cellbench_notes_the_missing_mitochondrial_genes(tmp_path, capsys):
    """The bundled CellBench cells (no MT- gene kept): `run` says so in its notes."""
    from importlib import resources

    from rnaclust_dash.cli import main

    folder = resources.files("rnaclust_dash") / "data" / "cellbench"
    status = main(["run", str(folder / "counts.h5"), "--metadata", str(folder / "cells.csv"),
                   "--out", str(tmp_path / "out"), "--embedding", "pca", "--hvg", "500",
                   "--pcs", "10"])
    assert status == 0
    assert f"note: {NO_MITO_GENES}" in capsys.readouterr().err
