"""The single-cell pipeline (issue 9): stage by stage, each stage stored under a key.

Orientation: cells x genes (the Dataset's AnnData, raw counts in X). Stages, parent
first, and what their keys hold (:func:`rnaclust_dash.params.sc_stage_params`)::

    dataset -> qc (min/max genes, min counts, max % mito, min cells)
      -> normalize (target sum: normalize_total + log1p)
        -> hvg (number, flavour) -> pca (scale with clip 10 on the HVGs, 50 PCs, seed)
          -> batch (Harmony on the PCs: column, seed) -> neighbors (k, PCs used, seed)
            -> cluster (method, resolution or k, seed) [-> splits] -> markers (test)
            -> embedding (UMAP of the graph / t-SNE / PCA, seed)
        -> markers by a cell-sheet column (test, column)

As scanpy's usual calls (filter_cells, filter_genes, normalize_total, log1p,
highly_variable_genes, scale(max_value=10), pca(50), neighbors, leiden, umap,
rank_genes_groups). Leiden and Louvain cluster the neighbour graph; k-means and GMM the
principal components. With ``store=None`` nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import DataError, ParameterError
from ..params import AnalysisParams, sc_stage_params
from ..pp import subset_cells_genes
from ..pp.hvg import highly_variable_genes
from ..pp.neighbors import NeighborGraph, neighbors
from ..pp.pca import PCAResult, pca_of_scaled
from ..pp.sc_normalize import normalize_log1p_subset
from ..pp.sc_qc import cell_qc_metrics, filter_cells_and_genes, mito_notices
from ..store import ResultStore, stage_key
from ..tl.embed import Embedding, tsne_embedding, umap_from_graph, umap_init
from ..tl.graph import cluster_graph
from ..tl.labels import number_by_first_appearance
from ..tl.methods import get_method
from ..tl.sc_markers import rank_genes_groups
from ..tl.subcluster import SplitStep, graph_split_fit, replay_splits, steps_to_records

#: Clustering methods for cells: graph communities, or k-means / GMM on the PCs.
SC_METHODS = ("leiden", "louvain", "kmeans", "gmm")

#: Principal components computed (scanpy's default); the graph uses the first ``pcs``.
PCA_COMPONENTS = 50

#: Scaled values are clipped at this many standard deviations (scanpy's tutorials).
SCALE_CLIP = 10.0

#: HVG flavours that read raw counts (the others the log values).
_COUNT_FLAVORS = ("seurat_v3", "pearson_residuals")


@dataclass(frozen=True)
class QCStage:
    """What QC kept: ``metrics`` per input cell (n_genes, total_counts, pct_mito,
    pct_ribo, kept), the kept cells and genes (bool over the input) and how many cells
    each rule alone removes (genes for min_cells)."""

    metrics: pd.DataFrame
    kept_cells: np.ndarray
    kept_genes: np.ndarray
    removed_by_rule: dict


@dataclass
class SingleCellResult:
    """Everything the CLI and the views need of one single-cell analysis.

    ``log_values`` (kept cells x kept genes, CSR float32 log1p of the normalized
    counts), ``labels`` (1..k by first appearance), ``representation`` (kept cells x the
    dimensions the graph was built on: PCs or Harmony's), ``markers`` (see
    :func:`~rnaclust_dash.tl.sc_markers.rank_genes_groups`, plus ``symbol``) and
    ``marker_groups`` (``"cluster"`` or the cell-sheet column the markers compare).
    """

    params: AnalysisParams
    dataset_key: str
    cell_ids: np.ndarray
    gene_ids: np.ndarray
    qc: QCStage
    log_values: Any
    hvg: pd.DataFrame
    pca: PCAResult
    representation: np.ndarray
    graph: NeighborGraph
    labels: np.ndarray
    embedding: Embedding
    markers: pd.DataFrame
    marker_groups: str
    notices: tuple[str, ...]
    keys: dict = field(default_factory=dict)

    def assignments(self) -> pd.DataFrame:
        """``id, cluster`` per kept cell (assignments.csv)."""
        return pd.DataFrame({"id": self.cell_ids, "cluster": self.labels})

    def metrics(self) -> dict:
        """Cells and genes in and kept, removed per rule, HVGs, clusters and their sizes."""
        sizes = pd.Series(self.labels).value_counts().sort_index()
        n_clusters = len(sizes)  # labels are text ("3.1") once a cluster is split
        return {"n_cells_input": int(len(self.qc.kept_cells)),
                "n_cells": int(self.qc.kept_cells.sum()),
                "n_genes_input": int(len(self.qc.kept_genes)),
                "n_genes": int(self.qc.kept_genes.sum()),
                "removed_by_rule": {rule: int(n) for rule, n in
                                    self.qc.removed_by_rule.items()},
                "n_hvg": int(self.hvg["highly_variable"].sum()),
                "n_pcs": int(self.representation.shape[1]),
                "graph_exact": bool(self.graph.exact),
                "n_clusters": int(n_clusters),
                "cluster_sizes": {str(c): int(n) for c, n in sizes.items()}} | (
            {"umap_init": umap_init(len(self.cell_ids))}
            if self.params.embedding == "umap" else {})


def _stored(store: ResultStore | None, key: str, compute: Callable[[], Any]) -> Any:
    """A stage's result: read back from the store, or computed with one BLAS/OpenMP
    thread, as the bulk fits (:func:`~.run.fit_method`): on a busy machine more threads
    made ARPACK's PCA of 909 cells x 2,000 genes ten times slower (3.5 s vs 0.35 s)."""
    def one_thread() -> Any:
        with threadpool_limits(limits=1):
            return compute()

    return one_thread() if store is None else store.get_or_compute(key, one_thread)


