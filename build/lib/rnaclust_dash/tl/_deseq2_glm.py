"""DESeq2's model fit (``DESeq()`` without the test): dispersions, then negative-binomial
GLMs, all genes at once in row blocks. One home for the Wald test
(:mod:`rnaclust_dash.tl.deseq2`) and the likelihood-ratio test
(:mod:`rnaclust_dash.tl.deseq2_lrt`), as DESeq2 1.38 (Bioconductor 3.16).

Orientation: counts genes x samples; ``design`` samples x coefficients; ``groups`` one
integer cell index per sample (the distinct rows of a one-factor design). Coefficients
are on the natural log scale. The dispersions come from
:mod:`rnaclust_dash.pp.deseq2_dispersion`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

from ..pp.deseq2_dispersion import (
    DESEQ2_MIN_MU,
    dispersion_trend,
    gene_wise_dispersions,
    map_dispersions,
)

#: DESeq2's ridge on the coefficients (log2 scale) when there is no beta prior.
_LAMBDA = 1e-6
#: DESeq2's bound on coefficients (log2 in the optimiser, natural log in IRLS).
_LARGE = 30.0


def fit_deseq2(y: np.ndarray, size_factors: np.ndarray, design: np.ndarray, *,
               groups: np.ndarray, base_mean: np.ndarray, alternative: str,
               maxit: int = 100, blocks: list | None = None) -> dict:
    """DESeq2's ``estimateDispersions`` and ``fitNbinomGLMs`` of the full design.

    Parameters
    ----------
    y : numpy.ndarray
        Raw counts, genes x samples, every gene with a count.
    size_factors : numpy.ndarray
        Shape (n_samples,).
    design : numpy.ndarray
        Model matrix, samples x coefficients, spanning the indicators of ``groups``.
    groups : numpy.ndarray, keyword-only
        Cell index per sample, shape (n_samples,).
    base_mean : numpy.ndarray, keyword-only
        Mean normalized count of each gene of ``y``, shape (n_genes,): the dispersion
        trend's abscissa.
    alternative : str, keyword-only
        What the error suggests when the dispersion trend cannot be fitted.
    maxit : int, keyword-only
        Iterations of the dispersion and coefficient fits.
    blocks : list of slice, optional, keyword-only
        Row blocks (genes are independent except for the trend); :func:`row_blocks`
        when omitted.

    Returns
    -------
    dict
        ``dispersion`` (n_genes,), ``dispersion_mu`` (genes x samples,
        the means of the gene-wise dispersion step) and the entries of
        :func:`fit_nb_glm`.
    """
    if blocks is None:
        blocks = row_blocks(*y.shape)
    gene_wise, mu = (np.concatenate(parts) for parts in zip(*(
        gene_wise_dispersions(y[rows], size_factors, groups=groups, maxit=maxit)
        for rows in blocks)))
    trend = dispersion_trend(base_mean, gene_wise,
                             residual_df=design.shape[0] - design.shape[1],
                             alternative=alternative)
    dispersion = np.concatenate([
        map_dispersions(y[rows], mu[rows], groups=groups, gene_wise=gene_wise[rows],
                        trend=dict(trend, fit=trend["fit"][rows]), maxit=maxit)
        for rows in blocks])
    fits = [fit_nb_glm(y[rows], design, size_factors, dispersion[rows], maxit=maxit)
            for rows in blocks]
    fit = {key: np.concatenate([part[key] for part in fits]) for key in fits[0]}
    return dict(fit, dispersion=dispersion, dispersion_mu=mu)


def fit_nb_glm(y: np.ndarray, design: np.ndarray, size_factors: np.ndarray,
               dispersions: np.ndarray, *, maxit: int = 100, tol: float = 1e-8) -> dict:
    """DESeq2's ``fitBeta`` (IRLS with a tiny ridge, means kept at or above 0.5 while
    iterating), all genes at once; genes that do not converge are refitted by a bounded
    optimiser, as ``fitNbinomGLMs(useOptim = TRUE)``.

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
    dev_old = -2.0 * nb_log_likelihood(y, mu, dispersions)
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
        dev = -2.0 * nb_log_likelihood(y[rows], mu[rows], dispersions[rows])
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
        loglik = nb_log_likelihood(y[None, :], mu[None, :], np.array([dispersion]))[0]
        value = -(loglik - 0.5 * _LAMBDA * np.sum(coefs ** 2))
        # d loglik / d mu = y / mu - (y + size) / (mu + size); d mu / d coef = mu log 2 x
        d_mu = (y / mu - (y + size) / (mu + size)) * mu * np.log(2)
        gradient = -(design.T @ d_mu - _LAMBDA * coefs)
        return value, gradient

    result = minimize(objective, np.clip(start, -_LARGE, _LARGE), jac=True, method="L-BFGS-B",
                      bounds=[(-_LARGE, _LARGE)] * design.shape[1],
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
    return result.x * np.log(2), bool(result.success)


def nb_log_likelihood(y: np.ndarray, mu: np.ndarray, dispersions: np.ndarray) -> np.ndarray:
    """Negative-binomial log likelihood per gene (``dnbinom(mu=, size=1/dispersion)``).

    ``y`` and ``mu`` genes x samples, ``dispersions`` (n_genes,); returns (n_genes,).
    """
    size = 1.0 / dispersions[:, None]
    loglik = (gammaln(y + size) - gammaln(size) - gammaln(y + 1)
              + size * np.log(size / (size + mu)) + y * np.log(mu / (size + mu)))
    return loglik.sum(axis=1)


def row_blocks(n_genes: int, n_samples: int, *, cells: int = 4_000_000) -> list:
    """Row slices of about ``cells`` matrix entries each (at least one block)."""
    size = max(256, cells // max(n_samples, 1))
    return [slice(start, min(start + size, n_genes)) for start in range(0, max(n_genes, 1), size)]
