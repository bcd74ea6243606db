"""Readers and validation for uploaded tables: counts, sample sheets, gene lengths.

Every reader takes the raw bytes of a file and its name (the name is only used in
messages; the format is recognised from the bytes). Problems the user must fix raise
:class:`~rnaclust_dash.errors.DataError` with a message that says what is wrong, where
(file, row as numbered in the file, counting the header and any ``#`` lines, gene or
sample id) and what to do. Things the reader fixed on its own are returned as notices,
each ``"<file name>: <what was done>"``.

Accepted formats: CSV, TSV or TXT (tab, comma, semicolon or whitespace separated,
sniffed), optionally gzip-compressed, and Excel ``.xlsx`` (first sheet). Gene lengths may
also come from a GTF/GFF annotation (:func:`parse_gtf_lengths`).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import datetime
import gzip
import io
import math
import os
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from importlib import resources
from types import MappingProxyType

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError, ParameterError

__all__ = [
    "EXAMPLES",
    "MAX_UPLOAD_BYTES",
    "build_dataset",
    "check_upload_size",
    "decode_upload",
    "load_example",
    "max_upload_bytes",
    "parse_counts",
    "parse_gene_lengths",
    "parse_gtf_lengths",
    "parse_metadata",
    "read_table",
]

# Decimal megabytes, as browsers and file managers mostly show them.
_MB = 1_000_000

#: Default upload limit in bytes; ``RNACLUST_MAX_UPLOAD_MB`` overrides it (see
#: :func:`max_upload_bytes`).
MAX_UPLOAD_BYTES = 100 * _MB

#: Bundled example datasets: name -> one-line description (read-only mapping).
EXAMPLES = MappingProxyType(
    {
        "pasilla": (
            "pasilla: Drosophila S2 cells, pasilla knock-down (treated) vs untreated, "
            "single-read and paired-end libraries (Brooks et al. 2011, Genome Res; "
            "Bioconductor pasilla package, LGPL)"
        ),
        "airway": (
            "airway: human airway smooth muscle cells, 4 cell lines, "
            "dexamethasone-treated vs untreated (Himes et al. 2014, PLoS ONE; "
            "GEO GSE52778; Bioconductor airway package, LGPL)"
        ),
    }
)

_ACCEPTED = (
    "Accepted formats: CSV, TSV or TXT (tab, comma, semicolon or space separated, "
    "optionally gzip-compressed .gz) and Excel .xlsx (first sheet)."
)

# A gzip file may expand this many times over the upload limit (guards against
# decompression bombs while leaving room for well-compressed count tables).
_GUNZIP_FACTOR = 20

_FEATURECOUNTS = ("geneid", "chr", "start", "end", "strand", "length")
_LENGTH_NAMES = frozenset({"length", "gene_length", "genelength", "length_bp"})

# Summary rows that HTSeq (__no_feature, ...) and STAR (N_unmapped, ...) append.
_SUMMARY_ROW = re.compile(r"^(?:__\w+|N_(?:unmapped|multimapping|noFeature|ambiguous))$")

# Gene ids of the common annotation systems, optionally with a version suffix.
_GENE_ID = re.compile(
    r"^(?:ENS[A-Z]*G\d{6,}|FBgn\d{7}|WBGene\d{8}|AT[1-5CM]G\d{5}|"
    r"Y[A-P][LR]\d{3}[WC](?:-[A-Z])?|[NX][MR]_\d+|ZDB-GENE-[\d-]+|MGI:\d+)(?:\.\d+)?$"
)
_ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*\d+)\.\d+$")

# What spreadsheet programs turn gene names such as SEPT1 or MARCH1 into.
_DATE_LIKE = re.compile(
    r"^(?:\d{1,2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|\d{4}-\d{2}-\d{2}.*)$",
    re.IGNORECASE,
)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A '#' line or a blank line after the first line (the first line is checked apart:
# anchoring on '^' in multi-line mode is 20 times slower on big files).
_SKIPPED_LINE = re.compile(r"\n(?:#|[ \t]*(?:\n|$))")
_SEPARATORS = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "vertical bar", r"\s+": "space"}
_SNIFF_LINES = 50


# --------------------------------------------------------------------------- upload


def max_upload_bytes() -> int:
    """Return the upload size limit in bytes.

    Read at call time from the environment variable ``RNACLUST_MAX_UPLOAD_MB``
    (megabytes, 1 MB = 1,000,000 bytes); :data:`MAX_UPLOAD_BYTES` when unset.

    Returns
    -------
    int
        The limit in bytes.

    Raises
    ------
    ParameterError
        If the variable is set but is not a positive number.
    """
    raw = os.environ.get("RNACLUST_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return MAX_UPLOAD_BYTES
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise ParameterError(
            f'RNACLUST_MAX_UPLOAD_MB must be a positive number of megabytes, not "{raw}".'
        )
    return int(megabytes * _MB)


def check_upload_size(n_bytes: int, *, limit: int | None = None) -> None:
    """Raise if an upload is larger than the limit.

    Parameters
    ----------
    n_bytes : int
        Size of the uploaded file in bytes.
    limit : int, optional
        Limit in bytes; by default :func:`max_upload_bytes`.

    Raises
    ------
    DataError
        If ``n_bytes`` exceeds the limit; the message points to the command line.
    """
    if limit is None:
        limit = max_upload_bytes()
    if n_bytes > limit:
        raise DataError(
            f"The file is {_megabytes(n_bytes)} MB; the upload limit is {_megabytes(limit)} MB. "
            "For larger tables use the command line: python -m rnaclust_dash run FILE "
            "--out DIR, or ask whoever runs this server to raise the limit (the "
            "RNACLUST_MAX_UPLOAD_MB setting)."
        )


def decode_upload(contents: str) -> bytes:
    """Decode the ``contents`` string of a ``dcc.Upload``.

    Parameters
    ----------
    contents : str
        A data URL, ``"data:<mime type>;base64,<payload>"``.

    Returns
    -------
    bytes
        The file's bytes.

    Raises
    ------
    DataError
        If ``contents`` is not a base64 data URL.
    """
    header, comma, payload = contents.partition(",") if isinstance(contents, str) else ("", "", "")
    if not (comma and header.startswith("data:") and header.endswith(";base64")):
        raise DataError(
            'The upload could not be read: expected a data URL "data:...;base64,...". '
            "Try uploading the file again."
        )
    try:
        return base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DataError(
            "The upload could not be read: its base64 content is damaged. "
            "Try uploading the file again."
        ) from None


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _Table:
    """A table as read, before any interpretation."""

    frame: pd.DataFrame  # columns 0..n-1; column 0 has str dtype
    header: tuple[str, ...]  # stripped header cells (may repeat)
    lines: np.ndarray  # 1-based line (text) or row (sheet) of each frame row
    notices: tuple[str, ...]


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """Read a delimited text or Excel file into a frame of raw cells.

    Parameters
    ----------
    content : bytes
        The file's bytes: text (CSV/TSV/TXT, delimiter sniffed among tab, comma,
        semicolon and whitespace; UTF-8 with or without BOM, UTF-16 with BOM or
        Windows-1252), gzip-compressed text, or an ``.xlsx`` workbook (first sheet).
        Recognised by their first bytes, not by the name. Lines starting with ``#`` and
        blank lines are skipped.
    filename : str
        Name used in messages.

    Returns
    -------
    pandas.DataFrame
        One column per header cell (labels are the stripped header cells, possibly
        repeated), one row per data line; cells are numbers or strings, NaN where
        blank. The first column is always strings. No index is set.

    Raises
    ------
    DataError
        If the file is empty, binary, or has fewer than 2 columns.
    """
    table = _read(content, filename)
    frame = table.frame.copy()
    frame.columns = list(table.header)
    return frame


def _read(content: bytes, filename: str) -> _Table:
    if not content.strip():
        raise DataError(f'"{filename}" is empty (0 bytes). Check that you chose the right '
                        "file, or export the table again.")
    if content[:2] == b"\x1f\x8b":
        content = _gunzip(content, filename)
        if not content.strip():
            raise DataError(f'"{filename}" is empty (a compressed empty file).')
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, filename)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f'"{filename}" is an old Excel .xls workbook: save it as .xlsx or CSV. {_ACCEPTED}'
        )
    text, notices = _decode(content, filename)
    return _read_text(text, filename, notices)


def _gunzip(content: bytes, filename: str) -> bytes:
    cap = _GUNZIP_FACTOR * max_upload_bytes()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
            data = stream.read(cap + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gunzip_error(filename, exc) from None
    if len(data) > cap:
        raise _too_large_error(filename, cap)
    return data


def _gunzip_error(filename: str, exc: Exception) -> DataError:
    return DataError(
        f'"{filename}" looks gzip-compressed but could not be decompressed ({exc}). {_ACCEPTED}'
    )


def _too_large_error(filename: str, cap: int) -> DataError:
    return DataError(
        f'"{filename}" expands to more than {_megabytes(cap)} MB once decompressed. '
        "For tables that large use the command line: python -m rnaclust_dash run FILE "
        "--out DIR."
    )


def _decode(content: bytes, filename: str) -> tuple[str, tuple[str, ...]]:
    notices: tuple[str, ...] = ()
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_a_table(filename, "it is not readable text") from None
    elif b"\x00" in content:
        raise _not_a_table(filename, "it contains NUL bytes, so it is binary, not text")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheet exports on Windows are often Windows-1252.
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                raise _not_a_table(filename, "it is neither UTF-8 nor Windows-1252 text") from None
            notices = (f"{filename}: not UTF-8; read as Windows-1252 (Latin-1) text",)
    if _CONTROL_CHARS.search(text, 0, 65536):
        raise _not_a_table(filename, "it contains control characters, so it is binary, not text")
    return text, notices


def _not_a_table(filename: str, reason: str) -> DataError:
    return DataError(f'"{filename}" does not look like a table: {reason}. {_ACCEPTED}')


def _read_text(text: str, filename: str, notices: tuple[str, ...]) -> _Table:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")
    line_numbers = None  # None: buffer line k is file line k
    first_line = text[: text.find("\n")] if "\n" in text[:65536] else text[:65536]
    if first_line.startswith("#") or not first_line.strip() or _SKIPPED_LINE.search(text):
        # Rare path: drop '#' and blank lines but remember the file line numbers.
        kept = [
            (number, line)
            for number, line in enumerate(text.split("\n"), start=1)
            if line.strip() and not line.startswith("#")
        ]
        if not kept:
            raise DataError(f'"{filename}" is empty: it has only blank or # comment lines.')
        line_numbers = np.array([number for number, _ in kept], dtype=np.int64)
        text = "\n".join(line for _, line in kept)

    with io.StringIO(text) as stream:
        head = [line.rstrip("\n") for _, line in zip(range(_SNIFF_LINES), stream, strict=False)]
    sep, n_fields = _sniff(head)
    if sep is None:
        raise _not_a_table(
            filename,
            "found only one column (no tab, comma, semicolon, vertical bar or space between "
            "values)",
        )
    header = [cell.strip() for cell in _split(head[0], sep)]
    n_fields = max(len(header), n_fields)
    if len(header) < n_fields:
        # R's write.table leaves out the header cell of the row names.
        header = [""] * (n_fields - len(header)) + header

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            skiprows=1,
            names=range(n_fields),
            dtype={0: "str"},
            engine="c",
            decimal=_decimal(head[1:], sep),
            skipinitialspace=sep in (",", ";"),
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, filename, sep, line_numbers) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(
            {k: pd.Series([], dtype="str" if k == 0 else float) for k in range(n_fields)}
        )

    if line_numbers is None:
        lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    else:
        lines = line_numbers[1 : len(frame) + 1]
    return _finish(frame, header, lines, notices, filename)


def _sniff(lines: list[str]) -> tuple[str | None, int]:
    """Return the delimiter most rows agree on (tab, then ;, then ,, then |, then spaces).

    Also returns the number of cells most data rows have (0 if no delimiter fits).
    """
    header, data = lines[0], lines[1:] or lines[:1]
    for sep in ("\t", ";", ",", "|", r"\s+"):
        counts = [len(_split(line, sep)) for line in data]
        n, agreeing = Counter(counts).most_common(1)[0]
        # Lenient on agreement so that a ragged row gets its own message later.
        if n >= 2 and agreeing >= 0.5 * len(counts) and len(_split(header, sep)) >= n - 1:
            return sep, n
    return None, 0


def _split(line: str, sep: str) -> list[str]:
    if sep == r"\s+":
        return line.split()
    return next(csv.reader([line], delimiter=sep), [])


def _decimal(lines: list[str], sep: str) -> str:
    """Semicolon files from European spreadsheets may use a decimal comma."""
    if sep != ";":
        return "."
    cells = [cell.strip() for line in lines for cell in _split(line, sep)]
    comma = any(re.fullmatch(r"-?\d+,\d+", cell) for cell in cells)
    point = any(re.fullmatch(r"-?\d*\.\d+", cell) for cell in cells)
    return "," if comma and not point else "."


def _parser_error(
    exc: Exception, filename: str, sep: str, line_numbers: np.ndarray | None
) -> DataError:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if not found:
        return DataError(f'"{filename}" could not be read as a table: {exc}. {_ACCEPTED}')
    expected, line, saw = (int(g) for g in found.groups())
    if line_numbers is not None:
        line = int(line_numbers[line - 1])
    return DataError(
        f'"{filename}", line {line}: {saw} cells where the header row has {expected}. '
        f"Every row needs the same number of cells: look for a stray {_SEPARATORS[sep]} "
        "or a missing header cell."
    )


def _read_xlsx(content: bytes, filename: str) -> _Table:
    import openpyxl  # only needed for workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(
            f'"{filename}" is a zip archive but not an Excel .xlsx workbook ({exc}): '
            f"unzip it and upload the table inside. {_ACCEPTED}"
        ) from None
    try:
        # Sheet row numbers are kept so messages match what the user sees.
        rows = [
            (number, row)
            for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
            if any(_cell_str(value) for value in row)
        ]
    finally:
        book.close()
    if not rows:
        raise DataError(f'"{filename}" is empty: its first sheet has no cells.')
    header = [_cell_str(value) for value in rows[0][1]]
    records = [row for _, row in rows[1:]]
    n_fields = max([len(header)] + [len(row) for row in records])
    header += [""] * (n_fields - len(header))
    raw = pd.DataFrame.from_records(records, columns=range(n_fields)) if records else None
    frame = pd.DataFrame(
        {
            k: _sheet_column(raw[k] if raw is not None else pd.Series([], dtype=object), k)
            for k in range(n_fields)
        }
    )
    lines = np.array([number for number, _ in rows[1:]], dtype=np.int64)
    return _finish(frame, header, lines, (), filename)


def _sheet_column(column: pd.Series, position: int) -> pd.Series:
    """Workbook cells: numbers where the whole column is numeric, else raw objects."""
    if position == 0:
        return pd.Series([_cell_str(v) or np.nan for v in column], dtype="str")
    column = column.map(
        lambda v: np.nan if v is None or (isinstance(v, str) and not v.strip()) else v
    )
    if not any(isinstance(v, (bool, datetime.date, datetime.time)) for v in column):
        numbers = pd.to_numeric(column, errors="coerce")
        if (numbers.notna() | column.isna()).all():
            return numbers
    return column


def _finish(
    frame: pd.DataFrame,
    header: list[str],
    lines: np.ndarray,
    notices: tuple[str, ...],
    filename: str,
) -> _Table:
    """Drop empty rows and unnamed empty columns (spreadsheet leftovers); check width."""
    filled = frame.notna()
    rows = filled.any(axis=1).to_numpy()
    if not rows.all():
        frame, lines = frame.loc[rows], lines[rows]
    columns = [k for k in range(frame.shape[1]) if header[k] or k == 0 or filled.iloc[:, k].any()]
    if len(columns) < frame.shape[1]:
        frame = frame[columns]
        header = [header[k] for k in columns]
    frame = frame.reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    if frame.shape[1] < 2:
        raise _not_a_table(filename, "it has only one column")
    return _Table(frame, tuple(header), np.asarray(lines, dtype=np.int64), tuple(notices))


# --------------------------------------------------------------------------- cells


def _cell_str(value: object) -> str:
    """A cell as the stripped text a person would read ('' when blank)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _strings(column: pd.Series) -> np.ndarray:
    """Stripped strings of a column ('' where blank), as an object array."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.fillna("").str.strip().to_numpy(dtype=object)
    return np.array([_cell_str(v) for v in column.to_numpy(dtype=object)], dtype=object)


def _quote_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(f'"{item}"' for item in items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _megabytes(n_bytes: int) -> str:
    """'1', '1.04', '0.01': enough decimals that a file just over the limit shows it."""
    return f"{n_bytes / _MB:.2f}".rstrip("0").rstrip(".")


def _gene_like_share(ids: list[str] | np.ndarray) -> float:
    """Share of (up to 200 evenly spaced) ids that look like gene ids."""
    if len(ids) == 0:
        return 0.0
    picked = [ids[k] for k in np.linspace(0, len(ids) - 1, min(len(ids), 200)).astype(int)]
    return sum(bool(_GENE_ID.match(str(i))) for i in picked) / len(picked)


def _n(count: int, word: str) -> str:
    """'1 gene', '2 genes', '1,234 genes'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _and_join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- counts


