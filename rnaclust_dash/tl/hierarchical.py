"""Agglomerative hierarchical clustering: trees (R ``hclust``), leaf order and cuts."""

from __future__ import annotations

import fastcluster
import numpy as np

from ..errors import ParameterError
from .labels import number_by_first_appearance


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


# fastcluster's name for each linkage; "ward" on Euclidean distances is R's ward.D2.
_FASTCLUSTER_METHOD = {"average": "average", "complete": "complete", "single": "single",
                       "ward": "ward", "weighted": "weighted", "centroid": "centroid",
                       "median": "median"}


def hierarchical_tree(condensed: np.ndarray, *, linkage: str) -> np.ndarray:
    """Agglomerative clustering tree from condensed distances (R ``hclust``).

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances (see :func:`rnaclust_dash.tl.distance.pairwise_distances`).
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
    as possible (Bar-Joseph et al. 2001); merges, heights and cuts are unchanged.

    Parameters
    ----------
    tree : numpy.ndarray, shape (n - 1, 4)
        A scipy linkage matrix of n items.
    condensed : numpy.ndarray, shape (n * (n - 1) / 2,)
        The condensed distances the tree was built from.

    Returns
    -------
    numpy.ndarray, shape (n - 1, 4)
        The reordered linkage matrix (a new array).
    """
    from scipy.cluster.hierarchy import optimal_leaf_ordering

    return optimal_leaf_ordering(tree, np.asarray(condensed, dtype=np.float64))


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
