"""PAM (partitioning around medoids, k-medoids), as R ``cluster::pam`` (cluster 2.1.4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ._common import _c_sum, _square_distances
from .labels import number_by_first_appearance


@dataclass(frozen=True)
class PamResult:
    """PAM clustering: labels 1..k, medoid indices (medoids[c - 1] is cluster c's) and
    the objective (mean distance of the items to their medoid, R's ``objective["swap"]``)."""

    labels: np.ndarray
    medoids: np.ndarray
    objective: float


# Rows of the n x n distance matrix handled at once, to bound the temporary arrays.
_PAM_BLOCK = 512


def pam(condensed: np.ndarray, *, k: int) -> PamResult:
    """Partitioning around medoids, exactly as R ``cluster::pam(d, k)`` (BUILD then SWAP).

    BUILD adds, k times, the item that most decreases the total distance of all items to
    their nearest medoid (the last such item on ties); SWAP then repeatedly makes the
    single medoid/non-medoid exchange that decreases that total the most (the first
    non-medoid, then the first medoid, on ties), while the decrease is larger than R's
    tolerance ``16 * machine epsilon * total``. This follows R's C code (``bswap`` with
    ``pamonce = 0``, the default, in ``cluster/src/pam.c``) so the medoids are R's. Items
    join their nearest medoid (the lowest-numbered one on ties).

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances between n items.
    k : int
        Number of clusters, 1 <= k < n.

    Returns
    -------
    PamResult
    """
    distances = _square_distances(condensed, minimum_items=2)
    n = distances.shape[0]
    if not 1 <= k < n:
        raise ParameterError(f"k must be between 1 and the number of items - 1 ({n - 1}); "
                             f"got {k}.")
    is_medoid = _pam_build(distances, k)
    if k > 1:
        is_medoid = _pam_swap(distances, is_medoid)
    medoids = np.flatnonzero(is_medoid)
    nearest = medoids[np.argmin(distances[medoids], axis=0)]  # first medoid on ties
    nearest[medoids] = medoids
    labels = number_by_first_appearance(nearest)
    ordered = np.array([nearest[np.argmax(labels == c)] for c in range(1, k + 1)])
    objective = float(distances[nearest, np.arange(n)].mean())
    return PamResult(labels, ordered, objective)


def _pam_build(distances: np.ndarray, k: int) -> np.ndarray:
    n = distances.shape[0]
    # R starts from a distance larger than all: 1.1 * max + 1.
    nearest = np.full(n, distances.max() * 1.1 + 1.0)
    is_medoid = np.zeros(n, dtype=bool)
    for _ in range(k):
        gain = np.empty(n)
        for block in range(0, n, _PAM_BLOCK):
            rows = distances[block:block + _PAM_BLOCK]
            gain[block:block + _PAM_BLOCK] = _c_sum(np.maximum(nearest - rows, 0.0))
        gain[is_medoid] = -np.inf
        new = n - 1 - int(np.argmax(gain[::-1]))  # R takes the last of the best
        is_medoid[new] = True
        nearest = np.minimum(nearest, distances[new])
    return is_medoid


def _pam_swap(distances: np.ndarray, is_medoid: np.ndarray) -> np.ndarray:
    n = distances.shape[0]
    is_medoid = is_medoid.copy()
    total = _c_sum(_pam_nearest_two(distances, np.flatnonzero(is_medoid))[0])
    tolerance = 1e-9 * n * distances.max()
    while True:
        medoids = np.flatnonzero(is_medoid)
        first, second = _pam_nearest_two(distances, medoids)
        change = _pam_swap_changes(distances, medoids, first, second)
        change[medoids] = np.inf
        # The fast sums are rounded differently from R's: recompute the near-best ones
        # as R does, then take the first h, then the first medoid, on ties (as R).
        candidates = np.flatnonzero(change.ravel() <= change.min() + tolerance)
        exact = [_pam_swap_change_exact(distances, medoids[c], h, first, second)
                 for h, c in (divmod(int(i), len(medoids)) for i in candidates)]
        h, c = divmod(int(candidates[int(np.argmin(exact))]), len(medoids))
        best = min(exact)
        # R's tolerance: "< 0" looped forever swapping identical items.
        if not best < -16 * np.finfo(float).eps * abs(total):
            return is_medoid
        is_medoid[medoids[c]] = False
        is_medoid[h] = True
        total += best


def _pam_swap_changes(distances: np.ndarray, medoids: np.ndarray, first: np.ndarray,
                      second: np.ndarray) -> np.ndarray:
    """change[h, c]: change of the total distance when medoid c is replaced by item h."""
    n = distances.shape[0]
    change = np.empty((n, len(medoids)))
    # Item j moves to h when h is closer than its medoid (the same for every c) or,
    # when c was its medoid, to h or to its second nearest medoid.
    lost = [np.flatnonzero(distances[medoid] == first) for medoid in medoids]
    for block in range(0, n, _PAM_BLOCK):
        rows = distances[block:block + _PAM_BLOCK]
        closer = np.minimum(rows - first, 0.0)
        common = closer.sum(axis=1)
        for c, items in enumerate(lost):
            replaced = np.minimum(rows[:, items], second[items]) - first[items]
            change[block:block + _PAM_BLOCK, c] = (
                common + replaced.sum(axis=1) - closer[:, items].sum(axis=1))
    return change


def _pam_swap_change_exact(distances: np.ndarray, medoid: int, h: int, first: np.ndarray,
                           second: np.ndarray) -> float:
    """One swap's change computed term by term in R's order (``T_ih`` in ``bswap``)."""
    to_h = distances[h]
    # R's test: d(c, j) equals j's nearest distance (so ties count for every such c).
    lost = distances[medoid] == first
    terms = np.where(lost, np.minimum(second, to_h) - first, np.minimum(to_h - first, 0.0))
    return float(_c_sum(terms))


def _pam_nearest_two(distances: np.ndarray, medoids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance of every item to its nearest and second-nearest medoid (R's dysma, dysmb)."""
    to_medoids = distances[medoids]
    if len(medoids) == 1:
        return to_medoids[0], np.full(distances.shape[0], distances.max() * 1.1 + 1.0)
    two = np.partition(to_medoids, 1, axis=0)
    return two[0], two[1]
