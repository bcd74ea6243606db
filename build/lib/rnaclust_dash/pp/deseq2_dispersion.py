"""DESeq2's negative-binomial dispersion estimates (DESeq2 1.38, Bioconductor 3.16).

One home for the dispersion fits of :func:`rnaclust_dash.pp.vst` (design ``~ 1``) and of
:func:`rnaclust_dash.tl.deseq2.deseq2_wald` (design ``~ group``); it sits in ``pp`` because
``tl`` builds on ``pp``, never the other way. Counts are genes x samples; ``groups`` is an
integer group index per sample (all zeros for ``~ 1``). Any design whose columns span the
group indicators gives the same means and the same Cox-Reid term: log det(X'WX) = sum over
groups of log(sum of W in the group), because X = G T with T triangular of determinant 1.
So the whole estimation runs on all genes at once with per-group sums, following DESeq2's
C++ ``fitDisp`` and ``fitDispGrid`` and its R steps (start values, "no increase" rule,
grid refits, MAP with a log-normal prior, dispersion outliers). Their stopping rules are
kept because they decide which genes are refitted and so change the numbers.

The trend's gamma GLM halves its steps back towards R's start values, as ``glm.fit`` does
(``coefold <- start``): without that the first step can fail where R succeeds.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from rnaclust_dash.errors import DataError

#: DESeq2's lower bound on dispersions (``minDisp``).
_MIN_DISP = 1e-8
#: DESeq2's lower bound on fitted means in the dispersion and GLM fits (``minmu``).
DESEQ2_MIN_MU = 0.5


def _group_means_mu(normalized: np.ndarray, groups: np.ndarray,
                    size_factors: np.ndarray) -> np.ndarray:
    """``linearModelMuNormalized``: each group's mean normalized count times the size factor."""
    one_hot = _one_hot(groups)
    means = (normalized @ one_hot) / one_hot.sum(axis=0)
    return means[:, groups] * size_factors


