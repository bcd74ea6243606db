"""The staged, cached analysis run (parameters: :mod:`rnaclust_dash.params`).

Stages and what their keys depend on::

    dataset (content hash)
      -> normalize (normalization, log, pseudocount, filter)
        -> features (target, top genes, z-score): items x features + display matrix
          -> distance (metric) -> tree (linkage) -> cut at k (not stored: O(n))
          -> k-means (k, init, n_init, seed)
          -> display tree of the other axis (metric, linkage)
          -> embedding (PCA / UMAP parameters)
        partition -> validation (silhouette, Calinski-Harabasz, Davies-Bouldin)

Each key hashes its parent's key and the parameters the spec assigns to its stage
(:func:`rnaclust_dash.params.stage_params`; :func:`stage_keys` lists them all), so no
parameter can be left out of a key. Changing k re-cuts the stored tree; changing
normalization recomputes from there down.
The store is the only state: any process with the same store gives the same results.
"""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list

from . import __version__
from threadpoolctl import threadpool_limits

from .cluster import EUCLIDEAN_LINKAGES, hierarchical_tree, optimal_leaf_order
from .dataset import Dataset
from .distance import pairwise_distances
from .embed import Embedding, pca_embedding, umap_embedding
from .pp.batch_counts import combat_seq
from .pp.batch_harmony import harmony_embedding
from .pp.batch_log_scale import combat, remove_batch_effect
from .errors import DataError, ParameterError
from .params import AnalysisParams, params_document, split_list, stage_params
from .pp.features import top_variable_genes, zscore_rows
from .pp.normalization import LOG_SCALE_METHODS
from .pp.normalization import NORMALIZATION_LABELS
from .pp.normalization import Normalized
from .pp.normalization import normalization_availability
from .pp.normalization import normalize
from .store import ResultStore, content_key, stage_key
from .tl.methods import Partition, get_method, partition_from_tree
from .validate import validation_summary

MIN_ITEMS = 3

#: Most items a distance matrix is built for (10,000 items: 400 MB of distances). Past
#: this the heatmap's other axis is shown in variance order instead of as a tree.
MAX_DISTANCE_ITEMS = 10_000


# --- datasets in the store -----------------------------------------------------------

def dataset_key(dataset: Dataset) -> str:
    """Content hash of a dataset (values, ids, annotations, lengths; not its name).

    Hashes the matrix buffers in place (no copy, a sparse matrix is not densified); keys of
    dense tables are the same as before the Dataset held an AnnData.
    """
    return "dataset-" + content_key(*dataset.content_parts())[:40]


def put_dataset(store: ResultStore, dataset: Dataset) -> str:
    """Store a dataset (and its light summary) under its content hash; return the key."""
    key = dataset_key(dataset)
    if key not in store:
        store.put(key, dataset)
    # Always rewritten: the same table uploaded again under another name shows that name.
    store.put(key + "/summary", dataset_summary(dataset))
    return key


def dataset_summary(dataset: Dataset) -> dict:
    """What the UI needs of a dataset without loading the matrix."""
    return {"name": dataset.name, "description": dataset.description,
            "value_kind": dataset.value_kind, "n_genes": dataset.n_genes,
            "n_samples": dataset.n_samples, "has_lengths": dataset.gene_lengths is not None,
            "metadata": dataset.metadata, "notices": dataset.notices,
            "normalizations": normalization_availability(
                dataset.value_kind, has_lengths=dataset.gene_lengths is not None)}


def load_dataset(store: ResultStore, key: str) -> Dataset:
    """The stored dataset, or a DataError saying to upload it again."""
    dataset = store.get(key)
    if dataset is None:
        raise DataError("The dataset is no longer on the server (the cache was cleared or "
                        "evicted). Please upload it again.")
    return dataset


def load_summary(store: ResultStore, key: str) -> dict:
    """The stored summary of a dataset (see :func:`dataset_summary`)."""
    summary = store.get(key + "/summary")
    if summary is None:
        summary = dataset_summary(load_dataset(store, key))
        store.put(key + "/summary", summary)
    return summary


# --- the stages ----------------------------------------------------------------------

