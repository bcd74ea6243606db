"""DESeq2's Wald test between sample groups, equal to R DESeq2 1.38 (Bioconductor 3.16).

Reproduces ``DESeq(dds)`` with ``design = ~ group`` and its defaults (median-of-ratios
size factors, parametric dispersion trend, MAP dispersions, no beta prior, Wald test with
the normal distribution), then ``results(dds, contrast = c("group", group, reference))``
with Cook's distance filtering and independent filtering (alpha = 0.1) of the adjusted
p-values. All genes are fitted at once (no loop over genes). This module holds the
design, the Wald statistic and the contrast; the model fit
(:mod:`rnaclust_dash.tl._deseq2_glm`) and ``results()`` (Cook's outliers, independent
filtering: :mod:`rnaclust_dash.tl._deseq2_results`) are shared with the LRT of time.

Not reproduced: replacing outlier counts when a group has 7 or more samples
(``minReplicatesForReplace``; here as ``DESeq(..., minReplicatesForReplace = Inf)``), the
local-regression dispersion trend DESeq2 falls back to when the parametric fit fails
(here an error), and the histogram matching DESeq2 uses for the prior variance when the
residual degrees of freedom are 1-3 (here the same search with another random stream,
so only approximately equal). Why pydeseq2 is not used: it installs with the pinned
numpy/scipy/pandas but pulls in anndata, matplotlib, formulaic and zarr, loops over genes
in Python (404 s for pasilla here, against about a second for this module) and is not R.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..errors import DataError, ParameterError
from ..pp.size_factors import deseq2_size_factors
from ._deseq2_glm import fit_deseq2
from ._deseq2_glm import row_blocks as _row_blocks
from ._deseq2_results import cooks_outliers, results_table

#: what an error suggests when DESeq2's dispersion trend cannot be fitted
_ALTERNATIVE = "Use the t-test or the Wilcoxon test on log values instead."


def deseq2_wald(counts, labels, *, group: str, reference: str, size_factors=None,
                alpha: float = 0.1, maxit: int = 100) -> dict:
    """DESeq2 Wald test of ``group`` against ``reference``.

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts (non-negative integers).
    labels : array-like
        Group label per sample, shape (n_samples,). Every labelled sample enters the fit
        (as DESeq2 does with all levels of the design factor); None leaves a sample out.
    group, reference : str, keyword-only
        The level tested and the reference level.
    size_factors : array-like, optional, keyword-only
        One per sample, shape (n_samples,); DESeq2's median of ratios of the labelled
        samples when omitted.
    alpha : float, keyword-only
        Target FDR of the independent filtering (``results(alpha=)``).
    maxit : int, keyword-only
        Iterations of the dispersion and coefficient fits.

    Returns
    -------
    dict of numpy.ndarray, each shape (n_genes,)
        ``base_mean``, ``log2fc``, ``lfc_se``, ``statistic`` (Wald z), ``pvalue`` (NaN for
        genes with no count and for Cook's outliers), ``padj`` (NaN also for genes removed
        by independent filtering), ``mean_in``, ``mean_out`` (normalized counts),
        ``dispersion``, ``converged``.

    Raises
    ------
    DataError
        Counts that are negative, not whole or missing; no gene without a zero.
    ParameterError
        A compared group with one sample, or no replicate at all.
    """
    labels = np.asarray(labels, dtype=object)
    used = np.array([label is not None for label in labels])
    counts = _counts(counts)
    if labels.size != counts.shape[1]:
        raise ParameterError(f"{labels.size} group labels were given for {counts.shape[1]} "
                             "samples: give one label per sample (column).")
    counts = counts[:, used]
    labels = labels[used].astype(str)
    levels = [reference] + sorted(set(labels) - {reference})
    groups = np.array([levels.index(label) for label in labels])
    _check_replicates(labels, group=group, reference=reference)
    design = _design(groups, n_levels=len(levels))
    tested = levels.index(group)
    if size_factors is None:
        size_factors = deseq2_size_factors(counts)
    else:
        size_factors = np.asarray(size_factors, dtype=np.float64)[used]
    normalized = counts / size_factors
    base_mean = normalized.mean(axis=1)
    nonzero = counts.sum(axis=1) > 0
    y = counts[nonzero]
    fit = fit_deseq2(y, size_factors, design, groups=groups, base_mean=base_mean[nonzero],
                     alternative=_ALTERNATIVE, maxit=maxit, blocks=_row_blocks(*y.shape))
    log2fc = fit["beta"][:, tested] / np.log(2)
    lfc_se = fit["se"][:, tested] / np.log(2)
    statistic = log2fc / lfc_se
    pvalue = 2 * ndtr(-np.abs(statistic))
    # DESeq2's cleanContrast: no count in either compared group means no change
    compared = (groups == tested) | (groups == 0)
    silent = y[:, compared].sum(axis=1) == 0
    log2fc[silent], statistic[silent], pvalue[silent] = 0.0, 0.0, 1.0
    pvalue[cooks_outliers(y, normalized[nonzero], groups, n_params=design.shape[1],
                          mu=fit["mu"], hat=fit["hat"])] = np.nan
    table = results_table(base_mean, nonzero, {
        "log2fc": log2fc, "lfc_se": lfc_se, "statistic": statistic, "pvalue": pvalue,
        "dispersion": fit["dispersion"], "converged": fit["converged"]}, alpha=alpha)
    table["mean_in"] = normalized[:, groups == tested].mean(axis=1)
    table["mean_out"] = normalized[:, groups == 0].mean(axis=1)
    return table


def _design(groups: np.ndarray, *, n_levels: int) -> np.ndarray:
    """Intercept (the reference level) plus one indicator per other level, as R's ~ group."""
    columns = [np.ones(groups.size)] + [(groups == level).astype(float)
                                        for level in range(1, n_levels)]
    return np.column_stack(columns)


def _counts(counts) -> np.ndarray:
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 2:
        raise ParameterError("DESeq2 takes a genes x samples count matrix.")
    if not np.isfinite(values).all():
        raise DataError("DESeq2 needs counts, and this table has missing or infinite values. "
                        "Fill them (0 for genes not seen) or remove those genes.")
    if (values < 0).any() or (values != np.round(values)).any():
        raise DataError("DESeq2 needs raw counts (whole numbers >= 0), and this table has "
                        "negative or fractional values: it looks normalized or log "
                        "transformed. Upload the raw counts, or use the t-test or the "
                        "Wilcoxon test on log values.")
    return values


def _check_replicates(labels: np.ndarray, *, group: str, reference: str) -> None:
    for name in (group, reference):
        n = int((labels == name).sum())
        if n < 2:
            raise ParameterError(
                f"DESeq2 needs at least two samples in each compared group, and "
                f"{name!r} has {n}: with one sample its fold change cannot be told from "
                "sample-to-sample noise. Merge it with another group or add replicates.")
    if labels.size <= len(set(labels)):
        raise ParameterError("DESeq2 needs replicates: every group has a single sample, "
                             "so no dispersion can be estimated.")