def single_cell_keys(dataset_key: str, params: AnalysisParams,
                     splits: Sequence[SplitStep] = ()) -> dict[str, str]:
    """The store key of every single-cell stage (nothing computed): each hashes its
    parent's key and :func:`~rnaclust_dash.params.sc_stage_params` of the stage. With
    ``splits``, ``sc_splits`` (the split labels) hashes the clusters' key and the split
    records, and the cluster markers hang from it."""
    def key(parent: str, stage: str, extra: dict | None = None) -> str:
        return stage_key(parent, stage, sc_stage_params(params, stage) | (extra or {}))

    keys = {"sc_qc": key(dataset_key, "sc_qc")}
    keys["sc_normalize"] = key(keys["sc_qc"], "sc_normalize")
    keys["sc_hvg"] = key(keys["sc_normalize"], "sc_hvg")
    keys["sc_pca"] = key(keys["sc_hvg"], "sc_pca", {"n_comps": _n_components(params),
                                                    "clip": SCALE_CLIP})
    keys["sc_batch"] = key(keys["sc_pca"], "sc_batch")
    keys["sc_neighbors"] = key(keys["sc_batch"], "sc_neighbors")
    keys["sc_cluster"] = key(keys["sc_neighbors"], "sc_cluster")
    keys["sc_embedding"] = key(keys["sc_neighbors"], "sc_embedding")
    clusters = keys["sc_cluster"]
    if splits:
        keys["sc_splits"] = clusters = stage_key(keys["sc_cluster"], "sc_splits", {
            "splits": steps_to_records(splits)})
    # markers of a cell-sheet column do not depend on the clusters
    keys["sc_markers"] = key(keys["sc_normalize"] if params.group_by else clusters,
                             "sc_markers")
    return keys


def _n_components(params: AnalysisParams) -> int:
    return max(PCA_COMPONENTS, params.pcs)


