"""Judging single-cell clusters: the resolution panel (clusters at several resolutions and
how they split, as clustree) and stability under subsampling of the cells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..pp.neighbors import neighbors
from ..tl.graph import cluster_graph
from ..tl.kselect import cluster_tree
from ..tl.stability import StabilityResult, bootstrap_stability

#: Resolutions of the panel by default (scanpy / Seurat users scan about these).
PANEL_RESOLUTIONS = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class ResolutionPanel:
    """Clusters of one graph at several resolutions.

    Attributes
    ----------
    summary : pandas.DataFrame
        ``resolution, n_clusters, largest, smallest`` (cells in the largest / smallest
        cluster), by increasing resolution.
    labels : pandas.DataFrame
        Cells x resolutions (columns are the resolutions), labels 1..k.
    tree : pandas.DataFrame
        Edges between clusters at consecutive resolutions: ``from_resolution,
        from_cluster, to_resolution, to_cluster, n_cells, in_prop`` (the fraction of the
        child cluster coming from the parent, clustree's ``in_prop``).
    """

    summary: pd.DataFrame
    labels: pd.DataFrame
    tree: pd.DataFrame


def resolution_panel(connectivities, *, resolutions=PANEL_RESOLUTIONS,
                     method: str = "leiden", random_state: int = 0,
                     cell_ids=None, progress=None) -> ResolutionPanel:
    """Leiden (or Louvain) of one neighbour graph at each resolution, and the cluster tree.

    Parameters
    ----------
    connectivities : scipy.sparse matrix
        Cells x cells graph weights (:attr:`SingleCellResult.graph.connectivities`).
    resolutions : sequence of float, keyword-only
        Resolutions (> 0); sorted, duplicates dropped.
    method : {"leiden", "louvain"}, keyword-only
    random_state : int, keyword-only
        The seed of every clustering (the analysis' seed gives its own labels back).
    cell_ids : array-like, optional, keyword-only
        Index of ``labels``.
    progress : callable, optional, keyword-only
        ``progress(done, total)`` after each resolution (a background job's bar).

    Returns
    -------
    ResolutionPanel
    """
    chosen = sorted({float(r) for r in resolutions})
    if not chosen:
        raise ParameterError("Give at least one resolution for the resolution panel.")
    labels = {}
    for done, resolution in enumerate(chosen, start=1):
        labels[resolution] = cluster_graph(connectivities, method=method,
                                           resolution=resolution, random_state=random_state)
        if progress is not None:
            progress(done, len(chosen))
    table = pd.DataFrame(labels, index=None if cell_ids is None else pd.Index(cell_ids))
    sizes = [np.bincount(labels[r])[1:] for r in chosen]
    summary = pd.DataFrame({"resolution": chosen,
                            "n_clusters": [len(s) for s in sizes],
                            "largest": [int(s.max()) for s in sizes],
                            "smallest": [int(s.min()) for s in sizes]})
    tree = cluster_tree(labels).rename(columns={
        "from_k": "from_resolution", "to_k": "to_resolution", "n_items": "n_cells"})
    return ResolutionPanel(summary=summary, labels=table, tree=tree)


def single_cell_stability(result, *, n_resamples: int = 20, fraction: float = 0.8,
                          random_state: int = 0) -> StabilityResult:
    """Clusterwise stability of a single-cell analysis under subsampling of its cells.

    Each resample draws ``fraction`` of the kept cells without replacement, builds their
    neighbour graph again on the same coordinates (PCs or Harmony's) with the same
    neighbours, and clusters it with the same method, resolution (or k) and a seed drawn
    from ``random_state``; each cluster's value is its best Jaccard index with a cluster
    of the resample (:func:`rnaclust_dash.tl.stability.bootstrap_stability`, scheme
    "subsample").

    Parameters
    ----------
    result : SingleCellResult
        The analysis (from :func:`~.single_cell.run_single_cell`); its labels are scored.
    n_resamples : int, keyword-only
        Subsamples drawn.
    fraction : float, keyword-only
        Fraction of the cells in each subsample (0 < fraction <= 1).
    random_state : int, keyword-only
        Seed of the subsamples and of their clusterings.

    Returns
    -------
    StabilityResult
        ``cluster_jaccard`` (per cluster; above 0.75 is usually read as stable),
        ``item_stability`` per cell.
    """
    params = result.params
    labels = np.asarray(result.labels)
    return bootstrap_stability(
        np.asarray(result.representation, dtype=np.float64), k=int(labels.max()),
        cluster_fn=_ReclusterCells(params), n_resamples=n_resamples, scheme="subsample",
        subsample_fraction=fraction, random_state=random_state, labels=labels,
        item_noun="cells")


@dataclass(frozen=True)
class _ReclusterCells:
    """``cluster_fn(coordinates, k, seed)`` re-running the analysis' graph and clustering
    on a subsample (k is used by k-means and GMM only)."""

    params: object

    def __call__(self, coordinates: np.ndarray, k: int, random_state: int = 0) -> np.ndarray:
        from .single_cell import _cluster

        params = self.params.replace(seed=int(random_state) % (2**32 - 1), k=max(2, k))
        graph = None
        if params.method in ("leiden", "louvain"):
            graph = neighbors(coordinates.astype(np.float32),
                              n_neighbors=min(params.neighbors, len(coordinates)),
                              random_state=params.seed)
        return _cluster(graph, coordinates, params)
