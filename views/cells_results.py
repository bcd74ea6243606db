"""The Cells view's glue to the single-cell pipeline: parameters from its controls, the
(cached) result, QC preview counts, gene search, marker rows, dot-plot rows under the
clusters' names and cluster names (the stored map itself: :mod:`views.cells_map`).

Plain functions of the result store and control values (no Dash callbacks), so the
tests call them as the callbacks do. Cells x genes throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataclasses import dataclass

from rnaclust_dash.params import AnalysisParams, single_cell_defaults
from rnaclust_dash.pipeline import load_dataset
from rnaclust_dash.pipeline.single_cell import SingleCellResult, run_single_cell
from rnaclust_dash.pp.sc_qc import cell_rule_failures, cell_qc_metrics
from rnaclust_dash.store import ResultStore, stage_key

from .cells_map import top_marker_table

#: The parameters the Cells tab sets, in the order of its controls (QC first).
QC_PARAMS = ("min_genes", "max_genes", "min_counts", "max_pct_mito", "min_cells")
ANALYSIS_PARAMS = ("hvg", "pcs", "neighbors", "resolution", "embedding", "markers")
CELL_PARAMS = QC_PARAMS + ANALYSIS_PARAMS

#: Human names of the QC rules (the removed-cells line).
RULE_LABELS = {"min_genes": "too few genes", "max_genes": "too many genes",
               "min_counts": "too few counts", "max_pct_mito": "too much mitochondrial"}


def is_single_cell(dataset_store: dict | None) -> bool:
    """Whether the loaded dataset is single cells (the data callback says so)."""
    return bool(dataset_store) and dataset_store.get("mode") == "single-cell"


def cell_params(values: dict) -> AnalysisParams:
    """Single-cell parameters: the single-cell defaults with the Cells controls' values
    (parameter name -> value; None or "" means the user is still typing: kept default)."""
    chosen = {name: value for name, value in values.items() if value not in (None, "")}
    return AnalysisParams.from_dict(single_cell_defaults().to_dict() | chosen)


@dataclass(frozen=True)
class CellsAnalysis:
    """A single-cell result with what the view shows beside it: the kept genes' symbols
    (ids where unknown) and the cell sheet (obs of every input cell)."""

    result: SingleCellResult
    symbols: np.ndarray
    obs: pd.DataFrame


def analyse_cells(store: ResultStore, dataset_store: dict, params: AnalysisParams,
                  splits=()) -> CellsAnalysis:
    """The single-cell result of the loaded dataset (each stage cached in ``store``), with
    ``splits`` (SplitSteps) applied by the pipeline."""
    key = dataset_store["key"]
    dataset = load_dataset(store, key)
    adata = dataset.adata
    result = run_single_cell(dataset, params, store=store, dataset_key=key, splits=splits)
    if "gene_symbol" in adata.var.columns:
        symbols = adata.var["gene_symbol"].reindex(result.gene_ids).to_numpy(dtype=object)
        symbols = np.where(pd.isna(symbols), result.gene_ids, symbols)
    else:
        symbols = result.gene_ids.astype(object)
    return CellsAnalysis(result, symbols.astype(str), adata.obs)


def qc_metrics(store: ResultStore, dataset_key: str) -> pd.DataFrame:
    """Per-cell QC metrics of every input cell (cached: thresholds move, metrics don't)."""
    return store.get_or_compute(stage_key(dataset_key, "sc_qc_metrics", {}), lambda: (
        cell_qc_metrics(load_dataset(store, dataset_key).adata)))


def qc_preview(metrics: pd.DataFrame, params: AnalysisParams) -> dict:
    """How many cells each rule alone removes and how many pass all, for the thresholds
    of ``params`` (as the pipeline's QC applies them: 0 = no limit, 100 % mito = none)."""
    failures = cell_rule_failures(
        metrics, min_genes=params.min_genes, max_genes=params.max_genes or None,
        min_counts=params.min_counts,
        max_pct_mito=None if params.max_pct_mito >= 100 else params.max_pct_mito)
    failed = np.zeros(len(metrics), dtype=bool)
    for mask in failures.values():
        failed |= mask
    return {"removed_by_rule": {rule: int(mask.sum()) for rule, mask in failures.items()},
            "kept": int((~failed).sum()), "total": int(len(metrics))}


def qc_preview_text(preview: dict) -> str:
    """'9,870 of 10,000 cells pass QC; removed: too few genes 120, ...'."""
    parts = [f"{RULE_LABELS[rule]} {n:,}" for rule, n in preview["removed_by_rule"].items()
             if n]
    removed = "; removed by each rule alone: " + ", ".join(parts) if parts else ""
    return f"{preview['kept']:,} of {preview['total']:,} cells pass QC{removed}."


def cluster_names(labels: np.ndarray, names: dict | None) -> np.ndarray:
    """Each cell's cluster as shown: the user's name for it, else its number."""
    names = names or {}
    clusters, inverse = np.unique(np.asarray(labels), return_inverse=True)
    shown = np.array([str(names.get(str(c)) or c) for c in clusters], dtype=str)
    return shown[inverse.ravel()]


def matching_genes(symbols: np.ndarray, text: str, *, limit: int = 30) -> list[str]:
    """Symbols starting with ``text`` (case-insensitive) first, then containing it."""
    if not text:
        return []
    symbols = pd.Series(symbols)
    lower, query = symbols.str.lower(), text.lower()
    starts = symbols[lower.str.startswith(query)]
    contains = symbols[lower.str.contains(query, regex=False) & ~lower.str.startswith(query)]
    return list(dict.fromkeys(list(starts.sort_values()) + list(contains.sort_values())))[:limit]


def named_dot_summary(dot: tuple, names: dict | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dot plot's (fraction, mean) per cluster as named: clusters given one name are
    one row (each value weighted by its cluster's size, as if computed on their cells
    together); rows in natural order of the names."""
    fraction, mean, sizes = dot
    shown = pd.Series(cluster_names(fraction.index.to_numpy(), names), index=fraction.index)
    weights = sizes.astype(float)
    merged = []
    for table in (fraction, mean):
        weighted = table.mul(weights, axis=0).groupby(shown.to_numpy()).sum()
        merged.append(weighted.div(weights.groupby(shown.to_numpy()).sum(), axis=0))
    order = sorted(merged[0].index, key=lambda g: (not str(g).isdigit(), int(g) if
                                                   str(g).isdigit() else 0, str(g)))
    return merged[0].loc[order], merged[1].loc[order]


def marker_rows(markers: pd.DataFrame, marker_groups: str, names: dict | None, *,
                per_group: int = 10) -> list:
    """The marker table shown: the best ``per_group`` genes of each group (clusters by
    their names when ``marker_groups`` is ``"cluster"``)."""
    table = top_marker_table(markers, per_group=per_group)
    shown = table.assign(group=cluster_names(table["group"].to_numpy(), names)
                         if marker_groups == "cluster" else table["group"])
    columns = ["group", "symbol", "score", "log2fc", "padj", "pct_in", "pct_out"]
    return shown[columns].round({"score": 2, "log2fc": 2, "pct_in": 3, "pct_out": 3}).assign(
        padj=shown["padj"].map(lambda p: f"{p:.2e}")).to_dict("records")


def selection_text(labels: np.ndarray, points: list, names: dict | None) -> str:
    """'312 cells selected: 5 (290), 2 (22)' from a lasso's selected points (``labels``:
    each cell's cluster, in the map's order)."""
    if not points:
        return ""
    rows = np.array([p["pointIndex"] for p in points if "pointIndex" in p], dtype=int)
    shown = pd.Series(cluster_names(labels[rows], names)).value_counts()
    parts = ", ".join(f"{name} ({n:,})" for name, n in shown.items())
    return f"{len(rows):,} cells selected: {parts}"
