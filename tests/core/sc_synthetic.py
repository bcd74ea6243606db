"""Small synthetic single-cell data for the single-cell pipeline and CLI tests."""

from __future__ import annotations

import gzip
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import io, sparse

from rnaclust_dash.dataset import Dataset


def planted_cells(n_per_group: int = 100, n_groups: int = 3, n_genes: int = 400, *,
                  n_markers: int = 25, n_poor: int = 6, seed: int = 0) -> ad.AnnData:
    """Cells x genes negative-binomial counts with ``n_groups`` planted cell types.

    Each type raises its own ``n_markers`` genes eight-fold; 10 genes are mitochondrial
    (``MT-``); the last ``n_poor`` cells have very few counts (QC removes them with
    min_genes 50). obs: ``cell_type`` (the truth, ``poor`` for those) and ``plate``.
    """
    rng = np.random.default_rng(seed)
    n_good = n_per_group * n_groups
    base = rng.gamma(0.6, 1.5, size=n_genes)
    truth = np.repeat([f"type{g + 1}" for g in range(n_groups)], n_per_group)
    means = np.tile(base, (n_good, 1))
    for g in range(n_groups):
        markers = slice(10 + g * n_markers, 10 + (g + 1) * n_markers)
        means[truth == f"type{g + 1}", markers] *= 8
    means *= rng.lognormal(0, 0.3, size=(n_good, 1))  # library sizes
    counts = rng.negative_binomial(2, 2 / (2 + means))
    poor = rng.binomial(1, 0.02, size=(n_poor, n_genes))
    counts = np.vstack([counts, poor]).astype(np.float32)
    genes = [f"ENSG{i:08d}" for i in range(n_genes)]
    symbols = [f"MT-G{i}" if i < 10 else f"GENE{i}" for i in range(n_genes)]
    cells = [f"CELL{i:04d}-1" for i in range(len(counts))]
    obs = pd.DataFrame({"cell_type": np.r_[truth, ["poor"] * n_poor],
                        "plate": rng.choice(["p1", "p2"], size=len(counts))}, index=cells)
    return ad.AnnData(sparse.csr_matrix(counts), obs=obs,
                      var=pd.DataFrame({"gene_symbol": symbols}, index=genes))


def planted_dataset(**options) -> Dataset:
    """:func:`planted_cells` as a Dataset (raw counts, the cell sheet in obs)."""
    return Dataset.from_anndata(planted_cells(**options), value_kind="counts")


def nested_cells() -> ad.AnnData:
    """Three planted types; type3 holds two sub-types (``type3a``/``type3b``): the second
    half of its cells also raises 25 genes of its own eight-fold (as the types' markers),
    yet a resolution of 0.05 keeps type3 whole."""
    adata = planted_cells(n_per_group=120, n_genes=400, seed=3)
    rng = np.random.default_rng(7)
    truth = adata.obs["cell_type"].to_numpy().astype(object)
    type3 = np.flatnonzero(truth == "type3")
    first, second = type3[:len(type3) // 2], type3[len(type3) // 2:]
    counts = adata.X.toarray()
    genes = slice(300, 325)
    extra_mean = 7 * counts[:, genes].mean(axis=0)  # 8-fold in all: 7 more
    counts[second, genes] += rng.negative_binomial(2, 2 / (2 + extra_mean),
                                                   size=(len(second), 25))
    truth[first], truth[second] = "type3a", "type3b"
    adata.X = sparse.csr_matrix(counts.astype(np.float32))
    adata.obs["cell_type"] = truth
    return adata


def write_tenx(adata: ad.AnnData, folder: Path) -> Path:
    """A Cell Ranger 3 folder (matrix.mtx.gz genes x cells, barcodes, features) and a
    cells.csv of the obs; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "matrix.mtx.gz", "wb") as handle:
        io.mmwrite(handle, sparse.coo_matrix(adata.X.T).astype(np.int64), field="integer")
    with gzip.open(folder / "barcodes.tsv.gz", "wt") as handle:
        handle.write("".join(f"{cell}\n" for cell in adata.obs_names))
    with gzip.open(folder / "features.tsv.gz", "wt") as handle:
        handle.write("".join(f"{gene}\t{symbol}\tGene Expression\n" for gene, symbol in
                             zip(adata.var_names, adata.var["gene_symbol"])))
    adata.obs.rename_axis("barcode").to_csv(folder.parent / "cells.csv")
    return folder
