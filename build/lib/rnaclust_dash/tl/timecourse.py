"""Time courses: replicate averaging and soft clustering of profiles, as Mfuzz does.

Orientation: expression is genes x samples (a DataFrame, samples as columns); the sample
sheet is a DataFrame indexed by sample id. Profiles are genes x time points.

The functions follow Mfuzz 2.x (Futschik & Carlisle 2005): ``standardise`` (each gene to
mean 0, sd 1), ``mestimate`` (the fuzzifier of Schwaemmle & Jensen 2010), ``mfuzz``
(e1071 ``cmeans`` with that fuzzifier), ``acore`` (alpha cores), ``overlap`` and ``Dmin``.
DEGreport's ``degPatterns`` is in :mod:`rnaclust_dash.tl.degpatterns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from .cmeans import fuzzy_cmeans
from ._stats import bh_adjust

#: Fewest distinct time points a pattern analysis accepts.
MIN_TIME_POINTS = 4


@dataclass(frozen=True)
class TimeProfiles:
    """Replicate means: ``values`` genes x time points (columns are the time values, or
    (group, time) pairs when groups are kept side by side); ``replicates`` the number of
    samples averaged into each column; ``notices`` sentences for the user."""

    values: pd.DataFrame
    replicates: pd.Series
    notices: tuple[str, ...] = field(default_factory=tuple)


def _numeric_times(metadata: pd.DataFrame, time_column: str) -> pd.Series:
    """The time column as numbers, or a DataError naming the text values found."""
    if time_column not in metadata.columns:
        raise ParameterError(f"The sample sheet has no column '{time_column}'; its columns "
                             f"are: {', '.join(map(str, metadata.columns))}.")
    raw = metadata[time_column]
    times = pd.to_numeric(raw, errors="coerce")
    bad = raw[times.isna()]
    if len(bad):
        shown = ", ".join(repr(str(v)) for v in pd.unique(bad.astype(str))[:4])
        raise DataError(
            f"The time column '{time_column}' must hold numbers (minutes, hours or a dose); "
            f"{len(bad)} sample(s) have {shown}. Recode it as numbers (e.g. 'day 2' -> 2) "
            "so time points can be ordered and spaced.")
    return times.astype(np.float64)


def average_replicates(expression: pd.DataFrame, metadata: pd.DataFrame, *,
                       time_column: str, group_column: str | None = None,
                       group: object | None = None) -> TimeProfiles:
    """Mean of the replicate samples at each time point (and group).

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples, on a log-like scale (VST, log-CPM).
    metadata : pandas.DataFrame
        Sample sheet indexed by sample id; must cover every column of ``expression``.
    time_column : str
        Numeric column with the time (or dose) of each sample.
    group_column : str, optional
        Column of a condition (strain, treatment). With ``group`` set, only that group's
        samples are used; without it each group gets its own profile columns, side by side.
    group : optional
        The value of ``group_column`` to keep.

    Returns
    -------
    TimeProfiles
        Columns ordered by time (within group).

    Raises
    ------
    DataError
        Text in the time column, samples missing from the sheet, or fewer than
        ``MIN_TIME_POINTS`` time points.
    """
    missing = [s for s in expression.columns if s not in metadata.index]
    if missing:
        raise DataError(f"{len(missing)} sample(s) of the expression table are not in the "
                        f"sample sheet (e.g. {missing[0]!r}); add them or drop those columns.")
    sheet = metadata.loc[list(expression.columns)]
    times = _numeric_times(sheet, time_column)
    keys = [times]
    if group_column is not None:
        if group_column not in sheet.columns:
            raise ParameterError(f"The sample sheet has no column '{group_column}'.")
        groups = sheet[group_column].astype(str)
        if group is not None:
            keep = (groups == str(group)).to_numpy()
            if not keep.any():
                raise ParameterError(f"No sample has {group_column} = {group!r}; values are "
                                     f"{', '.join(sorted(groups.unique()))}.")
            expression, times = expression.loc[:, keep], times[keep]
            keys = [times]
        else:
            keys = [groups, times]
    n_times = times.nunique()
    if n_times < MIN_TIME_POINTS:
        raise DataError(
            f"The time column '{time_column}' has {n_times} distinct time point(s) in the "
            f"samples used; a pattern over time needs at least {MIN_TIME_POINTS}. With "
            "fewer, compare the time points by differential expression instead.")
    grouped = expression.T.groupby([k.to_numpy() for k in keys], sort=True)
    values = grouped.mean().T
    replicates = grouped.size()
    if len(keys) == 1:
        values.columns = values.columns.get_level_values(0)
        replicates.index = replicates.index.get_level_values(0)
    notices = []
    if (replicates == 1).all():
        notices.append("Each time point has a single sample, so nothing was averaged and "
                       "noise cannot be told apart from a pattern: interpret clusters with "
                       "care, and prefer variance over a likelihood-ratio test to select genes.")
    elif (replicates == 1).any():
        notices.append(f"{int((replicates == 1).sum())} time point(s) have a single sample.")
    return TimeProfiles(values, replicates, tuple(notices))


def select_by_variance(profiles: pd.DataFrame, *, top: int | None = None,
                       min_sd: float | None = None) -> pd.DataFrame:
    """Genes (rows) with the most variable profiles, as Mfuzz's ``filter.std``.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Genes x time points.
    top : int, optional
        Keep this many genes of largest standard deviation (ties by order).
    min_sd : float, optional
        Keep genes whose standard deviation (n - 1) is at least this.

    Returns
    -------
    pandas.DataFrame
        The selected rows, in their original order.
    """
    sd = profiles.std(axis=1, ddof=1)
    keep = sd.notna()
    if min_sd is not None:
        keep &= sd >= min_sd
    if top is not None:
        if top < 1:
            raise ParameterError(f"top must be at least 1; got {top}.")
        ranked = sd[keep].sort_values(ascending=False, kind="stable")
        keep &= sd.index.isin(ranked.index[:top])
    if not keep.any():
        raise DataError("No gene passes the selection (standard deviation at least "
                        f"{min_sd}); lower the threshold or check that the profiles vary.")
    return profiles.loc[keep.to_numpy()]


def time_design(table: pd.DataFrame, metadata: pd.DataFrame, *, time_column: str,
                group_column: str | None = None, group: object | None = None
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """The samples of a test of time and their design (time as a factor).

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        ``table`` restricted to the group's samples (genes x samples), and the samples x
        time points indicator matrix (columns in increasing time).

    Raises
    ------
    DataError
        Text times, fewer than ``MIN_TIME_POINTS`` time points, or no time point with a
        replicate (no variance within time points to test against).
    """
    sheet = metadata.loc[list(table.columns)]
    if group_column is not None and group is not None:
        keep = (sheet[group_column].astype(str) == str(group)).to_numpy()
        table, sheet = table.loc[:, keep], sheet.loc[keep]
    times = _numeric_times(sheet, time_column).to_numpy()
    levels, codes = np.unique(times, return_inverse=True)
    if len(levels) < MIN_TIME_POINTS:
        raise DataError(f"The time column '{time_column}' has {len(levels)} distinct time "
                        f"point(s); a test of time needs at least {MIN_TIME_POINTS}.")
    if len(times) <= len(levels):
        raise DataError("Every time point has a single sample, so there is no replicate "
                        "variance to test time against: select genes by variance instead.")
    return table, np.eye(len(levels))[codes]


def time_f_test(expression: pd.DataFrame, metadata: pd.DataFrame, *, time_column: str,
                group_column: str | None = None, group: object | None = None) -> pd.DataFrame:
    """Does a gene change with time? One-way ANOVA F-test of time on log-scale values.

    A fast alternative to DESeq2's likelihood-ratio test (``rnaclust_dash.tl.deseq2_lrt``)
    for values that are not counts: the same two nested models (time as a factor vs an
    intercept), fitted by least squares on VST / log values. It has less power: on the
    fission wild type its padj < 0.01 set is 1,794 genes, 1,785 of them in DESeq2's 2,845.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples, log scale (VST).
    metadata : pandas.DataFrame
        Sample sheet indexed by sample id.
    time_column : str
        Numeric time column.
    group_column, group : optional
        Restrict to the samples of one group.

    Returns
    -------
    pandas.DataFrame
        Genes x (``F``, ``pvalue``, ``padj``), padj by Benjamini-Hochberg.

    Raises
    ------
    DataError
        Fewer than 4 time points, or no replicate at any time point (no residual
        variance to test against).
    """
    from scipy import stats

    expression, onehot = time_design(expression, metadata, time_column=time_column,
                                     group_column=group_column, group=group)
    n, k = onehot.shape
    codes = onehot.argmax(axis=1)
    values = expression.to_numpy(dtype=np.float64)
    group_means = values @ onehot / onehot.sum(axis=0)
    within = ((values - group_means[:, codes]) ** 2).sum(axis=1)
    total = ((values - values.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = ((total - within) / (k - 1)) / (within / (n - k))
    pvalue = stats.f.sf(f, k - 1, n - k)
    return pd.DataFrame({"F": f, "pvalue": pvalue,
                         # genes with no variance (NaN) count as p = 1 in the BH
                         "padj": bh_adjust(np.nan_to_num(pvalue, nan=1.0))},
                        index=expression.index)


def standardise(profiles: pd.DataFrame) -> pd.DataFrame:
    """Each gene's profile to mean 0 and standard deviation 1 (n - 1), as Mfuzz.

    Raises
    ------
    DataError
        A gene whose profile is flat (sd 0) cannot be standardised.
    """
    values = profiles.to_numpy(dtype=np.float64)
    sd = values.std(axis=1, ddof=1)
    flat = ~(sd > 0)
    if flat.any():
        names = ", ".join(map(str, profiles.index[flat][:3]))
        raise DataError(f"{int(flat.sum())} gene(s) have the same value at every time "
                        f"point (e.g. {names}); remove flat genes (select by variance) first.")
    scaled = (values - values.mean(axis=1, keepdims=True)) / sd[:, None]
    return pd.DataFrame(scaled, index=profiles.index, columns=profiles.columns)


def mestimate(n_genes: int, n_time_points: int) -> float:
    """Mfuzz's ``mestimate``: the fuzzifier of Schwaemmle & Jensen (2010).

    ``1 + (1418 / N + 22.05) D^-2 + (12.33 / N + 0.243) D^(-0.0406 ln N - 0.1134)`` for N
    genes and D time points: large enough that random data forms no clusters.
    """
    n, d = float(n_genes), float(n_time_points)
    return float(1 + (1418 / n + 22.05) * d ** -2
            + (12.33 / n + 0.243) * d ** (-0.0406 * np.log(n) - 0.1134))


@dataclass(frozen=True)
class SoftClusters:
    """Soft clusters of profiles: ``membership`` genes x clusters (columns 1..c),
    ``centers`` clusters x time points, ``labels`` the cluster of largest membership,
    ``m`` the fuzzifier used and ``objective`` e1071's within error (lower is better)."""

    labels: pd.Series
    membership: pd.DataFrame
    centers: pd.DataFrame
    m: float
    objective: float


