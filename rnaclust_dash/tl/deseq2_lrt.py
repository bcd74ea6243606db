"""DESeq2's likelihood-ratio test of time: ``DESeq(dds, test = "LRT", reduced = ~ 1)``.

The design is ``~ time`` with time as a factor (one coefficient per time point), as
DESeq2 1.38 runs it with its defaults: size factors by median of ratios; gene-wise
dispersions (Cox-Reid adjusted, linear-model means, line search, grid refits); the
parametric trend; maximum a posteriori dispersions with DESeq2's prior width and
dispersion outliers; negative binomial GLMs of the full and reduced designs (IRLS with
means kept at or above 0.5 while fitting, as DESeq2's ``fitBeta``); the deviance
difference against chi-square; p-values of genes with a Cook's distance above the 99 %
F quantile removed; Benjamini-Hochberg after independent filtering on the mean.

Orientation: counts genes x samples. The dispersions come from
:mod:`rnaclust_dash.pp.deseq2_dispersion` (shared with the Wald test and ``vst``), which
takes a one-factor design: the time points are its groups. This module takes no other
design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..pp.deseq2_dispersion import (
    DESEQ2_MIN_MU,
    dispersion_trend,
    gene_wise_dispersions,
    map_dispersions,
    parametric_dispersion_fit,
)
from ..pp.size_factors import deseq2_size_factors
from ..pp.variance_stabilizing import _trend_genes, vst_closed_form
from .lowess import lowess
from .timecourse import time_design

_ALTERNATIVE = ("Use the F test on log values (rnaclust_dash.tl.timecourse) or log-CPM "
                "instead.")


def _dispersions(counts, size_factors, onehot):
    """Final dispersions (DESeq2 ``estimateDispersions``) from :mod:`rnaclust_dash.pp.
    deseq2_dispersion`: gene-wise, parametric trend, maximum a posteriori with DESeq2's
    prior width, gene-wise kept for outliers.
    Returns (mean normalized counts, final dispersions, the means of the gene-wise step)."""
    groups = onehot.argmax(axis=1)
    base_mean = (counts / size_factors).mean(axis=1)
    gene, mu = gene_wise_dispersions(counts, size_factors, groups=groups)
    trend = dispersion_trend(base_mean, gene, residual_df=onehot.shape[0] - onehot.shape[1],
                             alternative=_ALTERNATIVE)
    return base_mean, map_dispersions(counts, mu, groups=groups, gene_wise=gene, trend=trend), mu


def _nb_loglik(y, mu, alpha):
    size = 1.0 / alpha[:, None]
    return stats.nbinom.logpmf(y, size, size / (size + mu)).sum(axis=1)


def _full_fit(counts, size_factors, onehot, alpha, *, lam=1e-6 / np.log(2) ** 2,
              tol=1e-8, maxit=100):
    """DESeq2 ``fitBeta`` for a one-factor design: IRLS per time point with the means kept
    at or above 0.5 while iterating. Returns (mu, hat diagonals)."""
    normalized = counts / size_factors
    beta = (np.log(normalized + 0.1) @ onehot) / onehot.sum(axis=0)
    a = alpha[:, None]
    mu = np.maximum(size_factors * np.exp(beta @ onehot.T), DESEQ2_MIN_MU)
    deviance = -2 * _nb_loglik(counts, mu, alpha)
    active = np.ones(len(counts), dtype=bool)
    for _ in range(maxit):
        rows = np.flatnonzero(active)
        if not rows.size:
            break
        m_rows = mu[rows]
        weights = m_rows / (1 + a[rows] * m_rows)
        working = np.log(m_rows / size_factors) + (counts[rows] - m_rows) / m_rows
        beta[rows] = (weights * working) @ onehot / (weights @ onehot + lam)
        mu[rows] = np.maximum(size_factors * np.exp(beta[rows] @ onehot.T), DESEQ2_MIN_MU)
        new = -2 * _nb_loglik(counts[rows], mu[rows], alpha[rows])
        converged = np.abs(new - deviance[rows]) / (np.abs(new) + 0.1) < tol
        converged |= (np.abs(beta[rows]) > 30).any(axis=1)
        deviance[rows] = new
        active[rows[converged]] = False
    weights = mu / (1 + a * mu)
    hat = weights / ((weights @ onehot + lam) @ onehot.T)
    return size_factors * np.exp(beta @ onehot.T), hat


def _max_cooks(counts, size_factors, onehot, mu, hat):
    """DESeq2's largest Cook's distance per gene (``calculateCooksDistance``), with its
    robust dispersion (median-based cell variance for three replicates)."""
    normalized = counts / size_factors
    p = onehot.shape[1]
    variance = np.zeros(len(counts))
    for g in range(p):
        cell = normalized[:, onehot[:, g] > 0]
        n = cell.shape[1]
        trim, scale = (1 / 3, 2.04) if n <= 3 else (1 / 4, 1.86) if n <= 23 else (1 / 8, 1.51)
        centre = stats.trim_mean(cell, trim, axis=1) if n > 3 else np.median(cell, axis=1)
        squares = (cell - centre[:, None]) ** 2
        spread = stats.trim_mean(squares, trim, axis=1) if n > 3 else np.median(squares, axis=1)
        variance = np.maximum(variance, scale * spread)
    mean = normalized.mean(axis=1)
    robust = np.maximum((variance - mean) / mean ** 2, 0.04)[:, None]
    pearson = (counts - mu) ** 2 / (mu + robust * mu ** 2)
    return (pearson / p * hat / (1 - hat) ** 2).max(axis=1)


def _independent_filtering(base_mean, pvalue, *, alpha=0.1):
    """DESeq2 ``pvalueAdjustment``: BH on the genes above a mean cut-off chosen from 50
    quantiles by the lowess rule of ``results(independentFiltering = TRUE)``."""
    lower = np.mean(base_mean == 0)
    theta = np.linspace(lower, 0.95 if lower < 0.95 else 1.0, 50)
    cutoffs = np.quantile(base_mean, theta)
    adjusted = np.full((len(pvalue), len(theta)), np.nan)
    for j, cutoff in enumerate(cutoffs):
        keep = (base_mean >= cutoff) & np.isfinite(pvalue)
        adjusted[keep, j] = stats.false_discovery_control(pvalue[keep])
    rejections = np.nansum(adjusted < alpha, axis=0)
    if rejections.max() <= 10:
        return adjusted[:, 0]
    smooth = lowess(theta, rejections.astype(float), f=1 / 5)
    positive = rejections > 0
    residual = rejections[positive] - smooth[positive]
    threshold = smooth.max() - np.sqrt(np.mean(residual ** 2))
    above = np.flatnonzero(rejections > threshold)
    return adjusted[:, above[0] if above.size else 0]


def time_lrt(counts: pd.DataFrame, metadata: pd.DataFrame, *, time_column: str,
             group_column: str | None = None, group: object | None = None) -> pd.DataFrame:
    """DESeq2 LRT of ``~ time`` (time as a factor) against ``~ 1``.

    Parameters
    ----------
    counts : pandas.DataFrame
        Raw counts, genes x samples.
    metadata : pandas.DataFrame
        Sample sheet indexed by sample id.
    time_column : str
        Numeric time column; each distinct value is a level.
    group_column, group : optional
        Test the samples of one group only.

    Returns
    -------
    pandas.DataFrame
        Genes x (``baseMean``, ``stat``, ``pvalue``, ``padj``); NaN for genes of all
        zeros, ``pvalue`` NaN where a Cook's distance flags an outlier (as DESeq2).

    Raises
    ------
    DataError
        Text times, fewer than 4 time points, or no replicates.
    """
    counts, onehot = time_design(counts, metadata, time_column=time_column,
                                 group_column=group_column, group=group)
    n_samples, n_levels = onehot.shape
    values = counts.to_numpy(dtype=np.float64)
    size_factors = deseq2_size_factors(values)
    nonzero = values.sum(axis=1) > 0
    y = values[nonzero]
    base_mean, dispersion, mu_dispersion = _dispersions(y, size_factors, onehot)
    mu_full, hat = _full_fit(y, size_factors, onehot, dispersion)
    mu_reduced = np.outer((y / size_factors).mean(axis=1), size_factors)
    stat = 2 * (_nb_loglik(y, mu_full, dispersion) - _nb_loglik(y, mu_reduced, dispersion))
    pvalue = stats.chi2.sf(stat, n_levels - 1)
    cutoff = stats.f.ppf(0.99, n_levels, n_samples - n_levels)
    # DESeq2 computes Cook's distances before it stores the full model's means, so with
    # the means of the dispersion step (linear model, at least 0.5).
    pvalue[_max_cooks(y, size_factors, onehot, mu_dispersion, hat) > cutoff] = np.nan
    table = pd.DataFrame(np.nan, index=counts.index, columns=["baseMean", "stat", "pvalue",
                                                              "padj"])
    table.loc[nonzero, ["baseMean", "stat", "pvalue"]] = np.column_stack([base_mean, stat,
                                                                           pvalue])
    table.loc[~nonzero, "baseMean"] = 0.0
    # the filter quantiles count the genes of all zeros, as results() does
    table["padj"] = _independent_filtering(table["baseMean"].to_numpy(),
                                           table["pvalue"].to_numpy())
    return table


def vst_by_time(counts: pd.DataFrame, metadata: pd.DataFrame, *, time_column: str,
                group_column: str | None = None, group: object | None = None,
                nsub: int = 1000) -> pd.DataFrame:
    """DESeq2 ``vst(dds, blind = FALSE)`` for the design ``~ time`` (time as a factor).

    As :func:`rnaclust_dash.pp.vst` but the dispersion trend comes from gene-wise
    dispersions fitted with the time design (the ``nsub`` genes DESeq2 picks), so time
    effects do not inflate it; this is the input DEGreport's examples give degPatterns.

    Returns
    -------
    pandas.DataFrame
        Genes x samples (of the group), log2 scale.
    """
    counts, onehot = time_design(counts, metadata, time_column=time_column,
                                 group_column=group_column, group=group)
    values = counts.to_numpy(dtype=np.float64)
    size_factors = deseq2_size_factors(values)
    normalized = values / size_factors
    subset = _trend_genes(values, normalized, nsub=nsub)
    gene, _ = gene_wise_dispersions(values[subset], size_factors, groups=onehot.argmax(axis=1))
    base_mean = normalized[subset].mean(axis=1)
    asymptote, extra = parametric_dispersion_fit(base_mean, gene, alternative=_ALTERNATIVE)
    transformed = vst_closed_form(normalized, asympt_disp=asymptote, extra_pois=extra)
    return pd.DataFrame(transformed, index=counts.index, columns=counts.columns)
