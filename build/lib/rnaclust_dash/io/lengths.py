"""Gene lengths: a table of gene id and length, or a GTF/GFF3 annotation, aligned to
the genes of the counts table (Ensembl version suffixes tolerated)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.gtf import _exon_union_lengths, _looks_like_gtf
from rnaclust_dash.io.identifiers import _duplicate_places, _listed_places, _unversioned
from rnaclust_dash.io.messages import _are, _has, _n, _quote_list
from rnaclust_dash.io.tables import _cell_str, _read, _strings


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
        wanted = np.asarray(genes, dtype=object)[missing]
        filled, found, example = _unversioned_lengths(ids, values, wanted)
        if found:
            notices.append(
                f"{filename}: matched {_n(found, 'gene id')} ignoring Ensembl version "
                f"suffixes, e.g. {example}"
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
        notices.append(
            f"{filename}: {n_missing:,} of {_n(len(genes), 'gene')} {_has(n_missing)} no length "
            "(NaN)"
        )
    series = pd.Series(lengths, index=pd.Index(genes, name="gene_id"), name="length")
    return series, tuple(notices)



def _unversioned_lengths(
    ids: np.ndarray, values: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, int, str]:
    """Lengths of ``wanted`` genes looked up without Ensembl version suffixes.

    Only an unversioned id that stands for a single length is used. Returns one
    length per wanted gene (NaN where none), how many were found and an example
    ``"<wanted id> -> <unversioned id>"`` ('' when none).
    """
    keys = np.array([_unversioned(g) for g in ids], dtype=object)
    by_key = pd.Series(values).groupby(keys).agg(["min", "max"])
    unversioned = by_key["min"][by_key["min"] == by_key["max"]]
    wanted_keys = [_unversioned(g) for g in wanted]
    filled = unversioned.reindex(wanted_keys).to_numpy(dtype=np.float64)
    found = np.flatnonzero(np.isfinite(filled))
    example = f"{wanted[found[0]]} -> {wanted_keys[found[0]]}" if found.size else ""
    return filled, int(found.size), example


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
        raise DataError(
            f"{_n(len(places), 'gene id')} {_are(len(places))} listed more than once in "
            f'"{filename}": {_listed_places(places, "row")}. '
            "Keep one length per gene."
        )
    return ids, values, table.notices
