"""The Cells tab's "map artifact": what the map and its panels show of one single-cell
analysis, written once by the analysis job into the result store in small parts, so that
any web worker draws or recolours the map reading only what it needs (never the dataset
nor the whole log matrix).

Parts, under the content-addressed :func:`map_key` (cells x genes throughout)::

    <key>/cells   coordinates (cells x 2, float32), axis titles, cluster labels (int32)
    <key>/genes   kept gene ids and symbols (fixed-width str arrays: quick to read)
    <key>/obs     the cell sheet of the kept cells (index: cell ids)
    <key>/panel   metrics, notices, the top markers table, the dot plot's per-cluster
                  summaries and cluster sizes, the PCA's variance ratios
    <key>/log     log1p normalized values in column blocks (one gene = one small read,
                  :mod:`rnaclust_dash.store.columns`)
    <key>         written last: the artifact is complete
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline.single_cell import single_cell_keys
from rnaclust_dash.store import StoreBase, stage_key
from rnaclust_dash.store.columns import COLUMNS_GONE, block_key, put_column_blocks, \
    read_column

#: Bumped when the parts change (older artifacts are then simply not found).
MAP_FORMAT = 1
PARTS = ("cells", "genes", "obs", "panel")
#: Marker rows kept per group (the table shows them; the dot plot the first few).
MARKERS_PER_GROUP = 10
#: Top markers of each cluster in the dot plot.
DOT_MARKERS_PER_GROUP = 3


def map_key(dataset_key: str, params: AnalysisParams, splits=()) -> str:
    """Store key of the map artifact of an analysis (hashes its stages' keys; with
    ``splits``, SplitSteps of :mod:`rnaclust_dash.tl.subcluster`, the split labels')."""
    keys = single_cell_keys(dataset_key, params, splits)
    return stage_key(keys.get("sc_splits", keys["sc_cluster"]), "sc_map", {
        "embedding": keys["sc_embedding"], "markers": keys["sc_markers"],
        "format": MAP_FORMAT})


def top_marker_table(markers: pd.DataFrame, *, per_group: int) -> pd.DataFrame:
    """The best ``per_group`` markers (by rank) of each group, groups in table order."""
    return markers.sort_values(["group", "rank"]).groupby("group", sort=False).head(per_group)


def top_markers(markers: pd.DataFrame, *, per_group: int = DOT_MARKERS_PER_GROUP) -> list:
    """The best ``per_group`` markers of each group, as symbols, without repeats."""
    best = top_marker_table(markers, per_group=per_group)
    return list(dict.fromkeys(best["symbol"].astype(str)))


def cluster_summaries(log_values, labels: np.ndarray, columns: list[int], genes: list[str]):
    """Fraction of cells expressing and mean log expression of ``columns`` of
    ``log_values`` (cells x genes, sparse), per cluster: (fraction, mean, sizes), frames
    clusters x genes indexed by the cluster number as str, sizes a Series."""
    values = log_values[:, columns]
    clusters = np.unique(labels)
    fraction, mean, sizes = [], [], []
    for cluster in clusters:
        rows = values[np.flatnonzero(labels == cluster)]
        fraction.append(np.asarray((rows > 0).mean(axis=0)).ravel())
        mean.append(np.asarray(rows.mean(axis=0)).ravel())
        sizes.append(rows.shape[0])
    index = [str(c) for c in clusters]
    return (pd.DataFrame(fraction, index=index, columns=genes),
            pd.DataFrame(mean, index=index, columns=genes), pd.Series(sizes, index=index))


def _compact_labels(labels) -> np.ndarray:
    """int32 cluster numbers, or fixed-width text once a cluster is split ("3.1")."""
    labels = np.asarray(labels)
    return labels.astype(str) if labels.dtype.kind in "OUS" else labels.astype(np.int32)


def write_map(store: StoreBase, key: str, cells, progress=None) -> str:
    """Write the map artifact of ``cells`` (:class:`~views.cells_results.CellsAnalysis`)
    under ``key``; ``progress(done, total)`` is told of each part. Returns ``key``."""
    result = cells.result
    symbols = np.asarray(cells.symbols, dtype=str)
    gene_ids = np.asarray(result.gene_ids, dtype=str)
    dot_genes = top_markers(result.markers)
    lookup = {symbol: column for column, symbol in reversed(list(enumerate(symbols)))}
    fraction, mean, sizes = cluster_summaries(
        result.log_values, result.labels, [lookup[g] for g in dot_genes], dot_genes)
    parts = {
        "cells": {"coords": np.asarray(result.embedding.coords, dtype=np.float32),
                  "axis_titles": tuple(result.embedding.axis_titles),
                  "labels": _compact_labels(result.labels)},
        "genes": {"ids": gene_ids, "symbols": symbols},
        "obs": cells.obs.loc[result.cell_ids],
        "panel": {"metrics": result.metrics(), "notices": tuple(result.notices),
                  "markers": top_marker_table(result.markers, per_group=MARKERS_PER_GROUP),
                  "marker_groups": result.marker_groups, "dot": (fraction, mean, sizes),
                  "variance_ratio": np.asarray(result.pca.variance_ratio, dtype=float)}}
    steps = len(parts) + 1
    for done, (name, value) in enumerate(parts.items()):
        store.put(f"{key}/{name}", value)
        if progress is not None:
            progress(done + 1, steps)
    put_column_blocks(store, f"{key}/log", result.log_values)
    store.put(key, {"format": MAP_FORMAT, "n_cells": int(len(result.labels))})
    if progress is not None:
        progress(steps, steps)
    return key


#: Said when a part of the map is no longer in the store.
MAP_GONE = COLUMNS_GONE


@dataclass(frozen=True)
class CellMap:
    """Read access to a stored map artifact (each part read when asked for)."""

    store: StoreBase
    key: str

    def part(self, name: str):
        """One part (``cells``, ``genes``, ``obs``, ``panel``); DataError when gone."""
        value = self.store.get(f"{self.key}/{name}")
        if value is None:
            raise DataError(MAP_GONE)
        return value

    def complete(self) -> bool:
        """Whether every part and every column block is stored."""
        log_index = self.store.get(f"{self.key}/log")
        if self.key not in self.store or log_index is None:
            return False
        blocks = len(log_index["starts"]) - 1
        return all(f"{self.key}/{name}" in self.store for name in PARTS) and all(
            block_key(f"{self.key}/log", block) in self.store for block in range(blocks))

    def gene_index(self, gene: str) -> int:
        """Column of ``gene`` (an id, or a symbol) among the kept genes."""
        genes = self.part("genes")
        matches = np.flatnonzero(genes["ids"] == gene)
        if not len(matches):
            matches = np.flatnonzero(genes["symbols"] == gene)
        if not len(matches):
            raise DataError(f"Gene {gene} is not among the {len(genes['ids']):,} genes kept "
                            "after QC (it may be detected in too few cells: lower 'Minimum "
                            "cells per gene').")
        return int(matches[0])

    def gene_values(self, gene: str) -> np.ndarray:
        """log1p normalized expression of ``gene`` in every kept cell (float32): one
        column block read, nothing else."""
        return read_column(self.store, f"{self.key}/log", self.gene_index(gene))
