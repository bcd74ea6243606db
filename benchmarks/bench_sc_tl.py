"""Benchmark of the single-cell clustering and markers stages vs scanpy (issue 9 items 4-5):
prints a table.

On CellBench (909 cells x 16,039 genes, ../shared/data/cellbench_5cl_celseq2_3plates)
with the calls of its scanpy_versions.txt, both warm (a first untimed run compiles numba):

- Leiden (igraph, resolution 1, 2 iterations) of the same neighbour graph;
- UMAP of that graph (scanpy's tl.umap settings);
- Wilcoxon markers of the 5 cell lines against the rest, all genes (log values);
- the whole run_single_cell (QC .. markers, embedding UMAP) vs scanpy's calls.

scanpy runs in its own venv: ``SCANPY_PYTHON=/path/to/venv/bin/python`` (scanpy 1.11.5,
scipy < 1.17; see tests/data/make_sc_tl_scanpy_reference.py) with one BLAS thread, as our
stages; without it only our side is timed. Usage: ``python benchmarks/bench_sc_tl.py [--repeats N]``. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CELLBENCH = REPO.parent / "shared" / "data" / "cellbench_5cl_celseq2_3plates"

SCANPY_SIDE = r'''
import json, sys, time, warnings
import numpy as np, pandas as pd, scanpy as sc
from scipy import io
warnings.filterwarnings("ignore")
folder, repeats = sys.argv[1], int(sys.argv[2])
counts = io.mmread(f"{folder}/counts.mtx.gz").T.tocsr().astype(np.float32)
genes = pd.read_csv(f"{folder}/features.tsv.gz", sep="\t", header=None)[0].astype(str)
cells = pd.read_csv(f"{folder}/cells.csv", index_col=0)
def pipeline():
    a = sc.AnnData(counts.copy(), var=pd.DataFrame(index=genes.to_numpy()))
    a.obs["cell_type"] = cells["cell_type"].astype(str).to_numpy()
    sc.pp.filter_cells(a, min_genes=200); sc.pp.filter_genes(a, min_cells=3)
    sc.pp.normalize_total(a, target_sum=1e4); sc.pp.log1p(a)
    sc.pp.highly_variable_genes(a, flavor="seurat", n_top_genes=2000); a.raw = a
    b = a[:, a.var["highly_variable"]].copy(); sc.pp.scale(b, max_value=10)
    sc.pp.pca(b, n_comps=50, svd_solver="arpack", random_state=0)
    sc.pp.neighbors(b, n_neighbors=15, n_pcs=30, random_state=0)
    return a, b
times = {}
def timed(name, call):
    values = []
    for _ in range(repeats + 1):  # the first run compiles numba
        start = time.perf_counter(); call(); values.append(time.perf_counter() - start)
    times[name] = min(values[1:])
a, b = pipeline()
timed("leiden", lambda: sc.tl.leiden(b, resolution=1.0, flavor="igraph", n_iterations=2,
                                      directed=False, random_state=0))
timed("umap", lambda: sc.tl.umap(b, random_state=0))
timed("markers", lambda: sc.tl.rank_genes_groups(a, "cell_type", method="wilcoxon",
                                                 use_raw=False))
def whole():
    a, b = pipeline()
    sc.tl.leiden(b, resolution=1.0, flavor="igraph", n_iterations=2, directed=False,
                 random_state=0)
    sc.tl.umap(b, random_state=0)
    b.obs["leiden"] = b.obs["leiden"].astype(str)
    sc.tl.rank_genes_groups(b, "leiden", method="wilcoxon", use_raw=True)
timed("whole", whole)
print(json.dumps(times))
'''


def ours(repeats: int) -> dict:
    import anndata as ad
    import numpy as np
    import pandas as pd
    from scipy import io

    from rnaclust_dash.dataset import Dataset
    from rnaclust_dash.params import single_cell_defaults
    from rnaclust_dash.pipeline.single_cell import run_single_cell
    from rnaclust_dash.tl.embed import umap_from_graph
    from rnaclust_dash.tl.graph import cluster_graph
    from rnaclust_dash.tl.sc_markers import rank_genes_groups

    counts = io.mmread(CELLBENCH / "counts.mtx.gz").T.tocsr().astype(np.float32)
    genes = pd.read_csv(CELLBENCH / "features.tsv.gz", sep="\t", header=None)
    cells = pd.read_csv(CELLBENCH / "cells.csv", index_col=0)
    obs = pd.DataFrame({"cell_type": cells["cell_type"].astype(str).to_numpy()},
                       index=cells.index.astype(str))
    dataset = Dataset.from_anndata(ad.AnnData(counts, obs=obs, var=pd.DataFrame(
        {"gene_symbol": genes[1].to_numpy()}, index=genes[0].astype(str).to_numpy())))
    params = single_cell_defaults().replace(resolution=1.0, tie_correct=False)
    result = run_single_cell(dataset, params)
    times = {}

    def timed(name, call):
        values = []
        for _ in range(repeats + 1):
            start = time.perf_counter()
            call()
            values.append(time.perf_counter() - start)
        times[name] = min(values[1:])

    graph = result.graph.connectivities
    timed("leiden", lambda: cluster_graph(graph, resolution=1.0))
    timed("umap", lambda: umap_from_graph(graph, data=result.representation))
    truth = obs["cell_type"].loc[result.cell_ids].to_numpy()
    timed("markers", lambda: rank_genes_groups(result.log_values, truth, tie_correct=False))
    timed("whole", lambda: run_single_cell(dataset, params))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if not CELLBENCH.exists():
        sys.exit(f"{CELLBENCH} is not there.")
    mine = ours(args.repeats)
    theirs = {}
    scanpy_python = os.environ.get("SCANPY_PYTHON")
    if scanpy_python:
        # one BLAS/OpenMP thread, as our stages run (on a shared machine more threads
        # only slow both down)
        single = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "MKL_NUM_THREADS")}
        output = subprocess.run([scanpy_python, "-c", SCANPY_SIDE, str(CELLBENCH),
                                 str(args.repeats)], capture_output=True, text=True,
                                check=True, env=os.environ | single).stdout
        theirs = json.loads(output.strip().splitlines()[-1])
    print(f"CellBench 909 cells x 16,039 genes; best of {args.repeats} warm runs (s)")
    print(f"{'stage':<10}{'rnaclust':>10}{'scanpy':>10}{'ratio':>8}")
    for name, value in mine.items():
        other = theirs.get(name)
        ratio = f"{value / other:.2f}" if other else "-"
        print(f"{name:<10}{value:>10.2f}{other if other is not None else float('nan'):>10.2f}"
              f"{ratio:>8}")


if __name__ == "__main__":
    main()
