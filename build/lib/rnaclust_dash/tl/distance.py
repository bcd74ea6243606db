"""Pairwise distances between items (rows of an items x features matrix)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform
from scipy.stats import rankdata

from ..errors import ParameterError

#: Distance name -> one sentence for the UI.
DISTANCES = {
    "euclidean": "Straight-line distance: sensitive to overall expression level and scale.",
    "pearson": "1 - Pearson correlation: items that rise and fall together are close, "
               "whatever their level.",
    "spearman": "1 - Spearman rank correlation: like Pearson but robust to outliers and "
                "non-linear trends.",
    "cosine": "1 - cosine similarity: the angle between profiles, ignoring their length "
              "but not their level.",
    "manhattan": "Sum of absolute differences: like Euclidean but less dominated by a few "
                 "large differences.",
    "abspearson": "1 - |Pearson r|: profiles that rise and fall together or exactly "
                  "opposite are close (genes of one pathway with opposite signs).",
}


def _cosine_distance(values: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", values, values))
    norms[norms == 0] = np.inf  # a zero (or, centred, constant) item is at distance 1
    unit = values / norms[:, None]
    similarity = unit @ unit.T
    np.clip(similarity, -1.0, 1.0, out=similarity)
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    return squareform(distance, checks=False)


def _correlation_distance(values: np.ndarray) -> np.ndarray:
    """1 - Pearson r: the cosine distance of the centred profiles."""
    return _cosine_distance(values - values.mean(axis=1, keepdims=True))


def pairwise_distances(items: np.ndarray, *, metric: str) -> np.ndarray:
    """Distances between the rows of ``items``.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features (float).
    metric : str
        One of :data:`DISTANCES`. Pearson and Spearman give ``1 - r`` (0 for identical
        profiles, 2 for opposite), absolute Pearson ``1 - |r|`` (0..1), cosine
        ``1 - cos`` (0..2; an all-zero item is at 1 from everything), Manhattan
        ``sum |x - y|``.

    Returns
    -------
    numpy.ndarray
        Condensed distance vector (as :func:`scipy.spatial.distance.pdist`), float64.
    """
    values = np.asarray(items, dtype=np.float64)
    if metric == "euclidean":
        return pdist(values, metric="euclidean")
    if metric == "pearson":
        return _correlation_distance(values)
    if metric == "spearman":
        return _correlation_distance(rankdata(values, axis=1))
    if metric == "abspearson":
        return 1.0 - np.abs(1.0 - _correlation_distance(values))
    if metric == "cosine":
        return _cosine_distance(values)
    if metric == "manhattan":
        return pdist(values, metric="cityblock")
    raise ParameterError(f"Unknown distance '{metric}'. Choose one of: {', '.join(DISTANCES)}.")


def square(condensed: np.ndarray) -> np.ndarray:
    """The square (n x n) form of a condensed distance vector."""
    return squareform(condensed, checks=False)
