"""Normalization of a count table: the methods on offer, and :func:`normalize`.

:func:`normalize` takes a genes x samples table and returns a :class:`Normalized`: the
scaled (and optionally log-transformed) values of the genes that pass the expression
filter, with the size and normalization factors used. Scaling factors are computed on the
table as uploaded (all genes), the way DESeq2's ``estimateSizeFactors`` and edgeR's
library sizes are, and genes are filtered afterwards. The methods themselves live in
:mod:`~rnaclust_dash.pp.size_factors`, :mod:`~rnaclust_dash.pp.quantile` and
:mod:`~rnaclust_dash.pp.variance_stabilizing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.quantile import quantile_normalize
from rnaclust_dash.pp.size_factors import calc_norm_factors
from rnaclust_dash.pp.size_factors import deseq2_size_factors
from rnaclust_dash.pp.size_factors import edger_log_cpm
from rnaclust_dash.pp.variance_stabilizing import vst


#: Normalization methods: name -> one sentence for the UI.
NORMALIZATIONS = {
    "none": "Use the values as uploaded (for tables that are already normalized).",
    "cpm": "Counts per million: divide by the library size (total counts) x 1e6.",
    "logcpm": "edgeR-style log2 CPM with a prior count of 2 scaled by library size.",
    "tpm": "Transcripts per million: correct for gene length, then for depth (needs gene lengths).",
    "rpkm": "RPKM/FPKM: reads per kb of gene per million reads (needs gene lengths).",
    "deseq2": "DESeq2 median-of-ratios size factors: robust to a few very highly expressed genes.",
    "tmm": "edgeR TMM: CPM of library sizes scaled by trimmed-mean-of-M-values factors "
           "(robust to composition differences).",
    "uq": "edgeR upper-quartile: CPM of library sizes scaled by each sample's 75th percentile.",
    "rle": "edgeR RLE: CPM of library sizes scaled by relative-log-expression factors "
           "(DESeq-style median ratios).",
    "logcpm-tmm": "edgeR log2 CPM after TMM, prior count 2: the usual input for limma/edgeR plots.",
    "vst": "DESeq2 variance stabilizing transform (blind): log-like scale whose variance does "
           "not depend on the mean; good for clustering and PCA.",
    "quantile": "Quantile normalization (limma): every sample gets the same distribution.",
}

#: How each method is named to the user.
NORMALIZATION_LABELS = {"none": "None (as uploaded)", "cpm": "CPM", "logcpm": "log-CPM (edgeR)",
                        "tpm": "TPM", "rpkm": "RPKM / FPKM", "deseq2": "DESeq2 median-of-ratios",
                        "tmm": "TMM (edgeR)", "uq": "Upper quartile (edgeR)", "rle": "RLE (edgeR)",
                        "logcpm-tmm": "log-CPM after TMM (edgeR)", "vst": "VST (DESeq2)",
                        "quantile": "Quantile"}

#: Methods that already return log values (the log2(x + pseudocount) switch is off).
LOG_SCALE_METHODS = frozenset({"logcpm", "logcpm-tmm", "vst"})

#: Methods that need raw integer counts.
COUNT_METHODS = frozenset({"cpm", "logcpm", "tpm", "rpkm", "deseq2", "tmm", "uq", "rle",
                           "logcpm-tmm", "vst"})

#: edgeR calcNormFactors method of each scaling normalization.
_EDGER_FACTORS = {"tmm": "TMM", "uq": "upperquartile", "rle": "RLE"}


@dataclass(frozen=True)
class Normalized:
    """A normalized matrix and how it was made.

    Attributes
    ----------
    values : pandas.DataFrame
        Genes x samples, float64, after normalization and (optional) log transform,
        restricted to the genes that passed the filter.
    size_factors : pandas.Series or None
        Per-sample scaling factor the counts were divided by (DESeq2 size factor, or
        the effective library size / 1e6 for CPM-like methods); None when the method
        does not scale samples (none, quantile).
    norm_factors : pandas.Series or None
        edgeR normalization factors (TMM, upper quartile, RLE); None otherwise.
    notices : tuple of str
        What the user should know (genes filtered out, genes without a length, ...).
    """

    values: pd.DataFrame
    size_factors: pd.Series | None
    notices: tuple[str, ...] = ()
    norm_factors: pd.Series | None = None


def normalization_availability(value_kind: str, *, has_lengths: bool) -> dict[str, str | None]:
    """Say which normalizations make sense for a table, and why not for the others.

    Parameters
    ----------
    value_kind : {"counts", "normalized", "log"}
        What the table holds (see :class:`rnaclust_dash.dataset.Dataset`).
    has_lengths : bool
        Whether gene lengths are known.

    Returns
    -------
    dict
        Method name -> None when available, else the reason it is not.
    """
    reasons: dict[str, str | None] = {}
    for method in NORMALIZATIONS:
        reason = None
        if method in COUNT_METHODS and value_kind != "counts":
            reason = ("the values are not integer counts (they look already normalized), "
                      "so count-based normalizations do not apply: use 'none'")
        elif method in ("tpm", "rpkm") and not has_lengths:
            reason = ("needs gene lengths: upload a gene-length table, or a featureCounts "
                      "table with its Length column")
        reasons[method] = reason
    return reasons


def _length_factors(gene_lengths: pd.Series | None, gene_ids: pd.Index, method: str) -> np.ndarray:
    if gene_lengths is None:
        raise ParameterError(
            f"{NORMALIZATION_LABELS[method]} needs gene lengths. Upload a gene-length table (gene id, "
            "length in bp) or a featureCounts table with its Length column, or choose "
            "another normalization.")
    lengths = gene_lengths.reindex(gene_ids).to_numpy(dtype=np.float64)
    if np.isnan(lengths).all():
        raise ParameterError(
            f"{NORMALIZATION_LABELS[method]} needs gene lengths, but none of the gene ids of the count "
            "table has a length in the lengths table. Check that both use the same ids.")
    return lengths


def normalize(counts: pd.DataFrame, *, method: str, gene_lengths: pd.Series | None = None,
              log: bool = True, pseudocount: float = 1.0, min_count: float = 0,
              min_samples: int = 0) -> Normalized:
    """Normalize a table, log-transform it and filter out low-expressed genes.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genes x samples values (raw counts for every method but ``"none"``).
    method : str
        One of :data:`NORMALIZATIONS`.
    gene_lengths : pandas.Series, optional
        Gene lengths in bp indexed by gene id (TPM and RPKM need them; genes without a
        length are dropped with a notice).
    log : bool
        Apply ``log2(x + pseudocount)`` after scaling (ignored by ``"logcpm"``, which is
        a log scale already).
    pseudocount : float
        Added before the log.
    min_count, min_samples : float, int
        Keep genes whose raw value is at least ``min_count`` in at least
        ``min_samples`` samples. The filter looks at the uploaded values.

    Returns
    -------
    Normalized
    """
    if method not in NORMALIZATIONS:
        raise ParameterError(f"Unknown normalization '{method}'. Choose one of: "
                             + ", ".join(NORMALIZATIONS) + ".")
    raw = counts.to_numpy(dtype=np.float64)
    notices: list[str] = []
    size_factors = norm_factors = None
    keep = np.ones(raw.shape[0], dtype=bool)
    if method == "none":
        values = raw.copy()
    elif method == "quantile":
        values = quantile_normalize(raw)
    elif method in _EDGER_FACTORS:
        norm_factors = calc_norm_factors(raw, method=_EDGER_FACTORS[method])
        size_factors = raw.sum(axis=0) * norm_factors / 1e6
        values = raw / size_factors
    elif method == "logcpm-tmm":
        norm_factors = calc_norm_factors(raw, method="TMM")
        size_factors = raw.sum(axis=0) * norm_factors / 1e6
        values = edger_log_cpm(raw, norm_factors=norm_factors)
    elif method == "vst":
        size_factors = deseq2_size_factors(raw)
        values = vst(raw, size_factors=size_factors)
    elif method == "cpm":
        size_factors = raw.sum(axis=0) / 1e6
        values = raw / size_factors
    elif method == "logcpm":
        size_factors = raw.sum(axis=0) / 1e6
        values = edger_log_cpm(raw)
    elif method == "deseq2":
        size_factors = deseq2_size_factors(raw)
        values = raw / size_factors
    else:  # tpm, rpkm
        lengths = _length_factors(gene_lengths, counts.index, method)
        has_length = np.isfinite(lengths) & (lengths > 0)
        if not has_length.all():
            notices.append(f"{int((~has_length).sum()):,} genes without a length were left "
                           f"out of {NORMALIZATION_LABELS[method]}.")
        keep &= has_length
        per_kb = raw[has_length] / (lengths[has_length, None] / 1e3)
        if method == "tpm":
            size_factors = per_kb.sum(axis=0) / 1e6
            rates = per_kb / size_factors
        else:
            size_factors = raw.sum(axis=0) / 1e6
            rates = per_kb / size_factors
        values = np.full(raw.shape, np.nan)
        values[has_length] = rates
    if log and method not in LOG_SCALE_METHODS:
        if np.nanmin(values) + pseudocount <= 0:
            raise ParameterError(
                f"Cannot take log2(x + {pseudocount:g}): the table has values of "
                f"{np.nanmin(values):g} or below. Turn the log transform off (the values may "
                "already be logs) or raise the pseudocount.")
        values = np.log2(values + pseudocount)
    rule = f"a value of at least {min_count:,g} in at least {min_samples:,} samples"
    if min_samples > 0 and min_count > 0:
        expressed = (raw >= min_count).sum(axis=1) >= min_samples
        removed = int((keep & ~expressed).sum())
        if removed:
            notices.append(f"{removed:,} of {raw.shape[0]:,} genes were filtered out: the "
                           f"filter keeps genes with {rule}.")
        keep &= expressed
    if keep.sum() < 2:
        passing = int(keep.sum())
        raise DataError(
            f"Only {passing} {'gene passes' if passing == 1 else 'genes pass'} the filter "
            f"({rule}). Lower the minimum count or the minimum number of samples.")
    frame = pd.DataFrame(values[keep], index=counts.index[keep], columns=counts.columns)
    def per_sample(values, name):
        return None if values is None else pd.Series(values, index=counts.columns, name=name)

    return Normalized(frame, per_sample(size_factors, "size_factor"), tuple(notices),
                      per_sample(norm_factors, "norm_factor"))
