"""What every single-cell reader checks and builds: raw counts, cells x genes, as AnnData.

The readers (:mod:`~rnaclust_dash.io.tenx`, :mod:`~rnaclust_dash.io.tenx_h5`,
:mod:`~rnaclust_dash.io.h5ad`) hand :func:`cells_by_genes` a sparse matrix with its
barcodes, gene ids and symbols; it checks that the values are counts, that barcodes are
unique, makes gene ids and display symbols unique (with a notice), drops cells without
a single count (with a notice) and returns CSR float32 (never densified).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _n, _quote_list

#: ``var`` column of the gene symbols (display names); the index holds the gene ids.
SYMBOL_COLUMN = "gene_symbol"

# Values are checked this many at a time (bounded temporary memory on large matrices).
_CHUNK = 8_000_000


def first_non_count(values: np.ndarray) -> int | None:
    """Position of the first value that is not a count (negative, fractional, NaN, inf).

    Parameters
    ----------
    values : numpy.ndarray
        1-D values (the ``data`` of a sparse matrix).

    Returns
    -------
    int or None
        None when every value is a whole number >= 0.
    """
    integer = np.issubdtype(values.dtype, np.integer)
    for start in range(0, values.size, _CHUNK):
        chunk = values[start:start + _CHUNK]
        bad = chunk < 0
        if not integer:
            bad |= ~np.isfinite(chunk) | (chunk != np.round(chunk))
        hits = np.flatnonzero(bad)
        if hits.size:
            return start + int(hits[0])
    return None


def is_count_matrix(matrix) -> bool:
    """Whether a (sparse or dense) matrix holds only whole numbers >= 0."""
    values = matrix.data if sparse.issparse(matrix) else np.asarray(matrix).ravel()
    return first_non_count(values) is None


def unique_names(names: pd.Index) -> tuple[pd.Index, list[str]]:
    """Names made unique as scanpy's ``var_names_make_unique`` does (``A``, ``A-1``, ...).

    Returns the names and the repeated ones (each once, in order of appearance).
    """
    values = names.astype(str).to_numpy(dtype=object, copy=True)
    repeated = names[names.duplicated()].unique().astype(str).tolist()
    if not repeated:
        return pd.Index(values, dtype=object), []
    taken = set(values)
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value not in seen:
            seen[value] = 0
            continue
        number = seen[value]
        while True:
            number += 1
            candidate = f"{value}-{number}"
            if candidate not in taken:
                break
        seen[value] = number
        taken.add(candidate)
        values[i] = candidate
    return pd.Index(values, dtype=object), repeated


def gene_expression_columns(types: np.ndarray, source: str) -> tuple[np.ndarray | None, list]:
    """The positions of the "Gene Expression" features when others are listed too.

    Cell Ranger lists antibody, CRISPR and other features beside the genes; as scanpy's
    ``gex_only=True``, only the genes are kept. Returns None (keep all) when every
    feature, or none, is of type Gene Expression, with the notice to give otherwise.
    """
    keep = np.asarray(types) == "Gene Expression"
    if keep.all() or not keep.any():
        return None, []
    others = sorted(set(np.asarray(types)[~keep]))
    notice = (f"{source}: {_n(int((~keep).sum()), 'feature')} of type {_quote_list(others)} "
              f"left out; the {_n(int(keep.sum()), 'gene')} of type Gene Expression are kept.")
    return np.flatnonzero(keep), [notice]


def _check_barcodes(barcodes: pd.Index, source: str) -> None:
    empty = np.flatnonzero(barcodes.astype(str).str.strip() == "")
    if empty.size:
        raise DataError(f'Cell {empty[0] + 1:,} of "{source}" has an empty barcode. Every '
                        "cell needs its barcode: check the barcodes file (one per line).")
    repeated = barcodes[barcodes.duplicated()].unique().astype(str).tolist()
    if repeated:
        raise DataError(
            f'The cell barcodes of "{source}" are not unique: {_quote_list(repeated, 3)} '
            f"{'appears' if len(repeated) == 1 else 'appear'} more than once. Each cell needs "
            "its own barcode; if this matrix joins several samples, prefix each sample's "
            "barcodes with its name (as Cell Ranger aggr adds -1, -2) and load it again.")


def _check_counts(matrix: sparse.csr_matrix, barcodes: pd.Index, gene_ids: pd.Index,
                  source: str) -> None:
    position = first_non_count(matrix.data)
    if position is None:
        return
    row = int(np.searchsorted(matrix.indptr, position, side="right") - 1)
    value = matrix.data[position]
    raise DataError(
        f'"{source}" does not hold raw counts: cell "{barcodes[row]}", gene '
        f'"{gene_ids[matrix.indices[position]]}" has the value {value:g} (counts are whole '
        "numbers >= 0). Clustering single cells starts from the raw UMI or read counts: "
        "load Cell Ranger's filtered_feature_bc_matrix (or its .h5), or an .h5ad that keeps "
        'the raw counts in X, layers["counts"] or raw.')


def _without_empty_cells(matrix: sparse.csr_matrix, barcodes: pd.Index,
                         source: str) -> tuple[sparse.csr_matrix, pd.Index, np.ndarray, list]:
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    empty = totals == 0
    if not empty.any():
        return matrix, barcodes, ~empty, []
    if empty.all():
        raise DataError(f'Every cell of "{source}" has zero counts: the matrix is empty. '
                        "Check that you chose the right file (filtered_feature_bc_matrix).")
    keep = ~empty
    notice = (f"{source}: {_n(int(empty.sum()), 'cell')} with no count at all "
              f"({_quote_list(barcodes[empty].astype(str).tolist(), 3)}) "
              f"{'was' if empty.sum() == 1 else 'were'} left out; "
              f"{_n(int(keep.sum()), 'cell')} kept.")
    return matrix[keep], barcodes[keep], keep, [notice]


def cells_by_genes(matrix, *, barcodes, gene_ids, symbols=None, source: str,
                   obs: pd.DataFrame | None = None, var: pd.DataFrame | None = None,
                   checked_counts: bool = False) -> tuple:
    """Check raw counts and build the AnnData every single-cell reader returns.

    Parameters
    ----------
    matrix : scipy.sparse matrix or numpy.ndarray
        Cells x genes counts (any numeric dtype).
    barcodes : sequence of str
        One per cell (row); must be unique.
    gene_ids : sequence of str
        One per gene (column); repeats get ``-1``, ``-2`` (with a notice).
    symbols : sequence of str, optional
        Display names of the genes (the ids when absent or blank); made unique the
        same way, with a notice.
    source : str
        The file name, for messages and notices.
    obs, var : pandas.DataFrame, optional
        More cell / gene annotations, row for row (their index is replaced).
    checked_counts : bool, default False
        True when the caller has already checked that the values are counts (the
        check, a pass over all values, is then not repeated).

    Returns
    -------
    adata : anndata.AnnData
        Cells x genes, X CSR float32 (canonical), obs index = barcodes, var index =
        unique gene ids with column ``gene_symbol``. Cells with no count are left out.
    notices : list of str

    Raises
    ------
    DataError
        Values that are not counts, repeated or empty barcodes, an all-zero matrix.
    """
    import anndata as ad

    barcodes = pd.Index(np.asarray(barcodes, dtype=object).astype(str), dtype=object)
    _check_barcodes(barcodes, source)
    gene_ids = pd.Index(np.asarray(gene_ids, dtype=object).astype(str), dtype=object)
    ids, repeated_ids = unique_names(gene_ids)
    notices = []
    if repeated_ids:
        notices.append(f"{source}: {_n(len(repeated_ids), 'gene id')} appear more than once "
                       f"({_quote_list(repeated_ids, 3)}); the repeats are named -1, -2, ...")
    names = ids if symbols is None else pd.Index(
        np.where(pd.Series(symbols, dtype=object).fillna("").astype(str).str.strip() == "",
                 ids.to_numpy(), np.asarray(symbols, dtype=object)), dtype=object)
    names, repeated_symbols = unique_names(names)
    if repeated_symbols:
        notices.append(f"{source}: {_n(len(repeated_symbols), 'gene symbol')} name several "
                       f"genes ({_quote_list(repeated_symbols, 3)}); they are shown as "
                       "SYMBOL-1, SYMBOL-2, ... (the gene ids stay unique and unchanged).")
    counts = sparse.csr_matrix(matrix)
    if not counts.has_canonical_format:
        counts = counts.copy()
        counts.sum_duplicates()
    if not checked_counts:
        _check_counts(counts, barcodes, ids, source)
    counts, barcodes, kept, more = _without_empty_cells(counts, barcodes, source)
    notices += more
    counts = counts.astype(np.float32, copy=False)
    obs_frame = pd.DataFrame(index=barcodes) if obs is None else \
        obs.iloc[np.flatnonzero(kept)].set_axis(barcodes)
    var_frame = pd.DataFrame(index=ids) if var is None else var.set_axis(ids)
    var_frame = var_frame.drop(columns=[SYMBOL_COLUMN], errors="ignore")
    var_frame.insert(0, SYMBOL_COLUMN, names.to_numpy())
    return ad.AnnData(X=counts, obs=obs_frame, var=var_frame), notices
