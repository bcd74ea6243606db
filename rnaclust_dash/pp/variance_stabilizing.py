"""DESeq2's variance stabilizing transformation (``vst(dds, blind=TRUE)``, DESeq2 1.38).

:func:`vst` needs a dispersion trend, so this module also holds DESeq2's gene-wise
dispersion estimates for the design ``~ 1`` (Cox-Reid adjusted likelihood, Armijo line
search, grid refits) and its parametric trend fit (an iterated gamma GLM). They follow
DESeq2's R and C++ sources step by step, including their stopping rules, because those
decide which genes are refitted and so change the numbers. Matrices are genes x samples.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.inputs import _as_matrix
from rnaclust_dash.pp.size_factors import deseq2_size_factors


#: DESeq2's lower bound on dispersions (``minDisp``).
_MIN_DISP = 1e-8


def vst(counts, *, size_factors=None, blind: bool = True, nsub: int = 1000) -> np.ndarray:
    """DESeq2 ``vst(dds, blind=TRUE)``: variance stabilizing transformation.

    As DESeq2 1.38 with its defaults: size factors by median of ratios; ``nsub`` genes
    with a mean normalized count above 5, picked evenly along the ranks of that mean;
    their gene-wise dispersions by the Cox-Reid adjusted maximum likelihood of an
    intercept-only design (DESeq2's rough start and Armijo line search on the log
    dispersion, with its rules for rejected moves and grid refits); the trend
    ``asymptDisp + extraPois / mean`` fitted by DESeq2's iterated gamma GLM, dropping genes
    whose ratio to the trend is outside 1e-4..15; then the closed-form transformation of
    the normalized counts q::

        log2((1 + extraPois + 2 asymptDisp q
              + 2 sqrt(asymptDisp q (1 + extraPois + asymptDisp q))) / (4 asymptDisp))

    which tends to log2(q) for large counts.

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts, at least two samples.
    size_factors : array-like, optional
        One size factor per sample; DESeq2's median of ratios when omitted.
    blind : bool, keyword-only
        Must be True: the design is ``~ 1`` (blind to the samples' groups). DESeq2's
        ``blind=FALSE`` reuses a design-aware dispersion fit, which needs a design that
        this function does not take.
    nsub : int, keyword-only
        Number of genes the dispersion trend is fitted on. DESeq2's ``vst`` stops with
        an error when the table has fewer genes, or fewer genes with a mean normalized
        count above 5; here every gene with a count is used instead, as DESeq2's
        ``varianceStabilizingTransformation`` does.

    Returns
    -------
    numpy.ndarray
        Transformed values (log2 scale), genes x samples.

    Raises
    ------
    ParameterError
        ``blind=False``, fewer than two samples, or size factors that do not fit.
    DataError
        No gene without a zero (default size factors), or a dispersion trend that the
        parametric form cannot capture (DESeq2 would switch to a local regression fit,
        which is not implemented here).
    """
    counts = _as_matrix(counts, what="counts", counts=True)
    if not blind:
        raise ParameterError(
            "vst(blind=False) needs the experimental design, which this function does not "
            "take: use blind=True (design ~ 1).")
    n_samples = counts.shape[1]
    if n_samples < 2:
        raise ParameterError("The variance stabilizing transformation needs at least two "
                             "samples to estimate dispersions.")
    if size_factors is None:
        size_factors = deseq2_size_factors(counts)
    size_factors = np.asarray(size_factors, dtype=np.float64)
    if size_factors.shape != (n_samples,) or not (size_factors > 0).all():
        raise ParameterError(f"size_factors must be {n_samples} positive numbers, one per "
                             "sample.")
    normalized = counts / size_factors
    subset = _trend_genes(counts, normalized, nsub=nsub)
    base_mean, dispersions = _gene_dispersions(counts[subset], size_factors)
    use = dispersions > 100 * _MIN_DISP
    if not use.any():
        raise DataError(
            "All gene-wise dispersion estimates are at the minimum (the counts look "
            "Poisson or identical across samples), so no dispersion trend can be fitted "
            "for the variance stabilizing transformation. Use log-CPM instead.")
    asympt_disp, extra_pois = _parametric_dispersion_fit(base_mean[use], dispersions[use])
    return np.log2((1 + extra_pois + 2 * asympt_disp * normalized
                    + 2 * np.sqrt(asympt_disp * normalized
                                  * (1 + extra_pois + asympt_disp * normalized)))
                   / (4 * asympt_disp))


def _trend_genes(counts: np.ndarray, normalized: np.ndarray, *, nsub: int) -> np.ndarray:
    """Indices of the genes DESeq2's ``vst`` fits the dispersion trend on."""
    base_mean = normalized.mean(axis=1)
    expressed = np.flatnonzero(base_mean > 5)
    if counts.shape[0] < nsub or expressed.size < nsub:
        # varianceStabilizingTransformation: every gene that is not all zero
        return np.flatnonzero(counts.sum(axis=1) > 0)
    by_mean = expressed[np.argsort(base_mean[expressed], kind="stable")]
    # R: o[round(seq(from=1, to=length(o), length=nsub))]; both round halves to even
    picks = np.round(np.linspace(1, expressed.size, nsub)).astype(int) - 1
    return by_mean[picks]


def _gene_dispersions(counts: np.ndarray, size_factors: np.ndarray, *, kappa_0: float = 1.0,
                      tol: float = 1e-6, maxit: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """DESeq2 ``estimateDispersionsGeneEst`` for the design ``~ 1``.

    Returns the mean normalized counts and the gene-wise dispersions.
    """
    n_samples = counts.shape[1]
    normalized = counts / size_factors
    base_mean = normalized.mean(axis=1)
    base_var = normalized.var(axis=1, ddof=1)
    # starting point: the smaller of a residual-based and a moments estimate
    rough_mu = np.maximum(base_mean, 1.0)[:, None]
    rough = np.maximum(
        (((normalized - rough_mu) ** 2 - rough_mu) / rough_mu ** 2).sum(axis=1)
        / (n_samples - 1), 0.0)
    moments = (base_var - np.mean(1 / size_factors) * base_mean) / base_mean ** 2
    max_disp = max(10.0, float(n_samples))
    start = np.clip(np.minimum(rough, moments), _MIN_DISP, max_disp)
    # the means of an intercept-only design are linear: the row mean times the size
    # factor, bounded below at 0.5 (minmu) because 1/mu enters the weights
    mu = np.maximum(base_mean[:, None] * size_factors, 0.5)
    search = _fit_log_dispersion(counts, mu, np.log(start), min_log_alpha=np.log(_MIN_DISP / 10),
                                 kappa_0=kappa_0, tol=tol, maxit=maxit)
    log_alpha, iterations, initial_lp, last_lp = search
    dispersions = np.minimum(np.exp(log_alpha), max_disp)
    # a move that raised the likelihood by less than a millionth is not taken
    no_increase = last_lp < initial_lp + np.abs(initial_lp) / 1e6
    dispersions[no_increase] = start[no_increase]
    # line searches that did not converge, or stopped at the first step, go to a grid
    refit = ((iterations >= maxit) | (iterations == 1)) & (dispersions > _MIN_DISP * 10)
    if refit.any():
        dispersions[refit] = _grid_dispersions(counts[refit], mu[refit], max_disp)
    return base_mean, np.clip(dispersions, _MIN_DISP, max_disp)


def _log_posterior(log_alpha: np.ndarray, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Cox-Reid adjusted NB log likelihood of each row (DESeq2 ``log_posterior``, no prior)."""
    alpha = np.exp(log_alpha)[:, None]
    inv = 1.0 / alpha
    loglik = (gammaln(y + inv) - gammaln(inv) - y * np.log(mu + inv)
              - inv * np.log(1.0 + mu * alpha)).sum(axis=1)
    # intercept-only design: X'WX is the sum of the weights
    cox_reid = -0.5 * np.log((1.0 / (1.0 / mu + alpha)).sum(axis=1))
    return loglik + cox_reid


def _dlog_posterior(log_alpha: np.ndarray, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Derivative of :func:`_log_posterior` with respect to log(alpha)."""
    alpha = np.exp(log_alpha)[:, None]
    inv = 1.0 / alpha
    d_loglik = (digamma(inv) + np.log(1.0 + mu * alpha) - mu * alpha / (1.0 + mu * alpha)
                - digamma(y + inv) + y / (mu + inv)).sum(axis=1) / alpha[:, 0] ** 2
    weights = 1.0 / (1.0 / mu + alpha)
    d_cox_reid = -0.5 * (-(weights ** 2)).sum(axis=1) / weights.sum(axis=1)
    return (d_loglik + d_cox_reid) * alpha[:, 0]


def _fit_log_dispersion(y: np.ndarray, mu: np.ndarray, log_alpha: np.ndarray, *,
                        min_log_alpha: float, kappa_0: float, tol: float, maxit: int):
    """DESeq2's ``fitDisp`` (C++): Armijo line search along the gradient, all genes at once.

    Returns the log dispersions, the number of proposals per gene and the log
    likelihoods at the start and at the end.
    """
    n_genes = y.shape[0]
    epsilon = 1.0e-4
    a = log_alpha.copy()
    lp = _log_posterior(a, y, mu)
    dlp = _dlog_posterior(a, y, mu)
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
            # keep log(alpha) within [-30, 10], where lgamma is stable
            kappa_row = np.where(proposal < -30.0, (-30.0 - a_row) / dlp_row, kappa_row)
            kappa_row = np.where(proposal > 10.0, (10.0 - a_row) / dlp_row, kappa_row)
            a_new = a_row + kappa_row * dlp_row
            lp_new = _log_posterior(a_new, y[rows], mu[rows])
            accepted = -lp_new <= -lp[rows] - kappa_row * epsilon * dlp_row ** 2
        kappa_row = np.where(accepted, kappa_row, kappa_row / 2.0)
        moved = rows[accepted]
        if moved.size:
            lp_moved = lp_new[accepted]
            a[moved] = a_new[accepted]
            accepts[moved] += 1
            small_change = lp_moved - lp[moved] < tol
            # the log likelihood is updated only when not stopping for a vanishing alpha
            stop_low = ~small_change & (a[moved] < min_log_alpha)
            carry_on = ~small_change & ~stop_low
            lp[moved[small_change | carry_on]] = lp_moved[small_change | carry_on]
            active[moved[small_change | stop_low]] = False
            going = moved[carry_on]
            if going.size:
                dlp[going] = _dlog_posterior(a[going], y[going], mu[going])
            # grow the step by 10% (at most kappa_0), halve it every fifth accept
            position = np.searchsorted(rows, going)
            grown = np.minimum(kappa_row[position] * 1.1, kappa_0)
            kappa_row[position] = np.where(accepts[going] % 5 == 0, grown / 2.0, grown)
        kappa[rows] = kappa_row
    return a, iterations, initial_lp, lp


def _grid_dispersions(y: np.ndarray, mu: np.ndarray, max_disp: float) -> np.ndarray:
    """DESeq2 ``fitDispGrid``: best of 20 log dispersions, then of 20 around it."""
    n_genes = y.shape[0]
    grid = np.linspace(np.log(_MIN_DISP), np.log(max_disp), 20)
    delta = grid[1] - grid[0]

    def best(candidates: np.ndarray) -> np.ndarray:
        scores = np.column_stack([_log_posterior(candidates[:, t], y, mu)
                                  for t in range(candidates.shape[1])])
        scores = np.where(np.isnan(scores), -np.inf, scores)
        return candidates[np.arange(n_genes), np.argmax(scores, axis=1)]

    coarse = best(np.broadcast_to(grid, (n_genes, grid.size)))
    fine = coarse[:, None] + np.linspace(-delta, delta, grid.size)[None, :]
    return np.exp(best(fine))


def _parametric_dispersion_fit(means: np.ndarray, dispersions: np.ndarray) -> tuple[float, float]:
    """DESeq2 ``parametricDispersionFit``: dispersion = asymptDisp + extraPois / mean."""
    coefs = np.array([0.1, 1.0])
    # DESeq2 allows 11 gamma fits before it gives up
    for _ in range(11):
        residuals = dispersions / (coefs[0] + coefs[1] / means)
        # genes far off the current trend do not pull on it
        good = (residuals > 1e-4) & (residuals < 15)
        new_coefs, converged = _gamma_identity_glm(dispersions[good], 1.0 / means[good],
                                                   start=coefs)
        if not (new_coefs > 0).all():
            raise _trend_error("a coefficient of the fit is not positive")
        change = np.sum(np.log(new_coefs / coefs) ** 2)
        coefs = new_coefs
        if change < 1e-6 and converged:
            return float(coefs[0]), float(coefs[1])
    raise _trend_error("the fit did not converge")


def _trend_error(reason: str) -> DataError:
    return DataError(
        f"The dispersions of these counts do not follow DESeq2's parametric trend "
        f"(a + b / mean): {reason}. DESeq2 would switch to a local regression fit, which is "
        "not available here; use log-CPM or log2 of normalized counts instead.")


def _gamma_identity_glm(y: np.ndarray, x: np.ndarray, *, start: np.ndarray,
                        epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, bool]:
    """R ``glm(y ~ x, family=Gamma(link="identity"), start=start)`` by IRLS (``glm.fit``).

    Returns the coefficients (intercept, slope) and whether the deviance converged.
    """
    design = np.column_stack([np.ones_like(x), x])
    coefs = np.asarray(start, dtype=np.float64)
    mu = design @ coefs
    if not _valid_gamma_mean(mu):
        raise _trend_error("no valid starting values for the gamma fit")
    dev_old = _gamma_deviance(y, mu)
    coefs_old = None
    for _ in range(maxit):
        # identity link: working response y, weights 1 / variance = 1 / mu^2
        root_w = 1.0 / mu
        coefs = np.linalg.lstsq(design * root_w[:, None], y * root_w, rcond=None)[0]
        mu = design @ coefs
        dev = _gamma_deviance(y, mu)
        # step halving back towards the last valid coefficients, as glm.fit does
        halvings = 0
        while not (np.isfinite(dev) and _valid_gamma_mean(mu)):
            if coefs_old is None or halvings >= maxit:
                raise _trend_error("the gamma fit cannot find valid coefficients")
            halvings += 1
            coefs = (coefs + coefs_old) / 2
            mu = design @ coefs
            dev = _gamma_deviance(y, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            return coefs, True
        dev_old, coefs_old = dev, coefs
    return coefs, False


def _valid_gamma_mean(mu: np.ndarray) -> bool:
    return bool(np.isfinite(mu).all() and (mu > 0).all())


def _gamma_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y == 0, 1.0, y / mu)
        return float(np.sum(-2.0 * (np.log(ratio) - (y - mu) / mu)))
