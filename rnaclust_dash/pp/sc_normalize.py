"""Single-cell normalization: counts per cell to a target sum, log1p, and gene scaling.

Orientation: cells x genes. Equal to scanpy's ``normalize_total`` (without
``exclude_highly_expressed``) + ``log1p`` and ``scale`` (unit variance with the n - 1
denominator, clipped to +-``max_value``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pp._sc_inputs import (
    CHUNK_ENTRIES,
    _csr_matrix,
    _dense_or_csr,
    cell_gene_blocks,
    stack_blocks,
)

#: Counts each cell is scaled to before log1p (scanpy's and Seurat's 1e4).
TARGET_SUM = 1e4
#: Scaled values are clipped to +-this (scanpy's ``max_value=10`` of the tutorials).
SCALE_MAX_VALUE = 10.0


def normalize_total_log1p(counts, *, target_sum: float | None = TARGET_SUM
                          ) -> sparse.csr_matrix:
    """Scale each cell's counts to ``target_sum``, then take the natural log1p.

    Parameters
    ----------
    counts : scipy.sparse matrix or array-like
        Cells x genes raw counts.
    target_sum : float or None
        Counts per cell after scaling; None uses the median total of the cells that
        have counts (scanpy's default). A cell without counts stays all zero.

    Returns
    -------
    scipy.sparse.csr_matrix
        Cells x genes float32, ``log1p(counts / total * target_sum)``.
    """
    if target_sum is not None and not (np.isfinite(target_sum) and target_sum > 0):
        raise ParameterError(f"target_sum must be a number > 0; got {target_sum!r}.")
    matrix = _csr_matrix(counts, what="counts", counts=True)
    # float32 arithmetic in scanpy's order (total / target, then value / that): the same
    # values to the last bit, so that genes at a cut-off fall on the same side.
    totals = np.asarray(matrix.sum(axis=1, dtype=np.float64)).ravel().astype(np.float32)
    if target_sum is None:
        with_counts = totals[totals > 0]
        target_sum = np.median(with_counts) if with_counts.size else np.float32(1)
    per_target = totals / np.float32(target_sum)
    per_target[per_target == 0] = 1  # a cell without counts stays all zero
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    data = np.log1p(matrix.data / per_target[rows])
    return sparse.csr_matrix((data, matrix.indices.copy(), matrix.indptr.copy()),
                             shape=matrix.shape)


def normalize_log1p_subset(counts, *, cells: np.ndarray | None = None,
                           genes: np.ndarray | None = None,
                           target_sum: float | None = TARGET_SUM) -> sparse.csr_matrix:
    """:func:`normalize_total_log1p` of ``counts[cells][:, genes]``, a chunk of cells at a
    time: the subset of the counts is never copied whole, so a million cells need
    memory for the result and one chunk (the values are the same to the last bit).

    Parameters
    ----------
    counts : scipy.sparse matrix or array-like
        Cells x genes raw counts (all cells and genes, as read).
    cells, genes : numpy.ndarray of int, optional
        Increasing indices of the cells and genes to keep (all when None).
    target_sum : float or None
        As :func:`normalize_total_log1p` (None: the median total of the kept cells over
        the kept genes).

    Returns
    -------
    scipy.sparse.csr_matrix
        Kept cells x kept genes float32.
    """
    if target_sum is not None and not (np.isfinite(target_sum) and target_sum > 0):
        raise ParameterError(f"target_sum must be a number > 0; got {target_sum!r}.")
    matrix = _csr_matrix(counts, what="counts", counts=True)
    if target_sum is None:
        totals = np.concatenate([np.asarray(block.sum(axis=1, dtype=np.float64)).ravel()
                                 for block in cell_gene_blocks(matrix, cells=cells,
                                                               genes=genes)])
        totals = totals.astype(np.float32)
        with_counts = totals[totals > 0]
        target_sum = float(np.median(with_counts)) if with_counts.size else 1.0
    n_genes = matrix.shape[1] if genes is None else len(genes)
    return stack_blocks(lambda: (normalize_total_log1p(block, target_sum=target_sum)
                                 for block in cell_gene_blocks(matrix, cells=cells,
                                                               genes=genes)),
                        n_cols=n_genes, dtype=np.float32)


def gene_mean_var(values, *, transform=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene mean and variance (n - 1 denominator, as R and scanpy) in float64.

    Parameters
    ----------
    values : scipy.sparse matrix or numpy.ndarray
        Cells x genes.
    transform : callable, optional, keyword-only
        Applied to the values first, zero to zero (e.g. ``np.expm1``); on a sparse matrix
        a slice of its stored values at a time (no transformed copy of all of them).

    Returns
    -------
    tuple of numpy.ndarray
        ``mean`` and ``variance``, one per gene (column).
    """
    n_cells = values.shape[0]
    # scanpy's formula and precision: squares in the input's precision, sums in float64.
    if sparse.issparse(values):
        matrix = sparse.csr_matrix(values)
        n_genes = matrix.shape[1]
        sums, squares = np.zeros(n_genes), np.zeros(n_genes)
        # a slice of the entries at a time: float64 copies of all would be 16 bytes each
        for start in range(0, matrix.nnz, CHUNK_ENTRIES):
            data = matrix.data[start:start + CHUNK_ENTRIES]
            if transform is not None:
                data = transform(data)
            genes = matrix.indices[start:start + CHUNK_ENTRIES]
            sums += np.bincount(genes, weights=data.astype(np.float64), minlength=n_genes)
            squares += np.bincount(genes, weights=(data * data).astype(np.float64),
                                   minlength=n_genes)
    else:
        dense = np.asarray(values) if transform is None else transform(np.asarray(values))
        sums = dense.sum(axis=0, dtype=np.float64)
        squares = (dense * dense).sum(axis=0, dtype=np.float64)
    mean = sums / n_cells
    variance = squares / n_cells - mean ** 2
    if n_cells > 1:
        variance = variance * n_cells / (n_cells - 1)
    return mean, np.maximum(variance, 0.0)


def scale(values, *, max_value: float | None = SCALE_MAX_VALUE,
          zero_center: bool = True):
    """Scale each gene to unit variance (and zero mean), then clip, as scanpy's ``scale``.

    Parameters
    ----------
    values : scipy.sparse matrix or numpy.ndarray
        Cells x genes, usually the log-normalized highly variable genes.
    max_value : float or None
        Clip to ``[-max_value, max_value]`` (only the upper bound without centring);
        None does not clip.
    zero_center : bool
        Subtract each gene's mean. Centring makes a sparse input dense; without it a
        sparse input stays sparse (CSR).

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_matrix
        Cells x genes float32: dense when centred or when the input is dense.
    """
    if max_value is not None and not max_value > 0:
        raise ParameterError(f"max_value must be > 0 (or None: no clipping); got "
                             f"{max_value!r}.")
    matrix = _dense_or_csr(values, what="values to scale")
    mean, variance = gene_mean_var(matrix)
    std = np.sqrt(variance)
    std[std == 0] = 1.0  # constant genes stay constant (0 after centring)
    if sparse.issparse(matrix) and not zero_center:
        data = (matrix.data / std[matrix.indices]).astype(np.float32)
        if max_value is not None:
            np.minimum(data, max_value, out=data)
        return sparse.csr_matrix((data, matrix.indices.copy(), matrix.indptr.copy()),
                                 shape=matrix.shape)
    # A float32 copy, then worked on in place: no float64 temporaries of the whole matrix.
    scaled = (matrix.toarray().astype(np.float32, copy=False) if sparse.issparse(matrix)
              else np.array(matrix, dtype=np.float32))
    if zero_center:
        scaled -= mean.astype(np.float32)
    scaled /= std.astype(np.float32)
    if max_value is not None:
        np.clip(scaled, -max_value if zero_center else None, max_value, out=scaled)
    return scaled
