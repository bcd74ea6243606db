"""The value cells of a count table: numbers only, whole or not, and what kind they are.

``cell_at(i, j)`` arguments describe a cell for messages (row, id and column, as the
user sees them); ``i`` and ``j`` index the value block in file orientation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _are, _n
from rnaclust_dash.io.tables import _cell_str, _is_numeric

CellAt = Callable[[int, int], str]


def _numeric_block(
    frame: pd.DataFrame, positions: list[int], cell_at: CellAt, filename: str
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




def _negative_counts_error(
    where: np.ndarray, matrix: np.ndarray, cell_at: CellAt, filename: str
) -> DataError:
    """Whole numbers are read counts, which cannot be negative; ``where`` holds (i, j) rows."""
    examples = "; ".join(f"{cell_at(i, j)}: {_cell_str(matrix[i, j])}" for i, j in where[:3])
    return DataError(
        f'{_n(len(where), "cell")} of "{filename}" {_are(len(where))} negative, '
        f"e.g. {examples}. "
        "The table holds whole numbers, i.e. read counts, which cannot be negative: "
        "fix these cells. (Log-scale values are accepted when they are not all whole numbers.)"
    )
