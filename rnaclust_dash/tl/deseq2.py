"""DESeq2's Wald test between sample groups, equal to R DESeq2 1.38 (Bioconductor 3.16).

Reproduces ``DESeq(dds)`` with ``design = ~ group`` and its defaults (median-of-ratios
size factors, parametric dispersion trend, MAP dispersions, no beta prior, Wald test with
the normal distribution), then ``results(dds, contrast = c("group", group, reference))``
with Cook's distance filtering and independent filtering (alpha = 0.1) of the adjusted
p-values. All genes are fitted at once (no loop over genes).

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
from scipy.optimize import minimize
from scipy.special import gammaln, ndtr
from scipy.stats import f as f_distribution

from ..errors import DataError, ParameterError
from ..pp.deseq2_dispersion import (
    DESEQ2_MIN_MU,
    dispersion_trend,
    gene_wise_dispersions,
    map_dispersions,
)
from ..pp.size_factors import deseq2_size_factors
from ._lowess import lowess
from ._stats import bh_adjust

#: what an error suggests when DESeq2's dispersion trend cannot be fitted
_ALTERNATIVE = "Use the t-test or the Wilcoxon test on log values instead."
#: DESeq2's ridge on the coefficients (log2 scale) when there is no beta prior.
_LAMBDA = 1e-6
_LARGE = 30.0


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
    n_genes = counts.shape[0]
    out = {name: np.full(n_genes, np.nan) for name in
           ("base_mean", "log2fc", "lfc_se", "statistic", "pvalue", "dispersion")}
    out["converged"] = np.zeros(n_genes, dtype=bool)
    out["base_mean"] = normalized.mean(axis=1)
    out["mean_in"] = normalized[:, groups == tested].mean(axis=1)
    out["mean_out"] = normalized[:, groups == 0].mean(axis=1)
    nonzero = counts.sum(axis=1) > 0
    y = counts[nonzero]
    # genes are independent except for the trend: blocks of rows bound the memory
    blocks = _row_blocks(*y.shape)
    gene_wise, mu = (np.concatenate(parts) for parts in zip(*(
        gene_wise_dispersions(y[rows], size_factors, groups=groups, maxit=maxit)
        for rows in blocks)))
    trend = dispersion_trend(out["base_mean"][nonzero], gene_wise,
                             residual_df=design.shape[0] - design.shape[1],
                             alternative=_ALTERNATIVE)
    disp = np.concatenate([map_dispersions(y[rows], mu[rows], groups=groups,
                                           gene_wise=gene_wise[rows],
                                           trend=dict(trend, fit=trend["fit"][rows]), maxit=maxit)
                           for rows in blocks])
    fits = [fit_nb_glm(y[rows], design, size_factors, disp[rows], maxit=maxit)
            for rows in blocks]
    fit = {key: np.concatenate([part[key] for part in fits]) for key in fits[0]}
    log2fc = fit["beta"][:, tested] / np.log(2)
    lfc_se = fit["se"][:, tested] / np.log(2)
    statistic = log2fc / lfc_se
    pvalue = 2 * ndtr(-np.abs(statistic))
    # DESeq2's cleanContrast: no count in either compared group means no change
    compared = (groups == tested) | (groups == 0)
    silent = y[:, compared].sum(axis=1) == 0
    log2fc[silent], statistic[silent], pvalue[silent] = 0.0, 0.0, 1.0
    outliers = _cooks_outliers(y, normalized[nonzero], groups, design, fit)
    pvalue[outliers] = np.nan
    for name, values in (("log2fc", log2fc), ("lfc_se", lfc_se), ("statistic", statistic),
                         ("pvalue", pvalue), ("dispersion", disp)):
        out[name][nonzero] = values
    out["converged"][nonzero] = fit["converged"]
    out["padj"] = independent_filtering(out["pvalue"], out["base_mean"], alpha=alpha)
    return out


def fit_nb_glm(y: np.ndarray, design: np.ndarray, size_factors: np.ndarray,
               dispersions: np.ndarray, *, maxit: int = 100, tol: float = 1e-8) -> dict:
    """DESeq2's ``fitBeta`` (IRLS with a tiny ridge), all genes at once; natural log scale.

    Returns the coefficients ``beta`` (genes x p), their standard errors ``se``, the hat
    diagonals ``hat`` and fitted means ``mu`` (genes x samples) and ``converged``.
    """
    n_genes, n_samples = y.shape
    ridge = np.diag(np.full(design.shape[1], _LAMBDA / np.log(2) ** 2))
    # start: least squares of log(normalized + 0.1) on the design
    start = np.linalg.lstsq(design, np.log(y / size_factors + 0.1).T, rcond=None)[0].T
    beta = start.copy()
    alpha = dispersions[:, None]
    mu = np.maximum(size_factors * np.exp(beta @ design.T), DESEQ2_MIN_MU)
    dev_old = _deviance(y, mu, dispersions)
    iterations = np.zeros(n_genes, dtype=int)
    active = np.ones(n_genes, dtype=bool)
    for step in range(maxit):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        iterations[rows] += 1
        mu_rows = mu[rows]
        weights = mu_rows / (1.0 + alpha[rows] * mu_rows)
        z = np.log(mu_rows / size_factors) + (y[rows] - mu_rows) / mu_rows
        lhs = np.einsum("gm,mp,mq->gpq", weights, design, design) + ridge
        rhs = np.einsum("gm,mp->gp", weights * z, design)
        new_beta = np.linalg.solve(lhs, rhs[..., None])[..., 0]
        diverged = (np.abs(new_beta) > _LARGE).any(axis=1)
        beta[rows] = new_beta
        mu[rows] = np.maximum(size_factors * np.exp(np.clip(new_beta @ design.T, -700, 700)),
                              DESEQ2_MIN_MU)
        dev = _deviance(y[rows], mu[rows], dispersions[rows])
        with np.errstate(invalid="ignore"):
            change = np.abs(dev - dev_old[rows]) / (np.abs(dev) + 0.1)
        failed = diverged | np.isnan(change)
        iterations[rows[failed]] = maxit
        done = failed | ((step > 0) & (change < tol))
        active[rows[done]] = False
        dev_old[rows] = dev
    converged = iterations < maxit
    for row in np.flatnonzero(~converged):
        # DESeq2's fallback: a bounded optimiser on the log2 scale; like R, it starts at the
        # least-squares start values (natural log) read as log2 ones
        beta[row], converged[row] = _optimise_row(y[row], design, size_factors,
                                                  dispersions[row], start[row])
        mu[row] = np.maximum(size_factors * np.exp(beta[row] @ design.T), DESEQ2_MIN_MU)
    weights = mu / (1.0 + alpha * mu)
    xtwx = np.einsum("gm,mp,mq->gpq", weights, design, design)
    inverse = np.linalg.inv(xtwx + ridge)
    sigma = inverse @ xtwx @ inverse
    hat = np.einsum("mp,gpq,mq->gm", design, inverse, design) * weights
    return {"beta": beta, "se": np.sqrt(np.maximum(np.diagonal(sigma, axis1=1, axis2=2), 0)),
            "hat": hat, "mu": size_factors * np.exp(beta @ design.T), "converged": converged}


def _optimise_row(y, design, size_factors, dispersion, start) -> tuple[np.ndarray, bool]:
    """``fitNbinomGLMsOptim`` for one gene: L-BFGS-B within +-30 (log2), tiny normal prior."""
    size = 1.0 / dispersion

    def objective(coefs):
        mu = size_factors * 2.0 ** (design @ coefs)
        loglik = (gammaln(y + size) - gammaln(size) - gammaln(y + 1)
                  + size * np.log(size / (size + mu)) + y * np.log(mu / (size + mu))).sum()
        value = -(loglik - 0.5 * _LAMBDA * np.sum(coefs ** 2))
        # d loglik / d mu = y / mu - (y + size) / (mu + size); d mu / d coef = mu log 2 x
        d_mu = (y / mu - (y + size) / (mu + size)) * mu * np.log(2)
        gradient = -(design.T @ d_mu - _LAMBDA * coefs)
        return value, gradient

    result = minimize(objective, np.clip(start, -_LARGE, _LARGE), jac=True, method="L-BFGS-B",
                      bounds=[(-_LARGE, _LARGE)] * design.shape[1],
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
    return result.x * np.log(2), bool(result.success)


def independent_filtering(pvalues: np.ndarray, base_mean: np.ndarray, *,
                          alpha: float = 0.1) -> np.ndarray:
    """DESeq2 ``pvalueAdjustment``: BH after removing genes of low mean (genefilter).

    The mean-count threshold is the quantile (of 50 from the share of zero means to 0.95)
    whose number of rejections at ``alpha`` first comes within one residual standard
    deviation of the lowess fit's maximum.
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
    fitted = lowess(thetas, rejections.astype(float), f=1 / 5)
    chosen = 0
    if rejections.max() > 10:
        residual = (rejections[rejections > 0] - fitted[rejections > 0]
                    if (rejections > 0).any() else np.zeros(1))
        threshold = fitted.max() - np.sqrt(np.mean(residual ** 2))
        above = np.flatnonzero(rejections > threshold)
        chosen = int(above[0]) if above.size else 0
    return adjusted[:, chosen]


