"""More clustering methods: DIANA, PAM, fuzzy c-means, Gaussian mixtures, graph clustering.

Each function reproduces the R tool it is named after where one exists (R ``cluster``
2.1.4 ``diana``/``pam``, ``e1071`` 1.7 ``cmeans``, ``mclust`` 6 BIC/ICL conventions) and
returns labels 1..k numbered by first appearance of the items, as R's ``cutree`` does.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from .cluster import number_by_first_appearance
from .distance import square
from .errors import DataError, ParameterError
from .mclust_hc import mclust_start_partitions, mixture_start

#: Method name -> one sentence for the UI.

#: Covariance model -> (mclust name, one sentence for the UI).
COVARIANCES = {
    "full": ("VVV", "Full: each cluster its own ellipsoid (volume, shape and orientation)."),
    "tied": ("EEE", "Tied: all clusters share one ellipsoid."),
    "diag": ("VVI", "Diagonal: axis-aligned ellipsoids, each cluster its own."),
    "spherical": ("VII", "Spherical: round clusters, each with its own size."),
    "spherical_tied": ("EII", "Spherical, equal: round clusters all of the same size."),
}

GRAPH_METHODS = ("leiden", "louvain")

# igraph draws from one process-wide generator: hold this lock while it is swapped for
# a seeded one, so that concurrent callers (Dash worker threads) do not interleave.
_IGRAPH_RNG_LOCK = threading.Lock()


def _square_distances(condensed: np.ndarray, *, minimum_items: int) -> np.ndarray:
    condensed = np.asarray(condensed, dtype=np.float64)
    n = (1 + math.isqrt(1 + 8 * condensed.size)) // 2
    if condensed.ndim != 1 or n * (n - 1) // 2 != condensed.size:
        raise ParameterError("Expected a condensed distance vector (length n (n - 1) / 2), "
                             "as returned by pairwise_distances.")
    if not np.all(np.isfinite(condensed)):
        raise DataError("The distances contain missing or infinite values: remove items "
                        "with missing values (or constant profiles) before clustering.")
    if n < minimum_items:
        raise ParameterError(f"At least {minimum_items} items are needed; got {n}.")
    return square(condensed)


# --- DIANA ----------------------------------------------------------------------------


def diana_tree(condensed: np.ndarray) -> np.ndarray:
    """Divisive hierarchical clustering (DIANA), as R ``as.hclust(cluster::diana(d))``.

    Every cluster of two or more items is split in two (Kaufman & Rousseeuw 1990,
    ch. 6): the item with the largest average dissimilarity to the others starts a
    splinter group, then the item whose average dissimilarity to the rest exceeds its
    average dissimilarity to the splinter group by the most moves over, until no item
    would be closer to the splinter group. The height of a split is the diameter (largest
    dissimilarity) of the cluster split. The splitting and the order of the items follow
    R's C code (``splyt`` in ``cluster/src/twins.c``) step by step, including its
    tie-breaking (first item with the largest value), so that ``cut_tree(tree, k)``
    equals ``cutree(as.hclust(diana(d)), k)``.

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances between n >= 2 items.

    Returns
    -------
    numpy.ndarray
        A scipy linkage matrix, (n - 1) x 4, merges in R's order (increasing heights).
    """
    distances = _square_distances(condensed, minimum_items=2)
    n = distances.shape[0]
    order = np.arange(n)  # R's ner: the item at each position
    height = np.zeros(n)  # R's ban: height at which a position splits from the one before
    blocks = [(0, n)]  # clusters still to split: [start, stop) positions
    while blocks:
        start, stop = blocks.pop()
        members = order[start:stop]
        if stop - start == 2:
            height[start + 1] = distances[members[0], members[1]]
            continue
        first, second = _diana_split(distances, members)
        order[start:stop] = np.concatenate([first, second])
        height[start + len(first)] = distances[np.ix_(members, members)].max()
        blocks.extend((a, b) for a, b in ((start, start + len(first)),
                                          (start + len(first), stop)) if b - a > 1)
    return _diana_merges(order, height)


def _diana_split(distances: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split one cluster as ``splyt``; return (first part, second part) in R's order."""
    within = distances[np.ix_(members, members)]
    m = len(members)
    start = int(np.argmax(_c_sum(within)))  # first of the largest, as R
    rest = [i for i in range(m) if i != start]  # local indices, in R's position order
    splinter = [start]  # kept sorted by item number, as R does
    # Running totals make each step O(m); exact C-order sums settle near-ties only.
    to_rest = within[:, rest].sum(axis=1)
    to_splinter = within[:, start].copy()
    tolerance = 1e-7 * within.max()  # far above the drift of the running totals
    while len(rest) > 1:
        rows = np.array(rest)
        gain = to_rest[rows] / (len(rest) - 1) - to_splinter[rows] / len(splinter)
        top = gain.max()
        if top < -tolerance:
            break
        candidates = np.flatnonzero(gain >= top - tolerance)
        exact = [_c_sum(within[rows[c], rows]) / (len(rest) - 1)
                 - _c_sum(within[rows[c], splinter]) / len(splinter) for c in candidates]
        best = int(np.argmax(exact))
        if exact[best] <= 0:
            break
        moved = rest.pop(int(candidates[best]))
        keys = members[splinter]
        splinter.insert(int(np.searchsorted(keys, members[moved])), moved)
        to_rest -= within[:, moved]
        to_splinter += within[:, moved]
    first, second = members[rest], members[splinter]
    # R puts first the part whose first item has the lower number.
    if first[0] >= second[0]:
        return second, first
    return first, second


