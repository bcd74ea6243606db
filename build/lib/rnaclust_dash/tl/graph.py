"""Graph clustering: Leiden and Louvain communities of a shared-neighbour kNN graph."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..errors import ParameterError
from ._common import _feature_input
from .labels import number_by_first_appearance


GRAPH_METHODS = ("leiden", "louvain")


# igraph draws from one process-wide generator: hold this lock while it is swapped for
# a seeded one, so that concurrent callers (Dash worker threads) do not interleave.
_IGRAPH_RNG_LOCK = threading.Lock()


# Edges whose shared neighbours are counted at once (bounds an edges x k x k array).
_EDGE_BLOCK = 20_000


@dataclass(frozen=True)
class GraphResult:
    """Graph clustering: labels 1..n_clusters and the weighted kNN graph clustered
    (``graph_edges``: m x 2 item indices, i < j; ``edge_weights``: m Jaccard weights);
    ``notices`` says what was changed on the way (e.g. fewer neighbours, see
    :func:`adapted_neighbors`)."""

    labels: np.ndarray
    n_clusters: int
    graph_edges: np.ndarray
    edge_weights: np.ndarray
    notices: tuple[str, ...] = ()


def adapted_neighbors(n_items: int, n_neighbors: int) -> tuple[int, tuple[str, ...]]:
    """The neighbours per item the kNN graph of a small study uses, and a notice when
    that is fewer than asked.

    At most one in five items (rounded, at least 2, at most ``n_items - 1``): a group
    can only stand apart in the graph if its items find their neighbours inside it, so
    with 15 neighbours (scanpy's and, less the item itself, Seurat's default, made for
    thousands of cells) 16 samples in 4 groups of 4 are one cluster, and 10 samples
    are too few to build the graph. With n / 5, groups of more than a fifth of the
    study keep their neighbourhoods (4-5 balanced groups); on simulated studies of 8-40
    samples in 2-5 groups this recovered the groups more often than sqrt(n) did, since
    modularity at resolution 1 cuts sparse graphs of large groups. From 75 items up the
    requested number is used as it is.

    Parameters
    ----------
    n_items : int
        Items in the graph (>= 2).
    n_neighbors : int
        Neighbours asked for.

    Returns
    -------
    tuple
        (neighbours used, notices: empty or one sentence for the user).
    """
    used = min(n_neighbors, max(2, round(n_items / 5)), n_items - 1)
    if used == n_neighbors:
        return used, ()
    return used, (f"The kNN graph uses {used} neighbours per item instead of {n_neighbors}: "
                  f"the study has only {n_items} items, and a group stands apart only if "
                  "its items find their neighbours inside it (at most one neighbour per "
                  "five items is used).",)


def knn_graph(items: np.ndarray, *, n_neighbors: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Shared-nearest-neighbour graph of the rows of ``items`` (Euclidean).

    Each item is joined to its ``n_neighbors`` nearest items (either direction makes an
    edge); an edge is weighted by the Jaccard index of the two items' neighbourhoods
    (each counting the item itself), as PhenoGraph and Seurat do. Shared neighbours
    down-weight the chance edges between groups that plain kNN edges give the same
    weight as edges within a group, and need no bandwidth to tune.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    n_neighbors : int
        Neighbours per item, 1 <= n_neighbors < number of items.

    Returns
    -------
    tuple of numpy.ndarray
        ``edges`` (m x 2, i < j, sorted) and ``weights`` (m, in (0, 1]).
    """
    values = np.asarray(items, dtype=np.float64)
    n = values.shape[0]
    if not 1 <= n_neighbors < n:
        raise ParameterError(f"n_neighbors must be between 1 and the number of items - 1 "
                             f"({n - 1}); got {n_neighbors}.")
    # Brute force: for tens of dimensions it is ~6x faster than the default tree search.
    neighbours = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute").fit(
        values).kneighbors(
        return_distance=False)
    # Undirected edges i < j, each once, encoded as one integer for a fast unique.
    source = np.repeat(np.arange(n, dtype=np.int64), n_neighbors)
    target = neighbours.ravel().astype(np.int64)
    codes = np.unique(np.minimum(source, target) * n + np.maximum(source, target))
    edges = np.column_stack([codes // n, codes % n])
    # Neighbourhoods include the item itself, so that two mutual neighbours share >= 2.
    members = np.column_stack([np.arange(n), neighbours])
    shared = np.empty(len(edges))
    for start in range(0, len(edges), _EDGE_BLOCK):
        a = members[edges[start:start + _EDGE_BLOCK, 0]]
        b = members[edges[start:start + _EDGE_BLOCK, 1]]
        shared[start:start + _EDGE_BLOCK] = (a[:, :, None] == b[:, None, :]).sum(axis=(1, 2))
    weights = shared / (2 * (n_neighbors + 1) - shared)
    return edges, weights


def graph_clusters(items: np.ndarray, *, method: str = "leiden", n_neighbors: int = 15,
                   resolution: float = 1.0, n_pcs: int | None = None,
                   random_state: int = 0, adapt_neighbors: bool = True) -> GraphResult:
    """Community detection (Leiden or Louvain, modularity) on a shared-neighbour kNN graph.

    The number of clusters is not chosen beforehand: a larger ``resolution`` gives more,
    smaller clusters (in few dimensions, e.g. a handful of principal components, even a
    single round blob may be cut in pieces at resolution 1: lower it). The graph is
    :func:`knn_graph` on the items (or their first ``n_pcs`` principal components); the
    communities are python-igraph's ``community_leiden`` (modularity objective, iterated
    until stable) or ``community_multilevel`` (Louvain), both weighted. igraph's random
    generator is replaced by one seeded with ``random_state`` during the call and then
    reset to igraph's default (Python's ``random`` module, whose state is not touched).

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    method : {"leiden", "louvain"}
        Community algorithm.
    n_neighbors : int
        Neighbours per item in the graph; more gives fewer, larger clusters. Lowered
        for small studies (see :func:`adapted_neighbors`, said in ``notices``).
    resolution : float
        Modularity resolution (> 0); 1 is standard modularity.
    n_pcs : int, optional
        Build the graph on the first ``n_pcs`` principal components.
    random_state : int
        Seed: the same seed gives the same result.
    adapt_neighbors : bool
        Lower ``n_neighbors`` for small studies (default); False uses it as given.

    Returns
    -------
    GraphResult
    """
    if method not in GRAPH_METHODS:
        raise ParameterError(f"Unknown graph clustering method '{method}'. Choose one of: "
                             f"{', '.join(GRAPH_METHODS)}.")
    if not resolution > 0:
        raise ParameterError(f"The resolution must be positive; got {resolution}.")
    try:
        import igraph
    except ImportError as error:  # an optional dependency of the core
        raise ParameterError("Graph clustering needs the python-igraph package: "
                             "pip install igraph.") from error
    values = _feature_input(items, n_pcs=n_pcs)
    if len(values) < 3:
        raise ParameterError(f"Graph clustering needs at least 3 items; got {len(values)}.")
    notices = ()
    if adapt_neighbors:
        n_neighbors, notices = adapted_neighbors(len(values), n_neighbors)
    edges, weights = knn_graph(values, n_neighbors=n_neighbors)
    graph = igraph.Graph(n=len(values))
    graph.add_edges(edges)  # much faster from an array than Graph(edges=...)
    with _IGRAPH_RNG_LOCK:
        igraph.set_random_number_generator(random.Random(random_state))
        try:
            if method == "leiden":
                communities = graph.community_leiden(
                    objective_function="modularity", weights=weights, resolution=resolution,
                    n_iterations=-1)
            else:
                communities = graph.community_multilevel(weights=weights,
                                                         resolution=resolution)
        finally:
            igraph.set_random_number_generator(random)  # igraph's default generator
    labels = number_by_first_appearance(np.asarray(communities.membership))
    return GraphResult(labels, int(labels.max()), edges, weights, notices)