def mfuzz(profiles: pd.DataFrame, *, c: int, m: float | None = None, n_init: int = 10,
          random_state: int = 0) -> SoftClusters:
    """Fuzzy c-means of standardised profiles, as Mfuzz ``mfuzz`` (e1071 ``cmeans``).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Genes x time points, standardised (see :func:`standardise`).
    c : int
        Number of clusters.
    m : float, optional
        Fuzzifier; ``mestimate`` of the data when omitted.
    n_init : int
        Random starts; the one of lowest objective is kept (R runs one start).
    random_state : int
        Seed.

    Returns
    -------
    SoftClusters
    """
    values = profiles.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise DataError("The profiles contain missing or infinite values; fill or drop "
                        "those genes first.")
    if m is None:
        m = mestimate(*values.shape)
    if not 2 <= c < len(values):
        raise ParameterError(f"The number of clusters must be between 2 and the number of "
                             f"genes - 1 ({len(values) - 1}); got {c}.")
    fit = fuzzy_cmeans(values, k=c, m=m, n_init=n_init, random_state=random_state)
    clusters = pd.Index(range(1, c + 1), name="cluster")
    return SoftClusters(
        labels=pd.Series(fit.labels, index=profiles.index, name="cluster"),
        membership=pd.DataFrame(fit.membership, index=profiles.index, columns=clusters),
        centers=pd.DataFrame(fit.centers, index=clusters, columns=profiles.columns),
        m=float(m), objective=fit.objective)


