"""Clustering methods as a registry (see :mod:`.registry`).

Each entry declares what it clusters (items, distances or a graph), whether k or a
resolution sets the number of clusters, whether it is soft, the parameters it reads, and
a ``fit`` returning a :class:`Partition` numbered by first appearance.
"""

from .base import (Method, MethodFn, Partition, method_fn, partition_from_labels,
                   partition_from_tree)
from .registry import (GRAPH_CLUSTERINGS, METHOD_DESCRIPTIONS, METHODS, REGISTRY,
                       RESOLUTION_METHODS, SOFT_METHODS, get_method)

__all__ = ["GRAPH_CLUSTERINGS", "METHODS", "METHOD_DESCRIPTIONS", "REGISTRY", "RESOLUTION_METHODS",
           "SOFT_METHODS", "Method", "MethodFn", "Partition", "get_method", "method_fn",
           "partition_from_labels", "partition_from_tree"]
