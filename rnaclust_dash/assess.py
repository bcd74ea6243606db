"""How many clusters, and can they be trusted: k selection and stability on the pipeline.

These run the chosen method of an :class:`~rnaclust_dash.pipeline.AnalysisParams` on the
matrix the pipeline clusters (read from the store), for the dashboard's k panel and
stability panel and for the ``choose-k`` and ``stability`` commands alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .cluster import GRAPH_CLUSTERINGS, cut_tree
from .distance import square
from .errors import ParameterError
from .kselect import (ClusterFn, cluster_tree, gap_statistic, hierarchical_fn, k_scan,
                      kmeans_fn, labels_over_k, max_se, suggest_k)
from .methods import diana_tree, fuzzy_cmeans, gaussian_mixture, mixture_scan, pam
from .pipeline import AnalysisParams, Analysis, run_analysis
from .stability import bootstrap_stability, consensus_clustering
from .store import ResultStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class MethodFn:
    """A pipeline method as a ``cluster_fn(data, k, random_state) -> labels``.

    ``data`` is a square distance matrix for the distance-based methods (DIANA, PAM)
    and items x features for the others; see :attr:`cluster_input`.
    """

    params: AnalysisParams

    @property
    def cluster_input(self) -> str:
        """"distances" or "items": what the function takes."""
        return "distances" if self.params.method in ("diana", "kmedoids") else "items"

    def __call__(self, data: np.ndarray, k: int, random_state: int = 0) -> np.ndarray:
        method, params = self.params.method, self.params
        if method == "diana":
            from scipy.spatial.distance import squareform
            return cut_tree(diana_tree(squareform(data, checks=False)), k)
        if method == "kmedoids":
            from scipy.spatial.distance import squareform
            return pam(squareform(data, checks=False), k=k).labels
        if method == "fuzzy-cmeans":
            return fuzzy_cmeans(data, k=k, m=params.fuzzifier, random_state=random_state).labels
        if method == "gmm":
            return gaussian_mixture(data, k=k, covariance=params.covariance,
                                    n_pcs=params.pcs or None, random_state=random_state).labels
        raise ParameterError(f"{method} has no k to choose.")


#: Resolutions the k panel tries for Leiden and Louvain.
DEFAULT_RESOLUTIONS = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)


def resolution_scan(store: ResultStore, key: str, params: AnalysisParams, *,
                    resolutions=DEFAULT_RESOLUTIONS, progress: Progress | None = None) -> KChoice:
    """For graph methods: clusters and indices over a range of resolutions.

    Returns a :class:`KChoice` whose table has a ``resolution`` column, the number of
    clusters found (``n_clusters``) and the indices of :func:`k_scan` (NaN where a
    resolution gives a single cluster); ``suggested`` holds resolutions; the cluster
    tree's ``from_k``/``to_k`` are positions in ``resolutions`` (1-based).
    """
    from .kselect import within_sum_of_squares
    from .methods import graph_clusters
    from .validate import validation_summary

    analysis = run_analysis(store, key, params)
    items, condensed = analysis.features.items, _distances(store, analysis)
    rows, labels_by_step = [], {}
    for step, resolution in enumerate(resolutions, start=1):
        labels = graph_clusters(items, method=params.method, n_neighbors=params.neighbors,
                                resolution=resolution, n_pcs=params.pcs or None,
                                random_state=params.seed).labels
        labels_by_step[step] = labels
        row = {"resolution": resolution, "n_clusters": len(set(labels.tolist())),
               "wss": within_sum_of_squares(items, labels)}
        if row["n_clusters"] > 1:
            summary = validation_summary(items, condensed, labels)
            row |= {name: summary[name] for name in
                    ("silhouette", "calinski_harabasz", "davies_bouldin")}
        rows.append(row)
        if progress:
            progress(step, len(resolutions))
    table = pd.DataFrame(rows)
    suggested = {}
    for name, best in (("silhouette", "idxmax"), ("calinski_harabasz", "idxmax"),
                       ("davies_bouldin", "idxmin")):
        if name in table and table[name].notna().any():
            suggested[name] = float(table.loc[getattr(table[name], best)(), "resolution"])
    return KChoice(table, suggested, cluster_tree(labels_by_step))


def method_cluster_fn(params: AnalysisParams) -> tuple[ClusterFn, str]:
    """The ``cluster_fn`` of the chosen method and what it takes ("items"/"distances")."""
    if params.method in GRAPH_CLUSTERINGS:
        raise ParameterError(f"{params.method.capitalize()} sets the number of clusters by its "
                             "resolution, not by k: choose k for another method, or compare "
                             "resolutions by hand.")
    if params.method == "hierarchical":
        return hierarchical_fn(linkage=params.linkage, metric=params.distance), "items"
    if params.method == "kmeans":
        return kmeans_fn(n_init=params.n_init, init=params.kmeans_init), "items"
    function = MethodFn(params)
    return function, function.cluster_input


@dataclass(frozen=True)
class KChoice:
    """The k panel: one row per k, the suggestion of each index, the cluster tree."""

    table: pd.DataFrame
    suggested: dict
    tree: pd.DataFrame


def choose_k(store: ResultStore, key: str, params: AnalysisParams, *, k_values=range(2, 11),
             gap_refs: int = 20, progress: Progress | None = None,
             should_stop: Callable[[], bool] | None = None) -> KChoice:
    """Indices over a range of k for the chosen method (and the gap statistic).

    Parameters
    ----------
    store, key, params
        The analysis whose matrix, distance and method are used.
    k_values : iterable of int
        The k to try (each at least 2 and below the number of items).
    gap_refs : int
        Reference sets B of the gap statistic (0 skips the gap).
    progress, should_stop : callable, optional
        ``progress(done, total)`` after each step; ``should_stop()`` True cancels.

    Returns
    -------
    KChoice
        ``table`` columns: k, wss, silhouette, calinski_harabasz, davies_bouldin, and
        gap, gap_se (with ``gap_refs``), bic, icl (Gaussian mixtures; mclust's sign:
        larger is better). ``suggested``: index -> k (gap by Tibshirani's 1-SE rule,
        R ``maxSE(method = "Tibs2001SEmax")``).
    """
    analysis = run_analysis(store, key, params)
    items = analysis.features.items
    n_items = len(items)
    k_values = [k for k in k_values if 2 <= k < n_items]
    if not k_values:
        raise ParameterError(f"No k to try: with {n_items} items k can be 2 to {n_items - 1}.")
    cluster_fn, cluster_input = method_cluster_fn(params)
    condensed = _distances(store, analysis)
    data = square(condensed) if cluster_input == "distances" else items
    steps = 2 + (1 if gap_refs else 0)
    done = [0]

    def step(local_done, local_total):
        if progress:
            progress(done[0] * 100 + int(100 * local_done / max(local_total, 1)), steps * 100)

    labels = labels_over_k(data, k_values=k_values, cluster_fn=cluster_fn,
                           random_state=params.seed)
    done[0] = 1
    table = k_scan(items, k_values=k_values, cluster_fn=cluster_fn, condensed=condensed,
                   labels_by_k=labels, random_state=params.seed, progress=step,
                   should_stop=should_stop)
    suggested = suggest_k(table)
    done[0] = 2
    if gap_refs:
        gap = gap_statistic(items, k_max=max(k_values), n_refs=gap_refs,
                            cluster_fn=cluster_fn if cluster_input == "items" else None,
                            random_state=params.seed, progress=step, should_stop=should_stop)
        table = table.merge(gap[["k", "gap", "SE.sim"]].rename(columns={"SE.sim": "gap_se"}),
                            on="k", how="left")
        suggested["gap"] = int(max_se(gap["gap"].to_numpy(), gap["SE.sim"].to_numpy(),
                                      method="Tibs2001SEmax"))
    if params.method == "gmm":
        scan = mixture_scan(items, k_range=k_values, covariance=params.covariance,
                            n_pcs=params.pcs or None, random_state=params.seed)
        table = table.merge(scan[["bic", "icl"]], left_on="k", right_index=True, how="left")
        suggested["bic"] = int(scan["bic"].idxmax())
        suggested["icl"] = int(scan["icl"].idxmax())
    if progress:
        progress(steps * 100, steps * 100)
    return KChoice(table, suggested, cluster_tree({k: labels[k] for k in k_values}))


def _distances(store: ResultStore, analysis: Analysis) -> np.ndarray:
    return store.get(analysis.keys["distance"])


def consensus_k_values(n_items: int, *, k_max: int, item_fraction: float = 0.8,
                       include: int | None = None) -> list[int]:
    """The k of a consensus run: 2..k_max (and ``include``), at most what a resample of
    ``item_fraction`` of the items can hold (one item fewer than it has)."""
    largest = min(max(k_max, include or 2), int(item_fraction * n_items) - 1)
    return list(range(2, largest + 1))


def assess_stability(store: ResultStore, key: str, params: AnalysisParams, *,
                     n_resamples: int = 100, scheme: str = "bootstrap",
                     consensus_k_max: int | None = None, progress: Progress | None = None,
                     should_stop: Callable[[], bool] | None = None):
    """Bootstrap (or subsample) stability of the analysis' clusters, and optionally
    consensus clustering for k = 2..``consensus_k_max`` (and the analysis' k), as far as
    an 80% resample of the items allows (see :func:`consensus_k_values`).

    Returns
    -------
    tuple
        ``(analysis, StabilityResult, ConsensusResult or None)``.
    """
    analysis = run_analysis(store, key, params)
    cluster_fn, cluster_input = method_cluster_fn(params)
    condensed = _distances(store, analysis)
    items = analysis.features.items
    consensus_k = None
    if consensus_k_max is not None:
        consensus_k = consensus_k_values(len(items), k_max=consensus_k_max,
                                         include=params.k) or None
    total = 2 if consensus_k else 1

    def part(index):
        return None if progress is None else (
            lambda done, n: progress(index * n_resamples + done, total * n_resamples))

    result = bootstrap_stability(items if cluster_input == "items" else None, k=params.k,
                                 cluster_fn=cluster_fn, n_resamples=n_resamples, scheme=scheme,
                                 cluster_input=cluster_input, condensed=condensed,
                                 random_state=params.seed, progress=part(0),
                                 should_stop=should_stop)
    consensus = None
    if consensus_k:
        consensus = consensus_clustering(items if cluster_input == "items" else None,
                                         k_values=consensus_k, cluster_fn=cluster_fn,
                                         n_resamples=n_resamples, cluster_input=cluster_input,
                                         condensed=condensed, random_state=params.seed,
                                         progress=part(1), should_stop=should_stop)
    return analysis, result, consensus
