"""Fuzzy c-means, as R ``e1071::cmeans`` (e1071 1.7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ._common import _squared_distances
from .labels import number_by_first_appearance


@dataclass(frozen=True)
class CmeansResult:
    """Fuzzy c-means: hard labels 1..k, memberships (n x k, column c - 1 is cluster c),
    centres (k x features) and the objective (e1071's ``withinerror``)."""

    labels: np.ndarray
    membership: np.ndarray
    centers: np.ndarray
    objective: float


def fuzzy_cmeans(items: np.ndarray, *, k: int, m: float = 2.0, max_iter: int = 500,
                 tol: float = float(np.sqrt(np.finfo(float).eps)), n_init: int = 10,
                 initial_centers: np.ndarray | None = None,
                 random_state: int = 0) -> CmeansResult:
    """Fuzzy c-means clustering of the rows of ``items``, as R ``e1071::cmeans``.

    Alternates memberships ``u_ic = 1 / sum_j (d_ic / d_ij)^(2 / (m - 1))`` and centres
    (means weighted by ``u^m``) from k distinct random items as starting centres, and stops
    when the objective changes by less than ``tol * (objective + tol)`` (e1071's rule and
    default ``reltol``) or after ``max_iter`` iterations. The objective is e1071's
    ``withinerror``: ``sum_i sum_c u_ic^m d_ic^2 / n`` with squared Euclidean distances
    (e1071 weights every item by 1 / n). R's random starts cannot be reproduced, so
    ``n_init`` seeded starts are run and the lowest objective is kept.

    Parameters
    ----------
    items : numpy.ndarray
        Items x features.
    k : int
        Number of clusters, 1 <= k <= number of distinct items.
    m : float
        Fuzzifier, > 1: near 1 gives almost hard clusters, larger values softer ones.
    max_iter : int
        Largest number of iterations of one start.
    tol : float
        Relative change of the objective at which a start stops.
    n_init : int
        Number of random starts.
    initial_centers : numpy.ndarray, optional
        k x features starting centres (one run, no random starts), as a matrix
        ``centers`` in e1071; e.g. ``items[idx]`` with R's ``sample(1:n, k)`` rows.
    random_state : int
        Seed: the same seed gives the same result.

    Returns
    -------
    CmeansResult
        Labels are the cluster of largest membership (the first on ties), numbered by
        first appearance; membership columns and centres follow that numbering.
    """
    values = np.asarray(items, dtype=np.float64)
    if not m > 1:
        raise ParameterError(f"The fuzzifier m must be larger than 1; got {m}.")
    if max_iter < 1 or n_init < 1:
        raise ParameterError("max_iter and n_init must be at least 1.")
    distinct = np.unique(values, axis=0)
    if not 1 <= k <= len(distinct):
        raise ParameterError(f"k must be between 1 and the number of distinct items "
                             f"({len(distinct)}); got {k}.")
    if initial_centers is not None:
        starts = [np.asarray(initial_centers, dtype=np.float64)]
        if starts[0].shape != (k, values.shape[1]):
            raise ParameterError(f"initial_centers must be {k} x {values.shape[1]} (k x "
                                 f"features); got {starts[0].shape[0]} x {starts[0].shape[1]}.")
    else:
        rng = np.random.default_rng(random_state)
        starts = [distinct[rng.choice(len(distinct), size=k, replace=False)]
                  for _ in range(n_init)]
    fits = [_cmeans_run(values, centers, m=m, max_iter=max_iter, tol=tol) for centers in starts]
    membership, centers, objective = min(fits, key=lambda fit: fit[2])
    raw = np.argmax(membership, axis=1)
    labels = number_by_first_appearance(raw)
    order = [raw[np.argmax(labels == c)] for c in range(1, k + 1)]
    return CmeansResult(labels, membership[:, order], centers[order], float(objective))


def _cmeans_run(values: np.ndarray, centers: np.ndarray, *, m: float, max_iter: int,
                tol: float) -> tuple[np.ndarray, np.ndarray, float]:
    """One e1071 ``cmeans`` run from the given centres: (membership, centres, objective)."""
    squared = _squared_distances(values, centers)
    membership = _cmeans_membership(squared, m)
    old = _cmeans_objective(membership, squared, m)
    for _ in range(max_iter):
        weights = membership ** m
        centers = (weights.T @ values) / weights.sum(axis=0)[:, None]
        squared = _squared_distances(values, centers)
        membership = _cmeans_membership(squared, m)
        new = _cmeans_objective(membership, squared, m)
        if abs(old - new) < tol * (old + tol):
            break
        old = new
    return membership, centers, new


def _cmeans_membership(squared: np.ndarray, m: float) -> np.ndarray:
    zero = squared == 0
    with np.errstate(divide="ignore"):
        inverse = squared ** (-1.0 / (m - 1.0))
    # An item on a centre belongs to it (shared equally between coinciding centres).
    on_center = zero.any(axis=1)
    inverse[on_center] = zero[on_center]
    return inverse / inverse.sum(axis=1, keepdims=True)


def _cmeans_objective(membership: np.ndarray, squared: np.ndarray, m: float) -> float:
    return float(np.sum(membership ** m * squared) / len(squared))
