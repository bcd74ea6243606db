"""DESeq2's likelihood-ratio test of time: ``DESeq(dds, test = "LRT", reduced = ~ 1)``.

The design is ``~ time`` with time as a factor (one coefficient per time point), as
DESeq2 1.38 runs it with its defaults: size factors by median of ratios; gene-wise
dispersions (Cox-Reid adjusted, linear-model means, line search, grid refits); the
parametric trend; maximum a posteriori dispersions with DESeq2's prior width and
dispersion outliers; negative binomial GLMs of the full and reduced designs (IRLS with
means kept at or above 0.5 while fitting, as DESeq2's ``fitBeta``); the deviance
difference against chi-square; p-values of genes with a Cook's distance above the 99 %
F quantile removed; Benjamini-Hochberg after independent filtering on the mean.

Orientation: counts genes x samples. For a one-factor design X'WX is diagonal in the
cell-means coding, so the Cox-Reid term is a sum over time points; this module relies on
that and takes no other design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import digamma, gammaln, polygamma

from ..pp.size_factors import deseq2_size_factors
from ..pp.deseq2_dispersion import parametric_dispersion_fit
from ..pp.variance_stabilizing import _trend_genes
from .lowess import lowess
from .timecourse import time_design

_MIN_DISP = 1e-8
_MIN_MU = 0.5
_ALTERNATIVE = ("Use the F test on log values (rnaclust_dash.tl.timecourse) or log-CPM "
                "instead.")


class _Posterior:
    """Cox-Reid adjusted NB log likelihood of log dispersions, optionally with a normal
    prior (DESeq2's ``log_posterior`` / ``dlog_posterior`` for a one-factor design)."""

    def __init__(self, y, mu, onehot, prior_mean=None, prior_var=None):
        self.y, self.mu, self.onehot = y, mu, onehot
        self.prior_mean, self.prior_var = prior_mean, prior_var

    def value(self, log_alpha, rows):
        y, mu = self.y[rows], self.mu[rows]
        alpha = np.exp(log_alpha)[:, None]
        inv = 1.0 / alpha
        loglik = (gammaln(y + inv) - gammaln(inv) - y * np.log(mu + inv)
                  - inv * np.log(1.0 + mu * alpha)).sum(axis=1)
        weights = 1.0 / (1.0 / mu + alpha)
        cox_reid = -0.5 * np.log(weights @ self.onehot).sum(axis=1)
        result = loglik + cox_reid
        if self.prior_mean is not None:
            result -= 0.5 * (log_alpha - self.prior_mean[rows]) ** 2 / self.prior_var
        return result

    def slope(self, log_alpha, rows):
        y, mu = self.y[rows], self.mu[rows]
        alpha = np.exp(log_alpha)[:, None]
        inv = 1.0 / alpha
        d_loglik = (digamma(inv) + np.log(1.0 + mu * alpha) - mu * alpha / (1.0 + mu * alpha)
                    - digamma(y + inv) + y / (mu + inv)).sum(axis=1) / alpha[:, 0] ** 2
        weights = 1.0 / (1.0 / mu + alpha)
        d_cox_reid = -0.5 * ((-(weights ** 2)) @ self.onehot / (weights @ self.onehot)).sum(axis=1)
        result = (d_loglik + d_cox_reid) * alpha[:, 0]
        if self.prior_mean is not None:
            result -= (log_alpha - self.prior_mean[rows]) / self.prior_var
        return result


def _line_search(posterior: _Posterior, log_alpha, *, min_log_alpha, kappa_0=1.0, tol=1e-6,
                 maxit=100):
    """DESeq2's ``fitDisp`` (C++) for all genes at once; as
    ``normalization._fit_log_dispersion`` but with the design's Cox-Reid term and a prior.
    Returns (log dispersions, iterations, log posterior at the start, at the end)."""
    n = len(log_alpha)
    a = log_alpha.copy()
    everyone = np.arange(n)
    lp = posterior.value(a, everyone)
    dlp = posterior.slope(a, everyone)
    initial = lp.copy()
    kappa = np.full(n, kappa_0)
    iterations, accepts = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    active = np.ones(n, dtype=bool)
    for _ in range(maxit):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        iterations[rows] += 1
        a_row, dlp_row, kappa_row = a[rows], dlp[rows], kappa[rows]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            proposal = a_row + kappa_row * dlp_row
            kappa_row = np.where(proposal < -30.0, (-30.0 - a_row) / dlp_row, kappa_row)
            kappa_row = np.where(proposal > 10.0, (10.0 - a_row) / dlp_row, kappa_row)
            a_new = a_row + kappa_row * dlp_row
            lp_new = posterior.value(a_new, rows)
            accepted = -lp_new <= -lp[rows] - kappa_row * 1.0e-4 * dlp_row ** 2
        kappa_row = np.where(accepted, kappa_row, kappa_row / 2.0)
        moved = rows[accepted]
        if moved.size:
            lp_moved = lp_new[accepted]
            a[moved] = a_new[accepted]
            accepts[moved] += 1
            small_change = lp_moved - lp[moved] < tol
            stop_low = ~small_change & (a[moved] < min_log_alpha)
            carry_on = ~small_change & ~stop_low
            lp[moved[small_change | carry_on]] = lp_moved[small_change | carry_on]
            active[moved[small_change | stop_low]] = False
            going = moved[carry_on]
            if going.size:
                dlp[going] = posterior.slope(a[going], going)
            position = np.searchsorted(rows, going)
            grown = np.minimum(kappa_row[position] * 1.1, kappa_0)
            kappa_row[position] = np.where(accepts[going] % 5 == 0, grown / 2.0, grown)
        kappa[rows] = kappa_row
    return a, iterations, initial, lp


def _grid(posterior: _Posterior, rows: np.ndarray, max_disp: float) -> np.ndarray:
    """DESeq2 ``fitDispGrid``: best of 20 log dispersions, then of 20 around it."""
    grid = np.linspace(np.log(_MIN_DISP), np.log(max_disp), 20)
    delta = grid[1] - grid[0]

    def best(candidates):
        scores = np.column_stack([posterior.value(candidates[:, t], rows)
                                  for t in range(candidates.shape[1])])
        scores = np.where(np.isnan(scores), -np.inf, scores)
        return candidates[np.arange(len(rows)), np.argmax(scores, axis=1)]

    coarse = best(np.broadcast_to(grid, (len(rows), grid.size)))
    return np.exp(best(coarse[:, None] + np.linspace(-delta, delta, grid.size)[None, :]))


def _gene_wise_dispersions(counts, size_factors, onehot):
    """DESeq2 ``estimateDispersionsGeneEst``: (mean normalized counts, gene-wise
    dispersions, the linear-model means they were fitted with)."""
    m, p = onehot.shape
    normalized = counts / size_factors
    base_mean = normalized.mean(axis=1)
    fitted = (normalized @ onehot / onehot.sum(axis=0)) @ onehot.T
    rough_mu = np.maximum(fitted, 1.0)
    rough = np.maximum((((normalized - rough_mu) ** 2 - rough_mu) / rough_mu ** 2).sum(axis=1)
                       / (m - p), 0.0)
    moments = (normalized.var(axis=1, ddof=1) - np.mean(1 / size_factors) * base_mean) \
        / base_mean ** 2
    max_disp = max(10.0, float(m))
    start = np.clip(np.minimum(rough, moments), _MIN_DISP, max_disp)
    mu = np.maximum(fitted * size_factors, _MIN_MU)
    plain = _Posterior(counts, mu, onehot)
    log_alpha, iterations, initial, last = _line_search(
        plain, np.log(start), min_log_alpha=np.log(_MIN_DISP / 10))
    gene = np.minimum(np.exp(log_alpha), max_disp)
    no_increase = last < initial + np.abs(initial) / 1e6
    gene[no_increase] = start[no_increase]
    refit = ((iterations >= 100) | (iterations == 1)) & (gene > _MIN_DISP * 10)
    if refit.any():
        gene[refit] = _grid(plain, np.flatnonzero(refit), max_disp)
    return base_mean, np.clip(gene, _MIN_DISP, max_disp), mu


def _dispersions(counts, size_factors, onehot):
    """Final dispersions (DESeq2 ``estimateDispersions``): gene-wise, parametric trend,
    maximum a posteriori with DESeq2's prior width, gene-wise kept for outliers.
    Returns (mean normalized counts, final dispersions, the means of the gene-wise step)."""
    m, p = onehot.shape
    base_mean, gene, mu = _gene_wise_dispersions(counts, size_factors, onehot)
    asymptote, extra = parametric_dispersion_fit(base_mean, gene, alternative=_ALTERNATIVE)
    trend = asymptote + extra / base_mean
    residual = np.log(gene[gene >= 100 * _MIN_DISP]) - np.log(trend[gene >= 100 * _MIN_DISP])
    var_log = stats.median_abs_deviation(residual, scale="normal") ** 2
    prior_var = max(var_log - float(polygamma(1, (m - p) / 2)), 0.25)
    shrunk = _Posterior(counts, mu, onehot, np.log(trend), prior_var)
    initial_map = np.where(gene > 0.1 * trend, gene, trend)
    log_map, iterations, _, _ = _line_search(shrunk, np.log(initial_map),
                                             min_log_alpha=np.log(_MIN_DISP / 10))
    final = np.exp(log_map)
    if (iterations >= 100).any():
        final[iterations >= 100] = _grid(shrunk, np.flatnonzero(iterations >= 100),
                                         max(10.0, float(m)))
    final = np.clip(final, _MIN_DISP, max(10.0, float(m)))
    outlier = np.log(gene) > np.log(trend) + 2 * np.sqrt(var_log)
    final[outlier] = gene[outlier]
    return base_mean, final, mu


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
    mu = np.maximum(size_factors * np.exp(beta @ onehot.T), _MIN_MU)
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
        mu[rows] = np.maximum(size_factors * np.exp(beta[rows] @ onehot.T), _MIN_MU)
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

    As ``rnaclust_dash.normalization.vst`` but the dispersion trend comes from gene-wise
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
    base_mean, gene, _ = _gene_wise_dispersions(values[subset], size_factors, onehot)
    asymptote, extra = parametric_dispersion_fit(base_mean, gene, alternative=_ALTERNATIVE)
    return pd.DataFrame(vst_closed_form(normalized, asymptote, extra), index=counts.index,
                        columns=counts.columns)


def vst_closed_form(normalized: np.ndarray, asymptote: float, extra: float) -> np.ndarray:
    """DESeq2's variance stabilizing transformation of normalized counts for the trend
    ``asymptote + extra / mean`` (tends to log2 of the counts for large counts)."""
    q = normalized
    return np.log2((1 + extra + 2 * asymptote * q
                    + 2 * np.sqrt(asymptote * q * (1 + extra + asymptote * q)))
                   / (4 * asymptote))
