"""Graph clustering: Leiden and Louvain communities of a weighted graph
(:func:`cluster_graph`, e.g. the UMAP connectivities of single cells) or of a
shared-neighbour kNN graph of the items (:func:`graph_clusters`, bulk samples and genes)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

from ..errors import ParameterError
from ._common import _feature_input
from .labels import number_by_first_appearance


GRAPH_METHODS = ("leiden", "louvain")

#: Leiden iterations of :func:`cluster_graph` by default: scanpy 1.11's igraph flavour
#: (``leiden(flavor="igraph", n_iterations=2)``, the default scanpy announces); -1 runs
#: until no node moves.
LEIDEN_ITERATIONS = 2


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


class _LegacyNumpyRandom:
    """igraph's random generator interface (``random``, ``getrandbits``, ``randint``,
    ``gauss``) drawn from numpy's legacy ``RandomState(seed)``, as scanpy 1.11 hands
    igraph: the same seed then draws the same numbers, so Leiden gives scanpy's labels."""

    def __init__(self, seed: int) -> None:
        self._state = np.random.RandomState(seed)

    def random(self) -> float:
        return float(self._state.random_sample())

    def getrandbits(self, bits: int) -> int:
        return int(self._state.tomaxint()) & ((1 << bits) - 1)

    def randint(self, low: int, high: int) -> int:
        return int(self._state.randint(low, high + 1))

    def gauss(self, mu: float, sigma: float) -> float:
        return float(self._state.normal(mu, sigma))


def _weighted_edges(connectivities) -> tuple[int, np.ndarray, np.ndarray]:
    """(n, edges m x 2, weights m) of a square sparse adjacency: every stored non-zero
    entry in row-major order (both (i, j) and (j, i) of a symmetric matrix), as scanpy's
    ``get_igraph_from_adjacency`` builds its undirected graph."""
    if not sparse.issparse(connectivities):
        connectivities = sparse.csr_matrix(np.asarray(connectivities, dtype=np.float64))
    matrix = sparse.csr_matrix(connectivities, dtype=np.float64, copy=True)
    if matrix.shape[0] != matrix.shape[1]:
        raise ParameterError(f"The graph must be a square cells x cells matrix; got "
                             f"{matrix.shape[0]:,} x {matrix.shape[1]:,}.")
    matrix.sum_duplicates()  # canonical: sorted column indices in each row
    if not np.isfinite(matrix.data).all() or (matrix.data < 0).any():
        raise ParameterError("The graph's edge weights must be finite and not negative.")
    coo = matrix.tocoo()
    present = coo.data != 0
    edges = np.column_stack([coo.row[present], coo.col[present]]).astype(np.int64)
    return matrix.shape[0], edges, coo.data[present]


def cluster_graph(connectivities, *, method: str = "leiden", resolution: float = 1.0,
                  random_state: int = 0, n_iterations: int = LEIDEN_ITERATIONS) -> np.ndarray:
    """Communities of a given weighted graph: Leiden (modularity) or Louvain.

    As scanpy 1.11's ``tl.leiden(flavor="igraph", n_iterations=2, directed=False)``: an
    undirected igraph with an edge per stored non-zero entry (a symmetric matrix gives
    each edge twice, which leaves modularity unchanged), ``community_leiden`` with the
    modularity objective and a resolution, igraph's random generator drawn from numpy's
    ``RandomState(random_state)`` during the call (then igraph's default again; the
    ``random`` module is not touched). Louvain is igraph's ``community_multilevel`` with
    the same weights and resolution.

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        n x n non-negative edge weights (e.g. the UMAP connectivities of a kNN graph of
        cells); not modified.
    method : {"leiden", "louvain"}
        Community algorithm.
    resolution : float
        Modularity resolution (> 0): larger gives more, smaller communities.
    random_state : int
        Seed: the same seed gives the same labels.
    n_iterations : int
        Leiden iterations (scanpy's 2 by default); -1 iterates until stable. Louvain
        ignores it.

    Returns
    -------
    numpy.ndarray
        n int64 labels 1..n_clusters, numbered by first appearance of the nodes.
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
    n_nodes, edges, weights = _weighted_edges(connectivities)
    graph = igraph.Graph(n=n_nodes)
    graph.add_edges(edges)  # much faster from an array than Graph(edges=...)
    with _IGRAPH_RNG_LOCK:
        igraph.set_random_number_generator(_LegacyNumpyRandom(random_state))
        try:
            if method == "leiden":
                communities = graph.community_leiden(
                    objective_function="modularity", weights=weights, resolution=resolution,
                    n_iterations=n_iterations)
            else:
                communities = graph.community_multilevel(weights=weights,
                                                         resolution=resolution)
        finally:
            igraph.set_random_number_generator(random)  # igraph's default generator
    return number_by_first_appearance(np.asarray(communities.membership))


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
    communities are those of :func:`cluster_graph` (Leiden iterated until stable).

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
    if method not in GRAPH_METHODS:  # before the graph is built
        raise ParameterError(f"Unknown graph clustering method '{method}'. Choose one of: "
                             f"{', '.join(GRAPH_METHODS)}.")
    values = _feature_input(items, n_pcs=n_pcs)
    if len(values) < 3:
        raise ParameterError(f"Graph clustering needs at least 3 items; got {len(values)}.")
    notices = ()
    if adapt_neighbors:
        n_neighbors, notices = adapted_neighbors(len(values), n_neighbors)
    edges, weights = knn_graph(values, n_neighbors=n_neighbors)
    adjacency = sparse.coo_matrix((weights, (edges[:, 0], edges[:, 1])),
                                  shape=(len(values),) * 2).tocsr()
    labels = cluster_graph(adjacency + adjacency.T, method=method, resolution=resolution,
                           random_state=random_state, n_iterations=-1)
    return GraphResult(labels, int(labels.max()), edges, weights, notices)