@dataclass(frozen=True)
class Features:
    """The matrix as clustered.

    Attributes
    ----------
    items : numpy.ndarray
        Items x features, float64 (samples x genes, or genes x samples; with Harmony,
        samples x corrected principal components).
    item_ids : numpy.ndarray
        Ids of the items (str).
    values : pandas.DataFrame
        Genes x samples after normalization, log and feature selection (what
        normalized.csv holds; z-scored when genes are clustered with ``zscore``).
    display : numpy.ndarray
        Genes x samples, float32, row z-scores (what the heatmap shows).
    notices, size_factors, norm_factors
        Carried over from the normalization (see :class:`~.pp.normalization.Normalized`), so
        that reading this stage back never needs the full normalized matrix.
    """

    items: np.ndarray
    item_ids: np.ndarray
    values: pd.DataFrame
    display: np.ndarray
    notices: tuple[str, ...] = ()
    size_factors: pd.Series | None = None
    norm_factors: pd.Series | None = None


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
        """The scalar validation indices and the item count."""
        return {"silhouette": self.validation["silhouette"],
                "calinski_harabasz": self.validation["calinski_harabasz"],
                "davies_bouldin": self.validation["davies_bouldin"],
                "n_items": int(len(self.labels))}


def _prepared_key(key: str, params: AnalysisParams) -> str:
    """Key of the dataset after exclusions and count-level batch correction (the dataset's
    own key when there is nothing to do, so it is not stored twice)."""
    if not params.exclude and params.batch_method != "combat-seq":
        return key
    return stage_key(key, "prepare", stage_params(params, "prepare"))


def _prepare_stage(store, key, params: AnalysisParams) -> str:
    """Leave out excluded samples; apply ComBat-seq to the counts. Returns the key of the
    dataset the normalization reads."""
    prep_key = _prepared_key(key, params)
    if prep_key != key and prep_key not in store:
        dataset = load_dataset(store, key)
        excluded = split_list(params.exclude)
        unknown = [s for s in excluded if s not in dataset.counts.columns]
        if unknown:
            raise ParameterError(f"Cannot exclude {', '.join(unknown)}: no such sample. "
                                 f"Samples are: {', '.join(map(str, dataset.counts.columns[:10]))}"
                                 + (", ..." if dataset.n_samples > 10 else "") + ".")
        kept = [s for s in dataset.counts.columns if s not in set(excluded)]
        if len(kept) < 2:
            raise ParameterError("At least 2 samples must stay in the analysis: exclude fewer.")
        counts = dataset.counts[kept]
        metadata = None if dataset.metadata is None else dataset.metadata.loc[kept]
        if params.batch_method == "combat-seq":
            batch, covariates = batch_design(metadata, params)
            group = None
            if covariates is not None:
                group = covariates.astype(str).agg("|".join, axis=1).to_numpy()
            counts = pd.DataFrame(combat_seq(counts.to_numpy(), batch, group=group),
                                  index=counts.index, columns=counts.columns).astype(np.float64)
        store.put(prep_key, dataclasses.replace(dataset, counts=counts, metadata=metadata))
    return prep_key


def batch_design(metadata: pd.DataFrame | None, params: AnalysisParams
                 ) -> tuple[np.ndarray, pd.DataFrame | None]:
    """The batch labels and the biology to protect, from the sample sheet."""
    needed = [params.batch_column] + split_list(params.protect)
    missing = [c for c in needed if metadata is None or c not in metadata.columns]
    if missing:
        raise ParameterError(f"Batch correction needs the sample-sheet column(s) "
                             f"{', '.join(missing)}, which the sheet does not have. Upload a "
                             "sample sheet with them, or choose other columns.")
    unknown = metadata.index[metadata[needed].isna().any(axis=1)]
    if len(unknown):
        raise ParameterError(f"Samples {', '.join(map(str, unknown[:5]))} have no value in "
                             f"{', '.join(needed)}: fill them in the sample sheet, or exclude "
                             "those samples.")
    protect = split_list(params.protect)
    covariates = metadata[protect] if protect else None
    return metadata[params.batch_column].astype(str).to_numpy(), covariates


def _normalize_key(key: str, params: AnalysisParams) -> str:
    return stage_key(_prepared_key(key, params), "normalize", stage_params(params, "normalize"))


def _matrix_key(key: str, params: AnalysisParams) -> str:
    """Key of the normalized (and batch-corrected) matrix."""
    norm_key = _normalize_key(key, params)
    # ComBat-seq acts on the counts (prepare key), Harmony on the items (features key)
    if params.batch_method in ("none", "combat-seq", "harmony"):
        return norm_key
    return stage_key(norm_key, "batch", stage_params(params, "batch"))


