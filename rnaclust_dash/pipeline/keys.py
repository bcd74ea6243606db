"""The store key of every stage: its parent's key plus the parameters it depends on.

All stage keys live here, so that what each stage depends on can be read (and derived
from the parameter spec) in one place.
"""

from __future__ import annotations

from ..cluster import EUCLIDEAN_LINKAGES
from ..store import stage_key
from .parameters import AnalysisParams, split_list


def _prepared_key(key: str, params: AnalysisParams) -> str:
    """Key of the dataset after exclusions and count-level batch correction."""
    if not params.exclude and params.batch_method != "combat-seq":
        return key
    seq = params.batch_method == "combat-seq"
    return stage_key(key, "prepare", {"exclude": sorted(split_list(params.exclude)),
                                      "batch_column": params.batch_column if seq else "",
                                      "protect": params.protect if seq else ""})


def _normalize_key(key: str, params: AnalysisParams) -> str:
    return stage_key(_prepared_key(key, params), "normalize", {
        "normalization": params.normalization, "log": params.log_transform,
        "pseudocount": params.pseudocount, "min_count": params.min_count,
        "min_samples": params.min_samples})


def _matrix_key(key: str, params: AnalysisParams) -> str:
    """Key of the normalized (and batch-corrected) matrix."""
    norm_key = _normalize_key(key, params)
    if params.batch_method in ("none", "combat-seq", "harmony"):  # harmony acts on features
        return norm_key
    return stage_key(norm_key, "batch", {"method": params.batch_method,
                                         "column": params.batch_column,
                                         "protect": params.protect})


def _features_key(norm_key: str, params: AnalysisParams) -> str:
    harmony = params.batch_method == "harmony"
    return stage_key(norm_key, "features", {
        "target": params.target, "top_genes": params.top_genes,
        "zscore": params.zscore and params.target == "genes",
        "harmony": [params.batch_column, params.seed] if harmony else None})


def embedding_key(key: str, params: AnalysisParams) -> str:
    """The store key of the embedding these parameters ask for (to look it up cheaply)."""
    return _embedding_key(_features_key(_matrix_key(key, params), params), params)


def _embedding_key(feat_key: str, params: AnalysisParams) -> str:
    if params.embedding == "pca":
        return stage_key(feat_key, "embedding", {"method": "pca", "seed": params.seed})
    return stage_key(feat_key, "embedding", {"method": "umap", "neighbors": params.umap_neighbors,
                                             "min_dist": params.umap_min_dist,
                                             "metric": params.distance, "seed": params.seed})


def _distance_key(feat_key: str, params: AnalysisParams) -> str:
    """Key of the condensed distances between the items."""
    return stage_key(feat_key, "distance", {"metric": params.distance})


def _tree_linkage(params: AnalysisParams) -> str:
    """The linkage of the trees drawn: Ward, centroid and median need Euclidean distances;
    for the trees other methods only draw, average linkage stands in for them."""
    return params.linkage if (params.linkage not in EUCLIDEAN_LINKAGES
                              or params.distance == "euclidean") else "average"


def _tree_key(dist_key: str, params: AnalysisParams) -> str:
    """Key of the tree of the items (the heatmap's, and hierarchical clustering's)."""
    return stage_key(dist_key, "tree", {"linkage": _tree_linkage(params),
                                        "optimal_order": params.optimal_order})


def _display_tree_key(feat_key: str, params: AnalysisParams) -> str:
    """Key of the tree of the heatmap's other axis."""
    return stage_key(feat_key, "display_tree", {"metric": params.distance,
                                                "linkage": _tree_linkage(params),
                                                "optimal_order": params.optimal_order})


def _validation_key(partition_key: str, dist_key: str) -> str:
    """Key of the validation indices of a partition, all items (exact silhouette)."""
    return stage_key(partition_key, "validation", {"distance": dist_key})


def _sampled_validation_key(partition_key: str, params: AnalysisParams,
                            sample_size: int) -> str:
    """Key of the validation indices with the silhouette on a seeded sample of items."""
    return stage_key(partition_key, "validation", {"metric": params.distance,
                                                   "sample": sample_size,
                                                   "seed": params.seed})


def _cut_key(tree_key: str, params: AnalysisParams) -> str:
    """Key of the cut of a stored tree at k (not stored itself: O(n))."""
    return stage_key(tree_key, "cut", {"k": params.k})


def _method_tree_key(dist_key: str, method, params: AnalysisParams) -> str:
    """Key of the own tree of a tree method other than hierarchical (DIANA)."""
    return stage_key(dist_key, method.name, method.settings(params))


def _fit_key(base_key: str, method, params: AnalysisParams) -> str:
    """Key of the partition of a method that is fitted (not cut from a tree); its parent is
    the distances for methods that need them, else the features."""
    size = {"k": params.k} if method.uses == "k" else {"resolution": params.resolution}
    return stage_key(base_key, method.name, method.settings(params) | size | {"seed": params.seed})
