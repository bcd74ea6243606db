"""Speed and memory of the whole single-cell pipeline, ours vs scanpy 1.11.5 (issue 9
item 9): prints a table.

Synthetic sparse counts with planted groups are generated here (``--cells`` x
``--genes``, 12 cell types, each raising its own 60 genes), written as an .h5ad; each
tool then runs in a fresh process: read h5ad, QC (min genes 200, min cells 3),
normalize + log1p, 2,000 seurat HVGs, scale (clip 10) + PCA 50, neighbours (15, 30 PCs),
Leiden (resolution 1), UMAP, Wilcoxon markers of the clusters on every kept gene. Per
step: seconds and the process's peak resident memory so far (VmHWM, cumulative). numba
compiles first (UMAP, pynndescent): a 600-cell warm-up of neighbours + UMAP runs before
and is reported on its own line. ARI of the Leiden clusters against the planted types.

Ours runs each stage with one BLAS/OpenMP thread (as the pipeline does); scanpy with its
defaults. Usage: ``python benchmarks/bench_sc_pipeline.py [--cells 50000] [--genes 20000]
[--scanpy-python /work/wt/scanpy-venv/bin/python] [--ours-only]``; ``--cells 1000000
--ours-only`` for the million-cell run of our CLI path.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
STEPS = ("read", "qc", "normalize", "hvg", "pca", "neighbors", "leiden", "umap", "markers")

_COMMON = r'''
import json, sys, time
import numpy as np, pandas as pd
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
out = dict()
def step(name, t0):
    out[name] = [time.perf_counter() - t0, hwm()]
    return time.perf_counter()
'''

_OURS = _COMMON + r'''
sys.path.insert(0, {repo!r})
import anndata as ad
from threadpoolctl import threadpool_limits
from rnaclust_dash.io import read_single_cell
from rnaclust_dash.params import single_cell_defaults
from rnaclust_dash.pipeline import single_cell as sc
from rnaclust_dash.pp.neighbors import neighbors
from rnaclust_dash.tl.embed import umap_from_graph
params = single_cell_defaults().replace(min_genes=200, min_cells=3)
with threadpool_limits(limits=1):
    t = time.perf_counter()
    warm = np.random.default_rng(0).normal(size=(600, 30)).astype(np.float32)
    g = neighbors(warm, n_neighbors=15, random_state=0, exact_below=0)
    umap_from_graph(g.connectivities, data=warm, random_state=0)
    t = step("numba warm-up", t)
    adata = read_single_cell(path={path!r}).adata
    t = step("read", t)
    qc = sc._qc(adata, params)
    kept = np.flatnonzero(qc.kept_cells), np.flatnonzero(qc.kept_genes)
    t = step("qc", t)
    logv = sc._log_values(adata, kept, params)
    t = step("normalize", t)
    hvg = sc._hvg(adata, kept, logv, params)
    t = step("hvg", t)
    pcs = sc._pca(logv, hvg, params)
    t = step("pca", t)
    rep = sc._representation(pcs, None, params)
    graph = sc._neighbors(rep, params)
    t = step("neighbors", t)
    labels = sc._cluster(graph, rep, params)
    t = step("leiden", t)
    sc._embedding(graph, rep, pcs, params)
    t = step("umap", t)
    sc._markers(logv, labels, adata.var_names.to_numpy()[kept[1]],
                adata.var_names.to_numpy()[kept[1]], params)
    t = step("markers", t)
cells = adata.obs_names.to_numpy()[kept[0]]
print(json.dumps({{"steps": out, "cells": cells.tolist(), "labels": np.asarray(labels).tolist()}}))
'''

_SCANPY = _COMMON + r'''
import scanpy as sc
import scipy.sparse
# scanpy 1.11.5's neighbours call getnnz on the csr_array the approximate (pynndescent)
# kNN gives, which SciPy 1.16's sparse arrays no longer have: the same count, by its
# private name (benchmark only; below 4,096 cells scanpy's exact path never calls it)
if not hasattr(scipy.sparse.csr_array, "getnnz"):
    scipy.sparse.csr_array.getnnz = lambda self, axis=None: self._getnnz(axis=axis)
t = time.perf_counter()
warm = sc.AnnData(np.random.default_rng(0).normal(size=(600, 30)).astype(np.float32))
sc.pp.neighbors(warm, n_neighbors=15, use_rep="X"); sc.tl.umap(warm)
t = step("numba warm-up", t)
adata = sc.read_h5ad({path!r})
t = step("read", t)
sc.pp.filter_cells(adata, min_genes=200); sc.pp.filter_genes(adata, min_cells=3)
t = step("qc", t)
sc.pp.normalize_total(adata, target_sum=1e4); sc.pp.log1p(adata)
t = step("normalize", t)
sc.pp.highly_variable_genes(adata, n_top_genes=2000, flavor="seurat")
t = step("hvg", t)
hv = adata[:, adata.var["highly_variable"]].copy()
sc.pp.scale(hv, max_value=10); sc.tl.pca(hv, n_comps=50, random_state=0)
t = step("pca", t)
sc.pp.neighbors(hv, n_neighbors=15, n_pcs=30, random_state=0)
t = step("neighbors", t)
sc.tl.leiden(hv, resolution=1.0, flavor="igraph", n_iterations=2, random_state=0)
t = step("leiden", t)
sc.tl.umap(hv, random_state=0)
t = step("umap", t)
adata.obs["leiden"] = hv.obs["leiden"]
sc.tl.rank_genes_groups(adata, "leiden", method="wilcoxon")
t = step("markers", t)
print(json.dumps({{"steps": out, "cells": adata.obs_names.tolist(),
                  "labels": adata.obs["leiden"].astype(str).tolist()}}))
'''


def _zero_truncated_poisson(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Poisson(rate) draw conditioned on being > 0, by inverting its CDF."""
    floor = np.exp(-rates)  # P(0)
    target = floor + rng.random(rates.shape) * (1 - floor)
    values = np.ones(rates.shape, dtype=np.float32)
    term, cdf = floor * rates, floor + floor * rates
    left = np.flatnonzero(cdf < target)
    k = 1
    while left.size:
        k += 1
        values[left] = k
        term[left] *= rates[left] / k
        cdf[left] += term[left]
        left = left[cdf[left] < target[left]]
    return values