def _c_sum(values: np.ndarray) -> np.ndarray:
    """Sums along the last axis added left to right, as R's C loops do (ties depend on it)."""
    values = np.asarray(values)
    if values.shape[-1] == 0:
        return np.zeros(values.shape[:-1])
    return np.cumsum(values, axis=-1)[..., -1]


def _diana_merges(order: np.ndarray, height: np.ndarray) -> np.ndarray:
    """R's merge matrix of ``splyt`` (lowest banner first, last position on ties), as scipy's."""
    n = len(order)
    node = np.arange(n)  # current tree node of each item
    size = np.ones(2 * n - 1)
    used = np.zeros(n, dtype=bool)
    used[0] = True
    tree = np.empty((n - 1, 4))
    for step in range(n - 1):
        candidates = np.flatnonzero(~used)
        lowest = height[candidates].min()
        position = candidates[height[candidates] == lowest][-1]
        used[position] = True
        a, b = node[order[position - 1]], node[order[position]]
        new = n + step
        size[new] = size[a] + size[b]
        tree[step] = (a, b, lowest, size[new])
        node[(node == a) | (node == b)] = new
    return tree


# --- PAM ------------------------------------------------------------------------------


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


# --- fuzzy c-means --------------------------------------------------------------------


@dataclass(frozen=True)
class CmeansResult:
    """Fuzzy c-means: hard labels 1..k, memberships (n x k, column c - 1 is cluster c),
    centres (k x features) and the objective (e1071's ``withinerror``)."""

    labels: np.ndarray
    membership: np.ndarray
    centers: np.ndarray
    objective: float


