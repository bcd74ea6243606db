"""Single-cell input: one entry point for every format, and bulk or single-cell mode.

:func:`read_single_cell` reads a 10x folder (on the server), a .zip / .tar(.gz) of one,
a 10x ``.h5`` or an ``.h5ad``, given as bytes (an upload) or a path, and returns a
:class:`~rnaclust_dash.dataset.Dataset` of raw counts, cells x genes, CSR float32.
Formats are recognised by their first bytes, not their names. :func:`detect_mode` says
whether a dataset is analysed as single cells or as bulk samples.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import h5py
import numpy as np
from scipy import sparse

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.io.archives import (GZIP_MAGIC, HDF5_MAGIC, ZIP_MAGIC, gunzipped_head,
                                       is_tar)
from rnaclust_dash.io.h5ad import read_h5ad_counts
from rnaclust_dash.io.tenx import read_tenx
from rnaclust_dash.io.tenx_h5 import is_h5ad, read_tenx_h5
from rnaclust_dash.params.spec import MODES

#: Dense tables with more columns (samples) than this, mostly zeros, are single cells.
SINGLE_CELL_MIN_COLUMNS = 2_000
#: ... where at least this share of the values is zero.
SINGLE_CELL_MIN_ZERO_SHARE = 0.5

_XLSX_MARKERS = (b"[Content_Types].xml", b"xl/")


def single_cell_format(head: bytes) -> str | None:
    """The single-cell format that a file's first bytes announce, or None (a table).

    Parameters
    ----------
    head : bytes
        The first bytes of the file (at least 4 KB where available).

    Returns
    -------
    {"zip", "tar", "hdf5"} or None
        None for anything the bulk table readers take (text, .gz text, .xlsx).
    """
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if head.startswith(ZIP_MAGIC):
        return None if any(marker in head for marker in _XLSX_MARKERS) else "zip"
    if head.startswith(GZIP_MAGIC):
        head = gunzipped_head(head)
    return "tar" if is_tar(head) else None


def _head(content: bytes | None, path: Path | None) -> bytes:
    if content is not None:
        return content[:4096]
    with open(path, "rb") as handle:
        return handle.read(4096)


def is_single_cell_input(content: bytes | None = None, *, path: str | Path | None = None) -> bool:
    """Whether an upload or a path is a single-cell format (folder, archive, .h5, .h5ad)."""
    if path is not None and Path(path).is_dir():
        return True
    kind = single_cell_format(_head(content, None if path is None else Path(path)))
    if kind == "zip":  # an .xlsx is a zip too: its member list says which
        return not _is_xlsx(io.BytesIO(content) if content is not None else path)
    return kind is not None


def _is_xlsx(source) -> bool:
    try:
        with zipfile.ZipFile(source) as archive:
            return "[Content_Types].xml" in archive.namelist() and any(
                name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def read_single_cell(content: bytes | None = None, name: str = "", *,
                     path: str | Path | None = None) -> Dataset:
    """Read single-cell raw counts from any supported format.

    Parameters
    ----------
    content : bytes, optional
        An upload: a .zip or .tar(.gz) of a 10x matrix folder, a 10x .h5, an .h5ad.
    name : str
        The file's name (the dataset's name; used in messages).
    path : str or Path, optional
        Instead of ``content``: a 10x folder, archive, .h5 or .h5ad on the server.

    Returns
    -------
    Dataset
        ``Dataset.from_anndata(adata, value_kind="counts")``: cells x genes, X raw counts
        CSR float32, obs index = barcodes (with the file's cell annotations for .h5ad),
        var index = unique gene ids, ``var["gene_symbol"]`` = unique display symbols.
        Cells with no count are left out (a notice says how many).

    Raises
    ------
    DataError
        An unknown format, or any problem of the file (see the readers).
    """
    if (content is None) == (path is None):
        raise ParameterError("read_single_cell needs either the file's bytes or its path.")
    path = None if path is None else Path(path)
    name = name or (path.name if path is not None else "upload")
    if path is not None and path.is_dir():
        adata, notices = read_tenx(path=path, name=name)
        return _dataset(adata, notices, name, "10x Genomics matrix folder")
    kind = single_cell_format(_head(content, path))
    if kind in ("zip", "tar"):
        adata, notices = read_tenx(content=content, path=path, name=name)
        return _dataset(adata, notices, name, f"10x Genomics matrix folder (.{kind} archive)")
    if kind == "hdf5":
        return _read_hdf5(content, path, name)
    if content is not None and gunzipped_head(content).startswith(b"%%MatrixMarket"):
        raise DataError(f'"{name}" is a matrix.mtx.gz alone; it needs its barcodes.tsv.gz '
                        "and features.tsv.gz. Zip the whole 10x folder and upload the .zip.")
    raise DataError(f'"{name}" is not a single-cell file: give a 10x matrix folder (as '
                    ".zip or .tar.gz), a 10x .h5 or an .h5ad file.")


def _read_hdf5(content: bytes | None, path: Path | None, name: str) -> Dataset:
    source = io.BytesIO(content) if content is not None else path
    try:
        handle = h5py.File(source, "r")
    except OSError as exc:
        raise DataError(f'"{name}" looks like an HDF5 file (.h5 / .h5ad) but could not be '
                        f"opened ({exc}). The file may be truncated: copy it again.") from None
    with handle:
        if is_h5ad(handle):
            return _dataset(*read_h5ad_counts(handle, name), name, "AnnData .h5ad file")
        return _dataset(*read_tenx_h5(handle, name), name, "10x Genomics .h5 matrix")


def _dataset(adata, notices: list[str], name: str, source: str) -> Dataset:
    return Dataset.from_anndata(adata, value_kind="counts", name=name, description=source,
                                notices=tuple(notices))


def detect_mode(dataset: Dataset) -> str:
    """Whether a dataset is analysed as single cells or as bulk samples.

    Single-cell: a sparse X (what :func:`read_single_cell` returns), or a dense table with
    more than :data:`SINGLE_CELL_MIN_COLUMNS` samples of which at least
    :data:`SINGLE_CELL_MIN_ZERO_SHARE` of the values are zero (a genes x cells CSV).

    Parameters
    ----------
    dataset : Dataset

    Returns
    -------
    {"single-cell", "bulk"}
    """
    matrix = dataset.adata.X
    if sparse.issparse(matrix):
        return "single-cell"
    if dataset.n_samples <= SINGLE_CELL_MIN_COLUMNS:
        return "bulk"
    zero_share = 1.0 - np.count_nonzero(matrix) / max(matrix.size, 1)  # no temporary copy
    return "single-cell" if zero_share >= SINGLE_CELL_MIN_ZERO_SHARE else "bulk"


def resolve_mode(mode: str, dataset: Dataset) -> str:
    """The mode to run: ``mode`` itself when forced, :func:`detect_mode` for "auto"."""
    if mode not in MODES:
        raise ParameterError(f"'{mode}' is not a valid mode; choose one of: "
                             f"{', '.join(MODES)}.")
    return detect_mode(dataset) if mode == "auto" else mode