def check_single_cell_params(params: AnalysisParams, obs_columns) -> None:
    """Refuse, before any work, what the single-cell pipeline cannot do."""
    if params.method not in SC_METHODS:
        raise ParameterError(f"{params.method} is not offered for single cells (it needs "
                             "the distances between all cells): choose one of "
                             f"{', '.join(SC_METHODS)}.")
    if params.batch_method not in ("none", "harmony"):
        raise ParameterError(f"Batch correction {params.batch_method} works on bulk "
                             "samples; for single cells choose harmony (on the principal "
                             "components) or none.")
    if params.pcs < 2:
        raise ParameterError(f"Single cells are clustered on their principal components: "
                             f"use at least 2 (--pcs); got {params.pcs}.")
    for option, column in (("--batch-column", params.batch_column if
                            params.batch_method != "none" else ""),
                           ("--group-by", params.group_by)):
        if column and column not in obs_columns:
            raise ParameterError(f"{option} {column}: the cell sheet has no such column "
                                 f"(columns: {', '.join(map(str, obs_columns)) or 'none'}; "
                                 "give the sheet with --metadata).")


def run_single_cell(dataset, params: AnalysisParams, *, store: ResultStore | None = None,
                    dataset_key: str = "",
                    splits: Sequence[SplitStep] = ()) -> SingleCellResult:
    """Run (or read back from ``store``) every stage of a single-cell analysis.

    Parameters
    ----------
    dataset : rnaclust_dash.dataset.Dataset
        Cells x genes, raw counts in X (``var["gene_symbol"]`` when known; a cell sheet
        in ``obs``).
    params : AnalysisParams
        The choices (single-cell parameters and the shared ones: method, resolution,
        neighbours, PCs, embedding, batch, seed).
    store : ResultStore, optional, keyword-only
        Where stage results are kept; None computes everything.
    dataset_key : str, keyword-only
        The dataset's store key (its content hash); needed with a store.
    splits : sequence of SplitStep, keyword-only
        Clusters split in place, in order (issue 12): each on the cells' kNN graph
        restricted to the cluster (scanpy's ``restrict_to``), children ``3.1``, ``3.2``...;
        the labels are then text and the cluster markers are of the split labels.

    Returns
    -------
    SingleCellResult

    Raises
    ------
    DataError, ParameterError
        With a message for the user (e.g. QC removing every cell).
    """
    if store is not None and not dataset_key:
        raise ValueError("run_single_cell with a store needs the dataset's key.")
    adata = dataset.adata
    check_single_cell_params(params, list(adata.obs.columns))
    keys = single_cell_keys(dataset_key or "dataset-unstored", params, splits)
    notices = list(_value_notices(dataset))
    qc = _stored(store, keys["sc_qc"], lambda: _qc(adata, params))
    notices.extend(mito_notices(qc.metrics))  # % mito 0 everywhere: say why
    kept = np.flatnonzero(qc.kept_cells), np.flatnonzero(qc.kept_genes)
    log_values = _stored(store, keys["sc_normalize"],
                         lambda: _log_values(adata, kept, params))
    hvg = _stored(store, keys["sc_hvg"], lambda: _hvg(adata, kept, log_values, params))
    pcs = _stored(store, keys["sc_pca"], lambda: _pca(log_values, hvg, params))
    batch = (adata.obs[params.batch_column].to_numpy()[kept[0]]
             if params.batch_method == "harmony" else None)
    representation = _stored(store, keys["sc_batch"],
                             lambda: _representation(pcs, batch, params))
    graph = _stored(store, keys["sc_neighbors"], lambda: _neighbors(representation, params))
    labels = _stored(store, keys["sc_cluster"],
                     lambda: _cluster(graph, representation, params))
    cell_ids = adata.obs_names.to_numpy()[kept[0]]
    if splits:
        labels = _stored(store, keys["sc_splits"],
                         lambda: _split(graph, labels, splits, params, cell_ids))
    embedding = _stored(store, keys["sc_embedding"],
                        lambda: _embedding(graph, representation, pcs, params))
    groups = (adata.obs[params.group_by].to_numpy()[kept[0]] if params.group_by
              else labels)
    gene_ids = adata.var_names.to_numpy()[kept[1]]
    markers = _stored(store, keys["sc_markers"], lambda: _markers(
        log_values, groups, gene_ids, _symbols(adata, kept[1]), params))
    if not splits and params.method in ("leiden", "louvain") and labels.max() < 2:
        notices.append(f"{params.method.capitalize()} found a single cluster at resolution "
                       f"{params.resolution:g}: raise the resolution to split the cells.")
    return SingleCellResult(
        params=params, dataset_key=dataset_key, cell_ids=cell_ids,
        gene_ids=gene_ids, qc=qc, log_values=log_values, hvg=hvg, pca=pcs,
        representation=representation,
        graph=graph, labels=labels, embedding=embedding, markers=markers,
        marker_groups=params.group_by or "cluster",
        notices=tuple(notices) + embedding.notices, keys=keys)


