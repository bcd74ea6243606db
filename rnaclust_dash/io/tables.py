"""Reading delimited text and Excel files into a frame of raw cells.

Text is CSV, TSV or TXT (delimiter sniffed; decimal comma detected in semicolon
files), optionally gzip-compressed; workbooks are ``.xlsx`` (first sheet). The format
is recognised from the bytes, never from the name. Also here: how a cell reads as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _ACCEPTED
from rnaclust_dash.io.uploads import _gunzip

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A '#' line or a blank line after the first line (the first line is checked apart:
# anchoring on '^' in multi-line mode is 20 times slower on big files).
_SKIPPED_LINE = re.compile(r"\n(?:#|[ \t]*(?:\n|$))")
_SEPARATORS = MappingProxyType(
    {"\t": "tab", ";": "semicolon", ",": "comma", "|": "vertical bar", r"\s+": "space"}
)
_SNIFF_LINES = 50

#: Most columns a text table may have (genes as columns: a whole genome fits).
MAX_COLUMNS = 100_000


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
    try:
        sep, n_fields = _sniff(head)
    except csv.Error as error:  # Python's csv refuses a cell over 131,072 characters
        raise DataError(f'"{filename}" has a cell in its first lines that cannot be read '
                        f"({error}): no gene id, sample id or value is that long. Check that "
                        "you chose the right file.") from None
    if sep is None:
        raise _not_a_table(
            filename,
            "found only one column (no tab, comma, semicolon, vertical bar or space between "
            "values)",
        )
    header = [cell.strip() for cell in _split(head[0], sep)]
    n_fields = max(len(header), n_fields)
    if n_fields > MAX_COLUMNS:  # pandas takes minutes to build that many columns
        raise DataError(f'"{filename}" has {n_fields:,} columns; at most {MAX_COLUMNS:,} are '
                        "read. Give genes as rows and samples as columns; for many single "
                        "cells upload a 10x folder (.zip / .tar.gz), a 10x .h5 or an .h5ad.")
    if len(header) < n_fields:
        # R's write.table leaves out the header cell of the row names.
        header = [""] * (n_fields - len(header)) + header

    try:
        if len(head) < 2:  # a header only: pandas would build one empty column at a time
            raise pd.errors.EmptyDataError
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
        frame = pd.DataFrame(np.empty((0, n_fields)), columns=range(n_fields))
        frame[0] = frame[0].astype("str")

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
    if '"' not in line:
        # Without quotes csv gives the same cells; and a wide table's line longer than
        # csv's field limit (131,072 characters) is no error.
        line = line.rstrip("\r")
        return line.split(sep) if line else []
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


def _is_numeric(column: pd.Series) -> bool:
    """Numbers, not booleans (pandas counts booleans as numeric)."""
    return is_numeric_dtype(column) and not is_bool_dtype(column)
