"""Make the scanpy references of the single-cell preprocessing tests (tests/core/test_sc_*.py).

Run with scanpy 1.11.5 in its own venv (never installed system-wide), from the repository
root, with ../shared present:

    python -m venv /work/wt/scanpy-venv
    /work/wt/scanpy-venv/bin/pip install scanpy==1.11.5 "scipy<1.17" scikit-misc
    /work/wt/scanpy-venv/bin/python tests/data/reference/scanpy/make_sc_pp_reference.py

It writes, into tests/data/reference/scanpy/:

- ``cellbench_subset/``: a small, shippable subset of the CellBench 5-cell-line CEL-seq2 set
  (MIT; Tian et al. 2019, GEO GSE118767; ../shared/data/cellbench_5cl_celseq2_3plates):
  200 cells (30 single cells of each line by demuxlet, 50 demuxlet doublets) x 1,200 genes
  (500 most variable + 600 others seeded + 60 ribosomal + 40 seen in <= 2 of these cells),
  ``counts.npz`` (CSR int32) ``cells.csv``, ``genes.csv``; and scanpy's outputs on it:
  ``qc.csv`` (calculate_qc_metrics, qc_vars "mt" = the 10 genes in ``mito_genes.txt``,
  "ribo" = symbols starting RPS/RPL), ``filter.json`` (filter_cells / filter_genes, pct_counts_mt <= 2),
  ``hvg.csv.gz`` (highly_variable_genes n_top_genes=300: seurat and cell_ranger on
  normalize_total(1e4)+log1p, seurat_v3 on counts, experimental pearson_residuals on
  counts; seurat, seurat_v3 and pearson_residuals also with batch_key="plate"),
  ``pca_scale.csv.gz`` (scale(max_value=10) of the seurat HVGs: per-gene mean and
  max of the scaled values; pca(50, arpack, random_state=0) first 30 PCs),
  ``neighbors.csv.gz`` (neighbors(n_neighbors=15, n_pcs=30) connectivities and
  distances as triplets) and ``scrublet.csv`` (scrublet(random_state=0) scores).
- ``cellbench_full_hvg_ids.csv.gz``: the 2,000 HVG ids of the full CellBench set (after
  filter_cells(min_genes=200), filter_genes(min_cells=3)) for cell_ranger, seurat_v3 and
  pearson_residuals (the shared reference has seurat only).
- ``cellbench_full_scrublet.csv``: scrublet(random_state=0) on all 909 cells (the set has
  demuxlet doublet calls to judge it by).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scanpy as sc
import scipy
import scipy.io
from scipy import sparse

OUT = Path(__file__).resolve().parent
SHARED = OUT.parents[3] / ".." / "shared" / "data" / "cellbench_5cl_celseq2_3plates"
N_TOP = 300
#: Reproducible bytes: no time stamp in the gzip headers.
GZIP = {"method": "gzip", "mtime": 0}


def read_cellbench() -> sc.AnnData:
    counts = sparse.csr_matrix(scipy.io.mmread(SHARED / "counts.mtx.gz").T, dtype=np.float32)
    barcodes = pd.read_csv(SHARED / "barcodes.tsv.gz", header=None)[0].astype(str)
    features = pd.read_csv(SHARED / "features.tsv.gz", header=None, sep="\t")
    var = pd.DataFrame({"gene_symbol": features[1].astype(str).to_numpy()},
                       index=features[0].astype(str).to_numpy())
    cells = pd.read_csv(SHARED / "cells.csv", index_col=0).loc[barcodes.to_numpy()]
    return sc.AnnData(counts, obs=cells[["cell_type", "plate", "demuxlet_cls"]], var=var)


def choose_subset(full: sc.AnnData) -> sc.AnnData:
    rng = np.random.default_rng(20261130)
    obs = full.obs
    singles = [rng.choice(np.flatnonzero((obs.cell_type == line).to_numpy()
                                        & (obs.demuxlet_cls == "SNG").to_numpy()),
                          30, replace=False) for line in sorted(obs.cell_type.unique())]
    doublets = rng.choice(np.flatnonzero((obs.demuxlet_cls == "DBL").to_numpy()), 50,
                          replace=False)
    cells = np.sort(np.concatenate(singles + [doublets]))
    sub = full[cells].copy()
    detected = np.asarray((sub.X > 0).sum(axis=0)).ravel()
    log = sc.pp.log1p(sc.pp.normalize_total(sub, target_sum=1e4, copy=True), copy=True)
    variance = np.asarray(log.X.power(2).mean(axis=0)).ravel() - np.square(
        np.asarray(log.X.mean(axis=0)).ravel())
    symbols = sub.var.gene_symbol.to_numpy()
    ribo = pd.Series(symbols).str.startswith(("RPS", "RPL")).to_numpy()
    seen = np.flatnonzero((detected >= 3) & ~ribo)
    top = seen[np.argsort(-variance[seen], kind="stable")[:500]]
    others = rng.choice(np.setdiff1d(seen, top), 600, replace=False)
    ribosomal = rng.choice(np.flatnonzero(ribo & (detected >= 3)), 60, replace=False)
    rare = rng.choice(np.flatnonzero(detected <= 2), 40, replace=False)
    genes = np.sort(np.concatenate([top, others, ribosomal, rare]))
    return sub[:, genes].copy()


def write_subset(sub: sc.AnnData, folder: Path) -> list[str]:
    folder.mkdir(exist_ok=True)
    counts = sparse.csr_matrix(sub.X).astype(np.int32)
    np.savez_compressed(folder / "counts.npz", data=counts.data, indices=counts.indices,
                        indptr=counts.indptr, shape=np.array(counts.shape))
    sub.obs.rename_axis("cell_id").to_csv(folder / "cells.csv")
    sub.var.rename_axis("gene_id").to_csv(folder / "genes.csv")
    rng = np.random.default_rng(7)
    expressed = np.flatnonzero(np.asarray((sub.X > 0).sum(axis=0)).ravel() > 20)
    mito = sorted(sub.var_names[rng.choice(expressed, 10, replace=False)])
    (folder / "mito_genes.txt").write_text("\n".join(mito) + "\n")
    return mito


def qc_references(sub: sc.AnnData, mito: list[str], folder: Path) -> None:
    adata = sub.copy()
    adata.var["mt"] = adata.var_names.isin(mito)
    adata.var["ribo"] = adata.var.gene_symbol.str.startswith(("RPS", "RPL"))
    metrics, _ = sc.pp.calculate_qc_metrics(adata, qc_vars=["mt", "ribo"], percent_top=None,
                                            log1p=False)
    metrics[["n_genes_by_counts", "total_counts", "pct_counts_mt", "pct_counts_ribo"]
            ].rename_axis("cell_id").to_csv(folder / "qc.csv", float_format="%.10g")
    rules = {"min_genes": 550, "max_genes": 780, "min_counts": 3000, "max_pct_mito": 2.0,
             "min_cells": 20}
    cells = sc.pp.filter_cells(adata, min_genes=rules["min_genes"], inplace=False)[0]
    cells &= sc.pp.filter_cells(adata, max_genes=rules["max_genes"], inplace=False)[0]
    cells &= sc.pp.filter_cells(adata, min_counts=rules["min_counts"], inplace=False)[0]
    cells &= (metrics["pct_counts_mt"] <= rules["max_pct_mito"]).to_numpy()
    genes = sc.pp.filter_genes(adata[cells], min_cells=rules["min_cells"], inplace=False)[0]
    (folder / "filter.json").write_text(json.dumps({
        "rules": rules, "kept_cells": adata.obs_names[cells].tolist(),
        "kept_genes": adata.var_names[genes].tolist()}, indent=0) + "\n")


def hvg_references(sub: sc.AnnData, folder: Path) -> sc.AnnData:
    log = sc.pp.log1p(sc.pp.normalize_total(sub, target_sum=1e4, copy=True), copy=True)
    columns = {}
    for flavor, batch in (("seurat", None), ("cell_ranger", None), ("seurat", "plate")):
        table = sc.pp.highly_variable_genes(log, flavor=flavor, n_top_genes=N_TOP,
                                            batch_key=batch, inplace=False)
        tag = flavor + ("_batch" if batch else "")
        columns[f"{tag}_hv"] = table["highly_variable"].to_numpy()
        columns[f"{tag}_dispersions_norm"] = table["dispersions_norm"].to_numpy()
        columns[f"{tag}_means"] = table["means"].to_numpy()
    for batch in (None, "plate"):
        tag = "seurat_v3" + ("_batch" if batch else "")
        table = sc.pp.highly_variable_genes(sub, flavor="seurat_v3", n_top_genes=N_TOP,
                                            batch_key=batch, inplace=False)
        columns[f"{tag}_hv"] = table["highly_variable"].to_numpy()
        columns[f"{tag}_variances_norm"] = table["variances_norm"].to_numpy()
        columns[f"{tag}_rank"] = table["highly_variable_rank"].to_numpy()
        tag = "pearson_residuals" + ("_batch" if batch else "")
        table = sc.experimental.pp.highly_variable_genes(
            sub, flavor="pearson_residuals", n_top_genes=N_TOP, batch_key=batch,
            inplace=False)
        columns[f"{tag}_hv"] = table["highly_variable"].to_numpy()
        columns[f"{tag}_residual_variances"] = table["residual_variances"].to_numpy()
        columns[f"{tag}_rank"] = table["highly_variable_rank"].to_numpy()
    pd.DataFrame(columns, index=sub.var_names.rename("gene_id")).to_csv(
        folder / "hvg.csv.gz", float_format="%.10g", compression=GZIP)
    sc.pp.highly_variable_genes(log, flavor="seurat", n_top_genes=N_TOP)
    return log


def pca_neighbor_references(log: sc.AnnData, folder: Path) -> None:
    adata = log[:, log.var.highly_variable].copy()
    sc.pp.scale(adata, max_value=10)
    scale = pd.DataFrame({"scaled_mean": adata.X.mean(axis=0),
                          "scaled_max": adata.X.max(axis=0),
                          "scaled_min": adata.X.min(axis=0)}, index=adata.var_names)
    scale.rename_axis("gene_id").to_csv(folder / "scale.csv.gz", float_format="%.8g",
                                        compression=GZIP)
    sc.pp.pca(adata, n_comps=50, svd_solver="arpack", random_state=0)
    pcs = pd.DataFrame(adata.obsm["X_pca"][:, :30], index=adata.obs_names,
                       columns=[f"PC{i + 1}" for i in range(30)])
    pcs.rename_axis("cell_id").to_csv(folder / "pca.csv.gz", float_format="%.8g",
                                      compression=GZIP)
    sc.pp.neighbors(adata, n_neighbors=15, n_pcs=30, random_state=0)
    conn = adata.obsp["connectivities"].tocoo()
    dist = sparse.csr_matrix(adata.obsp["distances"])
    dist_values = np.asarray(dist[conn.row, conn.col]).ravel()
    pd.DataFrame({"row": conn.row, "col": conn.col, "connectivity": conn.data,
                  "distance": dist_values}).to_csv(folder / "neighbors.csv.gz", index=False,
                                                   float_format="%.8g", compression=GZIP)


def scrublet_reference(sub: sc.AnnData, folder: Path) -> None:
    adata = sub.copy()
    sc.pp.scrublet(adata, random_state=0)
    adata.obs[["doublet_score", "predicted_doublet"]].rename_axis("cell_id").to_csv(
        folder / "scrublet.csv", float_format="%.8g")


def full_scrublet(full: sc.AnnData) -> None:
    adata = full.copy()
    sc.pp.scrublet(adata, random_state=0)
    adata.obs[["doublet_score", "predicted_doublet"]].rename_axis("cell_id").to_csv(
        OUT / "cellbench_full_scrublet.csv", float_format="%.8g")


def full_hvg_ids(full: sc.AnnData) -> None:
    adata = full.copy()
    sc.pp.filter_cells(adata, min_genes=200)
    sc.pp.filter_genes(adata, min_cells=3)
    log = sc.pp.log1p(sc.pp.normalize_total(adata, target_sum=1e4, copy=True), copy=True)
    ids = {"cell_ranger": sc.pp.highly_variable_genes(
        log, flavor="cell_ranger", n_top_genes=2000, inplace=False)["highly_variable"],
        "seurat_v3": sc.pp.highly_variable_genes(
        adata, flavor="seurat_v3", n_top_genes=2000, inplace=False)["highly_variable"],
        "pearson_residuals": sc.experimental.pp.highly_variable_genes(
        adata, flavor="pearson_residuals", n_top_genes=2000, inplace=False)[
        "highly_variable"]}
    rows = [(flavor, gene) for flavor, chosen in ids.items()
            for gene in adata.var_names[np.asarray(chosen, dtype=bool)]]
    pd.DataFrame(rows, columns=["flavor", "gene_id"]).to_csv(
        OUT / "cellbench_full_hvg_ids.csv.gz", index=False, compression=GZIP)


def main() -> None:
    full = read_cellbench()
    folder = OUT / "cellbench_subset"
    sub = choose_subset(full)
    mito = write_subset(sub, folder)
    qc_references(sub, mito, folder)
    log = hvg_references(sub, folder)
    pca_neighbor_references(log, folder)
    scrublet_reference(sub, folder)
    full_hvg_ids(full)
    full_scrublet(full)
    versions = {name: __import__(name).__version__
                for name in ("scanpy", "anndata", "numpy", "scipy", "pandas", "sklearn",
                             "umap", "pynndescent")}
    versions["scikit-misc"] = __import__("skmisc").__version__
    (OUT / "versions.json").write_text(json.dumps(versions, indent=1) + "\n")


if __name__ == "__main__":
    main()
