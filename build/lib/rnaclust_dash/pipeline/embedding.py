"""The 2-D embedding of the items (PCA or UMAP), stored."""

from __future__ import annotations

from ..tl.embed import Embedding, pca_embedding, umap_embedding
from ..store import ResultStore
from .features import _features_stage
from .keys import _embedding_key
from ..params import AnalysisParams


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
