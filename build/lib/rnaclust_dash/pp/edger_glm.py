"""edgeR 3.40's negative-binomial GLM fit (``glmFit``), as ComBat-seq calls it.

Ports of the C++ routines, vectorised over genes: the one-group Newton-Raphson
(``glm_one_group``), the one-way shortcut (``mglmOneWay``) and the damped Fisher scoring
(``mglmLevenberg``), with edgeR's unit deviance and its small-matrix LAPACK steps.
Counts are genes x samples; offsets are log library sizes.
"""

from __future__ import annotations

import math

import numpy as np


# edgeR's numerical constants (src/utils.h, src/glm_levenberg.cpp).
_LOW_VALUE = 1e-10
_LOG_LOW_VALUE = math.log(_LOW_VALUE)


def _unit_deviance(y, mu, phi):
    """edgeR's ``compute_unit_nb_deviance`` (Poisson / gamma limits at the extremes)."""
    y = y + 1e-8
    mu = mu + 1e-8
    phi = np.broadcast_to(phi, y.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = np.log(y / mu)
        inverse = 1.0 / phi
        out = 2 * (y * log_ratio + (y + inverse) * np.log((mu + inverse) / (y + inverse)))
        poisson = phi < 1e-4
        if poisson.any():
            yp, mp, fp = y[poisson], mu[poisson], phi[poisson]
            resid = yp - mp
            # edgeR writes 2/3*resid, which C++ evaluates as 0
            out[poisson] = 2 * (yp * log_ratio[poisson] - resid
                                - 0.5 * resid * resid * fp * (1 + fp * (-yp)))
        gamma = ~poisson & (mu * phi > 1e6)
        if gamma.any():
            yg, mg = y[gamma], mu[gamma]
            out[gamma] = 2 * ((yg - mg) / mg - log_ratio[gamma]) * mg / (1 + mg * phi[gamma])
    return out


def _xtwx(weights: np.ndarray, design: np.ndarray) -> np.ndarray:
    """X' diag(w) X for each row of weights (genes x samples), as genes x p x p."""
    n, p = design.shape
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    return (weights @ outer).reshape(-1, p, p)


def _one_way_groups(design: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Group of each sample and the design row of each group, when the design is a
    one-way layout (as many distinct rows as columns, edgeR's ``designAsFactor``)."""
    rows, first, groups = np.unique(design, axis=0, return_index=True, return_inverse=True)
    if len(rows) != design.shape[1]:
        return None
    return groups.ravel(), design[first]


def _fit_one_group(y, offset, dispersion, *, maxit: int = 50, tol: float = 1e-10) -> np.ndarray:
    """edgeR's ``glm_one_group``: Newton-Raphson for the log mean of each gene.

    ``dispersion`` is genes x samples or genes x 1. All-zero genes get -inf.
    """
    positive = y > _LOW_VALUE
    with np.errstate(divide="ignore"):
        beta = np.log(np.where(positive, y / np.exp(offset), 0.0).sum(axis=1) / y.shape[1])
    beta[~positive.any(axis=1)] = -np.inf
    index = np.flatnonzero(np.isfinite(beta))
    ys, offsets, dispersions, current = y[index], offset[index], dispersion[index], beta[index]
    for _ in range(maxit):
        if not len(index):
            break
        mu = current[:, None] + offsets
        np.exp(mu, out=mu)
        denominator = mu * dispersions
        denominator += 1
        score = ys - mu
        score /= denominator
        mu /= denominator  # now the working weights
        step = score.sum(axis=1) / mu.sum(axis=1)
        current = current + step
        beta[index] = current
        going = np.abs(step) >= tol  # each gene stops at its own convergence
        if not going.all():
            index, ys, offsets = index[going], ys[going], offsets[going]
            dispersions, current = dispersions[going], current[going]
    return beta


def _fit_one_way(y, groups, group_rows, dispersion, offset) -> tuple[np.ndarray, np.ndarray]:
    """edgeR's ``mglmOneWay``: one group fit per distinct design row.

    ``dispersion`` is genes x samples or genes x 1; ``offset`` genes x samples.
    """
    n_groups = len(group_rows)
    beta = np.empty((y.shape[0], n_groups))
    for g in range(n_groups):
        columns = groups == g
        group_dispersion = dispersion if dispersion.shape[1] == 1 else dispersion[:, columns]
        beta[:, g] = _fit_one_group(y[:, columns], offset[:, columns], group_dispersion)
    beta = np.maximum(beta, -1e8)
    mu = np.exp(beta[:, groups] + offset)
    coefficients = np.linalg.solve(group_rows, beta.T).T
    return coefficients, mu


def _cholesky_upper(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK ``dpotrf('U')`` on a stack of small matrices; also says which failed."""
    p = a.shape[-1]
    u = np.zeros_like(a)
    ok = np.ones(a.shape[0], dtype=bool)
    for j in range(p):
        pivot = a[:, j, j] - (u[:, :j, j] ** 2).sum(axis=1)
        ok &= pivot > 0
        root = np.sqrt(np.where(pivot > 0, pivot, 1.0))
        u[:, j, j] = root
        for k in range(j + 1, p):
            u[:, j, k] = (a[:, j, k] - (u[:, :j, j] * u[:, :j, k]).sum(axis=1)) / root
    return u, ok


def _cholesky_solve(u: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``dpotrs``: solve U'U x = b for each stacked system."""
    p = u.shape[-1]
    z = np.empty_like(b)
    for j in range(p):
        z[:, j] = (b[:, j] - (u[:, :j, j] * z[:, :j]).sum(axis=1)) / u[:, j, j]
    x = np.empty_like(b)
    for j in reversed(range(p)):
        x[:, j] = (z[:, j] - (u[:, j, j + 1:] * x[:, j + 1:]).sum(axis=1)) / u[:, j, j]
    return x


def _fit_levenberg(y, design, dispersion, offset, *, maxit: int = 250,
                   tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """edgeR's ``mglmLevenberg`` (C++ ``glm_levenberg::fit``) for all genes at once.

    Starts from the "null" fit and takes Fisher-scoring steps damped by lambda, which grows
    (x10 when the Cholesky fails, x2 when the deviance rises) and shrinks (/10 after an
    undamped step), each gene on its own path as in the C++ loop.
    """
    n_genes, n_libs = y.shape
    p = design.shape[1]
    # Null start: the weighted mean log ratio, projected on the design by least squares.
    libs = np.exp(offset)
    weight = libs / (1 + dispersion * libs)
    with np.errstate(divide="ignore", invalid="ignore"):  # all-zero genes are not fitted
        start = np.log((y * weight / libs).sum(axis=1) / weight.sum(axis=1))
        direction = np.linalg.lstsq(design, np.ones(n_libs), rcond=None)[0]
        beta = start[:, None] * direction[None, :]

    y_max = y.max(axis=1)
    mu = np.exp(offset + beta @ design.T)
    deviance = _unit_deviance(y, mu, dispersion).sum(axis=1)
    lam = np.zeros(n_genes)
    max_info = np.full(n_genes, -1.0)
    active = y_max >= _LOW_VALUE
    beta[~active] = np.nan
    mu[~active] = 0.0
    eye = np.eye(p)
    for iteration in range(1, maxit + 1):
        if not active.any():
            break
        i = np.flatnonzero(active)
        denominator = 1 + mu[i] * dispersion[i]
        working = mu[i] / denominator
        xtwx = _xtwx(working, design)
        dl = ((y[i] - mu[i]) / denominator) @ design
        max_info[i] = np.maximum(max_info[i], np.diagonal(xtwx, axis1=1, axis2=2).max(axis=1))
        if iteration == 1:
            lam[i] = np.maximum(max_info[i] * 1e-6, 1e-13)

        levels = np.zeros(len(i), dtype=int)
        low_dev = np.zeros(len(i), dtype=bool)
        failed = np.zeros(len(i), dtype=bool)
        dbeta = np.zeros((len(i), p))
        pending = np.ones(len(i), dtype=bool)
        while pending.any():
            k = np.flatnonzero(pending)
            levels[k] += 1
            u, ok = _cholesky_upper(xtwx[k] + lam[i[k], None, None] * eye)
            while not ok.all():  # singular from fitted zeros: damp more
                bad = k[~ok]
                lam[i[bad]] *= 10
                u[~ok], ok[~ok] = _cholesky_upper(xtwx[bad] + lam[i[bad], None, None] * eye)
            step = _cholesky_solve(u, dl[k])
            dbeta[k] = step
            beta_new = beta[i[k]] + step
            mu_new = np.exp(offset[i[k]] + beta_new @ design.T)
            dev_new = _unit_deviance(y[i[k]], mu_new, dispersion[i[k]]).sum(axis=1)
            low = dev_new / y_max[i[k]] < 1e-13
            accept = (dev_new <= deviance[i[k]]) | low
            taken = k[accept]
            beta[i[taken]] = beta_new[accept]
            mu[i[taken]] = mu_new[accept]
            deviance[i[taken]] = dev_new[accept]
            low_dev[taken] = low[accept]
            pending[taken] = False
            rejected = k[~accept]
            lam[i[rejected]] *= 2
            gave_up = rejected[lam[i[rejected]] / max_info[i[rejected]] > 1e13]
            failed[gave_up] = True
            pending[gave_up] = False

        divergence = (dl * dbeta).sum(axis=1)
        done = failed | low_dev | (divergence < tol)
        lam[i[~done & (levels == 1)]] /= 10
        active[i[done]] = False
    return beta, mu


def _glm_fit(y, design, dispersion, offset) -> tuple[np.ndarray, np.ndarray]:
    """edgeR ``glmFit.default`` with ``prior.count=0``: coefficients and fitted means."""
    offset = np.broadcast_to(offset, y.shape)
    dispersion = np.broadcast_to(dispersion, y.shape)
    one_way = _one_way_groups(design)
    if one_way is not None:
        return _fit_one_way(y, *one_way, dispersion, np.ascontiguousarray(offset))
    return _fit_levenberg(y, design, dispersion, offset)


def _glm_fit_shrunk(y, design, dispersion, offset, *, prior_count: float = 1e-4) -> np.ndarray:
    """The coefficients ``glmFit`` reports with a prior count (edgeR ``predFC``): the fit
    of counts plus a prior scaled by library size (``addPriorCount``)."""
    libs = np.exp(np.broadcast_to(offset, y.shape))
    prior = prior_count * libs / libs.mean(axis=1, keepdims=True)
    coefficients, _ = _glm_fit(y + prior, design, dispersion, np.log(libs + 2 * prior))
    return coefficients
