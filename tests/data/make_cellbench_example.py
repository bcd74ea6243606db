"""Make rnaclust_dash/data/cellbench/: the bundled single-cell example.

Source: ../shared/data/cellbench_5cl_celseq2_3plates (CellBench, Tian et al., Nat Methods
2019; github.com/LuyiTian/sc_mixology commit 7d00ffb0bd04, MIT licence; see that folder's
SOURCE.md). Kept: all 909 cells and the 4,000 genes detected in most cells (ties: the
source's gene order), so the copy stays under 3 MB (the source has no mitochondrial
genes: its % mitochondrial is 0 for every cell). Written as a Cell Ranger 3 style
``counts.h5`` (``matrix`` group: genes x cells CSC, gzip level 9 with shuffle: about 2.7 MB,
a third of the same matrix as matrix.mtx.gz) and ``cells.csv`` (cell_id, cell_type =
demuxlet cell line, batch = plate, demuxlet_cls = SNG/DBL).

Run from the repository root: ``python tests/data/make_cellbench_example.py``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import scipy.io
from scipy import sparse

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO.parent / "shared" / "data" / "cellbench_5cl_celseq2_3plates"
OUT = REPO / "rnaclust_dash" / "data" / "cellbench"
N_GENES = 4000
_COMPRESSION = {"compression": "gzip", "compression_opts": 9, "shuffle": True}


def most_detected(genes_by_cells: sparse.csr_matrix, n_genes: int) -> np.ndarray:
    """Row positions of the ``n_genes`` genes detected in most cells, in source order."""
    detected = np.asarray((genes_by_cells > 0).sum(axis=1)).ravel()
    return np.sort(np.argsort(-detected, kind="stable")[:n_genes])


def write_tenx_h5(path: Path, genes_by_cells: sparse.spmatrix, barcodes, ids, symbols) -> None:
    """A Cell Ranger 3 feature-barcode matrix (genes x cells, compressed by cell)."""
    by_cell = sparse.csc_matrix(genes_by_cells)
    strings = lambda values: np.array([str(v).encode() for v in values])  # noqa: E731
    with h5py.File(path, "w") as handle:
        group = handle.create_group("matrix")
        group.create_dataset("data", data=by_cell.data.astype(np.int32), **_COMPRESSION)
        group.create_dataset("indices", data=by_cell.indices.astype(np.int32), **_COMPRESSION)
        group.create_dataset("indptr", data=by_cell.indptr.astype(np.int64))
        group.create_dataset("shape", data=np.array(by_cell.shape, dtype=np.int32))
        group.create_dataset("barcodes", data=strings(barcodes), **_COMPRESSION)
        features = group.create_group("features")
        features.create_dataset("id", data=strings(ids), **_COMPRESSION)
        features.create_dataset("name", data=strings(symbols), **_COMPRESSION)
        features.create_dataset("feature_type", data=strings(["Gene Expression"] * len(ids)),
                                **_COMPRESSION)
        features.create_dataset("genome", data=strings(["GRCh38"] * len(ids)), **_COMPRESSION)


def main() -> None:
    genes_by_cells = sparse.csr_matrix(scipy.io.mmread(SOURCE / "counts.mtx.gz"))
    barcodes = pd.read_csv(SOURCE / "barcodes.tsv.gz", header=None, sep="\t")[0]
    features = pd.read_csv(SOURCE / "features.tsv.gz", header=None, sep="\t", dtype=str)
    keep = most_detected(genes_by_cells, N_GENES)
    OUT.mkdir(parents=True, exist_ok=True)
    write_tenx_h5(OUT / "counts.h5", genes_by_cells[keep], barcodes,
                  features[0].iloc[keep], features[1].iloc[keep])
    sheet = pd.read_csv(SOURCE / "cells.csv").set_index("cell_id")
    sheet.loc[barcodes, ["cell_type", "batch", "demuxlet_cls"]].to_csv(OUT / "cells.csv")


if __name__ == "__main__":
    main()
