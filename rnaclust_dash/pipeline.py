"""Parameters and the staged, cached analysis run.

Stages and what their keys depend on::

    dataset (content hash)
      -> normalize (normalization, log, pseudocount, filter)
        -> features (target, top genes, z-score): items x features + display matrix
          -> distance (metric) -> tree (linkage) -> cut at k (not stored: O(n))
          -> k-means (k, init, n_init, seed)
          -> display tree of the other axis (metric, linkage)
          -> embedding (PCA / UMAP parameters)
        partition -> validation (silhouette, Calinski-Harabasz, Davies-Bouldin)

Changing k re-cuts the stored tree; changing normalization recomputes from there down.
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

from .cluster import EUCLIDEAN_LINKAGES, KMEANS_INITS, LINKAGES, hierarchical_tree, optimal_leaf_order
from .dataset import Dataset
from .distance import DISTANCES, pairwise_distances
from .methods import COVARIANCES
from .embed import EMBEDDINGS, Embedding, pca_embedding, umap_embedding
from .pp.batch_counts import combat_seq
from .pp.batch_design import BATCH_METHODS
from .pp.batch_harmony import harmony_embedding
from .pp.batch_log_scale import combat, remove_batch_effect
from .errors import DataError, ParameterError
from .pp.features import top_variable_genes, zscore_rows
from .pp.normalization import LOG_SCALE_METHODS
from .pp.normalization import NORMALIZATION_LABELS
from .pp.normalization import NORMALIZATIONS
from .pp.normalization import Normalized
from .pp.normalization import normalization_availability
from .pp.normalization import normalize
from .store import ResultStore, content_key, stage_key
from .tl.methods import REGISTRY, Partition, get_method, partition_from_tree
from .validate import validation_summary

TARGETS = {"samples": "Cluster the samples (columns): which samples group together?",
           "genes": "Cluster the genes (rows): which genes move together?"}

MIN_ITEMS = 3

#: Largest seed the random number generators accept (2**32 - 1).
MAX_SEED = 2**32 - 1

#: Most items a distance matrix is built for (10,000 items: 400 MB of distances). Past
#: this the heatmap's other axis is shown in variance order instead of as a tree.
MAX_DISTANCE_ITEMS = 10_000


@dataclass(frozen=True)
class AnalysisParams:
    """Every choice that decides an analysis; saved as params.json.

    Attributes
    ----------
    target : {"samples", "genes"}
        Which axis holds the items to cluster.
    normalization : str
        See :data:`rnaclust_dash.pp.normalization.NORMALIZATIONS`.
    log_transform : bool
        ``log2(x + pseudocount)`` after normalization (not for ``logcpm``).
    pseudocount : float
        Added before the log.
    min_count, min_samples : float, int
        Keep genes with at least ``min_count`` in at least ``min_samples`` samples.
    top_genes : int
        Keep the most variable genes (of the values as clustered); 0 keeps all.
    zscore : bool
        Z-score each gene before clustering genes (display is always z-scored).
    distance, method, linkage : str
        See :data:`~rnaclust_dash.distance.DISTANCES`, :data:`~rnaclust_dash.tl.methods.REGISTRY`,
        :data:`~rnaclust_dash.cluster.LINKAGES`.
    k : int
        Number of clusters.
    kmeans_init : {"k-means++", "random"}
    n_init : int
        K-means starts.
    minibatch : bool
        Mini-batch k-means (for many items).
    optimal_order : bool
        Optimal leaf ordering of the trees (display only: cuts are unchanged).
    seed : int
        Seed of every random step (k-means, UMAP).
    embedding : {"pca", "umap"}
    umap_neighbors : int
    umap_min_dist : float
    resolution, neighbors : float, int
        Leiden/Louvain: modularity resolution and neighbours of the kNN graph.
    fuzzifier : float
        Fuzzy c-means exponent m (> 1; 2 is usual).
    covariance : str
        Gaussian mixture covariance model (see :data:`rnaclust_dash.methods.COVARIANCES`).
    pcs : int
        Principal components used by mixture and graph methods (0: the values as they are).
    exclude : str
        Comma-separated sample ids left out of the analysis (e.g. QC outliers).
    batch_column : str
        Sample-sheet column that holds the technical batch ("" for none).
    batch_method : str
        See :data:`rnaclust_dash.pp.batch_design.BATCH_METHODS`.
    protect : str
        Comma-separated sample-sheet columns of biology that batch correction must keep.
    """

    target: str = "samples"
    normalization: str = "deseq2"
    log_transform: bool = True
    pseudocount: float = 1.0
    min_count: float = 10.0
    min_samples: int = 2
    top_genes: int = 500
    zscore: bool = True
    distance: str = "pearson"
    method: str = "hierarchical"
    linkage: str = "average"
    k: int = 2
    kmeans_init: str = "k-means++"
    n_init: int = 10
    minibatch: bool = False
    optimal_order: bool = False
    seed: int = 0
    embedding: str = "pca"
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1
    resolution: float = 1.0
    neighbors: int = 15
    fuzzifier: float = 2.0
    covariance: str = "full"
    pcs: int = 10
    exclude: str = ""
    batch_column: str = ""
    batch_method: str = "none"
    protect: str = ""

    def __post_init__(self) -> None:
        choices = {"target": TARGETS, "normalization": NORMALIZATIONS, "distance": DISTANCES,
                   "method": REGISTRY, "linkage": LINKAGES, "kmeans_init": KMEANS_INITS,
                   "embedding": EMBEDDINGS, "batch_method": BATCH_METHODS,
                   "covariance": COVARIANCES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ParameterError(f"'{getattr(self, name)}' is not a valid {name}; choose "
                                     f"one of: {', '.join(allowed)}.")
        checks = [
            (self.k >= 2, f"k must be at least 2 (got {self.k})."),
            (self.n_init >= 1, "n_init must be at least 1."),
            (self.min_count >= 0 and self.min_samples >= 0,
             "The minimum count and number of samples cannot be negative."),
            (self.top_genes == 0 or self.top_genes >= 2,
             f"Keep at least 2 of the most variable genes (0 keeps all); got {self.top_genes}."),
            (0 <= self.seed <= MAX_SEED,
             f"Seed must be a whole number from 0 to {MAX_SEED:,}; got {self.seed}."),
            (self.pseudocount > 0, "The pseudocount must be positive."),
            (self.umap_neighbors >= 2, "UMAP needs at least 2 neighbours."),
            (self.resolution > 0, "The resolution must be positive (1 is usual)."),
            (self.neighbors >= 2, "The kNN graph needs at least 2 neighbours per item."),
            (self.fuzzifier > 1, "The fuzzifier m must be larger than 1 (2 is usual)."),
            (self.pcs >= 0, "The number of principal components cannot be negative."),
            (0 <= self.umap_min_dist <= 1, "UMAP min_dist must be between 0 and 1."),
            (self.batch_method == "none" or self.batch_column,
             "Batch correction needs the sample-sheet column that holds the batch: choose it, "
             "or set the batch method to none."),
            (not (self.method == "hierarchical" and self.linkage in EUCLIDEAN_LINKAGES
                  and self.distance != "euclidean"),
             f"{self.linkage.capitalize()} linkage needs Euclidean distance (it works with "
             "cluster centres or variances). Choose the Euclidean distance, or another "
             "linkage."),
        ]
        for ok, message in checks:
            if not ok:
                raise ParameterError(message)

    def to_dict(self) -> dict:
        """The parameters as a plain dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "AnalysisParams":
        """Parameters from a dict (as in params.json); unknown names are an error."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"Unknown parameter(s) {', '.join(unknown)}; known ones: "
                                 f"{', '.join(known)}.")
        converted = {}
        for name, value in values.items():
            kind = _FIELD_TYPES[known[name].type]
            try:
                converted[name] = kind(value) if kind is not bool else _as_bool(value)
            except (TypeError, ValueError):
                raise ParameterError(f"Parameter {name}={value!r} is not a valid "
                                     f"{kind.__name__}.") from None
            if kind is int and float(value) != converted[name]:  # 2.5 must not become 2
                raise ParameterError(f"Parameter {name} must be a whole number; got {value}.")
        return cls(**converted)

    def replace(self, **changes: Any) -> "AnalysisParams":
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)


# Field annotations are strings (postponed evaluation): map them to converters.
_FIELD_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


def split_list(text: str) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c'] (the comma-separated parameters)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def default_params(dataset: Dataset) -> AnalysisParams:
    """Sensible starting parameters for a dataset (what the UI shows first)."""
    n_groups = 2
    if dataset.metadata is not None and "group" in dataset.metadata:
        n_groups = max(2, int(dataset.metadata["group"].nunique()))
    n_groups = min(n_groups, max(2, dataset.n_samples - 1))
    if dataset.value_kind == "counts":
        return AnalysisParams(k=n_groups)
    return AnalysisParams(normalization="none", log_transform=dataset.value_kind == "normalized",
                          min_count=0, min_samples=0, k=n_groups)


def params_document(params: AnalysisParams, *, dataset_name: str = "", dataset_key: str = "") -> str:
    """The params.json text: parameters plus provenance (dataset, version)."""
    return json.dumps({"parameters": params.to_dict(),
                       "dataset": {"name": dataset_name, "key": dataset_key},
                       "rnaclust_dash_version": __version__}, indent=2)


def params_from_document(text: str) -> AnalysisParams:
    """Read params.json (a document from :func:`params_document`, or a bare dict)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParameterError(f"The parameters file is not valid JSON ({error}).") from None
    if not isinstance(document, dict):
        raise ParameterError("The parameters file must hold a JSON object.")
    return AnalysisParams.from_dict(document.get("parameters", document))


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
    """Key of the dataset after exclusions and count-level batch correction."""
    if not params.exclude and params.batch_method != "combat-seq":
        return key
    seq = params.batch_method == "combat-seq"
    return stage_key(key, "prepare", {"exclude": sorted(split_list(params.exclude)),
                                      "batch_column": params.batch_column if seq else "",
                                      "protect": params.protect if seq else ""})


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
    dist_key = stage_key(feat_key, "distance", {"metric": params.distance})
    distances = store.get_or_compute(
        dist_key, lambda: pairwise_distances(features.items, metric=params.distance))
    # Ward, centroid and median need Euclidean distances; for the trees other methods
    # only draw, average linkage stands in for them.
    tree_linkage = params.linkage if (params.linkage not in EUCLIDEAN_LINKAGES
                                      or params.distance == "euclidean") else "average"
    tree_key = stage_key(dist_key, "tree", {"linkage": tree_linkage,
                                            "optimal_order": params.optimal_order})
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
    other_key = stage_key(feat_key, "display_tree", {"metric": params.distance,
                                                     "linkage": tree_linkage,
                                                     "optimal_order": params.optimal_order})
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
                    keys={"normalize": _matrix_key(key, params), "features": feat_key, "distance": dist_key,
                          "tree": tree_key, "partition": partition_key,
                          "other_tree": other_key})


def _tree(distances: np.ndarray, linkage: str, params: AnalysisParams) -> np.ndarray:
    tree = hierarchical_tree(distances, linkage=linkage)
    return optimal_leaf_order(tree, distances) if params.optimal_order else tree


def _partition(store, params: AnalysisParams, tree_key, tree, dist_key, distances, feat_key,
               features) -> tuple[str, Partition]:
    """Fit the chosen method of the registry (stored): (store key, partition)."""
    method = get_method(params.method)
    if method.name == "hierarchical":  # its tree is the heatmap's tree, already stored
        return stage_key(tree_key, "cut", {"k": params.k}), partition_from_tree(tree, params.k)
    settings = method.settings(params)
    if method.tree is not None:  # one stored tree, cut at any k
        own_key = stage_key(dist_key, method.name, settings)
        own_tree = store.get_or_compute(own_key, lambda: method.tree(distances, **settings))
        return (stage_key(own_key, "cut", {"k": params.k}),
                partition_from_tree(own_tree, params.k))
    size = {"k": params.k} if method.uses == "k" else {"resolution": params.resolution}
    base_key = dist_key if method.needs == "distances" else feat_key
    key = stage_key(base_key, method.name, settings | size | {"seed": params.seed})
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
