"""The log-scale values the pattern analyses (time course, modules) start from, shared by
their CLI commands and their dashboard views. Orientation: genes x samples."""

from __future__ import annotations

import pandas as pd

from ..pp.normalization import normalize


def log_values(dataset, *, method: str = "vst") -> tuple[pd.DataFrame, list[str]]:
    """Genes x samples on a log scale: counts by ``method`` (DESeq2's blind VST, or
    edgeR's log-CPM), log2(x + 1) of normalized values, log values as given. Returns the
    values and notices."""
    if dataset.value_kind == "counts":
        return normalize(dataset.counts, method=method, log=False).values, []
    if dataset.value_kind == "normalized":
        values = normalize(dataset.counts, method="none", log=True, pseudocount=1.0).values
        return values, ["The table holds normalized values (not counts): log2(x + 1) of them "
                        "is used."]
    return dataset.counts.copy(), []