def parse_counts(content: bytes, filename: str) -> Dataset:
    """Read and validate a table of expression values (genes x samples).

    Parameters
    ----------
    content : bytes
        The file's bytes (any format :func:`read_table` accepts). The first column holds
        gene ids, the header row sample ids. A featureCounts table (Geneid, Chr, Start,
        End, Strand, Length, then samples) and a table with a ``Length`` column next to
        the ids are recognised; other text-only columns next to the ids are skipped.
        A table with samples as rows and genes as columns is transposed.
        Rows with the same gene id are merged into one (at the place of the first):
        summed for counts, averaged for normalized or log values; a ``Length`` column
        is merged the same way. Gene ids are kept as written (Ensembl version
        suffixes are not removed).
    filename : str
        Name of the file, used in messages and as the dataset's name.

    Returns
    -------
    Dataset
        ``counts`` genes x samples float64 (genes that are 0 everywhere removed),
        ``value_kind`` detected from the values, ``gene_lengths`` from a ``Length``
        column (else None), ``metadata`` None, ``name`` = ``filename``, and
        ``notices`` for everything the reader did on its own.

    Raises
    ------
    DataError
        If ids are missing, sample ids are duplicated, cells are not numbers or
        blank, counts are negative, a sample is 0 everywhere, or fewer than 2 samples /
        no genes remain. The message names the rows (as numbered in the file), ids and
        columns.
    """
    table = _read(content, filename)
    frame, header, lines = table.frame, list(table.header), table.lines
    notices = list(table.notices)
    row_ids = _strings(frame[0])

    value_pos, lengths_pos, header, layout_notices = _annotation_columns(frame, header)
    notices += [f"{filename}: {text}" for text in layout_notices]
    value_names = [header[k] for k in value_pos]

    transposed = _looks_transposed(row_ids, value_names)
    if transposed:
        lengths_pos = None
        notices.append(
            f"{filename}: samples are in rows and genes in columns "
            f"({len(row_ids):,} rows x {len(value_names):,} columns): transposed to genes x samples"
        )
    else:
        summary = np.array([bool(_SUMMARY_ROW.match(i)) for i in row_ids], dtype=bool)
        if summary.any():
            # HTSeq/STAR tallies of unassigned reads, not genes.
            notices.append(
                f"{filename}: removed {int(summary.sum())} read-summary rows "
                f"({_quote_list(list(row_ids[summary]), 3)}) that are not genes"
            )
            frame, lines, row_ids = frame.loc[~summary], lines[~summary], row_ids[~summary]

    # Where genes and samples are, as the user sees them: file lines or column numbers.
    columns = np.asarray(value_pos, dtype=np.int64) + 1
    if transposed:
        gene_ids, sample_ids = value_names, row_ids
        gene_places, sample_places = ("column", columns), ("row", lines)
    else:
        gene_ids, sample_ids = row_ids, value_names
        gene_places, sample_places = ("row", lines), ("column", columns)
    row_kind = "sample" if transposed else "gene"

    if len(gene_ids) == 0:
        raise DataError(f'"{filename}" has a header row but no data rows, so no genes. Is it '
                        "a count table (genes as rows, samples as columns)?")
    if len(sample_ids) < 2:
        listed = f" ({_quote_list(list(sample_ids))})" if len(sample_ids) else ""
        raise DataError(
            f'"{filename}" has {_n(len(sample_ids), "sample")}{listed}; clustering needs '
            "at least 2. The first column must hold gene ids and each further column one "
            "sample."
        )
    _check_ids(gene_ids, gene_places, "gene", filename, unique=False)
    _check_ids(sample_ids, sample_places, "sample", filename)

    def cell_at(i: int, j: int) -> str:
        return f'row {lines[i]} ({row_kind} {row_ids[i]}), column "{value_names[j]}"'

    matrix, all_int = _numeric_block(frame, value_pos, cell_at, filename)
    if not all_int:
        all_int = bool(np.array_equal(matrix, np.round(matrix)))
    negative = matrix < 0
    has_negative = bool(negative.any())
    if all_int and has_negative:
        where = np.argwhere(negative)
        examples = "; ".join(f"{cell_at(i, j)}: {_cell_str(matrix[i, j])}" for i, j in where[:3])
        raise DataError(
            f'{_n(len(where), "cell")} of "{filename}" {_are(len(where))} negative, '
            f"e.g. {examples}. "
            "The table holds whole numbers, i.e. read counts, which cannot be negative: "
            "fix these cells. (Log-scale values are accepted when they are not all whole numbers.)"
        )

    if transposed:
        matrix = matrix.T
    value_kind, kind_notice = _value_kind(matrix, all_int=all_int, has_negative=has_negative)
    if kind_notice:
        notices.append(f"{filename}: {kind_notice}")

    lengths = None
    if lengths_pos is not None:
        lengths = pd.to_numeric(frame[lengths_pos], errors="coerce").to_numpy(np.float64, copy=True)
        lengths[~(lengths > 0)] = np.nan

    if pd.Index(gene_ids).has_duplicates:
        summed = value_kind == "counts"  # normalized or log values are averaged
        notices.append(f"{filename}: {_duplicates_notice(gene_ids, gene_places, summed=summed)}")
        gene_ids, matrix, lengths = _merge_duplicates(gene_ids, matrix, lengths, summed=summed)

    nonzero = matrix != 0
    genes_kept = nonzero.any(axis=1)
    if not genes_kept.any():
        raise DataError(f'Every value in "{filename}" is 0: there is nothing to cluster.')
    empty_samples = ~nonzero.any(axis=0)
    if empty_samples.any():
        names = [str(s) for s in np.asarray(sample_ids, dtype=object)[empty_samples]]
        raise DataError(
            f'{_n(len(names), "sample")} of "{filename}" {_are(len(names))} 0 in every gene: '
            f"{_quote_list(names, 10)}. Remove {'it' if len(names) == 1 else 'them'} (an "
            "empty sample cannot be "
            "normalized or clustered)."
        )

    gene_lengths = None
    if lengths is not None:
        gene_lengths = pd.Series(
            lengths, index=pd.Index(list(gene_ids), name="gene_id"), name="length"
        )
        missing = int(np.isnan(lengths).sum())
        if missing:
            notices.append(
                f"{filename}: {_n(missing, 'gene')} {'has' if missing == 1 else 'have'} no valid "
                "length in the Length column"
            )

    n_removed = int((~genes_kept).sum())
    if n_removed:
        notices.append(
            f"{filename}: removed {_n(n_removed, 'gene')} that {_are(n_removed)} 0 in every sample "
            f"({int(genes_kept.sum()):,} genes left)"
        )
        matrix = matrix[genes_kept]
        gene_ids = list(np.asarray(gene_ids, dtype=object)[genes_kept])
        if gene_lengths is not None:
            gene_lengths = gene_lengths[genes_kept]

    dates = [g for g in gene_ids if _DATE_LIKE.match(g)]
    if dates:
        notices.append(
            f"{filename}: {_n(len(dates), 'gene id')} {'looks' if len(dates) == 1 else 'look'} "
            f"like dates ({_quote_list(dates, 3)}): "
            "spreadsheet programs turn gene names such as SEPT1 or MARCH1 into dates; "
            "fix them at the source"
        )

    counts = pd.DataFrame(
        matrix,
        index=pd.Index([str(g) for g in gene_ids], name="gene_id"),
        columns=pd.Index([str(s) for s in sample_ids], name="sample_id"),
        dtype=np.float64,
    )
    return Dataset(
        counts=counts,
        value_kind=value_kind,
        metadata=None,
        gene_lengths=gene_lengths,
        name=filename,
        notices=tuple(notices),
    )


