"""AnnData ``.h5ad`` files (scanpy, cellxgene, CELLxGENE Census downloads).

The raw counts are taken from the first of: ``X`` when it holds counts, then
``layers["counts"]``, ``raw.X``, any other layer holding counts; a notice says where
they came from when it is not ``X``. A file with no counts anywhere is refused (scanpy
users often save only the normalized values). The cell annotations in ``obs`` are kept.
Gene ids and symbols: scanpy's ``read_10x_*`` put symbols in the index and ids in
``var["gene_ids"]``; cellxgene puts ids in the index and symbols in
``var["feature_name"]``. Both become index = ids, ``var["gene_symbol"]`` = symbols.
"""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
from anndata.io import read_elem

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.cell_matrix import SYMBOL_COLUMN, cells_by_genes, is_count_matrix
from rnaclust_dash.io.messages import _and_join

# var columns holding gene ids when the index holds symbols, and the reverse.
_ID_COLUMNS = ("gene_ids", "gene_id", "ensembl_id", "ensembl_ids", "feature_id")
_SYMBOL_COLUMNS = (SYMBOL_COLUMN, "gene_symbols", "feature_name", "gene_name", "symbol",
                   "gene_short_name")


def _counts_candidates(handle: h5py.File) -> list[tuple[str, str, str]]:
    """(label, matrix path, var path) of the places counts may be, in order of preference."""
    places = [("X", "X", "var"), ('layers["counts"]', "layers/counts", "var"),
              ("raw.X", "raw/X", "raw/var")]
    layers = handle.get("layers")
    if isinstance(layers, h5py.Group):
        places += [(f'layers["{k}"]', f"layers/{k}", "var") for k in layers if k != "counts"]
    return [p for p in places if p[1] in handle and p[2] in handle]


def _first_counts(handle: h5py.File, source: str) -> tuple:
    """The first candidate that holds counts: (label, matrix, var frame)."""
    looked = []
    for label, matrix_path, var_path in _counts_candidates(handle):
        matrix = read_elem(handle[matrix_path])
        if is_count_matrix(matrix):
            return label, matrix, read_elem(handle[var_path])
        looked.append(label)
    checked = (f"{_and_join(looked)} {'holds' if len(looked) == 1 else 'hold'} normalized or "
               "scaled values (not whole numbers)") if looked else "it has no matrix at all"
    raise DataError(
        f'"{source}" holds no raw counts: {checked}, and there is no layers["counts"] or raw '
        "with counts. "
        "Clustering single cells starts from the counts: in scanpy keep them before "
        'normalizing (adata.layers["counts"] = adata.X.copy()) and save again, or load '
        "Cell Ranger's matrix folder or .h5.")


def _ids_and_symbols(var: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, pd.DataFrame]:
    """Gene ids, symbols (or None) and the other var columns."""
    index = var.index.astype(str).to_numpy(dtype=object)
    id_column = next((c for c in _ID_COLUMNS if c in var.columns), None)
    if id_column is not None:
        ids = var[id_column].astype(str).to_numpy(dtype=object)
        return ids, index, var.drop(columns=[id_column])
    symbol_column = next((c for c in _SYMBOL_COLUMNS if c in var.columns), None)
    if symbol_column is not None:
        symbols = var[symbol_column].astype(str).to_numpy(dtype=object)
        return index, symbols, var.drop(columns=[symbol_column])
    return index, None, var


def read_h5ad_counts(handle: h5py.File, source: str) -> tuple:
    """Read the raw counts and cell annotations of an open ``.h5ad``.

    Parameters
    ----------
    handle : h5py.File
        The open file.
    source : str
        Its name, for messages.

    Returns
    -------
    adata : anndata.AnnData
        Cells x genes raw counts, CSR float32; obs = the file's obs; var index = gene
        ids, ``gene_symbol`` and the file's other var columns.
    notices : list of str

    Raises
    ------
    DataError
        No counts in X, layers or raw; repeated cell ids; an unreadable file.
    """
    try:
        label, matrix, var = _first_counts(handle, source)
        obs = read_elem(handle["obs"])
    except (KeyError, OSError, TypeError, ValueError) as exc:
        raise DataError(f'"{source}" could not be read as an .h5ad file ({exc}). Save it '
                        "again with scanpy or anndata (adata.write_h5ad).") from None
    notices = [] if label == "X" else [
        f"{source}: X does not hold counts (it holds normalized values); the raw counts "
        f"were taken from {label}."]
    ids, symbols, other_var = _ids_and_symbols(var)
    adata, checked = cells_by_genes(matrix, barcodes=obs.index.to_numpy(), gene_ids=ids,
                                    symbols=symbols, source=source,
                                    obs=obs.reset_index(drop=True),
                                    var=other_var.reset_index(drop=True),
                                    checked_counts=True)
    return adata, notices + checked
