"""The server-side data folder (``RNACLUST_DATA_DIR``): files too big for an upload.

Whoever hosts the dashboard puts datasets in one folder and sets ``RNACLUST_DATA_DIR``;
:func:`list_data_dir` lists what can be loaded from it (name, size, format) and
:func:`load_data_dir_entry` loads one by its name. Names are confined to the folder: an
absolute path, ``..``, or a symbolic link leading out of the folder is refused, so a
request cannot read other files of the server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.io.single_cell import (is_single_cell_input, read_single_cell,
                                          single_cell_format)
from rnaclust_dash.io.tenx import MATRIX_NAMES

#: Environment variable naming the data folder.
DATA_DIR_VARIABLE = "RNACLUST_DATA_DIR"

#: Format label -> what it is (the dropdown shows the label).
FORMATS = {"10x folder": "a Cell Ranger matrix folder (matrix.mtx, barcodes, features)",
           "10x archive": "a .zip or .tar.gz of a 10x matrix folder",
           "10x .h5": "a Cell Ranger feature-barcode matrix .h5",
           "h5ad": "an AnnData .h5ad file (scanpy, cellxgene)",
           "table": "a count table (CSV, TSV, TXT, .gz or .xlsx), genes x samples"}

_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".xlsx")
_ARCHIVE_FORMATS = ("zip", "tar")
# Folders are searched this deep for matrix.mtx (outs/filtered_feature_bc_matrix/).
_FOLDER_DEPTH = 3


@dataclass(frozen=True)
class DataDirEntry:
    """One loadable entry of the data folder.

    Attributes
    ----------
    name : str
        Its name in the folder (a file or a sub-folder of the top level).
    size : int
        Bytes on disk (for a folder, all its files).
    format : str
        A key of :data:`FORMATS`.
    """

    name: str
    size: int
    format: str

    def label(self) -> str:
        """'pbmc3k (10x folder, 24.3 MB)' for a dropdown."""
        return f"{self.name} ({self.format}, {self.size / 1e6:,.1f} MB)"


def data_dir_root() -> Path | None:
    """The data folder from ``RNACLUST_DATA_DIR`` (read at call time), or None when unset.

    Raises
    ------
    ParameterError
        If the variable names something that is not a folder.
    """
    raw = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    if not raw:
        return None
    root = Path(raw)
    if not root.is_dir():
        raise ParameterError(f"{DATA_DIR_VARIABLE} is set to {raw!r}, which is not a folder. "
                             "Set it to the folder that holds the datasets, or unset it.")
    return root


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _folder_size_and_matrix(folder: Path, root: Path) -> tuple[int, bool]:
    size, has_matrix = 0, False
    base = len(folder.parts)
    for current, dirs, files in os.walk(folder):
        if len(Path(current).parts) - base >= _FOLDER_DEPTH:
            dirs[:] = []
        for file in files:
            path = Path(current) / file
            if path.is_file() and _inside(path, root):
                size += path.stat().st_size
                has_matrix |= file.endswith(MATRIX_NAMES)
    return size, has_matrix


def _file_format(path: Path) -> str | None:
    with open(path, "rb") as handle:
        kind = single_cell_format(handle.read(4096))
    if kind is not None and not is_single_cell_input(path=path):
        kind = None  # an .xlsx (a zip too)
    if kind in _ARCHIVE_FORMATS:
        return "10x archive"
    if kind == "hdf5":
        return "h5ad" if path.name.lower().endswith(".h5ad") else "10x .h5"
    return "table" if path.name.lower().endswith(_TABLE_SUFFIXES) else None


def list_data_dir(root: str | Path) -> list[DataDirEntry]:
    """The datasets of a data folder, by name.

    Parameters
    ----------
    root : str or Path
        The folder (see :func:`data_dir_root`).

    Returns
    -------
    list of DataDirEntry
        Top-level files of a known format (recognised by their first bytes; tables by
        their suffix) and sub-folders holding a ``matrix.mtx[.gz]``; hidden names and
        links leading out of the folder are left out.
    """
    root = Path(root)
    entries = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not _inside(path, root):
            continue
        try:
            if path.is_dir():
                size, has_matrix = _folder_size_and_matrix(path, root)
                if has_matrix:
                    entries.append(DataDirEntry(path.name, size, "10x folder"))
            elif path.is_file() and (kind := _file_format(path)) is not None:
                entries.append(DataDirEntry(path.name, path.stat().st_size, kind))
        except OSError:  # unreadable entries are not listed
            continue
    return entries


def data_dir_path(root: str | Path, name: str) -> Path:
    """The path of entry ``name`` of the data folder, confined to it.

    Raises
    ------
    DataError
        If ``name`` is not a plain name of the folder's top level (absolute, ``..``,
        hidden, with a separator) or leads out of the folder through a link, or does not
        exist.
    """
    root = Path(root)
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise DataError(f"{name!r} is not a dataset of the data folder: choose one from the "
                        "list.")
    path = root / name
    if not path.exists() or not _inside(path, root):
        raise DataError(f'"{name}" is not in the data folder (any more): choose one from the '
                        "list, or ask whoever runs this server to put it there.")
    return path


def load_data_dir_entry(root: str | Path, name: str) -> Dataset:
    """Load entry ``name`` of the data folder as a Dataset.

    Single-cell formats go through
    :func:`~rnaclust_dash.io.single_cell.read_single_cell`, tables through
    :func:`~rnaclust_dash.io.build.build_dataset`.

    Raises
    ------
    DataError
        A name outside the folder (see :func:`data_dir_path`) or a file that cannot be read.
    """
    from rnaclust_dash.io.build import build_dataset

    path = data_dir_path(root, name)
    if path.is_dir() or _file_format(path) != "table":
        return read_single_cell(path=path, name=name)
    return build_dataset(path.read_bytes(), name)
