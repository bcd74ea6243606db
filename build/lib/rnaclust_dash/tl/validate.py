"""Internal validation indices of a partition: the one place they are computed (the
analysis, the k panel and the resolution scan all call :func:`validation_indices` or
:func:`validation_summary`)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from .distance import pairwise_distances, square
from ..errors import ParameterError

#: Index name -> one sentence for the UI.
INDICES = {
    "silhouette": "Mean silhouette (-1..1, higher is better): how much closer items are to "
                  "their own cluster than to the nearest other one, with the chosen distance.",
    "calinski_harabasz": "Calinski-Harabasz (higher is better): between- vs within-cluster "
                         "variance of the clustered values (Euclidean).",
    "davies_bouldin": "Davies-Bouldin (lower is better): average similarity of each cluster "
                      "with its most similar one (Euclidean).",
}


def silhouette_values(condensed: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-item silhouette widths from precomputed distances (R ``cluster::silhouette``).

    ``s(i) = (b(i) - a(i)) / max(a(i), b(i))`` where ``a`` is the mean distance to the
    other members of the item's cluster and ``b`` the smallest mean distance to another
    cluster; items alone in their cluster get 0, as in R.

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances between the n items.
    labels : numpy.ndarray
        Cluster label of each item (at least 2 distinct labels).

    Returns
    -------
    numpy.ndarray
        n silhouette widths.
    """
    labels = np.asarray(labels)
    clusters, codes = np.unique(labels, return_inverse=True)
    if len(clusters) < 2:
        raise ParameterError("Silhouette widths need at least 2 clusters.")
    distances = square(condensed)
    membership = np.zeros((len(labels), len(clusters)))
    membership[np.arange(len(labels)), codes] = 1.0
    sums = distances @ membership  # n x k: total distance from each item to each cluster
    sizes = membership.sum(axis=0)
    own_size = sizes[codes]
    rows = np.arange(len(labels))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[rows, codes] / (own_size - 1)
        means = sums / sizes
    means[rows, codes] = np.inf
    b = means.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        widths = (b - a) / np.maximum(a, b)
    widths[own_size == 1] = 0.0
    return np.nan_to_num(widths, nan=0.0)


def validation_summary(items: np.ndarray, condensed: np.ndarray, labels: np.ndarray) -> dict:
    """Silhouette (chosen distance), Calinski-Harabasz and Davies-Bouldin of a partition.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features, the values as clustered.
    condensed : numpy.ndarray
        Condensed distances between the items (the chosen distance).
    labels : numpy.ndarray
        Cluster labels.

    Returns
    -------
    dict
        ``silhouette_values`` (array), ``silhouette`` (mean), ``calinski_harabasz``,
        ``davies_bouldin`` (floats).
    """
    widths = silhouette_values(condensed, labels)
    items = np.asarray(items, dtype=np.float64)
    return {
        "silhouette_values": widths,
        "silhouette": float(widths.mean()),
        "calinski_harabasz": float(calinski_harabasz_score(items, labels)),
        "davies_bouldin": float(davies_bouldin_score(items, labels)),
    }


def sampled_validation_summary(items: np.ndarray, labels: np.ndarray, *, metric: str,
                               sample_size: int, random_state: int = 0) -> dict:
    """As :func:`validation_summary` for many items: the silhouette on a seeded random
    sample (as scikit-learn's ``silhouette_score(sample_size=...)``), Calinski-Harabasz and
    Davies-Bouldin on all items.

    Parameters
    ----------
    items : numpy.ndarray
        n items x features, the values as clustered.
    labels : numpy.ndarray
        n cluster labels (at least 2 distinct).
    metric : str
        The chosen distance (see :data:`rnaclust_dash.distance.DISTANCES`).
    sample_size : int
        Items drawn without replacement (all when n is smaller); the first item of a
        cluster the draw missed is added, so that every cluster is in the sample.
    random_state : int
        Seed of the draw.

    Returns
    -------
    dict
        As :func:`validation_summary`; ``silhouette_values`` is NaN for the items outside
        the sample, ``silhouette`` the mean over the sample, and ``silhouette_sample_size``
        the number of items in the sample.
    """
    items = np.asarray(items, dtype=np.float64)
    labels = np.asarray(labels)
    n = len(labels)
    drawn = np.random.default_rng(random_state).choice(n, size=min(sample_size, n),
                                                       replace=False)
    clusters, first = np.unique(labels, return_index=True)
    missed = first[~np.isin(clusters, labels[drawn])]
    sample = np.union1d(drawn, missed)
    widths = np.full(n, np.nan)
    widths[sample] = silhouette_values(pairwise_distances(items[sample], metric=metric),
                                       labels[sample])
    return {
        "silhouette_values": widths,
        "silhouette": float(widths[sample].mean()),
        "calinski_harabasz": float(calinski_harabasz_score(items, labels)),
        "davies_bouldin": float(davies_bouldin_score(items, labels)),
        "silhouette_sample_size": int(len(sample)),
    }


#: The scalar indices, in the order of the tables.
INDEX_NAMES = tuple(INDICES)


def validation_indices(items: np.ndarray, condensed: np.ndarray, labels: np.ndarray) -> dict:
    """The scalar indices of :func:`validation_summary`, or NaN for each when the
    partition has fewer than 2 clusters or as many clusters as items (where they are not
    defined), as the k and resolution scans need.

    Returns
    -------
    dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin`` (floats).
    """
    labels = np.asarray(labels)
    n_clusters = len(np.unique(labels))
    if not 2 <= n_clusters <= len(labels) - 1:
        return dict.fromkeys(INDEX_NAMES, np.nan)
    summary = validation_summary(items, condensed, labels)
    return {name: summary[name] for name in INDEX_NAMES}
