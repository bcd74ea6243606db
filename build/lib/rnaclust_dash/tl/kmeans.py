"""K-means (scikit-learn, float64) with labels numbered by first appearance."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .labels import number_by_first_appearance


KMEANS_INITS = ("k-means++", "random")


@dataclass(frozen=True)
class KMeansResult:
    """Labels (1..k, numbered by first appearance), centres and inertia of k-means."""

    labels: np.ndarray
    centers: np.ndarray
    inertia: float


def kmeans(items: np.ndarray, *, k: int, init: str = "k-means++", n_init: int = 10,
           random_state: int = 0, minibatch: bool = False,
           limit_threads: bool = True) -> KMeansResult:
    """K-means clustering (scikit-learn, Lloyd) of the rows of ``items``.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of clusters.
    init : {"k-means++", "random"}
        How the first centres are chosen.
    n_init : int
        Number of starts; the best (lowest inertia) is kept.
    random_state : int
        Seed: the same seed gives the same result.
    minibatch : bool
        Mini-batch k-means (Sculley 2010): much faster on many items, slightly worse
        optima.
    limit_threads : bool
        Run on one BLAS/OpenMP thread. Entering the limit costs ~6 ms, more than a small
        k-means: loops that fit many times (choose-k, stability) enter it once around all
        their fits and pass False. The result is the same either way.

    Returns
    -------
    KMeansResult
    """
    if init not in KMEANS_INITS:
        raise ParameterError(f"Unknown k-means init '{init}'. Choose one of: {', '.join(KMEANS_INITS)}.")
    # One thread: on small machines the BLAS/OpenMP pools oversubscribe and k-means
    # runs several times slower with the defaults.
    with threadpool_limits(limits=1) if limit_threads else nullcontext():
        kind = MiniBatchKMeans if minibatch else KMeans
        model = kind(n_clusters=k, init=init, n_init=n_init, random_state=random_state)
        raw = model.fit_predict(np.asarray(items, dtype=np.float64))
    found = len(np.unique(raw))
    if found < k:
        raise ParameterError(
            f"K-means found only {found} distinct {'cluster' if found == 1 else 'clusters'} "
            f"for k = {k}: the data has fewer "
            f"than {k} distinct items. Lower k.")
    labels = number_by_first_appearance(raw)
    # Reorder the centres to follow the renumbered labels.
    order = [raw[np.argmax(labels == c)] for c in range(1, k + 1)]
    return KMeansResult(labels, model.cluster_centers_[order], float(model.inertia_))
