"""Quantile normalization of the samples, as limma ``normalizeQuantiles``."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from rnaclust_dash.pp.inputs import _as_matrix


def quantile_normalize(values) -> np.ndarray:
    """Quantile normalization of the columns, as limma ``normalizeQuantiles``.

    Each column gets the distribution of the mean of the sorted columns (Bolstad et al.
    2003). Ties are handled as limma does (``ties=TRUE``): a value gets the mean
    distribution interpolated linearly at its average rank, so two tied values get the
    mean of their two quantiles (for three or more, the interpolation at the middle
    rank). preprocessCore instead gives tied values the mean of all their quantiles;
    the two agree for pairs and when there are no ties.

    Parameters
    ----------
    values : array-like
        Genes x samples, without missing values (use counts or log values as you wish:
        the method only uses ranks and sorted values).

    Returns
    -------
    numpy.ndarray
        The normalized values, same shape. A single column or a single gene is
        returned unchanged, as limma does.
    """
    values = _as_matrix(values, what="values", counts=False)
    n_genes, n_samples = values.shape
    if n_samples < 2 or n_genes < 2:
        return values
    target = np.sort(values, axis=0).mean(axis=1)
    positions = np.arange(n_genes, dtype=np.float64)
    normalized = np.empty_like(values)
    for j in range(n_samples):
        normalized[:, j] = np.interp(rankdata(values[:, j]) - 1.0, positions, target)
    return normalized