def fuzzy_cmeans(items: np.ndarray, *, k: int, m: float = 2.0, max_iter: int = 500,
                 tol: float = float(np.sqrt(np.finfo(float).eps)), n_init: int = 10,
                 initial_centers: np.ndarray | None = None,
                 random_state: int = 0) -> CmeansResult:
    """Fuzzy c-means clustering of the rows of ``items``, as R ``e1071::cmeans``.

    Alternates memberships ``u_ic = 1 / sum_j (d_ic / d_ij)^(2 / (m - 1))`` and centres
    (means weighted by ``u^m``) from k distinct random items as starting centres, and stops
    when the objective changes by less than ``tol * (objective + tol)`` (e1071's rule and
    default ``reltol``) or after ``max_iter`` iterations. The objective is e1071's
    ``withinerror``: ``sum_i sum_c u_ic^m d_ic^2 / n`` with squared Euclidean distances
    (e1071 weights every item by 1 / n). R's random starts cannot be reproduced, so
    ``n_init`` seeded starts are run and the lowest objective is kept.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of clusters, 1 <= k <= number of distinct items.
    m : float
        Fuzzifier, > 1: near 1 gives almost hard clusters, larger values softer ones.
    max_iter : int
        Largest number of iterations of one start.
    tol : float
        Relative change of the objective at which a start stops.
    n_init : int
        Number of random starts.
    initial_centers : numpy.ndarray, optional
        k x features starting centres (one run, no random starts), as a matrix
        ``centers`` in e1071; e.g. ``items[idx]`` with R's ``sample(1:n, k)`` rows.
    random_state : int
        Seed: the same seed gives the same result.

    Returns
    -------
    CmeansResult
        Labels are the cluster of largest membership (the first on ties), numbered by
        first appearance; membership columns and centres follow that numbering.
    """
    values = np.asarray(items, dtype=np.float64)
    if not m > 1:
        raise ParameterError(f"The fuzzifier m must be larger than 1; got {m}.")
    if max_iter < 1 or n_init < 1:
        raise ParameterError("max_iter and n_init must be at least 1.")
    distinct = np.unique(values, axis=0)
    if not 1 <= k <= len(distinct):
        raise ParameterError(f"k must be between 1 and the number of distinct items "
                             f"({len(distinct)}); got {k}.")
    if initial_centers is not None:
        starts = [np.asarray(initial_centers, dtype=np.float64)]
        if starts[0].shape != (k, values.shape[1]):
            raise ParameterError(f"initial_centers must be {k} x {values.shape[1]} (k x "
                                 f"features); got {starts[0].shape[0]} x {starts[0].shape[1]}.")
    else:
        rng = np.random.default_rng(random_state)
        starts = [distinct[rng.choice(len(distinct), size=k, replace=False)]
                  for _ in range(n_init)]
    fits = [_cmeans_run(values, centers, m=m, max_iter=max_iter, tol=tol) for centers in starts]
    membership, centers, objective = min(fits, key=lambda fit: fit[2])
    raw = np.argmax(membership, axis=1)
    labels = number_by_first_appearance(raw)
    order = [raw[np.argmax(labels == c)] for c in range(1, k + 1)]
    return CmeansResult(labels, membership[:, order], centers[order], float(objective))


def _cmeans_run(values: np.ndarray, centers: np.ndarray, *, m: float, max_iter: int,
                tol: float) -> tuple[np.ndarray, np.ndarray, float]:
    """One e1071 ``cmeans`` run from the given centres: (membership, centres, objective)."""
    squared = _squared_distances(values, centers)
    membership = _cmeans_membership(squared, m)
    old = _cmeans_objective(membership, squared, m)
    for _ in range(max_iter):
        weights = membership ** m
        centers = (weights.T @ values) / weights.sum(axis=0)[:, None]
        squared = _squared_distances(values, centers)
        membership = _cmeans_membership(squared, m)
        new = _cmeans_objective(membership, squared, m)
        if abs(old - new) < tol * (old + tol):
            break
        old = new
    return membership, centers, new


def _squared_distances(values: np.ndarray, centers: np.ndarray) -> np.ndarray:
    difference = values[:, None, :] - centers[None, :, :]
    return np.einsum("ijk,ijk->ij", difference, difference)


def _cmeans_membership(squared: np.ndarray, m: float) -> np.ndarray:
    zero = squared == 0
    with np.errstate(divide="ignore"):
        inverse = squared ** (-1.0 / (m - 1.0))
    # An item on a centre belongs to it (shared equally between coinciding centres).
    on_center = zero.any(axis=1)
    inverse[on_center] = zero[on_center]
    return inverse / inverse.sum(axis=1, keepdims=True)


def _cmeans_objective(membership: np.ndarray, squared: np.ndarray, m: float) -> float:
    return float(np.sum(membership ** m * squared) / len(squared))


# --- Gaussian mixtures ----------------------------------------------------------------


@dataclass(frozen=True)
class MixtureResult:
    """Gaussian mixture fit: labels 1..k, posterior probabilities (n x k, column c - 1 is
    cluster c) and the criteria in mclust's convention (larger is better)."""

    labels: np.ndarray
    posterior: np.ndarray
    bic: float
    aic: float
    icl: float
    log_likelihood: float
    n_parameters: int


