"""The pieces of the method registry: a :class:`Partition`, a :class:`Method` entry and
:class:`MethodFn`, a method as the ``cluster_fn(data, k, random_state) -> labels`` that
choose-k and stability call.

Every entry's ``fit`` returns labels numbered one way: 1..k by first appearance of the
items (as R's ``cutree``), so that the screen, ``assignments.csv``, the k panel and the
stability tables all call the same cluster by the same number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.distance import squareform

from ...errors import ParameterError
from ..distance import DISTANCES, pairwise_distances
from ..hierarchical import cut_tree
from ..labels import number_by_first_appearance

#: What a method clusters: the items' values, the distances between them, or the items
#: through a kNN graph it builds itself (``fit`` receives the items).
NEEDS = ("items", "distances", "graph")
#: What sets a method's number of clusters.
USES = ("k", "resolution")


@dataclass(frozen=True)
class Partition:
    """A partition of n items.

    Attributes
    ----------
    labels : numpy.ndarray
        n int64 labels 1..k, numbered by first appearance.
    memberships : numpy.ndarray or None
        n x k memberships or posterior probabilities (column c - 1 is cluster c) for soft
        methods.
    tree : numpy.ndarray or None
        The scipy linkage matrix ((n - 1) x 4) that was cut, for tree methods.
    notices : tuple of str
        What the user should know about this fit.
    """

    labels: np.ndarray
    memberships: np.ndarray | None = None
    tree: np.ndarray | None = None
    notices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        canonical = number_by_first_appearance(self.labels)
        if not np.array_equal(canonical, self.labels):
            raise ValueError("Partition labels must be numbered 1..k by first appearance "
                             "(use partition_from_labels).")

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.labels.max()) if len(self.labels) else 0

    @property
    def confidence(self) -> np.ndarray | None:
        """Per item: its largest membership (soft methods), else None."""
        return None if self.memberships is None else self.memberships.max(axis=1)


def partition_from_labels(labels: np.ndarray, *, memberships: np.ndarray | None = None,
                          tree: np.ndarray | None = None,
                          notices: Sequence[str] = ()) -> Partition:
    """A :class:`Partition` with ``labels`` renumbered by first appearance.

    ``memberships`` columns must follow the sorted distinct values of ``labels``; they are
    reordered with the labels.
    """
    labels = np.asarray(labels)
    canonical = number_by_first_appearance(labels)
    if memberships is not None:
        _, codes = np.unique(labels, return_inverse=True)
        order = [codes.reshape(-1)[np.argmax(canonical == c)]
                 for c in range(1, canonical.max() + 1)]
        memberships = np.asarray(memberships)[:, order]
    return Partition(canonical.astype(np.int64), memberships, tree, tuple(notices))


def partition_from_tree(tree: np.ndarray, k: int) -> Partition:
    """The cut of a linkage tree into k clusters (R ``cutree``), keeping the tree.

    Parameters
    ----------
    tree : numpy.ndarray, shape (n - 1, 4)
        A scipy linkage matrix of n items.
    k : int
        Number of clusters, 1..n.

    Returns
    -------
    Partition
        n labels 1..k numbered by first appearance, and the tree.
    """
    return Partition(cut_tree(tree, k).astype(np.int64), tree=tree)


@dataclass(frozen=True)
class Method:
    """One clustering method of the registry.

    Attributes
    ----------
    name : str
        The value of ``AnalysisParams.method`` and of the CLI's ``--method``.
    label : str
        Short name for menus.
    description : str
        One sentence for the help.
    needs : {"items", "distances", "graph"}
        What ``fit`` receives: items x features (``"items"`` and ``"graph"``: graph
        methods build their kNN graph from the items) or condensed distances.
    uses : {"k", "resolution"}
        What sets the number of clusters.
    soft : bool
        True when the partition has memberships (a confidence per item).
    params : tuple of str
        The ``AnalysisParams`` fields ``fit`` reads (passed as keywords), besides k,
        resolution and the seed.
    fit : callable
        ``fit(data, *, k=None, resolution=None, random_state=0, **params) -> Partition``.
    tree : callable or None
        For tree methods: ``tree(condensed, **params) -> linkage``; ``fit`` cuts it, so
        one tree serves every k.
    rotation_invariant : bool
        True when only Euclidean distances between items matter (k-means), so the gap
        statistic may cluster in principal-component coordinates.
    """

    name: str
    label: str
    description: str
    needs: str
    uses: str
    soft: bool
    params: tuple[str, ...]
    fit: Callable[..., Partition]
    tree: Callable[..., np.ndarray] | None = None
    rotation_invariant: bool = False

    def __post_init__(self) -> None:
        if self.needs not in NEEDS or self.uses not in USES:
            raise ValueError(f"Method {self.name}: needs must be one of {NEEDS} and uses "
                             f"one of {USES}.")

    def settings(self, params: Any) -> dict:
        """The values of this method's parameters in ``params`` (an AnalysisParams)."""
        return {name: getattr(params, name) for name in self.params}

    def fit_with(self, data: np.ndarray, params: Any) -> Partition:
        """Fit with the choices of an AnalysisParams (k or resolution, seed, own params)."""
        size = {"k": params.k} if self.uses == "k" else {"resolution": params.resolution}
        return self.fit(data, **size, random_state=params.seed, **self.settings(params))


