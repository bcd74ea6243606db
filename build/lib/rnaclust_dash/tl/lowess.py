"""R's ``lowess`` (Cleveland 1979; R's C ``clowess``), needed where R's choice depends on it
(DESeq2's independent filtering, :mod:`rnaclust_dash.tl._independent_filtering`, picks its
cut-off from a lowess curve). Checked against R in tests/core/test_timecourse.py."""

from __future__ import annotations

import numpy as np


def _local_fit(x, y, xs, nleft, nright, robustness):
    """R ``lowest``: the locally weighted linear fit at ``xs`` from points nleft..nright
    (0-based, ties on the right picked up); None when every weight is zero."""
    n = len(x)
    span = x[-1] - x[0]
    h = max(xs - x[nleft], x[nright] - xs)
    weights = np.zeros(n)
    total = 0.0
    j = nleft
    while j < n:
        r = abs(x[j] - xs)
        if r <= 0.999 * h:
            weights[j] = 1.0 if r <= 0.001 * h else (1 - (r / h) ** 3) ** 3
            if robustness is not None:
                weights[j] *= robustness[j]
            total += weights[j]
        elif x[j] > xs:
            break
        j += 1
    last = j - 1
    if total <= 0:
        return None
    w = weights[nleft:last + 1] / total
    xi, yi = x[nleft:last + 1], y[nleft:last + 1]
    if h > 0:
        centre = float(np.sum(w * xi))
        spread = float(np.sum(w * (xi - centre) ** 2))
        if np.sqrt(spread) > 0.001 * span:
            w = w * ((xs - centre) / spread * (xi - centre) + 1.0)
    return float(np.sum(w * yi))


def lowess(x, y, *, f: float = 2 / 3, iterations: int = 3) -> np.ndarray:
    """Fitted values of R ``lowess(x, y, f, iter)`` for ``x`` sorted ascending.

    Parameters
    ----------
    x, y : array-like
        n points, ``x`` ascending.
    f : float
        Fraction of the points in each local fit.
    iterations : int
        Robustness iterations.

    Returns
    -------
    numpy.ndarray
        n fitted values.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(x)
    if n < 2:
        return y.copy()
    delta = 0.01 * (x[-1] - x[0])
    ns = max(2, min(n, int(f * n + 1e-7)))
    fitted = np.zeros(n)
    robustness = None
    for step in range(iterations + 1):
        nleft, nright, last, i = 0, ns - 1, -1, 0
        while True:
            if nright < n - 1 and x[i] - x[nleft] > x[nright + 1] - x[i]:
                nleft, nright = nleft + 1, nright + 1
                continue
            value = _local_fit(x, y, x[i], nleft, nright, robustness)
            fitted[i] = y[i] if value is None else value
            if last < i - 1:  # interpolate the points skipped within delta
                ratio = (x[last + 1:i] - x[last]) / (x[i] - x[last])
                fitted[last + 1:i] = ratio * fitted[i] + (1 - ratio) * fitted[last]
            last = i
            cut = x[last] + delta
            i = last + 1
            while i < n:
                if x[i] > cut:
                    break
                if x[i] == x[last]:
                    fitted[i] = fitted[last]
                    last = i
                i += 1
            i = max(last + 1, i - 1)
            if last >= n - 1:
                break
        residual = y - fitted
        if step == iterations:
            break
        scale = np.mean(np.abs(residual))
        cmad = 6 * np.median(np.abs(residual))
        if cmad < 1e-7 * scale:
            break
        r = np.abs(residual)
        # cmad may be 0 (an exact fit): R's C code then takes weight 1 without dividing
        with np.errstate(divide="ignore", invalid="ignore"):
            bisquare = (1 - (r / cmad) ** 2) ** 2
        robustness = np.where(r <= 0.001 * cmad, 1.0,
                              np.where(r <= 0.999 * cmad, bisquare, 0.0))
    return fitted
