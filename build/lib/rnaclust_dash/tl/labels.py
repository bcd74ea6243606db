"""Cluster labels numbered one way: 1..k by first appearance of the items (R ``cutree``)."""

from __future__ import annotations

import numpy as np


def number_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..k in the order in which they first occur (as R's ``cutree``)."""
    labels = np.asarray(labels)
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_index), dtype=np.int64)
    rank[np.argsort(first_index)] = np.arange(1, len(first_index) + 1)
    return rank[inverse]
