"""The store key of every stage: its parent's key plus the parameters it depends on.

All stage keys live here. Each key hashes its parent's key and the parameters the spec
assigns to its stage (:func:`rnaclust_dash.params.stage_params`; :func:`stage_keys`
lists them all), so no parameter can be left out of a key.
"""

from __future__ import annotations

from ..params import AnalysisParams, stage_params
from ..store import stage_key
from ..tl.hierarchical import EUCLIDEAN_LINKAGES
from ..tl.methods import get_method


def _prepared_key(key: str, params: AnalysisParams) -> str:
    """Key of the dataset after exclusions and count-level batch correction (the dataset's
    own key when there is nothing to do, so it is not stored twice)."""
    if not params.exclude and params.batch_method != "combat-seq":
        return key
    return stage_key(key, "prepare", stage_params(params, "prepare"))


def _normalize_key(key: str, params: AnalysisParams) -> str:
    return stage_key(_prepared_key(key, params), "normalize", stage_params(params, "normalize"))


def _matrix_key(key: str, params: AnalysisParams) -> str:
    """Key of the normalized (and batch-corrected) matrix."""
    norm_key = _normalize_key(key, params)
    # ComBat-seq acts on the counts (prepare key), Harmony on the items (features key)
    if params.batch_method in ("none", "combat-seq", "harmony"):
        return norm_key
    return stage_key(norm_key, "batch", stage_params(params, "batch"))


def _features_key(norm_key: str, params: AnalysisParams) -> str:
    return stage_key(norm_key, "features", stage_params(params, "features"))


def embedding_key(key: str, params: AnalysisParams) -> str:
    """The store key of the embedding these parameters ask for (to look it up cheaply)."""
    return _embedding_key(_features_key(_matrix_key(key, params), params), params)


def _embedding_key(feat_key: str, params: AnalysisParams) -> str:
    return stage_key(feat_key, "embedding", stage_params(params, "embedding"))


def _distance_key(feat_key: str, params: AnalysisParams) -> str:
    """Key of the condensed distances between the items."""
    return stage_key(feat_key, "distance", stage_params(params, "distance"))


def _tree_linkage(params: AnalysisParams) -> str:
    """The linkage of the trees drawn: Ward, centroid and median need Euclidean distances;
    for the trees other methods only draw, average linkage stands in for them."""
    return params.linkage if (params.linkage not in EUCLIDEAN_LINKAGES
                              or params.distance == "euclidean") else "average"


def _tree_key(dist_key: str, params: AnalysisParams) -> str:
    """Key of the tree of the items (the heatmap's, and hierarchical clustering's)."""
    return stage_key(dist_key, "tree", _tree_params(params))


def _display_tree_key(feat_key: str, params: AnalysisParams) -> str:
    """Key of the tree of the heatmap's other axis."""
    return stage_key(feat_key, "display_tree",
                     stage_params(params, "distance") | _tree_params(params))


def _tree_params(params: AnalysisParams) -> dict:
    """The tree stage's parameters, with the linkage the trees are drawn with."""
    return stage_params(params, "tree") | {"linkage": _tree_linkage(params)}


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
    return stage_key(tree_key, "cut", stage_params(params, "cluster"))


def _method_tree_key(dist_key: str, method, params: AnalysisParams) -> str:
    """Key of the own tree of a tree method other than hierarchical (DIANA)."""
    return stage_key(dist_key, method.name, method.settings(params))


def _fit_key(base_key: str, method, params: AnalysisParams) -> str:
    """Key of the partition of a method that is fitted (not cut from a tree); its parent is
    the distances for methods that need them, else the features."""
    return stage_key(base_key, method.name, stage_params(params, "cluster"))


def _partition_key(params: AnalysisParams, tree_key: str, dist_key: str | None,
                   feat_key: str) -> str:
    """Key of the partition the chosen method gives (cut of a tree, or a fit)."""
    method = get_method(params.method)
    if method.name == "hierarchical":  # its tree is the heatmap's tree
        return _cut_key(tree_key, params)
    if method.tree is not None:  # one stored tree (its own parameters), cut at any k
        return _cut_key(_method_tree_key(dist_key, method, params), params)
    return _fit_key(dist_key if method.needs == "distances" else feat_key, method, params)


def stage_keys(key: str, params: AnalysisParams) -> dict[str, str]:
    """The store key of every stage of an analysis of dataset ``key`` (nothing computed).

    Each key hashes its parent's key and :func:`~rnaclust_dash.params.stage_params` of
    its stage, so any parameter of the spec changes the key of its stage.
    """
    feat_key = _features_key(_matrix_key(key, params), params)
    dist_key = _distance_key(feat_key, params)
    tree_key = _tree_key(dist_key, params)
    return {"prepare": _prepared_key(key, params), "normalize": _normalize_key(key, params),
            "batch": _matrix_key(key, params), "features": feat_key, "distance": dist_key,
            "tree": tree_key, "cluster": _partition_key(params, tree_key, dist_key, feat_key),
            "display_tree": _display_tree_key(feat_key, params),
            "embedding": _embedding_key(feat_key, params)}


