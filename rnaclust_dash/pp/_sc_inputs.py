"""Input checks shared by the single-cell preprocessing functions (cells x genes).

They return the caller's matrix itself when it already has the wanted form (the single-
cell functions never write into their input), else a converted copy, or raise
:class:`~rnaclust_dash.errors.DataError` with a message that says what to fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from rnaclust_dash.errors import DataError, ParameterError


def _csr_matrix(values, *, what: str, counts: bool = False,
                dtype=np.float32) -> sparse.csr_matrix:
    """Cells x genes as CSR of ``dtype``; checks finite (and non-negative for counts)."""
    matrix = sparse.csr_matrix(values)
    if matrix.dtype != dtype:
        matrix = matrix.astype(dtype)
    _check_values(matrix.data, what=what, counts=counts)
    return matrix


def _dense_or_csr(values, *, what: str) -> np.ndarray | sparse.csr_matrix:
    """A 2-D float matrix, sparse kept sparse (CSR), dense as a float array."""
    if sparse.issparse(values):
        matrix = sparse.csr_matrix(values)
        if not np.issubdtype(matrix.dtype, np.floating):
            matrix = matrix.astype(np.float32)
        _check_values(matrix.data, what=what, counts=False)
        return matrix
    matrix = np.asarray(values)
    if not np.issubdtype(matrix.dtype, np.floating):
        matrix = matrix.astype(np.float32)
    if matrix.ndim != 2:
        raise DataError(f"The {what} must be a cells x genes matrix (2-D); got "
                        f"{matrix.ndim} dimension(s).")
    _check_values(matrix, what=what, counts=False)
    return matrix


def _check_values(values: np.ndarray, *, what: str, counts: bool) -> None:
    if not np.isfinite(values).all():
        raise DataError(f"The {what} contain missing or infinite values "
                        f"({int((~np.isfinite(values)).sum())} of them). Remove or fill "
                        "them before preprocessing.")
    if counts and values.size and values.min() < 0:
        raise DataError(f"The {what} contain negative values, so they are not raw counts. "
                        "Single-cell QC and normalization need the raw UMI or read counts "
                        "(an .h5ad keeps them in layers['counts'] or raw).")


#: Stored entries handled at a time by the row-chunked passes (~200 MB of temporaries).
CHUNK_ENTRIES = 25_000_000


def row_chunks(matrix: sparse.csr_matrix, *, entries: int | None = None):
    """``(start, stop)`` row ranges of a CSR matrix holding about ``entries`` stored
    values each (at least one row): passes over a million cells then need temporaries
    of one chunk, not of the whole matrix."""
    n_rows, entries = matrix.shape[0], entries or CHUNK_ENTRIES
    start = 0
    while start < n_rows:
        limit = matrix.indptr[start] + entries
        stop = max(start + 1, int(np.searchsorted(matrix.indptr, limit, side="right")) - 1)
        yield start, min(stop, n_rows)
        start = stop


def cell_gene_blocks(matrix: sparse.csr_matrix, *, cells: np.ndarray | None = None,
                     genes: np.ndarray | None = None):
    """``matrix[cells][:, genes]`` (increasing indices; all when None) as consecutive
    CSR blocks of rows, one chunk of :func:`row_chunks` at a time."""
    all_genes = genes is None or len(genes) == matrix.shape[1]
    for start, stop in row_chunks(matrix):
        if cells is None:
            block = matrix[start:stop]
        else:
            lo, hi = np.searchsorted(cells, [start, stop])
            if hi == lo:
                continue
            block = matrix[cells[lo:hi]] if hi - lo < stop - start else matrix[start:stop]
        yield block if all_genes else block[:, genes]


def stack_blocks(make_blocks, *, n_cols: int, dtype) -> sparse.csr_matrix:
    """One CSR matrix of the row blocks ``make_blocks()`` yields, built in two passes
    (entries per row, then the values into place) so that the blocks are never held
    all at once besides the result."""
    stored = [np.diff(block.indptr) for block in make_blocks()]
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(stored))]).astype(np.int64)
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    data = np.empty(indptr[-1], dtype=dtype)
    indices = np.empty(indptr[-1], dtype=np.int32 if indptr.dtype == np.int32 else np.int64)
    first = 0
    for block in make_blocks():
        data[first:first + block.nnz] = block.data
        indices[first:first + block.nnz] = block.indices
        first += block.nnz
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, n_cols))


def subset_cells_genes(matrix, *, cells: np.ndarray | None = None,
                       genes: np.ndarray | None = None) -> sparse.csr_matrix:
    """``matrix[cells][:, genes]`` as CSR without an intermediate copy (a chunk of cells at
    a time); the matrix itself when every cell and gene is kept (it is only read)."""
    matrix = sparse.csr_matrix(matrix)
    every_cell = cells is None or len(cells) == matrix.shape[0]
    every_gene = genes is None or len(genes) == matrix.shape[1]
    if every_cell and every_gene:
        return matrix
    n_cols = matrix.shape[1] if every_gene else len(genes)
    return stack_blocks(lambda: cell_gene_blocks(matrix, cells=cells, genes=genes),
                        n_cols=n_cols, dtype=matrix.dtype)


def _genes_per_cell(counts: sparse.csr_matrix) -> np.ndarray:
    """Genes with a count > 0 in each cell (explicitly stored zeros are not detections)."""
    stored = np.diff(counts.indptr)
    zeros = np.flatnonzero(counts.data == 0)
    if not zeros.size:
        return stored
    rows = np.searchsorted(counts.indptr, zeros, side="right") - 1
    return stored - np.bincount(rows, minlength=counts.shape[0])


def _cells_per_gene(counts: sparse.csr_matrix, *, rows: np.ndarray | None = None
                    ) -> np.ndarray:
    """Cells with a count > 0 for each gene, over the cells where ``rows`` (bool, one per
    cell) is True (all when None); a chunk of cells at a time, never a copy of all."""
    found = np.zeros(counts.shape[1], dtype=np.int64)
    for start, stop in row_chunks(counts):
        block = counts[start:stop]
        if rows is not None and not rows[start:stop].all():
            block = block[np.flatnonzero(rows[start:stop])]
        found += np.bincount(block.indices[block.data > 0], minlength=counts.shape[1])
    return found


def _gene_names(adata) -> pd.Index:
    """Gene symbols when the var table has them (``gene_symbol``), else the var names."""
    if "gene_symbol" in adata.var.columns:
        symbols = adata.var["gene_symbol"].astype(object)
        return pd.Index(symbols.where(symbols.notna(), pd.Series(adata.var_names,
                                                                 index=symbols.index)))
    return pd.Index(adata.var_names)


def _positive_int(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return int(value)
