"""Marker genes of the analysis' samples: which samples form which group, which matrix each
test reads, and the tests themselves (the one home of the ``markers`` command and the
dashboard's Markers view).

Groups are the sample clusters of :func:`~.run.run_analysis` or the values of a
sample-sheet column. Welch t and Wilcoxon read the normalized (batch-corrected) log values
of the filtered genes; DESeq2 the raw counts of the same genes and samples (after
exclusions / ComBat-seq). Orientation: genes x samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from ..params import AnalysisParams
from ..pp.normalization import LOG_SCALE_METHODS
from ..store import ResultStore
from ..tl.gene_ids import map_to_symbols
from ..tl.markers import MARKER_TESTS, find_markers
from .prepare import normalized_matrix, prepared_dataset
from .run import run_analysis


@dataclass(frozen=True)
class MarkerInputs:
    """What the marker tests read.

    Attributes
    ----------
    values : pandas.DataFrame
        Genes x samples the test reads: ``log_values`` for t-test / Wilcoxon, raw counts
        of the same genes and samples for DESeq2.
    log_values : pandas.DataFrame
        Genes x samples, normalized log2 values of the filtered genes (finite rows).
    groups : pandas.Series
        Group of each sample (index: the samples of ``values``, in order), as text; None
        where a sample has none (it takes part in no comparison).
    symbols : numpy.ndarray
        Symbol per gene of ``values``, shape (n_genes,); ``""`` where the id maps to none.
    symbol_report : str
        What mapped to symbols, for the user.
    notices : list of str
        What was done to the values that the user should know.
    """

    values: pd.DataFrame
    log_values: pd.DataFrame
    groups: pd.Series
    symbols: np.ndarray
    symbol_report: str
    notices: list = field(default_factory=list)


def group_names(groups: pd.Series) -> list[str]:
    """The groups present in ``groups`` (None left out); cluster numbers in numeric order
    (``2`` before ``10``, ``cluster 2`` before ``cluster 10``), other names sorted."""
    names = {g for g in groups if g is not None}

    def order(name: str):
        last = name.split()[-1] if name.split() else name
        return (0, int(last), name) if last.isdigit() else (1, 0, name)
    return sorted(names, key=order)


def sample_groups(store: ResultStore, key: str, params: AnalysisParams, *,
                  group_by: str | None = None, cluster_label: str = "{}",
                  splits: Sequence = ()) -> pd.Series:
    """The group of each sample of the analysis, as text.

    Parameters
    ----------
    store, key, params
        The result store, the dataset's key and the analysis parameters.
    group_by : str, optional, keyword-only
        Sample-sheet column whose values are the groups; None: the clusters of
        :func:`run_analysis` (which must cluster samples).
    cluster_label : str, keyword-only
        Format of a cluster's group name (``"cluster {}"`` gives ``cluster 1``).
    splits : sequence of SplitStep, keyword-only
        Splits of the clusters (:mod:`rnaclust_dash.pipeline.subcluster`): groups such as
        ``cluster 3.1``.

    Returns
    -------
    pandas.Series
        Index: the samples of the normalized matrix (after exclusions), in its order;
        values: group names, None for a sample without a value in the column.
    """
    samples = normalized_matrix(store, key, params).values.columns
    if group_by is None:
        if params.target != "samples":
            raise ParameterError("The clusters are gene clusters: group the samples by a "
                                 "sample-sheet column instead.")
        from .subcluster import split_analysis
        analysis = split_analysis(store, run_analysis(store, key, params), splits)
        clusters = pd.Series([cluster_label.format(label) for label in analysis.labels],
                             index=analysis.features.item_ids, dtype=object)
        return clusters.reindex(samples).rename_axis(None)
    sheet = prepared_dataset(store, key, params).metadata
    if sheet is None or group_by not in sheet.columns:
        present = "" if sheet is None else f" (columns: {', '.join(map(str, sheet.columns))})"
        raise ParameterError(f"The sample sheet has no such column {group_by!r}{present}: "
                             "choose another column, or give the sheet that has it.")
    values = sheet[group_by].reindex(samples)
    return pd.Series([None if pd.isna(v) else str(v) for v in values], index=samples,
                     dtype=object).rename_axis(None)


def marker_log_values(store: ResultStore, key: str, params: AnalysisParams
                      ) -> tuple[pd.DataFrame, list[str]]:
    """Normalized, filtered, batch-corrected values of all genes on the log2 scale
    (genes x samples; log2(x + 1) when the analysis does not log them), genes with a
    missing or infinite value left out. Returns the values and notices."""
    values = normalized_matrix(store, key, params).values
    kind = prepared_dataset(store, key, params).value_kind
    notices = []
    if not (params.log_transform or params.normalization in LOG_SCALE_METHODS
            or kind == "log"):
        values = np.log2(values.clip(lower=0) + 1.0)
        notices.append("The analysis does not log the values: the marker tests compare "
                       "log2(x + 1) of the normalized values.")
    finite = np.isfinite(values.to_numpy()).all(axis=1)
    if not finite.all():
        notices.append(f"{int((~finite).sum()):,} genes with a missing or infinite value "
                       "are not tested.")
        values = values[finite]
    return values, notices


def marker_inputs(store: ResultStore, key: str, params: AnalysisParams, *, test: str,
                  group_by: str | None = None, cluster_label: str = "{}",
                  mapping=None, splits: Sequence = ()) -> MarkerInputs:
    """The groups and the matrix a marker test reads (see :class:`MarkerInputs`).

    ``test`` is one of :data:`~rnaclust_dash.tl.markers.MARKER_TESTS`; ``group_by``,
    ``cluster_label`` and ``splits`` as in :func:`sample_groups`; ``mapping`` a gene id -> symbol table
    (:func:`~rnaclust_dash.tl.gene_ids.map_to_symbols`; None: the bundled human table).
    """
    if test not in MARKER_TESTS:
        raise ParameterError(f"Unknown marker test {test!r}: choose one of "
                             f"{', '.join(MARKER_TESTS)}.")
    groups = sample_groups(store, key, params, group_by=group_by, cluster_label=cluster_label,
                           splits=splits)
    logs, notices = marker_log_values(store, key, params)
    logs = logs[groups.index]
    if test == "deseq2":
        dataset = prepared_dataset(store, key, params)
        if dataset.value_kind != "counts":
            raise DataError(f"DESeq2 needs raw read counts (non-negative integers), but this "
                            f"table holds {dataset.value_kind} values. Upload the raw counts, "
                            "or use the t-test or Wilcoxon test.")
        values = dataset.counts.reindex(index=logs.index, columns=groups.index)
    else:
        values = logs
    symbols = map_to_symbols(values.index, mapping=mapping, if_none_mapped="keep")
    return MarkerInputs(values=values, log_values=logs, groups=groups,
                        symbols=np.where(symbols.mapped, symbols.symbols, "").astype(object),
                        symbol_report=symbols.report, notices=notices)


def run_markers(inputs: MarkerInputs, *, test: str, groups=None, reference: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Marker table of each group against the rest of the samples (or ``reference``).

    Parameters
    ----------
    inputs : MarkerInputs
        From :func:`marker_inputs` with the same ``test``.
    test : {"t-test", "wilcoxon", "deseq2"}, keyword-only
    groups : sequence of str, optional, keyword-only
        Groups to test; default all (in :func:`group_names` order) but ``reference``.
    reference : str, optional, keyword-only
        Compare each group with this one instead of with the rest.
    progress : callable, optional, keyword-only
        Called ``progress(done, total)`` before each group.

    Returns
    -------
    pandas.DataFrame
        :func:`~rnaclust_dash.tl.markers.find_markers`' long table (``group``, ``gene``,
        ``symbol``, result columns). With two groups against each other, DESeq2 fits once:
        the second group's Wald test is the first's mirrored (same p, negated z).
    """
    present = group_names(inputs.groups)
    if len(present) < 2:
        raise ParameterError(f"Markers need at least two groups of samples; there are "
                             f"{len(present)} among the samples of the analysis.")
    if reference is not None and str(reference) not in present:
        raise ParameterError(f"There is no group {str(reference)!r} among the sample groups "
                             f"({', '.join(present)}).")
    if groups is None:
        groups = [g for g in present if reference is None or g != str(reference)]
    labels = inputs.groups.to_numpy(dtype=object)
    tables = []
    for done, group in enumerate(groups):
        if progress is not None:
            progress(done, len(groups))
        if test == "deseq2" and reference is None and len(present) == 2 and tables:
            first = tables[0]
            tables.append(first.assign(
                group=group, log2fc=-first["log2fc"], statistic=-first["statistic"],
                mean_in=first["mean_out"], mean_out=first["mean_in"]))
            break
        tables.append(find_markers(inputs.values, labels, test=test, groups=[group],
                                   reference=reference, symbols=inputs.symbols))
    return pd.concat(tables, ignore_index=True)
