"""Make the scanpy reference of the single-cell sub-clustering test (issue 12 item 1):
``sc.tl.leiden(restrict_to=...)`` on the graphs already in tests/data/reference/scanpy.

Run with scanpy 1.11.5 in its own venv (see make_sc_tl_scanpy_reference.py for the
install line: scanpy==1.11.5 "scipy<1.17" igraph==1.0.0 leidenalg==0.12.0 "pandas<3")::

    /work/wt/scanpy-venv/bin/python tests/data/make_sc_subcluster_scanpy_reference.py

Reads ``sc_tl_<set>_connectivities.npz`` (scanpy's own ``obsp["connectivities"]``) and
``sc_tl_<set>_leiden.csv`` (its leiden labels at resolution 1.0), and for each set writes
``sc_tl_<set>_leiden_restrict.csv``: ``cell_id``, ``parent`` (leiden_r1.0) and, for the
largest cluster C and resolutions 0.5 and 1.0, the column ``restrict_C_r<res>`` of
``sc.tl.leiden(adata, adjacency=connectivities, resolution=res, flavor="igraph",
n_iterations=2, directed=False, random_state=0, restrict_to=("parent", [C]))`` (labels
"C,0", "C,1"... inside C, the other clusters kept).
"""

from importlib.metadata import version
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scanpy as sc
from scipy import sparse

OUT = Path(__file__).resolve().parent / "reference" / "scanpy"
RESOLUTIONS = (0.5, 1.0)


def restricted(name: str) -> pd.DataFrame:
    graph = sparse.load_npz(OUT / f"sc_tl_{name}_connectivities.npz").tocsr()
    parent = pd.read_csv(OUT / f"sc_tl_{name}_leiden.csv", index_col=0)["leiden_r1.0"]
    adata = ad.AnnData(np.zeros((graph.shape[0], 1), dtype=np.float32),
                       obs=pd.DataFrame({"parent": parent.astype(str).astype("category")},
                                        index=parent.index.astype(str)))
    cluster = str(parent.astype(str).value_counts().idxmax())
    table = pd.DataFrame({"parent": parent.astype(str)}, index=parent.index)
    for resolution in RESOLUTIONS:
        sc.tl.leiden(adata, adjacency=graph, resolution=resolution, flavor="igraph",
                     n_iterations=2, directed=False, random_state=0,
                     restrict_to=("parent", [cluster]), key_added="restricted")
        table[f"restrict_{cluster}_r{resolution}"] = adata.obs["restricted"].astype(
            str).to_numpy()
    return table


def main() -> None:
    for name in ("hsmm", "cellbench"):
        restricted(name).to_csv(OUT / f"sc_tl_{name}_leiden_restrict.csv",
                                index_label="cell_id")
    print("scanpy", version("scanpy"), "igraph", version("igraph"))


if __name__ == "__main__":
    main()
