"""R's ``lowess`` (the C routine ``clowess``), used by DESeq2's independent filtering."""

from __future__ import annotations

import numpy as np


def lowess(x, y, *, f: float = 2 / 3, iterations: int = 3, delta: float | None = None
           ) -> np.ndarray:
    """Robust locally weighted regression, as R ``lowess(x, y, f, iter)$y``.

    Parameters
    ----------
    x, y : array-like
        Shape (n,); ``x`` sorted increasingly (R sorts it first; callers here pass
        sorted values).
    f : float, keyword-only
        Share of the points in each local fit.
    iterations : int, keyword-only
        Robustness iterations.
    delta : float, optional, keyword-only
        Points closer than this to the last fitted one are interpolated; R's default
        1 % of the range of x.

    Returns
    -------
    numpy.ndarray
        Fitted values, shape (n,).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    if n < 2:
        return y.copy()
    if delta is None:
        delta = 0.01 * (x[-1] - x[0])
    span = max(2, min(n, int(f * n + 1e-7)))
    fitted = np.zeros(n)
    robustness = np.ones(n)
    for step in range(iterations + 1):
        _smooth_pass(x, y, span, delta, fitted, robustness if step > 0 else None)
        residuals = y - fitted
        scale = np.mean(np.abs(residuals))
        if step == iterations:
            break
        cmad = 6.0 * np.median(np.abs(residuals))
        if cmad < 1e-7 * scale:
            break
        r = np.abs(residuals)
        robustness = np.where(r <= 0.001 * cmad, 1.0,
                              np.where(r <= 0.999 * cmad, (1 - (r / cmad) ** 2) ** 2, 0.0))
    return fitted


def _smooth_pass(x, y, span, delta, fitted, robustness) -> None:
    n = x.size
    left, right = 0, span - 1
    last, i = -1, 0
    while True:
        if right < n - 1:
            # slide the window right while that shrinks its radius
            if x[i] - x[left] > x[right + 1] - x[i]:
                left += 1
                right += 1
                continue
        value = _local_fit(x, y, i, left, right, robustness)
        fitted[i] = y[i] if value is None else value
        if last < i - 1:
            denominator = x[i] - x[last]
            for j in range(last + 1, i):
                share = (x[j] - x[last]) / denominator
                fitted[j] = share * fitted[i] + (1 - share) * fitted[last]
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
            return


def _local_fit(x, y, i, left, right, robustness):
    n = x.size
    xs = x[i]
    h = max(xs - x[left], x[right] - xs)
    weights = np.zeros(n)
    total = 0.0
    j = left
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
    w = weights[left:last + 1] / total
    xw = x[left:last + 1]
    if h > 0:
        centre = np.sum(w * xw)
        spread = np.sum(w * (xw - centre) ** 2)
        if np.sqrt(spread) > 0.001 * (x[-1] - x[0]):
            w = w * ((xs - centre) / spread * (xw - centre) + 1)
    return float(np.sum(w * y[left:last + 1]))
