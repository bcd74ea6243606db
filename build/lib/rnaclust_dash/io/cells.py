"""Cell sheets: a table of cell annotations (``cells.csv``) joined to a single-cell dataset.

The first column holds the cell barcodes. They are matched exactly, or else with the
``-1`` (GEM well) suffix that Cell Ranger adds removed on either side; the sample
sheets' fuzzy matching (:mod:`~rnaclust_dash.io.sheets`) is not used (barcodes differ by
one letter and number in the hundreds of thousands).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _n, _quote_list
from rnaclust_dash.io.sheets import _annotation_values
from rnaclust_dash.io.tables import _strings, read_table

_WELL_SUFFIX = re.compile(r"-\d+$")


def _without_suffix(ids: pd.Index) -> pd.Index:
    return pd.Index([_WELL_SUFFIX.sub("", i) for i in ids], dtype=object)


def _positions(sheet_ids: pd.Index, barcodes: pd.Index) -> np.ndarray:
    """For each cell, the sheet row of its barcode (-1 when none)."""
    exact = sheet_ids.get_indexer(barcodes)
    if (exact >= 0).any():
        return exact
    for left, right in ((sheet_ids, _without_suffix(barcodes)),
                        (_without_suffix(sheet_ids), barcodes)):
        if left.is_unique:
            found = left.get_indexer(right)
            if (found >= 0).any():
                return found
    return exact


def attach_cell_sheet(dataset: Dataset, content: bytes, name: str) -> Dataset:
    """Join a cell sheet to a single-cell dataset (its columns become ``obs`` columns).

    Parameters
    ----------
    dataset : Dataset
        Cells x genes (obs index = barcodes).
    content : bytes
        The sheet: CSV/TSV/TXT (.gz) or .xlsx, a header row, first column = barcode.
    name : str
        The sheet's file name, for messages and notices.

    Returns
    -------
    Dataset
        A new dataset sharing the matrix; ``obs`` holds the dataset's own columns plus the
        sheet's (a sheet column replaces one of the same name), NaN for cells without a
        row. Notices say how many sheet rows name no cell and how many cells have no row.

    Raises
    ------
    DataError
        The sheet repeats a barcode, or none of its barcodes is a cell of the dataset.
    """
    frame = read_table(content, name)
    sheet_ids = pd.Index(_strings(frame.iloc[:, 0]), dtype=object)
    repeated = sheet_ids[sheet_ids.duplicated()].unique().tolist()
    if repeated:
        raise DataError(f'"{name}" lists the barcode {_quote_list(repeated, 3)} more than once: '
                        "keep one row per cell (the first column holds the barcodes).")
    barcodes = dataset.adata.obs_names
    rows = _positions(sheet_ids, barcodes)
    matched = rows >= 0
    if not matched.any():
        raise DataError(
            f'None of the barcodes in the first column of "{name}" ({_quote_list(list(sheet_ids), 3)}) '
            f"is a cell of the data ({_quote_list(barcodes[:3].tolist(), 3)}). The first "
            "column of the cell sheet must hold the cell barcodes of the matrix.")
    notices = []
    unused = np.setdiff1d(np.arange(len(sheet_ids)), rows[matched])
    if unused.size:
        notices.append(f"{name}: {_n(unused.size, 'row')} name no cell of the data "
                       f"({_quote_list(sheet_ids[unused].tolist(), 3)}); ignored (cells "
                       "without counts, or filtered out by Cell Ranger).")
    if not matched.all():
        notices.append(f"{name}: {_n(int((~matched).sum()), 'cell')} of the data "
                       f"{'has' if (~matched).sum() == 1 else 'have'} no row "
                       f"({_quote_list(barcodes[~matched].tolist(), 3)}); their annotations "
                       "are empty.")
    obs = dataset.adata.obs.copy()
    take = np.where(matched, rows, 0)
    for position, column in enumerate(frame.columns[1:], start=1):
        values = _annotation_values(frame.iloc[:, position]).to_numpy()[take]
        obs[str(column)] = pd.Series(values, index=barcodes).where(matched)
    return Dataset(adata=dataset.adata, value_kind=dataset.value_kind, metadata=obs,
                   name=dataset.name, description=dataset.description,
                   notices=dataset.notices + tuple(notices))
