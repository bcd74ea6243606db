"""Over-representation analysis of gene lists against gene sets (hypergeometric test, BH).

For one query (a gene list, a gene cluster, the up markers of a group):

- universe: the genes that were tested (after filtering); query and set genes outside
  it are not counted;
- a set's size is counted within the universe, and only sets of ``min_size..max_size``
  such genes are tested (default 10..500); all of them enter the BH correction, also
  those without a query gene (p = 1), as GOstats does (clusterProfiler drops them first);
- p-value: ``phyper(overlap - 1, n_term, n_universe - n_term, n_query, lower.tail=FALSE)``;
  padj: ``p.adjust(p, "BH")`` over the tested sets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import hypergeom

from ..errors import DataError, ParameterError
from ._stats import bh_adjust
from .genesets import GeneSets, membership_matrix

#: Columns of an enrichment table, in order.
ENRICHMENT_COLUMNS = ("query", "term", "description", "n_overlap", "n_term", "n_query",
                      "n_universe", "pvalue", "padj", "genes")


def over_representation(query, gene_sets: GeneSets, *, universe, min_size: int = 10,
                        max_size: int = 500, query_name: str = "query") -> pd.DataFrame:
    """Hypergeometric over-representation of one gene list in each gene set.

    Parameters
    ----------
    query : iterable of str
        The genes of interest (ids of the same kind as the sets').
    gene_sets : GeneSets
        From :func:`rnaclust_dash.tl.genesets.read_gmt` or ``bundled_gene_sets``.
    universe : iterable of str, keyword-only
        All genes that were tested (the background).
    min_size, max_size : int, keyword-only
        Sets with fewer or more genes in the universe are not tested.
    query_name : str, keyword-only
        Written in the ``query`` column.

    Returns
    -------
    pandas.DataFrame
        One row per tested set, sorted by p-value (then by set order), columns
        :data:`ENRICHMENT_COLUMNS`; ``genes`` is the overlap, sorted, joined by ``;``.
        ``attrs["notices"]`` says how many query genes were outside the universe.

    Raises
    ------
    ParameterError
        Size limits that are not 1 <= min_size <= max_size.
    DataError
        An empty universe or query, a query larger than the universe, a query or gene
        sets with no gene in the universe, or no set within the size limits.
    """
    if not 1 <= min_size <= max_size:
        raise ParameterError(f"Gene set size limits must satisfy 1 <= minimum <= maximum; got "
                             f"{min_size}..{max_size}.")
    universe = pd.Index(pd.unique(pd.Series(list(universe), dtype=object).astype(str)))
    query = pd.unique(pd.Series(list(query), dtype=object).astype(str))
    _check_sizes(query, universe, query_name)
    in_universe = universe.get_indexer(query) >= 0
    notices = []
    if not in_universe.all():
        outside = query[~in_universe]
        notices.append(f"{outside.size} of the {query.size} genes of {query_name!r} are not "
                       f"in the universe (the genes tested) and are not counted, e.g. "
                       f"{', '.join(outside[:5])}.")
    query_positions = universe.get_indexer(query[in_universe])
    if query_positions.size == 0:
        raise DataError(f"None of the {query.size} genes of {query_name!r} is among the genes "
                        f"tested (e.g. {', '.join(query[:3])}): are they ids of the same kind "
                        "as the data's (symbols, Ensembl, Entrez)?")
    membership = membership_matrix(gene_sets, universe)
    n_term = np.asarray(membership.sum(axis=1)).ravel().astype(int)
    if n_term.max() == 0:
        raise DataError(f"No gene of the {len(gene_sets)} sets in {gene_sets.source} is among "
                        f"the {universe.size} genes tested: are the sets for this species "
                        "and the same kind of gene id as the data (symbols vs Ensembl)?")
    tested = np.flatnonzero((n_term >= min_size) & (n_term <= max_size))
    if tested.size == 0:
        raise DataError(f"No gene set of {gene_sets.source} has between {min_size} and "
                        f"{max_size} genes among the {universe.size} genes tested (the "
                        f"largest has {n_term.max()}). Widen the size limits.")
    in_query = np.zeros(universe.size)
    in_query[query_positions] = 1.0
    rows = membership[tested]
    overlap = np.rint(rows @ in_query).astype(int)
    n_query, n_universe = query_positions.size, universe.size
    pvalue = hypergeom.sf(overlap - 1, n_universe, n_term[tested], n_query)
    table = pd.DataFrame({
        "query": query_name,
        "term": [gene_sets.names[i] for i in tested],
        "description": [gene_sets.descriptions[i] for i in tested],
        "n_overlap": overlap, "n_term": n_term[tested], "n_query": n_query,
        "n_universe": n_universe, "pvalue": pvalue, "padj": bh_adjust(pvalue),
        "genes": _overlap_genes(rows, in_query, universe)})
    order = np.lexsort((np.arange(len(table)), table["pvalue"].to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    table.attrs["notices"] = notices
    return table


def enrich_queries(queries: dict, gene_sets: GeneSets, *, universe, min_size: int = 10,
                   max_size: int = 500) -> pd.DataFrame:
    """:func:`over_representation` for several named queries (clusters, groups, lists).

    Parameters
    ----------
    queries : dict of str -> iterable of str
        Query name -> genes.
    gene_sets, universe, min_size, max_size
        As in :func:`over_representation`.

    Returns
    -------
    pandas.DataFrame
        The queries' tables one after the other (BH within each query), columns
        :data:`ENRICHMENT_COLUMNS`; ``attrs["notices"]`` collects their notices.
    """
    universe = list(universe)
    tables = [over_representation(genes, gene_sets, universe=universe, min_size=min_size,
                                  max_size=max_size, query_name=str(name))
              for name, genes in queries.items()]
    if not tables:
        raise ParameterError("No query was given: give at least one gene list.")
    result = pd.concat(tables, ignore_index=True)
    result.attrs["notices"] = [notice for table in tables for notice in table.attrs["notices"]]
    return result


def cluster_queries(gene_ids, labels) -> dict:
    """Gene lists of a gene clustering: cluster label -> its genes (input order).

    Parameters
    ----------
    gene_ids : array-like of str
        Shape (n_genes,).
    labels : array-like
        The cluster of each gene, shape (n_genes,); missing labels are left out.

    Returns
    -------
    dict of str -> list of str
        Clusters sorted by label (numerically when all labels are numbers).
    """
    gene_ids, labels = np.asarray(gene_ids, dtype=object).astype(str), list(labels)
    if len(labels) != gene_ids.size:
        raise ParameterError(f"{len(labels)} cluster labels were given for {gene_ids.size} "
                             "genes: give one label per gene.")
    frame = pd.DataFrame({"gene": gene_ids, "label": pd.Series(labels, dtype=object)})
    frame = frame[frame["label"].notna()]
    labels_sorted = sorted(frame["label"].unique(),
                           key=lambda v: (0, float(v), "") if _is_number(v) else (1, 0.0, str(v)))
    return {str(label): frame.loc[frame["label"] == label, "gene"].tolist()
            for label in labels_sorted}


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def marker_queries(markers: pd.DataFrame, *, direction: str = "up", top: int | None = None,
                   max_padj: float = 0.05) -> dict:
    """Gene lists of a marker table (:func:`rnaclust_dash.tl.markers.find_markers`) per group.

    Parameters
    ----------
    markers : pandas.DataFrame
        Long table with ``group``, ``gene``, ``log2fc``, ``padj`` and ``pvalue`` columns.
    direction : {"up", "down"}, keyword-only
        Genes higher (log2fc > 0) or lower in the group than in the rest.
    top : int, optional, keyword-only
        Keep at most this many genes per group, by p-value; all significant ones when None.
    max_padj : float, keyword-only
        Adjusted p-value a gene must stay below.

    Returns
    -------
    dict of str -> list of str
        Group -> genes; groups with no gene are left out.
    """
    if direction not in ("up", "down"):
        raise ParameterError(f"direction must be 'up' or 'down', not {direction!r}.")
    if top is not None and top < 1:
        raise ParameterError(f"top must be at least 1 (got {top}).")
    missing = {"group", "gene", "log2fc", "padj", "pvalue"} - set(markers.columns)
    if missing:
        raise DataError(f"The marker table lacks the column(s) {', '.join(sorted(missing))}: "
                        "use a markers.csv written by rnaclust-dash.")
    sign = 1.0 if direction == "up" else -1.0
    picked = markers[(markers["padj"] < max_padj) & (sign * markers["log2fc"] > 0)]
    picked = picked.sort_values(["group", "pvalue"], kind="stable")
    queries = {}
    for group, rows in picked.groupby("group", sort=False):
        genes = rows["gene"].astype(str).tolist()
        queries[str(group)] = genes if top is None else genes[:top]
    return queries


def _check_sizes(query: np.ndarray, universe: pd.Index, query_name: str) -> None:
    if universe.size == 0:
        raise DataError("The universe (the genes tested) is empty.")
    if query.size == 0:
        raise DataError(f"The gene list {query_name!r} is empty.")
    if query.size > universe.size:
        raise DataError(f"The gene list {query_name!r} has {query.size} genes but the universe "
                        f"(the genes tested) only {universe.size}: the universe must hold "
                        "every gene that could have been picked, so use the full list of "
                        "genes tested as the universe.")


def _overlap_genes(rows: sparse.csr_matrix, in_query: np.ndarray, universe: pd.Index) -> list:
    hits = sparse.csr_matrix(rows.multiply(in_query[None, :]))
    hits.eliminate_zeros()
    names = universe.to_numpy()
    return [";".join(sorted(names[hits.indices[hits.indptr[i]:hits.indptr[i + 1]]]))
            for i in range(hits.shape[0])]
