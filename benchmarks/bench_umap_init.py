"""Cost of UMAP's start on a large graph: umap-learn's spectral and tswspectral layouts
vs the first two principal components (what :func:`rnaclust_dash.tl.embed.umap_from_graph`
uses above ``UMAP_PCA_INIT_ABOVE`` cells). Prints a table.

``--cells`` points in 12 planted Gaussian groups in 30 dimensions (stand-ins for PCs),
their 15-neighbour UMAP graph (:func:`rnaclust_dash.pp.neighbors.neighbors`); then each
start in a fresh process with one BLAS thread: seconds, and the rise of the process's
peak resident memory (VmHWM) over what it held once the graph was loaded. Usage:
``python benchmarks/bench_umap_init.py [--cells 200000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_START = r'''
import json, sys, time
import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits
sys.path.insert(0, {repo!r})
from rnaclust_dash.pp.neighbors import load_umap
load_umap()
from umap.spectral import spectral_layout, tswspectral_layout
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
graph = sparse.load_npz({graph!r}).tocoo()
points = np.load({points!r})
before = hwm()
rs = np.random.RandomState(0)
t = time.perf_counter()
with threadpool_limits(limits=1):
    if {start!r} == "spectral":
        spectral_layout(points, graph, 2, rs)
    elif {start!r} == "tswspectral":
        tswspectral_layout(points, graph, 2, rs)
    else:  # what simplicial_set_embedding does with an array start
        init = np.ascontiguousarray(points[:, :2])
        np.unique(init, axis=0)
print(json.dumps([time.perf_counter() - t, hwm() - before]))
'''


def planted_points(n_cells: int, *, seed: int = 0) -> np.ndarray:
    """n_cells x 30 float32 points in 12 overlapping Gaussian groups (centres ~1.7 sd
    apart), so that the kNN graph is connected as a real one mostly is: umap-learn lays
    out each piece of a graph in pieces on its own (small eigen-problems)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.3, size=(12, 30))
    types = rng.integers(0, 12, size=n_cells)
    return (centres[types] + rng.normal(size=(n_cells, 30))).astype(np.float32)


def main() -> None:
    from scipy import sparse
    from scipy.sparse import csgraph  # noqa: F401 - sparse.csgraph
    from rnaclust_dash.pp.neighbors import neighbors

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200_000)
    args = parser.parse_args()
    points = planted_points(args.cells)
    t = time.perf_counter()
    graph = neighbors(points, n_neighbors=15, random_state=0).connectivities
    pieces = sparse.csgraph.connected_components(graph, directed=False)[0]
    print(f"{args.cells:,} cells: neighbour graph in {time.perf_counter() - t:.0f} s, "
          f"{pieces} connected piece(s)", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        paths = {"graph": f"{folder}/graph.npz", "points": f"{folder}/points.npy"}
        sparse.save_npz(paths["graph"], sparse.csr_matrix(graph))
        np.save(paths["points"], points)
        print(f"{'start':<14}{'seconds':>10}{'peak rise MB':>14}")
        for start in ("pca", "tswspectral", "spectral"):
            code = _START.format(repo=str(REPO), start=start, **paths)
            done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, check=True)
            seconds, rise = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{start:<14}{seconds:>10.2f}{rise:>14.0f}", flush=True)


if __name__ == "__main__":
    main()