def method_fn(method: Method, settings: dict | None = None, *,
              metric: str = "euclidean") -> "MethodFn":
    """A method of the registry as a ``cluster_fn`` (see :class:`MethodFn`).

    Parameters
    ----------
    method : Method
        A registry entry with ``uses == "k"``.
    settings : dict, optional
        Its parameters (see :attr:`Method.params`); missing ones take the fit's defaults.
    metric : str
        For methods that need distances: the distance computed from the items, or
        ``"precomputed"`` when the data given are a square distance matrix.
    """
    if method.uses != "k":
        raise ParameterError(f"{method.name.capitalize()} sets the number of clusters by its "
                             "resolution, "
                             "not by k: choose k for another method, or compare resolutions "
                             "by hand.")
    if metric not in (*DISTANCES, "precomputed"):
        raise ParameterError(f"Unknown distance '{metric}'. Choose one of: "
                             f"{', '.join(DISTANCES)}, precomputed.")
    if metric == "precomputed" and method.needs != "distances":
        raise ParameterError(f"{method.label} clusters the items' values, not distances.")
    unknown = sorted(set(settings or {}) - set(method.params))
    if unknown:
        raise ParameterError(f"{method.label} has no parameter {', '.join(unknown)}; its "
                             f"parameters: {', '.join(method.params) or 'none'}.")
    return MethodFn(method, tuple(sorted((settings or {}).items())), metric)


@dataclass(frozen=True)
class MethodFn:
    """A registry method as ``cluster_fn(data, k, random_state) -> labels``.

    Picklable (a background worker can receive it). ``data`` is items x features, or a
    square distance matrix when ``metric == "precomputed"`` (:attr:`cluster_input`).
    The labels are those of :attr:`Method.fit`, numbered by first appearance.
    """

    method: Method
    settings: tuple[tuple[str, Any], ...] = ()
    metric: str = "euclidean"

    @property
    def cluster_input(self) -> str:
        """"distances" (square matrix) or "items": what the function takes."""
        return "distances" if self.metric == "precomputed" else "items"

    @property
    def rotation_invariant(self) -> bool:
        """True when rotating the features cannot change the result."""
        return self.method.rotation_invariant or (
            self.method.needs == "distances" and self.metric == "euclidean")

    def _input(self, data: np.ndarray) -> np.ndarray:
        data = np.asarray(data, dtype=np.float64)
        if self.method.needs != "distances":
            return data
        if self.metric == "precomputed":
            return squareform(data, checks=False)
        return pairwise_distances(data, metric=self.metric)

    def partition(self, data: np.ndarray, k: int, random_state: int = 0) -> Partition:
        """The full :class:`Partition` of ``data`` into k clusters."""
        return self.method.fit(self._input(data), k=k, random_state=random_state,
                               **dict(self.settings))

    def __call__(self, data: np.ndarray, k: int, random_state: int = 0) -> np.ndarray:
        return self.partition(data, k, random_state).labels

    @property
    def labels_for_ks(self) -> Callable | None:
        """For tree methods, ``labels_for_ks(data, ks, random_state) -> {k: labels}`` from
        one tree (see :func:`rnaclust_dash.tl.kselect.labels_over_k`); None otherwise."""
        return None if self.method.tree is None else self._cuts

    def _cuts(self, data: np.ndarray, ks: Sequence[int],
              random_state: int = 0) -> dict[int, np.ndarray]:
        tree = self.method.tree(self._input(data), **dict(self.settings))
        return {k: cut_tree(tree, k) for k in ks}
