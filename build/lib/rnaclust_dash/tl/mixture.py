"""Gaussian mixture models fitted by EM, with mclust 6's starts and BIC/ICL conventions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from ._common import _feature_input, _squared_distances
from .labels import number_by_first_appearance
from .mclust_hc import mclust_start_partitions, mixture_start


#: Covariance model -> (mclust name, one sentence for the UI).
COVARIANCES = {
    "full": ("VVV", "Full: each cluster its own ellipsoid (volume, shape and orientation)."),
    "tied": ("EEE", "Tied: all clusters share one ellipsoid."),
    "diag": ("VVI", "Diagonal: axis-aligned ellipsoids, each cluster its own."),
    "spherical": ("VII", "Spherical: round clusters, each with its own size."),
    "spherical_tied": ("EII", "Spherical, equal: round clusters all of the same size."),
}


@dataclass(frozen=True)
class MixtureResult:
    """Gaussian mixture fit: labels 1..k, posterior probabilities (n x k, column c - 1 is
    cluster c) and the criteria in mclust's convention (larger is better)."""

    labels: np.ndarray
    posterior: np.ndarray
    bic: float
    aic: float
    icl: float
    log_likelihood: float
    n_parameters: int


def gaussian_mixture(items: np.ndarray, *, k: int, covariance: str = "full",
                     n_pcs: int | None = None, n_init: int = 5, max_iter: int = 1000,
                     tol: float = 1e-5, random_state: int = 0) -> MixtureResult:
    """Gaussian mixture model of the rows of ``items`` (EM), with mclust's BIC and ICL.

    The criteria follow R ``mclust`` (larger is better, unlike scikit-learn's BIC, which
    is the negative): ``bic = 2 logL - p log(n)``, ``aic = 2 logL - 2 p`` and
    ``icl = bic + 2 sum_i log(max_c posterior_ic)`` (mclust's ``icl``: BIC penalised by
    the entropy of the hard assignment), where ``logL`` is the maximised log-likelihood
    and ``p`` the number of free parameters (means, covariances, k - 1 proportions).

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of mixture components (clusters), 1 <= k <= n.
    covariance : {"full", "tied", "diag", "spherical", "spherical_tied"}
        Covariance model, see :data:`COVARIANCES`; mclust's VVV, EEE, VVI, VII and EII.
        ``"spherical_tied"`` (one variance shared by all clusters) has no scikit-learn
        counterpart and is fitted by this module's own EM.
    n_pcs : int, optional
        Fit on the first ``n_pcs`` principal components (centred, not scaled: R
        ``prcomp(x)``) instead of all features; a mixture in many dimensions needs very
        many parameters.
    n_init : int
        Number of k-means-started EM runs. One more run starts, as mclust's do, from the
        partition into k of its model-based hierarchical agglomeration (``hc``, model
        VVV, on the SVD-transformed items) when there are more items than features and
        at most 3,000 items; the run of largest likelihood is kept.
    max_iter : int
        Largest number of EM iterations of one run.
    tol : float
        EM stops when the mean log-likelihood per item changes by less than this.
    random_state : int
        Seed: the same seed gives the same result.

    Returns
    -------
    MixtureResult
        Labels are the component of largest posterior (the first on ties), numbered by
        first appearance; posterior columns follow that numbering.
    """
    values = _feature_input(items, n_pcs=n_pcs)
    starts = _mclust_starts(values, [k])
    return _fit_mixture(values, k=k, covariance=covariance, n_init=n_init,
                        max_iter=max_iter, tol=tol, random_state=random_state,
                        start=starts.get(k))


def mixture_scan(items: np.ndarray, *, k_range, covariance: str = "full",
                 n_pcs: int | None = None, n_init: int = 5, max_iter: int = 1000,
                 tol: float = 1e-5, random_state: int = 0):
    """BIC, AIC and ICL of Gaussian mixtures for each number of clusters in ``k_range``.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k_range : iterable of int
        Numbers of clusters to fit, e.g. ``range(1, 10)``.
    covariance, n_pcs, n_init, max_iter, tol, random_state
        As for :func:`gaussian_mixture` (the principal components are computed once).

    Returns
    -------
    pandas.DataFrame
        One row per k (index ``k``): ``bic``, ``aic``, ``icl``, ``log_likelihood``,
        ``n_parameters``; all criteria larger-is-better (mclust's convention).
    """
    ks = [int(k) for k in k_range]
    if not ks:
        raise ParameterError("k_range is empty: give at least one number of clusters.")
    values = _feature_input(items, n_pcs=n_pcs)
    starts = _mclust_starts(values, ks)  # one agglomeration serves every k
    rows = []
    for k in ks:
        fit = _fit_mixture(values, k=k, covariance=covariance, n_init=n_init,
                           max_iter=max_iter, tol=tol, random_state=random_state,
                           start=starts.get(k))
        rows.append({"k": k, "bic": fit.bic, "aic": fit.aic, "icl": fit.icl,
                     "log_likelihood": fit.log_likelihood, "n_parameters": fit.n_parameters})
    return pd.DataFrame(rows).set_index("k")


#: Largest number of items given mclust's start (its agglomeration keeps n x n costs).
_HC_MAX_ITEMS = 3000


