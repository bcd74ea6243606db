"""PAGA: how strongly groups of items (clusters) are connected in the kNN graph.

scanpy's ``tl.paga`` connectivities, model v1.2 (Wolf et al. 2019): the kNN edges between
two groups, in both directions, divided by the number expected if each group's edges went
to random items, capped at 1.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...errors import DataError
from ..labels import natural_codes


def paga_connectivities(knn, groups) -> pd.DataFrame:
    """PAGA connectivities between groups (scanpy's ``_compute_connectivities_v1_2``).

    Parameters
    ----------
    knn : scipy.sparse matrix or numpy.ndarray
        (n_items, n_items) kNN graph: row i holds a non-zero for each neighbour of item i
        (scanpy's ``distances``: directed, the item itself excluded). Only the pattern
        of stored entries is read.
    groups : array-like
        (n_items,) group of each item (cluster label, sheet value); no missing values.

    Returns
    -------
    pandas.DataFrame
        (n_groups, n_groups) symmetric connectivities in [0, 1], zero on the diagonal;
        index and columns are the groups, in natural order (2 before 10,
        3.2 before 3.10, as scanpy's natsorted categories).

    Notes
    -----
    With ``e_ij`` the edges from group i to group j, ``e_i`` all edges leaving items of
    group i (inside included), ``n_i`` the group sizes and n the items, the connectivity
    is ``(e_ij + e_ji) / ((e_i n_j + e_j n_i) / (n - 1))``, at most 1.
    """
    pattern = sp.csr_matrix(knn)
    n_items = pattern.shape[0]
    if pattern.shape != (n_items, n_items):
        raise DataError(f"The kNN graph must be square (items x items); got {pattern.shape}.")
    groups = pd.Series(np.asarray(groups))
    if len(groups) != n_items:
        raise DataError(f"{len(groups)} group labels for {n_items} items in the graph: "
                        "give one label per item.")
    if groups.isna().any():
        raise DataError(f"{int(groups.isna().sum())} item(s) have no group: PAGA needs a "
                        "group (cluster) for every item.")
    names, codes = natural_codes(groups)
    # every stored entry is an edge, a neighbour at distance 0 too (as scanpy counts)
    pattern.data = np.ones_like(pattern.data)
    membership = sp.csr_matrix((np.ones(n_items), (np.arange(n_items), codes)),
                               shape=(n_items, len(names)))
    edges = (membership.T @ pattern @ membership).toarray()  # edges[i, j]: group i -> j
    sizes = np.bincount(codes, minlength=len(names)).astype(np.float64)
    leaving = edges.sum(axis=1)
    between = edges + edges.T
    np.fill_diagonal(between, 0.0)
    expected = (np.outer(leaving, sizes) + np.outer(sizes, leaving)) / (n_items - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(expected != 0, between / expected, 1.0)
    connectivities = np.where(between > 0, np.minimum(scaled, 1.0), 0.0)
    return pd.DataFrame(connectivities, index=names, columns=names)


def paga_edges(connectivities: pd.DataFrame, *, threshold: float = 0.0) -> pd.DataFrame:
    """The PAGA graph as a table of edges ``from, to, connectivity`` (each pair once,
    ``from`` before ``to`` in the groups' order), those above ``threshold``.

    Parameters
    ----------
    connectivities : pandas.DataFrame
        Groups x groups PAGA connectivities (symmetric).
    threshold : float, keyword-only
        Edges at or below it are left out.

    Returns
    -------
    pandas.DataFrame
        ``from, to, connectivity`` (paga.csv).
    """
    names = list(connectivities.index)
    values = connectivities.to_numpy()
    rows, cols = np.triu_indices(len(names), k=1)
    keep = values[rows, cols] > threshold
    return pd.DataFrame({"from": [names[i] for i in rows[keep]],
                         "to": [names[j] for j in cols[keep]],
                         "connectivity": values[rows[keep], cols[keep]]})


def group_positions(coordinates, groups) -> pd.DataFrame:
    """Where to draw each group's node: the median of its items' coordinates.

    Parameters
    ----------
    coordinates : array-like
        (n_items, 2) embedding.
    groups : array-like
        (n_items,) group of each item.

    Returns
    -------
    pandas.DataFrame
        (n_groups, 2) columns ``x, y`` indexed by group, in the order of
        :func:`paga_connectivities`; plus ``size``.
    """
    coordinates = np.asarray(coordinates, dtype=np.float64)
    names, codes = natural_codes(pd.Series(np.asarray(groups)))
    rows = [np.median(coordinates[codes == c, :2], axis=0) for c in range(len(names))]
    table = pd.DataFrame(rows, index=names, columns=["x", "y"])
    table["size"] = np.bincount(codes, minlength=len(names))
    return table


def group_order(groups) -> list[str]:
    """The distinct groups as text, in PAGA's order (natural: 2 before 10, 3.2 before 3.10)."""
    return natural_codes(pd.Series(np.asarray(groups)))[0]
