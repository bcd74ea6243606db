"""Make the trajectory parity references (issue 12 item 4) with scanpy itself.

Run in a scanpy venv (scanpy 1.11.5, scipy<1.17, igraph, leidenalg; never system-wide):

    python -m venv /work/wt/scanpy-venv-traj
    /work/wt/scanpy-venv-traj/bin/pip install scanpy==1.11.5 "scipy<1.17" igraph leidenalg
    /work/wt/scanpy-venv-traj/bin/python tests/data/make_trajectory_reference.py \
        ../shared/data/hsmm_myoblast_timecourse_fpkm tests/data/reference/trajectory

It repeats the pipeline of the shared reference (scanpy_versions.txt there: filter_cells
min_genes=200, filter_genes min_cells=3, normalize_total 1e4, log1p, HVG seurat 2000, scale
max 10, PCA 50 arpack random_state 0, neighbors 15 on 30 PCs random_state 0), then
diffmap(n_comps=15), dpt() from the cell of lowest Monocle pseudotime (T48_CT_G10) and
paga(groups="cell_type"); it checks that its DPT and PAGA equal the shared references and
writes what the tests need to use "the same graph" (HSMM is Artistic-2.0: it may ship):

- hsmm_pca30.csv.gz: cell_id + the 30 PCs the graph was built on;
- hsmm_connectivities.npz / hsmm_distances.npz: scanpy's kNN graph (scipy sparse CSR);
- hsmm_cells.csv: cell_id, time_hours, cell_type, monocle_pseudotime;
- scanpy_dpt.csv, scanpy_diffmap_evals.csv, scanpy_paga_connectivities_by_label.csv;
- scanpy_versions.txt: the versions of this run.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scanpy as sc
import scipy
import scipy.sparse as sp
from scipy.stats import spearmanr

source, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
fpkm = pd.read_csv(source / "fpkm.csv.gz", index_col=0)
cells = pd.read_csv(source / "cells.csv", index_col=0).loc[fpkm.columns]
adata = sc.AnnData(sp.csr_matrix(fpkm.T.to_numpy(dtype=np.float32)),
                   obs=cells.copy(), var=pd.DataFrame(index=fpkm.index))
sc.pp.filter_cells(adata, min_genes=200)
sc.pp.filter_genes(adata, min_cells=3)
sc.pp.normalize_total(adata, target_sum=1e4)
sc.pp.log1p(adata)
sc.pp.highly_variable_genes(adata, flavor="seurat", n_top_genes=2000)
adata = adata[:, adata.var["highly_variable"]].copy()
sc.pp.scale(adata, max_value=10)
sc.tl.pca(adata, n_comps=50, svd_solver="arpack", random_state=0)
sc.pp.neighbors(adata, n_neighbors=15, n_pcs=30, random_state=0)
sc.tl.diffmap(adata, n_comps=15)
adata.uns["iroot"] = int(np.flatnonzero(adata.obs_names == "T48_CT_G10")[0])
sc.tl.dpt(adata)
adata.obs["cell_type"] = adata.obs["cell_type"].astype("category")
sc.tl.paga(adata, groups="cell_type")

shared_dpt = pd.read_csv(source / "reference" / "scanpy_dpt.csv", index_col=0)["dpt_pseudotime"]
ours = adata.obs["dpt_pseudotime"].reindex(shared_dpt.index)
print("max |dpt - shared reference|:", float(np.abs(ours - shared_dpt).max()))
print("Spearman dpt vs hours:", spearmanr(ours, cells.loc[ours.index, "time_hours"])[0])
groups = adata.obs["cell_type"].cat.categories
paga = pd.DataFrame(adata.uns["paga"]["connectivities"].toarray(), index=groups, columns=groups)
shared_paga = pd.read_csv(source / "reference" / "scanpy_paga_connectivities_by_label.csv",
                          index_col=0)
print("max |paga - shared reference|:", float(np.abs(paga - shared_paga).to_numpy().max()))

pca = pd.DataFrame(adata.obsm["X_pca"][:, :30], index=adata.obs_names,
                   columns=[f"PC{i}" for i in range(1, 31)]).rename_axis("cell_id")
pca.to_csv(out / "hsmm_pca30.csv.gz", float_format="%.7g")
sp.save_npz(out / "hsmm_connectivities.npz", adata.obsp["connectivities"].tocsr())
sp.save_npz(out / "hsmm_distances.npz", adata.obsp["distances"].tocsr())
cells.loc[adata.obs_names, ["time_hours", "cell_type", "monocle_pseudotime"]] \
    .rename_axis("cell_id").to_csv(out / "hsmm_cells.csv")
adata.obs[["dpt_pseudotime"]].rename_axis("cell_id").to_csv(out / "scanpy_dpt.csv")
pd.DataFrame({"eigenvalue": adata.uns["diffmap_evals"]}).to_csv(
    out / "scanpy_diffmap_evals.csv", index=False)
paga.to_csv(out / "scanpy_paga_connectivities_by_label.csv")
versions = {"scanpy": sc.__version__, "scipy": scipy.__version__, "numpy": np.__version__,
            "pandas": pd.__version__}
(out / "scanpy_versions.txt").write_text(
    "".join(f"{name} {version}\n" for name, version in versions.items())
    + "diffmap(n_comps=15); dpt(n_dcs=10) root T48_CT_G10; paga(groups='cell_type')\n")
