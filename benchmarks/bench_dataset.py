"""Benchmark of hashing, storing and h5ad files of a Dataset (issue 8 item 4): prints a table.

Cases: the bundled pasilla and airway tables (dense, genes x samples) and a synthetic
sparse single-cell matrix, 50,000 cells x 2,000 genes at 1 % density (float32 CSR).
For each: time and Python-heap peak (tracemalloc) of the content hash
(:func:`rnaclust_dash.pipeline.dataset_key`), of the pickle the diskcache store writes,
and of an h5ad write + read (time without tracemalloc, peak on a second run). For the dense tables the hash of the first version (a
float64 copy of the genes x samples table) is timed beside it.

Usage: ``python benchmarks/bench_dataset.py``. Not a test: nothing fails.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnaclust_dash.dataset import Dataset  # noqa: E402
from rnaclust_dash.io.examples import load_example  # noqa: E402
from rnaclust_dash.pipeline import dataset_key  # noqa: E402
from rnaclust_dash.store import content_key  # noqa: E402


def copying_key(dataset: Dataset) -> str:
    """The hash as first written: a contiguous float64 copy of the genes x samples table."""
    counts = dataset.counts
    parts = [np.ascontiguousarray(counts.to_numpy(dtype=np.float64)).tobytes(),
             "\n".join(map(str, counts.index)).encode(),
             "\n".join(map(str, counts.columns)).encode(), dataset.value_kind.encode()]
    if dataset.metadata is not None:
        parts.append(dataset.metadata.to_csv().encode())
    if dataset.gene_lengths is not None:
        parts.append(dataset.gene_lengths.to_csv().encode())
    return "dataset-" + content_key(*parts)[:40]


def measured(step):
    """(seconds, peak MiB of Python-heap allocations, result) of ``step()``: timed on a
    run without tracemalloc (it slows allocation-heavy code), peak taken on a second."""
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 2**20, result


def synthetic_cells(n_cells=50_000, n_genes=2_000, density=0.01, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    matrix = sparse.random(n_cells, n_genes, density=density, format="csr", random_state=rng,
                           data_rvs=lambda n: rng.integers(1, 50, n).astype(np.float32))
    return Dataset.from_anndata(ad.AnnData(
        X=matrix, obs=pd.DataFrame(index=[f"cell{i}" for i in range(n_cells)]),
        var=pd.DataFrame(index=[f"gene{j}" for j in range(n_genes)])), name="synthetic")


def h5ad_round_trip(dataset: Dataset, folder: Path) -> Dataset:
    path = folder / "dataset.h5ad"
    dataset.to_h5ad(path)
    return Dataset.read_h5ad(path)


def main() -> None:
    cases = {"pasilla": load_example("pasilla"), "airway": load_example("airway"),
             "sparse 50,000 x 2,000": synthetic_cells()}
    for dataset in cases.values():
        copying_key(dataset)  # warm up (imports, first to_csv) before anything is timed
    print(f"{'case':<24}{'dense MiB':>10}{'step':>22}{'seconds':>10}{'peak MiB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for label, dataset in cases.items():
            dense_mib = dataset.n_genes * dataset.n_samples * 8 / 2**20
            steps = {"dataset_key": lambda: dataset_key(dataset),
                     "pickle (store)": lambda: len(pickle.dumps(dataset, protocol=5)),
                     "h5ad write + read": lambda: h5ad_round_trip(dataset, Path(folder))}
            if not dataset.is_sparse:
                steps["key as first written"] = lambda: copying_key(dataset)
            for step, run in steps.items():
                seconds, peak, result = measured(run)
                extra = f"  ({result / 2**20:.1f} MiB)" if step.startswith("pickle") else ""
                print(f"{label:<24}{dense_mib:>10.1f}{step:>22}{seconds:>10.3f}{peak:>10.1f}"
                      f"{extra}")


if __name__ == "__main__":
    main()
