"""Time the trajectory tools on large synthetic kNN graphs (issue 12).

The graph is built directly (a k-d tree search, not pp.neighbors, which times itself): cells
on a noisy Y in 5 dimensions, each joined to its 14 nearest with Gaussian weights, so the
numbers are those of the diffusion map (ARPACK, 15 components), DPT from one root,
PAGA between 20 groups (10 time bins) and the Spearman test of 2,000 genes along pseudotime. Prints a
table; run ``python benchmarks/bench_trajectory.py [n_cells ...]``.

``rho(true time)`` is Spearman's correlation of DPT with the simulated time. It falls as
the cells grow denser along the Y: the leading diffusion eigenvalues then exceed 0.9994,
which scanpy (and so this code) treats as stationary states and leaves unweighted
(0.99 at 500 cells, 0.80 at 2,000; 2026-11-30). Measured 2026-11-30 18:03 UTC on the
shared 2-core machine at load ~12: 10,000 cells 0.77 s diffusion map, 0.14 s PAGA, 3.6 s
genes; 50,000 cells 53.5 s, 0.25 s, 36.2 s. With the genes of sparse cells ranked from
their non-zeros (21:15 UTC, load ~11): genes 0.77 s at 10,000 cells, 1.92 s at 50,000
(diffusion map 0.81 s and 64.9 s, PAGA 0.08 s and 0.07 s).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.stats import spearmanr

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from rnaclust_dash.tl.trajectory.diffusion import diffusion_map, diffusion_pseudotime  # noqa: E402
from rnaclust_dash.tl.trajectory.genes import pseudotime_genes  # noqa: E402
from rnaclust_dash.tl.trajectory.paga import paga_connectivities  # noqa: E402


def branching_graph(n_cells: int, n_neighbors: int = 14, seed: int = 0):
    """(connectivities, directed kNN, true time) of cells on a noisy Y in 5-D."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    time_ = rng.uniform(0, 2, n_cells)
    arm = rng.integers(0, 2, n_cells)
    after = np.clip(time_ - 1, 0, None)
    points = np.column_stack([np.minimum(time_, 1) * 4 + after * 3,
                              np.where(arm == 0, 1, -1) * after * 3,
                              np.zeros((n_cells, 3))]) + rng.normal(0, 0.1, (n_cells, 5))
    distances, indices = NearestNeighbors(n_neighbors=n_neighbors,
                                          algorithm="kd_tree").fit(points).kneighbors()
    rows = np.repeat(np.arange(n_cells), n_neighbors)
    sigma = np.median(distances[:, -1])
    knn = sp.csr_matrix((np.exp(-(distances.ravel() / sigma) ** 2), (rows, indices.ravel())),
                        shape=(n_cells, n_cells))
    return knn.maximum(knn.T).tocsr(), knn, time_


def main(sizes) -> None:
    print(f"{'cells':>9} {'diffmap s':>10} {'dpt s':>7} {'paga s':>7} {'genes s':>8} "
          f"{'rho(true time)':>15}")
    for n_cells in sizes:
        connectivities, knn, true_time = branching_graph(n_cells)
        start = time.perf_counter()
        diffmap = diffusion_map(connectivities, n_comps=15)
        t_diffmap = time.perf_counter() - start
        start = time.perf_counter()
        pseudotime = diffusion_pseudotime(diffmap, int(np.argmin(true_time)))
        t_dpt = time.perf_counter() - start
        start = time.perf_counter()
        paga_connectivities(knn, np.floor(true_time * 10).astype(int))
        t_paga = time.perf_counter() - start
        values = sp.random(n_cells, 2000, density=0.1, format="csr", random_state=0)
        start = time.perf_counter()
        pseudotime_genes(values, [f"g{i}" for i in range(2000)], pseudotime)
        t_genes = time.perf_counter() - start
        rho = spearmanr(pseudotime, true_time)[0]
        print(f"{n_cells:>9,} {t_diffmap:>10.2f} {t_dpt:>7.2f} {t_paga:>7.2f} {t_genes:>8.2f} "
              f"{rho:>15.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 50_000])
