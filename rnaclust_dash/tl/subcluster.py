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
    members : tuple of str or None
        A selection inside the cluster (item ids; a lasso over part of it), or None for
        the whole cluster. Without k or resolution the members are split off: they become
        ``C.1`` and the rest of the cluster ``C.2``; with one, the members alone are
        re-clustered into ``C.1``..``C.k`` and the rest of the cluster becomes ``C.(k+1)``.
    """

    cluster: str
    k: int | None = None
    resolution: float | None = None
    features: str = "parent"
    members: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.members is not None:
            object.__setattr__(self, "members", tuple(str(m) for m in self.members))
            if not self.members:
                raise ParameterError(f"Splitting a selection off cluster {self.cluster}: the "
                                     "selection is empty; select items of the cluster first.")
        if self.k is not None and self.resolution is not None:
            raise ParameterError(f"Splitting cluster {self.cluster} needs either a number of "
                                 "sub-clusters (k) or a resolution, not both.")
        if self.k is None and self.resolution is None and self.members is None:
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


def split_cluster(labels, step: SplitStep, fit: SelectionFit, *,
                  item_ids=None) -> np.ndarray:
    """Split the items of one cluster into children ``C.1, C.2, ...``, keeping the rest.

    Parameters
    ----------
    labels : array-like
        (n_items,) current labels (any type; compared as text).
    step : SplitStep
        Which cluster (and which of its items), and the k or resolution.
    fit : callable
        ``fit(indices, step) -> labels`` for the selection (see :data:`SelectionFit`).
    item_ids : array-like, optional
        (n_items,) ids of the items; needed by a step with ``members``.

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
    selected = indices if step.members is None else _members(step, indices, item_ids)
    result = current.astype(object)
    rest = np.setdiff1d(indices, selected)
    if step.k is None and step.resolution is None:  # split the selection off
        result[selected], result[rest] = f"{step.cluster}.1", f"{step.cluster}.2"
        return result.astype(str)
    needed = max(MIN_SPLIT_ITEMS, (step.k or 2) + 1)
    if selected.size < needed:
        what = (f"Cluster {step.cluster} has {selected.size} items" if step.members is None
                else f"The selection holds {selected.size} items of cluster {step.cluster}")
        raise ParameterError(f"{what}: too few to split (at least {needed} are needed"
                             f"{f' for k = {step.k}' if step.k else ''})"
                             + ("." if step.members is None else
                                "; split the selection off as its own cluster instead."))
    children = number_by_first_appearance(np.asarray(fit(selected, step)))
    if children.max() < 2:
        how = (f"resolution {step.resolution:g}: raise it" if step.resolution is not None
               else f"k = {step.k}")
        raise ParameterError(f"Cluster {step.cluster} stayed in one piece at {how}.")
    result[selected] = [f"{step.cluster}.{child}" for child in children]
    result[rest] = f"{step.cluster}.{children.max() + 1}"
    return result.astype(str)


def _members(step: SplitStep, indices: np.ndarray, item_ids) -> np.ndarray:
    """Positions of the step's members, all in the cluster and not all of it."""
    if item_ids is None:
        raise ParameterError("Splitting a selection off a cluster needs the items' ids.")
    item_ids = np.asarray(item_ids).astype(str)
    members = np.flatnonzero(np.isin(item_ids, list(step.members)))
    outside = np.setdiff1d(members, indices).size + len(set(step.members) - set(
        item_ids[members].tolist()))
    if outside:
        raise ParameterError(f"{outside} of the {len(step.members)} selected items are not in "
                             f"cluster {step.cluster}: select items of one cluster only.")
    if members.size == indices.size and step.k is None and step.resolution is None:
        raise ParameterError(f"The selection is the whole cluster {step.cluster}: split it "
                             "into k sub-clusters instead of splitting it off.")
    return members


def replay_splits(labels, steps: Sequence[SplitStep], fit: SelectionFit, *,
                  item_ids=None) -> np.ndarray:
    """Apply the splits in order, from the parent labels.

    Parameters
    ----------
    labels : array-like
        (n_items,) the labels before any split.
    steps : sequence of SplitStep
        The history; undo is ``replay_splits(labels, steps[:-1], fit)``.
    fit : callable
        See :func:`split_cluster`.
    item_ids : array-like, optional
        (n_items,) ids of the items (for steps with ``members``).

    Returns
    -------
    numpy.ndarray
        (n_items,) labels as text.
    """
    current = np.asarray(labels).astype(str)
    for step in steps:
        current = split_cluster(current, step, fit, item_ids=item_ids)
    return current


