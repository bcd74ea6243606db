"""The trajectory of an analysis' items (issue 12): kNN graph of the items as clustered,
diffusion map, diffusion pseudotime from a root, PAGA between clusters (or sheet groups)
and the genes that change along pseudotime."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from ..pp.neighbors import NeighborGraph, neighbors
from ..tl._common import _principal_components
from ..tl.graph import adapted_neighbors
from ..tl.trajectory.diffusion import (DiffusionMap, diffusion_map, diffusion_pseudotime,
                                       unreachable_message)
from ..tl.trajectory.genes import pseudotime_genes
from ..tl.trajectory.paga import paga_connectivities
from ..tl.trajectory.root import earliest_members, root_by_id, root_in_group


@dataclass(frozen=True)
class RootChoice:
    """Where pseudotime starts: exactly one of an item id, a group (cluster) or a sheet
    column whose earliest value marks the start (``values``: that column by item id)."""

    item: str | None = None
    group: str | None = None
    column: str | None = None
    values: pd.Series | None = None

    def __post_init__(self) -> None:
        given = [name for name in ("item", "group", "column") if getattr(self, name)]
        if len(given) != 1:
            raise ParameterError("Say where pseudotime starts with exactly one of: a root "
                                 "cell (--root-cell), a root cluster (--root-cluster) or a "
                                 "sheet column whose earliest value is the start "
                                 "(--root-column).")


@dataclass(frozen=True)
class Trajectory:
    """Pseudotime and PAGA of n items.

    Attributes
    ----------
    ids : numpy.ndarray
        (n,) item ids.
    groups : numpy.ndarray
        (n,) group of each item (text), the nodes of the PAGA graph.
    root : int
        Index of the root item.
    pseudotime : numpy.ndarray
        (n,) in [0, 1]; inf for items the root cannot reach.
    diffmap : DiffusionMap
    paga : pandas.DataFrame
        Groups x groups PAGA connectivities.
    n_neighbors : int
        Neighbours per item in the graph (the item itself not counted).
    notices : tuple of str
    """

    ids: np.ndarray
    groups: np.ndarray
    root: int
    pseudotime: np.ndarray
    diffmap: DiffusionMap
    paga: pd.DataFrame
    n_neighbors: int
    notices: tuple[str, ...] = ()


def item_trajectory(items: np.ndarray, ids, groups, root: RootChoice, *, n_pcs: int = 0,
                    n_neighbors: int = 14, n_comps: int = 15, n_dcs: int = 10,
                    random_state: int = 0) -> Trajectory:
    """Diffusion pseudotime and PAGA of items x features.

    Parameters
    ----------
    items : numpy.ndarray
        (n, p) the items as clustered (cells or samples x features).
    ids : sequence of str
        (n,) item ids.
    groups : array-like
        (n,) cluster (or sheet group) of each item.
    root : RootChoice
    n_pcs : int
        Build the graph on the first ``n_pcs`` principal components (0: the values).
    n_neighbors : int
        Neighbours per item, the item itself not counted (the graph is
        :func:`rnaclust_dash.pp.neighbors.neighbors` with ``n_neighbors + 1``, as scanpy
        counts the item itself; lowered for small studies, see
        :func:`~rnaclust_dash.tl.graph.adapted_neighbors`, said in a notice).
    n_comps, n_dcs : int
        Diffusion components computed / used by DPT (scanpy's 15 and 10).
    random_state : int
        Seed of the graph and of the eigen solver.

    Returns
    -------
    Trajectory
    """
    ids = np.asarray(ids, dtype=str)
    groups = np.asarray(groups).astype(str)
    points = np.asarray(items, dtype=np.float64)
    if len(ids) < 6:
        raise DataError(f"A trajectory needs at least 6 items; the analysis has {len(ids)}.")
    if n_pcs:
        points = _principal_components(points, min(n_pcs, min(points.shape)))
    used, notices = adapted_neighbors(len(ids), n_neighbors)
    graph = neighbors(points, n_neighbors=used + 1, random_state=random_state)
    return graph_trajectory(graph, ids, groups, root, n_comps=n_comps, n_dcs=n_dcs,
                            random_state=random_state, notices=notices)


def graph_trajectory(graph: NeighborGraph, ids, groups, root: RootChoice, *,
                     n_comps: int = 15, n_dcs: int = 10, random_state: int = 0,
                     notices: tuple[str, ...] = ()) -> Trajectory:
    """Diffusion pseudotime and PAGA on a kNN graph built elsewhere (scanpy's
    ``tl.diffmap``, ``tl.dpt`` and ``tl.paga`` after ``pp.neighbors``).

    Parameters
    ----------
    graph : NeighborGraph
        The items' kNN graph (:func:`rnaclust_dash.pp.neighbors.neighbors`): DPT reads
        its connectivities, PAGA its (directed) distances.
    ids : sequence of str
        (n,) item ids, in the graph's order.
    groups : array-like
        (n,) cluster (or sheet group) of each item.
    root : RootChoice
    n_comps, n_dcs : int
        Diffusion components computed / used by DPT (scanpy's 15 and 10).
    random_state : int
        Seed of the eigen solver's start vector.
    notices : tuple of str
        Notices to keep with the result (e.g. fewer neighbours than asked).

    Returns
    -------
    Trajectory
        Items the root cannot reach (another part of a disconnected graph) have an
        infinite pseudotime, and a notice names them.
    """
    ids = np.asarray(ids, dtype=str)
    groups = np.asarray(groups).astype(str)
    diffmap = diffusion_map(graph.connectivities, n_comps=min(n_comps, len(ids) - 2),
                            random_state=random_state)
    root_index = _root_index(diffmap, ids, groups, root, n_dcs=n_dcs)
    pseudotime = diffusion_pseudotime(diffmap, root_index, n_dcs=n_dcs)
    lost = unreachable_message(pseudotime, ids)
    notices = tuple(notices) + ((lost,) if lost else ())
    return Trajectory(ids, groups, root_index, pseudotime, diffmap,
                      paga_connectivities(graph.distances, groups),
                      int(graph.knn_indices.shape[1]) - 1, notices)


def _root_index(diffmap: DiffusionMap, ids, groups, root: RootChoice, *, n_dcs: int) -> int:
    if root.item is not None:
        return root_by_id(ids, root.item)
    if root.group is not None:
        members = groups == str(root.group)
        if not members.any():
            shown = ", ".join(sorted(set(groups.tolist()))[:20])
            raise ParameterError(f"There is no cluster '{root.group}' to start from "
                                 f"(clusters: {shown}).")
        return root_in_group(diffmap, members, n_dcs=n_dcs)
    if root.values is None:
        raise ParameterError(f"The root column '{root.column}' is not in the sample or cell "
                             "sheet (give the sheet with --metadata).")
    return root_in_group(diffmap, earliest_members(root.values, ids, column=root.column),
                         n_dcs=n_dcs)


def analysis_trajectory(store, key: str, params, root: RootChoice, *,
                        groups_column: str | None = None, steps=(), n_comps: int = 15,
                        n_dcs: int = 10):
    """The trajectory of an analysis' items (the CLI's ``trajectory`` and the view).

    Parameters
    ----------
    store : ResultStore
    key : str
        The dataset's key.
    params : AnalysisParams
        The analysis (samples as items); its ``pcs``, ``neighbors`` and ``seed`` build the
        graph.
    root : RootChoice
        Its ``values`` are filled in from the sample sheet when ``column`` is given.
    groups_column : str, optional
        Sample-sheet column whose values are PAGA's groups (default: the clusters).
    steps : sequence of SplitStep
        Splits of the clusters applied first (:mod:`.subcluster`).
    n_comps, n_dcs : int
        Diffusion components computed / used by DPT.

    Returns
    -------
    tuple
        ``(analysis, trajectory, genes)``: the (split) Analysis, the :class:`Trajectory`
        and the pseudotime gene table.
    """
    from .datasets import load_dataset
    from .run import run_analysis
    from .subcluster import split_analysis

    if params.target != "samples":
        raise ParameterError("A trajectory orders samples (or cells): use --target samples "
                             "(the default).")
    metadata = load_dataset(store, key).metadata
    analysis = split_analysis(store, run_analysis(store, key, params), steps)
    ids = analysis.features.item_ids
    groups = _groups(metadata, ids, groups_column, analysis.labels)
    if root.column is not None:
        column = None if metadata is None else metadata.get(root.column)
        root = RootChoice(column=root.column, values=column)
    trajectory = item_trajectory(analysis.features.items, ids, groups, root,
                                 n_pcs=params.pcs, n_neighbors=params.neighbors,
                                 n_comps=n_comps, n_dcs=n_dcs, random_state=params.seed)
    return analysis, trajectory, trajectory_genes(analysis.features.values, trajectory)


def cell_trajectory(dataset, params, root: RootChoice, *, store=None,
                    dataset_key: str = "", groups_column: str | None = None,
                    n_comps: int = 15, n_dcs: int = 10):
    """The trajectory of single cells on the single-cell pipeline's kNN graph.

    The cells, their graph and clusters are those of
    :func:`~rnaclust_dash.pipeline.single_cell.run_single_cell` with ``params`` (QC,
    normalize, HVG, PCA, Harmony, neighbours, Leiden/Louvain; stages read back from
    ``store``); DPT and PAGA then run on that graph exactly as scanpy's ``tl.diffmap``,
    ``tl.dpt`` and ``tl.paga`` do after ``pp.neighbors``.

    Parameters
    ----------
    dataset : rnaclust_dash.dataset.Dataset
        Cells x genes, raw counts in X; the cell sheet in ``obs``.
    params : AnalysisParams
        The single-cell analysis.
    root : RootChoice
        Its ``values`` are filled in from the cell sheet when ``column`` is given.
    store : ResultStore, optional
        Where the single-cell stages are kept (None computes them).
    dataset_key : str
        The dataset's store key (needed with a store).
    groups_column : str, optional
        Cell-sheet column whose values are PAGA's groups (default: the clusters).
    n_comps, n_dcs : int
        Diffusion components computed / used by DPT.

    Returns
    -------
    tuple
        ``(result, trajectory, genes)``: the
        :class:`~rnaclust_dash.pipeline.single_cell.SingleCellResult`, the
        :class:`Trajectory` of its kept cells and the pseudotime gene table (genes x
        ``gene, symbol, rho, pvalue, padj, direction``; ``gene`` the id).
    """
    from .single_cell import _symbols, run_single_cell

    result = run_single_cell(dataset, params, store=store, dataset_key=dataset_key)
    obs = dataset.adata.obs
    ids = result.cell_ids.astype(str)
    groups = _groups(obs, ids, groups_column, result.labels)
    if root.column is not None:
        root = RootChoice(column=root.column, values=obs.get(root.column))
    trajectory = graph_trajectory(result.graph, ids, groups, root, n_comps=n_comps,
                                  n_dcs=n_dcs, random_state=params.seed)
    genes = pseudotime_genes(result.log_values, result.gene_ids.astype(str),
                             trajectory.pseudotime)
    adata = dataset.adata
    symbols = pd.Series(_symbols(adata, adata.var_names.get_indexer(result.gene_ids)),
                        index=result.gene_ids.astype(str))
    genes.insert(1, "symbol", symbols.loc[genes["gene"]].to_numpy())
    return result, trajectory, genes


def _groups(metadata, ids, column: str | None, labels) -> np.ndarray:
    """PAGA's groups: the sheet column's values (every item needs one), else the labels."""
    if column is None:
        return np.asarray(labels).astype(str)
    if metadata is None or column not in metadata.columns:
        raise ParameterError(f"The groups column '{column}' is not in the sample or cell "
                             "sheet (give the sheet with --metadata).")
    aligned = metadata[column].reindex(pd.Index(ids))
    if aligned.isna().any():
        missing = ", ".join(pd.Index(ids)[aligned.isna().to_numpy()][:5])
        raise ParameterError(f"The groups column '{column}' has no value for "
                             f"{int(aligned.isna().sum())} item(s) (e.g. {missing}).")
    return aligned.astype(str).to_numpy()


def trajectory_genes(values: pd.DataFrame, trajectory: Trajectory) -> pd.DataFrame:
    """Genes that change along the pseudotime (see
    :func:`~rnaclust_dash.tl.trajectory.genes.pseudotime_genes`) from genes x items log
    values (the analysis' ``features.values``).

    Parameters
    ----------
    values : pandas.DataFrame
        Genes x items log values (columns: item ids).
    trajectory : Trajectory
        From :func:`item_trajectory`.

    Returns
    -------
    pandas.DataFrame
        ``gene, rho, pvalue, padj, direction`` (pseudotime_genes.csv).
    """
    aligned = values.reindex(columns=trajectory.ids)
    return pseudotime_genes(aligned.to_numpy(dtype=np.float64).T,
                            aligned.index.astype(str), trajectory.pseudotime)
