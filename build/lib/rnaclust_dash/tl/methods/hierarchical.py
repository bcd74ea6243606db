"""Tree methods: agglomerative hierarchical clustering and DIANA, cut into k clusters."""

from __future__ import annotations

import numpy as np

from ..diana import diana_tree
from ..hierarchical import hierarchical_tree
from .base import Method, Partition, partition_from_tree


def _hierarchical_tree(condensed: np.ndarray, *, linkage: str = "average") -> np.ndarray:
    return hierarchical_tree(condensed, linkage=linkage)


def fit_hierarchical(condensed: np.ndarray, *, k: int, linkage: str = "average",
                     random_state: int = 0) -> Partition:
    """Agglomerative tree of condensed distances (R ``hclust``) cut into k clusters
    (``random_state`` is not used: the result is deterministic)."""
    return partition_from_tree(_hierarchical_tree(condensed, linkage=linkage), k)


def _diana_tree(condensed: np.ndarray) -> np.ndarray:
    return diana_tree(condensed)


def fit_diana(condensed: np.ndarray, *, k: int, random_state: int = 0) -> Partition:
    """DIANA tree of condensed distances (R ``cluster::diana``) cut into k clusters."""
    return partition_from_tree(diana_tree(condensed), k)


HIERARCHICAL = Method(
    name="hierarchical", label="Hierarchical (agglomerative)",
    description="Hierarchical: builds a tree of merges, cut into k clusters.",
    needs="distances", uses="k", soft=False, params=("linkage",), fit=fit_hierarchical,
    tree=_hierarchical_tree)

DIANA = Method(
    name="diana", label="DIANA (divisive hierarchical)",
    description="DIANA: divisive hierarchy; splits the widest cluster by peeling off the "
                "items that are on average closer to each other than to the rest.",
    needs="distances", uses="k", soft=False, params=(), fit=fit_diana, tree=_diana_tree)
