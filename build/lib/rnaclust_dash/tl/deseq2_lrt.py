"""DESeq2's likelihood-ratio test of time: ``DESeq(dds, test = "LRT", reduced = ~ 1)``.

The design is ``~ time`` with time as a factor (one coefficient per time point), as
DESeq2 1.38 runs it with its defaults: size factors by median of ratios; gene-wise
dispersions (Cox-Reid adjusted, linear-model means, line search, grid refits); the
parametric trend; maximum a posteriori dispersions with DESeq2's prior width and
dispersion outliers; negative binomial GLMs of the full and reduced designs (IRLS with
means kept at or above 0.5 while fitting, as DESeq2's ``fitBeta``); the deviance
difference against chi-square; p-values of genes with a Cook's distance above the 99 %
F quantile removed; Benjamini-Hochberg after independent filtering on the mean.

Orientation: counts genes x samples. This module holds the design, the statistic and the
table; the model fit (:mod:`rnaclust_dash.tl._deseq2_glm`, dispersions from
:mod:`rnaclust_dash.pp.deseq2_dispersion`) and ``results()`` (Cook's outliers,
independent filtering: :mod:`rnaclust_dash.tl._deseq2_results`) are shared with the Wald
test. They take a one-factor design: the time points are its groups. This module takes
no other design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..pp.deseq2_dispersion import gene_wise_dispersions, parametric_dispersion_fit
from ..pp.size_factors import deseq2_size_factors
from ..pp.variance_stabilizing import _trend_genes, vst_closed_form
from ._deseq2_glm import fit_deseq2, nb_log_likelihood
from ._deseq2_results import cooks_outliers, results_table
from .timecourse import time_design

_ALTERNATIVE = ("Use the F test on log values (rnaclust_dash.tl.timecourse) or log-CPM "
                "instead.")


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
    values = counts.to_numpy(dtype=np.float64)
    size_factors = deseq2_size_factors(values)
    normalized = values / size_factors
    base_mean = normalized.mean(axis=1)
    nonzero = values.sum(axis=1) > 0
    y = values[nonzero]
    groups = onehot.argmax(axis=1)
    fit = fit_deseq2(y, size_factors, onehot, groups=groups, base_mean=base_mean[nonzero],
                     alternative=_ALTERNATIVE)
    # the reduced design ~ 1: DESeq2 takes the mean normalized count for its fit
    mu_reduced = np.outer(base_mean[nonzero], size_factors)
    stat = 2 * (nb_log_likelihood(y, fit["mu"], fit["dispersion"])
                - nb_log_likelihood(y, mu_reduced, fit["dispersion"]))
    pvalue = stats.chi2.sf(stat, onehot.shape[1] - 1)
    # DESeq2's nbinomLRT computes Cook's distances before it stores the full model's
    # means, so with the means of the dispersion step (linear model, at least 0.5)
    pvalue[cooks_outliers(y, normalized[nonzero], groups, n_params=onehot.shape[1],
                          mu=fit["dispersion_mu"], hat=fit["hat"])] = np.nan
    # the filter quantiles count the genes of all zeros, as results() does
    table = results_table(base_mean, nonzero,
                          {"statistic": stat, "pvalue": pvalue})
    return pd.DataFrame({"baseMean": table["base_mean"], "stat": table["statistic"],
                         "pvalue": table["pvalue"], "padj": table["padj"]},
                        index=counts.index)


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