def gaussian_mixture(items: np.ndarray, *, k: int, covariance: str = "full",
                     n_pcs: int | None = None, n_init: int = 5, max_iter: int = 1000,
                     tol: float = 1e-5, random_state: int = 0) -> MixtureResult:
    """Gaussian mixture model of the rows of ``items`` (EM), with mclust's BIC and ICL.

    The criteria follow R ``mclust`` (larger is better, unlike scikit-learn's BIC, which
    is the negative): ``bic = 2 logL - p log(n)``, ``aic = 2 logL - 2 p`` and
    ``icl = bic + 2 sum_i log(max_c posterior_ic)`` (mclust's ``icl``: BIC penalised by
    the entropy of the hard assignment), where ``logL`` is the maximised log-likelihood
    and ``p`` the number of free parameters (means, covariances, k - 1 proportions).

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of mixture components (clusters), 1 <= k <= n.
    covariance : {"full", "tied", "diag", "spherical", "spherical_tied"}
        Covariance model, see :data:`COVARIANCES`; mclust's VVV, EEE, VVI, VII and EII.
        ``"spherical_tied"`` (one variance shared by all clusters) has no scikit-learn
        counterpart and is fitted by this module's own EM.
    n_pcs : int, optional
        Fit on the first ``n_pcs`` principal components (centred, not scaled: R
        ``prcomp(x)``) instead of all features; a mixture in many dimensions needs very
        many parameters.
    n_init : int
        Number of k-means-started EM runs. One more run starts, as mclust's do, from the
        partition into k of its model-based hierarchical agglomeration (``hc``, model
        VVV, on the SVD-transformed items) when there are more items than features and
        at most 3,000 items; the run of largest likelihood is kept.
    max_iter : int
        Largest number of EM iterations of one run.
    tol : float
        EM stops when the mean log-likelihood per item changes by less than this.
    random_state : int
        Seed: the same seed gives the same result.

    Returns
    -------
    MixtureResult
        Labels are the component of largest posterior (the first on ties), numbered by
        first appearance; posterior columns follow that numbering.
    """
    values = _feature_input(items, n_pcs=n_pcs)
    starts = _mclust_starts(values, [k])
    return _fit_mixture(values, k=k, covariance=covariance, n_init=n_init,
                        max_iter=max_iter, tol=tol, random_state=random_state,
                        start=starts.get(k))


def mixture_scan(items: np.ndarray, *, k_range, covariance: str = "full",
                 n_pcs: int | None = None, n_init: int = 5, max_iter: int = 1000,
                 tol: float = 1e-5, random_state: int = 0):
    """BIC, AIC and ICL of Gaussian mixtures for each number of clusters in ``k_range``.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k_range : iterable of int
        Numbers of clusters to fit, e.g. ``range(1, 10)``.
    covariance, n_pcs, n_init, max_iter, tol, random_state
        As for :func:`gaussian_mixture` (the principal components are computed once).

    Returns
    -------
    pandas.DataFrame
        One row per k (index ``k``): ``bic``, ``aic``, ``icl``, ``log_likelihood``,
        ``n_parameters``; all criteria larger-is-better (mclust's convention).
    """
    ks = [int(k) for k in k_range]
    if not ks:
        raise ParameterError("k_range is empty: give at least one number of clusters.")
    values = _feature_input(items, n_pcs=n_pcs)
    starts = _mclust_starts(values, ks)  # one agglomeration serves every k
    rows = []
    for k in ks:
        fit = _fit_mixture(values, k=k, covariance=covariance, n_init=n_init,
                           max_iter=max_iter, tol=tol, random_state=random_state,
                           start=starts.get(k))
        rows.append({"k": k, "bic": fit.bic, "aic": fit.aic, "icl": fit.icl,
                     "log_likelihood": fit.log_likelihood, "n_parameters": fit.n_parameters})
    return pd.DataFrame(rows).set_index("k")


def _feature_input(items: np.ndarray, *, n_pcs: int | None) -> np.ndarray:
    values = np.asarray(items, dtype=np.float64)
    if values.ndim != 2 or not np.all(np.isfinite(values)):
        raise DataError("The values to cluster must be a finite items x features table: "
                        "remove items with missing values.")
    if n_pcs is None:
        return values
    return _principal_components(values, n_pcs)


def _principal_components(values: np.ndarray, n_pcs: int) -> np.ndarray:
    largest = min(values.shape)
    if not 1 <= n_pcs <= largest:
        raise ParameterError(f"n_pcs must be between 1 and {largest} (the smaller of the "
                             f"numbers of items and features); got {n_pcs}.")
    with threadpool_limits(limits=1):
        return PCA(n_components=n_pcs, svd_solver="full").fit_transform(values)


#: Largest number of items given mclust's start (its agglomeration keeps n x n costs).
_HC_MAX_ITEMS = 3000


