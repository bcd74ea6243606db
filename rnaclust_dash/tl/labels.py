"""Cluster labels numbered one way: 1..k by first appearance of the items (R ``cutree``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def number_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..k in the order in which they first occur (as R's ``cutree``)."""
    labels = np.asarray(labels)
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_index), dtype=np.int64)
    rank[np.argsort(first_index)] = np.arange(1, len(first_index) + 1)
    return rank[inverse]


def natural_key(name: str) -> list:
    """Sort key of a label as text: '3.10' after '3.2', '10' after '2'; 'T24h' after 'T0h'
    before 'T48h' (natsort-like)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", str(name)) if part]


def natural_codes(labels) -> tuple[list[str], np.ndarray]:
    """Distinct labels as text in natural order (2 before 10, 3.2 before 3.10), and the
    code of each label in that list.

    Parameters
    ----------
    labels : array-like or pandas.Series
        (n,) labels of any type (compared as text).

    Returns
    -------
    names : list of str
        The distinct labels, naturally ordered.
    codes : numpy.ndarray
        (n,) int64 index of each label in ``names``.
    """
    as_text = pd.Series(np.asarray(labels)).astype(str)
    names = sorted(pd.unique(as_text), key=natural_key)
    codes = pd.Categorical(as_text, categories=names).codes.astype(np.int64)
    return names, codes


def cluster_labels(labels) -> np.ndarray:
    """Cluster labels as int64 when every label is a whole number (1..k), else as text
    (sub-clusters such as ``"3.1"``, see :mod:`rnaclust_dash.tl.subcluster`).

    Parameters
    ----------
    labels : array-like
        (n,) labels.

    Returns
    -------
    numpy.ndarray
        (n,) int64 or str labels (a new array).
    """
    values = np.asarray(labels)
    if values.dtype.kind in "iub":
        return values.astype(np.int64)
    try:
        as_int = values.astype(np.int64)
    except (TypeError, ValueError):
        return values.astype(str)
    return as_int if np.array_equal(as_int.astype(str), values.astype(str)) else values.astype(str)