def _annotation_columns(
    frame: pd.DataFrame, header: list[str]
) -> tuple[list[int], int | None, list[str], list[str]]:
    """Split columns into value columns, a gene-length column and skipped annotations.

    Returns the value column positions, the length column position (or None), the
    header (sample names cleaned for featureCounts) and notices.
    """
    header = list(header)
    lower = [h.lower() for h in header]
    value_pos = list(range(1, frame.shape[1]))
    if tuple(lower[:6]) == _FEATURECOUNTS:
        notices = [
            "featureCounts layout: skipped the annotation columns Chr, Start, End, "
            "Strand; the Length column gives the gene lengths"
        ]
        bams = [header[k] for k in value_pos[5:]]
        names = [
            re.sub(r"\.bam$", "", b.replace("\\", "/").rsplit("/", 1)[-1], flags=re.I) for b in bams
        ]
        if (
            names != bams
            and all(b.lower().endswith(".bam") for b in bams)
            and len(set(names)) == len(names)
        ):
            # featureCounts names samples by their BAM paths.
            for k, name in zip(value_pos[5:], names, strict=True):
                header[k] = name
            notices.append(
                "sample ids are the BAM file names without folder and .bam, "
                f"e.g. {bams[0]} -> {names[0]}"
            )
        return value_pos[5:], 5, header, notices
    lengths_pos = None
    skipped = []
    notices = []
    while len(value_pos) > 2:  # never skip so much that fewer than 2 samples are left
        k = value_pos[0]
        column = frame[k]
        if lengths_pos is None and lower[k] in _LENGTH_NAMES and _is_numeric(column):
            lengths_pos = k
            notices.append(f'the column "{header[k]}" gives the gene lengths (not a sample)')
        elif (
            not is_numeric_dtype(column)
            and column.notna().any()
            and (pd.to_numeric(column, errors="coerce").isna().all())
        ):
            skipped.append(header[k] or f"column {k + 1}")
        else:
            break
        value_pos.pop(0)
    if skipped:
        notices.append(
            f"skipped {len(skipped)} text column(s) next to the ids ({_quote_list(skipped)}): "
            "they hold no numbers"
        )
    return value_pos, lengths_pos, header, notices


