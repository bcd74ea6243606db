"""DESeq2's independent filtering (``results(independentFiltering = TRUE)``), one home for
the Wald test (:mod:`rnaclust_dash.tl.deseq2`) and the LRT (:mod:`rnaclust_dash.tl.deseq2_lrt`)."""

from __future__ import annotations

import numpy as np

from ._stats import bh_adjust
from .lowess import lowess


def independent_filtering(pvalues: np.ndarray, base_mean: np.ndarray, *,
                          alpha: float = 0.1) -> np.ndarray:
    """DESeq2 ``pvalueAdjustment``: BH after removing genes of low mean (genefilter).

    The mean-count threshold is the quantile (of 50 from the share of zero means to 0.95)
    whose number of rejections at ``alpha`` first comes within one residual standard
    deviation of the lowess fit's maximum; with 10 rejections or fewer nothing is removed.

    Parameters
    ----------
    pvalues : numpy.ndarray
        Shape (n_genes,); NaN (genes of zeros, Cook's outliers) stays NaN and is not
        counted by BH.
    base_mean : numpy.ndarray
        Mean normalized count per gene, shape (n_genes,), genes of zeros included (they
        set the lowest quantile, as in ``results()``).
    alpha : float, keyword-only
        Target FDR (``results(alpha=)``).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, shape (n_genes,); NaN for genes below the chosen threshold.
    """
    lower = np.mean(base_mean == 0)
    thetas = np.linspace(lower, 0.95 if lower < 0.95 else 1.0, 50)
    cutoffs = np.quantile(base_mean, thetas)
    adjusted = np.full((base_mean.size, thetas.size), np.nan)
    for position, cutoff in enumerate(cutoffs):
        use = base_mean >= cutoff
        if use.any():
            adjusted[use, position] = bh_adjust(pvalues[use])
    with np.errstate(invalid="ignore"):
        rejections = (adjusted < alpha).sum(axis=0)
    if rejections.max() <= 10:
        return adjusted[:, 0]
    fitted = lowess(thetas, rejections.astype(float), f=1 / 5)
    positive = rejections > 0
    residual = rejections[positive] - fitted[positive]
    threshold = fitted.max() - np.sqrt(np.mean(residual ** 2))
    above = np.flatnonzero(rejections > threshold)
    return adjusted[:, above[0] if above.size else 0]
