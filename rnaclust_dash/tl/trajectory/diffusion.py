"""Diffusion map and diffusion pseudotime (DPT) on a kNN connectivity graph.

The computation is scanpy's (``scanpy.tl.diffmap`` and ``scanpy.tl.dpt``, 1.11): the
density-normalized symmetric transition matrix of Coifman and Lafon, its leading
eigenvectors (ARPACK from a seeded start vector), and the DPT distance of Haghverdi et al.
(2016) with Wolf et al.'s (2019) extension to disconnected graphs. Orientation: cells (or
samples) x cells, one row per item of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh

from ...errors import DataError, ParameterError

#: Eigenvalues at or above this are the stationary state of a connected component
#: (1 up to float32 precision); scanpy's threshold.
STATIONARY_EIGENVALUE = 0.9994


@dataclass(frozen=True)
class DiffusionMap:
    """The diffusion components of a graph.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        (n_comps,) eigenvalues of the symmetric transition matrix, decreasing; the first
        is 1 (the stationary state of each connected component is 1 too).
    components : numpy.ndarray
        (n_items, n_comps) eigenvectors in columns (scanpy's ``X_diffmap``); column 0 is
        the stationary state, column 1 the first diffusion component.
    component_labels : numpy.ndarray
        (n_items,) connected component of each item (0..n_components - 1).
    """

    eigenvalues: np.ndarray
    components: np.ndarray
    component_labels: np.ndarray

    @property
    def n_components(self) -> int:
        """Number of connected components of the graph."""
        return int(self.component_labels.max()) + 1


def transition_matrix(connectivities, *, density_normalize: bool = True) -> sp.csr_matrix:
    """The symmetric transition matrix of a weighted graph (scanpy's ``transitions_sym``).

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        (n, n) symmetric non-negative edge weights (e.g. UMAP connectivities).
    density_normalize : bool
        Divide by the degrees first (Coifman and Lafon 2006), so that only the geometry
        of the data matters, not how densely it is sampled.

    Returns
    -------
    scipy.sparse.csr_matrix
        (n, n) ``Z K Z`` with ``K`` the (density-normalized) kernel and ``Z`` the inverse
        square roots of its row sums.
    """
    kernel = _check_graph(connectivities)
    if density_normalize:
        inverse = sp.diags(1.0 / np.asarray(kernel.sum(axis=0)).ravel())
        kernel = inverse @ kernel @ inverse
    scale = sp.diags(1.0 / np.sqrt(np.asarray(kernel.sum(axis=0)).ravel()))
    return sp.csr_matrix(scale @ kernel @ scale)


def diffusion_map(connectivities, *, n_comps: int = 15, density_normalize: bool = True,
                  random_state: int = 0) -> DiffusionMap:
    """The leading eigenvectors of the transition matrix (scanpy's ``tl.diffmap``).

    Parameters
    ----------
    connectivities : scipy.sparse matrix or numpy.ndarray
        (n, n) symmetric kNN connectivities.
    n_comps : int
        Eigenvectors to compute, including the stationary one (> 2; at most n - 1).
    density_normalize : bool
        See :func:`transition_matrix`.
    random_state : int
        Seed of ARPACK's start vector (scanpy draws it the same way).

    Returns
    -------
    DiffusionMap
    """
    if n_comps <= 2:
        raise ParameterError(f"The diffusion map needs more than 2 components; got {n_comps}.")
    matrix = transition_matrix(connectivities, density_normalize=density_normalize)
    n_items = matrix.shape[0]
    n_comps = min(n_items - 1, n_comps)
    start = np.random.RandomState(random_state).standard_normal(n_items)
    values, vectors = eigsh(matrix.astype(np.float64), k=n_comps, which="LM", v0=start)
    order = np.argsort(values)[::-1]
    _, labels = connected_components(matrix, directed=False)
    return DiffusionMap(values[order].astype(np.float32), vectors[:, order].astype(np.float32),
                        labels)


def _dpt_distances(diffmap: DiffusionMap, root: int, *, n_dcs: int) -> np.ndarray:
    """DPT distance of every item from ``root`` (scanpy's ``_get_dpt_row``); inf outside
    the root's connected component."""
    coordinates = dpt_coordinates(diffmap, n_dcs=n_dcs)
    distances = np.linalg.norm(coordinates[root] - coordinates, axis=1)
    distances[diffmap.component_labels != diffmap.component_labels[root]] = np.inf
    return distances


def dpt_coordinates(diffmap: DiffusionMap, *, n_dcs: int = 10) -> np.ndarray:
    """The first ``n_dcs`` diffusion components weighted by ``lambda / (1 - lambda)``
    (stationary ones unweighted): Euclidean distance between rows is the DPT distance.

    Returns
    -------
    numpy.ndarray
        (n_items, n_dcs) float64.
    """
    values = diffmap.eigenvalues[:n_dcs].astype(np.float64)
    stationary = values >= STATIONARY_EIGENVALUE
    weights = np.ones_like(values)
    weights[~stationary] = values[~stationary] / (1 - values[~stationary])
    return diffmap.components[:, :n_dcs].astype(np.float64) * weights


def diffusion_pseudotime(diffmap: DiffusionMap, root: int, *, n_dcs: int = 10) -> np.ndarray:
    """Diffusion pseudotime from ``root``: DPT distances scaled to a maximum of 1.

    The DPT distance (Haghverdi et al. 2016) is Euclidean in :func:`dpt_coordinates`:
    each diffusion component counts with weight ``lambda / (1 - lambda)``, the stationary
    ones (eigenvalue >= :data:`STATIONARY_EIGENVALUE`) unweighted, as scanpy does. Items
    in another connected component than the root are at infinity.

    Parameters
    ----------
    diffmap : DiffusionMap
    root : int
        Index of the root item.
    n_dcs : int
        Diffusion components used (scanpy's ``tl.dpt(n_dcs=10)``).

    Returns
    -------
    numpy.ndarray
        (n_items,) pseudotime in [0, 1]; inf for items not connected to the root (see
        :func:`unreachable_message`).
    """
    n_items = diffmap.components.shape[0]
    if not 0 <= root < n_items:
        raise ParameterError(f"The root index {root} is not one of the {n_items} items.")
    if n_dcs < 2:
        raise ParameterError(f"DPT needs at least 2 diffusion components; got {n_dcs}.")
    distances = _dpt_distances(diffmap, root, n_dcs=n_dcs)
    largest = distances[np.isfinite(distances)].max()
    if largest == 0:
        raise DataError("Every item reachable from the root sits at the root's place in the "
                        "diffusion map: pseudotime cannot order them (pick another root).")
    return distances / largest


def unreachable_message(pseudotime: np.ndarray, ids) -> str | None:
    """A sentence naming the items the root cannot reach (infinite pseudotime), or None."""
    ids = np.asarray(ids, dtype=str)
    lost = ids[~np.isfinite(pseudotime)]
    if lost.size == 0:
        return None
    shown = ", ".join(lost[:10]) + (f" and {lost.size - 10} more" if lost.size > 10 else "")
    return (f"The graph is not connected: {lost.size} of {len(ids)} items cannot be reached "
            f"from the root and have no pseudotime ({shown}). They form separate parts of "
            "the kNN graph; raise the number of neighbours, or analyse each part alone.")


def _check_graph(connectivities) -> sp.csr_matrix:
    matrix = sp.csr_matrix(connectivities, dtype=np.float64)
    n_rows, n_cols = matrix.shape
    if n_rows != n_cols:
        raise DataError(f"The connectivity graph must be square (items x items); got "
                        f"{n_rows} x {n_cols}.")
    if n_rows < 4:
        raise DataError(f"A diffusion map needs at least 4 items; got {n_rows}.")
    if matrix.nnz and (not np.isfinite(matrix.data).all() or matrix.data.min() < 0):
        raise DataError("The connectivity graph has negative or missing weights: give kNN "
                        "connectivities (non-negative, symmetric).")
    if abs(matrix - matrix.T).max() > 1e-6 * max(1.0, abs(matrix).max()):
        raise DataError("The connectivity graph is not symmetric: give kNN connectivities "
                        "(e.g. UMAP's fuzzy union), not one-directional distances.")
    isolated = np.flatnonzero(np.asarray(matrix.sum(axis=1)).ravel() == 0)
    if isolated.size:
        raise DataError(f"{isolated.size} item(s) have no neighbour in the graph (first at "
                        f"row {isolated[0] + 1}): they cannot be placed on a trajectory. "
                        "Remove them or build the graph with more neighbours.")
    return matrix