def alpha_cores(clusters: SoftClusters, *, threshold: float = 0.5) -> pd.DataFrame:
    """Genes whose membership in their own cluster exceeds ``threshold`` (Mfuzz ``acore``).

    Returns
    -------
    pandas.DataFrame
        Columns ``gene``, ``cluster``, ``membership``, sorted by cluster and then by
        decreasing membership.
    """
    if not 0 <= threshold < 1:
        raise ParameterError(f"The membership threshold must be in [0, 1); got {threshold}.")
    labels = clusters.labels.to_numpy()
    own = clusters.membership.to_numpy()[np.arange(len(labels)), labels - 1]
    keep = own > threshold
    table = pd.DataFrame({"gene": clusters.labels.index[keep], "cluster": labels[keep],
                          "membership": own[keep]})
    return table.sort_values(["cluster", "membership"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


def cluster_overlap(membership: pd.DataFrame) -> pd.DataFrame:
    """Mfuzz ``overlap``: ``O[i, j] = sum_g u_gi u_gj``, each column scaled to sum 1.

    Returns
    -------
    pandas.DataFrame
        Clusters x clusters; a large off-diagonal value means many genes are shared.
    """
    u = membership.to_numpy(dtype=np.float64)
    shared = u.T @ u
    return pd.DataFrame(shared / shared.sum(axis=0, keepdims=True),
                        index=membership.columns, columns=membership.columns)


def minimum_centroid_distance(profiles: pd.DataFrame, *, c_values, m: float | None = None,
                              repeats: int = 3, random_state: int = 0) -> pd.Series:
    """Mfuzz ``Dmin``: mean over ``repeats`` runs of the smallest distance between two
    cluster centres, for each c. A steep drop followed by a plateau marks a useful c.

    Returns
    -------
    pandas.Series
        Indexed by c.
    """
    result = {}
    for c in c_values:
        distances = []
        for repeat in range(repeats):
            fit = mfuzz(profiles, c=int(c), m=m, n_init=1, random_state=random_state + repeat)
            centers = fit.centers.to_numpy()
            gaps = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
            distances.append(gaps[np.triu_indices(len(centers), 1)].min())
        result[int(c)] = float(np.mean(distances))
    return pd.Series(result, name="dmin").rename_axis("c")
