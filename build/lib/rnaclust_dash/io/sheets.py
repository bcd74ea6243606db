"""Sample sheets: read one and align its rows to the samples of the counts table.

Sheet ids are matched to sample ids exactly; then ignoring case, whitespace and
``-``, ``.``, ``_``; then, for ids still unmatched, by a unique prefix.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _and_join, _has, _n, _quote_list
from rnaclust_dash.io.tables import _is_numeric, _read, _strings, _Table


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
    notices = list(table.notices)
    id_pos, ids, match = _sample_id_column(table, samples, filename)
    if id_pos != 0:
        notices.append(
            f'{filename}: the first column matches no sample; used column "{table.header[id_pos]}" '
            "as sample ids"
        )
    if match.collisions:
        k, rows = next(iter(match.collisions.items()))
        raise DataError(
            f'Rows {_and_join([str(table.lines[i]) for i in rows])} of "{filename}" '
            f'({_quote_list([ids[i] for i in rows])}) all match sample "{samples[k]}" of '
            "the counts table: keep one row per sample."
        )
    notices += _match_notices(match, ids, samples, filename)
    return _aligned_sheet(table, id_pos, match, samples), tuple(notices)


def _sample_id_column(
    table: _Table, samples: list[str], filename: str
) -> tuple[int, np.ndarray, _Match]:
    """The sheet column holding sample ids (the first, unless it matches no sample).

    Returns its position, its stripped cells and how they match ``samples``.
    """
    frame = table.frame
    id_pos = 0
    ids = _strings(frame[0])
    match = _match_samples(ids, samples)
    if match.mapping:
        return id_pos, ids, match
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
    return id_pos, ids, match


def _match_notices(match: _Match, ids: np.ndarray, samples: list[str], filename: str) -> list[str]:
    """Tolerant and prefix matches, sheet ids matching nothing, samples without a row."""
    notices = []
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
            f"{filename}: {_n(len(without), 'sample')} {_has(len(without))} "
            f"no row in the sample sheet (annotations left empty): {_quote_list(without)}"
        )
    return notices


def _aligned_sheet(
    table: _Table, id_pos: int, match: _Match, samples: list[str]
) -> pd.DataFrame:
    """The sheet's other columns, one row per sample in ``samples`` order (NaN if none)."""
    frame, header = table.frame, table.header
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
    return sheet.reindex(pd.Index(samples, name="sample_id"))


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
