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

Single-cell input (cells x genes, sparse counts): :mod:`~rnaclust_dash.io.single_cell`
(:func:`read_single_cell` for every format, :func:`detect_mode`), with
:mod:`~rnaclust_dash.io.tenx` (10x folders and their .zip / .tar.gz, via
:mod:`~rnaclust_dash.io.archives`), :mod:`~rnaclust_dash.io.tenx_h5` (10x .h5),
:mod:`~rnaclust_dash.io.h5ad`, :mod:`~rnaclust_dash.io.cell_matrix` (the checks they
share), :mod:`~rnaclust_dash.io.cells` (cell sheets) and
:mod:`~rnaclust_dash.io.data_dir` (the server's ``RNACLUST_DATA_DIR``).
"""

from rnaclust_dash.io.build import build_dataset
from rnaclust_dash.io.cells import attach_cell_sheet
from rnaclust_dash.io.data_dir import (DataDirEntry, data_dir_path, data_dir_root,
                                       list_data_dir, load_data_dir_entry)
from rnaclust_dash.io.counts import parse_counts
from rnaclust_dash.io.examples import EXAMPLES, LESSONS, Lesson, load_example
from rnaclust_dash.io.gtf import parse_gtf_lengths
from rnaclust_dash.io.lengths import parse_gene_lengths
from rnaclust_dash.io.sheets import parse_metadata
from rnaclust_dash.io.single_cell import (MODES, detect_mode, is_single_cell_input,
                                          read_single_cell, resolve_mode)
from rnaclust_dash.io.tables import read_table
from rnaclust_dash.io.uploads import (
    MAX_UPLOAD_BYTES,
    check_upload_size,
    decode_upload,
    max_upload_bytes,
)

__all__ = [
    "DataDirEntry",
    "EXAMPLES",
    "LESSONS",
    "Lesson",
    "MAX_UPLOAD_BYTES",
    "MODES",
    "attach_cell_sheet",
    "build_dataset",
    "check_upload_size",
    "data_dir_path",
    "data_dir_root",
    "decode_upload",
    "detect_mode",
    "is_single_cell_input",
    "list_data_dir",
    "load_data_dir_entry",
    "load_example",
    "max_upload_bytes",
    "parse_counts",
    "parse_gene_lengths",
    "parse_gtf_lengths",
    "parse_metadata",
    "read_single_cell",
    "read_table",
    "resolve_mode",
]
