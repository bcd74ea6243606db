"""Two-dimensional embeddings of the clustered items: PCA, UMAP and t-SNE; for single
cells also UMAP of a given neighbour graph (:func:`umap_from_graph`, as scanpy)."""

from __future__ import annotations

import fcntl
import os
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from ..pp.neighbors import load_umap, neighbors
from .distance import pairwise_distances, square

#: Embedding name -> one sentence for the UI.
EMBEDDINGS = {
    "pca": "PCA: linear projection on the two directions of largest variance; distances "
           "along the axes are meaningful.",
    "umap": "UMAP: non-linear map that keeps neighbours together; good for many items, but "
            "distances between groups are not to scale.",
    "tsne": "t-SNE: non-linear map that keeps close neighbours together; sizes of and "
            "distances between groups are not to scale.",
}

#: scanpy's ``tl.umap`` defaults: min_dist, spread, epochs up to / above 10,000 cells.
SCANPY_UMAP_MIN_DIST = 0.5
_UMAP_SPREAD = 1.0
_UMAP_EPOCHS_SMALL, _UMAP_EPOCHS_LARGE, _UMAP_SMALL = 500, 200, 10_000

#: Above this many cells UMAP of a graph starts from the first two principal components
#: instead of the spectral layout (as scanpy's ``tl.umap(init_pos="X_pca")``): umap-learn's
#: spectral start runs ``eigsh`` with max(2k + 1, sqrt(n)) Lanczos vectors of n float64
#: (8 GB and ~40 % of the whole UMAP's time at a million cells; 0.7 GB at 200,000).
#: umap-learn's "tswspectral" calls the same ``eigsh`` below 2 million items.
UMAP_PCA_INIT_ABOVE = 200_000

#: t-SNE perplexity (sklearn's and scanpy's default), lowered for few items.
TSNE_PERPLEXITY = 30.0


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


def umap_from_graph(connectivities, *, data: np.ndarray | None = None,
                    min_dist: float = SCANPY_UMAP_MIN_DIST, random_state: int = 0) -> Embedding:
    """UMAP layout of a given fuzzy neighbour graph, as scanpy's ``tl.umap``.

    The graph (e.g. the UMAP connectivities of the cells' kNN graph) is laid out by
    umap-learn's ``simplicial_set_embedding`` with scanpy's settings: spectral
    initialisation, spread 1, 500 epochs up to 10,000 cells (200 above), a and b fitted
    to ``min_dist``, numpy's ``RandomState(random_state)``. Above
    :data:`UMAP_PCA_INIT_ABOVE` cells (with ``data``) the layout starts from the first
    two columns of ``data`` instead (see :func:`umap_init`), with a notice.

    Parameters
    ----------
    connectivities : scipy.sparse matrix
        n x n symmetric edge weights; not modified.
    data : numpy.ndarray, optional
        n x d coordinates the graph was built from (principal components first): the
        spectral initialisation falls back on them for a graph in several pieces, and
        above :data:`UMAP_PCA_INIT_ABOVE` cells the first two are the start.
    min_dist : float
        How tightly points may pack (scanpy's default 0.5).
    random_state : int
        Seed; the same seed gives the same map.

    Returns
    -------
    Embedding
        n x 2 float32 coordinates, titles "UMAP1", "UMAP2", the notice of a PCA start.
    """
    from scipy import sparse

    load_umap()
    from umap.umap_ import find_ab_params, simplicial_set_embedding

    graph = sparse.coo_matrix(connectivities, dtype=np.float32)
    n = graph.shape[0]
    points = np.zeros((n, 1), dtype=np.float32) if data is None else np.asarray(
        data, dtype=np.float32)
    a, b = find_ab_params(_UMAP_SPREAD, min_dist)
    epochs = _UMAP_EPOCHS_SMALL if n <= _UMAP_SMALL else _UMAP_EPOCHS_LARGE
    start = umap_init(n, has_data=data is not None and points.shape[1] >= 2)
    notices = ()
    if start == "pca":
        # umap-learn rescales an array start to 0..10 per axis (and jitters duplicates).
        init = np.ascontiguousarray(points[:, :2])
        notices = (f"UMAP started from the first two principal components, not the "
                   f"spectral layout: {n:,} cells is above {UMAP_PCA_INIT_ABOVE:,}, where "
                   f"the spectral start would take {_spectral_start_gb(n):.1f} GB.",)
    else:
        init = start
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)  # spectral fallback notes
        coords, _ = simplicial_set_embedding(
            data=points, graph=graph, n_components=2, initial_alpha=1.0, a=a, b=b,
            gamma=1.0, negative_sample_rate=5, n_epochs=epochs,
            init=init, random_state=np.random.RandomState(random_state),
            metric="euclidean", metric_kwds={}, densmap=False, densmap_kwds={},
            output_dens=False)
    return Embedding(np.asarray(coords, dtype=np.float32), ("UMAP1", "UMAP2"), notices)


def umap_init(n_items: int, *, has_data: bool = True) -> str:
    """How :func:`umap_from_graph` starts the layout of ``n_items`` cells: "random" for
    20 or fewer (the spectral start fails on tiny graphs), "pca" (the first two
    principal components) above :data:`UMAP_PCA_INIT_ABOVE` when the PCs are given,
    "spectral" (scanpy's default) otherwise."""
    if n_items <= 20:
        return "random"
    return "pca" if has_data and n_items > UMAP_PCA_INIT_ABOVE else "spectral"


def _spectral_start_gb(n_items: int) -> float:
    """Memory of umap-learn's spectral start of ``n_items``: its Lanczos vectors."""
    return max(7, int(np.sqrt(n_items))) * n_items * 8 / 1e9


def tsne_embedding(items: np.ndarray, *, perplexity: float = TSNE_PERPLEXITY,
                   random_state: int = 0) -> Embedding:
    """t-SNE of the rows of ``items`` (scikit-learn, Euclidean, PCA initialisation), seeded.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features (n x m), e.g. principal components; not modified.
    perplexity : float
        Effective number of neighbours; lowered to (n - 1) / 3 for few items (with a
        notice), since it must stay below n.
    random_state : int
        Seed; the same seed gives the same map.

    Returns
    -------
    Embedding
        n x 2 float32 coordinates, titles "tSNE1", "tSNE2".
    """
    from sklearn.manifold import TSNE

    values = np.asarray(items, dtype=np.float32)
    n = values.shape[0]
    if n < 4:
        raise ParameterError(f"t-SNE needs at least 4 items; got {n}.")
    used = min(perplexity, (n - 1) / 3)
    notices = () if used == perplexity else (
        f"t-SNE perplexity lowered from {perplexity:g} to {used:.3g}: there are only {n} "
        "items.",)
    with threadpool_limits(limits=1):
        coords = TSNE(n_components=2, perplexity=used, init="pca", random_state=random_state,
                      n_jobs=1).fit_transform(values)
    return Embedding(coords.astype(np.float32), ("tSNE1", "tSNE2"), notices)


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
        # The single-cell path: exact and approximate (pynndescent) neighbours, their
        # connectivities, and UMAP of that graph.
        points = rng.normal(size=(300, 10)).astype(np.float32)
        for exact_below in (10**9, 0):
            graph = neighbors(points, n_neighbors=15, random_state=0,
                              exact_below=exact_below)
        umap_from_graph(graph.connectivities, data=points, random_state=0)
    finally:
        if lock is not None:
            lock.close()
    return True
