"""The scale policy: which stages an analysis of n items runs, and when it is refused.

- A method that needs no distance matrix (k-means, fuzzy c-means, Gaussian mixtures,
  Leiden, Louvain: ``needs`` "items" or "graph" in the registry) never builds one above
  :data:`LARGE_ITEMS` items: no distances, no tree of the items; the heatmap orders them
  by cluster, and within a cluster in the order of the features stage (genes: by
  variance). Graph methods go through principal components and a kNN graph.
- Above :data:`LARGE_ITEMS` the silhouette is computed on a seeded random sample of
  :data:`SILHOUETTE_SAMPLE` items (stated in the validation and metrics.json).
- Methods that need distances (hierarchical, DIANA, PAM) are refused above
  :data:`MAX_DISTANCE_ITEMS` items, before the expensive stages, with advice that fits
  the axis clustered.
"""

from __future__ import annotations

from ..errors import DataError, ParameterError
from ..store import ResultStore
from ..tl.methods import get_method
from .datasets import load_summary
from ..params import AnalysisParams, split_list

MIN_ITEMS = 3

#: Normalizations that leave out genes without a length.
LENGTH_NORMALIZATIONS = ("tpm", "rpkm")

#: Most items a distance matrix is built for (10,000 items: 400 MB of distances). Past
#: this the heatmap's other axis is shown in variance order instead of as a tree.
MAX_DISTANCE_ITEMS = 10_000

#: Above this many items, methods that need no distances skip the distance matrix and the
#: tree, and the silhouette is sampled. At 5,000 items the distances take 100 MB and the
#: average-linkage tree and exact silhouette a few seconds, about what a k change on the
#: screen may cost; past it they grow as n squared while PCA, kNN and k-means grow as n.
LARGE_ITEMS = 5_000

#: Items in the seeded random sample the silhouette is computed on above LARGE_ITEMS
#: (2 million distances; the mean's standard error is about 0.01 or less).
SILHOUETTE_SAMPLE = 2_000


def builds_distances(n_items: int, params: AnalysisParams) -> bool:
    """True when the analysis of ``n_items`` builds the items' distances and tree: the
    method needs them, or there are few enough items for the tree to be drawn."""
    return get_method(params.method).needs == "distances" or n_items <= LARGE_ITEMS


def samples_silhouette(n_items: int) -> bool:
    """True when the silhouette is computed on a sample of the items."""
    return n_items > LARGE_ITEMS


def check_items(n_items: int, params: AnalysisParams) -> None:
    """Raise a DataError when there are too few items to cluster, a ParameterError when
    k does not fit the number of items or the method's distances do not fit in memory."""
    noun = params.target
    if n_items < MIN_ITEMS:
        what = noun[:-1] if n_items == 1 else noun
        raise DataError(f"Only {n_items} {what} to cluster: clustering needs at least "
                        f"{MIN_ITEMS}. " + ("Lower the gene filter, or keep more genes."
                                            if noun == "genes" else
                                            "Upload a table with more samples, or cluster "
                                            "the genes instead."))
    _check_distances_fit(n_items, params)
    if get_method(params.method).uses == "k" and params.k > n_items - 1:
        raise ParameterError(f"k = {params.k} is too large for {n_items} {noun}: choose k "
                             f"between 2 and {n_items - 1}.")


def _check_distances_fit(n_items: int, params: AnalysisParams) -> None:
    method = get_method(params.method)
    if method.needs != "distances" or n_items <= MAX_DISTANCE_ITEMS:
        return
    size_gb = n_items * (n_items - 1) / 2 * 8 / 1e9
    if params.target == "genes":
        advice = (f"Keep at most {MAX_DISTANCE_ITEMS:,} with 'Most variable genes', raise "
                  "the gene filter, or choose k-means, a Gaussian mixture or Leiden, which "
                  "need no distance matrix.")
    else:
        advice = (f"Choose k-means, a Gaussian mixture or Leiden, which need no distance "
                  f"matrix, or cluster at most {MAX_DISTANCE_ITEMS:,} samples.")
    raise ParameterError(
        f"{n_items:,} {params.target} are too many to cluster here with {method.label}: "
        f"the distances between them alone take {size_gb:.1f} GB. {advice}")


def check_before_normalizing(store: ResultStore, key: str, params: AnalysisParams) -> None:
    """Refuse, from the dataset's stored summary and before any stage runs, an analysis
    whose method needs more distances than fit (see :func:`check_items`).

    Samples are counted exactly (less the excluded ones); genes when no filter (count
    filter, or genes without a length for TPM/RPKM) can remove any. Otherwise they are
    checked after the features stage, still before any distance is computed.
    """
    if get_method(params.method).needs != "distances":
        return
    summary = load_summary(store, key)
    if params.target == "samples":
        n_items = summary["n_samples"] - len(set(split_list(params.exclude)))
    else:
        n_items = summary["n_genes"] if params.top_genes == 0 else min(params.top_genes,
                                                                       summary["n_genes"])
        filtered = params.min_count > 0 and params.min_samples > 0
        if filtered or params.normalization in LENGTH_NORMALIZATIONS:
            return  # the filter may leave few enough: checked exactly after it
    _check_distances_fit(n_items, params)
