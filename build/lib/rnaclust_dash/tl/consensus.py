"""Consensus clustering: consensus matrices, CDF and delta area (Monti et al. 2003, R
``ConsensusClusterPlus``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .hierarchical import LINKAGES, cut_tree, hierarchical_tree
from .kselect import ClusterFn, Progress, ShouldStop, _codes, labels_over_k
from .stability import _cluster_data, _seed, _subset


@dataclass(frozen=True)
class ConsensusResult:
    """Consensus clustering over several k (Monti et al. 2003; ConsensusClusterPlus).

    Attributes
    ----------
    matrices : dict
        k -> n x n consensus matrix: the fraction of the resamples holding both items in
        which they were clustered together (0 for a pair never drawn together; the
        diagonal is 1 for every item drawn at least once).
    cdf : pandas.DataFrame
        ``k``, ``consensus_index``, ``cdf``: the empirical CDF of the consensus values of
        the item pairs (lower triangle), on ConsensusClusterPlus's histogram of 100 bins
        (right-closed). ``consensus_index`` is the upper edge of each bin and ``cdf`` the
        fraction of pairs up to it (ConsensusClusterPlus draws these at the bin middles).
    area_under_cdf : pandas.Series
        k -> sum over the bins of ``cdf * bin width``.
    delta_area : pandas.Series
        k -> relative increase of the area over the previous k,
        ``(A(k) - A(k_prev)) / A(k_prev)``; the first k's value is its area.
    consensus_labels : dict
        k -> the consensus partition: average-linkage tree of ``1 - consensus`` cut into k
        clusters (labels 1..k as R ``cutree``).
    item_consensus : dict
        k -> DataFrame items x clusters (columns 1..k of ``consensus_labels``): the mean
        consensus of the item with the members of the cluster, itself excluded
        (ConsensusClusterPlus ``calcICL``).
    cluster_consensus : pandas.DataFrame
        ``k``, ``cluster``, ``cluster_consensus``: mean consensus over the pairs of members
        (NaN for a single-item cluster).
    n_resamples_done : int
        Resamples done (fewer than asked when stopped early).
    """

    matrices: dict
    cdf: pd.DataFrame
    area_under_cdf: pd.Series
    delta_area: pd.Series
    consensus_labels: dict
    item_consensus: dict
    cluster_consensus: pd.DataFrame
    n_resamples_done: int


def consensus_cdf(matrix: np.ndarray, *, n_bins: int = 100) -> tuple[np.ndarray, np.ndarray,
                                                                       float]:
    """CDF of the consensus values of the item pairs and the area under it.

    As ConsensusClusterPlus's ``CDF``: ``hist(v, breaks = seq(0, 1, by = 1/n_bins))`` of
    the lower-triangle values (right-closed bins, the first closed, with R's 1e-7 fuzz),
    the cumulative counts over their total, and the area ``sum(cdf * diff(breaks))``.

    Returns
    -------
    tuple
        Upper bin edges, CDF at each edge, area.
    """
    values = np.asarray(matrix)[np.tril_indices(len(matrix), k=-1)]
    breaks = np.minimum(np.arange(n_bins + 1) * (1.0 / n_bins), 1.0)  # R's seq(0, 1, by)
    fuzz = 1e-7 * np.median(np.diff(breaks))
    fuzzy = breaks + fuzz
    fuzzy[0] = breaks[0] - fuzz
    # bin i holds fuzzy[i] < v <= fuzzy[i + 1]
    bins = np.clip(np.searchsorted(fuzzy, values, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    cdf = np.cumsum(counts) / max(counts.sum(), 1)
    return breaks[1:], cdf, float(np.sum(cdf * np.diff(breaks)))


def _item_consensus(matrix: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Item x cluster mean consensus (self excluded) and per-cluster mean pair consensus."""
    n_clusters, codes = _codes(labels)
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0.0)
    member = np.zeros((len(codes), n_clusters))
    member[np.arange(len(codes)), codes] = 1.0
    sums = off_diagonal @ member
    sizes = member.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        items = sums / (sizes[None, :] - member)  # own cluster: the item is not a partner
        pairs = np.einsum("ic,ic->c", member, sums) / (sizes * (sizes - 1))
    return items, pairs


