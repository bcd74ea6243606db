"""How many clusters, and can they be trusted: k selection and stability on the pipeline.

These run the chosen method of an :class:`~rnaclust_dash.pipeline.AnalysisParams` on the
matrix the pipeline clusters (read from the store), for the dashboard's k panel and
stability panel and for the ``choose-k`` and ``stability`` commands alike.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Callable

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform

from .tl.distance import square
from .errors import ParameterError
from .tl.gap import gap_statistic, max_se
from .tl.kselect import cluster_tree, k_scan, labels_over_k, suggest_k, within_sum_of_squares
from .tl.mixture import mixture_scan
from .params import ASSESS_SPEC, SPEC, AnalysisParams, check_option, check_value
from .pipeline import Analysis, fit_method, item_distances, run_analysis
from .pipeline.subcluster import selection_fit, selection_params
from .tl.subcluster import SplitStep
from .tl.stability import bootstrap_stability
from .tl.consensus import consensus_clustering
from .store import ResultStore
from .tl.methods import MethodFn, get_method, method_fn
from .tl.validate import validation_indices

Progress = Callable[[int, int], None]


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
    method = get_method(params.method)
    if method.uses != "resolution":
        raise ParameterError(f"{method.label} sets the number of clusters by k: choose k "
                             "instead of scanning resolutions.")
    analysis = run_analysis(store, key, params)
    items, condensed = analysis.features.items, _distances(store, analysis)
    rows, labels_by_step = [], {}
    for step, resolution in enumerate(resolutions, start=1):
        labels = fit_method(method, items, params.replace(resolution=resolution)).labels
        labels_by_step[step] = labels
        row = {"resolution": resolution, "n_clusters": int(labels.max()),
               "wss": within_sum_of_squares(items, labels)}
        if row["n_clusters"] > 1:
            row |= validation_indices(items, condensed, labels)
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


def method_cluster_fn(params: AnalysisParams, *,
                      on_distances: bool = True) -> tuple[MethodFn, str]:
    """The registry's ``cluster_fn`` of the chosen method and what it takes.

    Parameters
    ----------
    params : AnalysisParams
        The method and its parameters.
    on_distances : bool
        For methods that need distances: True takes the square matrix of the analysis'
        distances (the input the screen's partition came from), False items x features
        (the distance is computed from them, as new data such as the gap statistic's
        reference sets need).

    Returns
    -------
    tuple
        ``(cluster_fn, "items" or "distances")``.

    Raises
    ------
    ParameterError
        For a method whose number of clusters comes from a resolution.
    """
    method = get_method(params.method)
    metric = "precomputed" if on_distances and method.needs == "distances" else params.distance
    function = method_fn(method, method.settings(params), metric=metric)
    return function, function.cluster_input


@dataclass(frozen=True)
class KChoice:
    """The k panel: one row per k, the suggestion of each index, the cluster tree."""

    table: pd.DataFrame
    suggested: dict
    tree: pd.DataFrame


def choose_k(store: ResultStore, key: str, params: AnalysisParams, *, k_values=range(2, 11),
             gap_refs: int = 20, progress: Progress | None = None,
             should_stop: Callable[[], bool] | None = None,
             item_ids: Sequence[str] | None = None) -> KChoice:
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
    item_ids : sequence of str, optional
        Only these items (a selection, e.g. a cluster to split): the analysis' features
        and distances restricted to them (issue 12: the k panel on the selection).

    Returns
    -------
    KChoice
        ``table`` columns: k, wss, silhouette, calinski_harabasz, davies_bouldin, and
        gap, gap_se (with ``gap_refs``), bic, icl (Gaussian mixtures; mclust's sign:
        larger is better). ``suggested``: index -> k (gap by Tibshirani's 1-SE rule,
        R ``maxSE(method = "Tibs2001SEmax")``).
    """
    # At most as many k as the largest k allowed (a range up to 10**10 is never listed).
    k_values = list(itertools.islice(k_values, int(ASSESS_SPEC["k_max"].max) + 1))
    check_option("k_max", max(k_values, default=2))
    gap_refs = check_option("gap_refs", gap_refs)
    analysis = run_analysis(store, key, params)
    items, condensed = _restricted(analysis, _distances(store, analysis), item_ids)
    n_items = len(items)
    k_values = [k for k in k_values if 2 <= k < n_items]
    if not k_values:
        raise ParameterError(f"No k to try: with {n_items} items k can be 2 to {n_items - 1}.")
    cluster_fn, cluster_input = method_cluster_fn(params)
    data = square(condensed) if cluster_input == "distances" else items
    steps = 2 + (1 if gap_refs else 0)
    done = [0]

    def step(local_done, local_total):
        if progress:
            progress(done[0] * 100 + int(100 * local_done / max(local_total, 1)), steps * 100)

    # The seed and input of the analysis: the row of the analysis' k is its partition.
    labels = labels_over_k(data, k_values=k_values, cluster_fn=cluster_fn,
                           random_state=params.seed)
    done[0] = 1
    table = k_scan(items, k_values=k_values, cluster_fn=cluster_fn, condensed=condensed,
                   cluster_input=cluster_input, labels_by_k=labels, random_state=params.seed,
                   progress=step, should_stop=should_stop)
    suggested = suggest_k(table)
    done[0] = 2
    if gap_refs:
        # The reference sets are new items: methods on distances compute them.
        gap = gap_statistic(items, k_max=max(k_values), n_refs=gap_refs,
                            cluster_fn=method_cluster_fn(params, on_distances=False)[0],
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
    return item_distances(store, analysis)


def _restricted(analysis: Analysis, condensed: np.ndarray,
                item_ids: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """The items (n x features) and condensed distances of the analysis, or of the
    ``item_ids`` among them only (in the analysis' order)."""
    items = analysis.features.items
    if item_ids is None:
        return items, condensed
    keep = np.flatnonzero(np.isin(analysis.features.item_ids, list(item_ids)))
    if keep.size < 3:
        raise ParameterError(f"The selection holds {keep.size} of the analysis' "
                             f"{analysis.params.target}: select at least 3 to choose k on it.")
    subset = square(condensed)[np.ix_(keep, keep)]
    return items[keep], squareform(subset, checks=False)


def consensus_k_values(n_items: int, *, k_max: int, item_fraction: float = 0.8,
                       include: int | None = None) -> list[int]:
    """The k of a consensus run: 2..k_max (and ``include``), at most what a resample of
    ``item_fraction`` of the items can hold (one item fewer than it has)."""
    largest = min(max(k_max, include or 2), int(item_fraction * n_items) - 1)
    return list(range(2, largest + 1))


def assess_stability(store: ResultStore, key: str, params: AnalysisParams, *,
                     n_resamples: int = 100, scheme: str = "bootstrap",
                     consensus_k_max: int | None = None, progress: Progress | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     item_ids: Sequence[str] | None = None, k: int | None = None):
    """Bootstrap (or subsample) stability of the analysis' clusters, and optionally
    consensus clustering for k = 2..``consensus_k_max`` (and the analysis' k), as far as
    an 80% resample of the items allows (see :func:`consensus_k_values`).

    With ``item_ids`` (a selection, e.g. a cluster to split; issue 12), only those items
    are resampled: the analysis' features and distances restricted to them, clustered
    into ``k`` (the split's k) with the analysis' method and seed; the partition scored
    is the split's (:func:`~.pipeline.subcluster.selection_fit`), numbered 1..k.

    Returns
    -------
    tuple
        ``(analysis, StabilityResult, ConsensusResult or None)``; the analysis is the
        whole one (the result's labels are those of the selection when one is given).
    """
    n_resamples = check_option("n_resamples", n_resamples)
    if consensus_k_max is not None:
        consensus_k_max = check_option("consensus_k_max", consensus_k_max)
    analysis = run_analysis(store, key, params)
    items, condensed = _restricted(analysis, _distances(store, analysis), item_ids)
    labels = analysis.labels
    if item_ids is not None:
        params, labels = _selection_partition(analysis, items, item_ids, k)
    cluster_fn, cluster_input = method_cluster_fn(params)
    consensus_k = None
    if consensus_k_max is not None:
        consensus_k = consensus_k_values(len(items), k_max=consensus_k_max,
                                         include=params.k) or None
    total = 2 if consensus_k else 1

    def part(index):
        return None if progress is None else (
            lambda done, n: progress(index * n_resamples + done, total * n_resamples))

    # The partition scored is the analysis' own (same fit, seed, input and numbering);
    # the resamples run the same registry fit on the same input restricted to them.
    result = bootstrap_stability(items if cluster_input == "items" else None, k=params.k,
                                 cluster_fn=cluster_fn, n_resamples=n_resamples, scheme=scheme,
                                 cluster_input=cluster_input, condensed=condensed,
                                 random_state=params.seed, labels=labels,
                                 item_noun=params.target, progress=part(0),
                                 should_stop=should_stop)
    consensus = None
    if consensus_k:
        consensus = consensus_clustering(items if cluster_input == "items" else None,
                                         k_values=consensus_k, cluster_fn=cluster_fn,
                                         n_resamples=n_resamples, cluster_input=cluster_input,
                                         condensed=condensed, random_state=params.seed,
                                         progress=part(1), should_stop=should_stop)
    return analysis, result, consensus


def _selection_partition(analysis: Analysis, items: np.ndarray, item_ids: Sequence[str],
                         k: int | None) -> tuple[AnalysisParams, np.ndarray]:
    """The parameters a split of the selection fits with (its k, at most as many
    components as it holds) and the split's partition of it (1..k)."""
    params = analysis.params
    if get_method(params.method).uses != "k":
        raise ParameterError(f"Stability resamples methods with k; "
                             f"{get_method(params.method).label} sets a resolution.")
    step = SplitStep("selection", k=check_value(SPEC["k"], params.k if k is None else k))
    if len(items) <= step.k:
        raise ParameterError(f"The selection holds {len(items)} {params.target}: too few for "
                             f"{step.k} sub-clusters (select more, or lower the split's k).")
    keep = np.flatnonzero(np.isin(analysis.features.item_ids, list(item_ids)))
    labels = selection_fit(analysis.features.items, params)(keep, step)
    return (selection_params(params, step, n_items=len(items), n_features=items.shape[1]),
            np.asarray(labels))
