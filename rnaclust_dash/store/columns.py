"""The columns of a sparse matrix stored in blocks, so that one column is read back
without the rest (e.g. one gene's log expression in every cell, to colour a map).

The matrix is cut, in CSC order, into blocks of consecutive columns of about
:data:`BLOCK_NONZEROS` stored values each (a column larger than that is a block of its
own); each block is one store value, and an index (shape, first column of each block)
another. Any process reads one column with two small reads, whatever the matrix's size.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..errors import DataError
from .base import StoreBase

#: Stored values per block (float32 value + int32 row: ~1 MB).
BLOCK_NONZEROS = 1 << 17

#: Said when a block or the index is no longer in the store (evicted past the size limit).
COLUMNS_GONE = ("The expression values behind this map are no longer on the server (the "
                "cache was cleared or made room). Press Run to compute them again.")


def block_key(key: str, block: int) -> str:
    """Store key of block ``block`` of the columns stored under ``key``."""
    return f"{key}/block-{block}"


def put_column_blocks(store: StoreBase, key: str, matrix, *,
                      block_nonzeros: int = BLOCK_NONZEROS) -> dict:
    """Store ``matrix`` (rows x columns, any scipy sparse format) column block by block.

    Parameters
    ----------
    store : StoreBase
    key : str
        The index is stored under ``key``, block ``i`` under :func:`block_key`.
    matrix : scipy.sparse matrix, rows x columns
        Values are stored as float32.
    block_nonzeros : int, keyword-only
        About this many stored values per block.

    Returns
    -------
    dict
        The index: ``shape`` and ``starts`` (first column of each block, then the
        number of columns).
    """
    if block_nonzeros < 1:
        raise ValueError("block_nonzeros must be at least 1")
    columns = sparse.csc_matrix(matrix, dtype=np.float32)
    columns.sort_indices()
    n_columns = columns.shape[1]
    # a block starts where a column's first value crosses a multiple of block_nonzeros
    bins = columns.indptr[:-1] // block_nonzeros
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]]) if n_columns else \
        np.zeros(0, dtype=np.int64)
    starts = np.r_[starts, n_columns].astype(np.int64)
    for block, (first, end) in enumerate(zip(starts[:-1], starts[1:])):
        low, high = columns.indptr[first], columns.indptr[end]
        store.put(block_key(key, block), (
            columns.data[low:high].copy(), columns.indices[low:high].astype(np.int32),
            (columns.indptr[first:end + 1] - low).astype(np.int64)))
    index = {"shape": tuple(int(n) for n in columns.shape), "starts": starts}
    store.put(key, index)  # last: the index says every block is there
    return index


def read_column(store: StoreBase, key: str, column: int,
                index: dict | None = None) -> np.ndarray:
    """Column ``column`` of the matrix stored by :func:`put_column_blocks`, dense.

    Returns
    -------
    ndarray, float32, one value per row

    Raises
    ------
    DataError
        When the index or the block is no longer stored.
    """
    index = store.get(key) if index is None else index
    if index is None:
        raise DataError(COLUMNS_GONE)
    n_rows, n_columns = index["shape"]
    if not 0 <= column < n_columns:
        raise IndexError(f"column {column} of {n_columns}")
    block = int(np.searchsorted(index["starts"], column, side="right") - 1)
    stored = store.get(block_key(key, block))
    if stored is None:
        raise DataError(COLUMNS_GONE)
    data, rows, indptr = stored
    offset = column - int(index["starts"][block])
    values = np.zeros(n_rows, dtype=np.float32)
    span = slice(indptr[offset], indptr[offset + 1])
    values[rows[span]] = data[span]
    return values