def _is_numeric(column: pd.Series) -> bool:
    return is_numeric_dtype(column) and not is_bool_dtype(column)


def _looks_transposed(row_ids: np.ndarray, column_names: list[str]) -> bool:
    """True for samples x genes tables (genes are the many, id-like header cells)."""
    n_rows, n_columns = len(row_ids), len(column_names)
    if n_columns <= n_rows or _gene_like_share(row_ids) >= 0.5:
        return False
    # Shape alone only decides for genome-scale widths: small normal tables (a gene
    # panel over many samples) are wider than tall too.
    return _gene_like_share(column_names) >= 0.8 or (n_rows < 1000 and n_columns >= 1000)


def _check_ids(
    ids: list[str] | np.ndarray,
    places: tuple[str, np.ndarray],
    kind: str,
    filename: str,
    *,
    unique: bool = True,
) -> None:
    """Raise on blank ids and, if ``unique``, on duplicated ids, naming their rows or columns.

    ``places`` is ``("row", file line of each id)`` or ``("column", column number)``.
    """
    ids = np.asarray(ids, dtype=object)
    unit, numbers = places
    blank = np.flatnonzero(ids == "")
    if blank.size:
        where = f"{unit.capitalize()}{'s' if blank.size > 1 else ''} " + _and_join(
            [str(numbers[k]) for k in blank[:3]]
        )
        verb = "has" if blank.size == 1 else "have"
        if unit == "column":
            raise DataError(
                f'{where} of "{filename}" {verb} no {kind} id in the header row: '
                f"give every {kind} a name."
            )
        raise DataError(
            f'{where} of "{filename}" {verb} no {kind} id in the first column: every row '
            "needs an id (or delete the row)."
        )
    if unique and pd.Index(ids).has_duplicates:
        spots = _duplicate_places(ids, numbers)
        listed = ", ".join(
            f'"{name}" ({unit}s {", ".join(at)})' for name, at in list(spots.items())[:5]
        )
        more = f" and {len(spots) - 5} more" if len(spots) > 5 else ""
        verb = "appears" if len(spots) == 1 else "appear"
        raise DataError(
            f'{_n(len(spots), kind + " id")} {verb} more than once in "{filename}": '
            f"{listed}{more}. {kind.capitalize()} ids must be unique: rename or remove the "
            f"duplicated {kind}s."
        )


def _duplicate_places(ids: list[str] | np.ndarray, numbers: np.ndarray) -> dict[str, list[str]]:
    """Each id that occurs more than once -> its row or column numbers, in file order."""
    ids = np.asarray(ids, dtype=object)
    spots: dict[str, list[str]] = defaultdict(list)
    for k in np.flatnonzero(pd.Index(ids).duplicated(keep=False)):
        spots[ids[k]].append(str(numbers[k]))
    return spots


def _duplicates_notice(
    gene_ids: list[str] | np.ndarray, places: tuple[str, np.ndarray], *, summed: bool
) -> str:
    """What merging the rows (or columns) of repeated gene ids did, with up to 3 examples."""
    unit, numbers = places
    spots = _duplicate_places(gene_ids, numbers)
    shown = "; ".join(
        f'"{gene}" {unit}s {_and_join(at)}' for gene, at in list(spots.items())[:3]
    )
    if len(spots) > 3:
        shown = "e.g. " + shown
    one = len(spots) == 1
    how = "summed" if summed else "averaged, since the values are not raw counts"
    return (
        f"{_n(len(spots), 'gene id')} {'appears' if one else 'appear'} more than once "
        f"({shown}): {'its' if one else 'their'} {unit}s were {how}"
    )


