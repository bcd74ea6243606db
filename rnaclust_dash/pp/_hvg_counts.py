"""The count-based highly-variable-gene flavors (seurat_v3, pearson_residuals).

Cells x genes CSR counts in; one table per call with scanpy 1.11.5's columns and ranks.
Called by :func:`rnaclust_dash.pp.hvg.highly_variable_genes`, which checks the input.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
from scipy import sparse

from rnaclust_dash.errors import DataError
from rnaclust_dash.pp.sc_normalize import gene_mean_var

#: Loess span of the seurat_v3 mean-variance fit (scanpy's and Seurat's 0.3).
_LOESS_SPAN = 0.3
#: Negative-binomial overdispersion of the Pearson residuals (scanpy's theta).
_RESIDUAL_THETA = 100.0


def _batch_rows(batches: np.ndarray | None, n_cells: int) -> list[np.ndarray]:
    if batches is None:
        return [np.arange(n_cells)]
    return [np.flatnonzero(batches == batch) for batch in np.unique(batches)]


def _median_ranks(scores: np.ndarray, n_top_genes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per gene: batches where it is in the top n (by ``scores``, batches x genes) and its
    median rank over those batches (NaN when in none), as scanpy computes them."""
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1).astype(np.float32)
    n_batches_high = np.sum((ranks < n_top_genes).astype(int), axis=0)
    ranks[ranks >= n_top_genes] = np.nan
    median_rank = np.ma.median(np.ma.masked_invalid(ranks), axis=0).filled(np.nan)
    return n_batches_high, median_rank


def _loess_log_variance(mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """log10 variance expected at each gene's mean (loess, degree 2); 0 for constants."""
    from skmisc.loess import loess  # scikit-misc: the loess of R/Seurat

    fitted = np.zeros(mean.size, dtype=np.float64)
    varies = variance > 0
    if varies.sum() < 10:
        raise DataError("seurat_v3 needs at least 10 genes that vary between cells to fit "
                        f"its mean-variance trend; these data have {int(varies.sum())}.")
    model = loess(np.log10(mean[varies]), np.log10(variance[varies]), span=_LOESS_SPAN,
                  degree=2)
    model.fit()
    fitted[varies] = model.outputs.fitted_values
    return fitted


def _seurat_v3_normalized_variance(counts: sparse.csr_matrix) -> np.ndarray:
    mean, variance = gene_mean_var(counts)
    expected_sd = np.sqrt(10 ** _loess_log_variance(mean, variance))
    n_cells = counts.shape[0]
    clip = expected_sd * np.sqrt(n_cells) + mean  # as Seurat: cap outliers at sqrt(n) sd
    values = np.minimum(counts.data.astype(np.float64), clip[counts.indices])
    sums = np.bincount(counts.indices, weights=values, minlength=counts.shape[1])
    squares = np.bincount(counts.indices, weights=values ** 2, minlength=counts.shape[1])
    return (1 / ((n_cells - 1) * np.square(expected_sd))) * (
        n_cells * np.square(mean) + squares - 2 * sums * mean)


def _seurat_v3_table(counts: sparse.csr_matrix, *, n_top_genes: int,
                     batches: np.ndarray | None) -> pd.DataFrame:
    """scanpy's ``flavor="seurat_v3"``: genes ranked by loess-standardized variance."""
    mean, variance = gene_mean_var(counts)
    normalized = np.vstack([_seurat_v3_normalized_variance(counts[rows])
                            for rows in _batch_rows(batches, counts.shape[0])])
    n_batches_high, median_rank = _median_ranks(normalized, n_top_genes)
    table = pd.DataFrame({"means": mean, "variances": variance,
                          "variances_norm": normalized.mean(axis=0),
                          "highly_variable_rank": median_rank,
                          "highly_variable_nbatches": n_batches_high})
    order = table.sort_values(["highly_variable_rank", "highly_variable_nbatches"],
                              ascending=[True, False], na_position="last").index
    chosen = np.zeros(len(table), dtype=bool)
    chosen[order[:n_top_genes]] = True
    table["highly_variable"] = chosen
    return table if batches is not None else table.drop(columns="highly_variable_nbatches")


@numba.njit(cache=True)
def _residual_variance_kernel(indptr, indices, data, gene_sums, cell_sums, total, clip,
                              theta):  # pragma: no cover - compiled
    n_cells, n_genes = cell_sums.size, gene_sums.size
    result = np.zeros(n_genes)
    for gene in range(n_genes):
        if gene_sums[gene] == 0:
            continue
        position, stop = indptr[gene], indptr[gene + 1]
        total_residual, total_square = 0.0, 0.0
        for cell in range(n_cells):
            value = 0.0
            if position < stop and indices[position] == cell:
                value = data[position]
                position += 1
            expected = gene_sums[gene] * cell_sums[cell] / total
            if expected == 0:  # a cell without counts: no residual
                continue
            residual = (value - expected) / np.sqrt(expected + expected * expected / theta)
            residual = min(max(residual, -clip), clip)
            total_residual += residual
            total_square += residual * residual
        mean = total_residual / n_cells
        result[gene] = total_square / n_cells - mean * mean
    return result


def _residual_variances(counts: sparse.csr_matrix, clip: float) -> np.ndarray:
    """Variance over cells of each gene's Pearson residuals clipped to +-``clip`` (0 for
    genes without counts); one pass over cells x genes, no dense copy."""
    by_gene = counts.tocsc()
    by_gene.sort_indices()
    # Sums in the counts' precision (float32), as scanpy: the same residuals to the bit.
    gene_sums = np.asarray(by_gene.sum(axis=0)).ravel()
    cell_sums = np.asarray(by_gene.sum(axis=1)).ravel()
    return _residual_variance_kernel(by_gene.indptr, by_gene.indices,
                                     by_gene.data.astype(np.float64), gene_sums, cell_sums,
                                     float(np.sum(gene_sums)), float(clip), _RESIDUAL_THETA)


def _pearson_residual_table(counts: sparse.csr_matrix, *, n_top_genes: int,
                            batches: np.ndarray | None) -> pd.DataFrame:
    """scanpy's ``experimental.pp.highly_variable_genes(flavor="pearson_residuals")``."""
    mean, variance = gene_mean_var(counts)
    batch_rows = _batch_rows(batches, counts.shape[0])
    # scanpy clips every batch at sqrt(cells of the first batch) (its clip is set once).
    clip = np.sqrt(batch_rows[0].size)
    residual = np.vstack([_residual_variances(counts[rows], clip) for rows in batch_rows])
    n_batches_high, median_rank = _median_ranks(residual, n_top_genes)
    table = pd.DataFrame({"means": mean, "variances": variance,
                          "residual_variances": residual.mean(axis=0),
                          "highly_variable_rank": median_rank,
                          "highly_variable_nbatches": n_batches_high.astype(np.int64),
                          "highly_variable_intersection": n_batches_high == len(batch_rows)})
    order = table.sort_values(["highly_variable_nbatches", "highly_variable_rank"],
                              ascending=[False, True], na_position="last").index
    chosen = np.zeros(len(table), dtype=bool)
    chosen[order[:n_top_genes]] = True
    table["highly_variable"] = chosen
    if batches is None:
        table = table.drop(columns=["highly_variable_nbatches",
                                    "highly_variable_intersection"])
    return table
