"""How stable a clustering is under resampling: clusterwise Jaccard stability
(:func:`bootstrap_stability`, R ``fpc::clusterboot``).

Consensus clustering is in :mod:`rnaclust_dash.tl.consensus` and the agreement between
two partitions in :mod:`rnaclust_dash.tl.agreement`. Clustering methods are
``cluster_fn(data, k, random_state) -> labels`` callables, as in
:mod:`rnaclust_dash.tl.kselect` (which makes the hierarchical and k-means ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .kselect import ClusterFn, Progress, ShouldStop, _check_cluster_input, _codes


SCHEMES = {
    "bootstrap": "Draw n items with replacement; duplicates are dropped (fpc::clusterboot's "
                 "default).",
    "subsample": "Draw a fraction of the items without replacement.",
}


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _cluster_data(items: np.ndarray | None, condensed: np.ndarray | None,
                  cluster_input: str) -> np.ndarray:
    """What ``cluster_fn`` is given for all items: the items or the square distances."""
    _check_cluster_input(cluster_input, condensed)
    if cluster_input == "items" and items is None:
        raise ParameterError("Clustering items needs the items.")
    if cluster_input == "distances":
        return squareform(np.asarray(condensed, dtype=np.float64), checks=False)
    return np.asarray(items, dtype=np.float64)


def _subset(data: np.ndarray, rows: np.ndarray, cluster_input: str,
            columns: np.ndarray | None = None) -> np.ndarray:
    if cluster_input == "distances":
        return data[np.ix_(rows, rows)]
    return data[rows] if columns is None else data[np.ix_(rows, columns)]


@dataclass(frozen=True)
class StabilityResult:
    """Clusterwise stability of a partition under resampling.

    Attributes
    ----------
    labels : numpy.ndarray
        The partition of all the items, as ``cluster_fn`` returned it.
    cluster_jaccard : pandas.Series
        Cluster label -> mean over the resamples of the largest Jaccard index between the
        cluster and a cluster of the resample (``clusterboot``'s ``bootmean``). Above 0.75
        is usually read as stable, 0.5 or below as dissolved (Hennig 2007).
    jaccard : numpy.ndarray
        Clusters (in the order of ``cluster_jaccard``) x resamples: each resample's value.
    item_stability : numpy.ndarray
        Per item: the mean, over the resamples that contain it, of the Jaccard index
        between its cluster and its cluster in the resample (both restricted to the
        resampled items; the item itself counts, so values are > 0). 1 means it always
        kept exactly its original cluster mates. NaN for an item never drawn.
    n_resamples_done : int
        Resamples done (fewer than asked when stopped early).
    """

    labels: np.ndarray
    cluster_jaccard: pd.Series
    jaccard: np.ndarray
    item_stability: np.ndarray
    n_resamples_done: int


def _jaccard_table(original: np.ndarray, n_original: int,
                   resampled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard index of each original cluster (codes) with each resample cluster.

    Returns the table (original clusters x resample clusters) and the resample labels as
    codes (columns of the table).
    """
    _, new_codes = _codes(resampled)
    both = np.zeros((n_original, new_codes.max() + 1))
    np.add.at(both, (original, new_codes), 1.0)
    union = both.sum(axis=1, keepdims=True) + both.sum(axis=0, keepdims=True) - both
    # Every resample cluster has members, so the union is never 0.
    return both / union, new_codes


def _check_bootstrap(n: int, *, k: int, n_resamples: int, scheme: str,
                     subsample_fraction: float, labels: np.ndarray | None) -> int:
    """Check the arguments of :func:`bootstrap_stability`; return the subsample size."""
    if scheme not in SCHEMES:
        raise ParameterError(f"Unknown resampling scheme '{scheme}'. Choose one of: "
                             f"{', '.join(SCHEMES)}.")
    if not 0.0 < subsample_fraction <= 1.0:
        raise ParameterError(f"The subsample fraction must be in (0, 1]; got {subsample_fraction}.")
    if n_resamples < 1:
        raise ParameterError(f"The number of resamples must be at least 1; got {n_resamples}.")
    n_drawn = int(np.floor(n * subsample_fraction))
    if scheme == "subsample" and n_drawn <= k:
        raise ParameterError(f"A subsample of {n_drawn} items cannot hold {k} clusters: "
                             f"raise the subsample fraction.")
    if labels is not None and len(labels) != n:
        raise ParameterError(f"The partition to score labels {len(labels)} items, but there "
                             f"are {n}.")
    return n_drawn


def bootstrap_stability(items: np.ndarray | None, *, k: int, cluster_fn: ClusterFn,
                        n_resamples: int = 100, scheme: str = "bootstrap",
                        subsample_fraction: float = 0.8, cluster_input: str = "items",
                        condensed: np.ndarray | None = None, random_state: int = 0,
                        labels: np.ndarray | None = None, item_noun: str = "items",
                        progress: Progress | None = None,
                        should_stop: ShouldStop | None = None) -> StabilityResult:
    """Clusterwise Jaccard stability, as R ``fpc::clusterboot`` (Hennig 2007).

    The items are clustered into k clusters (or ``labels`` is that partition); then, for each resample, the resampled items
    are clustered again and each original cluster, restricted to the resampled items, is
    compared with every cluster of the resample: its value for that resample is the
    largest Jaccard index ``|A & B| / |A | B|`` (0 when the cluster has no resampled item).
    The bootstrap drops duplicate draws, as ``clusterboot`` does by default
    (``multipleboot = FALSE``), so each item is clustered once.

    Parameters
    ----------
    items : numpy.ndarray or None
        Items x features (may be None when ``cluster_input="distances"``).
    k : int
        Number of clusters.
    cluster_fn : callable
        ``cluster_fn(data, k, random_state) -> labels``.
    n_resamples : int
        Number of resamples (``clusterboot``'s ``B``).
    scheme : {"bootstrap", "subsample"}
        See :data:`SCHEMES`.
    subsample_fraction : float
        Fraction of the items drawn by ``"subsample"`` (rounded down; ``clusterboot``'s
        ``subtuning`` defaults to half).
    cluster_input : {"items", "distances"}
        What ``cluster_fn`` receives: the (resampled) items, or the square matrix of
        ``condensed`` restricted to them.
    condensed : numpy.ndarray, optional
        Condensed distances between the items; needed for ``cluster_input="distances"``.
    random_state : int
        Seed of the resamples and of ``cluster_fn``.
    labels : numpy.ndarray, optional
        The partition of all the items to score (e.g. the analysis on screen), with its
        numbering; by default ``cluster_fn`` clusters all the items. The resamples are
        the same either way.
    item_noun : str
        What the items are, for messages ("samples", "genes").
    progress : callable, optional
        ``progress(done, total)`` after each resample.
    should_stop : callable, optional
        Checked before each resample; when True the resamples done so far are summarised.

    Returns
    -------
    StabilityResult

    Raises
    ------
    ParameterError
        When a resample holds fewer distinct items than k.
    """
    data = _cluster_data(items, condensed, cluster_input)
    n = len(data)
    n_drawn = _check_bootstrap(n, k=k, n_resamples=n_resamples, scheme=scheme,
                               subsample_fraction=subsample_fraction, labels=labels)
    rng = np.random.default_rng(random_state)
    item_sum, item_count = np.zeros(n), np.zeros(n)
    done = 0
    with threadpool_limits(limits=1):  # once for every k-means call (see kselect.KMeansFn)
        full_seed = _seed(rng)  # drawn either way, so the resamples do not depend on it
        labels = np.asarray(cluster_fn(data, k, full_seed) if labels is None else labels)
        clusters, codes = np.unique(labels, return_inverse=True)
        codes = codes.reshape(-1)
        jaccard = np.zeros((len(clusters), n_resamples))
        for b in range(n_resamples):
            if should_stop is not None and should_stop():
                break
            if scheme == "bootstrap":
                drawn = np.unique(rng.integers(0, n, size=n))
            else:
                drawn = np.sort(rng.choice(n, size=n_drawn, replace=False))
            if len(drawn) < k:
                raise ParameterError(
                    f"A bootstrap resample drew only {len(drawn)} distinct {item_noun} of "
                    f"{n}, fewer than the k = {k} clusters to find in it: lower k, choose "
                    f"the subsample scheme, or cluster more {item_noun}.")
            resampled = np.asarray(cluster_fn(_subset(data, drawn, cluster_input), k,
                                              _seed(rng)))
            table, new_codes = _jaccard_table(codes[drawn], len(clusters), resampled)
            jaccard[:, b] = table.max(axis=1)
            item_sum[drawn] += table[codes[drawn], new_codes]
            item_count[drawn] += 1
            done = b + 1
            if progress is not None:
                progress(done, n_resamples)
    jaccard = jaccard[:, :done]
    with np.errstate(invalid="ignore", divide="ignore"):
        item_stability = np.where(item_count > 0, item_sum / item_count, np.nan)
        means = jaccard.mean(axis=1) if done else np.full(len(clusters), np.nan)
    return StabilityResult(labels=labels,
                           cluster_jaccard=pd.Series(means, index=clusters, name="jaccard"),
                           jaccard=jaccard, item_stability=item_stability,
                           n_resamples_done=done)
