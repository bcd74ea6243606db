"""Make the scanpy references of the sc-tl tests (graph clustering and markers).

Run with scanpy 1.11.5 in its own venv (scipy < 1.17: scanpy's neighbors calls an API
scipy 1.17 removed), e.g.::

    python -m venv /tmp/scanpy && /tmp/scanpy/bin/pip install scanpy==1.11.5 \\
        "scipy<1.17" igraph==1.0.0 leidenalg==0.12.0 umap-learn==0.5.12 "pandas<3"
    /tmp/scanpy/bin/python tests/data/make_sc_tl_scanpy_reference.py ../shared/data

Writes into tests/data/reference/scanpy/ (prefix ``sc_tl_``; cellbench is MIT, hsmm
Artistic-2.0: both may ship, see ../shared/data/README.md):

- ``sc_tl_<set>_connectivities.npz``: scanpy's ``obsp["connectivities"]`` after the
  calls of the set's ``reference/scanpy_versions.txt`` (filter_cells(min_genes=200),
  filter_genes(min_cells=3), normalize_total(1e4), log1p, HVG seurat 2000, scale(10),
  pca(50, arpack, seed 0), neighbors(15, n_pcs=30, seed 0)), and
  ``sc_tl_<set>_leiden.csv``: ``leiden(flavor="igraph", n_iterations=2,
  directed=False, random_state=0)`` on it at resolutions 0.5 and 1.0;
- ``sc_tl_cellbench_markers_input.npz`` / ``..._cells.csv`` / ``..._genes.csv``: 300
  cells x 400 genes of cellbench's log-normalized values (normalized on all cells), and
  ``sc_tl_cellbench_markers_<method>.csv``: scanpy's ``rank_genes_groups`` on it by
  cell line (all genes, pts=True) for wilcoxon (tie_correct False and True) and t-test.
"""

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import scanpy as sc
from scipy import io, sparse

OUT = Path(__file__).resolve().parent / "reference" / "scanpy"


def cellbench(shared: Path) -> sc.AnnData:
    folder = shared / "cellbench_5cl_celseq2_3plates"
    counts = io.mmread(folder / "counts.mtx.gz").T.tocsr().astype(np.float32)
    genes = pd.read_csv(folder / "features.tsv.gz", sep="\t", header=None)
    cells = pd.read_csv(folder / "barcodes.tsv.gz", header=None)[0].astype(str)
    adata = sc.AnnData(counts, obs=pd.DataFrame(index=cells.to_numpy()),
                       var=pd.DataFrame(index=genes[0].astype(str).to_numpy()))
    sheet = pd.read_csv(folder / "cells.csv", index_col=0)
    adata.obs["cell_type"] = sheet.loc[adata.obs_names, "cell_type"].astype(str).to_numpy()
    return adata


def hsmm(shared: Path) -> sc.AnnData:
    folder = shared / "hsmm_myoblast_timecourse_fpkm"
    fpkm = pd.read_csv(folder / "fpkm.csv.gz", index_col=0)
    adata = sc.AnnData(sparse.csr_matrix(fpkm.T.to_numpy(dtype=np.float32)),
                       obs=pd.DataFrame(index=fpkm.columns.astype(str)),
                       var=pd.DataFrame(index=fpkm.index.astype(str)))
    sheet = pd.read_csv(folder / "cells.csv", index_col=0)
    adata.obs["cell_type"] = sheet.loc[adata.obs_names, "cell_type"].astype(str).to_numpy()
    return adata


def graph_and_leiden(adata: sc.AnnData, name: str) -> sc.AnnData:
    sc.pp.filter_cells(adata, min_genes=200)
    sc.pp.filter_genes(adata, min_cells=3)
    sc.pp.normalize_total(adata, target_sum=1e4)
    sc.pp.log1p(adata)
    lognorm = adata.copy()
    sc.pp.highly_variable_genes(adata, flavor="seurat", n_top_genes=2000)
    adata.raw = adata
    adata = adata[:, adata.var["highly_variable"]].copy()
    sc.pp.scale(adata, max_value=10)
    sc.pp.pca(adata, n_comps=50, svd_solver="arpack", random_state=0)
    sc.pp.neighbors(adata, n_neighbors=15, n_pcs=30, random_state=0)
    sparse.save_npz(OUT / f"sc_tl_{name}_connectivities.npz",
                    sparse.csr_matrix(adata.obsp["connectivities"], dtype=np.float32))
    labels = pd.DataFrame(index=adata.obs_names.rename("cell_id"))
    for resolution in (0.5, 1.0):
        sc.tl.leiden(adata, resolution=resolution, flavor="igraph", n_iterations=2,
                     directed=False, random_state=0, key_added="leiden")
        labels[f"leiden_r{resolution}"] = adata.obs["leiden"].astype(int).to_numpy()
    labels.to_csv(OUT / f"sc_tl_{name}_leiden.csv")
    return lognorm


def markers_subset(lognorm: sc.AnnData) -> None:
    rng = np.random.default_rng(0)
    cells = np.sort(rng.choice(lognorm.n_obs, 300, replace=False))
    expressed = np.flatnonzero(np.asarray((lognorm.X > 0).sum(axis=0)).ravel() >= 10)
    genes = np.sort(rng.choice(expressed, 400, replace=False))
    subset = lognorm[cells, genes].copy()
    sparse.save_npz(OUT / "sc_tl_cellbench_markers_input.npz",
                    sparse.csr_matrix(subset.X, dtype=np.float32))
    subset.obs[["cell_type"]].rename_axis("cell_id").to_csv(
        OUT / "sc_tl_cellbench_markers_cells.csv")
    pd.DataFrame({"gene_id": subset.var_names}).to_csv(
        OUT / "sc_tl_cellbench_markers_genes.csv", index=False)
    runs = {"wilcoxon": dict(method="wilcoxon", tie_correct=False),
            "wilcoxon_tie": dict(method="wilcoxon", tie_correct=True),
            "t-test": dict(method="t-test")}
    for name, options in runs.items():
        sc.tl.rank_genes_groups(subset, "cell_type", reference="rest", pts=True,
                                n_genes=subset.n_vars, use_raw=False, **options)
        table = sc.get.rank_genes_groups_df(subset, group=None)
        table.to_csv(OUT / f"sc_tl_cellbench_markers_{name}.csv", index=False)


def main(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lognorm = graph_and_leiden(cellbench(shared), "cellbench")
    markers_subset(lognorm)
    graph_and_leiden(hsmm(shared), "hsmm")
    (OUT / "sc_tl_versions.txt").write_text("".join(
        f"{name} {version(name)}\n" for name in
        ("scanpy", "anndata", "numpy", "scipy", "pandas", "scikit-learn", "igraph",
         "leidenalg", "umap-learn", "pynndescent")))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
