"""Batch correction of raw counts: ``sva::ComBat_seq`` (sva 3.46), genes x samples.

Dispersions and the negative-binomial GLM come from the edgeR 3.40 ports in
:mod:`~rnaclust_dash.pp.edger_dispersion` and :mod:`~rnaclust_dash.pp.edger_glm`; each
count is then moved to the same quantile of the batch-free NB distribution, with R's
``pnbinom`` and ``qnbinom``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc, ndtri
from threadpoolctl import threadpool_limits

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.batch_design import _batches
from rnaclust_dash.pp.batch_design import _covariate_columns
from rnaclust_dash.pp.batch_design import _indicators
from rnaclust_dash.pp.batch_design import _labels
from rnaclust_dash.pp.batch_design import _require_full_rank
from rnaclust_dash.pp.edger_dispersion import _common_dispersion
from rnaclust_dash.pp.edger_dispersion import _tagwise_dispersion
from rnaclust_dash.pp.edger_glm import _glm_fit
from rnaclust_dash.pp.edger_glm import _glm_fit_shrunk
from rnaclust_dash.pp.inputs import _matrix


def combat_seq(counts, batch, *, group=None) -> np.ndarray:
    """Batch correction of raw counts (``sva::ComBat_seq(counts, batch, group)``, sva 3.46).

    Per batch, negative-binomial dispersions are estimated as edgeR 3.40 does
    (``estimateGLMCommonDisp`` then ``estimateGLMTagwiseDisp`` with ``prior.df=0``, on
    the design ``~group`` restricted to the batch, or on an intercept when the batch has
    too few samples or lacks a group). A NB GLM ``~ batch + group`` (edgeR ``glmFit``)
    gives the fitted means and batch effects; each count is then mapped to the same
    quantile of the batch-free NB distribution (``match_quantiles``). Genes that are zero
    in every sample of some batch are returned unchanged, as in sva.

    Parameters
    ----------
    counts : array-like
        Genes x samples non-negative integer counts.
    batch : array-like
        Batch label of each sample (at least 2 batches, each of at least 2 samples).
    group : array-like, optional, keyword-only
        Biological group of each sample, whose effect is kept.

    Returns
    -------
    numpy.ndarray
        Adjusted counts (int64), genes x samples.

    Raises
    ------
    DataError
        Negative, non-integer or missing counts.
    ParameterError
        Too few batches or samples per batch, or group confounded with batch.
    """
    data = _matrix(counts, "ComBat-seq")
    if (data < 0).any() or (data != np.round(data)).any():
        raise DataError("ComBat-seq needs raw integer counts (no negative or fractional values). "
                        "Use ComBat on log-scale values instead.")
    n_samples = data.shape[1]
    batch_labels, levels, codes = _batches(batch, n_samples, "ComBat-seq")
    sizes = np.bincount(codes)
    if (sizes < 2).any():
        alone = ", ".join(f"'{name}'" for name in levels[sizes < 2])
        raise ParameterError(f"ComBat-seq needs at least 2 samples in every batch; batch {alone} "
                             "has one. Merge it with another batch or leave it out.")
    frame = None
    mod = np.ones((n_samples, 1))
    if group is not None:
        group_labels = _labels(group, n_samples, "group")
        if len(np.unique(group_labels)) > 1:
            frame = pd.DataFrame({"group": group_labels})
            mod = np.hstack([mod, _covariate_columns(frame, n_samples)])
    batch_columns = _indicators(codes, len(levels))
    _require_full_rank(batch_columns, mod[:, 1:], batch_labels, frame, "ComBat-seq")
    design = np.hstack([batch_columns, mod[:, 1:]])

    # sva: genes with only zeros in some batch are not adjusted
    keep = np.ones(data.shape[0], dtype=bool)
    for b in range(len(levels)):
        keep &= data[:, codes == b].any(axis=1)
    result = data.copy()
    if keep.any():
        # many small matrix products: BLAS threads cost more than they give (~2x here)
        with threadpool_limits(limits=1):
            result[keep] = _combat_seq_fit(data[keep], codes, sizes, design, mod)
    return result.astype(np.int64)


def _combat_seq_fit(counts, codes, sizes, design, mod) -> np.ndarray:
    n_batch = len(sizes)
    n_genes, n_samples = counts.shape
    log_lib = np.log(counts.sum(axis=0))  # DGEList lib sizes of the kept genes

    # Dispersions within each batch.
    genewise = np.empty((n_genes, n_batch))
    for b in range(n_batch):
        columns = codes == b
        batch_mod = mod[columns]
        too_small = sizes[b] <= mod.shape[1] or np.linalg.matrix_rank(batch_mod) < mod.shape[1]
        batch_design = np.ones((sizes[b], 1)) if too_small else batch_mod
        y = counts[:, columns]
        offset = np.log(y.sum(axis=0))
        common = _common_dispersion(y, batch_design, offset)
        genewise[:, b] = (common if too_small
                          else _tagwise_dispersion(y, batch_design, offset, common))
    phi = genewise[:, codes]

    # NB GLM ~ batch + group: intercept as the batch-size-weighted mean of batch effects,
    # then a refit with it in the offset gives the fitted means and the batch effects.
    shrunk = _glm_fit_shrunk(counts, design, phi, np.broadcast_to(log_lib, counts.shape))
    alpha = shrunk[:, :n_batch] @ (sizes / n_samples)
    new_offset = log_lib[None, :] + alpha[:, None]
    _, mu_hat = _glm_fit(counts, design, phi, new_offset)
    gamma_hat = _glm_fit_shrunk(counts, design, phi, new_offset)[:, :n_batch]

    with np.errstate(divide="ignore"):  # a zero mean (all-zero group) stays 0, as in R
        mu_star = np.exp(np.log(mu_hat) - gamma_hat[:, codes])
    phi_star = genewise.mean(axis=1)
    return _match_quantiles(counts, mu_hat, genewise[:, codes], mu_star, phi_star[:, None])


def _match_quantiles(counts, old_mu, old_phi, new_mu, new_phi) -> np.ndarray:
    """sva's ``match_quantiles``: counts of 0 and 1 stay; others move to the quantile of
    ``pnbinom(count - 1)`` in the new distribution, plus 1."""
    old_phi = np.broadcast_to(old_phi, counts.shape)
    new_phi = np.broadcast_to(new_phi, counts.shape)
    result = counts.copy()
    moved = counts > 1
    p = _pnbinom(counts[moved] - 1, 1.0 / old_phi[moved], old_mu[moved])
    change = np.abs(p - 1.0) >= 1e-4  # p == 1 would give Inf: sva keeps the count
    where = np.flatnonzero(moved)[change]
    result.flat[where] = 1.0 + _qnbinom(p[change], 1.0 / new_phi.flat[where], new_mu.flat[where])
    return result


def _pnbinom(y, size, mu):
    """R's ``pnbinom(y, size = size, mu = mu)``: I_x(size, y + 1), x = size / (size + mu)."""
    return betainc(size, y + 1.0, size / (size + mu))


