"""A :class:`Dataset` from a counts table and, optionally, its sample sheet and lengths."""

from __future__ import annotations

from dataclasses import replace

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.io.counts import parse_counts
from rnaclust_dash.io.lengths import parse_gene_lengths
from rnaclust_dash.io.sheets import parse_metadata


def build_dataset(
    counts_content: bytes,
    counts_filename: str,
    *,
    metadata_content: bytes | None = None,
    metadata_filename: str | None = None,
    lengths_content: bytes | None = None,
    lengths_filename: str | None = None,
    description: str = "",
) -> Dataset:
    """Read a counts table and, optionally, its sample sheet and gene lengths.

    Parameters
    ----------
    counts_content : bytes
        The counts table (see :func:`parse_counts`).
    counts_filename : str
        Its name (becomes the dataset's name).
    metadata_content : bytes, optional
        A sample sheet (see :func:`parse_metadata`).
    metadata_filename : str, optional
        Its name, for messages.
    lengths_content : bytes, optional
        Gene lengths (see :func:`parse_gene_lengths`); they replace a featureCounts
        ``Length`` column.
    lengths_filename : str, optional
        Its name, for messages.
    description : str, default ""
        One line on what the data are.

    Returns
    -------
    Dataset
        With the notices of all readers, in order counts, lengths, sample sheet.

    Raises
    ------
    DataError
        From any of the readers.
    """
    dataset = parse_counts(counts_content, counts_filename)
    notices = list(dataset.notices)
    gene_lengths = dataset.gene_lengths
    if lengths_content is not None:
        lengths_filename = lengths_filename or "gene lengths file"
        gene_lengths, more = parse_gene_lengths(
            lengths_content, lengths_filename, dataset.counts.index
        )
        if dataset.gene_lengths is not None:
            notices.append(
                f"{lengths_filename}: these gene lengths replace the Length column of "
                f"{counts_filename}"
            )
        notices += more
    metadata = None
    if metadata_content is not None:
        metadata, more = parse_metadata(
            metadata_content, metadata_filename or "sample sheet", dataset.counts.columns
        )
        notices += more
    return replace(
        dataset,
        metadata=metadata,
        gene_lengths=gene_lengths,
        description=description,
        notices=tuple(notices),
    )
