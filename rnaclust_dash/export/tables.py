"""Tables as files for the user: a frame in, the bytes of a CSV or XLSX file out.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) get a leading apostrophe, so that opening a
downloaded gene list never runs anything (CSV injection; issue 13 item 5). Numbers are
written as numbers. Every CSV the command line writes and every table the dashboard sends
goes through :func:`csv_text` / :func:`write_csv` / :func:`table_bytes`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..errors import ParameterError

#: What a text cell must not start with.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: File formats of :func:`table_bytes`, and their MIME types.
FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# Excel's limit on sheet names.
_SHEET_NAME_CHARS = 31


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and index and column names) that start
    with a formula prefix are prefixed with an apostrophe. Other cells are unchanged."""
    def safe(value):
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if (dtype == object or pd.api.types.is_string_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype)):
            out[column] = out[column].map(safe).astype(object)
    out.columns = [safe(c) for c in out.columns]
    out.index = pd.Index([safe(i) for i in out.index], name=safe(out.index.name))
    return out


class _LineFeedRows(io.StringIO):
    """Text buffer for pandas' CSV writer that ends each row with ``\\n``.

    Python's csv writer quotes a field only if it holds a character of the line
    terminator: with ``\\n`` as terminator a carriage return inside a cell went out
    unquoted, and readers end the row there. So the rows are written with ``\\r\\n``
    (both characters quoted inside cells) and each row's own terminator, the end of one
    ``write`` (one per row), becomes ``\\n``.
    """

    def write(self, text: str) -> int:
        if text.endswith("\r\n"):
            text = text[:-2] + "\n"
        return super().write(text)


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """``frame`` as CSV text (comma, ``\\n`` line ends; a cell holding a line feed, a
    carriage return, a comma or a quote is quoted) with formula prefixes neutralised
    (:func:`neutralise_formulas`); ``frame`` is not changed."""
    buffer = _LineFeedRows()
    neutralise_formulas(frame).to_csv(buffer, index=index, lineterminator="\r\n")
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, path, *, index: bool = False) -> None:
    """Write :func:`csv_text` of ``frame`` to ``path`` (UTF-8): the writer of every CSV the
    commands, the dashboard and the exported scripts write.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (not changed).
    path : str or Path
        The file written (replaced when it exists).
    index : bool, keyword-only
        Write the index as the first column.

    Returns
    -------
    None
    """
    Path(path).write_text(csv_text(frame, index=index), encoding="utf-8")


def table_bytes(frame: pd.DataFrame, fmt: str, *, index: bool = False,
                sheet_name: str = "table") -> bytes:
    """The bytes of ``frame`` as a CSV (UTF-8, comma) or XLSX (one sheet) file.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; it is not changed.
    fmt : {"csv", "xlsx"}
    index : bool, keyword-only
        Write the index as the first column (e.g. gene ids of a matrix).
    sheet_name : str, keyword-only
        Name of the XLSX sheet (cut to Excel's 31 characters).
    """
    if fmt not in FORMATS:
        raise ParameterError(f"Unknown file format {fmt!r}: choose csv or xlsx.")
    if fmt == "csv":
        return csv_text(frame, index=index).encode("utf-8")
    return _xlsx_bytes(neutralise_formulas(frame), index=index, sheet_name=sheet_name[:_SHEET_NAME_CHARS])


def _xlsx_bytes(frame: pd.DataFrame, *, index: bool, sheet_name: str) -> bytes:
    """One sheet written row by row (openpyxl's write-only mode: ~1.6x faster than
    pandas' writer on a 17,000-gene matrix); missing values as empty cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    header = [str(c) for c in frame.columns]
    sheet.append(([frame.index.name or ""] if index else []) + header)
    for name, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = [None if _missing(v) else v for v in row]
        sheet.append(([name] if index else []) + cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