def _merge_duplicates(
    gene_ids: list[str] | np.ndarray,
    matrix: np.ndarray,
    lengths: np.ndarray | None,
    *,
    summed: bool,
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """One row per gene id (in order of first appearance): the sum or mean of its rows.

    ``matrix`` is genes x samples; ``lengths`` (one per row, or None) are merged the same
    way, NaN when any merged row has no length.
    """
    codes, unique_ids = pd.factorize(pd.Index(gene_ids))
    groups = pd.DataFrame(matrix).groupby(codes, sort=False)
    merged = (groups.sum() if summed else groups.mean()).to_numpy(dtype=np.float64)
    if lengths is not None:
        totals = np.bincount(codes, weights=lengths)  # NaN stays NaN
        lengths = totals if summed else totals / np.bincount(codes)
    return list(unique_ids), merged, lengths


def _numeric_block(
    frame: pd.DataFrame, positions: list[int], cell_at, filename: str
) -> tuple[np.ndarray, bool]:
    """The value cells as float64 (file orientation); raise on non-numbers and blanks.

    Returns the matrix and whether every column was read as integers.
    """
    matrix = np.empty((len(frame), len(positions)), dtype=np.float64)
    not_numbers = None
    all_int = True
    for j, k in enumerate(positions):
        column = frame[k]
        if _is_numeric(column):
            matrix[:, j] = column.to_numpy(dtype=np.float64, na_value=np.nan)
            all_int = all_int and is_integer_dtype(column)
            continue
        all_int = False
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        matrix[:, j] = values
        unread = np.isnan(values) & _filled(column)
        if unread.any():
            if not_numbers is None:
                not_numbers = np.zeros(matrix.shape, dtype=bool)
            not_numbers[:, j] = unread
    infinite = np.isinf(matrix)
    if infinite.any():
        not_numbers = infinite if not_numbers is None else not_numbers | infinite

    if not_numbers is not None:
        where = np.argwhere(not_numbers)
        examples = "; ".join(
            f'{cell_at(i, j)}: "{_cell_str(frame.iat[i, positions[j]])}"' for i, j in where[:3]
        )
        raise DataError(
            f'{_n(len(where), "cell")} of "{filename}" '
            f"{'is not a number' if len(where) == 1 else 'are not numbers'}, e.g. {examples}. "
            "Every cell after the id column must be a number: fix these cells or remove "
            "their rows."
        )
    blank = np.isnan(matrix)
    if blank.any():
        where = np.argwhere(blank)
        examples = "; ".join(cell_at(i, j) for i, j in where[:3])
        raise DataError(
            f'{_n(len(where), "cell")} of "{filename}" {_are(len(where))} empty (blank or NA), '
            f"e.g. {examples}. "
            "Fill them in (0 if the gene has no reads in that sample) or remove their rows."
        )
    return matrix, all_int


def _filled(column: pd.Series) -> np.ndarray:
    """Cells holding something other than blanks."""
    filled = column.notna().to_numpy()
    if filled.any():
        text = column.astype("str").str.strip()
        filled = filled & (text != "").to_numpy()
    return filled


def _value_kind(matrix: np.ndarray, *, all_int: bool, has_negative: bool) -> tuple[str, str]:
    """Detect counts / normalized / log values; return the kind and a notice ('' if none)."""
    off = "count-based normalizations and log transforms are off"
    if all_int:
        return "counts", ""
    if has_negative:
        return (
            "log",
            "values are not integers and some are negative: treated as log-scale or "
            f"centred values; {off}",
        )
    if matrix.max() <= 50:
        return (
            "log",
            "values are not integers and none is above 50: treated as already on a log "
            f"scale; {off}",
        )
    return "normalized", (
        "values are not integers: treated as already normalized (TPM/FPKM-like); "
        "count-based normalizations are off (estimated counts, e.g. from Salmon or "
        "kallisto, must be rounded to whole numbers to be used as counts)"
    )


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class _Match:
    """How sample-sheet rows map to count samples."""

    mapping: dict[int, int]  # sheet row position -> sample position
    tolerant: tuple[int, ...]  # sheet rows matched ignoring case and -._ differences
    prefix: tuple[int, ...]  # sheet rows matched by a unique prefix
    collisions: dict[int, list[int]]  # sample position -> the several sheet rows matching it


def parse_metadata(
    content: bytes, filename: str, sample_ids
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read a sample sheet and align it to the samples of the counts table.

    Rows are matched to ``sample_ids`` by the sheet's first column: exactly; then
    ignoring case, whitespace and ``-``, ``.``, ``_``; then, for ids still unmatched, by a
    unique prefix in either direction (``treated1fb`` -> ``treated1``). If the first
    column matches no sample, the column matching the most samples is used instead.

    Parameters
    ----------
    content : bytes
        The file's bytes (any format :func:`read_table` accepts).
    filename : str
        Name used in messages.
    sample_ids : sequence of str
        Sample ids of the counts table (``Dataset.counts.columns``).

    Returns
    -------
    metadata : pandas.DataFrame
        Indexed by ``sample_ids`` (same order); one column per sheet column except
        the ids. Entirely numeric columns are numeric, the others strings. NaN for
        samples without a row.
    notices : tuple of str
        Tolerant matches, ignored sheet rows, samples without a row.

    Raises
    ------
    DataError
        If no id matches any sample, or two sheet rows match the same sample.
    """
    table = _read(content, filename)
    samples = [str(s) for s in sample_ids]
    frame, header, lines = table.frame, list(table.header), table.lines
    notices = list(table.notices)

    id_pos = 0
    ids = _strings(frame[0])
    match = _match_samples(ids, samples)
    if not match.mapping:
        # Some sheets start with a running number: look for the column with the names.
        for k in range(1, frame.shape[1]):
            other = _match_samples(_strings(frame[k]), samples)
            if len(other.mapping) > len(match.mapping):
                id_pos, ids, match = k, _strings(frame[k]), other
        if not match.mapping:
            sheet = [i for i in _strings(frame[0]) if i]
            raise DataError(
                f'None of the sample ids in the first column of "{filename}" match the '
                f"samples of the counts table (sample sheet: {_quote_list(sheet, 3)}; "
                f"counts: {_quote_list(samples, 3)}). The first column of the sample sheet "
                "must hold the sample names used in the header row of the counts table."
            )
        notices.append(
            f'{filename}: the first column matches no sample; used column "{header[id_pos]}" '
            "as sample ids"
        )
    if match.collisions:
        k, rows = next(iter(match.collisions.items()))
        raise DataError(
            f'Rows {_and_join([str(lines[i]) for i in rows])} of "{filename}" '
            f'({_quote_list([ids[i] for i in rows])}) all match sample "{samples[k]}" of '
            "the counts table: keep one row per sample."
        )

    for rows, how in (
        (match.tolerant, "ignoring case and -/._/space differences"),
        (match.prefix, "by a unique prefix"),
    ):
        if rows:
            example = f"{ids[rows[0]]} -> {samples[match.mapping[rows[0]]]}"
            notices.append(
                f"{filename}: matched {_n(len(rows), 'sample id')} {how}, e.g. {example}"
            )
    unmatched = [ids[i] for i in range(len(ids)) if ids[i] and i not in match.mapping]
    if unmatched:
        notices.append(
            f"{filename}: {_n(len(unmatched), 'sample-sheet id')} "
            f"{'matches' if len(unmatched) == 1 else 'match'} no sample of the counts table "
            f"(ignored): {_quote_list(unmatched)}"
        )
    found = set(match.mapping.values())
    without = [s for k, s in enumerate(samples) if k not in found]
    if without:
        notices.append(
            f"{filename}: {_n(len(without), 'sample')} {'has' if len(without) == 1 else 'have'} "
            f"no row in the sample sheet (annotations left empty): {_quote_list(without)}"
        )

    rows = sorted(match.mapping)
    columns = {}
    for k in range(frame.shape[1]):
        if k == id_pos:
            continue
        base = name = header[k] or f"column {k + 1}"
        copy = 2
        while name in columns:  # keep repeated header cells apart
            name, copy = f"{base} ({copy})", copy + 1
        columns[name] = _annotation_values(frame[k].iloc[rows])
    sheet = pd.DataFrame(columns)
    sheet.index = pd.Index([samples[match.mapping[i]] for i in rows])
    metadata = sheet.reindex(pd.Index(samples, name="sample_id"))
    return metadata, tuple(notices)


def _norm_id(sample_id: str) -> str:
    return re.sub(r"[\s._-]+", "", sample_id).lower()


def _match_samples(sheet_ids: np.ndarray, samples: list[str]) -> _Match:
    claimed: dict[int, list[int]] = defaultdict(list)  # sample -> sheet rows
    exact = {s: k for k, s in enumerate(samples)}
    by_key: dict[str, list[int]] = defaultdict(list)
    for k, s in enumerate(samples):
        by_key[_norm_id(s)].append(k)

    tolerant = []
    for i, sid in enumerate(sheet_ids):
        if not sid:
            continue
        if sid in exact:
            claimed[exact[sid]].append(i)
            continue
        key = _norm_id(sid)
        if key and len(by_key.get(key, ())) == 1:
            claimed[by_key[key][0]].append(i)
            tolerant.append(i)
    collisions = {k: rows for k, rows in claimed.items() if len(rows) > 1}
    mapping = {rows[0]: k for k, rows in claimed.items() if len(rows) == 1}

    # Unique prefixes, repeated because each match can make another one unique.
    used = {i for rows in claimed.values() for i in rows}
    free_rows = {i: _norm_id(s) for i, s in enumerate(sheet_ids) if s and i not in used}
    free_rows = {i: key for i, key in free_rows.items() if key}
    free_samples = {k: _norm_id(s) for k, s in enumerate(samples) if k not in claimed}
    free_samples = {k: key for k, key in free_samples.items() if key}
    prefix = []
    while free_rows and free_samples:
        candidates = {
            i: [k for k, b in free_samples.items() if a.startswith(b) or b.startswith(a)]
            for i, a in free_rows.items()
        }
        chosen = defaultdict(list)
        for i, ks in candidates.items():
            for k in ks:
                chosen[k].append(i)
        pairs = [
            (i, ks[0]) for i, ks in candidates.items() if len(ks) == 1 and len(chosen[ks[0]]) == 1
        ]
        if not pairs:
            break
        for i, k in pairs:
            mapping[i] = k
            prefix.append(i)
            del free_rows[i], free_samples[k]
    return _Match(mapping, tuple(tolerant), tuple(sorted(prefix)), collisions)


def _annotation_values(column: pd.Series) -> pd.Series:
    """Numbers when every filled cell is a number, else stripped strings (NaN if blank)."""
    values = column.reset_index(drop=True)
    if _is_numeric(values):
        return values
    text = _strings(values)
    filled = text != ""
    if not any(isinstance(v, (bool, datetime.date)) for v in values):
        numbers = pd.to_numeric(pd.Series(text[filled], dtype=object), errors="coerce")
        if filled.any() and numbers.notna().all():
            return pd.to_numeric(pd.Series(np.where(filled, text, None)), errors="coerce")
    return pd.Series(np.where(filled, text, None), dtype="str")


# --------------------------------------------------------------------------- lengths


def parse_gene_lengths(
    content: bytes, filename: str, gene_ids
) -> tuple[pd.Series, tuple[str, ...]]:
    """Read gene lengths (a table or a GTF) and align them to the genes of the counts.

    Parameters
    ----------
    content : bytes
        Either a table of two columns, gene id and length in bp (if there are more, a
        column whose name contains "length" is used, else the second), in any format
        :func:`read_table` accepts; or a GTF/GFF annotation, plain or gzip-compressed,
        recognised by its 9 tab-separated columns, whose lengths are computed with
        :func:`parse_gtf_lengths`.
    filename : str
        Name used in messages.
    gene_ids : sequence of str
        Gene ids of the counts table (``Dataset.counts.index``). Ensembl version
        suffixes (``ENSG00000000003.14``) are ignored on both sides when the exact id
        is not found; a version-less id that stands for several lengths is not used.

    Returns
    -------
    lengths : pandas.Series
        float64 lengths in bp indexed by ``gene_ids`` (same order), NaN where unknown.
    notices : tuple of str
        Lengths computed from a GTF; version-suffix matches; how many genes lack a
        length.

    Raises
    ------
    DataError
        If a length is not a positive number, an id is listed twice, no id matches, or
        a GTF cannot be used (see :func:`parse_gtf_lengths`).
    """
    genes = [str(g) for g in gene_ids]
    if _looks_like_gtf(content):
        annotation, what = _exon_union_lengths(content, filename)
        ids = annotation.index.to_numpy(dtype=object)
        values = annotation.to_numpy(dtype=np.float64)
        notices = [f"{filename}: lengths computed as the union of {what} per gene from the GTF"]
        fix = (
            "The counts table must use the gene_id values of the GTF (not gene names): "
            "use the GTF the counts were made with."
        )
    else:
        ids, values, read_notices = _length_table(content, filename)
        notices = list(read_notices)
        fix = "The first column must hold the gene ids used in the counts table."

    lengths = pd.Series(values, index=pd.Index(ids)).reindex(genes).to_numpy(
        dtype=np.float64, copy=True
    )
    missing = np.isnan(lengths)
    if missing.any():
        # Ensembl version suffixes: only ids that stand for a single length are used.
        keys = np.array([_unversioned(g) for g in ids], dtype=object)
        by_key = pd.Series(values).groupby(keys).agg(["min", "max"])
        unversioned = by_key["min"][by_key["min"] == by_key["max"]]
        wanted = np.asarray(genes, dtype=object)[missing]
        keys = [_unversioned(g) for g in wanted]
        filled = unversioned.reindex(keys).to_numpy(dtype=np.float64)
        found = np.flatnonzero(np.isfinite(filled))
        if found.size:
            first = found[0]
            notices.append(
                f"{filename}: matched {_n(found.size, 'gene id')} ignoring Ensembl version "
                f"suffixes, e.g. {wanted[first]} -> {keys[first]}"
            )
        lengths[missing] = filled
    n_missing = int(np.isnan(lengths).sum())
    if n_missing == len(genes):
        raise DataError(
            f'None of the gene ids in "{filename}" match the genes of the counts table '
            f"(lengths file: {_quote_list(list(ids), 3)}; counts: {_quote_list(genes, 3)}). "
            f"{fix}"
        )
    if n_missing:
        verb = "has" if n_missing == 1 else "have"
        notices.append(
            f"{filename}: {n_missing:,} of {_n(len(genes), 'gene')} {verb} no length (NaN)"
        )
    series = pd.Series(lengths, index=pd.Index(genes, name="gene_id"), name="length")
    return series, tuple(notices)


def _unversioned(gene_id: str) -> str:
    """``ENSG00000000003.14`` -> ``ENSG00000000003``; other ids unchanged."""
    return _ENSEMBL_VERSION.sub(r"\1", gene_id)


def _length_table(content: bytes, filename: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Gene ids, lengths and reader notices of a table of gene lengths."""
    table = _read(content, filename)
    frame, header, lines = table.frame, list(table.header), table.lines

    named = [k for k in range(1, len(header)) if "length" in header[k].lower()]
    length_pos = named[0] if named else 1
    ids = _strings(frame[0])
    keep = ids != ""
    raw = frame[length_pos]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = keep & ~(np.isfinite(values) & (values > 0))
    if bad.any():
        where = np.flatnonzero(bad)
        examples = "; ".join(
            f'row {lines[i]} (gene {ids[i]}): "{_cell_str(raw.iat[i])}"' for i in where[:3]
        )
        raise DataError(
            f'{_n(len(where), "gene length")} in "{filename}" {_are(len(where))} not positive '
            "numbers, e.g. "
            f"{examples}. Lengths must be numbers of base pairs greater than 0: fix or "
            "remove these rows."
        )
    ids, values, row_lines = ids[keep], values[keep], lines[keep]
    if pd.Index(ids).has_duplicates:
        places = _duplicate_places(ids, row_lines)
        listed = ", ".join(f'"{g}" (rows {", ".join(r)})' for g, r in list(places.items())[:5])
        raise DataError(
            f"{_n(len(places), 'gene id')} {_are(len(places))} listed more than once in "
            f'"{filename}": {listed}. '
            "Keep one length per gene."
        )
    return ids, values, table.notices


# --------------------------------------------------------------------------- GTF

# Exon-like features, in order of preference: GTF/GFF exons, then the exonic parts of
# a DEXSeq flattened annotation (their union per gene is the same).
_EXON_FEATURES = {"exon": "exons", "exonic_part": "exonic parts"}
# The value of a gene_id attribute: GTF ``gene_id "X";`` or GFF3 ``gene_id=X;``. The
# key must start an attribute, so StringTie's ``ref_gene_id`` is not taken for it.
_GENE_ID_ATTRIBUTE = r'(?:^|;)\s*gene_id(?:\s+|\s*=\s*)"?([^";]*)'
_PARENT_ATTRIBUTE = r"(?:^|;)\s*Parent=([^;,]*)"
_ID_ATTRIBUTE = r"(?:^|;)\s*ID=([^;]*)"
_GTF_LINE = re.compile(r"^[^\t]*\t[^\t]*\t[^\t]*\t\d+\t\d+\t[^\t]*\t[-+.?]\t[^\t]*\t(.*)$")
_GTF_BLOCK_BYTES = 32 * 2**20
_GTF_SNIFF_BYTES = 65536


def parse_gtf_lengths(content: bytes, filename: str) -> pd.Series:
    """Compute gene lengths from a GTF (or GFF3) annotation, as featureCounts does.

    The length of a gene is the number of bases covered by at least one of its exons:
    the size of the union of its exon intervals, overlapping and adjacent exons merged,
    like featureCounts' ``Length`` column or GenomicFeatures'
    ``sum(width(reduce(exonsBy(txdb, "gene"))))``. Coordinates are 1-based and
    inclusive (an exon from 11 to 20 has 10 bp). Exons on different chromosomes are
    never merged; the strand is not looked at.

    Parameters
    ----------
    content : bytes
        The annotation, plain or gzip-compressed (``.gtf``, ``.gtf.gz``, ``.gff3``):
        9 tab-separated columns; ``#`` lines and blank lines are skipped. Lines whose
        3rd column is ``exon`` are used (or, if there are none, ``exonic_part``, as in
        DEXSeq's flattened GFF). The gene is the ``gene_id`` attribute (GTF
        ``gene_id "X";`` or GFF3 ``gene_id=X``); GFF3 exons without one take the gene
        from ``Parent=``, through the transcript's own ``Parent`` when the file has it
        (a leading ``gene:``, as in Ensembl GFF3, is dropped).
    filename : str
        Name used in messages.

    Returns
    -------
    pandas.Series
        int64 lengths in bp, indexed by gene id (``gene_id``), genes in the order of
        their first exon in the file.

    Raises
    ------
    DataError
        If the file has no exon lines, an exon line has no gene id, its start or end is
        not a whole number or end < start, or the file cannot be decompressed.
    """
    return _exon_union_lengths(content, filename)[0]


def _looks_like_gtf(content: bytes) -> bool:
    """True when the first data lines are GTF/GFF lines with gene attributes."""
    head, whole = content[:_GTF_SNIFF_BYTES], len(content) <= _GTF_SNIFF_BYTES
    if head[:2] == b"\x1f\x8b":
        stream = zlib.decompressobj(wbits=31)
        try:
            head = stream.decompress(content, _GTF_SNIFF_BYTES)
        except zlib.error:
            return False  # the table reader explains what is wrong with it
        whole = stream.eof
    lines = head.decode("utf-8", errors="replace").splitlines()
    if not whole:
        lines = lines[:-1]  # may be cut short
    lines = [line for line in lines if line.strip() and not line.startswith("#")][:_SNIFF_LINES]
    matches = [_GTF_LINE.match(line) for line in lines]
    return bool(matches) and all(matches) and any(
        re.search(r"(?:^|;)\s*(?:gene_id|Parent|ID)[\s=]", m.group(1)) for m in matches
    )


def _exon_union_lengths(content: bytes, filename: str) -> tuple[pd.Series, str]:
    """Union-of-exons lengths per gene and what was merged ("exons" or "exonic parts")."""
    exon_blocks, link_blocks = [], []
    first_line = 1
    for block in _line_blocks(content, filename):
        frame = pd.read_csv(
            io.BytesIO(block),
            sep="\t",
            header=None,
            names=range(9),
            usecols=[0, 2, 3, 4, 8],
            dtype={0: object, 2: object, 8: object},
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=False,  # one row per line, so rows give line numbers
            # Missing cells are "" except start and end (NaN): looking for NA values in
            # the long attribute strings would triple the reading time.
            keep_default_na=False,
            na_values={3: [""], 4: [""]},
            engine="c",
            low_memory=False,
            encoding_errors="replace",
        )
        frame.index = np.arange(first_line, first_line + len(frame))  # file line numbers
        first_line += len(frame)
        is_exon = frame[2].isin(list(_EXON_FEATURES))
        exons = frame[is_exon]
        exons = exons[~exons[0].str.startswith("#")]
        gene = exons[8].str.extract(_GENE_ID_ATTRIBUTE, expand=False).str.strip()
        gene = gene.where(gene != "")
        parent = exons.loc[gene.isna(), 8].str.extract(_PARENT_ATTRIBUTE, expand=False)
        exon_blocks.append(
            pd.DataFrame(
                {
                    "seqname": exons[0],
                    "feature": exons[2],
                    "start": exons[3],  # as read: text when not numbers
                    "end": exons[4],
                    "gene": gene,
                    "parent": parent.str.strip(),  # aligned on the index: NaN elsewhere
                }
            )
        )
        # GFF3 transcripts: ID -> Parent, to reach the gene of an exon.
        if b"Parent=" in block:
            others = frame.loc[~is_exon, 8]
            others = others[others.str.contains("Parent=", regex=False)]
            link_blocks.append(
                pd.DataFrame(
                    {
                        "id": others.str.extract(_ID_ATTRIBUTE, expand=False).str.strip(),
                        "parent": others.str.extract(_PARENT_ATTRIBUTE, expand=False).str.strip(),
                    }
                ).dropna()
            )

    exons = pd.concat(exon_blocks) if exon_blocks else pd.DataFrame()
    if exons.empty:
        raise DataError(
            f'"{filename}" looks like a GTF but has no exon lines ("exon" in the 3rd '
            "column), so no gene lengths can be computed. Upload the full GTF the counts "
            "were made with (e.g. from Ensembl or GENCODE), or a table of gene id and "
            "length."
        )
    feature = next(f for f in _EXON_FEATURES if (exons["feature"] == f).any())
    exons = exons[exons["feature"] == feature]

    from_parent = exons["gene"].isna() & exons["parent"].notna()
    if from_parent.any():
        parents = exons.loc[from_parent, "parent"]
        links = pd.concat(link_blocks) if link_blocks else pd.DataFrame(columns=["id", "parent"])
        transcript_gene = links.drop_duplicates("id").set_index("id")["parent"]
        genes = parents.map(transcript_gene).fillna(parents).str.removeprefix("gene:")
        exons.loc[from_parent, "gene"] = genes.where(genes != "")
    no_gene = exons["gene"].isna()
    if no_gene.any():
        line = exons.index[no_gene][0]
        raise DataError(
            f'"{filename}", line {line}: {_n(int(no_gene.sum()), "exon line")} without a '
            'gene id (a gene_id "..." attribute in a GTF, gene_id= or Parent= in a GFF3). '
            "Every exon needs its gene: use the GTF the counts were made with, e.g. from "
            "Ensembl or GENCODE."
        )
    start = pd.to_numeric(exons["start"], errors="coerce").to_numpy(np.float64)
    end = pd.to_numeric(exons["end"], errors="coerce").to_numpy(np.float64)
    bad = ~((start >= 1) & (end >= start) & (start % 1 == 0) & (end % 1 == 0))
    if bad.any():
        k = np.flatnonzero(bad)[0]
        raw_start, raw_end = (_cell_str(exons[column].iat[k]) for column in ("start", "end"))
        raise DataError(
            f'"{filename}", line {exons.index[k]}: the exon start and end (columns 4 and 5: '
            f'"{raw_start}", "{raw_end}") must be whole numbers, 1 or more, with start <= '
            f"end ({_n(int(bad.sum()), 'exon line')} like this). Fix or remove these lines."
        )
    lengths = _union_lengths(
        exons["gene"].to_numpy(dtype=object),
        exons["seqname"].to_numpy(dtype=object),
        start.astype(np.int64),
        end.astype(np.int64),
    )
    return lengths, _EXON_FEATURES[feature]


def _union_lengths(
    genes: np.ndarray, seqnames: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> pd.Series:
    """Bases covered by the 1-based inclusive intervals of each gene, per gene.

    Intervals are sorted by gene, chromosome and start; each then adds the bases it
    covers beyond the furthest end reached so far by the earlier intervals of the same
    gene and chromosome (a running maximum), so overlaps are counted once.
    """
    gene_codes, gene_names = pd.factorize(genes)
    seq_codes, seq_names = pd.factorize(seqnames)
    groups = gene_codes.astype(np.int64) * len(seq_names) + seq_codes
    order = np.lexsort((starts, groups))
    groups, starts, ends = groups[order], starts[order], ends[order]

    reach = pd.Series(ends).groupby(groups).cummax().to_numpy()  # furthest end so far
    before = np.concatenate([[0], reach[:-1]])
    before[np.concatenate([[True], groups[1:] != groups[:-1]])] = 0  # new gene/chromosome
    new_bases = np.clip(ends - np.maximum(starts, before + 1) + 1, 0, None)
    totals = np.bincount(gene_codes[order], weights=new_bases, minlength=len(gene_names))
    return pd.Series(
        totals.astype(np.int64), index=pd.Index(gene_names, name="gene_id"), name="length"
    )


def _line_blocks(content: bytes, filename: str):
    """Yield the text in blocks of whole lines, about ``_GTF_BLOCK_BYTES`` each.

    Gzip content is decompressed block by block, so a large annotation never sits in
    memory whole; like :func:`_gunzip`, it may not expand beyond its limit.
    """
    pieces = _gunzip_pieces(content, filename) if content[:2] == b"\x1f\x8b" else [content]
    rest = b""
    for piece in pieces:
        start = 0
        while start < len(piece):
            end = piece.rfind(b"\n", start, start + _GTF_BLOCK_BYTES) + 1
            if end == 0:  # no line ends here: keep it for the next block
                break
            yield rest + piece[start:end]
            rest, start = b"", end
        rest += piece[start:]
    if rest:
        yield rest


def _gunzip_pieces(content: bytes, filename: str):
    """Yield the decompressed bytes of gzip ``content`` in pieces of ``_GTF_BLOCK_BYTES``."""
    cap = _GUNZIP_FACTOR * max_upload_bytes()
    total = 0
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        while True:
            try:
                piece = stream.read(_GTF_BLOCK_BYTES)
            except (OSError, EOFError, zlib.error) as exc:
                raise _gunzip_error(filename, exc) from None
            if not piece:
                return
            total += len(piece)
            if total > cap:
                raise _too_large_error(filename, cap)
            yield piece


# --------------------------------------------------------------------------- dataset


def build_dataset(
    counts_content: bytes,
    counts_filename: str,
    *,
    metadata_content: bytes | None = None,
    metadata_filename: str | None = None,
    lengths_content: bytes | None = None,
    lengths_filename: str | None = None,
    description: str = "",
) -> Dataset:
    """Read a counts table and, optionally, its sample sheet and gene lengths.

    Parameters
    ----------
    counts_content : bytes
        The counts table (see :func:`parse_counts`).
    counts_filename : str
        Its name (becomes the dataset's name).
    metadata_content : bytes, optional
        A sample sheet (see :func:`parse_metadata`).
    metadata_filename : str, optional
        Its name, for messages.
    lengths_content : bytes, optional
        Gene lengths (see :func:`parse_gene_lengths`); they replace a featureCounts
        ``Length`` column.
    lengths_filename : str, optional
        Its name, for messages.
    description : str, default ""
        One line on what the data are.

    Returns
    -------
    Dataset
        With the notices of all readers, in order counts, lengths, sample sheet.

    Raises
    ------
    DataError
        From any of the readers.
    """
    dataset = parse_counts(counts_content, counts_filename)
    notices = list(dataset.notices)
    gene_lengths = dataset.gene_lengths
    if lengths_content is not None:
        lengths_filename = lengths_filename or "gene lengths file"
        gene_lengths, more = parse_gene_lengths(
            lengths_content, lengths_filename, dataset.counts.index
        )
        if dataset.gene_lengths is not None:
            notices.append(
                f"{lengths_filename}: these gene lengths replace the Length column of "
                f"{counts_filename}"
            )
        notices += more
    metadata = None
    if metadata_content is not None:
        metadata, more = parse_metadata(
            metadata_content, metadata_filename or "sample sheet", dataset.counts.columns
        )
        notices += more
    return replace(
        dataset,
        metadata=metadata,
        gene_lengths=gene_lengths,
        description=description,
        notices=tuple(notices),
    )


def load_example(name: str) -> Dataset:
    """Load a bundled example dataset.

    Parameters
    ----------
    name : {"pasilla", "airway"}
        Which example (the keys of :data:`EXAMPLES`).

    Returns
    -------
    Dataset
        Counts, sample sheet and (pasilla) gene lengths, read and validated like an
        upload; ``description`` from :data:`EXAMPLES`.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled example.
    """
    if name not in EXAMPLES:
        raise ParameterError(f'Unknown example "{name}": choose one of {", ".join(EXAMPLES)}.')
    folder = resources.files("rnaclust_dash") / "data" / name
    lengths = folder / "lengths.csv.gz"
    dataset = build_dataset(
        (folder / "counts.csv.gz").read_bytes(),
        f"{name}/counts.csv.gz",
        metadata_content=(folder / "samples.csv").read_bytes(),
        metadata_filename=f"{name}/samples.csv",
        lengths_content=lengths.read_bytes() if lengths.is_file() else None,
        lengths_filename=f"{name}/lengths.csv.gz",
        description=EXAMPLES[name],
    )
    return replace(dataset, name=name)