def gene_wise_dispersions(counts: np.ndarray, size_factors: np.ndarray, *,
                          groups: np.ndarray | None = None, kappa_0: float = 1.0,
                          tol: float = 1e-6, maxit: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """DESeq2 ``estimateDispersionsGeneEst`` (niter = 1) for a design of sample groups.

    The start is the smaller of a residual-based and a moments estimate; the Cox-Reid
    adjusted likelihood is maximised by DESeq2's Armijo line search on log(alpha); a move
    that raises it by less than a millionth is not taken, and searches that did not
    converge or stopped at the first step go to DESeq2's grid.

    Parameters
    ----------
    counts : numpy.ndarray
        Raw counts, genes x samples (n_genes, n_samples), no gene all zero.
    size_factors : numpy.ndarray
        One positive size factor per sample, shape (n_samples,).
    groups : numpy.ndarray, optional, keyword-only
        Integer group index 0..k-1 of each sample, shape (n_samples,); every group has a
        sample. None (the default) is the design ``~ 1``.
    kappa_0, tol, maxit : keyword-only
        DESeq2's line search settings (``estimateDispersionsGeneEst`` defaults).

    Returns
    -------
    dispersions : numpy.ndarray
        Gene-wise estimates within [1e-8, max(10, n_samples)], shape (n_genes,).
    mu : numpy.ndarray
        The fitted means used, bounded below at :data:`DESEQ2_MIN_MU`, genes x samples.
    """
    n_samples = counts.shape[1]
    if groups is None:
        groups = np.zeros(n_samples, dtype=int)
    n_params = groups.max() + 1
    normalized = counts / size_factors
    base_mean = normalized.mean(axis=1)
    base_var = normalized.var(axis=1, ddof=1)
    rough_mu = np.maximum(_group_means_mu(normalized, groups, np.ones(n_samples)), 1.0)
    rough = np.maximum((((normalized - rough_mu) ** 2 - rough_mu) / rough_mu ** 2).sum(axis=1)
                       / (n_samples - n_params), 0.0)
    moments = (base_var - np.mean(1 / size_factors) * base_mean) / base_mean ** 2
    max_disp = max(10.0, float(n_samples))
    start = np.clip(np.minimum(rough, moments), _MIN_DISP, max_disp)
    # 1/mu enters the weights, hence DESeq2's lower bound on the means
    mu = np.maximum(_group_means_mu(normalized, groups, size_factors), DESEQ2_MIN_MU)
    log_alpha, iterations, initial_lp, last_lp = _fit_log_dispersion(
        counts, mu, groups, np.log(start), prior=None, kappa_0=kappa_0, tol=tol, maxit=maxit)
    dispersions = np.minimum(np.exp(log_alpha), max_disp)
    no_increase = last_lp < initial_lp + np.abs(initial_lp) / 1e6
    dispersions[no_increase] = start[no_increase]
    refit = ((iterations >= maxit) | (iterations == 1)) & (dispersions > _MIN_DISP * 10)
    if refit.any():
        dispersions[refit] = _grid_dispersions(counts[refit], mu[refit], groups, max_disp,
                                               prior=None)
    return np.clip(dispersions, _MIN_DISP, max_disp), mu


def dispersion_trend(base_mean: np.ndarray, gene_wise: np.ndarray, *, residual_df: int,
                     alternative: str) -> dict:
    """``estimateDispersionsFit`` (parametric) and ``estimateDispersionsPriorVar``.

    Parameters
    ----------
    base_mean : numpy.ndarray
        Mean normalized count of each gene, shape (n_genes,).
    gene_wise : numpy.ndarray
        :func:`gene_wise_dispersions` of the same genes, shape (n_genes,).
    residual_df : int, keyword-only
        Samples minus design columns.
    alternative : str, keyword-only
        What the error message suggests instead when no trend can be fitted.

    Returns
    -------
    dict
        ``fit``: the trend at each gene, shape (n_genes,); ``var_log_disp``: the variance
        of the log dispersions around it (MAD squared); ``prior_var``: DESeq2's prior
        variance of the log dispersions.
    """
    usable = _usable_for_trend(gene_wise)
    asympt_disp, extra_pois = parametric_dispersion_fit(base_mean, gene_wise,
                                                        alternative=alternative)
    trend = asympt_disp + extra_pois / base_mean
    residuals = np.log(gene_wise[usable]) - np.log(trend[usable])
    var_log_disp = (1.4826 * np.median(np.abs(residuals - np.median(residuals)))) ** 2
    return {"fit": trend, "var_log_disp": var_log_disp,
            "prior_var": _prior_variance(residuals, var_log_disp, residual_df)}


def map_dispersions(counts: np.ndarray, mu: np.ndarray, *, groups: np.ndarray,
                    gene_wise: np.ndarray, trend: dict, kappa_0: float = 1.0,
                    tol: float = 1e-6, maxit: int = 100) -> np.ndarray:
    """``estimateDispersionsMAP``: final dispersions of these genes (rows).

    Parameters
    ----------
    counts, mu : numpy.ndarray
        Raw counts and :func:`gene_wise_dispersions`' fitted means, genes x samples.
    groups : numpy.ndarray, keyword-only
        Integer group index of each sample, shape (n_samples,).
    gene_wise : numpy.ndarray, keyword-only
        Gene-wise dispersions of these genes, shape (n_genes,).
    trend : dict, keyword-only
        :func:`dispersion_trend`'s dict with ``fit`` restricted to these genes.

    Returns
    -------
    numpy.ndarray
        The MAP estimate, or the gene-wise one for dispersion outliers, shape (n_genes,).
    """
    n_samples = counts.shape[1]
    fit, prior_var = trend["fit"], trend["prior_var"]
    start = np.where(gene_wise > 0.1 * fit, gene_wise, fit)
    prior = (np.log(fit), prior_var)
    log_alpha, iterations, _, _ = _fit_log_dispersion(counts, mu, groups, np.log(start),
                                                      prior=prior, kappa_0=kappa_0, tol=tol,
                                                      maxit=maxit)
    dispersions = np.exp(log_alpha)
    max_disp = max(10.0, float(n_samples))
    refit = iterations >= maxit
    if refit.any():
        dispersions[refit] = _grid_dispersions(counts[refit], mu[refit], groups, max_disp,
                                               prior=(prior[0][refit], prior_var))
    dispersions = np.clip(dispersions, _MIN_DISP, max_disp)
    outlier = np.log(gene_wise) > np.log(fit) + 2 * np.sqrt(trend["var_log_disp"])
    return np.where(outlier, gene_wise, dispersions)


def _prior_variance(residuals: np.ndarray, var_log_disp: float, residual_df: int) -> float:
    """``estimateDispersionsPriorVar``: spread of log dispersions beyond sampling noise."""
    if residual_df > 3:
        return float(max(var_log_disp - polygamma(1, residual_df / 2), 0.25))
    # DESeq2 matches the histogram of residuals to simulated log chi-square + normal
    # draws (R's RNG, set.seed(2), loess smoothing): the same search with numpy's RNG and a
    # running mean, so this case agrees with R only approximately.
    rng = np.random.default_rng(2)
    breaks = np.arange(-20, 21) / 2
    observed = residuals[(residuals > breaks[0]) & (residuals < breaks[-1])]
    obs_density = np.histogram(observed, bins=breaks, density=True)[0]
    grid = np.linspace(0, 8, 200)
    divergences = np.empty(grid.size)
    for position, variance in enumerate(grid):
        draws = (np.log(rng.chisquare(residual_df, 10000)) + rng.normal(0, np.sqrt(variance),
                 10000) - np.log(residual_df))
        draws = draws[(draws > breaks[0]) & (draws < breaks[-1])]
        sim_density = np.histogram(draws, bins=breaks, density=True)[0]
        both = np.concatenate([obs_density, sim_density])
        small = both[both > 0].min()
        divergences[position] = np.sum(obs_density * (np.log(obs_density + small)
                                                      - np.log(sim_density + small)))
    smooth = np.convolve(divergences, np.ones(41) / 41, mode="same")
    return float(max(grid[np.argmin(smooth)], 0.25))


def _log_posterior(log_alpha, y, mu, groups, prior=None) -> np.ndarray:
    """Cox-Reid adjusted NB log likelihood per gene, plus DESeq2's log-normal prior."""
    alpha = np.exp(log_alpha)[:, None]
    inv = 1.0 / alpha
    loglik = (gammaln(y + inv) - gammaln(inv) - y * np.log(mu + inv)
              - inv * np.log(1.0 + mu * alpha)).sum(axis=1)
    weights = 1.0 / (1.0 / mu + alpha)
    cox_reid = -0.5 * np.log(weights @ _one_hot(groups)).sum(axis=1)
    result = loglik + cox_reid
    if prior is not None:
        mean, variance = prior
        result = result - 0.5 * (log_alpha - mean) ** 2 / variance
    return result


def _dlog_posterior(log_alpha, y, mu, groups, prior=None) -> np.ndarray:
    """Derivative of :func:`_log_posterior` with respect to log(alpha)."""
    alpha = np.exp(log_alpha)[:, None]
    inv = 1.0 / alpha
    d_loglik = (digamma(inv) + np.log(1.0 + mu * alpha) - mu * alpha / (1.0 + mu * alpha)
                - digamma(y + inv) + y / (mu + inv)).sum(axis=1) / alpha[:, 0] ** 2
    weights = 1.0 / (1.0 / mu + alpha)
    one_hot = _one_hot(groups)
    d_cox_reid = -0.5 * ((-(weights ** 2)) @ one_hot / (weights @ one_hot)).sum(axis=1)
    result = (d_loglik + d_cox_reid) * alpha[:, 0]
    if prior is not None:
        mean, variance = prior
        result = result - (log_alpha - mean) / variance
    return result


def _fit_log_dispersion(y, mu, groups, log_alpha, *, prior, kappa_0: float, tol: float,
                       maxit: int):
    """DESeq2's ``fitDisp`` (C++): Armijo line search along the gradient, all genes at once.

    Returns the log dispersions, the number of proposals per gene and the log posteriors
    at the start and at the end.
    """
    n_genes = y.shape[0]
    min_log_alpha = np.log(_MIN_DISP / 10)

    def rows_prior(rows):
        return None if prior is None else (np.asarray(prior[0])[rows], prior[1])

    a = log_alpha.copy()
    lp = _log_posterior(a, y, mu, groups, prior)
    dlp = _dlog_posterior(a, y, mu, groups, prior)
    initial_lp = lp.copy()
    kappa = np.full(n_genes, kappa_0)
    iterations = np.zeros(n_genes, dtype=int)
    accepts = np.zeros(n_genes, dtype=int)
    active = np.ones(n_genes, dtype=bool)
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
            lp_new = _log_posterior(a_new, y[rows], mu[rows], groups, rows_prior(rows))
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
                dlp[going] = _dlog_posterior(a[going], y[going], mu[going], groups,
                                            rows_prior(going))
            position = np.searchsorted(rows, going)
            grown = np.minimum(kappa_row[position] * 1.1, kappa_0)
            kappa_row[position] = np.where(accepts[going] % 5 == 0, grown / 2.0, grown)
        kappa[rows] = kappa_row
    return a, iterations, initial_lp, lp


def _grid_dispersions(y, mu, groups, max_disp: float, *, prior) -> np.ndarray:
    """DESeq2 ``fitDispGrid``: best of 20 log dispersions, then of 20 around it."""
    n_genes = y.shape[0]
    grid = np.linspace(np.log(_MIN_DISP), np.log(max_disp), 20)
    delta = grid[1] - grid[0]

    def best(candidates: np.ndarray) -> np.ndarray:
        scores = np.column_stack([_log_posterior(candidates[:, t], y, mu, groups, prior)
                                  for t in range(candidates.shape[1])])
        scores = np.where(np.isnan(scores), -np.inf, scores)
        return candidates[np.arange(n_genes), np.argmax(scores, axis=1)]

    coarse = best(np.broadcast_to(grid, (n_genes, grid.size)))
    fine = coarse[:, None] + np.linspace(-delta, delta, grid.size)[None, :]
    return np.exp(best(fine))


def _one_hot(groups: np.ndarray) -> np.ndarray:
    return (groups[:, None] == np.arange(groups.max() + 1)[None, :]).astype(np.float64)


def parametric_dispersion_fit(means: np.ndarray, dispersions: np.ndarray, *,
                              alternative: str) -> tuple[float, float]:
    """DESeq2 ``parametricDispersionFit``: dispersion = asymptDisp + extraPois / mean.

    Genes whose dispersion is at DESeq2's minimum are left out, as
    ``estimateDispersionsFit`` does; then the gamma GLM is refitted on the genes whose
    ratio to the current trend is within 1e-4..15, at most 11 times.

    Parameters
    ----------
    means : numpy.ndarray
        Mean normalized count of each gene, shape (n_genes,).
    dispersions : numpy.ndarray
        Gene-wise dispersions, shape (n_genes,).
    alternative : str, keyword-only
        What the error message suggests instead when no trend can be fitted.

    Returns
    -------
    tuple of float
        ``asymptDisp`` and ``extraPois``.

    Raises
    ------
    DataError
        Every dispersion at the minimum, or a trend the parametric form cannot capture
        (DESeq2 would switch to a local regression fit, which is not implemented here).
    """
    usable = _usable_for_trend(dispersions)
    if not usable.any():
        raise DataError(
            "All gene-wise dispersion estimates are at the minimum (the counts look Poisson "
            f"or identical within groups), so DESeq2's dispersion trend cannot be fitted. "
            f"{alternative}")
    means, dispersions = means[usable], dispersions[usable]
    coefs = np.array([0.1, 1.0])
    for _ in range(11):  # DESeq2 allows 11 gamma fits before it gives up
        residuals = dispersions / (coefs[0] + coefs[1] / means)
        good = (residuals > 1e-4) & (residuals < 15)  # genes far off the trend do not pull
        new_coefs, converged = _gamma_identity_glm(dispersions[good], 1.0 / means[good],
                                                   start=coefs, alternative=alternative)
        if not (new_coefs > 0).all():
            raise _trend_error("a coefficient of the fit is not positive", alternative)
        change = np.sum(np.log(new_coefs / coefs) ** 2)
        coefs = new_coefs
        if change < 1e-6 and converged:
            return float(coefs[0]), float(coefs[1])
    raise _trend_error("the fit did not converge", alternative)


def _usable_for_trend(dispersions: np.ndarray) -> np.ndarray:
    """DESeq2 fits the trend only on dispersions above 100 times its minimum."""
    return dispersions > 100 * _MIN_DISP


def _trend_error(reason: str, alternative: str) -> DataError:
    return DataError(
        f"The dispersions of these counts do not follow DESeq2's parametric trend "
        f"(a + b / mean): {reason}. DESeq2 would switch to a local regression fit, which is "
        f"not available here. {alternative}")


def _gamma_identity_glm(y: np.ndarray, x: np.ndarray, *, start: np.ndarray, alternative: str,
                        epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, bool]:
    """R ``glm(y ~ x, family=Gamma(link="identity"), start=start)`` (``glm.fit``).

    Returns the coefficients (intercept, slope) and whether the deviance converged.
    """
    design = np.column_stack([np.ones_like(x), x])
    coefs_old = np.asarray(start, dtype=np.float64)
    mu = design @ coefs_old
    if not _valid_mean(mu):
        raise _trend_error("no valid starting values for the gamma fit", alternative)
    dev_old = _gamma_deviance(y, mu)
    for _ in range(maxit):
        # identity link: working response y, weights 1 / variance = 1 / mu^2
        coefs = np.linalg.lstsq(design / mu[:, None], y / mu, rcond=None)[0]
        mu = design @ coefs
        dev = _gamma_deviance(y, mu)
        # step halving back towards the last valid coefficients, the start values at first
        halvings = 0
        while not (np.isfinite(dev) and _valid_mean(mu)):
            if halvings >= maxit:
                raise _trend_error("the gamma fit cannot find valid coefficients", alternative)
            halvings += 1
            coefs = (coefs + coefs_old) / 2
            mu = design @ coefs
            dev = _gamma_deviance(y, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            return coefs, True
        dev_old, coefs_old = dev, coefs
    return coefs_old, False


def _valid_mean(mu: np.ndarray) -> bool:
    return bool(np.isfinite(mu).all() and (mu > 0).all())


def _gamma_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y == 0, 1.0, y / mu)
        return float(np.sum(-2.0 * (np.log(ratio) - (y - mu) / mu)))
