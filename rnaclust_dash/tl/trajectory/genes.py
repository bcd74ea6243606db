"""Genes that change along pseudotime: a rank correlation test and smoothed trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import rankdata
from scipy.stats import t as student_t

from ...errors import DataError, ParameterError
from .._stats import bh_adjust

#: Genes ranked at once (bounds a items x genes dense block).
_GENE_BLOCK = 512


def pseudotime_genes(values, genes, pseudotime) -> pd.DataFrame:
    """Spearman correlation of each gene with pseudotime, with a test and BH correction.

    The p-value is that of ``scipy.stats.spearmanr`` (t-distribution with n - 2 degrees
    of freedom); ``padj`` is Benjamini-Hochberg over the genes tested. Items without a
    finite pseudotime (not reachable from the root) are left out. A gene constant over
    the items has no correlation (NaN) and is not counted.

    Parameters
    ----------
    values : numpy.ndarray or scipy.sparse matrix
        (n_items, n_genes) expression on a log scale (cells x genes; for bulk, transpose
        the genes x samples table).
    genes : sequence of str
        (n_genes,) gene names.
    pseudotime : array-like
        (n_items,) pseudotime, inf or NaN where unknown.

    Returns
    -------
    pandas.DataFrame
        One row per gene, sorted by p-value then by |rho|: ``gene, rho, pvalue, padj,
        direction`` (``up`` when expression rises along pseudotime, ``down`` when it falls).
    """
    matrix, time = _aligned(values, genes, pseudotime)
    n_items = len(time)
    time_ranks = _centred_unit(rankdata(time))
    if sp.issparse(matrix) and (matrix.data >= 0).all():
        rho = _sparse_rank_correlations(matrix, time_ranks)
    else:
        rho = np.empty(matrix.shape[1])
        for start in range(0, matrix.shape[1], _GENE_BLOCK):
            block = matrix[:, start:start + _GENE_BLOCK]
            block = (block.toarray() if sp.issparse(block)
                     else np.asarray(block, dtype=np.float64))
            rho[start:start + block.shape[1]] = time_ranks @ _centred_unit(
                rankdata(block, axis=0))
    rho = np.clip(rho, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = rho * np.sqrt((n_items - 2) / ((1.0 - rho) * (1.0 + rho)))
    pvalues = 2 * student_t.sf(np.abs(statistic), n_items - 2)
    table = pd.DataFrame({"gene": np.asarray(genes, dtype=str), "rho": rho,
                          "pvalue": pvalues, "padj": bh_adjust(pvalues),
                          "direction": np.select([rho > 0, rho < 0], ["up", "down"], "")})
    table["_strength"] = -np.abs(rho)
    table = table.sort_values(["pvalue", "_strength"], kind="stable", na_position="last")
    return table.drop(columns="_strength").reset_index(drop=True)


#: Names of the two gene lists of :func:`pseudotime_gene_lists` (enrichment queries).
DIRECTION_QUERIES = {"up": "increasing along pseudotime", "down": "decreasing along pseudotime"}


def pseudotime_gene_lists(genes: pd.DataFrame, *, max_padj: float = 0.05,
                          top: int | None = None, column: str = "gene") -> dict:
    """The genes that rise and those that fall along pseudotime (the enrichment queries).

    Parameters
    ----------
    genes : pandas.DataFrame
        The table of :func:`pseudotime_genes` (``gene, rho, pvalue, padj, direction``;
        sorted by p-value).
    max_padj : float, keyword-only
        Adjusted p-value a gene must stay below.
    top : int, optional, keyword-only
        At most this many genes per direction, by p-value (all significant when None).
    column : str, keyword-only
        The column naming the genes (``symbol`` for cells where known).

    Returns
    -------
    dict of str -> list of str
        :data:`DIRECTION_QUERIES` name -> genes, strongest first; a direction without a
        significant gene is left out.
    """
    if top is not None and top < 1:
        raise ParameterError(f"top must be at least 1 (got {top}).")
    missing = {column, "padj", "pvalue", "direction"} - set(genes.columns)
    if missing:
        raise DataError(f"The pseudotime gene table lacks the column(s) "
                        f"{', '.join(sorted(missing))}.")
    picked = genes[genes["padj"] < max_padj].sort_values("pvalue", kind="stable")
    lists = {}
    for direction, name in DIRECTION_QUERIES.items():
        names = picked.loc[picked["direction"] == direction, column].astype(str).tolist()
        if names:
            lists[name] = names if top is None else names[:top]
    return lists


def smoothed_trends(values, genes, pseudotime, *, n_bins: int = 50,
                    zscore: bool = True) -> pd.DataFrame:
    """Expression of genes along pseudotime, averaged in bins of equal numbers of items
    (the data of a smoothed heatmap).

    Parameters
    ----------
    values : numpy.ndarray or scipy.sparse matrix
        (n_items, n_genes) expression (log scale).
    genes : sequence of str
        (n_genes,) names; the rows of the result.
    pseudotime : array-like
        (n_items,) pseudotime; items without a finite value are left out.
    n_bins : int
        Bins along pseudotime (at most the number of items).
    zscore : bool
        Centre and scale each gene's binned means (a heatmap of shapes, not levels).

    Returns
    -------
    pandas.DataFrame
        (n_genes, n_bins): genes as rows, bins as columns labelled by the mean
        pseudotime of their items.
    """
    if n_bins < 2:
        raise ParameterError(f"Smoothing along pseudotime needs at least 2 bins; got {n_bins}.")
    matrix, time = _aligned(values, genes, pseudotime)
    n_bins = min(n_bins, len(time))
    order = np.argsort(time, kind="stable")
    bins = np.empty(len(time), dtype=np.int64)
    bins[order] = np.arange(len(time)) * n_bins // len(time)
    means_of = sp.csr_matrix((np.ones(len(time)), (bins, np.arange(len(time)))),
                             shape=(n_bins, len(time)))
    counts = np.asarray(means_of.sum(axis=1)).ravel()
    binned = np.asarray(means_of @ matrix) / counts[:, None]  # bins x genes
    if zscore:
        spread = binned.std(axis=0, ddof=1)
        spread[spread == 0] = 1.0
        binned = (binned - binned.mean(axis=0)) / spread
    centres = (means_of @ time) / counts
    return pd.DataFrame(binned.T, index=np.asarray(genes, dtype=str),
                        columns=np.round(centres, 4))


def _aligned(values, genes, pseudotime):
    """Rows with a finite pseudotime, as float64 (sparse kept sparse)."""
    matrix = values.tocsr() if sp.issparse(values) else np.asarray(values, dtype=np.float64)
    time = np.asarray(pseudotime, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(time):
        raise DataError(f"Pseudotime has {len(time)} values but the expression table has "
                        f"{matrix.shape[0]} items (rows): give one value per item.")
    if matrix.shape[1] != len(genes):
        raise DataError(f"{len(genes)} gene names for {matrix.shape[1]} expression columns.")
    known = np.isfinite(time)
    if known.sum() < 4:
        raise DataError(f"Only {int(known.sum())} items have a pseudotime: at least 4 are "
                        "needed to find genes that change along it.")
    rows = matrix[np.flatnonzero(known)]
    return (rows.astype(np.float64) if sp.issparse(rows) else rows), time[known]


def _sparse_rank_correlations(matrix, time_ranks: np.ndarray) -> np.ndarray:
    """Spearman correlations of non-negative sparse columns with ``time_ranks`` (centred,
    unit norm) from the stored values alone: the zeros of a column tie at the average
    rank ``(n_zero + 1) / 2`` and the stored values rank above them, so a column costs
    its non-zeros, not its items (cells x 20,000 genes would otherwise be ranked densely).
    Returns (n_genes,) correlations, NaN for constant columns."""
    columns = sp.csc_matrix(matrix, dtype=np.float64, copy=True)
    columns.eliminate_zeros()  # a stored 0 ties with the other zeros
    n_items = columns.shape[0]
    mean_rank = (n_items + 1) / 2
    rho = np.full(columns.shape[1], np.nan)
    for gene in range(columns.shape[1]):
        start, end = columns.indptr[gene], columns.indptr[gene + 1]
        n_zero = n_items - (end - start)
        zero_rank = (n_zero + 1) / 2
        ranks = n_zero + rankdata(columns.data[start:end])
        spread = n_zero * (zero_rank - mean_rank) ** 2 + ((ranks - mean_rank) ** 2).sum()
        if end > start and spread > 0:
            # time_ranks sums to 0, so the zeros' share is -zero_rank * (sum over the rest)
            cross = time_ranks[columns.indices[start:end]] @ (ranks - zero_rank)
            rho[gene] = cross / np.sqrt(spread)
    return rho


def _centred_unit(ranks: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm (their dot products are correlations);
    a constant column becomes NaN."""
    centred = ranks - ranks.mean(axis=0)
    norm = np.sqrt((centred ** 2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return centred / np.where(norm == 0, np.nan, norm)
