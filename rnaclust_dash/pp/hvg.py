"""Highly variable genes of single cells, the four flavors of scanpy's
``highly_variable_genes`` (and ``experimental.pp.highly_variable_genes``).

Orientation: AnnData cells x genes. ``seurat`` and ``cell_ranger`` read log1p-normalized
values from X; ``seurat_v3`` and ``pearson_residuals`` read raw counts
(:mod:`~rnaclust_dash.pp._hvg_counts`). Numbers, ties and batch handling follow scanpy
1.11.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp._hvg_counts import _pearson_residual_table, _seurat_v3_table
from rnaclust_dash.pp._sc_inputs import _csr_matrix, _dense_or_csr, _positive_int
from rnaclust_dash.pp.sc_normalize import gene_mean_var

#: The flavors on offer: two on log values, two on raw counts.
HVG_FLAVORS = ("seurat", "cell_ranger", "seurat_v3", "pearson_residuals")
#: Highly variable genes kept by default (scanpy's tutorials, Seurat's 2000).
N_TOP_GENES = 2000
#: Cut-offs used when no number of genes is asked for (seurat/cell_ranger): scanpy's
#: defaults ``min_mean, max_mean, min_disp`` (mean of the log values, normalized dispersion).
HVG_CUTOFFS = {"min_mean": 0.0125, "max_mean": 3.0, "min_disp": 0.5}
#: Mean bins of the seurat flavor (scanpy's ``n_bins``).
_N_BINS = 20
#: statsmodels' ``robust.mad`` scale: the normal distribution's 0.75 quantile.
_MAD_SCALE = 0.6744897501960817


def _mad(values: pd.Series) -> float:
    """Median absolute deviation, normal-consistent (statsmodels' ``robust.mad``)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.nan
    return float(np.median(np.abs(values - np.median(values))) / _MAD_SCALE)


def _dispersion_table(log_values, flavor: str) -> pd.DataFrame:
    """means, dispersions, dispersions_norm of each gene (one batch), scanpy's numbers."""
    # seurat: the dispersion of the normalized (not log) values, expm1'd a slice at a time
    mean, variance = gene_mean_var(log_values,
                                   transform=np.expm1 if flavor == "seurat" else None)
    mean[mean == 0] = 1e-12
    dispersion = variance / mean
    if flavor == "seurat":
        dispersion[dispersion == 0] = np.nan
        dispersion = np.log(dispersion)
        mean = np.log1p(mean)
    table = pd.DataFrame({"means": mean, "dispersions": dispersion})
    if flavor == "seurat":
        bins = _N_BINS
    else:
        bins = np.r_[-np.inf, np.percentile(mean, np.arange(10, 105, 5)), np.inf]
    mean_bin = pd.cut(table["means"], bins=bins, duplicates="drop")
    grouped = table.groupby(mean_bin, observed=True)["dispersions"]
    if flavor == "seurat":
        stats = grouped.agg(avg="mean", dev="std")
        # A gene alone in its bin has no spread: scanpy sets its normalized dispersion
        # to its dispersion (avg 0, dev = its value), as Seurat did.
        alone = stats["dev"].isnull()
        stats.loc[alone, "dev"] = stats.loc[alone, "avg"]
        stats.loc[alone, "avg"] = 0
    else:
        stats = grouped.agg(avg="median", dev=_mad)
    per_gene = stats.loc[mean_bin].set_index(table.index)
    table["dispersions_norm"] = (table["dispersions"] - per_gene["avg"]) / per_gene["dev"]
    return table


def _within_cutoffs(means: np.ndarray, dispersions_norm: np.ndarray,
                    cutoffs: dict) -> np.ndarray:
    dispersions_norm = np.nan_to_num(dispersions_norm)  # as Seurat: no dispersion = 0
    return ((means > cutoffs["min_mean"]) & (means < cutoffs["max_mean"])
            & (dispersions_norm > cutoffs["min_disp"]))


def _top_by_dispersion(dispersions_norm: np.ndarray, n_top_genes: int | None,
                       means: np.ndarray | None = None, cutoffs: dict | None = None
                       ) -> np.ndarray:
    """Genes whose normalized dispersion reaches the n-th highest (ties all kept), or,
    without ``n_top_genes``, the genes within the cut-offs."""
    if n_top_genes is None:
        return _within_cutoffs(means, dispersions_norm, cutoffs)
    finite = np.sort(dispersions_norm[~np.isnan(dispersions_norm)])[::-1]
    if finite.size == 0:
        return np.zeros(dispersions_norm.size, dtype=bool)
    cutoff = finite[min(n_top_genes, finite.size) - 1]
    return np.nan_to_num(dispersions_norm, nan=-np.inf) >= cutoff


def _dispersion_hvg(log_values, flavor: str, n_top_genes: int | None,
                    batches: np.ndarray | None, cutoffs: dict) -> pd.DataFrame:
    if batches is None:
        table = _dispersion_table(log_values, flavor)
        table["highly_variable"] = _top_by_dispersion(
            table["dispersions_norm"].to_numpy(), n_top_genes, table["means"].to_numpy(),
            cutoffs)
        return table
    per_batch = []
    for batch in pd.unique(batches):
        cells = log_values[np.flatnonzero(batches == batch)]
        expressed = np.asarray((cells != 0).sum(axis=0)).ravel() > 0
        table = pd.DataFrame(0.0, index=np.arange(cells.shape[1]),
                             columns=["means", "dispersions", "dispersions_norm"])
        found = _dispersion_table(cells[:, np.flatnonzero(expressed)], flavor)
        table.loc[expressed] = found.to_numpy()
        table["highly_variable"] = False
        table.loc[expressed, "highly_variable"] = _top_by_dispersion(
            found["dispersions_norm"].to_numpy(), n_top_genes, found["means"].to_numpy(),
            cutoffs)
        per_batch.append(table)
    stacked = pd.concat(per_batch)
    stacked["highly_variable"] = stacked["highly_variable"].astype(int)
    table = stacked.groupby(level=0).agg({"means": "mean", "dispersions": "mean",
                                          "dispersions_norm": "mean",
                                          "highly_variable": "sum"})
    table["highly_variable_nbatches"] = table["highly_variable"]
    table["highly_variable_intersection"] = table["highly_variable"] == len(per_batch)
    if n_top_genes is None:
        table["dispersions_norm"] = table["dispersions_norm"].fillna(0)
        table["highly_variable"] = _within_cutoffs(
            table["means"].to_numpy(), table["dispersions_norm"].to_numpy(), cutoffs)
        return table
    order = table.sort_values(["highly_variable_nbatches", "dispersions_norm"],
                              ascending=False, na_position="last").index
    chosen = np.zeros(len(table), dtype=bool)
    chosen[order[:n_top_genes]] = True
    table["highly_variable"] = chosen
    return table


def _batch_labels(adata, batch_key: str | None) -> np.ndarray | None:
    if batch_key is None:
        return None
    if batch_key not in adata.obs.columns:
        raise ParameterError(f"The batch column {batch_key!r} is not in the cell sheet; "
                             f"columns are: {', '.join(map(str, adata.obs.columns))}.")
    labels = adata.obs[batch_key]
    if labels.isna().any():
        raise DataError(f"{int(labels.isna().sum())} cells have no value in the batch "
                        f"column {batch_key!r}: fill them in or choose another column.")
    return labels.astype(str).to_numpy()


def highly_variable_genes(adata, *, flavor: str = "seurat",
                          n_top_genes: int | None = N_TOP_GENES,
                          batch_key: str | None = None, layer_counts: str | None = None,
                          cutoffs: dict | None = None) -> pd.DataFrame:
    """Highly variable genes, as scanpy's ``highly_variable_genes(n_top_genes=...)``.

    Parameters
    ----------
    adata : anndata.AnnData
        Cells x genes. For ``seurat`` and ``cell_ranger`` X holds log1p-normalized
        values (:func:`~rnaclust_dash.pp.sc_normalize.normalize_total_log1p`). For
        ``seurat_v3`` and ``pearson_residuals`` raw counts are read from
        ``adata.layers[layer_counts]``, or from X itself when ``layer_counts`` is None
        (then X must hold the counts).
    flavor : {"seurat", "cell_ranger", "seurat_v3", "pearson_residuals"}
        ``seurat``: log dispersion z-scored within 20 mean bins (Satija 2015).
        ``cell_ranger``: dispersion, median/MAD-normalized within mean percentiles (Zheng
        2017). ``seurat_v3``: variance of counts standardized by a loess fit of
        variance on mean (Stuart 2019, ``FindVariableFeatures(method="vst")``).
        ``pearson_residuals``: variance of negative-binomial Pearson residuals (theta
        100, clipped at sqrt(cells); Lause 2021).
    n_top_genes : int or None
        Genes to select (ties at the cut-off are all kept by seurat/cell_ranger). None
        (seurat and cell_ranger only) selects by ``cutoffs`` instead.
    batch_key : str, optional
        A cell-sheet column: selection per batch, genes ranked by how many batches
        select them (scanpy's batch handling).
    layer_counts : str, optional
        The layer with raw counts, for the count flavors.
    cutoffs : dict, optional
        With ``n_top_genes=None``: ``min_mean``, ``max_mean`` (of ``means``) and
        ``min_disp`` (of ``dispersions_norm``), strict bounds; :data:`HVG_CUTOFFS`
        (scanpy's defaults) for the keys not given.

    Returns
    -------
    pandas.DataFrame
        Index = var names; ``highly_variable`` and ``means`` plus, by flavor,
        ``dispersions``, ``dispersions_norm`` (seurat, cell_ranger), ``variances``,
        ``variances_norm``, ``highly_variable_rank`` (seurat_v3), ``variances``,
        ``residual_variances``, ``highly_variable_rank`` (pearson_residuals); with a
        batch, ``highly_variable_nbatches`` (and ``highly_variable_intersection``).
    """
    if flavor not in HVG_FLAVORS:
        raise ParameterError(f"The HVG flavor must be one of {', '.join(HVG_FLAVORS)}; "
                             f"got {flavor!r}.")
    if n_top_genes is None and flavor not in ("seurat", "cell_ranger"):
        raise ParameterError(f"The {flavor} flavor ranks genes: give n_top_genes.")
    if n_top_genes is not None:
        n_top_genes = _positive_int(n_top_genes, "n_top_genes")
    batches = _batch_labels(adata, batch_key)
    if flavor in ("seurat", "cell_ranger"):
        values = _dense_or_csr(adata.X, what="log-normalized values")
        table = _dispersion_hvg(values, flavor, n_top_genes, batches,
                                {**HVG_CUTOFFS, **(cutoffs or {})})
    else:
        if layer_counts is not None and layer_counts not in adata.layers:
            raise DataError(f"The {flavor} flavor reads raw counts from the layer "
                            f"{layer_counts!r}, which this dataset does not have.")
        counts = _csr_matrix(adata.layers[layer_counts] if layer_counts else adata.X,
                             what="counts", counts=True)
        make_table = (_seurat_v3_table if flavor == "seurat_v3"
                      else _pearson_residual_table)
        table = make_table(counts, n_top_genes=n_top_genes, batches=batches)
    table.index = pd.Index(adata.var_names)
    first = ["highly_variable", "means"]
    return table[first + [column for column in table.columns if column not in first]]
