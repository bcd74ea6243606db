"""Check the files of a single-cell CLI run (issue 9 items 7 and 9): every file of
``SC_RESULT_FILES`` there, result.h5ad read back with anndata in backed mode (obs, obsm,
var, uns, layers), the tables' rows agreeing with it, and the ARI of the clusters
against planted types (``bench_sc_pipeline.py --write``'s ``X.h5ad.types.npy``, cells
named ``CELL<row>-1``). Prints what it found; exits 1 on a missing or inconsistent file.

Usage: ``python benchmarks/check_sc_run.py OUT [--types X.h5ad.types.npy]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def check(out: Path, types_path: Path | None) -> list[str]:
    """The problems found in the run's folder ``out`` (empty when all is well)."""
    import anndata as ad
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    from rnaclust_dash.export.single_cell_files import SC_RESULT_FILES

    problems = [f"{name} missing" for name in SC_RESULT_FILES if not (out / name).exists()]
    if problems:
        return problems
    for name in SC_RESULT_FILES:
        print(f"{name:<16}{(out / name).stat().st_size / 1e6:>12,.1f} MB")
    result = ad.read_h5ad(out / "result.h5ad", backed="r")
    print(result)
    n_cells = result.n_obs
    assignments = pd.read_csv(out / "assignments.csv", dtype={"cluster": str})
    embedding = pd.read_csv(out / "embedding.csv")
    metrics = json.loads((out / "metrics.json").read_text())
    if len(assignments) != n_cells or len(embedding) != n_cells:
        problems.append("assignments.csv / embedding.csv rows differ from result.h5ad's cells")
    if not (result.obs_names == assignments["id"].astype(str)).all():
        problems.append("assignments.csv ids differ from result.h5ad's obs_names")
    if not (result.obs["cluster"].astype(str).to_numpy() == assignments["cluster"]).all():
        problems.append("assignments.csv clusters differ from result.h5ad's obs cluster")
    for key, columns in (("X_pca", None), ("X_umap", 2)):
        shape = result.obsm[key].shape
        if shape[0] != n_cells or (columns and shape[1] != columns):
            problems.append(f"obsm {key} has shape {shape}")
    if not np.allclose(result.obsm["X_umap"], embedding[["x", "y"]].to_numpy(), atol=1e-4):
        problems.append("embedding.csv differs from obsm X_umap")
    print(f"metrics: {metrics['n_cells']:,} cells, {metrics['n_clusters']} clusters, "
          f"umap_init {metrics.get('umap_init')}; obs columns {list(result.obs.columns)}; "
          f"obsm {list(result.obsm)}; layers {list(result.layers)}")
    if types_path is not None:
        types = np.load(types_path)
        rows = np.array([int(cell[4:11]) for cell in assignments["id"]])
        score = adjusted_rand_score(types[rows], assignments["cluster"])
        print(f"ARI vs the planted types: {score:.4f} ({len(rows):,} cells)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--types", type=Path)
    args = parser.parse_args()
    problems = check(args.out, args.types)
    for problem in problems:
        print("PROBLEM:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
