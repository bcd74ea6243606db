"""Input checks shared by the preprocessing functions: a numeric genes x samples matrix.

Each returns a float64 copy, so callers may write into it without touching their input,
or raises :class:`~rnaclust_dash.errors.DataError` with a message that says what to fix.
"""

from __future__ import annotations

import numpy as np

from rnaclust_dash.errors import DataError


def _as_matrix(values, *, what: str, counts: bool) -> np.ndarray:
    matrix = np.array(values, dtype=np.float64)  # a copy: callers' data stay untouched
    if matrix.ndim != 2:
        raise DataError(f"The {what} must be a genes x samples table (2-D); got "
                        f"{matrix.ndim} dimension(s).")
    if not np.isfinite(matrix).all():
        raise DataError(f"The {what} contain missing or infinite values. Remove or fill "
                        "them before normalizing.")
    if counts and (matrix < 0).any():
        raise DataError(f"The {what} contain negative values, so they are not raw counts. "
                        "Upload raw counts, or choose a normalization for normalized data.")
    return matrix


def _matrix(values, what: str) -> np.ndarray:
    try:
        matrix = np.array(values, dtype=np.float64)  # a copy: callers may write into it
    except (TypeError, ValueError):
        raise DataError(f"{what} needs numbers only: the table has text values. Keep the "
                        "gene ids as the row index and the samples as columns.") from None
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise DataError(f"{what} needs a genes x samples table with at least 2 samples; "
                        f"got an array of shape {matrix.shape}.")
    if not np.isfinite(matrix).all():
        raise DataError(f"{what} cannot use missing or infinite values: the table has "
                        f"{int((~np.isfinite(matrix)).sum())}. Filter those genes out or "
                        "fill them in first.")
    return matrix