def _qnbinom(p, size, mu) -> np.ndarray:
    """R 4.2's ``qnbinom(p, size = size, mu = mu)``: the smallest y with
    ``pnbinom(y) >= p * (1 - 8 eps)``, searched from the Cornish-Fisher guess (galloping
    then bisection, where R steps by 1: same result, fewer evaluations)."""
    q = 1 + mu / size
    pp = mu / size
    sigma = np.sqrt(size * pp * q)
    z = ndtri(p)
    with np.errstate(invalid="ignore"):
        guess = np.rint(mu + sigma * (z + (q + pp) / sigma * (z * z - 1) / 6))
    guess = np.where(np.isfinite(guess), np.maximum(guess, 0.0), 0.0)  # p = 0 gives 0
    target = p * (1 - 8 * np.finfo(float).eps)  # R's fuzz for left continuity

    # Bracket: cdf(low) < target <= cdf(high), with low = -1 meaning "below 0".
    at_guess = _pnbinom(guess, size, mu) >= target
    low = np.where(at_guess, -1.0, guess)
    high = np.where(at_guess, guess, np.inf)
    step = np.ones_like(guess)
    searching = np.ones_like(at_guess)
    while searching.any():
        i = np.flatnonzero(searching)
        down = at_guess[i]
        candidate = np.where(down, high[i] - step[i], low[i] + step[i])
        below_zero = candidate < 0
        hit = np.zeros(len(i), dtype=bool)
        ok = ~below_zero
        hit[ok] = _pnbinom(candidate[ok], size[i][ok], mu[i][ok]) >= target[i][ok]
        # down: a miss (or passing 0) closes the bracket; up: a hit does
        low[i] = np.where(hit, low[i], np.maximum(candidate, -1.0))
        high[i] = np.where(hit, candidate, high[i])
        searching[i] = np.where(down, hit & ~below_zero, ~hit)
        step[i] *= 2
    gap = high - low > 1
    while gap.any():
        i = np.flatnonzero(gap)
        middle = np.floor((low[i] + high[i]) / 2)
        hit = _pnbinom(middle, size[i], mu[i]) >= target[i]
        high[i] = np.where(hit, middle, high[i])
        low[i] = np.where(hit, low[i], middle)
        gap[i] = high[i] - low[i] > 1
    return high
