"""Pre-ranked gene set enrichment (GSEA) of a gene statistic, as fgsea's ``fgseaSimple``.

The enrichment score (ES) is fgsea's ``calcGseaStat`` with ``gseaParam = 1``: walk down the
genes sorted by the statistic (largest first), step up by |statistic| / (sum over the set)
at a set gene and down by 1 / (N - m) at any other; ES is the largest deviation from 0.
Significance by gene permutation (random gene sets of the same size, ``n_permutations``,
seeded): p = (number of random ES at least as extreme, same sign, + 1) / (number of random
ES of that sign + 1); NES = ES / |mean random ES of that sign|; BH over the sets tested.
The permutation p-values equal fgsea's in distribution, not digit by digit (another
random stream); the ES are exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from ._stats import bh_adjust
from .genesets import GeneSets, membership_matrix

#: Columns of a GSEA table, in order.
GSEA_COLUMNS = ("term", "description", "size", "es", "nes", "pvalue", "padj", "leading_edge")


def enrichment_score(ranked_statistic: np.ndarray, positions: np.ndarray
                     ) -> tuple[float, int]:
    """fgsea ``calcGseaStat``: the ES of one set and where the walk peaks.

    Parameters
    ----------
    ranked_statistic : numpy.ndarray
        The statistic of all genes, sorted decreasingly, shape (N,).
    positions : numpy.ndarray
        0-based ranks of the set's genes, shape (m,), m < N.

    Returns
    -------
    es : float
    peak : int
        Index into the sorted positions: the leading edge is ``positions[:peak + 1]``
        for a positive ES and ``positions[peak:]`` for a negative one.
    """
    es, peak = _scores(np.abs(ranked_statistic), np.sort(positions)[None, :])
    return float(es[0]), int(peak[0])


def gsea_preranked(statistic, gene_sets: GeneSets, *, min_size: int = 15, max_size: int = 500,
                   n_permutations: int = 1000, random_state: int = 0) -> pd.DataFrame:
    """Pre-ranked GSEA of every set within the size limits.

    Parameters
    ----------
    statistic : pandas.Series
        One value per gene (index: gene ids of the sets' kind), e.g. DESeq2's Wald
        statistic or a signed -log10 p; missing values are dropped.
    gene_sets : GeneSets
    min_size, max_size : int, keyword-only
        Limits on a set's genes among the ranked ones (fgsea's defaults 15..500).
    n_permutations : int, keyword-only
        Random gene sets per set size.
    random_state : int, keyword-only
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GSEA_COLUMNS`, sorted by p-value; ``leading_edge`` joined by ``;``.

    Raises
    ------
    DataError
        Fewer than two ranked genes, duplicated gene ids, or no set within the limits.
    ParameterError
        Bad size limits or permutation count.
    """
    if not 1 <= min_size <= max_size or n_permutations < 10:
        raise ParameterError("GSEA needs 1 <= min_size <= max_size and at least 10 "
                             "permutations.")
    ranked = pd.Series(statistic).dropna().astype(float)
    if ranked.index.has_duplicates:
        raise DataError("Each gene must appear once in a GSEA ranking; these appear more "
                        f"than once: {', '.join(map(str, ranked.index[ranked.index.duplicated()][:5]))}.")
    ranked = ranked.iloc[np.argsort(-ranked.to_numpy(), kind="stable")]
    n_genes = ranked.size
    genes = pd.Index(ranked.index.astype(str))
    membership = membership_matrix(gene_sets, genes)
    positions = [membership.indices[membership.indptr[i]:membership.indptr[i + 1]]
                 for i in range(len(gene_sets))]
    tested = [i for i, p in enumerate(positions)
              if min_size <= p.size <= max_size and p.size < n_genes]
    if not tested:
        raise DataError(f"No gene set of {gene_sets.source} has between {min_size} and "
                        f"{max_size} genes among the {n_genes} ranked genes: are the ids of the "
                        "same kind (symbols vs Ensembl)?")
    weights = np.abs(ranked.to_numpy())
    null = _null_scores(weights, sorted({positions[i].size for i in tested}),
                        n_permutations, random_state)
    rows = []
    for i in tested:
        es, peak = enrichment_score(ranked.to_numpy(), positions[i])
        pvalue, nes = _permutation_p(es, null[positions[i].size])
        ordered = np.sort(positions[i])
        edge = ordered[:peak + 1] if es >= 0 else ordered[peak:][::-1]
        rows.append((gene_sets.names[i], gene_sets.descriptions[i], positions[i].size, es, nes,
                     pvalue, ";".join(genes[edge])))
    table = pd.DataFrame(rows, columns=[c for c in GSEA_COLUMNS if c != "padj"])
    table.insert(GSEA_COLUMNS.index("padj"), "padj", bh_adjust(table["pvalue"].to_numpy()))
    order = np.lexsort((np.arange(len(table)), table["pvalue"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def _scores(weights: np.ndarray, sorted_positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ES and peak index of each row of sorted 0-based set positions (rows x m)."""
    n_genes = weights.size
    m = sorted_positions.shape[1]
    hit = weights[sorted_positions]
    total = hit.sum(axis=1, keepdims=True)
    steps = np.arange(1, m + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cumulative = np.where(total > 0, np.cumsum(hit, axis=1) / total, steps / m)
        step_size = np.where(total > 0, hit / total, 1.0 / m)
    # misses before the k-th hit (1-based ranks: S - k)
    tops = cumulative - (sorted_positions + 1 - steps) / (n_genes - m)
    bottoms = tops - step_size
    top_peak, bottom_peak = tops.argmax(axis=1), bottoms.argmin(axis=1)
    rows = np.arange(sorted_positions.shape[0])
    max_p, min_p = tops[rows, top_peak], bottoms[rows, bottom_peak]
    es = np.where(max_p > -min_p, max_p, np.where(max_p < -min_p, min_p, 0.0))
    return es, np.where(es >= 0, top_peak, bottom_peak)


def _null_scores(weights: np.ndarray, sizes: list, n_permutations: int,
                 random_state: int) -> dict:
    """Random-set ES per set size: prefixes of random permutations are uniform subsets."""
    rng = np.random.default_rng(random_state)
    largest = max(sizes)
    draws = np.stack([rng.choice(weights.size, size=largest, replace=False)
                      for _ in range(n_permutations)])
    # sort once; the first m draws of a row are the sorted entries whose draw order < m
    order = np.argsort(draws, axis=1)
    ranked = np.take_along_axis(draws, order, axis=1)
    return {m: _scores(weights, ranked[order < m].reshape(n_permutations, m))[0]
            for m in sizes}


def _permutation_p(es: float, null: np.ndarray) -> tuple[float, float]:
    if es >= 0:
        same_sign = null[null >= 0]
        pvalue = (np.sum(same_sign >= es) + 1) / (same_sign.size + 1)
    else:
        same_sign = null[null <= 0]
        pvalue = (np.sum(same_sign <= es) + 1) / (same_sign.size + 1)
    scale = abs(same_sign.mean()) if same_sign.size else np.nan
    return float(min(pvalue, 1.0)), float(es / scale) if scale else float("nan")
