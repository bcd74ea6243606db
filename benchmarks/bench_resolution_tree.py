"""Benchmark of the Cells tab's cluster tree across resolutions (issue 9 item 4): prints
a table.

For N synthetic cells (30 principal components around 12 planted centres) the kNN graph
is built once (not timed, the analysis has it already), then timed: Leiden at the 8
default resolutions (:func:`~rnaclust_dash.pipeline.single_cell_assess.resolution_panel`,
what the background job runs) and the figure
(:func:`~rnaclust_dash.pl.resolution_tree.resolution_tree_figure`), with the figure's
JSON size (what the browser receives). Clusters per resolution and the ARI of resolution
1 against the planted groups say the tree is sane.

Usage: ``python benchmarks/bench_resolution_tree.py [--cells 20000,100000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def planted_scores(n_cells: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cells x 30 scores around 12 planted centres, and the planted group of each cell."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 12, size=n_cells)
    centres = rng.normal(0, 4, size=(12, 30))
    return (centres[groups] + rng.normal(0, 1, size=(n_cells, 30))).astype(np.float32), groups


def measure(n_cells: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from rnaclust_dash.pipeline.single_cell_assess import PANEL_RESOLUTIONS, resolution_panel
    from rnaclust_dash.pl.resolution_tree import resolution_tree_figure
    from rnaclust_dash.pp.neighbors import neighbors

    scores, groups = planted_scores(n_cells)
    graph = neighbors(scores, n_neighbors=15, random_state=0)
    start = time.perf_counter()
    panel = resolution_panel(graph.connectivities, resolutions=PANEL_RESOLUTIONS,
                             random_state=0)
    leiden_s = time.perf_counter() - start
    start = time.perf_counter()
    figure = resolution_tree_figure(panel.labels, panel.tree, current=1.0)
    json_mb = len(figure.to_json()) / 1e6
    figure_s = time.perf_counter() - start
    return {"cells": n_cells, "leiden_8_res_s": leiden_s, "figure_s": figure_s,
            "figure_mb": json_mb,
            "clusters": "/".join(str(n) for n in panel.summary["n_clusters"]),
            "ari_res_1": adjusted_rand_score(groups, panel.labels[1.0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="20000,100000",
                        help="cell counts, comma-separated")
    args = parser.parse_args()
    rows = [measure(int(n)) for n in args.cells.split(",")]
    print(f"{'cells':>8} {'Leiden x8 (s)':>14} {'figure (s)':>11} {'figure (MB)':>12} "
          f"{'ARI r=1':>8}  clusters at 0.1..2")
    for row in rows:
        print(f"{row['cells']:>8,} {row['leiden_8_res_s']:>14.2f} {row['figure_s']:>11.2f} "
              f"{row['figure_mb']:>12.3f} {row['ari_res_1']:>8.3f}  {row['clusters']}")


if __name__ == "__main__":
    main()
