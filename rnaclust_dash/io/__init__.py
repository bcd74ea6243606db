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

Modules, one per format or role: :mod:`~rnaclust_dash.io.uploads` (size limit, upload
decoding, capped gunzip), :mod:`~rnaclust_dash.io.tables` (text and xlsx reading),
:mod:`~rnaclust_dash.io.counts` (with :mod:`~rnaclust_dash.io.featurecounts`,
:mod:`~rnaclust_dash.io.values` and :mod:`~rnaclust_dash.io.identifiers`),
:mod:`~rnaclust_dash.io.sheets` (sample sheets), :mod:`~rnaclust_dash.io.lengths` and
:mod:`~rnaclust_dash.io.gtf` (gene lengths), :mod:`~rnaclust_dash.io.build` and
:mod:`~rnaclust_dash.io.examples` (whole datasets), :mod:`~rnaclust_dash.io.messages`
(shared wording).
"""

from rnaclust_dash.io.build import build_dataset
from rnaclust_dash.io.counts import parse_counts
from rnaclust_dash.io.examples import EXAMPLES, load_example
from rnaclust_dash.io.gtf import parse_gtf_lengths
from rnaclust_dash.io.lengths import parse_gene_lengths
from rnaclust_dash.io.sheets import parse_metadata
from rnaclust_dash.io.tables import read_table
from rnaclust_dash.io.uploads import (
    MAX_UPLOAD_BYTES,
    check_upload_size,
    decode_upload,
    max_upload_bytes,
)

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
