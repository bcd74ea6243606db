"""Two-dimensional embeddings of the clustered items: PCA and UMAP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

#: Embedding name -> one sentence for the UI.
EMBEDDINGS = {
    "pca": "PCA: linear projection on the two directions of largest variance; distances "
           "along the axes are meaningful.",
    "umap": "UMAP: non-linear map that keeps neighbours together; good for many items, but "
            "distances between groups are not to scale.",
}


@dataclass(frozen=True)
class Embedding:
    """Coordinates (n x 2) and axis titles of an embedding."""

    coords: np.ndarray
    axis_titles: tuple[str, str]
    notices: tuple[str, ...] = ()


def pca_embedding(items: np.ndarray, *, random_state: int = 0) -> Embedding:
    """First two principal components of the rows of ``items`` (centred, not scaled).

    The axis titles give the percentage of variance each component explains.
    """
    values = np.asarray(items, dtype=np.float64)
    n_components = min(2, *values.shape)
    model = PCA(n_components=n_components, random_state=random_state)
    coords = model.fit_transform(values)
    if n_components < 2:
        coords = np.column_stack([coords, np.zeros(len(coords))])
    # Identical items have no variance to explain: show 0% rather than nan%.
    ratios = list(np.nan_to_num(model.explained_variance_ratio_)) + [0.0] * (2 - n_components)
    titles = (f"PC1 ({100 * ratios[0]:.1f}%)", f"PC2 ({100 * ratios[1]:.1f}%)")
    return Embedding(coords.astype(np.float32), titles)


def umap_embedding(items: np.ndarray, *, n_neighbors: int = 15, min_dist: float = 0.1,
                   metric: str = "euclidean", random_state: int = 0) -> Embedding:
    """UMAP of the rows of ``items`` (umap-learn), seeded.

    ``n_neighbors`` is lowered to n - 1 for small inputs (with a notice); ``metric`` is
    the clustering distance ("pearson"/"spearman" map to UMAP's "correlation" on the
    values or their ranks).
    """
    import umap  # slow import (numba): only when asked for

    from scipy.stats import rankdata

    values = np.asarray(items, dtype=np.float64)
    notices = []
    n = values.shape[0]
    neighbors = max(2, min(n_neighbors, n - 1))
    if neighbors != n_neighbors:
        notices.append(f"UMAP n_neighbors lowered from {n_neighbors} to {neighbors}: there "
                       f"are only {n} items.")
    umap_metric = {"euclidean": "euclidean", "pearson": "correlation",
                   "spearman": "correlation"}[metric]
    if metric == "spearman":
        values = rankdata(values, axis=1)
    # Spectral initialisation fails on tiny graphs; random init is fine there.
    init = "spectral" if n > 20 else "random"
    with threadpool_limits(limits=1):
        model = umap.UMAP(n_neighbors=neighbors, min_dist=min_dist, metric=umap_metric,
                          random_state=random_state, init=init, n_jobs=1)
        coords = model.fit_transform(values)
    return Embedding(coords.astype(np.float32), ("UMAP1", "UMAP2"), tuple(notices))
