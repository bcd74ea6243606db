"""Benchmark: reading single-cell input, rnaclust_dash vs scanpy, side by side (issue 9).

Synthetic raw counts (seeded; ``--cells`` x ``--genes``, about ``--per-cell`` non-zero
genes per cell, Poisson values) are written once as a 10x matrix folder (matrix.mtx.gz,
barcodes, features), a 10x v3 .h5 and an .h5ad (CSR). Each reader then runs in a fresh
Python process (ours: ``rnaclust_dash.io.read_single_cell``; scanpy's
``read_10x_mtx``, ``read_10x_h5``, ``read_h5ad``, in the scanpy venv given by
``--scanpy-python``). The table shows the seconds of the read call (files warm in the page
cache: each reader reads each file once before, untimed) and the peak resident memory of
the process (VmHWM, imports included; the peak of a run with the same imports and no read
is shown as the baseline). Both readers return the same matrix (checked by the sum of the
counts).

Usage: ``python benchmarks/bench_sc_read.py [--cells 20000] [--genes 20000]
[--per-cell 1000] [--scanpy-python /work/wt/scanpy-venv/bin/python]``. Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import sparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rnaclust_dash.dataset import Dataset  # noqa: E402  (writes classic h5ad strings)

_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
{imports}
path = {path!r}
if {do_read}:
    start = time.perf_counter()
    adata = {call}
    seconds = time.perf_counter() - start
    total = float(adata.X.sum())
else:
    seconds, total = 0.0, 0.0
# VmHWM: this process's own peak (ru_maxrss would include the parent's at fork time).
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "total": total}}))
"""

_OURS = ("from rnaclust_dash.io import read_single_cell",
         "read_single_cell(path=path).adata")
_SCANPY = {
    "10x folder": ("import scanpy as sc", "sc.read_10x_mtx(path, var_names='gene_ids')"),
    "10x .h5": ("import scanpy as sc", "sc.read_10x_h5(path)"),
    "h5ad": ("import scanpy as sc", "sc.read_h5ad(path)"),
}


def synthetic_counts(n_cells: int, n_genes: int, per_cell: int, seed: int = 0):
    """Cells x genes CSR int32: ``per_cell`` distinct genes per cell, Poisson(2) + 1."""
    rng = np.random.default_rng(seed)
    indptr = np.arange(n_cells + 1, dtype=np.int64) * per_cell
    indices = np.concatenate([np.sort(rng.choice(n_genes, per_cell, replace=False))
                              for _ in range(n_cells)]).astype(np.int32)
    data = (rng.poisson(2.0, size=indices.size) + 1).astype(np.int32)
    return sparse.csr_matrix((data, indices, indptr), shape=(n_cells, n_genes))


def write_inputs(counts, folder: Path) -> dict[str, Path]:
    import anndata as ad
    import h5py
    import pandas as pd

    n_cells, n_genes = counts.shape
    barcodes = [f"CELL{i:07d}-1" for i in range(n_cells)]
    ids = [f"ENSG{j:011d}" for j in range(n_genes)]
    symbols = [f"GENE{j}" for j in range(n_genes)]
    tenx = folder / "filtered_feature_bc_matrix"
    tenx.mkdir(parents=True)
    coo = counts.T.tocoo()  # genes x cells, as Cell Ranger writes
    with gzip.open(tenx / "matrix.mtx.gz", "wt", compresslevel=1) as handle:
        handle.write(f"%%MatrixMarket matrix coordinate integer general\n%\n"
                     f"{n_genes} {n_cells} {coo.nnz}\n")
        block = 1_000_000
        for start in range(0, coo.nnz, block):
            rows = coo.row[start:start + block] + 1
            cols = coo.col[start:start + block] + 1
            values = coo.data[start:start + block]
            handle.write("\n".join(f"{r} {c} {v}" for r, c, v in zip(rows, cols, values)))
            handle.write("\n")
    with gzip.open(tenx / "barcodes.tsv.gz", "wt") as handle:
        handle.write("\n".join(barcodes) + "\n")
    with gzip.open(tenx / "features.tsv.gz", "wt") as handle:
        handle.write("\n".join(f"{i}\t{s}\tGene Expression" for i, s in zip(ids, symbols)))
        handle.write("\n")
    h5 = folder / "filtered_feature_bc_matrix.h5"
    with h5py.File(h5, "w") as handle:
        group = handle.create_group("matrix")
        group["barcodes"] = np.array(barcodes, dtype="S")
        group["data"], group["indices"] = counts.data, counts.indices
        group["indptr"] = counts.indptr
        group["shape"] = np.array([n_genes, n_cells], dtype=np.int32)
        features = group.create_group("features")
        features["id"], features["name"] = np.array(ids, dtype="S"), np.array(symbols, dtype="S")
        features["feature_type"] = np.array(["Gene Expression"] * n_genes, dtype="S")
        features["genome"] = np.array(["GRCh38"] * n_genes, dtype="S")
        features["_all_tag_keys"] = np.array([b"genome"])
    h5ad = folder / "cells.h5ad"
    var = pd.DataFrame({"gene_ids": ids}, index=symbols)
    Dataset.from_anndata(ad.AnnData(X=counts.astype(np.float32),
                                    obs=pd.DataFrame(index=barcodes), var=var)).to_h5ad(h5ad)
    return {"10x folder": tenx, "10x .h5": h5, "h5ad": h5ad}


def run_child(python: str, imports: str, call: str, path: Path, do_read: bool = True) -> dict:
    code = _CHILD.format(repo=str(REPO), imports=imports, path=str(path), call=call,
                         do_read=do_read)
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=20_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--per-cell", type=int, default=1_000)
    parser.add_argument("--scanpy-python", default="/work/wt/scanpy-venv/bin/python")
    args = parser.parse_args()
    counts = synthetic_counts(args.cells, args.genes, args.per_cell)
    with tempfile.TemporaryDirectory() as scratch:
        inputs = write_inputs(counts, Path(scratch))
        sizes = {k: sum(p.stat().st_size for p in ([v] if v.is_file() else v.iterdir()))
                 for k, v in inputs.items()}
        print(f"{args.cells:,} cells x {args.genes:,} genes, {counts.nnz:,} non-zero counts "
              f"(sum {int(counts.sum()):,})")
        del counts
        base_ours = run_child(sys.executable, _OURS[0], "None", Path(scratch), do_read=False)
        base_scanpy = run_child(args.scanpy_python, "import scanpy as sc", "None", Path(scratch),
                                do_read=False)
        print(f"baseline peak after imports: rnaclust_dash {base_ours['peak_mb']:,.0f} MB, "
              f"scanpy {base_scanpy['peak_mb']:,.0f} MB")
        print(f"{'input':<12}{'size MB':>9}{'ours s':>9}{'scanpy s':>10}"
              f"{'ours peak MB':>14}{'scanpy peak MB':>16}  same sum")
        for kind, path in inputs.items():
            run_child(sys.executable, _OURS[0], _OURS[1], path)  # warms the page cache
            ours = run_child(sys.executable, _OURS[0], _OURS[1], path)
            theirs = run_child(args.scanpy_python, *_SCANPY[kind], path)
            print(f"{kind:<12}{sizes[kind] / 1e6:>9.1f}{ours['seconds']:>9.2f}"
                  f"{theirs['seconds']:>10.2f}{ours['peak_mb']:>14,.0f}"
                  f"{theirs['peak_mb']:>16,.0f}  {ours['total'] == theirs['total']}")


if __name__ == "__main__":
    main()
