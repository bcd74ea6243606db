"""Small statistical helpers shared by the marker and enrichment tools."""

from __future__ import annotations

import numpy as np


def bh_adjust(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, as R ``p.adjust(p, method="BH")``.

    Parameters
    ----------
    pvalues : array-like
        P-values, shape (n,); NaN stays NaN and does not count towards n (as in R).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, shape (n,), in the input order.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    present = np.flatnonzero(~np.isnan(p))
    n = present.size
    if n == 0:
        return adjusted
    values = p[present]
    # R: i <- n:1; o <- order(p, decreasing = TRUE); pmin(1, cummin(n / i * p[o]))[order(o)]
    order = np.argsort(-values, kind="stable")
    ranks = np.arange(n, 0, -1, dtype=np.float64)
    stepped = np.minimum.accumulate((n / ranks) * values[order])
    result = np.empty(n)
    result[order] = np.minimum(1.0, stepped)
    adjusted[present] = result
    return adjusted
