"""Clustering: one function per family, each returning what later steps reuse."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import fastcluster
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from threadpoolctl import threadpool_limits

from .errors import ParameterError

#: Linkage name -> one sentence for the UI.
LINKAGES = {
    "average": "Average (UPGMA): mean distance between members; a robust default.",
    "complete": "Complete: farthest members; compact, similar-sized clusters.",
    "single": "Single: nearest members; finds chains, sensitive to noise.",
    "ward": "Ward: merges that least increase within-cluster variance (Euclidean only).",
    "weighted": "Weighted (WPGMA, R 'mcquitty'): average linkage where each merged half "
                "counts equally, whatever its size.",
    "centroid": "Centroid (UPGMC): distance between cluster centres (Euclidean only; the "
                "tree can have inversions).",
    "median": "Median (WPGMC): centroid linkage with halves weighted equally (Euclidean "
              "only; the tree can have inversions).",
}

#: Linkages that only make sense on Euclidean distances.
EUCLIDEAN_LINKAGES = ("ward", "centroid", "median")

KMEANS_INITS = ("k-means++", "random")

# The method lists live in the registry (rnaclust_dash.tl.methods); these names stay
# importable from here for older callers.
_REGISTRY_NAMES = {"METHODS": "METHOD_DESCRIPTIONS", "GRAPH_CLUSTERINGS": "RESOLUTION_METHODS",
                   "SOFT_METHODS": "SOFT_METHODS"}


def __getattr__(name: str):
    if name in _REGISTRY_NAMES:  # imported late: the registry imports this module
        from .tl import methods
        return getattr(methods, _REGISTRY_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# fastcluster's name for each linkage; "ward" on Euclidean distances is R's ward.D2.
_FASTCLUSTER_METHOD = {"average": "average", "complete": "complete", "single": "single",
                       "ward": "ward", "weighted": "weighted", "centroid": "centroid",
                       "median": "median"}


def hierarchical_tree(condensed: np.ndarray, *, linkage: str) -> np.ndarray:
    """Agglomerative clustering tree from condensed distances (R ``hclust``).

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances (see :func:`rnaclust_dash.distance.pairwise_distances`).
    linkage : str
        One of :data:`LINKAGES`. ``"ward"`` is Ward's minimum variance on Euclidean
        distances (R ``ward.D2``); the others are R ``hclust``'s methods of those names
        (``"weighted"`` is R's ``"mcquitty"``).

    Returns
    -------
    numpy.ndarray
        A scipy linkage matrix, (n - 1) x 4.
    """
    if linkage not in _FASTCLUSTER_METHOD:
        raise ParameterError(f"Unknown linkage '{linkage}'. Choose one of: {', '.join(LINKAGES)}.")
    return fastcluster.linkage(np.asarray(condensed, dtype=np.float64),
                               method=_FASTCLUSTER_METHOD[linkage], preserve_input=True)


def optimal_leaf_order(tree: np.ndarray, condensed: np.ndarray) -> np.ndarray:
    """The same tree with its branches flipped so that neighbouring leaves are as similar
    as possible (Bar-Joseph et al. 2001); merges, heights and cuts are unchanged."""
    from scipy.cluster.hierarchy import optimal_leaf_ordering

    return optimal_leaf_ordering(tree, np.asarray(condensed, dtype=np.float64))


def number_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..k in the order in which they first occur (as R's ``cutree``)."""
    labels = np.asarray(labels)
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_index), dtype=np.int64)
    rank[np.argsort(first_index)] = np.arange(1, len(first_index) + 1)
    return rank[inverse]


def cut_tree(tree: np.ndarray, k: int) -> np.ndarray:
    """Cut a linkage tree into ``k`` clusters, exactly as R's ``cutree(tree, k)``.

    The first ``n - k`` merges are applied; clusters are numbered in the order of the
    items (the first item is in cluster 1).

    Parameters
    ----------
    tree : numpy.ndarray
        Scipy linkage matrix of n items.
    k : int
        Number of clusters, 1 <= k <= n.

    Returns
    -------
    numpy.ndarray
        Integer labels 1..k, one per item.
    """
    n = tree.shape[0] + 1
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of items ({n}); got {k}.")
    merges = tree[:, :2].astype(np.int64)
    group = np.full(2 * n - 1, -1, dtype=np.int64)
    # Walk the merges from the root down: merges above the cut pass nothing on; the
    # first node below the cut on each path starts a group its descendants inherit.
    n_applied = n - k
    next_group = 0
    if n_applied == n - 1:
        group[2 * n - 2] = 0
        next_group = 1
    for i in range(n - 2, -1, -1):
        node_group = group[n + i]
        for child in merges[i]:
            if i >= n_applied:  # this merge is above the cut
                child_is_merge_below = child >= n and child - n < n_applied
                if child < n or child_is_merge_below:
                    group[child] = next_group
                    next_group += 1
            else:
                group[child] = node_group
    if n == 1:
        group[0] = 0
    return number_by_first_appearance(group[:n])


@dataclass(frozen=True)
class KMeansResult:
    """Labels (1..k, numbered by first appearance), centres and inertia of k-means."""

    labels: np.ndarray
    centers: np.ndarray
    inertia: float


def kmeans(items: np.ndarray, *, k: int, init: str = "k-means++", n_init: int = 10,
           random_state: int = 0, minibatch: bool = False,
           limit_threads: bool = True) -> KMeansResult:
    """K-means clustering (scikit-learn, Lloyd) of the rows of ``items``.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of clusters.
    init : {"k-means++", "random"}
        How the first centres are chosen.
    n_init : int
        Number of starts; the best (lowest inertia) is kept.
    random_state : int
        Seed: the same seed gives the same result.
    minibatch : bool
        Mini-batch k-means (Sculley 2010): much faster on many items, slightly worse
        optima.
    limit_threads : bool
        Run on one BLAS/OpenMP thread. Entering the limit costs ~6 ms, more than a small
        k-means: loops that fit many times (choose-k, stability) enter it once around all
        their fits and pass False. The result is the same either way.

    Returns
    -------
    KMeansResult
    """
    if init not in KMEANS_INITS:
        raise ParameterError(f"Unknown k-means init '{init}'. Choose one of: {', '.join(KMEANS_INITS)}.")
    # One thread: on small machines the BLAS/OpenMP pools oversubscribe and k-means
    # runs several times slower with the defaults.
    with threadpool_limits(limits=1) if limit_threads else nullcontext():
        kind = MiniBatchKMeans if minibatch else KMeans
        model = kind(n_clusters=k, init=init, n_init=n_init, random_state=random_state)
        raw = model.fit_predict(np.asarray(items, dtype=np.float64))
    found = len(np.unique(raw))
    if found < k:
        raise ParameterError(
            f"K-means found only {found} distinct {'cluster' if found == 1 else 'clusters'} "
            f"for k = {k}: the data has fewer "
            f"than {k} distinct items. Lower k.")
    labels = number_by_first_appearance(raw)
    # Reorder the centres to follow the renumbered labels.
    order = [raw[np.argmax(labels == c)] for c in range(1, k + 1)]
    return KMeansResult(labels, model.cluster_centers_[order], float(model.inertia_))