def _matrix_stage(store, key, params: AnalysisParams) -> tuple[str, Normalized]:
    """Exclusions, ComBat-seq, normalization, then ComBat/limma on the log values."""
    prep_key = _prepare_stage(store, key, params)
    norm_key = _normalize_key(key, params)

    def normalized() -> Normalized:
        dataset = load_dataset(store, prep_key)
        reason = normalization_availability(
            dataset.value_kind, has_lengths=dataset.gene_lengths is not None)[params.normalization]
        if reason:
            raise ParameterError(f"{NORMALIZATION_LABELS[params.normalization]} normalization "
                                 f"is not available: {reason}.")
        return normalize(dataset.counts, method=params.normalization,
                         gene_lengths=dataset.gene_lengths, log=params.log_transform,
                         pseudocount=params.pseudocount, min_count=params.min_count,
                         min_samples=params.min_samples)

    base = store.get_or_compute(norm_key, normalized)
    matrix_key = _matrix_key(key, params)
    if matrix_key == norm_key:
        return norm_key, base

    def corrected() -> Normalized:
        dataset = load_dataset(store, prep_key)
        log_scale = (params.normalization in LOG_SCALE_METHODS or params.log_transform
                     or dataset.value_kind == "log")
        if not log_scale:
            raise ParameterError("ComBat and limma correct log-scale values: turn on the log2 "
                                 "switch, or choose log-CPM or VST.")
        batch, covariates = batch_design(dataset.metadata, params)
        values = base.values.to_numpy()
        if params.batch_method == "limma":
            fixed = remove_batch_effect(values, batch, covariates=covariates)
        else:
            fixed = combat(values, batch, covariates=covariates,
                           parametric=params.batch_method == "combat")
        frame = pd.DataFrame(fixed, index=base.values.index, columns=base.values.columns)
        return dataclasses.replace(base, values=frame)

    return matrix_key, store.get_or_compute(matrix_key, corrected)


def corrected_matrix(store: ResultStore, key: str, params: AnalysisParams) -> pd.DataFrame:
    """The batch-corrected matrix, genes x samples (corrected.csv): integer counts for
    ComBat-seq, otherwise the corrected normalized log values of the filtered genes."""
    if params.batch_method == "combat-seq":
        return prepared_dataset(store, key, params).counts.astype(np.int64)
    return normalized_matrix(store, key, params).values


def prepared_dataset(store: ResultStore, key: str, params: AnalysisParams) -> Dataset:
    """The dataset after exclusions (and ComBat-seq), before normalization (stored)."""
    return load_dataset(store, _prepare_stage(store, key, params))


def normalized_matrix(store: ResultStore, key: str, params: AnalysisParams) -> Normalized:
    """The normalized, filtered and batch-corrected matrix of all genes (stored)."""
    return _matrix_stage(store, key, params)[1]


def _features_stage(store, key, params: AnalysisParams) -> tuple[str, Features]:
    """The matrix as clustered. The normalized matrix of all genes is read (or made)
    only when this stage is not stored yet: a k change never touches it."""
    zscore = params.zscore and params.target == "genes"
    feat_key = _features_key(_matrix_key(key, params), params)

    def compute() -> Features:
        normalized = _matrix_stage(store, key, params)[1]
        selected = top_variable_genes(normalized.values, params.top_genes)
        display = zscore_rows(selected.to_numpy())
        if params.target == "samples":
            items, item_ids = selected.to_numpy().T, selected.columns
        else:
            items = display if zscore else selected.to_numpy()
            item_ids = selected.index
            if zscore:
                selected = pd.DataFrame(display, index=selected.index, columns=selected.columns)
        if params.batch_method == "harmony":
            if params.target != "samples":
                raise ParameterError("Harmony corrects the samples' principal components: use "
                                     "it to cluster samples, or choose ComBat or limma to "
                                     "cluster genes.")
            batch, _ = batch_design(load_dataset(store, _prepared_key(key, params)).metadata,
                                    params)
            items = harmony_embedding(items, batch, random_state=params.seed)
        return Features(np.ascontiguousarray(items, dtype=np.float64),
                        np.asarray(item_ids, dtype=str), selected, display.astype(np.float32),
                        normalized.notices, normalized.size_factors, normalized.norm_factors)

    return feat_key, store.get_or_compute(feat_key, compute)


