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


def _genes_per_cell(counts: sparse.csr_matrix) -> np.ndarray:
    """Genes with a count > 0 in each cell (explicitly stored zeros are not detections)."""
    stored_zero_rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[
        counts.data == 0]
    return np.diff(counts.indptr) - np.bincount(stored_zero_rows, minlength=counts.shape[0])


def _cells_per_gene(counts: sparse.csr_matrix) -> np.ndarray:
    """Cells with a count > 0 for each gene."""
    return np.bincount(counts.indices[counts.data > 0], minlength=counts.shape[1])


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
