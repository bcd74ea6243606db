"""Sub-clustering in place: split one cluster, keep the rest, remember the splits.

A split re-clusters only the items of one cluster (as scanpy's ``restrict_to``): with a
graph method, on the kNN graph restricted to them (:func:`restrict_graph`); with any
method, on their own values (the parent's representation, or one recomputed on the
selection by the caller). Children are named after the parent, ``3`` -> ``3.1``, ``3.2``
(``3.1`` -> ``3.1.1``...), numbered by first appearance; every other label is kept.

The history of splits is plain data (a tuple of :class:`SplitStep`, saved in params.json
with :func:`steps_to_records`): replaying it from the parent labels gives the same labels
(each split is seeded), and undo is replaying all steps but the last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError
from .labels import number_by_first_appearance

#: Fewest items a selection needs to be split (a kNN graph needs 3).
MIN_SPLIT_ITEMS = 3

#: Where a split's features come from (see :class:`SplitStep`).
SPLIT_FEATURES = ("parent", "selection")

#: ``fit(indices, step) -> labels``: cluster the items at ``indices`` (int array into the
#: full set of items) as ``step`` says; labels of any kind, one per index.
SelectionFit = Callable[[np.ndarray, "SplitStep"], np.ndarray]


@dataclass(frozen=True)
class SplitStep:
    """One split: the cluster split, and the k or resolution used on its items.

    Attributes
    ----------
    cluster : str
        Label of the cluster to split (``"3"``, or a child such as ``"3.1"``).
    k : int or None
        Number of sub-clusters, for methods with k.
    resolution : float or None
        Resolution, for graph methods (Leiden/Louvain).
    features : {"parent", "selection"}
        Cluster the selection on the parent's features (its values as clustered), or on
        features chosen again on the selection (e.g. its own most variable genes).
    """

    cluster: str
    k: int | None = None
    resolution: float | None = None
    features: str = "parent"

    def __post_init__(self) -> None:
        if (self.k is None) == (self.resolution is None):
            raise ParameterError(f"Splitting cluster {self.cluster} needs either a number of "
                                 "sub-clusters (k) or a resolution, not both.")
        if self.k is not None and self.k < 2:
            raise ParameterError(f"Splitting cluster {self.cluster} into {self.k} "
                                 "sub-clusters: give k of at least 2.")
        if self.features not in SPLIT_FEATURES:
            raise ParameterError(f"Splitting cluster {self.cluster}: features must be one of "
                                 f"{', '.join(SPLIT_FEATURES)}; got {self.features!r}.")
        if self.resolution is not None and not self.resolution > 0:
            raise ParameterError(f"The resolution to split cluster {self.cluster} must be "
                                 f"positive; got {self.resolution}.")


def split_cluster(labels, step: SplitStep, fit: SelectionFit) -> np.ndarray:
    """Split the items of one cluster into children ``C.1, C.2, ...``, keeping the rest.

    Parameters
    ----------
    labels : array-like
        (n_items,) current labels (any type; compared as text).
    step : SplitStep
        Which cluster, and the k or resolution.
    fit : callable
        ``fit(indices, step) -> labels`` for the selection (see :data:`SelectionFit`).

    Returns
    -------
    numpy.ndarray
        (n_items,) new labels as text (a new array; ``labels`` is not modified).
    """
    current = np.asarray(labels).astype(str)
    indices = np.flatnonzero(current == step.cluster)
    if indices.size == 0:
        present = ", ".join(sorted(set(current.tolist()))[:20])
        raise ParameterError(f"There is no cluster '{step.cluster}' to split (clusters: "
                             f"{present}).")
    needed = max(MIN_SPLIT_ITEMS, (step.k or 2) + 1)
    if indices.size < needed:
        raise ParameterError(f"Cluster {step.cluster} has {indices.size} items: too few to "
                             f"split (at least {needed} are needed"
                             f"{f' for k = {step.k}' if step.k else ''}).")
    children = number_by_first_appearance(np.asarray(fit(indices, step)))
    if children.max() < 2:
        how = (f"resolution {step.resolution:g}: raise it" if step.resolution is not None
               else f"k = {step.k}")
        raise ParameterError(f"Cluster {step.cluster} stayed in one piece at {how}.")
    result = current.astype(object)
    result[indices] = [f"{step.cluster}.{child}" for child in children]
    return result.astype(str)


def replay_splits(labels, steps: Sequence[SplitStep], fit: SelectionFit) -> np.ndarray:
    """Apply the splits in order, from the parent labels.

    Parameters
    ----------
    labels : array-like
        (n_items,) the labels before any split.
    steps : sequence of SplitStep
        The history; undo is ``replay_splits(labels, steps[:-1], fit)``.
    fit : callable
        See :func:`split_cluster`.

    Returns
    -------
    numpy.ndarray
        (n_items,) labels as text.
    """
    current = np.asarray(labels).astype(str)
    for step in steps:
        current = split_cluster(current, step, fit)
    return current


def replay_present_splits(labels, steps: Sequence[SplitStep],
                          fit: SelectionFit) -> tuple[np.ndarray, tuple, tuple]:
    """As :func:`replay_splits`, but a split of a cluster that no longer exists (the
    parent clustering changed, e.g. a smaller k) is skipped instead of raising.

    Returns
    -------
    labels : numpy.ndarray
        (n_items,) labels as text after the splits kept.
    kept : tuple of SplitStep
        The splits applied, in order.
    dropped : tuple of SplitStep
        The splits skipped because their cluster is gone.
    """
    current = np.asarray(labels).astype(str)
    kept, dropped = [], []
    for step in steps:
        if not np.any(current == step.cluster):
            dropped.append(step)
            continue
        current = split_cluster(current, step, fit)
        kept.append(step)
    return current, tuple(kept), tuple(dropped)


def restrict_graph(connectivities, indices) -> sp.csr_matrix:
    """The graph between the items at ``indices`` only (scanpy's ``restrict_to``).

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        (n, n) weighted graph.
    indices : array-like of int
        (m,) items kept, in this order.

    Returns
    -------
    scipy.sparse.csr_matrix
        (m, m) new matrix.
    """
    matrix = sp.csr_matrix(connectivities)
    indices = np.asarray(indices)
    return sp.csr_matrix(matrix[indices][:, indices])


def steps_to_records(steps: Sequence[SplitStep]) -> list[dict]:
    """The history as JSON-ready dicts (params.json ``subclusters``), unset fields left out."""
    defaults = {"k": None, "resolution": None, "features": "parent"}
    return [{name: value for name, value in asdict(step).items()
             if name not in defaults or value != defaults[name]} for step in steps]


def steps_from_records(records) -> tuple[SplitStep, ...]:
    """The history read back from :func:`steps_to_records` (a ParameterError when a
    record is not a split)."""
    steps = []
    for number, record in enumerate(records or (), start=1):
        if not isinstance(record, dict) or "cluster" not in record:
            raise ParameterError(f"Split {number} of 'subclusters' in params.json has no "
                                 "'cluster': each split is {\"cluster\": ..., \"k\" or "
                                 "\"resolution\": ...}.")
        k = record.get("k")
        resolution = record.get("resolution")
        steps.append(SplitStep(str(record["cluster"]), None if k is None else int(k),
                               None if resolution is None else float(resolution),
                               str(record.get("features", "parent"))))
    return tuple(steps)
