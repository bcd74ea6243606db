"""Make tests/data/io/cellbench_subset/: a small 10x folder cut from the CellBench data.

Source: ../shared/data/cellbench_5cl_celseq2_3plates (Tian et al., Nat Methods 2019,
github.com/LuyiTian/sc_mixology, MIT licence; see that folder's SOURCE.md). Kept: every
23rd cell (40 cells over the 3 plates) and the first 1,500 genes, the matrix written
line by line in the source's own Matrix Market layout (genes x cells, integer, 1-based),
with barcodes.tsv.gz, features.tsv.gz and cells.csv of the same cells.

Run from the repository root: ``python tests/data/make_cellbench_subset.py``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import scipy.io
from scipy import sparse

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO.parent / "shared" / "data" / "cellbench_5cl_celseq2_3plates"
OUT = REPO / "tests" / "data" / "io" / "cellbench_subset"
CELL_STEP, N_GENES = 23, 1500


def main() -> None:
    genes_by_cells = sparse.csc_matrix(scipy.io.mmread(SOURCE / "counts.mtx.gz"))
    barcodes = pd.read_csv(SOURCE / "barcodes.tsv.gz", header=None, sep="\t")[0]
    features = pd.read_csv(SOURCE / "features.tsv.gz", header=None, sep="\t", dtype=str)
    cells = list(range(0, len(barcodes), CELL_STEP))
    subset = sparse.coo_matrix(genes_by_cells[:N_GENES][:, cells])
    OUT.mkdir(parents=True, exist_ok=True)
    order = sorted(zip(subset.col, subset.row, subset.data))  # by cell, then gene
    lines = ["%%MatrixMarket matrix coordinate integer general", "%",
             f"{N_GENES} {len(cells)} {subset.nnz}"]
    lines += [f"{gene + 1} {cell + 1} {int(value)}" for cell, gene, value in order]
    with gzip.open(OUT / "matrix.mtx.gz", "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    with gzip.open(OUT / "barcodes.tsv.gz", "wt") as handle:
        handle.write("\n".join(barcodes.iloc[cells]) + "\n")
    with gzip.open(OUT / "features.tsv.gz", "wt") as handle:
        features.iloc[:N_GENES].to_csv(handle, sep="\t", header=False, index=False)
    sheet = pd.read_csv(SOURCE / "cells.csv").set_index("cell_id")
    sheet.loc[barcodes.iloc[cells]].to_csv(OUT / "cells.csv")


if __name__ == "__main__":
    main()
