"""10x Genomics ``.h5`` feature-barcode matrices (``filtered_feature_bc_matrix.h5``).

Both layouts Cell Ranger has written are read: version 3 and later (one ``matrix``
group with ``features/id``, ``features/name``, ``features/feature_type``) and version 2
(one group per genome with ``genes`` and ``gene_names``; a file of one genome). Other
HDF5 files of Cell Ranger (``molecule_info.h5``) or of other tools (loom) are refused
with a message that says which file to give.
"""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
from scipy import sparse

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.cell_matrix import cells_by_genes, gene_expression_columns
from rnaclust_dash.io.messages import _n, _quote_list

_MATRIX_PARTS = ("barcodes", "data", "indices", "indptr", "shape")
_V2_GENES = ("genes", "gene_names")


def is_h5ad(handle: h5py.File) -> bool:
    """Whether an open HDF5 file is an AnnData ``.h5ad`` (rather than a 10x ``.h5``)."""
    encoding = handle.attrs.get("encoding-type", b"")
    encoding = encoding.decode() if isinstance(encoding, bytes) else str(encoding)
    return encoding == "anndata" or {"obs", "var"} <= set(handle.keys())


def _strings(dataset: h5py.Dataset) -> np.ndarray:
    values = dataset[()]
    return np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                     for v in values], dtype=object)


def _matrix_group(handle: h5py.File, source: str) -> tuple[h5py.Group, str]:
    """The group holding the matrix and the Cell Ranger version of its layout."""
    if isinstance(handle.get("matrix"), h5py.Group) and "features" in handle["matrix"]:
        return handle["matrix"], "3"
    genomes = [k for k, g in handle.items() if isinstance(g, h5py.Group)
               and set(_MATRIX_PARTS + _V2_GENES) <= set(g.keys())]
    if len(genomes) == 1:
        return handle[genomes[0]], "2"
    if len(genomes) > 1:
        raise DataError(f'"{source}" is a Cell Ranger 2 matrix of several genomes '
                        f"({_quote_list(genomes)}); one genome per file is read. Load the "
                        "matrix folder of one genome, or split the file with Cell Ranger.")
    found = _quote_list(sorted(handle.keys()), 6) or "nothing"
    hint = ""
    if "barcode_idx" in handle or "umi" in handle:
        hint = " This is a molecule_info.h5; give filtered_feature_bc_matrix.h5 instead."
    elif "row_attrs" in handle and "col_attrs" in handle:
        hint = (" This is a loom file: convert it to .h5ad "
                "(scanpy.read_loom(path).write_h5ad(...)).")
    raise DataError(
        f'"{source}" is an HDF5 file but not a 10x feature-barcode matrix of Cell Ranger 2 or '
        f"3+ (those have a \"matrix\" group, or one group per genome with genes and "
        f"barcodes; this one holds {found}).{hint} Give Cell Ranger's "
        "filtered_feature_bc_matrix.h5, its matrix folder, or an .h5ad file.")


def read_tenx_h5(handle: h5py.File, source: str) -> tuple:
    """Read an open 10x ``.h5`` (Cell Ranger 2 or 3+).

    Parameters
    ----------
    handle : h5py.File
        The open file.
    source : str
        Its name, for messages.

    Returns
    -------
    adata : anndata.AnnData
        Cells x genes raw counts, CSR float32; var has ``gene_symbol`` and (v3)
        ``feature_type`` and ``genome``. Only "Gene Expression" features are kept.
    notices : list of str

    Raises
    ------
    DataError
        Another kind of HDF5 file, parts whose lengths disagree, values that are not
        counts, repeated barcodes.
    """
    group, version = _matrix_group(handle, source)
    missing = [p for p in _MATRIX_PARTS if p not in group]
    if missing:
        raise DataError(f'"{source}" (Cell Ranger {version} layout) lacks '
                        f"{_quote_list(missing)}: the file is incomplete. Copy it again.")
    n_genes, n_cells = (int(v) for v in group["shape"][()][:2])
    barcodes = _strings(group["barcodes"])
    if version == "3":
        features = group["features"]
        ids, symbols = _strings(features["id"]), _strings(features["name"])
        extra = {key: _strings(features[key]) for key in ("feature_type", "genome")
                 if key in features}
    else:
        ids, symbols, extra = _strings(group["genes"]), _strings(group["gene_names"]), {}
    indptr, indices = group["indptr"][()], group["indices"][()]
    if (len(barcodes), len(ids), len(indptr)) != (n_cells, n_genes, n_cells + 1) \
            or len(indices) != group["data"].shape[0] or len(symbols) != len(ids):
        raise DataError(
            f'"{source}" is inconsistent: its shape says {_n(n_genes, "gene")} x '
            f'{_n(n_cells, "cell")} but it lists {_n(len(ids), "gene id")} and '
            f"{_n(len(barcodes), 'barcode')}. The file is damaged or was edited: take it "
            "from the Cell Ranger output again.")
    # Stored genes x cells, compressed by cell: as cells x genes that is CSR as it is.
    matrix = sparse.csr_matrix((group["data"][()], indices, indptr), shape=(n_cells, n_genes))
    columns, notices = (None, []) if "feature_type" not in extra else \
        gene_expression_columns(extra["feature_type"], source)
    if columns is not None:
        matrix, ids, symbols = matrix[:, columns], ids[columns], symbols[columns]
        extra = {key: values[columns] for key, values in extra.items()}
    adata, checked = cells_by_genes(matrix, barcodes=barcodes, gene_ids=ids, symbols=symbols,
                                    source=source, var=pd.DataFrame(extra) if extra else None)
    return adata, notices + checked
