"""Choosing the number of clusters: index scans over k, the gap statistic, cluster trees.

Every function takes the clustering method as a ``cluster_fn(data, k, random_state) ->
labels`` callable, so any method plugs in; those of the method registry are
:class:`~rnaclust_dash.tl.methods.MethodFn` (picklable, so a background worker can
receive them; tree methods build their tree once when several k are asked of the same
data, :func:`labels_over_k`). :func:`hierarchical_fn` and :func:`kmeans_fn` are
shortcuts for the two most used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist, squareform
from threadpoolctl import threadpool_limits

from .cluster import KMEANS_INITS, LINKAGES
from .errors import ParameterError
from .tl.methods import REGISTRY, MethodFn, method_fn
from .validate import validation_indices

#: ``cluster_fn(data, k, random_state) -> labels``: ``data`` is items x features, or a
#: square distance matrix for methods that work on distances (``cluster_input="distances"``).
ClusterFn = Callable[[np.ndarray, int, int], np.ndarray]
#: ``progress(done, total)``, called after each unit of work.
Progress = Callable[[int, int], None]
#: ``should_stop()``: True asks a long loop to stop and return what it has.
ShouldStop = Callable[[], bool]

CLUSTER_INPUTS = ("items", "distances")

#: Index -> the rule :func:`suggest_k` uses to pick k.
SUGGESTION_RULES = {
    "silhouette": "k with the largest mean silhouette width.",
    "calinski_harabasz": "k with the largest Calinski-Harabasz index.",
    "davies_bouldin": "k with the smallest Davies-Bouldin index.",
    "elbow": "k whose WSS lies farthest below the straight line joining the WSS of the "
             "smallest and largest k scanned.",
}

GAP_SPACES = ("scaledPCA", "original")

MAX_SE_METHODS = ("firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax")


# --- ready-made clustering functions --------------------------------------------------------

class HierarchicalFn(MethodFn):
    """Hierarchical clustering of the registry cut into k clusters, as a ``cluster_fn``
    (a type of its own: its cuts of one tree nest). ``metric`` is a distance computed
    from items x features, or ``"precomputed"`` for a square distance matrix."""


class KMeansFn(MethodFn):
    """K-means of the registry (scikit-learn, float64, labels by first appearance) as a
    ``cluster_fn`` on items x features: the same fit as the analysis on screen."""


def hierarchical_fn(*, linkage: str = "average", metric: str = "euclidean") -> HierarchicalFn:
    """A ``cluster_fn`` for hierarchical clustering (see :class:`HierarchicalFn`)."""
    if linkage not in LINKAGES:
        raise ParameterError(f"Unknown linkage '{linkage}'. Choose one of: "
                             f"{', '.join(LINKAGES)}.")
    generic = method_fn(REGISTRY["hierarchical"], {"linkage": linkage}, metric=metric)
    return HierarchicalFn(generic.method, generic.settings, generic.metric)


def kmeans_fn(*, n_init: int = 10, init: str = "k-means++") -> KMeansFn:
    """A ``cluster_fn`` for k-means with ``n_init`` starts (see :class:`KMeansFn`)."""
    if init not in KMEANS_INITS:
        raise ParameterError(f"Unknown k-means init '{init}'. Choose one of: "
                             f"{', '.join(KMEANS_INITS)}.")
    generic = method_fn(REGISTRY["kmeans"], {"n_init": n_init, "kmeans_init": init})
    return KMeansFn(generic.method, generic.settings, generic.metric)


def labels_over_k(data: np.ndarray, *, k_values: Sequence[int], cluster_fn: ClusterFn,
                  random_state: int = 0) -> dict[int, np.ndarray]:
    """Cluster ``data`` once for each k.

    Uses ``cluster_fn.labels_for_ks`` when it has one (one tree for every k), otherwise
    calls ``cluster_fn(data, k, random_state)`` for each k.

    Returns
    -------
    dict
        k -> labels (numpy array, one per item).
    """
    many = getattr(cluster_fn, "labels_for_ks", None)  # None: no tree to share
    if many is not None:
        return {k: np.asarray(labels) for k, labels in many(data, list(k_values),
                                                            random_state).items()}
    return {k: np.asarray(cluster_fn(data, k, random_state)) for k in k_values}


def _check_cluster_input(cluster_input: str, condensed: np.ndarray | None) -> None:
    if cluster_input not in CLUSTER_INPUTS:
        raise ParameterError(f"Unknown cluster input '{cluster_input}'. Choose one of: "
                             f"{', '.join(CLUSTER_INPUTS)}.")
    if cluster_input == "distances" and condensed is None:
        raise ParameterError("Clustering on distances needs the distances (condensed).")


def _codes(labels: np.ndarray) -> tuple[int, np.ndarray]:
    """Number of distinct labels and the labels as codes 0..k-1."""
    uniques, codes = np.unique(np.asarray(labels), return_inverse=True)
    return len(uniques), codes.reshape(-1)


# --- index scan -----------------------------------------------------------------------------

def within_sum_of_squares(items: np.ndarray, labels: np.ndarray) -> float:
    """Total within-cluster sum of squared Euclidean distances to the cluster means."""
    items = np.asarray(items, dtype=np.float64)
    n_clusters, codes = _codes(labels)
    counts = np.bincount(codes, minlength=n_clusters)
    sums = np.zeros((n_clusters, items.shape[1]))
    np.add.at(sums, codes, items)
    residuals = items - (sums / counts[:, None])[codes]
    return float(np.einsum("ij,ij->", residuals, residuals))


def k_scan(items: np.ndarray, *, k_values: Sequence[int], cluster_fn: ClusterFn,
           condensed: np.ndarray | None = None, cluster_input: str = "items",
           labels_by_k: dict[int, np.ndarray] | None = None, random_state: int = 0,
           progress: Progress | None = None,
           should_stop: ShouldStop | None = None) -> pd.DataFrame:
    """Validation indices of the partition into k clusters, for each k.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features, the values as clustered (WSS, Calinski-Harabasz and
        Davies-Bouldin are Euclidean on these).
    k_values : sequence of int
        The numbers of clusters to try (k = 1 gives WSS only).
    cluster_fn : callable
        ``cluster_fn(data, k, random_state) -> labels``.
    condensed : numpy.ndarray, optional
        Condensed distances between the items, for the silhouette (and for the clustering
        when ``cluster_input="distances"``). Default: Euclidean distances of ``items``.
    cluster_input : {"items", "distances"}
        What ``cluster_fn`` receives: the items, or the square matrix of ``condensed``.
    labels_by_k : dict, optional
        Labels already computed (k -> labels, e.g. by :func:`labels_over_k`); used instead
        of clustering again for the k they hold.
    random_state : int
        Seed passed to ``cluster_fn``.
    progress : callable, optional
        ``progress(done, total)`` after each k.
    should_stop : callable, optional
        Checked before each k; when it returns True the rows done so far are returned.

    Returns
    -------
    pandas.DataFrame
        One row per k: ``k``, ``wss``, ``silhouette`` (mean width), ``calinski_harabasz``,
        ``davies_bouldin``; the indices are NaN when the partition has fewer than 2 or as
        many clusters as items.
    """
    _check_cluster_input(cluster_input, condensed)
    items = np.asarray(items, dtype=np.float64)
    if condensed is None:
        condensed = pdist(items)
    k_values = sorted(int(k) for k in k_values)
    known = dict(labels_by_k or {})
    missing = [k for k in k_values if k not in known]
    data = squareform(condensed, checks=False) if cluster_input == "distances" else items
    # One tree cut at every k: cheaper than a tree per k (not interruptible, but quick).
    if missing and getattr(cluster_fn, "labels_for_ks", None) is not None:
        known.update(labels_over_k(data, k_values=missing, cluster_fn=cluster_fn,
                                   random_state=random_state))
    rows = []
    with threadpool_limits(limits=1):  # once for every k-means call (see KMeansFn)
        for done, k in enumerate(k_values):
            if should_stop is not None and should_stop():
                break
            if k in known:
                labels = known[k]
            else:
                labels = np.asarray(cluster_fn(data, k, random_state))
            rows.append({"k": k, "wss": within_sum_of_squares(items, labels),
                         **validation_indices(items, condensed, labels)})
            if progress is not None:
                progress(done + 1, len(k_values))
    return pd.DataFrame(rows, columns=["k", "wss", "silhouette", "calinski_harabasz",
                                       "davies_bouldin"])


def elbow_k(k_values: Sequence[int], wss: Sequence[float]) -> int:
    """The elbow of a WSS curve: the k farthest below the chord from the first to the last.

    The distance to the chord is measured perpendicular to it; it is proportional to the
    vertical gap (chord minus WSS), so the choice does not depend on the axes' scales.
    """
    k = np.asarray(k_values, dtype=np.float64)
    w = np.asarray(wss, dtype=np.float64)
    order = np.argsort(k)
    k, w = k[order], w[order]
    if len(k) < 3:
        return int(k[0])
    chord = w[0] + (w[-1] - w[0]) * (k - k[0]) / (k[-1] - k[0])
    return int(k[np.argmax(chord - w)])


def suggest_k(table: pd.DataFrame) -> dict:
    """The k each index of a :func:`k_scan` table suggests (rules: :data:`SUGGESTION_RULES`).

    Largest mean silhouette, largest Calinski-Harabasz, smallest Davies-Bouldin, and the
    WSS elbow (:func:`elbow_k`). Ties go to the smallest k; rows with NaN are skipped.

    Returns
    -------
    dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``elbow`` -> k (int), or
        None when no row has a value.
    """
    table = table.sort_values("k")

    def pick(column: str, best: str) -> int | None:
        valid = table.dropna(subset=[column])
        if valid.empty:
            return None
        values = valid[column].to_numpy()
        position = np.argmax(values) if best == "max" else np.argmin(values)
        return int(valid["k"].iloc[position])

    with_wss = table.dropna(subset=["wss"])
    return {"silhouette": pick("silhouette", "max"),
            "calinski_harabasz": pick("calinski_harabasz", "max"),
            "davies_bouldin": pick("davies_bouldin", "min"),
            "elbow": elbow_k(with_wss["k"], with_wss["wss"]) if len(with_wss) else None}


# --- gap statistic --------------------------------------------------------------------------

def within_dispersion(items: np.ndarray, labels: np.ndarray, *, d_power: int = 1) -> float:
    """W(k) of R ``cluster::clusGap``: ``0.5 * sum_r sum_{i<j in r} d_ij^p / n_r``.

    ``d`` is the Euclidean distance. With ``d_power=2`` this is half the within-cluster
    sum of squares (Tibshirani et al. 2001 up to the factor); ``d_power=1`` (R's default)
    sums the distances themselves.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    labels : numpy.ndarray
        Cluster of each item.
    d_power : {1, 2}
        Power of the distances.

    Returns
    -------
    float
    """
    items = np.asarray(items, dtype=np.float64)
    _, codes = _codes(labels)
    total = 0.0
    for code in np.unique(codes):
        members = items[codes == code]
        members = members - members.mean(axis=0)  # centring keeps the Gram trick accurate
        if d_power == 2:
            # sum_{i<j} d_ij^2 = n * (sum of squares about the mean)
            total += 0.5 * float(np.einsum("ij,ij->", members, members))
        elif d_power == 1:
            total += 0.5 * _sum_pair_distances(members) / len(members)
        else:
            raise ParameterError(f"d_power must be 1 or 2; got {d_power}.")
    return total


def _sum_pair_distances(points: np.ndarray, *, max_pdist_items: int = 4096,
                        block_entries: int = 4_000_000) -> float:
    """Sum of the Euclidean distances over the unordered pairs of rows."""
    n = len(points)
    if n < 2:
        return 0.0
    if n <= max_pdist_items:  # at most 8.4 million distances (67 MB)
        return float(pdist(points).sum())
    # Larger: blocks of rows against all rows through the Gram matrix, in bounded memory.
    squares = np.einsum("ij,ij->i", points, points)
    rows_per_block = max(1, block_entries // n)
    total = 0.0
    for start in range(0, n, rows_per_block):
        block = points[start:start + rows_per_block]
        d2 = squares[start:start + len(block), None] + squares[None, :] - 2.0 * block @ points.T
        np.maximum(d2, 0.0, out=d2)
        # The diagonal is 0 in exact arithmetic: zero it so rounding adds nothing.
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = 0.0
        total += float(np.sqrt(d2).sum())
    return total / 2.0  # each pair was counted from both ends


def _reference_space(items: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Centred items in the space the reference sets are drawn in, and the rotation back."""
    centred = items - items.mean(axis=0)
    if space == "original":
        return centred, None
    # scaledPCA: the principal axes of the centred data (R: svd(xs, nu = 0)$v)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt.T, vt


def gap_statistic(items: np.ndarray, *, k_max: int = 10, n_refs: int = 50,
                  cluster_fn: ClusterFn | None = None, space: str = "scaledPCA",
                  d_power: int = 1, random_state: int = 0,
                  progress: Progress | None = None,
                  should_stop: ShouldStop | None = None) -> pd.DataFrame:
    """Gap statistic for k = 1..k_max, as R ``cluster::clusGap`` (cluster 2.1.4).

    For the data and for each of ``n_refs`` reference sets drawn uniformly in the range of
    each column, ``logW(k) = log W(k)`` (:func:`within_dispersion`); ``E.logW`` is the mean
    over the reference sets, ``gap = E.logW - logW`` and
    ``SE.sim = sqrt(1 + 1/B) * sd(logW*)`` (``sd`` with ``n - 1``). k = 1 is one cluster.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k_max : int
        Largest k (at least 2).
    n_refs : int
        Number of reference sets (R's ``B``).
    cluster_fn : callable, optional
        ``cluster_fn(items, k, random_state) -> labels`` on items (not distances: the
        reference sets are new data). Default: k-means with 10 starts, as
        ``clusGap(x, kmeans, nstart = 10)`` (R's k-means is Hartigan-Wong, this one Lloyd).
        When it has a true ``rotation_invariant`` attribute (k-means, Euclidean
        hierarchical) the data and reference sets are clustered in principal-component
        coordinates, which give the same distances with at most ``n`` columns.
    space : {"scaledPCA", "original"}
        R's ``spaceH0``. ``"scaledPCA"`` (R's default) draws the reference sets uniformly in
        the ranges of the principal components of the centred data and rotates them back;
        ``"original"`` uses the ranges of the columns as given.
    d_power : {1, 2}
        R's ``d.power``: 1 (R's default) sums distances, 2 squared distances (the paper).
    random_state : int
        Seed of the reference sets and of ``cluster_fn``.
    progress : callable, optional
        ``progress(done, total)``: one unit for the data, one per reference set.
    should_stop : callable, optional
        Checked before each reference set; when True the statistics use the sets done.

    Returns
    -------
    pandas.DataFrame
        Columns ``k``, ``logW``, ``E.logW``, ``gap``, ``SE.sim``; ``attrs["n_refs"]`` is the
        number of reference sets used (fewer than ``n_refs`` when stopped early; with fewer
        than 2, ``SE.sim`` is NaN and with none ``E.logW`` and ``gap`` are too).
    """
    if k_max < 2:
        raise ParameterError(f"k_max must be at least 2; got {k_max}.")
    if n_refs < 1:
        raise ParameterError(f"The number of reference sets must be at least 1; got {n_refs}.")
    if space not in GAP_SPACES:
        raise ParameterError(f"Unknown reference space '{space}'. Choose one of: "
                             f"{', '.join(GAP_SPACES)}.")
    if d_power not in (1, 2):
        raise ParameterError(f"d_power must be 1 or 2; got {d_power}.")
    items = np.asarray(items, dtype=np.float64)
    n = len(items)
    if n <= k_max:
        raise ParameterError(f"k_max ({k_max}) must be smaller than the number of items ({n}).")
    if cluster_fn is None:
        cluster_fn = kmeans_fn(n_init=10)
    rng = np.random.default_rng(random_state)
    k_values = list(range(1, k_max + 1))

    def log_w(data: np.ndarray) -> np.ndarray:
        seed = int(rng.integers(2**31 - 1))
        labels = labels_over_k(data, k_values=k_values[1:], cluster_fn=cluster_fn,
                               random_state=seed)
        labels[1] = np.zeros(len(data), dtype=np.int64)
        return np.log([within_dispersion(data, labels[k], d_power=d_power) for k in k_values])

    total = n_refs + 1
    rotated, axes = _reference_space(items, space)
    low, high = rotated.min(axis=0), rotated.max(axis=0)
    means = items.mean(axis=0)
    # A Euclidean method sees the same distances in principal-component coordinates
    # (min(n, p) columns): cluster there rather than rotating every reference set back.
    in_components = axes is not None and getattr(cluster_fn, "rotation_invariant", False)
    reference_logw = []
    with threadpool_limits(limits=1):  # once for every k-means call (see KMeansFn)
        observed = log_w(rotated if in_components else items)
        if progress is not None:
            progress(1, total)
        for b in range(n_refs):
            if should_stop is not None and should_stop():
                break
            drawn = rng.uniform(low, high, size=(n, len(low)))
            if in_components:
                reference = drawn
            else:
                reference = (drawn if axes is None else drawn @ axes) + means
            reference_logw.append(log_w(reference))
            if progress is not None:
                progress(b + 2, total)
    done = len(reference_logw)
    sims = np.array(reference_logw).reshape(done, k_max)
    expected = sims.mean(axis=0) if done else np.full(k_max, np.nan)
    spread = sims.std(axis=0, ddof=1) if done > 1 else np.full(k_max, np.nan)
    table = pd.DataFrame({"k": k_values, "logW": observed, "E.logW": expected,
                          "gap": expected - observed,
                          "SE.sim": np.sqrt(1.0 + 1.0 / max(done, 1)) * spread})
    table.attrs["n_refs"] = done
    return table


def max_se(gap: Sequence[float], se: Sequence[float], *, method: str = "firstSEmax",
           se_factor: float = 1.0) -> int:
    """The number of clusters chosen from gap values, exactly as R ``cluster::maxSE``.

    With ``f = gap``, ``s = se_factor * se`` and positions 1..K:

    - ``"firstmax"``: the first local maximum, the first k with ``f[k+1] <= f[k]`` (K if
      none).
    - ``"globalmax"``: the first position of the largest ``f``.
    - ``"Tibs2001SEmax"`` (Tibshirani et al. 2001): the smallest k with
      ``f[k] >= f[k+1] - s[k+1]`` (K if none).
    - ``"firstSEmax"`` (R's default): the smallest k with ``f[k] >= f[m] - s[m]``, where
      m is the first local maximum; m itself if no smaller k qualifies.
    - ``"globalSEmax"`` (Dudoit and Fridlyand 2002): as ``firstSEmax`` with m the global
      maximum.

    Parameters
    ----------
    gap, se : sequence of float
        Gap values and their standard errors for k = 1..K (``gap`` and ``SE.sim`` of
        :func:`gap_statistic`).
    method : str
        One of :data:`MAX_SE_METHODS`.
    se_factor : float
        Multiplies ``se``.

    Returns
    -------
    int
        The chosen position, 1-based as in R: the number of clusters when ``gap[0]`` is
        the gap at k = 1.
    """
    f = np.asarray(gap, dtype=np.float64)
    s = se_factor * np.asarray(se, dtype=np.float64)
    n_values = len(f)
    if n_values < 1 or len(s) != n_values:
        raise ParameterError("gap and se must be non-empty and of the same length.")
    if np.any(s < 0) or se_factor < 0:
        raise ParameterError("Standard errors and se_factor must not be negative.")
    if method not in MAX_SE_METHODS:
        raise ParameterError(f"Unknown method '{method}'. Choose one of: "
                             f"{', '.join(MAX_SE_METHODS)}.")

    def first_true(flags: np.ndarray, otherwise: int) -> int:
        return int(np.argmax(flags)) + 1 if flags.any() else otherwise

    first_local_max = first_true(np.diff(f) <= 0, n_values)
    if method == "firstmax":
        return first_local_max
    if method == "globalmax":
        return int(np.argmax(f)) + 1
    if method == "Tibs2001SEmax":
        return first_true(f[:-1] >= (f - s)[1:], n_values)
    peak = first_local_max if method == "firstSEmax" else int(np.argmax(f)) + 1
    return first_true(f[:peak - 1] >= f[peak - 1] - s[peak - 1], peak)


# --- cluster tree ---------------------------------------------------------------------------

def cluster_tree(labels_by_k: dict[int, np.ndarray]) -> pd.DataFrame:
    """Edges between the clusters at consecutive k, as clustree draws them.

    Parameters
    ----------
    labels_by_k : dict
        k -> cluster label of each item (the same items, in the same order, for every k).
        Consecutive means consecutive in increasing k among the keys.

    Returns
    -------
    pandas.DataFrame
        One row per pair of clusters sharing items: ``from_k``, ``from_cluster``, ``to_k``,
        ``to_cluster``, ``n_items`` (items in both), ``in_prop`` (``n_items`` over the size
        of the child ``to_cluster``: the fraction of the child that comes from this parent,
        clustree's ``in_prop``).
    """
    ks = sorted(labels_by_k)
    sizes = {len(np.asarray(labels_by_k[k])) for k in ks}
    if len(sizes) > 1:
        raise ParameterError("Every partition must label the same items.")
    rows = []
    for parent_k, child_k in pairwise(ks):
        pairs = pd.DataFrame({"from_cluster": np.asarray(labels_by_k[parent_k]),
                              "to_cluster": np.asarray(labels_by_k[child_k])})
        counts = pairs.value_counts(sort=False).rename("n_items").reset_index()
        child_sizes = pairs["to_cluster"].value_counts()
        counts["in_prop"] = counts["n_items"] / child_sizes.loc[counts["to_cluster"]].to_numpy()
        counts.insert(0, "from_k", parent_k)
        counts.insert(2, "to_k", child_k)
        rows.append(counts.sort_values(["from_cluster", "to_cluster"]))
    columns = ["from_k", "from_cluster", "to_k", "to_cluster", "n_items", "in_prop"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]
