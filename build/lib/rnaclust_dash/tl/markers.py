"""Marker / differential expression genes between sample groups (issue 10).

Orientation: genes x samples. Two kinds of input:

- log values (log2 of normalized counts, log-CPM, VST): Welch t-test (R ``t.test``) and
  Wilcoxon rank-sum test with the normal approximation, continuity and tie correction
  (R ``wilcox.test(exact=FALSE)``), computed for all genes at once;
- raw counts: DESeq2's Wald test (:func:`rnaclust_dash.tl.deseq2.deseq2_wald`).

A comparison is one group against the rest of the samples (``reference=None``) or
against one other group. :func:`find_markers` runs one group against the rest for every
group and returns one long table.

Every result table has, per gene: ``base_mean`` (mean over the compared samples: of the
log values for the t-test and Wilcoxon, of the normalized counts for DESeq2), ``log2fc``
(in minus out: the difference of the mean log2 values, or DESeq2's coefficient),
``statistic`` (Welch t, Wilcoxon W of the group, or DESeq2's Wald z), ``pvalue``,
``padj`` (Benjamini-Hochberg over the genes of this comparison), ``mean_in`` and
``mean_out`` (means in the group and in the reference samples, on the input scale; for
DESeq2 of the normalized counts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, stdtr
from scipy.stats import rankdata

from ..errors import DataError, ParameterError
from ._stats import bh_adjust
from .deseq2 import deseq2_wald

#: Tests :func:`compare_groups` and :func:`find_markers` know.
MARKER_TESTS = ("t-test", "wilcoxon", "deseq2")

#: Columns of a comparison's table, in order (gene ids are the index).
RESULT_COLUMNS = ("base_mean", "log2fc", "statistic", "pvalue", "padj", "mean_in", "mean_out")


def compare_groups(data, labels, *, group, reference=None, test: str = "t-test",
                   gene_ids=None) -> pd.DataFrame:
    """Test every gene for a difference between one group and a reference.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Genes x samples. Log values (log2 scale) for ``"t-test"`` and ``"wilcoxon"``; raw
        counts (non-negative integers) for ``"deseq2"``.
    labels : array-like
        One group label per sample (shape (n_samples,)); samples whose label is missing
        (None or NaN) take part in no comparison.
    group : str, keyword-only
        The group tested (the "in" samples).
    reference : str, optional, keyword-only
        The group it is compared with; ``None`` compares with all other samples.
    test : {"t-test", "wilcoxon", "deseq2"}, keyword-only
        Welch t-test and Wilcoxon rank-sum on log values, DESeq2's Wald test on counts
        (which fits all samples with a labelled group, as ``results(dds, contrast=...)``).
    gene_ids : array-like, optional, keyword-only
        Gene ids (shape (n_genes,)); the DataFrame's index when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per gene (index: gene ids, input order), columns :data:`RESULT_COLUMNS`.

    Raises
    ------
    ParameterError
        Unknown test or group, labels that do not fit the samples, a group with one
        sample for the t-test or DESeq2.
    DataError
        Missing or infinite values, or counts that are not counts, for DESeq2.
    """
    if test not in MARKER_TESTS:
        raise ParameterError(f"Unknown marker test {test!r}: choose one of "
                             f"{', '.join(MARKER_TESTS)}.")
    values, genes = _matrix(data, gene_ids)
    labels = _labels(labels, values.shape[1])
    in_mask, out_mask = _group_masks(labels, group=group, reference=reference)
    if test == "deseq2":
        return _deseq2_comparison(values, labels, genes, group=group, reference=reference)
    if not np.isfinite(values[:, in_mask | out_mask]).all():
        raise DataError("The expression values contain missing or infinite values in the "
                        "compared samples. Filter those genes or fill the values before "
                        "testing.")
    x, y = values[:, in_mask], values[:, out_mask]
    if test == "t-test":
        _need_replicates(labels, in_mask, out_mask, group=group, reference=reference,
                         what="A t-test")
        statistic, pvalue = welch_t_test(x, y)
    else:
        statistic, pvalue = wilcoxon_rank_sum(x, y)
    mean_in, mean_out = x.mean(axis=1), y.mean(axis=1)
    both = values[:, in_mask | out_mask].mean(axis=1)
    return _table(genes, base_mean=both, log2fc=mean_in - mean_out, statistic=statistic,
                  pvalue=pvalue, mean_in=mean_in, mean_out=mean_out)


def find_markers(data, labels, *, test: str = "t-test", groups=None, reference=None,
                 gene_ids=None, symbols=None) -> pd.DataFrame:
    """Marker genes of every group: each group against all other samples (or one group).

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Genes x samples: log values, or counts for ``test="deseq2"``.
    labels : array-like
        One group label per sample, shape (n_samples,).
    test : {"t-test", "wilcoxon", "deseq2"}, keyword-only
        See :func:`compare_groups`.
    groups : sequence of str, optional, keyword-only
        The groups to test; all labelled groups (sorted) when omitted, but ``reference``.
    reference : str, optional, keyword-only
        Compare every group with this one instead of with the rest of the samples.
    gene_ids : array-like, optional, keyword-only
        Gene ids, shape (n_genes,).
    symbols : array-like, optional, keyword-only
        A readable label per gene, shape (n_genes,) (``map_to_symbols(...).symbols``);
        adds a ``symbol`` column after ``gene``.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``group``, ``gene`` (``symbol``) and
        :data:`RESULT_COLUMNS` (the order of the CLI's markers.csv); rows of a group
        sorted by p-value (then by gene order).
    """
    labels_array = _labels(labels, np.shape(data)[1])
    present = sorted({str(label) for label in labels_array if label is not None})
    if len(present) < 2:
        raise ParameterError("Markers need at least two groups of samples; the labels "
                             f"have {len(present)}.")
    if groups is None:
        groups = [g for g in present if reference is None or g != str(reference)]
    tables = []
    for group in map(str, groups):
        table = compare_groups(data, labels_array, group=group, reference=reference, test=test,
                               gene_ids=gene_ids)
        table = table.rename_axis("gene").reset_index()
        table.insert(0, "group", group)
        if symbols is not None:
            table.insert(2, "symbol", np.asarray(symbols, dtype=object))
        order = np.lexsort((np.arange(len(table)), table["pvalue"].fillna(2.0).to_numpy()))
        tables.append(table.iloc[order])
    return pd.concat(tables, ignore_index=True)


def welch_t_test(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch two-sample t-test per row, as R ``t.test(x, y)`` (two-sided).

    Parameters
    ----------
    x, y : numpy.ndarray
        Genes x samples of the two groups (the same genes), at least 2 columns each.

    Returns
    -------
    statistic, pvalue : numpy.ndarray
        Shape (n_genes,). Rows whose standard error is zero (R: "data are essentially
        constant") get NaN.
    """
    n_x, n_y = x.shape[1], y.shape[1]
    mean_x, mean_y = x.mean(axis=1), y.mean(axis=1)
    se2_x = x.var(axis=1, ddof=1) / n_x
    se2_y = y.var(axis=1, ddof=1) / n_y
    stderr = np.sqrt(se2_x + se2_y)
    constant = stderr < 10 * np.finfo(float).eps * np.maximum(np.abs(mean_x), np.abs(mean_y))
    with np.errstate(divide="ignore", invalid="ignore"):
        df = stderr ** 4 / (se2_x ** 2 / (n_x - 1) + se2_y ** 2 / (n_y - 1))
        statistic = (mean_x - mean_y) / stderr
        pvalue = 2 * stdtr(df, -np.abs(statistic))
    statistic[constant] = np.nan
    pvalue[constant] = np.nan
    return statistic, pvalue


def wilcoxon_rank_sum(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilcoxon rank-sum test per row, as R ``wilcox.test(x, y, exact=FALSE)``.

    Normal approximation with continuity correction and the tie correction of the
    variance, two-sided.

    Parameters
    ----------
    x, y : numpy.ndarray
        Genes x samples of the two groups (the same genes).

    Returns
    -------
    statistic, pvalue : numpy.ndarray
        W (R's statistic: the rank sum of ``x`` minus n_x (n_x + 1) / 2) and the p-value,
        shape (n_genes,); NaN p where all values of a row are tied.
    """
    n_x, n_y = x.shape[1], y.shape[1]
    both = np.concatenate([x, y], axis=1)
    ranks = rankdata(both, axis=1)
    w = ranks[:, :n_x].sum(axis=1) - n_x * (n_x + 1) / 2
    # each member of a tie group of size t adds t^2 - 1, so a group adds t^3 - t
    tie_sizes = rankdata(both, method="max", axis=1) - rankdata(both, method="min", axis=1) + 1
    ties = (tie_sizes ** 2 - 1).sum(axis=1)
    n = n_x + n_y
    z = w - n_x * n_y / 2
    sigma = np.sqrt((n_x * n_y / 12) * ((n + 1) - ties / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (z - np.sign(z) * 0.5) / sigma
        pvalue = 2 * np.minimum(ndtr(z), ndtr(-z))
    return w, pvalue


def _deseq2_comparison(counts: np.ndarray, labels: np.ndarray, genes: pd.Index, *,
                       group: str, reference) -> pd.DataFrame:
    """DESeq2 Wald test; one-vs-rest becomes a two-level factor, as a user would code it."""
    if reference is None:
        fit_labels = np.array([None if label is None else
                               (group if label == group else "rest") for label in labels],
                              dtype=object)
        reference_name = "rest"
    else:
        fit_labels, reference_name = labels, str(reference)
    result = deseq2_wald(counts, fit_labels, group=group, reference=reference_name)
    # DESeq2's own padj: Cook's outliers and independent filtering included
    return _table(genes, **{name: result[name] for name in RESULT_COLUMNS})


def _table(genes: pd.Index, **columns) -> pd.DataFrame:
    if "padj" not in columns:
        columns["padj"] = bh_adjust(columns["pvalue"])
    return pd.DataFrame({name: np.asarray(columns[name], dtype=np.float64)
                         for name in RESULT_COLUMNS}, index=genes)


def _matrix(data, gene_ids) -> tuple[np.ndarray, pd.Index]:
    if isinstance(data, pd.DataFrame):
        values = data.to_numpy(dtype=np.float64)
        genes = data.index if gene_ids is None else pd.Index(gene_ids)
    else:
        values = np.asarray(data, dtype=np.float64)
        genes = pd.RangeIndex(values.shape[0]) if gene_ids is None else pd.Index(gene_ids)
    if values.ndim != 2:
        raise ParameterError("Marker tests take a genes x samples matrix.")
    if len(genes) != values.shape[0]:
        raise ParameterError(f"{len(genes)} gene ids were given for {values.shape[0]} genes.")
    return values, pd.Index(genes, name="gene")


def _labels(labels, n_samples: int) -> np.ndarray:
    labels = list(labels)
    if len(labels) != n_samples:
        raise ParameterError(f"{len(labels)} group labels were given for {n_samples} samples: "
                             "give one label per sample (column).")
    return np.array([None if label is None or (np.ndim(label) == 0 and pd.isna(label))
                     else str(label) for label in labels], dtype=object)


def _group_masks(labels: np.ndarray, *, group, reference) -> tuple[np.ndarray, np.ndarray]:
    present = sorted({label for label in labels if label is not None})
    for name in (group,) if reference is None else (group, reference):
        if str(name) not in present:
            raise ParameterError(f"There is no group {str(name)!r} among the sample groups "
                                 f"({', '.join(present)}).")
    if reference is not None and str(reference) == str(group):
        raise ParameterError(f"The group {group!r} cannot be compared with itself: choose "
                             "another reference group, or none for the rest of the samples.")
    in_mask = labels == str(group)
    labelled = np.array([label is not None for label in labels])
    out_mask = (labels == str(reference)) if reference is not None else labelled & ~in_mask
    if not out_mask.any():
        raise ParameterError(f"All labelled samples are in {group!r}: there is nothing to "
                             "compare it with.")
    return in_mask, out_mask


def _need_replicates(labels, in_mask, out_mask, *, group, reference, what: str) -> None:
    for mask, name in ((in_mask, group), (out_mask, reference or "the rest")):
        if mask.sum() < 2:
            raise ParameterError(
                f"{what} needs at least two samples in each group to estimate the "
                f"variance, and {str(name)!r} has {int(mask.sum())}. Merge it with "
                "another group, or use the Wilcoxon test.")
