"""The gap statistic (Tibshirani et al. 2001) and its choice of k, as R ``cluster::clusGap``
and ``cluster::maxSE`` (cluster 2.1.4)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .kselect import ClusterFn, Progress, ShouldStop, _codes, kmeans_fn, labels_over_k


GAP_SPACES = ("scaledPCA", "original")


MAX_SE_METHODS = ("firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax")


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
    _check_gap_options(k_max=k_max, n_refs=n_refs, space=space, d_power=d_power)
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
    return _gap_table(k_values, observed, reference_logw)


def _check_gap_options(*, k_max: int, n_refs: int, space: str, d_power: int) -> None:
    """ParameterError for options of :func:`gap_statistic` it cannot use."""
    if k_max < 2:
        raise ParameterError(f"k_max must be at least 2; got {k_max}.")
    if n_refs < 1:
        raise ParameterError(f"The number of reference sets must be at least 1; got {n_refs}.")
    if space not in GAP_SPACES:
        raise ParameterError(f"Unknown reference space '{space}'. Choose one of: "
                             f"{', '.join(GAP_SPACES)}.")
    if d_power not in (1, 2):
        raise ParameterError(f"d_power must be 1 or 2; got {d_power}.")


def _gap_table(k_values: list[int], observed: np.ndarray,
               reference_logw: list[np.ndarray]) -> pd.DataFrame:
    """The table of :func:`gap_statistic` from logW of the data and of each reference set
    done (``attrs["n_refs"]``: how many)."""
    k_max = len(k_values)
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