def _mclust_starts(values: np.ndarray, ks) -> dict[int, np.ndarray]:
    """mclust's starting partitions (labels 0..k-1) for each k >= 2 in ``ks``; none
    when mclust would not use its VVV agglomeration (items <= features) or when there
    are too many items."""
    n, d = values.shape
    wanted = [k for k in ks if 2 <= k <= n]
    if not wanted or n <= d or n > _HC_MAX_ITEMS:
        return {}
    with threadpool_limits(limits=1):
        return mclust_start_partitions(values, wanted)


def _fit_mixture(values: np.ndarray, *, k: int, covariance: str, n_init: int,
                 max_iter: int, tol: float, random_state: int,
                 start: np.ndarray | None = None) -> MixtureResult:
    n = values.shape[0]
    if covariance not in COVARIANCES:
        raise ParameterError(f"Unknown covariance model '{covariance}'. Choose one of: "
                             f"{', '.join(COVARIANCES)}.")
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of items ({n}); got {k}.")
    if n_init < 1:
        raise ParameterError("n_init must be at least 1.")
    # One thread: small BLAS calls and k-means starts oversubscribe small machines.
    with threadpool_limits(limits=1):
        if covariance == "spherical_tied":
            posterior, log_likelihood, n_parameters = _equal_spherical_mixture(
                values, k=k, n_init=n_init, max_iter=max_iter, tol=tol,
                random_state=random_state, start=start)
        else:
            models = [GaussianMixture(n_components=k, covariance_type=covariance,
                                      n_init=n_init, max_iter=max_iter, tol=tol,
                                      random_state=random_state).fit(values)]
            if start is not None:  # mclust's start; kept on equal likelihood
                try:
                    models.insert(0, GaussianMixture(
                        n_components=k, covariance_type=covariance, max_iter=max_iter,
                        tol=tol, random_state=random_state,
                        **mixture_start(values, start, covariance)).fit(values))
                except ValueError:  # a component collapsed: the k-means starts stand
                    pass
            scores = [model.score(values) for model in models]
            model = models[int(np.argmax(scores))]
            posterior = model.predict_proba(values)
            log_likelihood = float(max(scores) * n)
            n_parameters = _mixture_parameters(covariance, k, values.shape[1])
    raw = np.argmax(posterior, axis=1)
    labels = number_by_first_appearance(raw)
    order = [raw[np.argmax(labels == c)] for c in range(1, len(np.unique(raw)) + 1)]
    # Components that win no item keep their posterior columns, after the others.
    order += [c for c in range(k) if c not in order]
    bic = 2 * log_likelihood - n_parameters * np.log(n)
    icl = bic + 2 * float(np.sum(np.log(posterior.max(axis=1))))
    return MixtureResult(labels, posterior[:, order], float(bic),
                         float(2 * log_likelihood - 2 * n_parameters), float(icl),
                         log_likelihood, n_parameters)


def _mixture_parameters(covariance: str, k: int, d: int) -> int:
    """Free parameters: k means, the covariance model's entries, k - 1 proportions."""
    covariances = {"full": k * d * (d + 1) // 2, "tied": d * (d + 1) // 2, "diag": k * d,
                   "spherical": k, "spherical_tied": 1}[covariance]
    return k * d + covariances + k - 1


def _equal_spherical_mixture(values: np.ndarray, *, k: int, n_init: int, max_iter: int,
                             tol: float, random_state: int,
                             start: np.ndarray | None = None) -> tuple[np.ndarray, float, int]:
    """EM for mclust's EII model (one variance for all clusters and dimensions).

    Returns (posterior, log-likelihood, number of parameters) of the best of ``n_init``
    runs, each started, like scikit-learn's, from a k-means partition, and one from
    ``start`` (labels 0..k-1) when given (kept on equal likelihood).
    """
    n, d = values.shape
    seeds = np.random.default_rng(random_state).integers(0, 2**31 - 1, size=n_init)
    partitions = [] if start is None else [start]
    partitions += [KMeans(n_clusters=k, n_init=1, random_state=int(seed)).fit_predict(values)
                   for seed in seeds]
    best = None
    for partition in partitions:
        posterior = np.eye(k)[partition]
        previous = -np.inf
        for _ in range(max_iter):
            log_density, log_likelihood = _equal_spherical_step(values, posterior)
            posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
            posterior /= posterior.sum(axis=1, keepdims=True)
            if abs(log_likelihood - previous) < tol * n:
                break
            previous = log_likelihood
        if best is None or log_likelihood > best[1]:
            best = (posterior, log_likelihood)
    return best[0], float(best[1]), _mixture_parameters("spherical_tied", k, d)


def _equal_spherical_step(values: np.ndarray, posterior: np.ndarray) -> tuple[np.ndarray, float]:
    """M-step (means, shared variance, proportions), then the E-step's log densities."""
    n, d = values.shape
    sizes = posterior.sum(axis=0) + 10 * np.finfo(float).eps
    means = posterior.T @ values / sizes[:, None]
    squared = _squared_distances(values, means)
    variance = float(np.sum(posterior * squared)) / (n * d) + 1e-6  # 1e-6: as reg_covar
    log_density = (np.log(sizes / n) - 0.5 * d * np.log(2 * np.pi * variance)
                   - squared / (2 * variance))
    top = log_density.max(axis=1, keepdims=True)
    log_likelihood = float(np.sum(top[:, 0] + np.log(np.exp(log_density - top).sum(axis=1))))
    return log_density, log_likelihood
