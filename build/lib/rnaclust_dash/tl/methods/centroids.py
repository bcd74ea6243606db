"""Centre-based methods: k-means, PAM (k-medoids) and fuzzy c-means."""

from __future__ import annotations

import numpy as np

from ..cmeans import fuzzy_cmeans
from ..kmeans import kmeans
from ..pam import pam
from .base import Method, Partition, partition_from_labels


def fit_kmeans(items: np.ndarray, *, k: int, kmeans_init: str = "k-means++",
               n_init: int = 10, minibatch: bool = False, random_state: int = 0) -> Partition:
    """K-means (scikit-learn, float64) of items x features; see
    :func:`rnaclust_dash.tl.kmeans.kmeans`. The caller sets the thread limit (the pipeline
    and the choose-k and stability loops run every fit on one thread)."""
    result = kmeans(items, k=k, init=kmeans_init, n_init=n_init, random_state=random_state,
                    minibatch=minibatch, limit_threads=False)
    return partition_from_labels(result.labels)


def fit_kmedoids(condensed: np.ndarray, *, k: int, random_state: int = 0) -> Partition:
    """PAM (R ``cluster::pam``) of condensed distances; deterministic."""
    return partition_from_labels(pam(condensed, k=k).labels)


def fit_fuzzy_cmeans(items: np.ndarray, *, k: int, fuzzifier: float = 2.0,
                     random_state: int = 0) -> Partition:
    """Fuzzy c-means (R ``e1071::cmeans``) of items x features, with memberships."""
    result = fuzzy_cmeans(items, k=k, m=fuzzifier, random_state=random_state)
    return partition_from_labels(result.labels, memberships=result.membership)


KMEANS = Method(
    name="kmeans", label="K-means",
    description="K-means: k centres placed to minimise within-cluster squared distance.",
    needs="items", uses="k", soft=False, params=("kmeans_init", "n_init", "minibatch"),
    fit=fit_kmeans, rotation_invariant=True)

KMEDOIDS = Method(
    name="kmedoids", label="PAM (k-medoids)",
    description="PAM (k-medoids): k representative items chosen to minimise the total "
                "distance of every item to its medoid; robust to outliers, any distance.",
    needs="distances", uses="k", soft=False, params=(), fit=fit_kmedoids)

FUZZY_CMEANS = Method(
    name="fuzzy-cmeans", label="Fuzzy c-means",
    description="Fuzzy c-means: every item belongs to every cluster with a membership "
                "between 0 and 1; the hard label is the largest membership.",
    needs="items", uses="k", soft=True, params=("fuzzifier",), fit=fit_fuzzy_cmeans)
