"""Where pseudotime starts: a root item given by id, by group or by the earliest value of
a sample-sheet column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError, ParameterError
from .diffusion import DiffusionMap, dpt_coordinates


def root_by_id(ids, root_id: str) -> int:
    """Index of the item called ``root_id``.

    Parameters
    ----------
    ids : sequence of str
        (n_items,) item ids in graph order.
    root_id : str
        The root's id.

    Returns
    -------
    int
    """
    ids = pd.Index(np.asarray(ids, dtype=str))
    if root_id not in ids:
        shown = ", ".join(ids[:5])
        raise ParameterError(f"The root '{root_id}' is not among the {len(ids)} items "
                             f"analysed (e.g. {shown}): it may have been filtered out or "
                             "left outside the selection; pick one of them.")
    return int(ids.get_loc(root_id))


def root_in_group(diffmap: DiffusionMap, members, *, n_dcs: int = 10) -> int:
    """The root inside a group of items: its centre (medoid in the diffusion map).

    scanpy leaves the cell to the user (its tutorial takes the first cell of the root
    cluster, ``np.flatnonzero(adata.obs[key] == group)[0]``, which depends on the row
    order). Here the root is the member closest, in DPT distance (Euclidean in the
    weighted diffusion components), to the mean of the group's members in the largest
    connected component the group touches. The centre, not the group's tip: on the HSMM
    myoblasts (scanpy's graph, the 69 cells at 0 h as the group) DPT from the centre
    follows the hours with Spearman 0.60, from the tip farthest from the other cells 0.56
    and from the first cell 0.13; the tip is often an outlier (a contaminating cell).

    Parameters
    ----------
    diffmap : DiffusionMap
    members : array-like of bool
        (n_items,) True for the items of the group.
    n_dcs : int
        Diffusion components used, as in :func:`.diffusion.diffusion_pseudotime`.

    Returns
    -------
    int
        Index of the root item.
    """
    members = np.asarray(members, dtype=bool)
    if not members.any():
        raise ParameterError("The root group has no item in the analysis: pick another.")
    coordinates = dpt_coordinates(diffmap, n_dcs=n_dcs)
    labels = diffmap.component_labels
    component = np.bincount(labels[members]).argmax()
    candidates = np.flatnonzero(members & (labels == component))
    centre = coordinates[candidates].mean(axis=0)
    distances = np.linalg.norm(coordinates[candidates] - centre, axis=1)
    return int(candidates[np.argmin(distances)])


def earliest_members(values: pd.Series, ids, *, column: str) -> np.ndarray:
    """The items at the earliest (smallest) value of a sample-sheet column.

    Parameters
    ----------
    values : pandas.Series
        The column, indexed by item id.
    ids : sequence of str
        (n_items,) item ids in graph order.
    column : str
        The column's name (for messages).

    Returns
    -------
    numpy.ndarray
        (n_items,) bool, True at the earliest value (ties: all of them).
    """
    aligned = values.reindex(pd.Index(np.asarray(ids, dtype=str)))
    numbers = pd.to_numeric(aligned, errors="coerce")
    if numbers.notna().sum() == 0:
        kind = "has no value for these items" if aligned.isna().all() else "holds no numbers"
        raise DataError(f"The root column '{column}' {kind}: give a column of times or "
                        "stages as numbers (e.g. hours 0, 24, 48).")
    return (numbers == numbers.min()).to_numpy()

