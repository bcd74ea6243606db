"""Gaussian mixture models (EM on principal components, mclust's criteria)."""

from __future__ import annotations

import numpy as np

from ..mixture import gaussian_mixture
from .base import Method, Partition, partition_from_labels


def fit_gmm(items: np.ndarray, *, k: int, covariance: str = "full", pcs: int = 10,
            random_state: int = 0) -> Partition:
    """Gaussian mixture of items x features on their first ``pcs`` principal components
    (0: the values as they are), with posterior probabilities."""
    result = gaussian_mixture(items, k=k, covariance=covariance, n_pcs=pcs or None,
                              random_state=random_state)
    return partition_from_labels(result.labels, memberships=result.posterior)


GMM = Method(
    name="gmm", label="Gaussian mixture",
    description="Gaussian mixture on principal components: k Gaussian clusters fitted by "
                "EM, with posterior probabilities; BIC and ICL help to choose k.",
    needs="items", uses="k", soft=True, params=("covariance", "pcs"), fit=fit_gmm)