def _cooks_outliers(y, normalized, groups, design, fit) -> np.ndarray:
    """Genes whose largest Cook's distance (cells of 3+ samples) passes qf(0.99, p, m - p)."""
    n_samples, n_params = design.shape
    sizes = np.bincount(groups)
    for_cooks = sizes[groups] >= 3
    if n_samples <= n_params or not for_cooks.any():
        return np.zeros(y.shape[0], dtype=bool)
    dispersions = _robust_moments_dispersion(normalized, groups)
    mu = fit["mu"]
    pearson_sq = (y - mu) ** 2 / (mu + dispersions[:, None] * mu ** 2)
    cooks = pearson_sq / n_params * fit["hat"] / (1 - fit["hat"]) ** 2
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


def _row_blocks(n_genes: int, n_samples: int, *, cells: int = 4_000_000) -> list:
    """Row slices of about ``cells`` matrix entries each (at least one block)."""
    size = max(256, cells // max(n_samples, 1))
    return [slice(start, min(start + size, n_genes)) for start in range(0, max(n_genes, 1), size)]


def _deviance(y: np.ndarray, mu: np.ndarray, dispersions: np.ndarray) -> np.ndarray:
    size = 1.0 / dispersions[:, None]
    loglik = (gammaln(y + size) - gammaln(size) - gammaln(y + 1)
              + size * np.log(size / (size + mu)) + y * np.log(mu / (size + mu)))
    return -2.0 * loglik.sum(axis=1)


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
