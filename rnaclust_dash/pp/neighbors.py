"""The k-nearest-neighbour graph of cells with UMAP connectivities (scanpy's ``neighbors``).

Exact neighbours (brute force) below a number of cells, approximate ones (pynndescent,
seeded) from it; the connectivities are umap-learn's fuzzy simplicial set of the kNN
distances, as scanpy's ``method="umap"``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pp._sc_inputs import _dense_or_csr, _positive_int

#: Neighbours per cell, the cell itself included (scanpy's 15).
N_NEIGHBORS = 15
#: Exact neighbours below this many cells. scanpy switches to pynndescent at 8,192; exact
#: brute force (sklearn, chunked) takes ~4 s for 20,000 cells and ~19 s for 50,000 on a
#: busy 2-core machine, less than pynndescent's first-call compilation (30-100 s).
EXACT_NEIGHBORS_BELOW = 50_000
#: Distances on offer (both exact and pynndescent know them).
NEIGHBOR_METRICS = ("euclidean", "cosine", "manhattan", "correlation")


@dataclass(frozen=True)
class NeighborGraph:
    """kNN graph of cells.

    Attributes
    ----------
    distances : scipy.sparse.csr_matrix
        n x n, each row the distances to the cell's ``n_neighbors - 1`` neighbours
        (itself left out), as scanpy's ``obsp["distances"]``.
    connectivities : scipy.sparse.csr_matrix
        n x n symmetric UMAP fuzzy-set weights in (0, 1] (``obsp["connectivities"]``).
    knn_indices : numpy.ndarray
        n x n_neighbors int, column 0 the cell itself, then nearest first.
    knn_distances : numpy.ndarray
        n x n_neighbors float32, matching ``knn_indices`` (column 0 is 0).
    exact : bool
        Whether the neighbours are exact (brute force) or approximate (pynndescent).
    """

    distances: sparse.csr_matrix
    connectivities: sparse.csr_matrix
    knn_indices: np.ndarray
    knn_distances: np.ndarray
    exact: bool


def _exact_knn(points, n_neighbors: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.neighbors import NearestNeighbors

    # Asked without the query points, sklearn leaves each cell out of its own list even
    # when another cell has identical coordinates; the cell is then put first by hand.
    found = NearestNeighbors(n_neighbors=n_neighbors - 1, algorithm="brute",
                             metric=metric).fit(points)
    distances, indices = found.kneighbors(return_distance=True)
    return _with_self(indices, distances)


def load_umap():
    """Import umap-learn with its numba code cached on disk.

    umap-learn compiles most of its numba functions without ``cache=True``, so every new
    process (each background job is one) spent ~30 s compiling them again. Caching them
    too (in ``NUMBA_CACHE_DIR``) brings a fresh process's first UMAP down to ~0.2 s once
    the cache is filled (see :func:`warm_up_umap`).
    """
    import umap  # slow import (numba): only when asked for
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("umap", "pynndescent") and module is not None:
            for function in list(vars(module).values()):
                if isinstance(function, Dispatcher) and isinstance(function._cache, NullCache):
                    function.enable_caching()
    return umap


def _approximate_knn(points, n_neighbors: int, metric: str,
                     random_state: int) -> tuple[np.ndarray, np.ndarray]:
    load_umap()  # pynndescent's numba code cached on disk too
    from pynndescent import NNDescent

    n_cells = points.shape[0]
    # umap-learn's (and so scanpy's) settings of the index for this many points.
    index = NNDescent(points, n_neighbors=n_neighbors, metric=metric,
                      random_state=random_state, low_memory=True,
                      n_trees=min(64, 5 + int(round(n_cells ** 0.5 / 20.0))),
                      n_iters=max(5, int(round(np.log2(n_cells)))), verbose=False)
    indices, distances = index.neighbor_graph
    own = np.arange(n_cells)[:, None]
    # Drop the cell from its own list wherever the search put it, keep n - 1 others.
    is_self = indices == own
    others = np.where(is_self, -1, indices)
    order = np.argsort(np.where(is_self, np.inf, distances), axis=1, kind="stable")
    others = np.take_along_axis(others, order, axis=1)[:, :n_neighbors - 1]
    other_distances = np.take_along_axis(distances, order, axis=1)[:, :n_neighbors - 1]
    return _with_self(others, other_distances)


def _with_self(indices: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    own = np.arange(indices.shape[0], dtype=np.int64)[:, None]
    return (np.hstack([own, indices.astype(np.int64)]),
            np.hstack([np.zeros_like(own, dtype=np.float32), distances.astype(np.float32)]))


def _umap_connectivities(knn_indices: np.ndarray,
                         knn_distances: np.ndarray) -> sparse.csr_matrix:
    load_umap()  # before the first call compiles it: cached on disk, not again per job
    from umap.umap_ import fuzzy_simplicial_set

    n_cells, n_neighbors = knn_indices.shape
    graph, _sigmas, _rhos = fuzzy_simplicial_set(
        # No random state or metric: with the neighbours given, neither is used (scanpy).
        sparse.coo_matrix((n_cells, 1)), n_neighbors, None, None,
        knn_indices=knn_indices, knn_dists=knn_distances, set_op_mix_ratio=1.0,
        local_connectivity=1.0)
    return sparse.csr_matrix(graph, dtype=np.float32)


def nearest_neighbors(points, *, n_neighbors: int = N_NEIGHBORS, metric: str = "euclidean",
                      random_state: int = 0, exact_below: int = EXACT_NEIGHBORS_BELOW
                      ) -> tuple[np.ndarray, np.ndarray, bool]:
    """The ``n_neighbors`` nearest points of each point, itself first.

    Parameters
    ----------
    points : numpy.ndarray
        Points x dimensions.
    n_neighbors : int
        Neighbours per point, the point itself included (2 <= n_neighbors <= points).
    metric : {"euclidean", "cosine", "manhattan", "correlation"}
        Distance between points.
    random_state : int or numpy.random.RandomState
        Seed of the approximate search (the exact search has no randomness).
    exact_below : int
        Exact brute-force neighbours below this many points, pynndescent from it.

    Returns
    -------
    tuple
        ``indices`` (points x n_neighbors int64, column 0 the point itself, then nearest
        first), ``distances`` (float32, matching) and ``exact`` (bool).
    """
    points = _dense_or_csr(points, what="cell coordinates")
    if sparse.issparse(points):
        points = points.toarray()  # a few dozen components: dense is small
    n_points = points.shape[0]
    n_neighbors = _positive_int(n_neighbors, "n_neighbors", minimum=2)
    if n_neighbors > n_points:
        raise ParameterError(f"n_neighbors ({n_neighbors}) counts the cell itself and "
                             f"cannot exceed the number of cells ({n_points}); lower it.")
    if metric not in NEIGHBOR_METRICS:
        raise ParameterError(f"metric must be one of {', '.join(NEIGHBOR_METRICS)}; got "
                             f"{metric!r}.")
    exact = n_points < exact_below
    if exact:
        indices, distances = _exact_knn(points, n_neighbors, metric)
    else:
        indices, distances = _approximate_knn(points, n_neighbors, metric, random_state)
    return indices, distances, exact


def neighbors(scores, *, n_neighbors: int = N_NEIGHBORS, metric: str = "euclidean",
              random_state: int = 0,
              exact_below: int = EXACT_NEIGHBORS_BELOW) -> NeighborGraph:
    """kNN graph of cells and its UMAP connectivities (scanpy's ``pp.neighbors``).

    Parameters
    ----------
    scores : numpy.ndarray
        Cells x dimensions, usually the first principal components (or Harmony's).
    n_neighbors, metric, random_state, exact_below
        As :func:`nearest_neighbors`.

    Returns
    -------
    NeighborGraph
    """
    knn_indices, knn_distances, exact = nearest_neighbors(
        scores, n_neighbors=n_neighbors, metric=metric, random_state=random_state,
        exact_below=exact_below)
    n_cells, n_neighbors = knn_indices.shape
    rows = np.repeat(np.arange(n_cells), n_neighbors - 1)
    distances = sparse.csr_matrix(
        (knn_distances[:, 1:].ravel(), (rows, knn_indices[:, 1:].ravel())),
        shape=(n_cells, n_cells))
    return NeighborGraph(distances=distances,
                         connectivities=_umap_connectivities(knn_indices, knn_distances),
                         knn_indices=knn_indices, knn_distances=knn_distances, exact=exact)
