"""Gene lengths from a GTF or GFF3 annotation: the union of each gene's exons.

Large annotations are read in blocks of whole lines (gzip decompressed piece by
piece), so the file never sits in memory whole.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _n
from rnaclust_dash.io.tables import _SNIFF_LINES, _cell_str
from rnaclust_dash.io.uploads import _gunzip_pieces

# Exon-like features, in order of preference: GTF/GFF exons, then the exonic parts of
# a DEXSeq flattened annotation (their union per gene is the same).
_EXON_FEATURES = MappingProxyType({"exon": "exons", "exonic_part": "exonic parts"})
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
        frame = _read_gtf_block(block, first_line)
        first_line += len(frame)
        is_exon = frame[2].isin(list(_EXON_FEATURES))
        exon_blocks.append(_exon_rows(frame[is_exon]))
        # GFF3 transcripts: ID -> Parent, to reach the gene of an exon.
        if b"Parent=" in block:
            link_blocks.append(_parent_links(frame.loc[~is_exon, 8]))

    exons = pd.concat(exon_blocks) if exon_blocks else pd.DataFrame()
    if exons.empty:
        raise DataError(
            f'"{filename}" looks like a GTF but has no exon lines ("exon" in the 3rd '
            "column), so no gene lengths can be computed. Upload the full GTF the counts "
            "were made with (e.g. from Ensembl or GENCODE), or a table of gene id and "
            "length."
        )
    feature = next(f for f in _EXON_FEATURES if (exons["feature"] == f).any())
    exons = _genes_through_parents(exons[exons["feature"] == feature], link_blocks, filename)
    start, end = _exon_coordinates(exons, filename)
    lengths = _union_lengths(
        exons["gene"].to_numpy(dtype=object),
        exons["seqname"].to_numpy(dtype=object),
        start.astype(np.int64),
        end.astype(np.int64),
    )
    return lengths, _EXON_FEATURES[feature]


def _read_gtf_block(block: bytes, first_line: int) -> pd.DataFrame:
    """Columns 1, 3, 4, 5 and 9 of a block of GTF lines, indexed by file line number."""
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
    return frame


def _exon_rows(exons: pd.DataFrame) -> pd.DataFrame:
    """Chromosome, feature, start, end, gene id and (without a gene id) Parent of exons."""
    exons = exons[~exons[0].str.startswith("#")]
    gene = exons[8].str.extract(_GENE_ID_ATTRIBUTE, expand=False).str.strip()
    gene = gene.where(gene != "")
    parent = exons.loc[gene.isna(), 8].str.extract(_PARENT_ATTRIBUTE, expand=False)
    return pd.DataFrame(
        {
            "seqname": exons[0],
            "feature": exons[2],
            "start": exons[3],  # as read: text when not numbers
            "end": exons[4],
            "gene": gene,
            "parent": parent.str.strip(),  # aligned on the index: NaN elsewhere
        }
    )


def _parent_links(attributes: pd.Series) -> pd.DataFrame:
    """ID -> Parent of the non-exon lines that have a Parent (GFF3 transcripts)."""
    others = attributes[attributes.str.contains("Parent=", regex=False)]
    return pd.DataFrame(
        {
            "id": others.str.extract(_ID_ATTRIBUTE, expand=False).str.strip(),
            "parent": others.str.extract(_PARENT_ATTRIBUTE, expand=False).str.strip(),
        }
    ).dropna()


def _genes_through_parents(
    exons: pd.DataFrame, link_blocks: list[pd.DataFrame], filename: str
) -> pd.DataFrame:
    """Give exons without a gene id the gene of their Parent; raise if any still lacks one.

    Returns a new frame (pandas copy-on-write: the caller's frame is not changed).
    """
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
    return exons


def _exon_coordinates(exons: pd.DataFrame, filename: str) -> tuple[np.ndarray, np.ndarray]:
    """Exon starts and ends as float64; raise unless whole numbers >= 1 with start <= end."""
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
    return start, end


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


def _line_blocks(content: bytes, filename: str) -> Iterator[bytes]:
    """Yield the text in blocks of whole lines, about ``_GTF_BLOCK_BYTES`` each.

    Gzip content is decompressed block by block, so a large annotation never sits in
    memory whole; like :func:`_gunzip`, it may not expand beyond its limit.
    """
    pieces = (
        _gunzip_pieces(content, filename, piece_bytes=_GTF_BLOCK_BYTES)
        if content[:2] == b"\x1f\x8b"
        else [content]
    )
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
