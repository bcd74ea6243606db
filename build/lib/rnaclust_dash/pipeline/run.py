"""The analysis run: features -> (distances -> tree) -> partition -> validation -> the
heatmap's other axis, following the scale policy (:mod:`.scale`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list
from threadpoolctl import threadpool_limits

from ..tl.hierarchical import hierarchical_tree
from ..tl.hierarchical import optimal_leaf_order
from ..tl.distance import pairwise_distances
from ..errors import ParameterError
from ..store import ResultStore
from ..tl.methods import Partition, get_method, partition_from_tree
from ..tl.validate import sampled_validation_summary, validation_summary
from .features import Features, _features_stage
from .keys import (_cut_key, _display_tree_key, _distance_key, _fit_key, _matrix_key,
                   _method_tree_key, _sampled_validation_key, _tree_key, _tree_linkage,
                   _validation_key)
from ..params import AnalysisParams
from .scale import (MAX_DISTANCE_ITEMS, SILHOUETTE_SAMPLE, builds_distances,
                    check_before_normalizing, check_items, samples_silhouette)


@dataclass
class Analysis:
    """Everything the views need of one analysis (all read from the store)."""

    params: AnalysisParams
    dataset_key: str
    features: Features
    labels: np.ndarray
    item_tree: np.ndarray | None
    item_order: np.ndarray
    other_tree: np.ndarray | None
    validation: dict
    confidence: np.ndarray | None
    size_factors: pd.Series | None
    norm_factors: pd.Series | None
    notices: tuple[str, ...]
    keys: dict = field(default_factory=dict)

    @property
    def gene_ids(self) -> np.ndarray:
        """Genes of the displayed matrix (rows)."""
        return self.features.values.index.to_numpy(dtype=str)

    @property
    def sample_ids(self) -> np.ndarray:
        """Samples of the displayed matrix (columns)."""
        return self.features.values.columns.to_numpy(dtype=str)

    def assignments(self) -> pd.DataFrame:
        """``id, cluster, silhouette[, confidence]`` per item (assignments.csv)."""
        table = pd.DataFrame({"id": self.features.item_ids, "cluster": self.labels,
                              "silhouette": self.validation["silhouette_values"]})
        if self.confidence is not None:  # soft methods: max membership / posterior
            table["confidence"] = self.confidence
        return table

    def metrics(self) -> dict:
        """The scalar validation indices and the item count; with
        ``silhouette_sample_size`` when the silhouette is that of a seeded sample of the
        items (see :mod:`.scale`)."""
        metrics = {"silhouette": self.validation["silhouette"],
                   "calinski_harabasz": self.validation["calinski_harabasz"],
                   "davies_bouldin": self.validation["davies_bouldin"],
                   "n_items": int(len(self.labels))}
        if "silhouette_sample_size" in self.validation:
            metrics["silhouette_sample_size"] = self.validation["silhouette_sample_size"]
        return metrics


def run_analysis(store: ResultStore, key: str, params: AnalysisParams) -> Analysis:
    """Run (or read back) every stage of an analysis.

    Parameters
    ----------
    store : ResultStore
        Where the dataset and stage results live.
    key : str
        The dataset's key (from :func:`put_dataset`).
    params : AnalysisParams
        The choices.

    Returns
    -------
    Analysis
        ``keys`` holds the store key of each stage that ran; above
        :data:`~.scale.LARGE_ITEMS` items a method that needs no distances has no
        "distance" or "tree" key (none was built).

    Raises
    ------
    DataError, ParameterError
        With a message for the user.
    """
    check_before_normalizing(store, key, params)
    feat_key, features = _features_stage(store, key, params)
    n_items = len(features.item_ids)
    check_items(n_items, params)
    keys = {"normalize": _matrix_key(key, params), "features": feat_key}
    dist_key = tree_key = distances = tree = None
    if builds_distances(n_items, params):
        dist_key = keys["distance"] = _distance_key(feat_key, params)
        distances = store.get_or_compute(
            dist_key, lambda: pairwise_distances(features.items, metric=params.distance))
        tree_key = keys["tree"] = _tree_key(dist_key, params)
        tree = store.get_or_compute(
            tree_key, lambda: _tree(distances, _tree_linkage(params), params))
    keys["partition"], partition = _partition(store, params, tree_key, tree, dist_key,
                                              distances, feat_key, features)
    labels, item_tree = partition.labels, partition.tree
    validation, notices = _validation(store, keys["partition"], dist_key, distances, features,
                                      labels, params)
    keys["other_tree"] = _display_tree_key(feat_key, params)
    other_tree, display_notices = _display_tree(store, keys["other_tree"], features, params)
    return Analysis(params=params, dataset_key=key, features=features, labels=labels,
                    item_tree=item_tree, item_order=_item_order(labels, item_tree, tree),
                    other_tree=other_tree, validation=validation,
                    confidence=partition.confidence, size_factors=features.size_factors,
                    norm_factors=features.norm_factors,
                    notices=features.notices + partition.notices + notices + display_notices,
                    keys=keys)


def item_distances(store: ResultStore, analysis: Analysis) -> np.ndarray:
    """The condensed distances between the analysis' items: stored by the run, or (for a
    large analysis whose method needed none) computed now and stored, within the cap of
    :func:`~.scale.check_items` for a method that needs distances."""
    params = analysis.params
    if "distance" in analysis.keys:
        return store.get_or_compute(analysis.keys["distance"], lambda: pairwise_distances(
            analysis.features.items, metric=params.distance))
    n_items = len(analysis.labels)
    if n_items > MAX_DISTANCE_ITEMS:
        raise ParameterError(
            f"{n_items:,} {params.target} are too many for the distances this needs "
            f"({n_items * (n_items - 1) / 2 * 8 / 1e9:.1f} GB): keep at most "
            f"{MAX_DISTANCE_ITEMS:,} {params.target}" + (" with 'Most variable genes' or the "
                                                         "gene filter." if params.target ==
                                                         "genes" else "."))
    return store.get_or_compute(
        _distance_key(analysis.keys["features"], params),
        lambda: pairwise_distances(analysis.features.items, metric=params.distance))


def _validation(store: ResultStore, partition_key: str, dist_key: str | None,
                distances: np.ndarray | None, features: Features, labels: np.ndarray,
                params: AnalysisParams) -> tuple[dict, tuple[str, ...]]:
    """The validation indices (stored): exact, or with the silhouette on a seeded sample
    of the items when there are many (said in a notice)."""
    n_items = len(labels)
    if not samples_silhouette(n_items):
        return store.get_or_compute(
            _validation_key(partition_key, dist_key),
            lambda: validation_summary(features.items, distances, labels)), ()
    validation = store.get_or_compute(
        _sampled_validation_key(partition_key, params, SILHOUETTE_SAMPLE),
        lambda: sampled_validation_summary(features.items, labels, metric=params.distance,
                                           sample_size=SILHOUETTE_SAMPLE,
                                           random_state=params.seed))
    notice = (f"Silhouette on {validation['silhouette_sample_size']:,} of {n_items:,} "
              f"{params.target} (a random sample drawn with the seed): the exact widths need "
              f"all {n_items * (n_items - 1) // 2:,} distances between them.")
    return validation, (notice,)


def _display_tree(store: ResultStore, other_key: str, features: Features,
                  params: AnalysisParams) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """The tree of the heatmap's other axis, clustered for display with the same choices;
    none past MAX_DISTANCE_ITEMS (the genes are then shown in order of variance)."""
    other_items = features.display if params.target == "samples" else features.display.T
    if len(other_items) <= MAX_DISTANCE_ITEMS:
        return store.get_or_compute(other_key, lambda: _tree(
            pairwise_distances(other_items, metric=params.distance), _tree_linkage(params),
            params)), ()
    return None, (f"The heatmap shows its {len(other_items):,} genes in order of variance, "
                  f"without a tree (a tree is drawn up to {MAX_DISTANCE_ITEMS:,} genes).",)


def _item_order(labels: np.ndarray, item_tree: np.ndarray | None,
                tree: np.ndarray | None) -> np.ndarray:
    """The heatmap order of the items: the partition's own tree; else by cluster, keeping
    the order of the distance tree inside a cluster, or without one the features' order
    (genes: by decreasing variance)."""
    if item_tree is not None:
        return _leaf_order(item_tree)
    leaf_order = _leaf_order(tree) if tree is not None else np.arange(len(labels))
    return leaf_order[np.argsort(labels[leaf_order], kind="stable")]


def _tree(distances: np.ndarray, linkage: str, params: AnalysisParams) -> np.ndarray:
    tree = hierarchical_tree(distances, linkage=linkage)
    return optimal_leaf_order(tree, distances) if params.optimal_order else tree


def _partition(store, params: AnalysisParams, tree_key, tree, dist_key, distances, feat_key,
               features) -> tuple[str, Partition]:
    """Fit the chosen method of the registry (stored): (store key, partition)."""
    method = get_method(params.method)
    if method.name == "hierarchical":  # its tree is the heatmap's tree, already stored
        return _cut_key(tree_key, params), partition_from_tree(tree, params.k)
    settings = method.settings(params)
    if method.tree is not None:  # one stored tree, cut at any k
        own_key = _method_tree_key(dist_key, method, params)
        own_tree = store.get_or_compute(own_key, lambda: method.tree(distances, **settings))
        return _cut_key(own_key, params), partition_from_tree(own_tree, params.k)
    base_key = dist_key if method.needs == "distances" else feat_key
    key = _fit_key(base_key, method, params)
    partition = store.get_or_compute(key, lambda: fit_method(
        method, distances if method.needs == "distances" else features.items, params))
    if method.uses == "resolution" and partition.n_clusters < 2:
        raise ParameterError(f"{method.name.capitalize()} found a single cluster at resolution "
                             f"{params.resolution:g}: raise the resolution.")
    return key, partition


def fit_method(method, data: np.ndarray, params: AnalysisParams) -> Partition:
    """Fit a registry method with the choices of ``params`` as every caller does: one
    BLAS/OpenMP thread (as choose-k and stability run it), the parameters' seed."""
    with threadpool_limits(limits=1):
        return method.fit_with(data, params)


def _leaf_order(tree: np.ndarray) -> np.ndarray:
    return leaves_list(tree)