def check_items(n_items: int, params: AnalysisParams) -> None:
    """Raise a DataError when there are too few items to cluster, a ParameterError when
    k does not fit the number of items."""
    noun = params.target
    if n_items < MIN_ITEMS:
        what = noun[:-1] if n_items == 1 else noun
        raise DataError(f"Only {n_items} {what} to cluster: clustering needs at least "
                        f"{MIN_ITEMS}. " + ("Lower the gene filter, or keep more genes."
                                            if noun == "genes" else
                                            "Upload a table with more samples, or cluster "
                                            "the genes instead."))
    if n_items > MAX_DISTANCE_ITEMS:
        size_gb = n_items * (n_items - 1) / 2 * 8 / 1e9
        raise ParameterError(
            f"{n_items:,} {noun} are too many to cluster here: the distances between them "
            f"alone take {size_gb:.1f} GB. Keep at most {MAX_DISTANCE_ITEMS:,} with 'Most "
            "variable genes', or raise the gene filter.")
    if get_method(params.method).uses == "k" and params.k > n_items - 1:
        raise ParameterError(f"k = {params.k} is too large for {n_items} {noun}: choose k "
                             f"between 2 and {n_items - 1}.")


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

    Raises
    ------
    DataError, ParameterError
        With a message for the user.
    """
    feat_key, features = _features_stage(store, key, params)
    check_items(len(features.item_ids), params)
    keys = stage_keys(key, params)
    dist_key, tree_key, tree_linkage = keys["distance"], keys["tree"], _tree_linkage(params)
    distances = store.get_or_compute(
        dist_key, lambda: pairwise_distances(features.items, metric=params.distance))
    tree = store.get_or_compute(tree_key, lambda: _tree(distances, tree_linkage, params))
    leaf_order = _leaf_order(tree)
    partition_key, partition = _partition(store, params, tree_key, tree, dist_key, distances,
                                          feat_key, features)
    labels, item_tree = partition.labels, partition.tree
    if item_tree is not None:
        item_order = _leaf_order(item_tree)
    else:  # no tree of its own: order the items by cluster, keeping the tree's order inside
        item_order = leaf_order[np.argsort(labels[leaf_order], kind="stable")]
    validation_key = stage_key(partition_key, "validation", {"distance": dist_key})
    validation = store.get_or_compute(
        validation_key, lambda: validation_summary(features.items, distances, labels))
    other_key = keys["display_tree"]
    # The other axis of the heatmap is clustered for display with the same choices.
    other_items = features.display if params.target == "samples" else features.display.T
    notices = features.notices + partition.notices
    if len(other_items) <= MAX_DISTANCE_ITEMS:
        other_tree = store.get_or_compute(other_key, lambda: _tree(
            pairwise_distances(other_items, metric=params.distance), tree_linkage, params))
    else:
        other_tree = None
        notices += (f"The heatmap shows its {len(other_items):,} genes in order of variance, "
                    f"without a tree (a tree is drawn up to {MAX_DISTANCE_ITEMS:,} genes).",)
    return Analysis(params=params, dataset_key=key, features=features, labels=labels,
                    item_tree=item_tree, item_order=item_order, other_tree=other_tree,
                    validation=validation, confidence=partition.confidence,
                    size_factors=features.size_factors,
                    norm_factors=features.norm_factors, notices=notices,
                    keys={"normalize": keys["batch"], "features": feat_key, "distance": dist_key,
                          "tree": tree_key, "partition": partition_key,
                          "other_tree": other_key})


def _tree(distances: np.ndarray, linkage: str, params: AnalysisParams) -> np.ndarray:
    tree = hierarchical_tree(distances, linkage=linkage)
    return optimal_leaf_order(tree, distances) if params.optimal_order else tree


def _partition_keys(params: AnalysisParams, tree_key: str, dist_key: str,
                    feat_key: str) -> tuple[str, str | None]:
    """(key of the partition, key of the method's own stored tree or None)."""
    method = get_method(params.method)
    cluster = stage_params(params, "cluster")
    if method.name == "hierarchical":  # its tree is the heatmap's tree, already stored
        return stage_key(tree_key, "cut", cluster), None
    if method.tree is not None:  # one stored tree (its own parameters), cut at any k
        own_key = stage_key(dist_key, method.name, method.settings(params))
        return stage_key(own_key, "cut", cluster), own_key
    base_key = dist_key if method.needs == "distances" else feat_key
    return stage_key(base_key, method.name, cluster), None


def _partition(store, params: AnalysisParams, tree_key, tree, dist_key, distances, feat_key,
               features) -> tuple[str, Partition]:
    """Fit the chosen method of the registry (stored): (store key, partition)."""
    method = get_method(params.method)
    key, own_key = _partition_keys(params, tree_key, dist_key, feat_key)
    if method.name == "hierarchical":
        return key, partition_from_tree(tree, params.k)
    if own_key is not None:
        settings = method.settings(params)
        own_tree = store.get_or_compute(own_key, lambda: method.tree(distances, **settings))
        return key, partition_from_tree(own_tree, params.k)
    partition = store.get_or_compute(key, lambda: fit_method(
        method, distances if method.needs == "distances" else features.items, params))
    if method.uses == "resolution" and partition.n_clusters < 2:
        raise ParameterError(f"{method.name.capitalize()} found a single cluster at resolution "
                             f"{params.resolution:g}: raise the resolution.")
    return key, partition


def _tree_linkage(params: AnalysisParams) -> str:
    """Ward, centroid and median need Euclidean distances; for the trees other methods
    only draw, average linkage stands in for them."""
    return params.linkage if (params.linkage not in EUCLIDEAN_LINKAGES
                              or params.distance == "euclidean") else "average"


def stage_keys(key: str, params: AnalysisParams) -> dict[str, str]:
    """The store key of every stage of an analysis of dataset ``key`` (nothing computed).

    Each key hashes its parent's key and :func:`~rnaclust_dash.params.stage_params` of
    its stage, so any parameter of the spec changes the key of its stage.
    """
    feat_key = _features_key(_matrix_key(key, params), params)
    dist_key = stage_key(feat_key, "distance", stage_params(params, "distance"))
    tree = stage_params(params, "tree") | {"linkage": _tree_linkage(params)}
    tree_key = stage_key(dist_key, "tree", tree)
    return {"prepare": _prepared_key(key, params), "normalize": _normalize_key(key, params),
            "batch": _matrix_key(key, params), "features": feat_key, "distance": dist_key,
            "tree": tree_key,
            "cluster": _partition_keys(params, tree_key, dist_key, feat_key)[0],
            "display_tree": stage_key(feat_key, "display_tree",
                                      stage_params(params, "distance") | tree),
            "embedding": _embedding_key(feat_key, params)}


def fit_method(method, data: np.ndarray, params: AnalysisParams) -> Partition:
    """Fit a registry method with the choices of ``params`` as every caller does: one
    BLAS/OpenMP thread (as choose-k and stability run it), the parameters' seed."""
    with threadpool_limits(limits=1):
        return method.fit_with(data, params)


def _leaf_order(tree: np.ndarray) -> np.ndarray:
    return leaves_list(tree)


def _features_key(norm_key: str, params: AnalysisParams) -> str:
    return stage_key(norm_key, "features", stage_params(params, "features"))


def embedding_key(key: str, params: AnalysisParams) -> str:
    """The store key of the embedding these parameters ask for (to look it up cheaply)."""
    return _embedding_key(_features_key(_matrix_key(key, params), params), params)


def _embedding_key(feat_key: str, params: AnalysisParams) -> str:
    return stage_key(feat_key, "embedding", stage_params(params, "embedding"))


def compute_embedding(store: ResultStore, key: str, params: AnalysisParams) -> Embedding:
    """The 2-D embedding of the items (stored; UMAP can take seconds)."""
    feat_key, features = _features_stage(store, key, params)

    def compute() -> Embedding:
        if params.embedding == "pca":
            return pca_embedding(features.items, random_state=params.seed)
        return umap_embedding(features.items, n_neighbors=params.umap_neighbors,
                              min_dist=params.umap_min_dist, metric=params.distance,
                              random_state=params.seed)

    return store.get_or_compute(_embedding_key(feat_key, params), compute)


def write_results(analysis: Analysis, embedding: Embedding, out_dir, *,
                  dataset_name: str = "", extra_metrics: dict | None = None) -> None:
    """Write the CLI's result files into ``out_dir`` (see README, "Command line")."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis.assignments().to_csv(out / "assignments.csv", index=False)
    metrics = analysis.metrics() | (extra_metrics or {}) | {
        "parameters": analysis.params.to_dict(), "versions": package_versions()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if analysis.size_factors is not None:
        factors = pd.concat([analysis.size_factors, analysis.norm_factors], axis=1)
        factors.rename_axis("id").reset_index().to_csv(out / "size_factors.csv", index=False)
    buffer = io.StringIO()
    analysis.features.values.rename_axis("gene_id").to_csv(buffer)
    (out / "normalized.csv").write_text(buffer.getvalue())
    pd.DataFrame({"id": analysis.features.item_ids, "x": embedding.coords[:, 0],
                  "y": embedding.coords[:, 1]}).to_csv(out / "embedding.csv", index=False)
    (out / "params.json").write_text(params_document(analysis.params, dataset_name=dataset_name,
                                                     dataset_key=analysis.dataset_key))


def package_versions() -> dict:
    """Versions of the packages whose numbers the results depend on."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"rnaclust_dash": __version__}
    for name in ("numpy", "scipy", "pandas", "scikit-learn", "fastcluster", "umap-learn"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions
