"""Choosing the number of clusters: index scans over k and cluster trees.

Every function takes the clustering method as a ``cluster_fn(data, k, random_state) ->
labels`` callable, so any method plugs in; those of the method registry are
:class:`~rnaclust_dash.tl.methods.MethodFn` (picklable, so a background worker can
receive them; tree methods build their tree once when several k are asked of the same
data, :func:`labels_over_k`). :func:`hierarchical_fn` and :func:`kmeans_fn` are
shortcuts for the two most used. The gap statistic is in :mod:`rnaclust_dash.tl.gap`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist, squareform
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .hierarchical import LINKAGES
from .kmeans import KMEANS_INITS
from .methods import REGISTRY, MethodFn, method_fn
from .validate import validation_indices


#: ``cluster_fn(data, k, random_state) -> labels``: ``data`` is items x features, or a
#: square distance matrix for methods that work on distances (``cluster_input="distances"``).
ClusterFn = Callable[[np.ndarray, int, int], np.ndarray]


#: ``progress(done, total)``, called after each unit of work.
Progress = Callable[[int, int], None]


#: ``should_stop()``: True asks a long loop to stop and return what it has.
ShouldStop = Callable[[], bool]


CLUSTER_INPUTS = ("items", "distances")


#: Index -> the rule :func:`suggest_k` uses to pick k.
SUGGESTION_RULES = {
    "silhouette": "k with the largest mean silhouette width.",
    "calinski_harabasz": "k with the largest Calinski-Harabasz index.",
    "davies_bouldin": "k with the smallest Davies-Bouldin index.",
    "elbow": "k whose WSS lies farthest below the straight line joining the WSS of the "
             "smallest and largest k scanned.",
}


class HierarchicalFn(MethodFn):
    """Hierarchical clustering of the registry cut into k clusters, as a ``cluster_fn``
    (a type of its own: its cuts of one tree nest). ``metric`` is a distance computed
    from items x features, or ``"precomputed"`` for a square distance matrix."""


class KMeansFn(MethodFn):
    """K-means of the registry (scikit-learn, float64, labels by first appearance) as a
    ``cluster_fn`` on items x features: the same fit as the analysis on screen."""


def hierarchical_fn(*, linkage: str = "average", metric: str = "euclidean") -> HierarchicalFn:
    """A ``cluster_fn`` for hierarchical clustering (see :class:`HierarchicalFn`)."""
    if linkage not in LINKAGES:
        raise ParameterError(f"Unknown linkage '{linkage}'. Choose one of: "
                             f"{', '.join(LINKAGES)}.")
    generic = method_fn(REGISTRY["hierarchical"], {"linkage": linkage}, metric=metric)
    return HierarchicalFn(generic.method, generic.settings, generic.metric)


def kmeans_fn(*, n_init: int = 10, init: str = "k-means++") -> KMeansFn:
    """A ``cluster_fn`` for k-means with ``n_init`` starts (see :class:`KMeansFn`)."""
    if init not in KMEANS_INITS:
        raise ParameterError(f"Unknown k-means init '{init}'. Choose one of: "
                             f"{', '.join(KMEANS_INITS)}.")
    generic = method_fn(REGISTRY["kmeans"], {"n_init": n_init, "kmeans_init": init})
    return KMeansFn(generic.method, generic.settings, generic.metric)


def labels_over_k(data: np.ndarray, *, k_values: Sequence[int], cluster_fn: ClusterFn,
                  random_state: int = 0) -> dict[int, np.ndarray]:
    """Cluster ``data`` once for each k.

    Uses ``cluster_fn.labels_for_ks`` when it has one (one tree for every k), otherwise
    calls ``cluster_fn(data, k, random_state)`` for each k.

    Returns
    -------
    dict
        k -> labels (numpy array, one per item).
    """
    many = getattr(cluster_fn, "labels_for_ks", None)  # None: no tree to share
    if many is not None:
        return {k: np.asarray(labels) for k, labels in many(data, list(k_values),
                                                            random_state).items()}
    return {k: np.asarray(cluster_fn(data, k, random_state)) for k in k_values}


def _check_cluster_input(cluster_input: str, condensed: np.ndarray | None) -> None:
    if cluster_input not in CLUSTER_INPUTS:
        raise ParameterError(f"Unknown cluster input '{cluster_input}'. Choose one of: "
                             f"{', '.join(CLUSTER_INPUTS)}.")
    if cluster_input == "distances" and condensed is None:
        raise ParameterError("Clustering on distances needs the distances (condensed).")


def _codes(labels: np.ndarray) -> tuple[int, np.ndarray]:
    """Number of distinct labels and the labels as codes 0..k-1."""
    uniques, codes = np.unique(np.asarray(labels), return_inverse=True)
    return len(uniques), codes.reshape(-1)


def within_sum_of_squares(items: np.ndarray, labels: np.ndarray) -> float:
    """Total within-cluster sum of squared Euclidean distances to the cluster means."""
    items = np.asarray(items, dtype=np.float64)
    n_clusters, codes = _codes(labels)
    counts = np.bincount(codes, minlength=n_clusters)
    sums = np.zeros((n_clusters, items.shape[1]))
    np.add.at(sums, codes, items)
    residuals = items - (sums / counts[:, None])[codes]
    return float(np.einsum("ij,ij->", residuals, residuals))


def k_scan(items: np.ndarray, *, k_values: Sequence[int], cluster_fn: ClusterFn,
           condensed: np.ndarray | None = None, cluster_input: str = "items",
           labels_by_k: dict[int, np.ndarray] | None = None, random_state: int = 0,
           progress: Progress | None = None,
           should_stop: ShouldStop | None = None) -> pd.DataFrame:
    """Validation indices of the partition into k clusters, for each k.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features, the values as clustered (WSS, Calinski-Harabasz and
        Davies-Bouldin are Euclidean on these).
    k_values : sequence of int
        The numbers of clusters to try (k = 1 gives WSS only).
    cluster_fn : callable
        ``cluster_fn(data, k, random_state) -> labels``.
    condensed : numpy.ndarray, optional
        Condensed distances between the items, for the silhouette (and for the clustering
        when ``cluster_input="distances"``). Default: Euclidean distances of ``items``.
    cluster_input : {"items", "distances"}
        What ``cluster_fn`` receives: the items, or the square matrix of ``condensed``.
    labels_by_k : dict, optional
        Labels already computed (k -> labels, e.g. by :func:`labels_over_k`); used instead
        of clustering again for the k they hold.
    random_state : int
        Seed passed to ``cluster_fn``.
    progress : callable, optional
        ``progress(done, total)`` after each k.
    should_stop : callable, optional
        Checked before each k; when it returns True the rows done so far are returned.

    Returns
    -------
    pandas.DataFrame
        One row per k: ``k``, ``wss``, ``silhouette`` (mean width), ``calinski_harabasz``,
        ``davies_bouldin``; the indices are NaN when the partition has fewer than 2 or as
        many clusters as items.
    """
    _check_cluster_input(cluster_input, condensed)
    items = np.asarray(items, dtype=np.float64)
    if condensed is None:
        condensed = pdist(items)
    k_values = sorted(int(k) for k in k_values)
    known = dict(labels_by_k or {})
    missing = [k for k in k_values if k not in known]
    data = squareform(condensed, checks=False) if cluster_input == "distances" else items
    # One tree cut at every k: cheaper than a tree per k (not interruptible, but quick).
    if missing and getattr(cluster_fn, "labels_for_ks", None) is not None:
        known.update(labels_over_k(data, k_values=missing, cluster_fn=cluster_fn,
                                   random_state=random_state))
    rows = []
    with threadpool_limits(limits=1):  # once for every k-means call (see KMeansFn)
        for done, k in enumerate(k_values):
            if should_stop is not None and should_stop():
                break
            if k in known:
                labels = known[k]
            else:
                labels = np.asarray(cluster_fn(data, k, random_state))
            rows.append({"k": k, "wss": within_sum_of_squares(items, labels),
                         **validation_indices(items, condensed, labels)})
            if progress is not None:
                progress(done + 1, len(k_values))
    return pd.DataFrame(rows, columns=["k", "wss", "silhouette", "calinski_harabasz",
                                       "davies_bouldin"])


def elbow_k(k_values: Sequence[int], wss: Sequence[float]) -> int:
    """The elbow of a WSS curve: the k farthest below the chord from the first to the last.

    The distance to the chord is measured perpendicular to it; it is proportional to the
    vertical gap (chord minus WSS), so the choice does not depend on the axes' scales.
    """
    k = np.asarray(k_values, dtype=np.float64)
    w = np.asarray(wss, dtype=np.float64)
    order = np.argsort(k)
    k, w = k[order], w[order]
    if len(k) < 3:
        return int(k[0])
    chord = w[0] + (w[-1] - w[0]) * (k - k[0]) / (k[-1] - k[0])
    return int(k[np.argmax(chord - w)])


def suggest_k(table: pd.DataFrame) -> dict:
    """The k each index of a :func:`k_scan` table suggests (rules: :data:`SUGGESTION_RULES`).

    Largest mean silhouette, largest Calinski-Harabasz, smallest Davies-Bouldin, and the
    WSS elbow (:func:`elbow_k`). Ties go to the smallest k; rows with NaN are skipped.

    Returns
    -------
    dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``elbow`` -> k (int), or
        None when no row has a value.
    """
    table = table.sort_values("k")

    def pick(column: str, best: str) -> int | None:
        valid = table.dropna(subset=[column])
        if valid.empty:
            return None
        values = valid[column].to_numpy()
        position = np.argmax(values) if best == "max" else np.argmin(values)
        return int(valid["k"].iloc[position])

    with_wss = table.dropna(subset=["wss"])
    return {"silhouette": pick("silhouette", "max"),
            "calinski_harabasz": pick("calinski_harabasz", "max"),
            "davies_bouldin": pick("davies_bouldin", "min"),
            "elbow": elbow_k(with_wss["k"], with_wss["wss"]) if len(with_wss) else None}


def cluster_tree(labels_by_k: dict[int, np.ndarray]) -> pd.DataFrame:
    """Edges between the clusters at consecutive k, as clustree draws them.

    Parameters
    ----------
    labels_by_k : dict
        k -> cluster label of each item (the same items, in the same order, for every k).
        Consecutive means consecutive in increasing k among the keys.

    Returns
    -------
    pandas.DataFrame
        One row per pair of clusters sharing items: ``from_k``, ``from_cluster``, ``to_k``,
        ``to_cluster``, ``n_items`` (items in both), ``in_prop`` (``n_items`` over the size
        of the child ``to_cluster``: the fraction of the child that comes from this parent,
        clustree's ``in_prop``).
    """
    ks = sorted(labels_by_k)
    sizes = {len(np.asarray(labels_by_k[k])) for k in ks}
    if len(sizes) > 1:
        raise ParameterError("Every partition must label the same items.")
    rows = []
    for parent_k, child_k in pairwise(ks):
        pairs = pd.DataFrame({"from_cluster": np.asarray(labels_by_k[parent_k]),
                              "to_cluster": np.asarray(labels_by_k[child_k])})
        counts = pairs.value_counts(sort=False).rename("n_items").reset_index()
        child_sizes = pairs["to_cluster"].value_counts()
        counts["in_prop"] = counts["n_items"] / child_sizes.loc[counts["to_cluster"]].to_numpy()
        counts.insert(0, "from_k", parent_k)
        counts.insert(2, "to_k", child_k)
        rows.append(counts.sort_values(["from_cluster", "to_cluster"]))
    columns = ["from_k", "from_cluster", "to_k", "to_cluster", "n_items", "in_prop"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]
