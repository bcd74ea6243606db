"""How well the batches mix on an embedding: silhouette and LISI of the batch labels.

An evaluation index of an embedding (like :mod:`.validate`'s), so it sits in ``tl``: the
batch corrections themselves are in :mod:`rnaclust_dash.pp`."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist

from ..errors import DataError, ParameterError
from ..pp.batch_design import _factor, _labels
from .validate import silhouette_values


def batch_mixing_scores(embedding, batch, *, perplexity: float = 30.0) -> dict:
    """How well the batches mix on an embedding (samples as rows), before or after correction.

    Parameters
    ----------
    embedding : array-like
        Samples x dimensions (e.g. PCA or UMAP coordinates).
    batch : array-like
        Batch label of each sample (at least 2 batches).
    perplexity : float, keyword-only
        Effective neighbourhood size of LISI (harmony's ``compute_lisi`` uses 30, with
        3 x perplexity nearest neighbours; fewer when there are fewer samples).

    Returns
    -------
    dict
        ``silhouette``: mean silhouette width of the batch labels (Euclidean; -1..1,
        lower is better mixing). ``lisi``: mean local inverse Simpson's index of the batch
        labels (Korsunsky et al. 2019; 1 = every neighbourhood holds one batch, up to the
        number of batches = perfectly mixed; higher is better). ``silhouette_values`` and
        ``lisi_values`` per sample, ``n_batches``, ``n_neighbors``.
    """
    points = np.asarray(embedding, dtype=np.float64)
    if points.ndim != 2 or len(points) < 3:
        raise DataError("Batch mixing needs an embedding with at least 3 samples (rows).")
    if not np.isfinite(points).all():
        raise DataError("The embedding has missing or infinite coordinates.")
    if perplexity <= 0:
        raise ParameterError("The LISI perplexity must be positive (harmony uses 30).")
    labels = _labels(batch, len(points), "batch")
    levels, codes = _factor(labels)
    if len(levels) < 2:
        raise ParameterError("Batch mixing needs at least 2 batches; all samples are in batch "
                             f"'{levels[0]}'.")
    widths = silhouette_values(pdist(points), codes)
    lisi, n_neighbors = _lisi(points, codes, len(levels), perplexity)
    return {"silhouette": float(widths.mean()), "lisi": float(lisi.mean()),
            "silhouette_values": widths, "lisi_values": lisi,
            "n_batches": len(levels), "n_neighbors": n_neighbors}


def _lisi(points, codes, n_batches: int, perplexity: float, *,
          tol: float = 1e-5, tries: int = 50) -> tuple[np.ndarray, int]:
    """harmony's ``compute_lisi``: Gaussian weights on the nearest neighbours (self
    excluded), bandwidth set by bisection so their entropy is log(perplexity); LISI is
    1 / sum over batches of (weight of that batch)^2."""
    k = min(int(3 * perplexity), len(points))
    distances, neighbours = cKDTree(points).query(points, k=k)
    distances, neighbours = distances[:, 1:], neighbours[:, 1:]
    # Shifted by the nearest distance so the weights never underflow to 0; the entropy
    # and the normalised weights are unchanged by the shift.
    shifted = distances - distances[:, :1]

    def entropy(rows, beta):
        weights = np.exp(-shifted[rows] * beta[:, None])
        total = weights.sum(axis=1)
        h = np.log(total) + beta * (shifted[rows] * weights).sum(axis=1) / total
        return h, weights / total[:, None]

    n = len(points)
    beta = np.ones(n)
    beta_min = np.full(n, -np.inf)
    beta_max = np.full(n, np.inf)
    h, weights = entropy(np.arange(n), beta)
    target = np.log(perplexity)
    for _ in range(tries):
        diff = h - target
        active = np.abs(diff) >= tol
        if not active.any():
            break
        sharpen = active & (diff > 0)  # neighbourhood too wide: raise beta
        beta_min[sharpen] = beta[sharpen]
        beta[sharpen] = np.where(np.isfinite(beta_max[sharpen]),
                                 (beta[sharpen] + beta_max[sharpen]) / 2, beta[sharpen] * 2)
        widen = active & (diff <= 0)
        beta_max[widen] = beta[widen]
        beta[widen] = np.where(np.isfinite(beta_min[widen]),
                               (beta[widen] + beta_min[widen]) / 2, beta[widen] / 2)
        rows = np.flatnonzero(active)
        h[rows], weights[rows] = entropy(rows, beta[rows])
    per_batch = np.zeros((n, n_batches))
    rows = np.repeat(np.arange(n), k - 1)
    np.add.at(per_batch, (rows, codes[neighbours].ravel()), weights.ravel())
    return 1.0 / (per_batch ** 2).sum(axis=1), k - 1
