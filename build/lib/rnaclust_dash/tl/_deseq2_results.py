"""DESeq2's ``results()`` after a test: Cook's distance outliers, the table over all genes
and independent filtering. One home for the Wald test (:mod:`rnaclust_dash.tl.deseq2`)
and the likelihood-ratio test (:mod:`rnaclust_dash.tl.deseq2_lrt`), as DESeq2 1.38.

Orientation: counts genes x samples; ``groups`` one integer cell index per sample (the
distinct rows of a one-factor design).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import f as f_distribution

from ._independent_filtering import independent_filtering


def cooks_outliers(y: np.ndarray, normalized: np.ndarray, groups: np.ndarray, *,
                   n_params: int, mu: np.ndarray, hat: np.ndarray) -> np.ndarray:
    """Genes whose largest Cook's distance passes ``qf(0.99, p, m - p)``.

    DESeq2's ``calculateCooksDistance`` with ``robustMethodOfMomentsDisp``, the maximum
    over the samples of cells with 3 or more samples (``recordMaxCooks``), and the rule
    of ``results()`` for a factor of two levels: a gene stays when three or more of its
    counts exceed the outlying one.

    Parameters
    ----------
    y, normalized : numpy.ndarray
        Raw and normalized counts, genes x samples.
    groups : numpy.ndarray
        Cell index per sample, shape (n_samples,).
    n_params : int, keyword-only
        Coefficients of the full design (p).
    mu, hat : numpy.ndarray, keyword-only
        Fitted means and hat diagonals, genes x samples.

    Returns
    -------
    numpy.ndarray of bool
        Shape (n_genes,); all False when no cell has 3 samples or m <= p.
    """
    n_samples = y.shape[1]
    sizes = np.bincount(groups)
    for_cooks = sizes[groups] >= 3
    if n_samples <= n_params or not for_cooks.any():
        return np.zeros(y.shape[0], dtype=bool)
    dispersions = _robust_moments_dispersion(normalized, groups)
    pearson_sq = (y - mu) ** 2 / (mu + dispersions[:, None] * mu ** 2)
    cooks = pearson_sq / n_params * hat / (1 - hat) ** 2
    outlier = cooks[:, for_cooks].max(axis=1) > f_distribution.ppf(0.99, n_params,
                                                                  n_samples - n_params)
    if sizes.size == 2 and outlier.any():
        # DESeq2 keeps genes where three or more counts exceed the outlying count
        rows = np.flatnonzero(outlier)
        worst = y[rows, np.argmax(cooks[rows], axis=1)]
        outlier[rows[(y[rows] > worst[:, None]).sum(axis=1) >= 3]] = False
    return outlier


def _robust_moments_dispersion(normalized: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``robustMethodOfMomentsDisp`` with ``trimmedCellVariance`` (cells of 3+ samples)."""
    sizes = np.bincount(groups)
    variances = []
    for level in np.flatnonzero(sizes >= 3):
        cell = normalized[:, groups == level]
        n = cell.shape[1]
        trim, scale = ((1 / 3, 2.04) if n <= 3.5 else (1 / 4, 1.86) if n <= 23.5
                       else (1 / 8, 1.51))
        centre = _trimmed_mean(cell, trim)
        variances.append(scale * _trimmed_mean((cell - centre[:, None]) ** 2, trim))
    mean = normalized.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum((np.max(variances, axis=0) - mean) / mean ** 2, 0.04)


def _trimmed_mean(values: np.ndarray, trim: float) -> np.ndarray:
    """R ``mean(x, trim=)`` per row: drop floor(n * trim) values at each end."""
    n = values.shape[1]
    low = int(np.floor(n * trim))
    ordered = np.sort(values, axis=1)
    return ordered[:, low:n - low].mean(axis=1)


def results_table(base_mean: np.ndarray, expressed: np.ndarray, columns: dict, *,
                  alpha: float = 0.1) -> dict:
    """The per-gene table of ``results()``: values of the genes with a count spread over
    all genes, and ``padj`` by independent filtering of ``columns["pvalue"]``.

    Parameters
    ----------
    base_mean : numpy.ndarray
        Mean normalized count of every gene, shape (n_genes,).
    expressed : numpy.ndarray of bool
        Genes with a count (the ones fitted), shape (n_genes,).
    columns : dict of numpy.ndarray
        Values of the expressed genes, each shape (expressed.sum(),); must hold
        ``pvalue``. Boolean columns get False for the other genes, the rest NaN.
    alpha : float, keyword-only
        Target FDR of the independent filtering.

    Returns
    -------
    dict of numpy.ndarray, each shape (n_genes,)
        ``base_mean``, the ``columns`` and ``padj``.
    """
    table = {"base_mean": base_mean}
    for name, values in columns.items():
        values = np.asarray(values)
        full = (np.zeros(expressed.size, dtype=bool) if values.dtype == bool
                else np.full(expressed.size, np.nan))
        full[expressed] = values
        table[name] = full
    table["padj"] = independent_filtering(table["pvalue"], base_mean, alpha=alpha)
    return table