def _value_notices(dataset) -> tuple[str, ...]:
    if dataset.value_kind == "counts":
        return ()
    return (f"The matrix holds {dataset.value_kind} values, not raw counts: they are "
            "normalized to the target sum and log1p-transformed as if they were counts "
            "(as scanpy would); count-based HVG flavours are not meaningful on them.",)


def _qc(adata: ad.AnnData, params: AnalysisParams) -> QCStage:
    metrics = cell_qc_metrics(adata)
    result = filter_cells_and_genes(
        adata, min_genes=params.min_genes, max_genes=params.max_genes or None,
        min_counts=params.min_counts,
        max_pct_mito=None if params.max_pct_mito >= 100 else params.max_pct_mito,
        min_cells=params.min_cells, metrics=metrics)
    return QCStage(result.metrics, result.kept_cells, result.kept_genes,
                   dict(result.removed_by_rule))


def _counts(adata: ad.AnnData, kept: tuple[np.ndarray, np.ndarray]):
    """Raw counts of the kept cells x kept genes (CSR; X itself when all are kept)."""
    return subset_cells_genes(adata.X, cells=kept[0], genes=kept[1])


def _log_values(adata: ad.AnnData, kept: tuple[np.ndarray, np.ndarray],
                params: AnalysisParams):
    """log1p of the kept cells' counts over the kept genes normalized to the target sum
    (CSR float32), a chunk of cells at a time (no copy of the counts)."""
    return normalize_log1p_subset(adata.X, cells=kept[0], genes=kept[1],
                                  target_sum=params.target_sum)


def _hvg(adata: ad.AnnData, kept, log_values, params: AnalysisParams) -> pd.DataFrame:
    """The HVG table of the kept genes; every gene highly variable when ``hvg`` is 0 or
    not below the number of genes."""
    n_genes = log_values.shape[1]
    n_top = n_genes if params.hvg == 0 else min(params.hvg, n_genes)
    var = pd.DataFrame(index=adata.var_names[kept[1]])
    layers = ({"counts": _counts(adata, kept)} if params.hvg_flavor in _COUNT_FLAVORS
              else {})
    table = highly_variable_genes(
        ad.AnnData(X=log_values, var=var, layers=layers), flavor=params.hvg_flavor,
        n_top_genes=n_top, layer_counts="counts" if layers else None)
    if n_top == n_genes:
        table["highly_variable"] = True
    return table


def _pca(log_values, hvg: pd.DataFrame, params: AnalysisParams) -> PCAResult:
    """Scale (clip 10) the HVGs' log values, then PCA (as scanpy's tutorial)."""
    selected = np.flatnonzero(hvg["highly_variable"].to_numpy())
    if len(selected) < 2:
        raise DataError(f"Only {len(selected)} highly variable gene(s): PCA needs at least "
                        "2. Lower min_cells or raise the number of HVGs.")
    return pca_of_scaled(log_values[:, selected], max_value=SCALE_CLIP,
                         n_comps=_n_components(params), random_state=params.seed)