def replay_present_splits(labels, steps: Sequence[SplitStep], fit: SelectionFit, *,
                          item_ids=None) -> tuple[np.ndarray, tuple, tuple]:
    """As :func:`replay_splits`, but a split of a cluster that no longer exists (the
    parent clustering changed, e.g. a smaller k), or whose selected members are no longer
    all in it, is skipped instead of raising.

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
    ids = None if item_ids is None else np.asarray(item_ids).astype(str)
    for step in steps:
        in_cluster = current == step.cluster
        if not np.any(in_cluster) or (step.members is not None and ids is not None and not
                                      set(step.members) <= set(ids[in_cluster].tolist())):
            dropped.append(step)
            continue
        current = split_cluster(current, step, fit, item_ids=ids)
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


def graph_split_fit(connectivities, *, method: str = "leiden",
                    random_state: int = 0) -> SelectionFit:
    """``fit(indices, step)`` for single-cell splits: Leiden (or Louvain) at the step's
    resolution on the graph restricted to the selection (:func:`restrict_graph`), as
    scanpy's ``tl.leiden(restrict_to=...)`` (see :func:`~.graph.cluster_graph`).

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        (n_cells, n_cells) the kNN graph of all the cells (e.g. ``obsp["connectivities"]``).
    method : {"leiden", "louvain"}
    random_state : int
        Seed of each split's community detection.

    Returns
    -------
    SelectionFit
        ``fit(indices, step) -> labels`` for :func:`replay_splits`.
    """
    from .graph import cluster_graph

    def fit(indices: np.ndarray, step: SplitStep) -> np.ndarray:
        if step.resolution is None:
            raise ParameterError(f"Splitting cluster {step.cluster} on the cells' graph "
                                 "needs a resolution, not k.")
        return cluster_graph(restrict_graph(connectivities, indices), method=method,
                             resolution=step.resolution, random_state=random_state)

    return fit


def split_graph_cluster(connectivities, labels, cluster, *, resolution: float = 1.0,
                        method: str = "leiden", random_state: int = 0) -> np.ndarray:
    """Sub-cluster one cluster of cells in place on their kNN graph (scanpy's
    ``sc.tl.leiden(adata, restrict_to=(key, [cluster]))``): children ``C.1, C.2, ...``
    (scanpy names them ``C,0, C,1, ...``), every other cell keeps its label.

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        (n_cells, n_cells) the graph the clusters were found on; not modified.
    labels : array-like
        (n_cells,) current cluster labels (compared as text).
    cluster : str
        The cluster to split.
    resolution : float
        Leiden/Louvain resolution on the cluster's subgraph.
    method : {"leiden", "louvain"}
    random_state : int
        Seed (scanpy's ``random_state``).

    Returns
    -------
    numpy.ndarray
        (n_cells,) labels as text.
    """
    labels = np.asarray(labels)
    if sp.csr_matrix(connectivities).shape != (len(labels), len(labels)):
        raise ParameterError(f"The graph has {sp.csr_matrix(connectivities).shape[0]:,} "
                             f"cells but there are {len(labels):,} labels: use the graph the "
                             "clusters were found on.")
    return split_cluster(labels, SplitStep(str(cluster), resolution=resolution),
                         graph_split_fit(connectivities, method=method,
                                         random_state=random_state))


def steps_to_records(steps: Sequence[SplitStep]) -> list[dict]:
    """The history as JSON-ready dicts (params.json ``subclusters``), unset fields left out."""
    defaults = {"k": None, "resolution": None, "features": "parent", "members": None}
    return [{name: list(value) if name == "members" else value
             for name, value in asdict(step).items()
             if name not in defaults or value != defaults[name]} for step in steps]


def steps_from_records(records) -> tuple[SplitStep, ...]:
    """The history read back from :func:`steps_to_records` (a ParameterError when a
    record is not a split)."""
    steps = []
    for number, record in enumerate(records or (), start=1):
        if not isinstance(record, dict) or "cluster" not in record:
            raise ParameterError(f"Split {number} of 'subclusters' in params.json has no "
                                 "'cluster': each split is {\"cluster\": ..., \"k\" or "
                                 "\"resolution\": ...} (and \"members\": [ids] for a "
                                 "selection inside the cluster).")
        k = record.get("k")
        resolution = record.get("resolution")
        members = record.get("members")  # absent in files of before selections
        if members is not None and (isinstance(members, str)
                                    or not isinstance(members, (list, tuple))):
            raise ParameterError(f"Split {number} of 'subclusters' in params.json: "
                                 "'members' must be a list of item ids.")
        steps.append(SplitStep(str(record["cluster"]), None if k is None else int(k),
                               None if resolution is None else float(resolution),
                               str(record.get("features", "parent")),
                               None if members is None else tuple(members)))
    return tuple(steps)
