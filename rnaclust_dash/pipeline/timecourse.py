"""Patterns over time from a Dataset: the values, the genes, and the Mfuzz or degPatterns
tables (the one home of the ``timecourse`` command and the dashboard's Time course view).

Values: for counts, DESeq2's VST with the time design (``vst(blind = FALSE)``, ``~ time``,
what DEGreport feeds degPatterns); log values as given; normalized values as log2(x + 1).
Genes: a list, the N of most variable replicate means (Mfuzz ``filter.std``), or those
whose change with time has padj below a cut in DESeq2's likelihood-ratio test of ``~ time``
vs ``~ 1`` (counts) or in a one-way F-test of time (log values; stated).
Orientation: genes x samples in, profiles genes x time points out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError
from ..tl.degpatterns import deg_patterns
from ..tl.deseq2_lrt import time_lrt, vst_by_time
from ..tl.timecourse import (SoftClusters, average_replicates, mfuzz, select_by_variance,
                             standardise, time_f_test)
from .log_scale import log_values

#: The LRT's padj cut when none is given.
DEFAULT_LRT_PADJ = 0.01


@dataclass(frozen=True)
class TimecourseInput:
    """``values`` genes x samples used (log scale); ``genes`` the selected genes;
    ``selection`` how they were selected (a phrase); ``test`` the LRT / F-test table
    (``padj`` per gene) when genes were selected by a test, else None; ``notices``."""

    values: pd.DataFrame
    genes: list
    selection: str
    test: pd.DataFrame | None = None
    notices: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class PatternTables:
    """What both methods give: ``memberships`` (``gene, cluster, membership_1..C``),
    ``centers`` clusters x time points, ``profiles`` the averaged standardised input
    (genes x time points, string columns: ``time`` or ``group:time``), ``extra`` figures
    for params.json, ``fit`` the Mfuzz SoftClusters (None for degPatterns), ``notices``."""

    memberships: pd.DataFrame
    centers: pd.DataFrame
    profiles: pd.DataFrame
    extra: dict
    fit: SoftClusters | None = None
    notices: tuple = field(default_factory=tuple)


def _replicated(sheet: pd.DataFrame, time_column: str, group_column, group) -> bool:
    """Whether some time point (of the group used) has more than one sample."""
    if group is not None and group_column in sheet.columns:
        sheet = sheet[sheet[group_column].astype(str) == str(group)]
    if time_column not in sheet.columns:
        return True  # the time design names the missing column
    return bool(sheet[time_column].duplicated().any())


def timecourse_input(dataset, *, time_column: str, group_column: str | None = None,
                     group=None, genes: list | None = None, genes_source: str = "the list",
                     top_genes: int | None = None, lrt_padj: float | None = None
                     ) -> TimecourseInput:
    """The log-scale values of the samples used and the genes to cluster.

    Parameters
    ----------
    dataset : Dataset
        Counts (or log / normalized values) with a sample sheet.
    time_column, group_column, group
        As :func:`rnaclust_dash.tl.timecourse.average_replicates`.
    genes : list of str, optional
        Genes to cluster (those absent from the table are left out, said).
    genes_source : str
        Where ``genes`` came from (for the phrase).
    top_genes : int, optional
        The N genes whose replicate means vary most (when ``genes`` is None).
    lrt_padj : float, optional
        Otherwise: genes whose test of time has padj below this (default 0.01).

    Raises
    ------
    DataError
        Fewer than 3 genes pass the selection (and the errors of the tests).
    """
    sheet = dataset.metadata
    where = {"time_column": time_column, "group_column": group_column, "group": group}
    counts = dataset.value_kind == "counts"
    notices = []
    if counts and _replicated(sheet.loc[dataset.counts.columns], time_column, group_column,
                              group):
        values = vst_by_time(dataset.counts, sheet, **where)
    else:
        values, more = log_values(dataset)
        notices.extend(more)
        if counts:
            notices.append("No time point has a replicate, so the VST's dispersion trend "
                           "cannot use the time design: the blind VST is used.")
        if group is not None:
            keep = sheet.loc[values.columns, group_column].astype(str) == str(group)
            values = values.loc[:, keep.to_numpy()]
    test = None
    if genes is not None:
        wanted = list(genes)
        genes = [g for g in wanted if g in values.index]
        if len(genes) < len(wanted):
            notices.append(f"{len(wanted) - len(genes)} of the {len(wanted)} genes of "
                           f"{genes_source} are not in the table and were left out.")
        selection = f"genes of {genes_source}"
    elif top_genes is not None:
        profiles = average_replicates(values, sheet, **where).values
        genes = select_by_variance(profiles, top=top_genes).index.tolist()
        selection = f"the {top_genes} most variable genes"
    else:
        padj = DEFAULT_LRT_PADJ if lrt_padj is None else lrt_padj
        test = time_lrt(dataset.counts, sheet, **where) if counts else \
            time_f_test(values, sheet, **where)
        genes = test.index[(test["padj"] < padj).to_numpy()].tolist()
        name = "DESeq2 LRT of time" if counts else "F-test of time on the log values"
        selection = f"{name}, padj < {padj:g}"
    if len(genes) < 3:
        raise DataError(f"Only {len(genes)} gene(s) pass the selection ({selection}): a "
                        "pattern needs at least 3. Loosen the threshold (a larger padj), "
                        "or select the most variable genes.")
    return TimecourseInput(values, genes, selection, test, tuple(notices))


def time_labels(columns) -> list[str]:
    """Column names for time points, or ``group:time`` for groups side by side."""
    def text(value):
        return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
    return [":".join(map(text, c)) if isinstance(c, tuple) else text(c) for c in columns]


def mfuzz_tables(expression: pd.DataFrame, sheet: pd.DataFrame, *, time_column: str,
                 group_column: str | None = None, clusters: int = 6, m: float | None = None,
                 random_state: int = 0) -> PatternTables:
    """Mfuzz on replicate means of ``expression`` (genes x samples, the selected genes):
    standardised profiles, fuzzy c-means with ``m`` (``mestimate`` when None).

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples log values of the genes to cluster.
    sheet : pandas.DataFrame
        The sample sheet (time column, and group column).
    time_column : str, keyword-only
    group_column : str, optional, keyword-only
        The groups' profiles side by side.
    clusters : int, keyword-only
        Number of clusters c.
    m : float, optional, keyword-only
        Fuzzifier; None: Mfuzz's ``mestimate``.
    random_state : int, keyword-only
        Seed of the c-means starts.

    Returns
    -------
    PatternTables
        Memberships, centers, profiles and what was chosen.
    """
    averaged = average_replicates(expression, sheet, time_column=time_column,
                                  group_column=group_column)
    profiles = standardise(averaged.values)
    profiles.columns = time_labels(profiles.columns)
    fit = mfuzz(profiles, c=clusters, m=m, random_state=random_state)
    memberships = fit.membership.copy()
    memberships.columns = [f"membership_{c}" for c in memberships.columns]
    memberships.insert(0, "cluster", fit.labels)
    return PatternTables(memberships.rename_axis("gene").reset_index(), fit.centers,
                         profiles, {"fuzzifier": fit.m, "objective": fit.objective,
                                    "clusters": int(fit.centers.shape[0])},
                         fit, tuple(averaged.notices))


def degpatterns_tables(expression: pd.DataFrame, sheet: pd.DataFrame, *, time_column: str,
                       group_column: str | None = None, min_cluster_size: int = 15,
                       merge_correlation: float | None = None) -> PatternTables:
    """degPatterns on ``expression`` (genes x samples); memberships are hard (1 in the
    gene's own cluster).

    Parameters
    ----------
    expression, sheet, time_column, group_column
        As :func:`mfuzz_tables`.
    min_cluster_size : int, keyword-only
        degPatterns' ``minc``: smaller patterns are dropped.
    merge_correlation : float, optional, keyword-only
        Merge clusters whose mean profiles correlate above it (off when None, as
        DEGreport 1.34).

    Returns
    -------
    PatternTables
    """
    result = deg_patterns(expression, sheet, time_column=time_column,
                          group_column=group_column, min_cluster_size=min_cluster_size,
                          merge_correlation=merge_correlation)
    profiles = result.profiles.copy()
    profiles.columns = time_labels(profiles.columns)
    clusters = result.clusters
    notices = []
    dropped = len(profiles) - len(clusters)
    if dropped:
        notices.append(f"{dropped:,} genes fell in patterns of {min_cluster_size} genes "
                       "or fewer and are left out (degPatterns' minc).")
    labels = np.sort(clusters.unique())
    memberships = pd.DataFrame({"gene": clusters.index, "cluster": clusters.to_numpy()})
    for label in labels:
        memberships[f"membership_{label}"] = (clusters.to_numpy() == label).astype(float)
    centers = profiles.loc[clusters.index].groupby(clusters.to_numpy()).mean()
    centers.index.name = "cluster"
    return PatternTables(memberships, centers, profiles,
                         {"cut_height": result.cut_height, "clusters": int(len(labels))},
                         None, tuple(notices))
