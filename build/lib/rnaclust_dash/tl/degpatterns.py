"""Gene expression patterns over time, as DEGreport's ``degPatterns`` (1.34) finds them.

Orientation: expression genes x samples; sample sheet indexed by sample id.

``degPatterns`` (defaults): replicate means per time point (and group), the distance
``(1 - Kendall tau)^2`` between genes' mean profiles, a DIANA tree, cut at the tree's
divisive coefficient, clusters of more than ``minc`` genes kept. With ``reduce=TRUE``
genes that are boxplot outliers of their cluster at any time point are dropped. DEGreport
1.34 accepts a ``cutoff`` but does not use it; the issue's "merging of clusters whose
centroids correlate above a threshold" is offered here as ``merge_correlation`` (off by
default, so the default matches R).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform

from .hierarchical import cut_tree
from ..errors import DataError, ParameterError
from .diana import diana_tree
from .timecourse import average_replicates


@dataclass(frozen=True)
class PatternResult:
    """``clusters`` cluster per kept gene (R's cutree numbers); ``profiles`` the
    standardised replicate means (genes x time points, all genes); ``tree`` the DIANA
    linkage of all genes; ``cut_height`` the divisive coefficient the tree was cut at."""

    clusters: pd.Series
    profiles: pd.DataFrame
    tree: np.ndarray
    cut_height: float


def kendall_distance(profiles: np.ndarray) -> np.ndarray:
    """Condensed ``(1 - tau_b)^2`` between rows, with R ``cor(method = "kendall")``'s tau-b.

    Exact: tau-b is built from the signs of all pairs of time points.
    """
    values = np.asarray(profiles, dtype=np.float64)
    first, second = np.triu_indices(values.shape[1], 1)
    signs = np.sign(values[:, second] - values[:, first])
    concordance = signs @ signs.T
    norms = np.sqrt(np.diag(concordance))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = concordance / np.outer(norms, norms)
    if np.isnan(tau).any():
        raise DataError("Some genes have the same mean at every time point, so their rank "
                        "correlation is undefined; remove flat genes first.")
    distance = (1 - np.clip(tau, -1, 1)) ** 2
    np.fill_diagonal(distance, 0)
    return squareform(distance, checks=False)


def divisive_coefficient(tree: np.ndarray) -> float:
    """``cluster::diana``'s ``dc``: mean over items of 1 - (height at which the item first
    joins a cluster) / (height of the root)."""
    n = tree.shape[0] + 1
    first_join = np.empty(n)
    for left, right, height, _ in tree:
        for child in (int(left), int(right)):
            if child < n:
                first_join[child] = height
    return float(np.mean(1 - first_join / tree[:, 2].max()))


def _cut_at_height(tree: np.ndarray, height: float) -> np.ndarray:
    """R ``cutree(tree, h = height)`` for a monotone tree."""
    k = 1 + int(np.sum(tree[:, 2] > height))
    return cut_tree(tree, k)


def _fivenum(x: np.ndarray) -> np.ndarray:
    """R ``fivenum`` (Tukey's hinges)."""
    x = np.sort(x)
    n = len(x)
    n4 = np.floor((n + 3) / 2) / 2
    d = np.array([1, n4, (n + 1) / 2, n + 1 - n4, n]) - 1
    return 0.5 * (x[np.floor(d).astype(int)] + x[np.ceil(d).astype(int)])


def _boxplot_outliers(x: np.ndarray) -> np.ndarray:
    """R ``boxplot.stats(x)$out`` membership (coef 1.5 on Tukey's hinges)."""
    stats = _fivenum(x)
    reach = 1.5 * (stats[3] - stats[1])
    return (x < stats[1] - reach) | (x > stats[3] + reach)


def _drop_outliers(clusters: pd.Series, profiles: pd.DataFrame) -> pd.Series:
    """DEGreport's ``.reduce``: drop genes that are outliers of their cluster at any time."""
    keep = []
    for label in pd.unique(clusters):
        members = clusters.index[clusters == label]
        block = profiles.loc[members].to_numpy()
        outlier = np.zeros(len(members), dtype=bool)
        for column in block.T:
            outlier |= _boxplot_outliers(column)
        keep.extend(members[~outlier])
    return clusters.loc[[g for g in clusters.index if g in set(keep)]]


def _merge_correlated(clusters: pd.Series, profiles: pd.DataFrame,
                      threshold: float) -> pd.Series:
    """Merge the two clusters whose mean profiles correlate most, while above threshold."""
    clusters = clusters.copy()
    while clusters.nunique() > 1:
        labels = np.sort(clusters.unique())
        centroids = np.vstack([profiles.loc[clusters.index[clusters == c]].mean().to_numpy()
                               for c in labels])
        cor = np.corrcoef(centroids)
        np.fill_diagonal(cor, -np.inf)
        i, j = np.unravel_index(np.argmax(cor), cor.shape)
        if cor[i, j] <= threshold:
            break
        keep, gone = min(labels[i], labels[j]), max(labels[i], labels[j])
        clusters[clusters == gone] = keep
    return clusters


def deg_patterns(expression: pd.DataFrame, metadata: pd.DataFrame, *, time_column: str,
                 group_column: str | None = None, min_cluster_size: int = 15,
                 reduce: bool = False, merge_correlation: float | None = None
                 ) -> PatternResult:
    """Clusters of genes with the same pattern over time, as DEGreport ``degPatterns``.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples on a log scale (e.g. VST), usually the genes that change with
        time (a likelihood-ratio test); at least 3 genes.
    metadata : pandas.DataFrame
        Sample sheet indexed by sample id.
    time_column : str
        Numeric time (or dose) column.
    group_column : str, optional
        Groups kept side by side, as degPatterns' ``col``.
    min_cluster_size : int
        ``minc``: clusters of this many genes or fewer are dropped.
    reduce : bool
        Drop genes that are boxplot outliers of their cluster (degPatterns ``reduce``).
    merge_correlation : float, optional
        Merge clusters whose mean standardised profiles correlate above this (not in
        DEGreport 1.34; off by default).

    Returns
    -------
    PatternResult
    """
    if min_cluster_size < 0:
        raise ParameterError(f"The minimum cluster size must be 0 or more; got "
                             f"{min_cluster_size}.")
    if merge_correlation is not None and not -1 < merge_correlation < 1:
        raise ParameterError("merge_correlation must be between -1 and 1.")
    if len(expression) < 3:
        raise DataError(f"Patterns need at least 3 genes; got {len(expression)}. Loosen "
                        "the gene selection.")
    means = average_replicates(expression, metadata, time_column=time_column,
                               group_column=group_column).values
    values = means.to_numpy(dtype=np.float64)
    sd = values.std(axis=1, ddof=1)
    if not (sd > 0).all():
        raise DataError(f"{int((~(sd > 0)).sum())} gene(s) have the same mean at every time "
                        "point; remove flat genes first.")
    profiles = pd.DataFrame((values - values.mean(axis=1, keepdims=True)) / sd[:, None],
                            index=means.index, columns=means.columns)
    tree = diana_tree(kendall_distance(values))
    height = divisive_coefficient(tree)
    clusters = pd.Series(_cut_at_height(tree, height), index=means.index, name="cluster")
    clusters = _keep_large(clusters, min_cluster_size)
    if reduce and len(clusters):
        clusters = _keep_large(_drop_outliers(clusters, profiles), min_cluster_size)
    if merge_correlation is not None and len(clusters):
        clusters = _merge_correlated(clusters, profiles, merge_correlation)
    if not len(clusters):
        raise DataError(f"No pattern has more than {min_cluster_size} genes; lower the "
                        "minimum cluster size or select more genes.")
    return PatternResult(clusters, profiles, tree, height)


def _keep_large(clusters: pd.Series, min_size: int) -> pd.Series:
    sizes = clusters.value_counts()
    return clusters[clusters.isin(sizes.index[sizes > min_size])]