def consensus_clustering(items: np.ndarray | None, *, k_values: Sequence[int],
                         cluster_fn: ClusterFn, n_resamples: int = 100,
                         item_fraction: float = 0.8, feature_fraction: float = 1.0,
                         cluster_input: str = "items", condensed: np.ndarray | None = None,
                         final_linkage: str = "average", random_state: int = 0,
                         progress: Progress | None = None,
                         should_stop: ShouldStop | None = None) -> ConsensusResult:
    """Consensus clustering (Monti et al. 2003) as R ``ConsensusClusterPlus``.

    Each resample draws ``floor(n * item_fraction)`` items (and, for ``feature_fraction``
    < 1, ``floor(p * feature_fraction)`` features) without replacement and clusters them
    for every k; the consensus of two items is the fraction of the resamples holding both
    in which they share a cluster. Memory: one n x n matrix per k.

    Parameters
    ----------
    items : numpy.ndarray or None
        Items x features (may be None when ``cluster_input="distances"``).
    k_values : sequence of int
        Numbers of clusters (each at least 2).
    cluster_fn : callable
        ``cluster_fn(data, k, random_state) -> labels``; one with ``labels_for_ks`` (the
        hierarchical one of :mod:`~rnaclust_dash.tl.kselect`) builds one tree per resample.
    n_resamples : int
        Number of resamples (``reps``).
    item_fraction, feature_fraction : float
        ``pItem`` and ``pFeature``. Feature sampling needs ``cluster_input="items"``.
    cluster_input : {"items", "distances"}
        What ``cluster_fn`` receives: the resampled items, or the square matrix of
        ``condensed`` restricted to them.
    condensed : numpy.ndarray, optional
        Condensed distances between the items; needed for ``cluster_input="distances"``.
    final_linkage : str
        Linkage of the final tree on ``1 - consensus`` (``finalLinkage``).
    random_state : int
        Seed of the resamples and of ``cluster_fn``.
    progress : callable, optional
        ``progress(done, total)`` after each resample.
    should_stop : callable, optional
        Checked before each resample; when True the resamples done so far are used.

    Returns
    -------
    ConsensusResult
    """
    k_values = _checked_consensus_k(k_values, item_fraction=item_fraction,
                                    feature_fraction=feature_fraction,
                                    cluster_input=cluster_input, final_linkage=final_linkage,
                                    n_resamples=n_resamples)
    data = _cluster_data(items, condensed, cluster_input)
    n = len(data)
    n_rows = int(np.floor(n * item_fraction))
    if n_rows <= k_values[-1]:
        raise ParameterError(f"A resample of {n_rows} items cannot hold {k_values[-1]} "
                             f"clusters: raise the item fraction or lower k.")
    n_columns = int(np.floor(data.shape[1] * feature_fraction))
    if n_columns < 1:
        raise ParameterError("The feature fraction leaves no feature: raise it.")
    rng = np.random.default_rng(random_state)
    drawn_together = np.zeros((n, n))
    clustered_together = {k: np.zeros((n, n)) for k in k_values}
    done = 0
    with threadpool_limits(limits=1):  # once for every k-means call (see kselect.KMeansFn)
        for b in range(n_resamples):
            if should_stop is not None and should_stop():
                break
            rows = np.sort(rng.choice(n, size=n_rows, replace=False))
            columns = None
            if feature_fraction < 1.0:
                columns = np.sort(rng.choice(data.shape[1], size=n_columns, replace=False))
            labels = labels_over_k(_subset(data, rows, cluster_input, columns),
                                   k_values=k_values, cluster_fn=cluster_fn,
                                   random_state=_seed(rng))
            block = np.ix_(rows, rows)
            drawn_together[block] += 1.0
            for k in k_values:
                codes = _codes(labels[k])[1]
                clustered_together[k][block] += codes[:, None] == codes[None, :]
            done = b + 1
            if progress is not None:
                progress(done, n_resamples)
    return _consensus_result(drawn_together, clustered_together, k_values=k_values,
                             final_linkage=final_linkage, n_resamples_done=done)


def _checked_consensus_k(k_values: Sequence[int], *, item_fraction: float,
                         feature_fraction: float, cluster_input: str, final_linkage: str,
                         n_resamples: int) -> list[int]:
    """The k values of :func:`consensus_clustering` sorted, or a ParameterError for
    options it cannot use."""
    k_values = sorted(int(k) for k in k_values)
    if not k_values or k_values[0] < 2:
        raise ParameterError("Consensus clustering needs k values of at least 2.")
    for name, fraction in (("item", item_fraction), ("feature", feature_fraction)):
        if not 0.0 < fraction <= 1.0:
            raise ParameterError(f"The {name} fraction must be in (0, 1]; got {fraction}.")
    if feature_fraction < 1.0 and cluster_input == "distances":
        raise ParameterError("Features cannot be subsampled when clustering distances.")
    if final_linkage not in LINKAGES:
        raise ParameterError(f"Unknown linkage '{final_linkage}'. Choose one of: "
                             f"{', '.join(LINKAGES)}.")
    if n_resamples < 1:
        raise ParameterError(f"The number of resamples must be at least 1; got {n_resamples}.")
    return k_values


def _consensus_result(drawn_together: np.ndarray, clustered_together: dict, *,
                      k_values: list[int], final_linkage: str,
                      n_resamples_done: int) -> ConsensusResult:
    """Consensus matrices, their CDF and areas, and the consensus partitions, from the
    counts of the pairs drawn together (n x n) and clustered together (k -> n x n)."""
    done = n_resamples_done
    matrices, consensus_labels, item_consensus = {}, {}, {}
    cdf_rows, areas, cluster_rows = [], {}, []
    for k in k_values:
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.where(drawn_together > 0, clustered_together[k] / drawn_together, 0.0)
        matrices[k] = matrix
        tree = hierarchical_tree(squareform(1.0 - matrix, checks=False), linkage=final_linkage)
        consensus_labels[k] = cut_tree(tree, k)
        per_item, per_cluster = _item_consensus(matrix, consensus_labels[k])
        item_consensus[k] = pd.DataFrame(per_item, columns=np.arange(1, k + 1))
        cluster_rows.append(pd.DataFrame({"k": k, "cluster": np.arange(1, k + 1),
                                          "cluster_consensus": per_cluster}))
        edges, cdf, areas[k] = consensus_cdf(matrix)
        cdf_rows.append(pd.DataFrame({"k": k, "consensus_index": edges, "cdf": cdf}))
    area = pd.Series(areas, name="area_under_cdf").rename_axis("k")
    # ConsensusClusterPlus: the first k keeps its area; then the relative increase.
    delta = (area.diff() / area.shift()).fillna(area).rename("delta_area")
    return ConsensusResult(matrices=matrices, cdf=pd.concat(cdf_rows, ignore_index=True),
                           area_under_cdf=area, delta_area=delta,
                           consensus_labels=consensus_labels, item_consensus=item_consensus,
                           cluster_consensus=pd.concat(cluster_rows, ignore_index=True),
                           n_resamples_done=done)
