"""Column layouts of count tables: featureCounts, a Length column, text annotations.

Decides which columns after the ids hold samples, which (if any) holds gene lengths,
and which are annotations to skip.
"""

from __future__ import annotations

import re

import pandas as pd
from pandas.api.types import is_numeric_dtype

from rnaclust_dash.io.messages import _quote_list
from rnaclust_dash.io.tables import _is_numeric

_FEATURECOUNTS = ("geneid", "chr", "start", "end", "strand", "length")
_LENGTH_NAMES = frozenset({"length", "gene_length", "genelength", "length_bp"})


def _annotation_columns(
    frame: pd.DataFrame, header: list[str]
) -> tuple[list[int], int | None, list[str], list[str]]:
    """Split columns into value columns, a gene-length column and skipped annotations.

    Returns the value column positions, the length column position (or None), the
    header (sample names cleaned for featureCounts) and notices.
    """
    header = list(header)
    if tuple(h.lower() for h in header[:6]) == _FEATURECOUNTS:
        return _featurecounts_columns(header, frame.shape[1])
    return _leading_annotation_columns(frame, header)


def _featurecounts_columns(
    header: list[str], n_columns: int
) -> tuple[list[int], int, list[str], list[str]]:
    """Geneid, Chr, Start, End, Strand, Length, then one column per BAM file."""
    value_pos = list(range(6, n_columns))
    notices = [
        "featureCounts layout: skipped the annotation columns Chr, Start, End, "
        "Strand; the Length column gives the gene lengths"
    ]
    bams = [header[k] for k in value_pos]
    names = [
        re.sub(r"\.bam$", "", b.replace("\\", "/").rsplit("/", 1)[-1], flags=re.I) for b in bams
    ]
    if (
        names != bams
        and all(b.lower().endswith(".bam") for b in bams)
        and len(set(names)) == len(names)
    ):
        # featureCounts names samples by their BAM paths.
        for k, name in zip(value_pos, names, strict=True):
            header[k] = name
        notices.append(
            "sample ids are the BAM file names without folder and .bam, "
            f"e.g. {bams[0]} -> {names[0]}"
        )
    return value_pos, 5, header, notices


def _leading_annotation_columns(
    frame: pd.DataFrame, header: list[str]
) -> tuple[list[int], int | None, list[str], list[str]]:
    """A Length column and text-only columns right after the ids are not samples."""
    lower = [h.lower() for h in header]
    value_pos = list(range(1, frame.shape[1]))
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

