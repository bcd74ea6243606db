"""Gene clusters as profiles and lists: per-cluster z-score profiles across samples and
a table of each cluster's genes with their mean expression per sample group.

Pure functions on a genes x samples frame and one cluster label per gene. The
figures are drawn by :mod:`rnaclust_dash.pl.profiles`; the files written by
:mod:`rnaclust_dash.export.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError
from ..pp.features import zscore_rows
from .labels import cluster_labels, natural_key

#: Columns of :func:`cluster_profiles`.
PROFILE_COLUMNS = ("cluster", "sample", "position", "n_genes", "mean", "sd", "q25", "q75")


def _aligned_labels(values: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """The cluster label of each row of ``values`` (every row must have one)."""
    labels = pd.Series(labels)
    missing = values.index.difference(labels.index)
    if len(missing):
        raise DataError(f"{len(missing):,} genes have no cluster (e.g. "
                        f"{', '.join(map(str, missing[:3]))}): cluster the genes again.")
    aligned = labels.reindex(values.index)
    return pd.Series(cluster_labels(aligned.to_numpy()), index=aligned.index)


def sample_order(metadata: pd.DataFrame | None, samples: Sequence[str],
                 column: str | None) -> list[str]:
    """Samples sorted by a sample-sheet column (stable: ties keep the given order;
    samples without a value last). Without a column the given order.

    Parameters
    ----------
    metadata : pandas.DataFrame or None
        Sample sheet indexed by sample id.
    samples : sequence of str
        The samples, in their current order.
    column : str or None
        The column to sort by.
    """
    samples = [str(s) for s in samples]
    if column is None or metadata is None or column not in metadata.columns:
        return samples
    keys = metadata[column].reindex(samples)
    order = np.argsort(pd.factorize(keys, sort=True)[0] % (len(samples) + 1), kind="stable")
    # factorize gives -1 to missing values; the modulo puts them last
    return [samples[i] for i in order]


def cluster_profiles(values: pd.DataFrame, labels: pd.Series, *,
                     samples: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean and spread of each gene cluster's z-scores across the samples.

    Each gene (row) is z-scored across the samples (centred, divided by its standard
    deviation with ddof=1, as R's ``scale(t(x))``; constant genes give zeros), then for
    each cluster and sample the z-scores of the cluster's genes are summarised.

    Parameters
    ----------
    values : pandas.DataFrame, shape (n_genes, n_samples)
        Expression values (normalized log), genes x samples.
    labels : pandas.Series
        Cluster label of each gene, indexed by gene id (every row of ``values``).
    samples : sequence of str, optional
        The samples to show and their order (default: the columns of ``values``).

    Returns
    -------
    pandas.DataFrame
        One row per cluster and sample, columns :data:`PROFILE_COLUMNS`: ``position`` the
        sample's place in ``samples``; ``mean``, ``sd`` (ddof=1; 0 for a one-gene cluster),
        ``q25`` and ``q75`` (linear interpolation) of the cluster's gene z-scores.
    """
    labels = _aligned_labels(values, labels)
    samples = list(values.columns) if samples is None else [str(s) for s in samples]
    unknown = [s for s in samples if s not in values.columns]
    if unknown:
        raise DataError(f"Samples {', '.join(unknown[:5])} are not in the matrix.")
    z = pd.DataFrame(zscore_rows(values.to_numpy(dtype=np.float64)), index=values.index,
                     columns=values.columns)[samples]
    rows = []
    for cluster in sorted(np.unique(labels.to_numpy()).tolist(), key=natural_key):
        block = z.to_numpy()[labels.to_numpy() == cluster]
        n_genes = block.shape[0]
        sd = block.std(axis=0, ddof=1) if n_genes > 1 else np.zeros(block.shape[1])
        q25, q75 = np.percentile(block, [25, 75], axis=0)
        rows.append(pd.DataFrame({
            "cluster": cluster, "sample": samples, "position": np.arange(len(samples)),
            "n_genes": n_genes, "mean": block.mean(axis=0), "sd": sd, "q25": q25, "q75": q75}))
    return pd.concat(rows, ignore_index=True)[list(PROFILE_COLUMNS)]


def gene_zscores(values: pd.DataFrame, genes: Sequence[str], *,
                 samples: Sequence[str] | None = None) -> pd.DataFrame:
    """Row z-scores (as :func:`cluster_profiles`) of some genes, in ``samples`` order.

    Returns a genes x samples frame (only the genes of ``genes`` present in ``values``).
    """
    present = [g for g in genes if g in values.index]
    samples = list(values.columns) if samples is None else list(samples)
    z = zscore_rows(values.loc[present].to_numpy(dtype=np.float64))
    return pd.DataFrame(z, index=present, columns=values.columns)[samples]


def gene_cluster_table(values: pd.DataFrame, labels: pd.Series, *, symbols=None,
                       groups: pd.Series | None = None, group_title: str = "") -> pd.DataFrame:
    """One row per gene: symbol, id, cluster, and its mean value in each sample group.

    Parameters
    ----------
    values : pandas.DataFrame, shape (n_genes, n_samples)
        Expression values (normalized log), genes x samples.
    labels : pandas.Series
        Cluster label of each gene, indexed by gene id.
    symbols : sequence of str, optional
        A readable label per row of ``values`` (default: the ids).
    groups : pandas.Series, optional
        Group of each sample (a sample-sheet column), indexed by sample id; samples
        without a group are left out of the means. Without it, one ``mean`` column
        over all samples.
    group_title : str
        The column's name, put in front of each mean column (``mean condition=treated``).

    Returns
    -------
    pandas.DataFrame
        Columns ``symbol, gene_id, cluster, mean [<title>=<group> ...]``, genes ordered
        by cluster, then by decreasing mean over all samples.
    """
    labels = _aligned_labels(values, labels)
    symbols = values.index.to_numpy(dtype=object) if symbols is None else \
        np.asarray(symbols, dtype=object)
    if len(symbols) != len(values):
        raise ValueError(f"{len(symbols)} symbols for {len(values)} genes")
    table = pd.DataFrame({"symbol": symbols, "gene_id": values.index.astype(str),
                          "cluster": labels.to_numpy()}, index=values.index)
    table["mean"] = values.mean(axis=1)
    if groups is not None:
        groups = pd.Series(groups).reindex(values.columns)
        prefix = f"{group_title}=" if group_title else ""
        for name in _group_order(groups):
            members = groups.index[groups == name]
            table[f"mean {prefix}{name}"] = values[members].mean(axis=1)
    table = table.sort_values(["cluster", "mean"], ascending=[True, False], kind="stable")
    return table.reset_index(drop=True)


def _group_order(groups: pd.Series) -> list:
    present = pd.unique(groups.dropna())
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)