def _mclust_starts(values: np.ndarray, ks) -> dict[int, np.ndarray]:
    """mclust's starting partitions (labels 0..k-1) for each k >= 2 in ``ks``; none
    when mclust would not use its VVV agglomeration (items <= features) or when there
    are too many items."""
    n, d = values.shape
    wanted = [k for k in ks if 2 <= k <= n]
    if not wanted or n <= d or n > _HC_MAX_ITEMS:
        return {}
    with threadpool_limits(limits=1):
        return mclust_start_partitions(values, wanted)


def _fit_mixture(values: np.ndarray, *, k: int, covariance: str, n_init: int,
                 max_iter: int, tol: float, random_state: int,
                 start: np.ndarray | None = None) -> MixtureResult:
    n = values.shape[0]
    if covariance not in COVARIANCES:
        raise ParameterError(f"Unknown covariance model '{covariance}'. Choose one of: "
                             f"{', '.join(COVARIANCES)}.")
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of items ({n}); got {k}.")
    if n_init < 1:
        raise ParameterError("n_init must be at least 1.")
    # One thread: small BLAS calls and k-means starts oversubscribe small machines.
    with threadpool_limits(limits=1):
        if covariance == "spherical_tied":
            posterior, log_likelihood, n_parameters = _equal_spherical_mixture(
                values, k=k, n_init=n_init, max_iter=max_iter, tol=tol,
                random_state=random_state, start=start)
        else:
            models = [GaussianMixture(n_components=k, covariance_type=covariance,
                                      n_init=n_init, max_iter=max_iter, tol=tol,
                                      random_state=random_state).fit(values)]
            if start is not None:  # mclust's start; kept on equal likelihood
                try:
                    models.insert(0, GaussianMixture(
                        n_components=k, covariance_type=covariance, max_iter=max_iter,
                        tol=tol, random_state=random_state,
                        **mixture_start(values, start, covariance)).fit(values))
                except ValueError:  # a component collapsed: the k-means starts stand
                    pass
            scores = [model.score(values) for model in models]
            model = models[int(np.argmax(scores))]
            posterior = model.predict_proba(values)
            log_likelihood = float(max(scores) * n)
            n_parameters = _mixture_parameters(covariance, k, values.shape[1])
    raw = np.argmax(posterior, axis=1)
    labels = number_by_first_appearance(raw)
    order = [raw[np.argmax(labels == c)] for c in range(1, len(np.unique(raw)) + 1)]
    # Components that win no item keep their posterior columns, after the others.
    order += [c for c in range(k) if c not in order]
    bic = 2 * log_likelihood - n_parameters * np.log(n)
    icl = bic + 2 * float(np.sum(np.log(posterior.max(axis=1))))
    return MixtureResult(labels, posterior[:, order], float(bic),
                         float(2 * log_likelihood - 2 * n_parameters), float(icl),
                         log_likelihood, n_parameters)


def _mixture_parameters(covariance: str, k: int, d: int) -> int:
    """Free parameters: k means, the covariance model's entries, k - 1 proportions."""
    covariances = {"full": k * d * (d + 1) // 2, "tied": d * (d + 1) // 2, "diag": k * d,
                   "spherical": k, "spherical_tied": 1}[covariance]
    return k * d + covariances + k - 1


def _equal_spherical_mixture(values: np.ndarray, *, k: int, n_init: int, max_iter: int,
                             tol: float, random_state: int,
                             start: np.ndarray | None = None) -> tuple[np.ndarray, float, int]:
    """EM for mclust's EII model (one variance for all clusters and dimensions).

    Returns (posterior, log-likelihood, number of parameters) of the best of ``n_init``
    runs, each started, like scikit-learn's, from a k-means partition, and one from
    ``start`` (labels 0..k-1) when given (kept on equal likelihood).
    """
    n, d = values.shape
    seeds = np.random.default_rng(random_state).integers(0, 2**31 - 1, size=n_init)
    partitions = [] if start is None else [start]
    partitions += [KMeans(n_clusters=k, n_init=1, random_state=int(seed)).fit_predict(values)
                   for seed in seeds]
    best = None
    for partition in partitions:
        posterior = np.eye(k)[partition]
        previous = -np.inf
        for _ in range(max_iter):
            log_density, log_likelihood = _equal_spherical_step(values, posterior)
            posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
            posterior /= posterior.sum(axis=1, keepdims=True)
            if abs(log_likelihood - previous) < tol * n:
                break
            previous = log_likelihood
        if best is None or log_likelihood > best[1]:
            best = (posterior, log_likelihood)
    return best[0], float(best[1]), _mixture_parameters("spherical_tied", k, d)


