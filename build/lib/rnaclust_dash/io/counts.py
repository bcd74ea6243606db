"""Reading a table of expression values (genes x samples) into a :class:`Dataset`.

:func:`parse_counts` runs named steps: find where the values are (column layout,
transposition, read-summary rows), check ids and size, read the values and their
kind, merge repeated gene ids, drop genes that are 0 everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError
from rnaclust_dash.io.featurecounts import _annotation_columns
from rnaclust_dash.io.identifiers import (
    _DATE_LIKE,
    _check_ids,
    _duplicate_places,
    _gene_like_share,
)
from rnaclust_dash.io.messages import _and_join, _are, _has, _n, _quote_list
from rnaclust_dash.io.tables import _read, _strings, _Table
from rnaclust_dash.io.values import _negative_counts_error, _numeric_block, _value_kind

# Summary rows that HTSeq (__no_feature, ...) and STAR (N_unmapped, ...) append.
_SUMMARY_ROW = re.compile(r"^(?:__\w+|N_(?:unmapped|multimapping|noFeature|ambiguous))$")


@dataclass(frozen=True)
class _Layout:
    """Where the values of a count table are, in file orientation."""

    frame: pd.DataFrame  # the cells as read (read-summary rows removed)
    lines: np.ndarray  # file line (or sheet row) of each frame row
    row_ids: np.ndarray  # stripped cells of the first column
    value_pos: list[int]  # frame columns holding values
    value_names: list[str]  # their header cells
    lengths_pos: int | None  # frame column of gene lengths, if any
    transposed: bool  # True: rows are samples, columns genes

    @property
    def gene_ids(self) -> list[str] | np.ndarray:
        return self.value_names if self.transposed else self.row_ids

    @property
    def sample_ids(self) -> list[str] | np.ndarray:
        return self.row_ids if self.transposed else self.value_names

    @property
    def gene_places(self) -> tuple[str, np.ndarray]:
        """Where genes are, as the user sees them: file lines or column numbers."""
        return ("column", self._columns) if self.transposed else ("row", self.lines)

    @property
    def sample_places(self) -> tuple[str, np.ndarray]:
        return ("row", self.lines) if self.transposed else ("column", self._columns)

    @property
    def _columns(self) -> np.ndarray:
        return np.asarray(self.value_pos, dtype=np.int64) + 1

    def cell_at(self, i: int, j: int) -> str:
        """A value cell for messages: its file row, the row's id and the column name."""
        row_kind = "sample" if self.transposed else "gene"
        return f'row {self.lines[i]} ({row_kind} {self.row_ids[i]}), column "{self.value_names[j]}"'


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
    layout, layout_notices = _counts_layout(table, filename)
    notices = list(table.notices) + layout_notices
    _check_size_and_ids(layout, filename)
    matrix, all_int, has_negative = _read_values(layout, filename)
    value_kind, kind_notice = _value_kind(matrix, all_int=all_int, has_negative=has_negative)
    if kind_notice:
        notices.append(f"{filename}: {kind_notice}")

    gene_ids, lengths = layout.gene_ids, _length_column(layout)
    if pd.Index(gene_ids).has_duplicates:
        summed = value_kind == "counts"  # normalized or log values are averaged
        notices.append(
            f"{filename}: {_duplicates_notice(gene_ids, layout.gene_places, summed=summed)}"
        )
        gene_ids, matrix, lengths = _merge_duplicates(gene_ids, matrix, lengths, summed=summed)

    genes_kept = _nonzero_genes(matrix, layout.sample_ids, filename)
    gene_lengths = None
    if lengths is not None:
        gene_lengths = pd.Series(
            lengths, index=pd.Index(list(gene_ids), name="gene_id"), name="length"
        )
        notices += _missing_lengths_notice(lengths, filename)

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
    notices += _date_like_notice(gene_ids, filename)

    counts = pd.DataFrame(
        matrix,
        index=pd.Index([str(g) for g in gene_ids], name="gene_id"),
        columns=pd.Index([str(s) for s in layout.sample_ids], name="sample_id"),
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


def _counts_layout(table: _Table, filename: str) -> tuple[_Layout, list[str]]:
    """Find the value columns and the orientation; drop HTSeq/STAR summary rows.

    Returns the layout and notices (each starting with the file name).
    """
    frame, lines = table.frame, table.lines
    row_ids = _strings(frame[0])
    value_pos, lengths_pos, header, layout_notices = _annotation_columns(frame, list(table.header))
    notices = [f"{filename}: {text}" for text in layout_notices]
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
    layout = _Layout(frame, lines, row_ids, value_pos, value_names, lengths_pos, transposed)
    return layout, notices


def _looks_transposed(row_ids: np.ndarray, column_names: list[str]) -> bool:
    """True for samples x genes tables (genes are the many, id-like header cells)."""
    n_rows, n_columns = len(row_ids), len(column_names)
    if n_columns <= n_rows or _gene_like_share(row_ids) >= 0.5:
        return False
    # Shape alone only decides for genome-scale widths: small normal tables (a gene
    # panel over many samples) are wider than tall too.
    return _gene_like_share(column_names) >= 0.8 or (n_rows < 1000 and n_columns >= 1000)



def _check_size_and_ids(layout: _Layout, filename: str) -> None:
    """At least one gene and two samples; no blank ids; no repeated sample ids."""
    gene_ids, sample_ids = layout.gene_ids, layout.sample_ids
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
    _check_ids(gene_ids, layout.gene_places, "gene", filename, unique=False)
    _check_ids(sample_ids, layout.sample_places, "sample", filename)


def _read_values(layout: _Layout, filename: str) -> tuple[np.ndarray, bool, bool]:
    """The values as genes x samples float64, whether all are whole, whether any is < 0.

    Raises when whole numbers (read counts) are negative.
    """
    matrix, all_int = _numeric_block(layout.frame, layout.value_pos, layout.cell_at, filename)
    if not all_int:
        all_int = bool(np.array_equal(matrix, np.round(matrix)))
    negative = matrix < 0
    has_negative = bool(negative.any())
    if all_int and has_negative:
        raise _negative_counts_error(np.argwhere(negative), matrix, layout.cell_at, filename)
    return (matrix.T if layout.transposed else matrix), all_int, has_negative


def _length_column(layout: _Layout) -> np.ndarray | None:
    """Gene lengths from a Length column (NaN where not a positive number), or None."""
    if layout.lengths_pos is None:
        return None
    lengths = pd.to_numeric(layout.frame[layout.lengths_pos], errors="coerce").to_numpy(
        np.float64, copy=True
    )
    lengths[~(lengths > 0)] = np.nan
    return lengths


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


def _nonzero_genes(matrix: np.ndarray, sample_ids, filename: str) -> np.ndarray:
    """Which genes are not 0 everywhere; raise when all values, or a sample's, are 0."""
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
    return genes_kept


def _missing_lengths_notice(lengths: np.ndarray, filename: str) -> list[str]:
    missing = int(np.isnan(lengths).sum())
    if not missing:
        return []
    return [
        f"{filename}: {_n(missing, 'gene')} {_has(missing)} no valid length in the Length column"
    ]


def _date_like_notice(gene_ids, filename: str) -> list[str]:
    """Gene ids that a spreadsheet program turned into dates, if any."""
    dates = [g for g in gene_ids if _DATE_LIKE.match(g)]
    if not dates:
        return []
    return [
        f"{filename}: {_n(len(dates), 'gene id')} {'looks' if len(dates) == 1 else 'look'} "
        f"like dates ({_quote_list(dates, 3)}): "
        "spreadsheet programs turn gene names such as SEPT1 or MARCH1 into dates; "
        "fix them at the source"
    ]
