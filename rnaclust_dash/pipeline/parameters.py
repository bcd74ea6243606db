"""The analysis parameters (one frozen dataclass, saved as params.json) and their
documents.

This block is moved verbatim from the former ``pipeline.py``; the parameter spec
(``rnaclust_dash.params``) replaces it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..cluster import EUCLIDEAN_LINKAGES, KMEANS_INITS, LINKAGES
from ..dataset import Dataset
from ..distance import DISTANCES
from ..embed import EMBEDDINGS
from ..errors import ParameterError
from ..methods import COVARIANCES
from ..pp.batch_design import BATCH_METHODS
from ..pp.normalization import NORMALIZATIONS
from ..tl.methods import REGISTRY

TARGETS = {"samples": "Cluster the samples (columns): which samples group together?",
           "genes": "Cluster the genes (rows): which genes move together?"}

#: Largest seed the random number generators accept (2**32 - 1).
MAX_SEED = 2**32 - 1


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
