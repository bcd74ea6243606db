"""10x Genomics matrix folders: ``matrix.mtx[.gz]``, ``barcodes.tsv[.gz]`` and
``features.tsv[.gz]`` (Cell Ranger >= 3) or ``genes.tsv[.gz]`` (Cell Ranger 2).

The folder may be on the server or uploaded as a .zip, .tar or .tar.gz (one folder
inside, at any depth; GEO's ``GSM..._matrix.mtx.gz`` prefixes are understood). The
matrix file is genes x cells; the reader returns cells x genes. Only the "Gene
Expression" features are kept (as scanpy's ``read_10x_mtx(gex_only=True)``).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import scipy.io
from scipy import sparse

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.archives import GZIP_MAGIC, FileTree, open_file_tree, upload_cap
from rnaclust_dash.io.cell_matrix import cells_by_genes, gene_expression_columns
from rnaclust_dash.io.messages import _n, _quote_list

MATRIX_NAMES = ("matrix.mtx.gz", "matrix.mtx")
_BARCODE_NAMES = ("barcodes.tsv.gz", "barcodes.tsv")
_FEATURE_NAMES = ("features.tsv.gz", "features.tsv", "genes.tsv.gz", "genes.tsv")

_HOW = ("A 10x folder holds matrix.mtx.gz, barcodes.tsv.gz and features.tsv.gz (genes.tsv "
        "from Cell Ranger 2): zip that folder (e.g. filtered_feature_bc_matrix) and upload "
        "it, or upload the filtered_feature_bc_matrix.h5 file.")


def is_tenx_member(name: str) -> bool:
    """Whether an archive member is one of the files of a 10x folder."""
    base = PurePosixPath(name).name
    return base.endswith(MATRIX_NAMES + _BARCODE_NAMES + _FEATURE_NAMES)


def read_tenx(*, content: bytes | None = None, path: Path | None = None,
              name: str = "") -> tuple:
    """Read a 10x matrix folder, or a .zip / .tar(.gz) of one.

    Parameters
    ----------
    content : bytes, optional
        An uploaded archive (decompression capped, see
        :mod:`~rnaclust_dash.io.archives`).
    path : Path, optional
        A folder or archive on the server (not capped).
    name : str
        Shown in messages.

    Returns
    -------
    adata : anndata.AnnData
        Cells x genes raw counts, CSR float32 (see
        :func:`~rnaclust_dash.io.cell_matrix.cells_by_genes`); var has ``gene_symbol``
        and, from features.tsv, ``feature_type``.
    notices : list of str

    Raises
    ------
    DataError
        No matrix in it, a missing barcodes or features file, lengths that disagree with
        the matrix header, values that are not counts, repeated barcodes.
    """
    cap = upload_cap() if content is not None else None
    with open_file_tree(content=content, path=path, name=name, wanted=is_tenx_member,
                        cap=cap) as tree:
        matrix_name, barcodes_name, features_name = _locate(tree)
        barcodes = _read_column_file(tree, barcodes_name, min_columns=1)
        features = _read_column_file(tree, features_name, min_columns=1)
        header, matrix = _read_mtx(tree, matrix_name)
    source = f"{tree.source}/{matrix_name}" if tree.source else matrix_name
    matrix, notices = _orient(matrix, header, len(barcodes), len(features), source,
                              barcodes_name, features_name)
    features, matrix, more = _gene_expression_only(features, matrix, features_name)
    var = pd.DataFrame({"feature_type": features[2].to_numpy()}) if 2 in features else None
    adata, checked = cells_by_genes(
        matrix, barcodes=barcodes[0].to_numpy(), gene_ids=features[0].to_numpy(),
        symbols=features[1].to_numpy() if 1 in features else None, source=source, var=var)
    return adata, notices + more + checked


def _locate(tree: FileTree) -> tuple[str, str, str]:
    """The names of the matrix, barcodes and features files in ``tree``."""
    matrices = [n for n in tree.names if PurePosixPath(n).name.endswith(MATRIX_NAMES)]
    if not matrices:
        raise DataError(f'No matrix.mtx or matrix.mtx.gz in "{tree.source}" (it holds '
                        f"{_quote_list(list(tree.names), 4) or 'no file'}). {_HOW}")
    if len(matrices) > 1:
        filtered = [m for m in matrices if "filtered" in m]
        if len(filtered) != 1:
            raise DataError(f'"{tree.source}" holds several matrices '
                            f"({_quote_list(matrices, 4)}): upload one folder at a time.")
        matrices = filtered
    matrix = matrices[0]
    folder = PurePosixPath(matrix).parent
    prefix = PurePosixPath(matrix).name.removesuffix(".gz").removesuffix("matrix.mtx")
    found = {}
    for role, candidates in (("barcodes", _BARCODE_NAMES), ("features", _FEATURE_NAMES)):
        names = [(folder / f"{prefix}{c}").as_posix() for c in candidates]
        present = [n for n in names if n in tree.names]
        if not present:
            wanted = f"{prefix}barcodes.tsv.gz" if role == "barcodes" else \
                f"{prefix}features.tsv.gz (or {prefix}genes.tsv)"
            raise DataError(f'"{tree.source}" has {matrix} but no {wanted} beside it. '
                            f"{_HOW}")
        found[role] = present[0]
    return matrix, found["barcodes"], found["features"]


def _decompressed(tree: FileTree, name: str) -> bytes:
    data = tree.read(name)
    if data[:2] != GZIP_MAGIC:
        return data
    limit = tree.cap
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read() if limit is None else stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f'"{name}" in "{tree.source}" is damaged and could not be '
                        f"decompressed ({exc}). Copy the 10x folder again.") from None
    if limit is not None and len(out) > limit:
        raise DataError(f'"{name}" in "{tree.source}" expands to more than '
                        f"{limit // 1_000_000:,} MB; load it from the server's data folder "
                        "or with the command line instead.")
    return out


def _read_column_file(tree: FileTree, name: str, *, min_columns: int) -> pd.DataFrame:
    """A headerless tab-separated file (barcodes, features) as strings, columns 0, 1, ..."""
    text = _decompressed(tree, name)
    if not text.strip():
        raise DataError(f'"{name}" in "{tree.source}" is empty. {_HOW}')
    try:
        frame = pd.read_csv(io.BytesIO(text), sep="\t", header=None, dtype=str,
                            quoting=csv.QUOTE_NONE, keep_default_na=False, na_filter=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f'"{name}" in "{tree.source}" could not be read as a tab-separated '
                        f"list ({exc}). {_HOW}") from None
    return frame


def _read_mtx(tree: FileTree, name: str) -> tuple[tuple[int, int, str], sparse.coo_matrix]:
    """The header (rows, columns, field) and the matrix of a Matrix Market file.

    A file of a folder on disk is streamed by scipy (its text is never held whole).
    """
    local = tree.local(name) if tree.local is not None else None
    if local is not None:
        with open(local, "rb") as handle:
            compressed = handle.read(2) == GZIP_MAGIC
        with (gzip.open(local) if compressed else open(local, "rb")) as handle:
            try:
                head = handle.read(1_000_000)
            except (OSError, EOFError, zlib.error) as exc:
                raise DataError(f'"{name}" in "{tree.source}" is damaged and could not be '
                                f"decompressed ({exc}). Copy the 10x folder again.") from None
        source = gzip.open(local) if compressed else open(local, "rb")  # noqa: SIM115
    else:
        text = _decompressed(tree, name)
        head, source = text[:1_000_000], io.BytesIO(text)
    try:
        header = _mtx_header(head, name, tree.source)
        matrix = scipy.io.mmread(source)
    except (ValueError, OverflowError, RuntimeError, OSError, EOFError, zlib.error) as exc:
        raise DataError(f'"{name}" in "{tree.source}" could not be read as a Matrix Market '
                        f"file ({exc}). Copy the 10x folder again. {_HOW}") from None
    finally:
        source.close()
    matrix = sparse.coo_matrix(matrix)
    if header[2] == "integer":  # float32 holds counts exactly (below 2**24), in half the memory
        matrix.data = matrix.data.astype(np.float32)
    return header, matrix


def _mtx_header(head: bytes, name: str, source: str) -> tuple[int, int, str]:
    """Rows, columns and value field from the first bytes of a Matrix Market file."""
    first = head[:200].split(b"\n", 1)[0].decode("ascii", "replace").split()
    if len(first) < 4 or first[0].lower() != "%%matrixmarket" or first[2].lower() != "coordinate":
        raise DataError(f'"{name}" in "{source}" is not a Matrix Market coordinate file '
                        f'(its first line is "{" ".join(first)[:80]}"). {_HOW}')
    field = first[3].lower()
    if field not in ("integer", "real", "double"):
        raise DataError(f'"{name}" in "{source}" holds {field} values; single-cell '
                        "clustering needs the raw counts (integer). Load the matrix that "
                        "Cell Ranger wrote.")
    size_line = next((line for line in head.split(b"\n")
                      if line.strip() and not line.startswith(b"%")), b"")
    try:
        n_rows, n_cols = (int(v) for v in size_line.split()[:2])
    except ValueError:
        raise DataError(f'"{name}" in "{source}" has no size line (rows, columns, entries) '
                        f"after its header. Copy the 10x folder again. {_HOW}") from None
    if field == "integer":
        _refuse_decimals(head, name, source)
    return n_rows, n_cols, field


#: An entry line (row, column, value) whose value has a decimal point or an exponent.
_DECIMAL_ENTRY = re.compile(rb"^[ \t]*\d+[ \t]+\d+[ \t]+([-+]?\d*[.eE][^\s]*)", re.M)


def _refuse_decimals(head: bytes, name: str, source: str) -> None:
    """Refuse decimals in a file whose header says integer: scipy would truncate each one
    (0.37 -> 0) without a word. Checked in the first megabyte (``head``), where a file
    of another tool that mislabels its values shows it."""
    match = _DECIMAL_ENTRY.search(head)
    if match:
        line = head[:match.start()].count(b"\n") + 1
        raise DataError(
            f'"{name}" in "{source}" says its values are integers but holds decimals '
            f'("{match.group(1).decode("ascii", "replace")[:20]}" on line {line:,}): it is '
            "not the raw counts Cell Ranger writes, and reading it would cut the decimals "
            "off. Load the matrix Cell Ranger wrote (filtered_feature_bc_matrix).")


def _orient(matrix: sparse.coo_matrix, header: tuple, n_barcodes: int, n_features: int,
            source: str, barcodes_name: str, features_name: str) -> tuple:
    """Cells x genes CSR; the matrix header must agree with the two lists."""
    n_rows, n_cols, _ = header
    if (n_rows, n_cols) == (n_features, n_barcodes):
        return matrix.T.tocsr(), []
    if (n_rows, n_cols) == (n_barcodes, n_features):
        return matrix.tocsr(), [f"{source}: the matrix has cells as rows and genes as "
                                "columns (10x writes genes x cells); it was read that way."]
    raise DataError(
        f'"{source}" says {_n(n_rows, "row")} (genes) x {_n(n_cols, "column")} (cells), but '
        f'"{features_name}" lists {_n(n_features, "gene")} and "{barcodes_name}" '
        f"{_n(n_barcodes, 'barcode')}. The three files must come from the same Cell Ranger "
        "output folder: take all three from one folder (filtered_feature_bc_matrix, or "
        "raw_feature_bc_matrix, not one of each).")


def _gene_expression_only(features: pd.DataFrame, matrix: sparse.csr_matrix,
                          features_name: str) -> tuple:
    """Keep the "Gene Expression" features when features.tsv also lists others."""
    if 2 not in features:
        return features, matrix, []
    columns, notices = gene_expression_columns(features[2].to_numpy(), features_name)
    if columns is None:
        return features, matrix, []
    return features.iloc[columns].reset_index(drop=True), matrix[:, columns], notices
