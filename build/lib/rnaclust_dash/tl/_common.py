"""Helpers shared by the clustering algorithms: checked inputs (square distances from a
condensed vector; items x features, optionally on principal components) and sums."""

from __future__ import annotations

import math

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from ..errors import DataError, ParameterError
from .distance import square


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


def _squared_distances(values: np.ndarray, centers: np.ndarray) -> np.ndarray:
    difference = values[:, None, :] - centers[None, :, :]
    return np.einsum("ijk,ijk->ij", difference, difference)


def _c_sum(values: np.ndarray) -> np.ndarray:
    """Sums along the last axis added left to right, as R's C loops do (ties depend on it)."""
    values = np.asarray(values)
    if values.shape[-1] == 0:
        return np.zeros(values.shape[:-1])
    return np.cumsum(values, axis=-1)[..., -1]
