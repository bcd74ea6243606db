"""Model-based hierarchical agglomeration, as R ``mclust`` 6 starts its EM.

``mclust::Mclust`` does not start EM from k-means: it merges the items pairwise under the
unconstrained Gaussian model (``hc(data, modelName = "VVV", use = "SVD")``, Fortran
``hcvvv``) and starts EM for G clusters from the partition the agglomeration has at G
clusters (``hclass``). This module reproduces that agglomeration so that
:func:`rnaclust_dash.tl.mixture.gaussian_mixture` can start from the same partitions.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from ..errors import ParameterError


def mclust_svd_transform(values: np.ndarray) -> np.ndarray:
    """mclust's ``hcUse = "SVD"``: scale the columns (centre, unit SD), rotate onto the
    right singular vectors and divide each direction by the square root of its singular
    value. Items x features in, items x min(n, p) out."""
    centred = values - values.mean(axis=0)
    sd = centred.std(axis=0, ddof=1)
    usable = sd > 0  # mclust drops the columns that scale() makes non-finite
    scaled = centred[:, usable] / sd[usable]
    _, singular, right = np.linalg.svd(scaled, full_matrices=False)
    return scaled @ right.T / np.sqrt(singular)


def _cluster_term(size, scatter, alpha: float, p: int) -> np.ndarray:
    """mclust's ``vvvtij``: size * log(det(W / size) + (tr W + alpha) / size), the
    determinant counted only for clusters of more than p items (beta = 1)."""
    size = np.asarray(size, dtype=np.float64)
    trace = np.trace(scatter, axis1=-2, axis2=-1)
    inner = (trace + alpha) / size
    big = size > p
    if np.any(big):
        det = np.linalg.det(scatter[big] / size[big, None, None])
        inner = inner.copy()
        inner[big] += np.maximum(det, 0.0)  # a singular scatter has det 0 (rounding aside)
    return size * np.log(inner)


class _Agglomeration:
    """Clusters as sufficient statistics (size, mean, scatter) and merge costs."""

    def __init__(self, data: np.ndarray):
        n, p = data.shape
        self.p = p
        centred = data - data.mean(axis=0)
        # alpha = traceW(data / sqrt(n p)), never below machine epsilon (beta = 1)
        self.alpha = max(float(np.sum(centred ** 2)) / (n * p), np.finfo(float).eps)
        self.size = np.ones(n)
        self.mean = data.copy()
        self.scatter = np.zeros((n, p, p))
        self.term = np.full(n, np.log(self.alpha))

    def merged(self, i: int, others: np.ndarray):
        """Size, mean and scatter of cluster i merged with each of ``others``."""
        ni, nj = self.size[i], self.size[others]
        size = ni + nj
        diff = self.mean[i] - self.mean[others]
        scatter = (self.scatter[i] + self.scatter[others]
                   + (ni * nj / size)[:, None, None] * diff[:, :, None] * diff[:, None, :])
        mean = (ni * self.mean[i] + nj[:, None] * self.mean[others]) / size[:, None]
        return size, mean, scatter

    def costs(self, i: int, others: np.ndarray) -> np.ndarray:
        """Change in the classification criterion from merging i with each of ``others``."""
        size, _, scatter = self.merged(i, others)
        return (_cluster_term(size, scatter, self.alpha, self.p)
                - self.term[i] - self.term[others])

    def move(self, source: int, target: int) -> None:
        self.size[target], self.term[target] = self.size[source], self.term[source]
        self.mean[target], self.scatter[target] = self.mean[source], self.scatter[source]

    def merge(self, i: int, j: int) -> None:
        size, mean, scatter = self.merged(i, np.array([j]))
        self.size[i], self.mean[i], self.scatter[i] = size[0], mean[0], scatter[0]
        self.term[i] = _cluster_term(size, scatter, self.alpha, self.p)[0]


def _last_minimum(values: np.ndarray) -> tuple[int, float]:
    """Position and value of the smallest entry, the last one on ties (Fortran's
    ``if (d .le. dopt)`` scan)."""
    smallest = values.min()
    return int(np.flatnonzero(values == smallest)[-1]), float(smallest)


def hc_vvv_merges(data: np.ndarray) -> np.ndarray:
    """The merges of mclust's ``hcVVV`` on ``data`` (items x features, already
    transformed): (n - 1) x 2 item indices, one item of each merged cluster.

    Greedy: each step merges the pair whose merge lowers the classification likelihood
    least. Ties (duplicated items) are broken as the Fortran does: clusters sit in
    slots 0..last; the merged cluster takes the lower slot, the cluster in the last
    slot moves into the higher one, and the pair taken is the last smallest in the order
    (j = 1..last, i = 0..j-1). Each slot j keeps its smallest cost to a lower slot;
    only slots whose partner changed are searched again.
    """
    n = data.shape[0]
    state = _Agglomeration(np.asarray(data, dtype=np.float64))
    # Singletons: the cost is increasing in the squared distance.
    cost = 2 * np.log((cdist(data, data, "sqeuclidean") / 2 + state.alpha) / 2) \
        - 2 * np.log(state.alpha)
    np.fill_diagonal(cost, np.inf)
    item = np.arange(n)  # an item of the cluster in each slot
    lower_best = np.zeros(n, dtype=np.int64)  # slot j: its cheapest partner below j
    lower_cost = np.full(n, np.inf)

    def search(j: int) -> None:
        lower_best[j], lower_cost[j] = _last_minimum(cost[:j, j]) if j else (0, np.inf)

    for j in range(1, n):
        search(j)
    merges = np.empty((n - 1, 2), dtype=np.int64)
    last = n - 1
    for step in range(n - 1):
        b, _ = _last_minimum(lower_cost[:last + 1])
        a = int(lower_best[b])
        merges[step] = item[a], item[b]
        state.merge(a, b)
        if b != last:  # the last slot's cluster moves into slot b
            state.move(last, b)
            item[b] = item[last]
            cost[b, :], cost[:, b] = cost[last, :], cost[:, last]
            cost[b, b] = np.inf
        cost[last, :] = cost[:, last] = np.inf
        lower_cost[last] = np.inf
        last -= 1
        if last == 0:
            break
        others = np.arange(last + 1)
        others = others[others != a]
        row = state.costs(a, others)
        cost[a, others] = cost[others, a] = row
        # Slots above a or b see a changed (a) or new (b) lower partner.
        above = np.arange(a + 1, last + 1)
        stale = np.isin(lower_best[above], (a, b, last + 1)) | (above == b)
        for j in (a, *above[stale]):
            search(int(j))
        for candidate in (a, b):
            j = above[~stale & (above > candidate)]
            offered = cost[candidate, j]
            better = (offered < lower_cost[j]) | (
                (offered == lower_cost[j]) & (candidate > lower_best[j]))
            lower_best[j[better]], lower_cost[j[better]] = candidate, offered[better]
    return merges


def partitions_from_merges(merges: np.ndarray, n: int, ks) -> dict[int, np.ndarray]:
    """mclust's ``hclass``: the cluster (0..k-1, by first appearance) of each item when
    the agglomeration has k clusters, for each k in ``ks``."""
    wanted = sorted({int(k) for k in ks})
    if wanted and not 1 <= wanted[0] <= wanted[-1] <= n:
        raise ParameterError(f"Numbers of clusters must be between 1 and {n}.")
    parent = np.arange(n)
    result = {}
    if n in wanted:
        result[n] = np.arange(n)
    for step, (i, j) in enumerate(merges, start=1):
        parent[parent == j] = i
        k = n - step
        if k in wanted:
            _, labels = np.unique(parent, return_inverse=True)
            first = {}
            result[k] = np.array([first.setdefault(c, len(first)) for c in labels])
    return result


def mclust_start_partitions(values: np.ndarray, ks) -> dict[int, np.ndarray]:
    """The partitions mclust starts EM from for each G in ``ks`` (labels 0..G-1): the
    ``hcVVV`` agglomeration of the SVD-transformed items (``hcUse = "SVD"``). Empty when
    the transform is not finite (collinear features: mclust stops there too)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        data = mclust_svd_transform(np.asarray(values, dtype=np.float64))
    if not np.all(np.isfinite(data)):
        return {}
    return partitions_from_merges(hc_vvv_merges(data), len(data), ks)


