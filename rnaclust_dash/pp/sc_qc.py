"""Single-cell quality control: per-cell metrics and the cell and gene filters.

Orientation: AnnData cells x genes with raw counts in X. The metrics equal scanpy's
``calculate_qc_metrics`` (``n_genes_by_counts``, ``total_counts``, ``pct_counts_mt``,
``pct_counts_ribo``); the filters equal scanpy's ``filter_cells`` / ``filter_genes`` run
one after the other (cells first, then genes counted over the cells kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp._sc_inputs import (
    _cells_per_gene,
    _csr_matrix,
    _gene_names,
    _genes_per_cell,
)

#: Gene-name prefixes of mitochondrially encoded genes (human MT-, mouse mt-).
MITO_PREFIXES = ("MT-", "mt-")
#: Gene-name prefixes of ribosomal protein genes (human and mouse).
RIBO_PREFIXES = ("RPS", "RPL", "Rps", "Rpl")
#: The QC filter rules, in the order they are reported.
QC_RULES = ("min_genes", "max_genes", "min_counts", "max_pct_mito", "min_cells")
#: ``attrs`` key of a :func:`cell_qc_metrics` table: how many genes counted as
#: mitochondrial (0: the % mito column is 0 for every cell and means nothing).
MITO_GENES_ATTR = "n_mito_genes"
#: Said when no gene is mitochondrial (e.g. the CellBench cell lines: no MT- genes kept).
NO_MITO_GENES = ("No mitochondrial (MT-/mt-) genes found in this dataset: % mito is 0 "
                 "for every cell, so the max % mito filter removes none.")


@dataclass(frozen=True)
class QCFilterResult:
    """What :func:`filter_cells_and_genes` kept and why it removed the rest.

    Attributes
    ----------
    kept_cells : numpy.ndarray
        Bool, one per input cell.
    kept_genes : numpy.ndarray
        Bool, one per input gene.
    removed_by_rule : dict
        Rule name (:data:`QC_RULES`) -> cells that rule alone removes (genes for
        ``min_cells``); 0 for a rule that is not set. A cell failing two rules counts
        under both, so the numbers may add up to more than the cells removed.
    metrics : pandas.DataFrame
        Per input cell: the :func:`cell_qc_metrics` columns and ``kept`` (bool).
    source : anndata.AnnData
        The AnnData that was filtered (not copied).
    """

    kept_cells: np.ndarray
    kept_genes: np.ndarray
    removed_by_rule: dict
    metrics: pd.DataFrame
    source: object = field(repr=False)

    @property
    def adata(self):
        """The kept cells x kept genes (a copy, made when asked for: a million cells'
        counts are not copied for a caller that only needs the masks), with the QC
        metrics in ``obs``."""
        filtered = self.source[np.flatnonzero(self.kept_cells),
                               np.flatnonzero(self.kept_genes)].copy()
        for column in ("n_genes", "total_counts", "pct_mito", "pct_ribo"):
            if column in self.metrics.columns:
                filtered.obs[column] = self.metrics[column].to_numpy()[self.kept_cells]
        return filtered


def _prefix_mask(names: pd.Index, prefixes) -> np.ndarray:
    if not prefixes:
        return np.zeros(len(names), dtype=bool)
    return np.asarray(names.astype(str).str.startswith(tuple(prefixes)), dtype=bool)


def _mito_mask(adata, names: pd.Index, prefixes, genes) -> np.ndarray:
    if genes is None:
        return _prefix_mask(names, prefixes)
    wanted = {str(gene) for gene in genes}
    return np.asarray(names.astype(str).isin(wanted)
                      | pd.Index(adata.var_names).astype(str).isin(wanted), dtype=bool)


def _percent(part: np.ndarray, total: np.ndarray) -> np.ndarray:
    # A cell without counts has no fraction to speak of: 0 % (scanpy gives NaN).
    return np.divide(100.0 * part, total, out=np.zeros_like(total), where=total > 0)


def cell_qc_metrics(adata, *, mito_prefixes=MITO_PREFIXES, mito_genes=None,
                    ribo_prefixes=RIBO_PREFIXES) -> pd.DataFrame:
    """Per-cell QC metrics of raw counts, as scanpy's ``calculate_qc_metrics``.

    Genes are matched on ``var["gene_symbol"]`` when the AnnData has it, else on the var
    names.

    Parameters
    ----------
    adata : anndata.AnnData
        Cells x genes, raw counts in X (sparse or dense).
    mito_prefixes : tuple of str
        A gene whose name starts with one of them is mitochondrial.
    mito_genes : list of str, optional
        Mitochondrial genes by name (symbol or id); replaces ``mito_prefixes``.
    ribo_prefixes : tuple of str
        A gene whose name starts with one of them is a ribosomal protein gene.

    Returns
    -------
    pandas.DataFrame
        Index = obs names; ``n_genes`` (genes with a count > 0), ``total_counts``,
        ``pct_mito`` and ``pct_ribo`` (percent of the cell's counts, 0..100; 0 for a
        cell without counts). ``attrs[MITO_GENES_ATTR]``: how many genes counted as
        mitochondrial (:func:`mito_notices`).
    """
    counts = _csr_matrix(adata.X, what="counts", counts=True)
    names = _gene_names(adata)
    mito = _mito_mask(adata, names, mito_prefixes, mito_genes)
    ribo = _prefix_mask(names, ribo_prefixes)
    total = np.asarray(counts.sum(axis=1, dtype=np.float64)).ravel()
    detected = _genes_per_cell(counts)

    def _sum_of(genes: np.ndarray) -> np.ndarray:
        return np.asarray(counts[:, np.flatnonzero(genes)].sum(axis=1, dtype=np.float64)
                          ).ravel()

    metrics = pd.DataFrame({"n_genes": detected.astype(np.int64), "total_counts": total,
                            "pct_mito": _percent(_sum_of(mito), total),
                            "pct_ribo": _percent(_sum_of(ribo), total)},
                           index=pd.Index(adata.obs_names, name=None))
    metrics.attrs[MITO_GENES_ATTR] = int(mito.sum())
    return metrics


def mito_genes_missing(metrics: pd.DataFrame) -> bool:
    """Whether the table of :func:`cell_qc_metrics` was made without any mitochondrial
    gene (False when it does not say: a table from elsewhere)."""
    return metrics.attrs.get(MITO_GENES_ATTR) == 0


def mito_notices(metrics: pd.DataFrame) -> tuple[str, ...]:
    """:data:`NO_MITO_GENES` when :func:`mito_genes_missing`, else nothing."""
    return (NO_MITO_GENES,) if mito_genes_missing(metrics) else ()


def _check_thresholds(min_genes, max_genes, min_counts, max_pct_mito, min_cells) -> None:
    for name, value in (("min_genes", min_genes), ("max_genes", max_genes),
                        ("min_counts", min_counts), ("max_pct_mito", max_pct_mito),
                        ("min_cells", min_cells)):
        if value is not None and (not np.isfinite(value) or value < 0):
            raise ParameterError(f"{name} must be a number >= 0; got {value!r}.")
    if max_genes is not None and max_genes < min_genes:
        raise ParameterError(f"max_genes ({max_genes}) is below min_genes ({min_genes}): "
                             "no cell could pass both. Raise max_genes or lower min_genes.")
    if max_pct_mito is not None and max_pct_mito > 100:
        raise ParameterError(f"max_pct_mito is a percentage (0..100); got {max_pct_mito}.")


def cell_rule_failures(metrics: pd.DataFrame, *, min_genes, max_genes, min_counts,
                        max_pct_mito) -> dict[str, np.ndarray]:
    """Which cells each QC rule alone removes (rule -> boolean array over the cells of
    ``metrics``, a table of :func:`cell_qc_metrics`); a rule left unset removes none."""
    n_cells = len(metrics)
    never = np.zeros(n_cells, dtype=bool)
    genes = metrics["n_genes"].to_numpy()
    return {
        "min_genes": genes < min_genes if min_genes else never,
        "max_genes": genes > max_genes if max_genes is not None else never,
        "min_counts": (metrics["total_counts"].to_numpy() < min_counts
                       if min_counts else never),
        "max_pct_mito": (metrics["pct_mito"].to_numpy() > max_pct_mito
                         if max_pct_mito is not None else never),
    }


def _checked_metrics(adata, metrics) -> pd.DataFrame:
    if metrics is None:
        return cell_qc_metrics(adata)
    missing = {"n_genes", "total_counts", "pct_mito"} - set(metrics.columns)
    if missing:
        raise DataError(f"The QC metrics table lacks the column(s) {sorted(missing)}; "
                        "compute it with cell_qc_metrics.")
    if not pd.Index(metrics.index).equals(pd.Index(adata.obs_names)):
        raise DataError("The QC metrics table does not list the same cells, in the same "
                        "order, as the data: recompute it with cell_qc_metrics.")
    return metrics


def filter_cells_and_genes(adata, *, min_genes: float = 0, max_genes: float | None = None,
                           min_counts: float = 0, max_pct_mito: float | None = None,
                           min_cells: float = 0,
                           metrics: pd.DataFrame | None = None) -> QCFilterResult:
    """Keep the cells that pass every QC rule, then the genes seen in enough of them.

    A cell is kept when ``n_genes >= min_genes``, ``n_genes <= max_genes``,
    ``total_counts >= min_counts`` and ``pct_mito <= max_pct_mito`` (each rule only when
    set); a gene when it has a count > 0 in at least ``min_cells`` of the kept cells
    (scanpy's ``filter_cells`` then ``filter_genes``).

    Parameters
    ----------
    adata : anndata.AnnData
        Cells x genes, raw counts in X.
    min_genes, max_genes, min_counts, max_pct_mito, min_cells : float or None
        The thresholds; 0 or None switches a rule off.
    metrics : pandas.DataFrame, optional
        :func:`cell_qc_metrics` of ``adata`` when already computed (e.g. with a custom
        mitochondrial gene list); computed with the defaults otherwise.

    Returns
    -------
    QCFilterResult

    Raises
    ------
    DataError
        When no cell or no gene is left, naming the rule that removed the most.
    """
    _check_thresholds(min_genes, max_genes, min_counts, max_pct_mito, min_cells)
    metrics = _checked_metrics(adata, metrics)
    failures = cell_rule_failures(metrics, min_genes=min_genes, max_genes=max_genes,
                                   min_counts=min_counts, max_pct_mito=max_pct_mito)
    kept_cells = ~np.logical_or.reduce(list(failures.values()))
    removed = {rule: int(failed.sum()) for rule, failed in failures.items()}
    if not kept_cells.any():
        worst = max(removed, key=removed.get)
        raise DataError(f"The QC filters remove all {len(kept_cells)} cells; the rule "
                        f"{worst} alone removes {removed[worst]}. Loosen it (e.g. lower "
                        "min_genes/min_counts or raise max_genes/max_pct_mito).")
    counts = _csr_matrix(adata.X, what="counts", counts=True)
    kept_genes = (_cells_per_gene(counts, rows=kept_cells) >= min_cells if min_cells
                  else np.ones(counts.shape[1], dtype=bool))
    removed["min_cells"] = int((~kept_genes).sum())
    if not kept_genes.any():
        raise DataError(f"No gene is detected in at least {min_cells} of the "
                        f"{int(kept_cells.sum())} cells kept: lower min_cells.")
    table = metrics.copy()
    table["kept"] = kept_cells
    return QCFilterResult(kept_cells=kept_cells, kept_genes=kept_genes,
                          removed_by_rule={rule: removed[rule] for rule in QC_RULES},
                          metrics=table, source=adata)
