"""Marker genes of groups of cells: each group against the rest (issue 9 item 5).

Orientation: cells x genes (AnnData's), sparse log values (``log1p`` of normalized
counts). The tests are those of scanpy's ``tl.rank_genes_groups(reference="rest")``:

- ``"wilcoxon"``: Wilcoxon rank-sum z-score (normal approximation, no continuity
  correction) with the tie correction of the variance (scanpy's ``tie_correct=True``;
  False gives scanpy's default), ranks over all cells per gene;
- ``"t-test"``: Welch's t-test (scanpy's ``"t-test"``).

The ranks are computed from the non-zero entries of one block of genes at a time (the
zeros of a gene are one tie), so the matrix is never densified.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from ..errors import DataError, ParameterError
from ..pp import row_chunks
from ._stats import bh_adjust
from .markers import welch_t_from_moments

#: Tests of :func:`rank_genes_groups`.
SC_MARKER_TESTS = {"wilcoxon": "Wilcoxon rank-sum test (with tie correction), as scanpy",
                   "t-test": "Welch's t-test, as scanpy's t-test"}

#: Columns of :func:`rank_genes_groups`' table, in order (markers.csv).
SC_MARKER_COLUMNS = ("group", "gene", "rank", "score", "log2fc", "pvalue", "padj",
                     "pct_in", "pct_out")

# Non-zero entries ranked at once (bounds the block's sort: ~40 bytes per entry).
_BLOCK_ENTRIES = 5_000_000
#: Entries of the largest CSC copy the Wilcoxon test makes (~0.8 GB with its indices).
_PART_ENTRIES = 100_000_000


def rank_genes_groups(log_values, groups, *, method: str = "wilcoxon",
                      reference: str = "rest", tie_correct: bool = True, pts: bool = True,
                      gene_names=None, n_genes: int | None = None) -> pd.DataFrame:
    """Test every gene of every group of cells against the other cells.

    Parameters
    ----------
    log_values : scipy.sparse matrix or numpy.ndarray
        Cells x genes log values (``log1p`` of normalized counts); not modified.
    groups : array-like
        One group per cell, shape (n_cells,); cells without a group (None/NaN) take part
        in no comparison. A categorical keeps its category order, else groups are in
        natural order (as scanpy: "H838" before "H1975", 2 before 10).
    method : {"wilcoxon", "t-test"}, keyword-only
        The test (see the module's description).
    reference : {"rest"}, keyword-only
        Each group is compared with all other grouped cells.
    tie_correct : bool, keyword-only
        Correct the Wilcoxon variance for ties (the zeros of sparse data are mostly one
        large tie). False reproduces scanpy's default.
    pts : bool, keyword-only
        Fill ``pct_in`` / ``pct_out``; NaN when False.
    gene_names : array-like, optional, keyword-only
        Gene ids, shape (n_genes,); 0..n-1 when omitted.
    n_genes : int, optional, keyword-only
        Keep the best ``n_genes`` of each group (all genes when None).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SC_MARKER_COLUMNS`: per group the genes by decreasing score
        (``rank`` 1 first), ``score`` (Wilcoxon z or Welch t; 0 where undefined),
        ``log2fc`` = log2((expm1(mean in) + 1e-9) / (expm1(mean out) + 1e-9)) of the
        mean log values, as scanpy, ``pvalue`` (1 where undefined), ``padj``
        (Benjamini-Hochberg over the genes of the group), ``pct_in`` / ``pct_out``
        (fraction 0..1 of the cells of the group / of the rest where the gene is not 0).

    Raises
    ------
    ParameterError
        Unknown method or reference, groups that do not fit the cells, fewer than two
        groups, a group of one cell for the t-test.
    DataError
        Missing or infinite values.
    """
    if method not in SC_MARKER_TESTS:
        raise ParameterError(f"Unknown marker test {method!r}: choose one of "
                             f"{', '.join(SC_MARKER_TESTS)}.")
    if reference != "rest":
        raise ParameterError("Single-cell markers compare each group with the rest of the "
                             f"cells (reference='rest'); got reference={reference!r}.")
    matrix = _cells_by_genes(log_values)
    names, codes = _group_codes(groups, matrix.shape[0])
    kept = codes >= 0
    if not kept.all():  # cells without a group take part in no comparison
        matrix, codes = matrix[kept], codes[kept]
    sizes = np.bincount(codes, minlength=len(names))
    if method == "t-test" and (sizes < 2).any():
        small = names[int(np.argmin(sizes))]
        raise ParameterError(f"The t-test needs at least two cells in each group, and "
                             f"{small!r} has {int(sizes.min())}: use the Wilcoxon test, or "
                             "merge that group with another.")
    genes = (np.arange(matrix.shape[1]) if gene_names is None
             else np.asarray(gene_names, dtype=object))
    if len(genes) != matrix.shape[1]:
        raise ParameterError(f"{len(genes)} gene names were given for {matrix.shape[1]} "
                             "genes.")
    sums, squares, nonzero = _group_sums(matrix, codes, len(names))
    if method == "wilcoxon":
        scores = _wilcoxon_scores(matrix, codes, sizes, tie_correct=tie_correct)
        pvalues = 2 * ndtr(-np.abs(scores))
    else:
        scores, pvalues = _welch_scores(sums, squares, sizes)
    scores, pvalues = np.nan_to_num(scores, nan=0.0), np.nan_to_num(pvalues, nan=1.0)
    n_cells = matrix.shape[0]
    mean_in = sums / sizes[:, None]
    mean_out = (sums.sum(axis=0) - sums) / (n_cells - sizes)[:, None]
    log2fc = np.log2((np.expm1(mean_in) + 1e-9) / (np.expm1(mean_out) + 1e-9))
    pct_in = nonzero / sizes[:, None] if pts else np.full_like(mean_in, np.nan)
    pct_out = ((nonzero.sum(axis=0) - nonzero) / (n_cells - sizes)[:, None] if pts
               else np.full_like(mean_in, np.nan))
    tables = []
    for index, name in enumerate(names):
        order = np.argsort(-scores[index], kind="stable")[:n_genes]
        tables.append(pd.DataFrame({
            "group": name, "gene": genes[order], "rank": np.arange(1, len(order) + 1),
            "score": scores[index, order], "log2fc": log2fc[index, order],
            "pvalue": pvalues[index, order], "padj": bh_adjust(pvalues[index])[order],
            "pct_in": pct_in[index, order], "pct_out": pct_out[index, order]}))
    return pd.concat(tables, ignore_index=True)[list(SC_MARKER_COLUMNS)]


def _cells_by_genes(log_values) -> sparse.csr_matrix:
    """The cells x genes values as canonical CSR of float32 or float64 (checked): the
    caller's matrix itself when it already is (it is only read), else a copy."""
    if sparse.issparse(log_values):
        dtype = log_values.dtype if log_values.dtype in (np.float32, np.float64) \
            else np.float64
        matrix = sparse.csr_matrix(log_values, dtype=dtype)
        if not matrix.has_canonical_format:
            matrix = matrix.copy()
            matrix.sum_duplicates()
    else:
        matrix = sparse.csr_matrix(np.asarray(log_values, dtype=np.float64))
    if matrix.ndim != 2 or min(matrix.shape) == 0:
        raise ParameterError("Markers need a cells x genes matrix with cells and genes.")
    if not np.isfinite(matrix.data).all():
        raise DataError("The expression values contain missing or infinite values: filter "
                        "those genes or cells before looking for markers.")
    return matrix


def _group_codes(groups, n_cells: int) -> tuple[list[str], np.ndarray]:
    """Group names (as text, in their order) and per cell the group's index (-1: none)."""
    values = pd.Series(groups).reset_index(drop=True) if not isinstance(
        groups, pd.Series) else groups.reset_index(drop=True)
    if len(values) != n_cells:
        raise ParameterError(f"{len(values)} group labels were given for {n_cells} cells: "
                             "give one label per cell.")
    if isinstance(values.dtype, pd.CategoricalDtype):
        categorical = values.cat.remove_unused_categories()
    else:
        order = sorted(values.dropna().unique(), key=_natural_key)
        categorical = pd.Categorical(values, categories=order)
    categorical = pd.Categorical(categorical)
    names = [str(name) for name in categorical.categories]
    if len(names) < 2:
        raise ParameterError(f"Markers need at least two groups of cells; the labels have "
                             f"{len(names)}.")
    return names, np.asarray(categorical.codes, dtype=np.int64)


def _natural_key(label) -> tuple:
    """Sort key in natural order, as scanpy orders groups: 'H838' before 'H1975', 2
    before 10."""
    parts = re.split(r"(\d+)", str(label))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


def _group_sums(matrix: sparse.csr_matrix, codes: np.ndarray,
                n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group x gene: sum, sum of squares and number of non-zero values, a chunk of
    cells at a time (float64 copies of a million cells' values would be ~6 GB each)."""
    sums, squares, nonzero = (np.zeros((n_groups, matrix.shape[1])) for _ in range(3))
    for start, stop in row_chunks(matrix):
        block, block_codes = matrix[start:stop], codes[start:stop]
        indicator = sparse.csr_matrix((np.ones(len(block_codes)), (
            block_codes, np.arange(len(block_codes)))), shape=(n_groups, len(block_codes)))

        def per_group(data: np.ndarray, block=block, indicator=indicator) -> np.ndarray:
            same_pattern = sparse.csr_matrix((data, block.indices, block.indptr),
                                             shape=block.shape)
            return (indicator @ same_pattern).toarray()

        values = block.data.astype(np.float64)  # sums of squares of float32 lose digits
        sums += per_group(values)
        squares += per_group(values ** 2)
        nonzero += per_group((values != 0) * 1.0)
    return sums, squares, nonzero


def _welch_scores(sums: np.ndarray, squares: np.ndarray,
                  sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t of each group against the rest, from the group sums (groups x genes)."""
    n_in = sizes[:, None].astype(np.float64)
    n_out = sizes.sum() - n_in
    sum_out, square_out = sums.sum(axis=0) - sums, squares.sum(axis=0) - squares
    mean_in, mean_out = sums / n_in, sum_out / n_out
    var_in = np.maximum(squares - n_in * mean_in ** 2, 0) / (n_in - 1)
    var_out = np.maximum(square_out - n_out * mean_out ** 2, 0) / (n_out - 1)
    return welch_t_from_moments(mean_in, var_in, n_in, mean_out, var_out, n_out)


def _wilcoxon_scores(matrix: sparse.csr_matrix, codes: np.ndarray, sizes: np.ndarray, *,
                     tie_correct: bool) -> np.ndarray:
    """Rank-sum z of each group against the rest (groups x genes), block by block."""
    n_cells, n_genes = matrix.shape
    scores = np.empty((len(sizes), n_genes))
    for offset, by_gene in _gene_parts(matrix):
        start = 0
        while start < by_gene.shape[1]:
            stop = _block_end(by_gene.indptr, start)
            rank_sums, tie_sums = _block_rank_sums(by_gene[:, start:stop], codes, sizes)
            expected = sizes[:, None] * (n_cells + 1) / 2
            tie = 1 - tie_sums / (n_cells ** 3 - n_cells) if tie_correct else 1.0
            variance = tie * sizes[:, None] * (n_cells - sizes[:, None]) * (n_cells + 1) / 12
            with np.errstate(divide="ignore", invalid="ignore"):
                scores[:, offset + start:offset + stop] = ((rank_sums - expected)
                                                           / np.sqrt(variance))
            start = stop
    return scores


def _gene_parts(matrix: sparse.csr_matrix):
    """``(first gene, CSC of consecutive genes)`` with sorted row indices: the whole
    matrix at once up to :data:`_PART_ENTRIES` entries, else slices of genes holding
    about that many (a CSC copy of a million cells would double their memory)."""
    if matrix.nnz <= _PART_ENTRIES:
        by_gene = matrix.tocsc()
        by_gene.sort_indices()
        yield 0, by_gene
        return
    per_gene = np.zeros(matrix.shape[1], dtype=np.int64)
    for start in range(0, matrix.nnz, _PART_ENTRIES):
        per_gene += np.bincount(matrix.indices[start:start + _PART_ENTRIES],
                                minlength=matrix.shape[1])
    bounds = np.concatenate([[0], np.cumsum(per_gene)])
    start = 0
    while start < matrix.shape[1]:
        limit = bounds[start] + _PART_ENTRIES
        stop = max(start + 1, int(np.searchsorted(bounds, limit, side="right")) - 1)
        by_gene = matrix[:, start:stop].tocsc()
        by_gene.sort_indices()
        yield start, by_gene
        start = stop


def _block_end(indptr: np.ndarray, start: int) -> int:
    """End of the block of genes from ``start`` holding at most ~_BLOCK_ENTRIES entries
    (at least one gene)."""
    limit = indptr[start] + _BLOCK_ENTRIES
    return max(start + 1, int(np.searchsorted(indptr, limit, side="right")) - 1)


def _sorted_within_genes(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Order of the entries sorting each gene's values (a CSC column) and keeping the
    genes in place; one small sort per gene is several times faster than one lexsort."""
    order = np.empty(len(data), dtype=np.int64)
    for start, stop in zip(indptr[:-1], indptr[1:]):
        if stop > start:
            order[start:stop] = start + np.argsort(data[start:stop])
    return order


def _block_rank_sums(block: sparse.csc_matrix, codes: np.ndarray,
                     sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group x gene of the block: the sum of the cells' ranks among all cells (ties
    averaged), and per gene the tie term sum(t^3 - t), from the non-zero entries only."""
    n_cells, width = block.shape
    gene = np.repeat(np.arange(width), np.diff(block.indptr))
    order = _sorted_within_genes(block.data, block.indptr)
    values, rows = block.data[order], block.indices[order]
    n_stored = np.bincount(gene, minlength=width)
    n_zero = n_cells - n_stored
    n_negative = np.bincount(gene[values < 0], minlength=width)
    first = np.concatenate([[0], np.cumsum(n_stored)[:-1]])
    position = np.arange(len(values)) - first[gene]  # 0-based among the gene's non-zeros
    new_tie = np.ones(len(values), dtype=bool)
    new_tie[1:] = (gene[1:] != gene[:-1]) | (values[1:] != values[:-1])
    tie_id = np.cumsum(new_tie) - 1
    tie_size = np.bincount(tie_id).astype(np.float64)
    mean_position = position[new_tie] + (tie_size - 1) / 2
    # zeros rank after the negative values and before the positive ones
    ranks = mean_position[tie_id] + 1 + np.where(values > 0, n_zero[gene], 0)
    zero_rank = n_negative + (n_zero + 1) / 2
    cell_group = codes[rows] * width + gene
    n_groups = len(sizes)
    rank_sums = np.bincount(cell_group, weights=ranks, minlength=n_groups * width)
    stored_in_group = np.bincount(cell_group, minlength=n_groups * width)
    zeros_in_group = sizes[:, None] - stored_in_group.reshape(n_groups, width)
    rank_sums = rank_sums.reshape(n_groups, width) + zeros_in_group * zero_rank
    tie_sums = np.bincount(gene[new_tie], weights=tie_size ** 3 - tie_size,
                           minlength=width).astype(np.float64)
    tie_sums += n_zero.astype(np.float64) ** 3 - n_zero
    return rank_sums, tie_sums
