"""Two-dimensional embeddings of the clustered items: PCA and UMAP."""

from __future__ import annotations

import fcntl
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from .distance import pairwise_distances, square

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

    Parameters
    ----------
    items : array-like, shape (n_items, n_features)
        E.g. samples x genes.
    random_state : int
        Seed of scikit-learn's PCA (its randomized solver on large inputs).

    Returns
    -------
    Embedding
        ``coords`` (n_items x 2) and the axis titles.
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

    UMAP works on the app's own distances between the items (any of
    :data:`rnaclust_dash.tl.distance.DISTANCES`, the same numbers the clustering uses), given
    to umap-learn as a precomputed matrix: |Pearson| is no umap-learn metric, and for
    fewer than 4,096 items umap-learn would compute every distance anyway.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features (n x m); not modified.
    n_neighbors : int
        Neighbours per item; lowered to n - 1 for small inputs (with a notice).
    min_dist : float
        How tightly UMAP packs neighbours (0..1).
    metric : str
        Distance between items, a key of :data:`rnaclust_dash.tl.distance.DISTANCES`.
    random_state : int
        Seed; the same seed gives the same map.

    Returns
    -------
    Embedding
        Coordinates n x 2 (float32), axis titles, notices.
    """
    umap = load_umap()
    values = np.asarray(items, dtype=np.float64)
    notices = []
    n = values.shape[0]
    neighbors = max(2, min(n_neighbors, n - 1))
    if neighbors != n_neighbors:
        notices.append(f"UMAP n_neighbors lowered from {n_neighbors} to {neighbors}: there "
                       f"are only {n} items.")
    distances = square(pairwise_distances(values, metric=metric)).astype(np.float32)
    # Spectral initialisation fails on tiny graphs; random init is fine there.
    init = "spectral" if n > 20 else "random"
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="using precomputed metric")
        model = umap.UMAP(n_neighbors=neighbors, min_dist=min_dist, metric="precomputed",
                          random_state=random_state, init=init, n_jobs=1)
        coords = model.fit_transform(distances)
    return Embedding(coords.astype(np.float32), ("UMAP1", "UMAP2"), tuple(notices))


def load_umap():
    """Import umap-learn with its numba code cached on disk.

    umap-learn compiles most of its numba functions without ``cache=True``, so every new
    process (each background job is one) spent ~30 s compiling them again. Caching them
    too (in ``NUMBA_CACHE_DIR``) brings a fresh process's first UMAP down to ~0.2 s once
    the cache is filled (see :func:`warm_up_umap`).
    """
    import umap  # slow import (numba): only when asked for
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("umap", "pynndescent") and module is not None:
            for function in list(vars(module).values()):
                if isinstance(function, Dispatcher) and isinstance(function._cache, NullCache):
                    function.enable_caching()
    return umap


def warm_up_umap(lock_path: str | os.PathLike | None = None) -> bool:
    """Run two tiny UMAPs so that numba's on-disk cache holds every function a UMAP needs.

    Meant for a separate process started with the same ``NUMBA_CACHE_DIR`` as the app:
    it never runs numba (or OpenMP) code in the server, whose background jobs are forked.
    With ``lock_path`` only one process warms up at a time; the others return at once.

    Returns
    -------
    bool
        False when another process holds the lock, True once warmed.
    """
    lock = None
    if lock_path is not None:
        lock = open(lock_path, "a")  # noqa: SIM115 - held until the end
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            return False
    try:
        rng = np.random.default_rng(0)
        # Both initialisations: spectral (> 20 items) and random (few items).
        for n_items in (40, 8):
            umap_embedding(rng.normal(size=(n_items, 5)), n_neighbors=5, random_state=0)
    finally:
        if lock is not None:
            lock.close()
    return True