def planted_chunks(n_cells: int, n_genes: int, *, n_types: int = 12, depth: float = 1.0,
                   seed: int = 0, chunk: int = 2_000):
    """Cells x genes CSR float32 counts, ``chunk`` cells at a time, and the planted type of
    every cell; each type raises its own 60 genes eight-fold. Poisson counts (~6% of
    entries non-zero at ``depth`` 1; ``depth`` scales every rate): whether an entry is
    zero is drawn first (P = 1 - exp(-rate)), then the value from the zero-truncated
    Poisson, the same distribution as a Poisson draw at a tenth of its cost."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    base = (rng.gamma(0.3, 0.25, size=n_genes) * depth).astype(np.float32)
    types = rng.integers(0, n_types, size=n_cells)

    def blocks():
        for start in range(0, n_cells, chunk):
            kinds = types[start:start + chunk]
            rates = np.tile(base, (len(kinds), 1))
            for t in np.unique(kinds):
                rates[np.ix_(kinds == t, np.arange(100 + 60 * t, 160 + 60 * t))] *= 8
            rates *= rng.lognormal(0, 0.3, size=(len(kinds), 1)).astype(np.float32)
            nonzero = rng.random(rates.shape, dtype=np.float32) < -np.expm1(-rates)
            rows, cols = np.nonzero(nonzero)
            values = _zero_truncated_poisson(rates[rows, cols].astype(np.float64), rng)
            yield sparse.csr_matrix((values, (rows, cols)), shape=rates.shape)

    return blocks(), types


def planted_counts(n_cells: int, n_genes: int, *, n_types: int = 12, depth: float = 1.0,
                   seed: int = 0):
    """All of :func:`planted_chunks` as one CSR matrix, and the planted types."""
    from scipy import sparse

    chunks, types = planted_chunks(n_cells, n_genes, n_types=n_types, depth=depth,
                                   seed=seed)
    return sparse.vstack(list(chunks), format="csr"), types


def write_h5ad(n_cells: int, n_genes: int, path: Path, *, depth: float = 1.0) -> tuple:
    """Write planted counts to ``path`` as an .h5ad, a chunk of cells at a time (never
    the whole matrix in memory). Returns the planted types and the stored entries."""
    import h5py
    import pandas as pd
    from anndata.io import sparse_dataset, write_elem

    chunks, types = planted_chunks(n_cells, n_genes, depth=depth)
    obs = pd.DataFrame(index=pd.Index([f"CELL{i:07d}-1" for i in range(n_cells)],
                                      dtype=object))
    var = pd.DataFrame(index=pd.Index([f"GENE{j}" for j in range(n_genes)], dtype=object))
    with h5py.File(path, "w") as handle:
        handle.attrs["encoding-type"], handle.attrs["encoding-version"] = "anndata", "0.1.0"
        write_elem(handle, "obs", obs)
        write_elem(handle, "var", var)
        write_elem(handle, "X", next(chunks))  # resizable: sparse_dataset appends
        matrix = sparse_dataset(handle["X"])
        for block in chunks:
            matrix.append(block)
        nnz = int(handle["X"]["indptr"][-1])
    return types, nnz


def thin_h5ad(source: Path, target: Path, keep: float, *, seed: int = 1) -> int:
    """Binomial thinning of the counts of ``source`` (each UMI kept with probability
    ``keep``): Poisson counts at ``keep`` times every rate, i.e. ``--depth`` x ``keep``,
    without drawing them again. A chunk of cells at a time; returns the stored entries."""
    import h5py
    from anndata.io import sparse_dataset, write_elem
    from scipy import sparse

    rng = np.random.default_rng(seed)
    with h5py.File(source, "r") as old, h5py.File(target, "w") as new:
        new.attrs["encoding-type"], new.attrs["encoding-version"] = "anndata", "0.1.0"
        old.copy(old["obs"], new, "obs")
        old.copy(old["var"], new, "var")
        counts = sparse_dataset(old["X"])
        for start in range(0, counts.shape[0], 20_000):
            block = counts[start:start + 20_000]
            block.data = rng.binomial(block.data.astype(np.int64), keep).astype(np.float32)
            block.eliminate_zeros()
            if start == 0:
                write_elem(new, "X", sparse.csr_matrix(block))
                matrix = sparse_dataset(new["X"])
            else:
                matrix.append(sparse.csr_matrix(block))
        return int(new["X"]["indptr"][-1])


def run(python: str, template: str, path: Path) -> dict:
    code = template.format(repo=str(REPO), path=str(path))
    result = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def ari(run_result: dict, types: np.ndarray) -> float:
    from sklearn.metrics import adjusted_rand_score

    rows = np.array([int(c[4:11]) for c in run_result["cells"]])
    return adjusted_rand_score(types[rows], run_result["labels"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=50_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--depth", type=float, default=1.0,
                        help="scales every Poisson rate (1: ~1,300 genes detected per cell)")
    parser.add_argument("--scanpy-python", default="/work/wt/scanpy-venv/bin/python")
    parser.add_argument("--ours-only", action="store_true")
    parser.add_argument("--write", metavar="H5AD",
                        help="only write the counts there (types in H5AD.types.npy)")
    parser.add_argument("--thin", nargs=3, metavar=("SOURCE", "TARGET", "KEEP"),
                        help="only write SOURCE's counts thinned to a fraction KEEP")
    args = parser.parse_args()
    if args.thin:
        nnz = thin_h5ad(Path(args.thin[0]), Path(args.thin[1]), float(args.thin[2]))
        print(f"{nnz:,} stored entries", flush=True)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.write or Path(folder) / "cells.h5ad")
        types, nnz = write_h5ad(args.cells, args.genes, path, depth=args.depth)
        print(f"{args.cells:,} cells x {args.genes:,} genes, {nnz / args.cells:.0f} genes "
              f"detected per cell on average ({nnz:,} stored entries)", flush=True)
        if args.write:
            np.save(f"{path}.types.npy", types)
            return
        runs = {"ours": run(sys.executable, _OURS, path)}
        print("ours:", json.dumps(runs["ours"]["steps"]), flush=True)
        if not args.ours_only:
            runs["scanpy"] = run(args.scanpy_python, _SCANPY, path)
            print("scanpy:", json.dumps(runs["scanpy"]["steps"]), flush=True)
    print_table(runs, types)


def print_table(runs: dict, types: np.ndarray) -> None:
    names = list(runs)
    print(f"{'step':<14}" + "".join(f"{n + ' s':>12}{n + ' MB':>12}" for n in names))
    for step in ("numba warm-up", *STEPS):
        print(f"{step:<14}" + "".join(f"{runs[n]['steps'][step][0]:>12.2f}"
                                      f"{runs[n]['steps'][step][1]:>12.0f}" for n in names))
    totals = {n: sum(runs[n]["steps"][s][0] for s in STEPS) for n in names}
    print(f"{'total (no warm-up)':<14}" + "".join(f"{totals[n]:>12.2f}{'':>12}" for n in names))
    print("ARI vs planted types: " + ", ".join(f"{n} {ari(runs[n], types):.3f}" for n in names))


if __name__ == "__main__":
    main()
