"""How stable a clustering is under resampling, and how well two partitions agree.

- :func:`bootstrap_stability`: clusterwise Jaccard stability (R ``fpc::clusterboot``).
- :func:`consensus_clustering`: consensus matrices, CDF and delta area (Monti et al. 2003,
  R ``ConsensusClusterPlus``).
- :func:`agreement`: ARI, NMI and purity between two labelings (e.g. clusters vs metadata).

Clustering methods are ``cluster_fn(data, k, random_state) -> labels`` callables, as in
:mod:`rnaclust_dash.kselect` (which makes the hierarchical and k-means ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from threadpoolctl import threadpool_limits

from .cluster import LINKAGES, cut_tree, hierarchical_tree
from .errors import ParameterError
from .kselect import (
    ClusterFn,
    Progress,
    ShouldStop,
    _check_cluster_input,
    _codes,
    labels_over_k,
)

SCHEMES = {
    "bootstrap": "Draw n items with replacement; duplicates are dropped (fpc::clusterboot's "
                 "default).",
    "subsample": "Draw a fraction of the items without replacement.",
}

NMI_AVERAGES = ("arithmetic", "max", "min", "geometric")


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


# --- clusterwise bootstrap Jaccard ----------------------------------------------------------

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


# --- consensus clustering -------------------------------------------------------------------

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
        hierarchical one of :mod:`~rnaclust_dash.kselect`) builds one tree per resample.
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


# --- agreement between two partitions -------------------------------------------------------

def agreement(labels_a: Sequence, labels_b: Sequence, *,
              nmi_average: str = "arithmetic") -> dict:
    """Agreement between two labelings of the same items (clusters vs clusters or metadata).

    Items where either label is missing (NaN / None) are dropped first.

    Parameters
    ----------
    labels_a : sequence
        Labels of the items, e.g. cluster labels (the "clusters" of the purity).
    labels_b : sequence
        Labels of the same items, e.g. a metadata column of strings with NaN (the
        "classes" of the purity).
    nmi_average : {"arithmetic", "max", "min", "geometric"}
        Normaliser of the mutual information (scikit-learn ``average_method``). The default
        "arithmetic" is scikit-learn's default and R ``aricode::NMI(variant = "sum")``; R
        aricode's own default is ``variant = "max"`` (pass ``"max"``).

    Returns
    -------
    dict
        ``ari`` (adjusted Rand index), ``nmi``, ``purity`` (the fraction of items in the
        most common class of their cluster: ``sum over clusters of max over classes of
        the shared count / n``; it is not symmetric), ``contingency`` (DataFrame, clusters
        of ``labels_a`` as rows, classes of ``labels_b`` as columns), ``n_items`` (items
        compared) and ``n_dropped`` (items with a missing label).
    """
    if nmi_average not in NMI_AVERAGES:
        raise ParameterError(f"Unknown NMI average '{nmi_average}'. Choose one of: "
                             f"{', '.join(NMI_AVERAGES)}.")
    a = pd.Series(np.asarray(labels_a, dtype=object), name="labels_a")
    b = pd.Series(np.asarray(labels_b, dtype=object), name="labels_b")
    if len(a) != len(b):
        raise ParameterError(f"The two labelings have different lengths ({len(a)} and "
                             f"{len(b)}): they must label the same items.")
    keep = (a.notna() & b.notna()).to_numpy()
    a, b = a[keep].reset_index(drop=True), b[keep].reset_index(drop=True)
    if len(a) == 0:
        raise ParameterError("No item has both labels: nothing to compare.")
    # Codes, so that ints, floats and strings compare the same way in scikit-learn.
    codes_a, codes_b = pd.factorize(a)[0], pd.factorize(b)[0]
    contingency = pd.crosstab(a, b)
    return {"ari": float(adjusted_rand_score(codes_a, codes_b)),
            "nmi": float(normalized_mutual_info_score(codes_a, codes_b,
                                                      average_method=nmi_average)),
            "purity": float(contingency.max(axis=1).sum() / len(a)),
            "contingency": contingency,
            "n_items": len(a),
            "n_dropped": int((~keep).sum())}
