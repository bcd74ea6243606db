"""edgeR 3.40's negative-binomial dispersions, as ComBat-seq calls them.

``estimateGLMCommonDisp`` (Cox-Reid adjusted profile likelihood maximised by R's
``optimize``) and ``estimateGLMTagwiseDisp`` with ``prior.df=0`` (a grid of dispersions
around the common one, maximised by R's ``fmm_spline`` interpolant). Counts are
genes x samples.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from rnaclust_dash.errors import DataError
from rnaclust_dash.pp.edger_glm import _LOG_LOW_VALUE
from rnaclust_dash.pp.edger_glm import _LOW_VALUE
from rnaclust_dash.pp.edger_glm import _fit_one_way
from rnaclust_dash.pp.edger_glm import _one_way_groups
from rnaclust_dash.pp.edger_glm import _xtwx


def _ldl_upper_log_diagonal(xtwx: np.ndarray) -> np.ndarray:
    """Sum of log |D| from LAPACK ``dsytrf('U')`` (last column first), with edgeR's floor.

    For the designs used here (intercept + group indicators) Bunch-Kaufman takes 1x1
    pivots without interchanges, so this is the plain elimination from the last column.
    """
    a = xtwx.copy()
    p = a.shape[-1]
    total = np.zeros(a.shape[0])
    for k in reversed(range(p)):
        d = a[:, k, k].copy()
        usable = (d >= _LOW_VALUE) & np.isfinite(d)
        total += np.where(usable, np.log(np.where(usable, d, 1.0)), _LOG_LOW_VALUE)
        with np.errstate(divide="ignore", invalid="ignore"):
            minus_r1 = np.where(d != 0, -1.0 / d, 0.0)  # a zero column is left as it is
        for j in range(k):
            temp = minus_r1 * a[:, j, k]
            for m in range(j + 1):
                a[:, m, j] += a[:, m, k] * temp
                a[:, j, m] = a[:, m, j]
    return total


def _profile_likelihood(y, design, offset):
    """edgeR's ``adjustedProfileLik`` for fixed counts, design and offsets, as a function
    of a common dispersion: per gene, the NB log-likelihood at the fitted means minus the
    Cox-Reid term 0.5 log det(X'WX).

    The designs here (intercept, or intercept + group within a batch, full rank) are
    one-way layouts, so ``glmFit`` takes its one-way shortcut.
    """
    groups, group_rows = _one_way_groups(design)
    offset = np.ascontiguousarray(np.broadcast_to(offset, y.shape))
    log_factorial = gammaln(y + 1)

    def adjusted(dispersion: float) -> np.ndarray:
        _, mu = _fit_one_way(y, groups, group_rows, np.full((y.shape[0], 1), dispersion), offset)
        fitted = mu != 0  # zero means (all-zero groups) add nothing, as in edgeR
        r = 1.0 / dispersion
        with np.errstate(divide="ignore", invalid="ignore"):
            log_mu_r = np.log(mu + r)
            terms = (y * np.log(mu) - y * log_mu_r + (r * math.log(r) - gammaln(r))
                     - r * log_mu_r + gammaln(y + r) - log_factorial)
        loglik = np.where(fitted, terms, 0.0).sum(axis=1)

        # edgeR's compute_apl sets the working weight of a zero mean to 0 (a group that is
        # all zero then gives a zero pivot, floored at 1e-10 below).
        working = np.where(fitted, mu / (1 + dispersion * mu), 0.0)
        if design.shape[1] == 1:
            adjustment = 0.5 * np.log(np.abs(working.sum(axis=1)))
        else:
            adjustment = 0.5 * _ldl_upper_log_diagonal(_xtwx(working, design))
        return loglik - adjustment

    return adjusted


def _brent_minimum(function, lower: float, upper: float, *, tol: float) -> float:
    """R's ``optimize`` (``Brent_fmin``): golden section with parabolic steps."""
    golden = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(np.finfo(float).eps)
    a, b = lower, upper
    v = w = x = a + golden * (b - a)
    d = e = 0.0
    fx = fv = fw = function(x)
    tol3 = tol / 3.0
    while True:
        xm = (a + b) * 0.5
        tol1 = eps * abs(x) + tol3
        t2 = tol1 * 2.0
        if abs(x - xm) <= t2 - (b - a) * 0.5:
            return x
        p = q = r = 0.0
        if abs(e) > tol1:  # fit a parabola
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = (q - r) * 2.0
            if q > 0.0:
                p = -p
            else:
                q = -q
            r = e
            e = d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            e = (b - x) if x < xm else (a - x)  # golden-section step
            d = golden * e
        else:
            d = p / q  # parabolic step, not too close to the ends
            u = x + d
            if u - a < t2 or b - u < t2:
                d = tol1 if x < xm else -tol1
        if abs(d) >= tol1:
            u = x + d
        elif d > 0.0:
            u = x + tol1
        else:
            u = x - tol1
        fu = function(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv = w, fw
                w, fw = u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu


def _common_dispersion(y, design, offset) -> float:
    """edgeR ``estimateGLMCommonDisp`` (Cox-Reid): maximise the summed adjusted profile
    likelihood over dispersion^(1/4) in [0, 4^(1/4)], tol 1e-5, genes with >= 5 reads."""
    y = y[y.sum(axis=1) >= 5]
    if len(y) == 0:
        raise DataError("ComBat-seq cannot estimate dispersions: no gene has 5 reads or more "
                        "within a batch. Check that the table holds raw counts.")

    adjusted = _profile_likelihood(y, design, offset)

    def minus_total(root: float) -> float:
        return -adjusted(root ** 4).sum()

    return _brent_minimum(minus_total, 0.0, 4.0 ** 0.25, tol=1e-5) ** 4


def _tagwise_dispersion(y, design, offset, common: float) -> np.ndarray:
    """edgeR ``estimateGLMTagwiseDisp`` with ``prior.df=0``: each gene's likelihood on a
    grid of 11 dispersions around the common one, maximised by spline interpolation."""
    dispersion = np.full(y.shape[0], common)
    usable = y.sum(axis=1) >= 5
    if usable.any():
        points = np.concatenate([[-6.0], -6.0 + np.arange(1, 10) * 1.2, [6.0]])  # R's seq
        adjusted = _profile_likelihood(y[usable], design, offset)
        apl = np.column_stack([adjusted(common * 2.0 ** point) for point in points])
        dispersion[usable] = common * 2.0 ** _maximize_interpolant(points, apl)
    return dispersion


def _fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``fmm_spline`` (Forsythe, Malcolm & Moler) for each row of ``y``."""
    n = len(x)
    rows = y.shape[0]
    b = np.zeros((rows, n))
    c = np.zeros((rows, n))
    d = np.zeros((rows, n))
    d[:, 0] = x[1] - x[0]
    c[:, 1] = (y[:, 1] - y[:, 0]) / d[:, 0]
    for i in range(1, n - 1):
        d[:, i] = x[i + 1] - x[i]
        b[:, i] = 2.0 * (d[:, i - 1] + d[:, i])
        c[:, i + 1] = (y[:, i + 1] - y[:, i]) / d[:, i]
        c[:, i] = c[:, i + 1] - c[:, i]
    b[:, 0] = -d[:, 0]
    b[:, n - 1] = -d[:, n - 2]
    c[:, 0] = c[:, n - 1] = 0.0
    if n > 3:
        c[:, 0] = c[:, 2] / (x[3] - x[1]) - c[:, 1] / (x[2] - x[0])
        c[:, n - 1] = c[:, n - 2] / (x[n - 1] - x[n - 3]) - c[:, n - 3] / (x[n - 2] - x[n - 4])
        c[:, 0] = c[:, 0] * d[:, 0] * d[:, 0] / (x[3] - x[0])
        c[:, n - 1] = -c[:, n - 1] * d[:, n - 2] * d[:, n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[:, i - 1] / b[:, i - 1]
        b[:, i] = b[:, i] - t * d[:, i - 1]
        c[:, i] = c[:, i] - t * c[:, i - 1]
    c[:, n - 1] = c[:, n - 1] / b[:, n - 1]
    for i in range(n - 2, -1, -1):
        c[:, i] = (c[:, i] - d[:, i] * c[:, i + 1]) / b[:, i]
    b[:, n - 1] = ((y[:, n - 1] - y[:, n - 2]) / d[:, n - 2]
                   + d[:, n - 2] * (c[:, n - 2] + 2.0 * c[:, n - 1]))
    for i in range(n - 1):
        b[:, i] = (y[:, i + 1] - y[:, i]) / d[:, i] - d[:, i] * (c[:, i + 1] + 2.0 * c[:, i])
        d[:, i] = (c[:, i + 1] - c[:, i]) / d[:, i]
        c[:, i] = 3.0 * c[:, i]
    c[:, n - 1] = 3.0 * c[:, n - 1]
    d[:, n - 1] = d[:, n - 2]
    return b, c, d


def _maximize_interpolant(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """edgeR's ``maximizeInterpolant``: the best grid point, refined by the spline's
    stationary point in the segments on either side of it."""
    rows = np.arange(y.shape[0])
    at = np.argmax(y, axis=1)  # the first maximum, as the C++ loop
    best = y[rows, at]
    x_best = x[at].astype(np.float64)
    b, c, d = _fmm_spline(x, y)
    for side in (-1, 0):  # the segment left of the maximum, then the one right of it
        segment = at + side
        valid = (segment >= 0) & (segment < len(x) - 1)
        s = np.clip(segment, 0, len(x) - 2)
        sd, sc, sb = d[rows, s], c[rows, s], b[rows, s]
        qa, qb = 3 * sd, 2 * sc
        with np.errstate(divide="ignore", invalid="ignore"):
            discriminant = qb * qb - 4 * qa * sb
            solvable = valid & (discriminant >= 0)
            root = -qb / (2 * qa) - np.sqrt(np.where(solvable, discriminant, 0.0)) / (2 * qa)
            inside = solvable & (root > 0) & (root < x[s + 1] - x[s])
            value = ((sd * root + sc) * root + sb) * root + y[rows, s]
        better = inside & (value > best)
        best = np.where(better, value, best)
        x_best = np.where(better, root + x[s], x_best)
    return x_best