def _representation(pcs: PCAResult, batch, params: AnalysisParams) -> np.ndarray:
    """The first ``pcs`` principal components, or Harmony's correction of them."""
    scores = pcs.scores[:, :params.pcs]
    if batch is None:
        return scores
    from ..pp.batch_harmony import harmony_components

    return harmony_components(scores, batch, random_state=params.seed).astype(np.float32)


def _neighbors(representation: np.ndarray, params: AnalysisParams) -> NeighborGraph:
    n_cells = representation.shape[0]
    if n_cells < 3:
        raise DataError(f"Only {n_cells} cell(s) passed QC: graph clustering needs at least "
                        "3. Loosen the QC thresholds.")
    return neighbors(representation, n_neighbors=min(params.neighbors, n_cells),
                     random_state=params.seed)


def _cluster(graph: NeighborGraph, representation: np.ndarray,
             params: AnalysisParams) -> np.ndarray:
    """Leiden / Louvain of the graph, or k-means / GMM of the principal components."""
    if params.method in ("leiden", "louvain"):
        return cluster_graph(graph.connectivities, method=params.method,
                             resolution=params.resolution, random_state=params.seed)
    from .run import fit_method

    if params.k >= representation.shape[0]:
        raise ParameterError(f"k = {params.k} clusters need more than {params.k} cells; "
                             f"{representation.shape[0]} passed QC.")
    # GMM reduces to its own PCs: already on PCs, it keeps as many as it is given
    method_params = params.replace(pcs=representation.shape[1])
    partition = fit_method(get_method(params.method), representation, method_params)
    return number_by_first_appearance(partition.labels)


def _split(graph: NeighborGraph, labels: np.ndarray, splits: Sequence[SplitStep],
           params: AnalysisParams, cell_ids: np.ndarray) -> np.ndarray:
    """The labels with ``splits`` replayed on the kNN graph (text labels)."""
    if params.method not in ("leiden", "louvain"):
        raise ParameterError(f"Splitting a cluster of cells re-runs Leiden or Louvain on the "
                             f"cells' graph; {params.method} clusters the principal "
                             "components: choose leiden or louvain to split clusters.")
    fit = graph_split_fit(graph.connectivities, method=params.method,
                          random_state=params.seed)
    return replay_splits(labels, splits, fit, item_ids=cell_ids)


def _embedding(graph: NeighborGraph, representation: np.ndarray, pcs: PCAResult,
               params: AnalysisParams) -> Embedding:
    if params.embedding == "umap":
        return umap_from_graph(graph.connectivities, data=representation,
                               min_dist=params.umap_min_dist, random_state=params.seed)
    if params.embedding == "tsne":
        return tsne_embedding(representation, random_state=params.seed)
    ratios = 100 * np.asarray(pcs.variance_ratio[:2], dtype=float)
    return Embedding(np.ascontiguousarray(pcs.scores[:, :2], dtype=np.float32),
                     (f"PC1 ({ratios[0]:.1f}%)", f"PC2 ({ratios[1]:.1f}%)"))


def _symbols(adata: ad.AnnData, genes: np.ndarray) -> np.ndarray:
    if "gene_symbol" in adata.var.columns:
        symbols = adata.var["gene_symbol"].to_numpy(dtype=object)[genes]
        ids = adata.var_names.to_numpy(dtype=object)[genes]
        return np.where(pd.isna(symbols), ids, symbols)
    return adata.var_names.to_numpy(dtype=object)[genes]


def _markers(log_values, groups, gene_ids, symbols, params: AnalysisParams) -> pd.DataFrame:
    """Markers of each group against the rest, with each gene's symbol."""
    table = rank_genes_groups(log_values, groups, method=params.markers, gene_names=gene_ids,
                              tie_correct=params.tie_correct)
    lookup = pd.Series(symbols, index=gene_ids)
    return table.assign(symbol=lookup.loc[table["gene"].to_numpy()].to_numpy())
