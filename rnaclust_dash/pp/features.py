"""Choosing and scaling the genes that are clustered (genes x samples, after normalization)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def top_variable_genes(values: pd.DataFrame, n: int) -> pd.DataFrame:
    """Keep the ``n`` genes of highest variance across samples.

    Parameters
    ----------
    values : pandas.DataFrame
        Genes x samples, the values as they will be clustered (after normalization and
        log).
    n : int
        How many genes to keep; 0 or at least the number of genes keeps all.

    Returns
    -------
    pandas.DataFrame
        The selected rows, in decreasing order of variance (ties keep input order), as
        R's ``head(order(var, decreasing = TRUE), n)``.
    """
    variances = values.to_numpy().var(axis=1, ddof=1)
    order = np.argsort(-variances, kind="stable")
    if 0 < n < values.shape[0]:
        order = order[:n]
    return values.iloc[order]


def zscore_rows(values: np.ndarray) -> np.ndarray:
    """Centre each row and divide by its standard deviation (R's ``scale``, ddof=1).

    Constant rows become all zeros instead of NaN.

    Parameters
    ----------
    values : array-like, shape (n_rows, n_columns)
        E.g. genes x samples.

    Returns
    -------
    numpy.ndarray, shape (n_rows, n_columns)
        The row z-scores, float64 (a new array).
    """
    values = np.asarray(values, dtype=np.float64)
    centred = values - values.mean(axis=1, keepdims=True)
    sd = centred.std(axis=1, ddof=1, keepdims=True)
    sd[sd == 0] = 1.0
    return centred / sd
