"""The Dataset: what an upload becomes once parsed and validated."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Kinds of values a count table may hold (decides which normalizations make sense).
VALUE_KINDS = ("counts", "normalized", "log")


@dataclass(frozen=True)
class Dataset:
    """A validated expression table with its annotations.

    Attributes
    ----------
    counts : pandas.DataFrame
        Genes x samples, float64. Index: unique gene ids (str); columns: unique sample
        ids (str). No NaN, no infinite values. Despite the name it may hold already
        normalized values; ``value_kind`` says which.
    value_kind : {"counts", "normalized", "log"}
        ``"counts"``: non-negative integers (raw read counts).
        ``"normalized"``: non-negative, some non-integers (TPM, FPKM, normalized counts).
        ``"log"``: already on a log scale or centred (may hold negatives; e.g. microarray,
        log-CPM).
    metadata : pandas.DataFrame or None
        Samples x annotations, index equal to ``counts.columns`` (same order); columns
        are strings or numbers. Samples missing from the uploaded sheet get NaN.
    gene_lengths : pandas.Series or None
        Gene length in bp (float), index equal to ``counts.index``; NaN where unknown.
    name : str
        What to call the dataset in the UI (file name or example name).
    description : str
        One line on what it is and where it comes from (shown under the title).
    notices : tuple of str
        Things the reader did that the user should know (transposed, columns skipped,
        ids matched tolerantly, all-zero genes removed, ...).
    """

    counts: pd.DataFrame
    value_kind: str = "counts"
    metadata: pd.DataFrame | None = None
    gene_lengths: pd.Series | None = None
    name: str = "dataset"
    description: str = ""
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_genes(self) -> int:
        """Number of genes (rows)."""
        return self.counts.shape[0]

    @property
    def n_samples(self) -> int:
        """Number of samples (columns)."""
        return self.counts.shape[1]