def _equal_spherical_step(values: np.ndarray, posterior: np.ndarray) -> tuple[np.ndarray, float]:
    """M-step (means, shared variance, proportions), then the E-step's log densities."""
    n, d = values.shape
    sizes = posterior.sum(axis=0) + 10 * np.finfo(float).eps
    means = posterior.T @ values / sizes[:, None]
    squared = _squared_distances(values, means)
    variance = float(np.sum(posterior * squared)) / (n * d) + 1e-6  # 1e-6: as reg_covar
    log_density = (np.log(sizes / n) - 0.5 * d * np.log(2 * np.pi * variance)
                   - squared / (2 * variance))
    top = log_density.max(axis=1, keepdims=True)
    log_likelihood = float(np.sum(top[:, 0] + np.log(np.exp(log_density - top).sum(axis=1))))
    return log_density, log_likelihood


# --- graph clustering -----------------------------------------------------------------


# Edges whose shared neighbours are counted at once (bounds an edges x k x k array).
_EDGE_BLOCK = 20_000


@dataclass(frozen=True)
class GraphResult:
    """Graph clustering: labels 1..n_clusters and the weighted kNN graph clustered
    (``graph_edges``: m x 2 item indices, i < j; ``edge_weights``: m Jaccard weights);
    ``notices`` says what was changed on the way (e.g. fewer neighbours, see
    :func:`adapted_neighbors`)."""

    labels: np.ndarray
    n_clusters: int
    graph_edges: np.ndarray
    edge_weights: np.ndarray
    notices: tuple[str, ...] = ()


def adapted_neighbors(n_items: int, n_neighbors: int) -> tuple[int, tuple[str, ...]]:
    """The neighbours per item the kNN graph of a small study uses, and a notice when
    that is fewer than asked.

    At most one in five items (rounded, at least 2, at most ``n_items - 1``): a group
    can only stand apart in the graph if its items find their neighbours inside it, so
    with 15 neighbours (scanpy's and, less the item itself, Seurat's default, made for
    thousands of cells) 16 samples in 4 groups of 4 are one cluster, and 10 samples
    are too few to build the graph. With n / 5, groups of more than a fifth of the
    study keep their neighbourhoods (4-5 balanced groups); on simulated studies of 8-40
    samples in 2-5 groups this recovered the groups more often than sqrt(n) did, since
    modularity at resolution 1 cuts sparse graphs of large groups. From 75 items up the
    requested number is used as it is.

    Parameters
    ----------
    n_items : int
        Items in the graph (>= 2).
    n_neighbors : int
        Neighbours asked for.

    Returns
    -------
    tuple
        (neighbours used, notices: empty or one sentence for the user).
    """
    used = min(n_neighbors, max(2, round(n_items / 5)), n_items - 1)
    if used == n_neighbors:
        return used, ()
    return used, (f"The kNN graph uses {used} neighbours per item instead of {n_neighbors}: "
                  f"the study has only {n_items} items, and a group stands apart only if "
                  "its items find their neighbours inside it (at most one neighbour per "
                  "five items is used).",)


