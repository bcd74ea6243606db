"""Graph methods: Leiden and Louvain communities of a shared-neighbour kNN graph."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..graph import graph_clusters
from .base import Method, Partition, partition_from_labels


def fit_graph(items: np.ndarray, *, algorithm: str, resolution: float = 1.0,
              neighbors: int = 15, pcs: int = 10, random_state: int = 0) -> Partition:
    """Communities (``algorithm`` "leiden" or "louvain") of the kNN graph of items x
    features on their first ``pcs`` principal components (0: the values themselves)."""
    result = graph_clusters(items, method=algorithm, n_neighbors=neighbors,
                            resolution=resolution, n_pcs=pcs or None,
                            random_state=random_state)
    return partition_from_labels(result.labels,
                                 notices=result.notices)


def _graph_method(algorithm: str, label: str, description: str) -> Method:
    return Method(name=algorithm, label=label, description=description, needs="graph",
                  uses="resolution", soft=False, params=("neighbors", "pcs"),
                  fit=partial(fit_graph, algorithm=algorithm))


LEIDEN = _graph_method(
    "leiden", "Leiden (graph)",
    "Leiden: communities of a k-nearest-neighbour graph; the number of clusters follows "
    "from the resolution, not from k.")

LOUVAIN = _graph_method(
    "louvain", "Louvain (graph)",
    "Louvain: communities of a k-nearest-neighbour graph (the older algorithm Leiden "
    "improves on); the resolution sets the number of clusters.")