def mixture_start(values: np.ndarray, labels: np.ndarray, covariance: str, *,
                  reg_covar: float = 1e-6) -> dict:
    """M-step from a hard partition (labels 0..k-1): the ``weights_init``, ``means_init``
    and ``precisions_init`` of scikit-learn's ``GaussianMixture`` for ``covariance``
    ("full", "tied", "diag" or "spherical"), with its ridge ``reg_covar``."""
    n, d = values.shape
    k = int(labels.max()) + 1
    onehot = np.eye(k)[labels]
    sizes = onehot.sum(axis=0)
    means = onehot.T @ values / sizes[:, None]
    centred = values[:, None, :] - means[None, :, :]  # n x k x d
    if covariance == "full":
        covariances = np.einsum("nk,nki,nkj->kij", onehot, centred, centred) / sizes[:, None, None]
        precisions = np.linalg.inv(covariances + reg_covar * np.eye(d))
    elif covariance == "tied":
        pooled = np.einsum("nk,nki,nkj->ij", onehot, centred, centred) / n
        precisions = np.linalg.inv(pooled + reg_covar * np.eye(d))
    elif covariance == "diag":
        precisions = 1.0 / (np.einsum("nk,nki->ki", onehot, centred ** 2) / sizes[:, None]
                            + reg_covar)
    else:  # spherical
        precisions = 1.0 / (np.einsum("nk,nki->k", onehot, centred ** 2) / (sizes * d)
                            + reg_covar)
    return {"weights_init": sizes / n, "means_init": means, "precisions_init": precisions}