def knn_graph(items: np.ndarray, *, n_neighbors: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Shared-nearest-neighbour graph of the rows of ``items`` (Euclidean).

    Each item is joined to its ``n_neighbors`` nearest items (either direction makes an
    edge); an edge is weighted by the Jaccard index of the two items' neighbourhoods
    (each counting the item itself), as PhenoGraph and Seurat do. Shared neighbours
    down-weight the chance edges between groups that plain kNN edges give the same
    weight as edges within a group, and need no bandwidth to tune.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    n_neighbors : int
        Neighbours per item, 1 <= n_neighbors < number of items.

    Returns
    -------
    tuple of numpy.ndarray
        ``edges`` (m x 2, i < j, sorted) and ``weights`` (m, in (0, 1]).
    """
    values = np.asarray(items, dtype=np.float64)
    n = values.shape[0]
    if not 1 <= n_neighbors < n:
        raise ParameterError(f"n_neighbors must be between 1 and the number of items - 1 "
                             f"({n - 1}); got {n_neighbors}.")
    # Brute force: for tens of dimensions it is ~6x faster than the default tree search.
    neighbours = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute").fit(
        values).kneighbors(
        return_distance=False)
    # Undirected edges i < j, each once, encoded as one integer for a fast unique.
    source = np.repeat(np.arange(n, dtype=np.int64), n_neighbors)
    target = neighbours.ravel().astype(np.int64)
    codes = np.unique(np.minimum(source, target) * n + np.maximum(source, target))
    edges = np.column_stack([codes // n, codes % n])
    # Neighbourhoods include the item itself, so that two mutual neighbours share >= 2.
    members = np.column_stack([np.arange(n), neighbours])
    shared = np.empty(len(edges))
    for start in range(0, len(edges), _EDGE_BLOCK):
        a = members[edges[start:start + _EDGE_BLOCK, 0]]
        b = members[edges[start:start + _EDGE_BLOCK, 1]]
        shared[start:start + _EDGE_BLOCK] = (a[:, :, None] == b[:, None, :]).sum(axis=(1, 2))
    weights = shared / (2 * (n_neighbors + 1) - shared)
    return edges, weights


def graph_clusters(items: np.ndarray, *, method: str = "leiden", n_neighbors: int = 15,
                   resolution: float = 1.0, n_pcs: int | None = None,
                   random_state: int = 0, adapt_neighbors: bool = True) -> GraphResult:
    """Community detection (Leiden or Louvain, modularity) on a shared-neighbour kNN graph.

    The number of clusters is not chosen beforehand: a larger ``resolution`` gives more,
    smaller clusters (in few dimensions, e.g. a handful of principal components, even a
    single round blob may be cut in pieces at resolution 1: lower it). The graph is
    :func:`knn_graph` on the items (or their first ``n_pcs`` principal components); the
    communities are python-igraph's ``community_leiden`` (modularity objective, iterated
    until stable) or ``community_multilevel`` (Louvain), both weighted. igraph's random
    generator is replaced by one seeded with ``random_state`` during the call and then
    reset to igraph's default (Python's ``random`` module, whose state is not touched).

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    method : {"leiden", "louvain"}
        Community algorithm.
    n_neighbors : int
        Neighbours per item in the graph; more gives fewer, larger clusters. Lowered
        for small studies (see :func:`adapted_neighbors`, said in ``notices``).
    resolution : float
        Modularity resolution (> 0); 1 is standard modularity.
    n_pcs : int, optional
        Build the graph on the first ``n_pcs`` principal components.
    random_state : int
        Seed: the same seed gives the same result.
    adapt_neighbors : bool
        Lower ``n_neighbors`` for small studies (default); False uses it as given.

    Returns
    -------
    GraphResult
    """
    if method not in GRAPH_METHODS:
        raise ParameterError(f"Unknown graph clustering method '{method}'. Choose one of: "
                             f"{', '.join(GRAPH_METHODS)}.")
    if not resolution > 0:
        raise ParameterError(f"The resolution must be positive; got {resolution}.")
    try:
        import igraph
    except ImportError as error:  # an optional dependency of the core
        raise ParameterError("Graph clustering needs the python-igraph package: "
                             "pip install igraph.") from error
    values = _feature_input(items, n_pcs=n_pcs)
    if len(values) < 3:
        raise ParameterError(f"Graph clustering needs at least 3 items; got {len(values)}.")
    notices = ()
    if adapt_neighbors:
        n_neighbors, notices = adapted_neighbors(len(values), n_neighbors)
    edges, weights = knn_graph(values, n_neighbors=n_neighbors)
    graph = igraph.Graph(n=len(values))
    graph.add_edges(edges)  # much faster from an array than Graph(edges=...)
    with _IGRAPH_RNG_LOCK:
        igraph.set_random_number_generator(random.Random(random_state))
        try:
            if method == "leiden":
                communities = graph.community_leiden(
                    objective_function="modularity", weights=weights, resolution=resolution,
                    n_iterations=-1)
            else:
                communities = graph.community_multilevel(weights=weights,
                                                         resolution=resolution)
        finally:
            igraph.set_random_number_generator(random)  # igraph's default generator
    labels = number_by_first_appearance(np.asarray(communities.membership))
    return GraphResult(labels, int(labels.max()), edges, weights, notices)
