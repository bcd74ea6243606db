"""Module detection on a gene tree: dynamic tree cut and merging of close modules.

``dynamic_tree_cut`` calls the PyPI ``dynamicTreeCut`` package (a port of R
``dynamicTreeCut::cutreeHybrid``); ``merge_close_modules`` follows WGCNA's
``mergeCloseModules`` (average-linkage tree of eigengene dissimilarities ``1 - cor``, cut
at ``cut_height``, repeated until nothing merges, relabelled by decreasing size).
"""

from __future__ import annotations

import contextlib
import io

import fastcluster
import numpy as np
import pandas as pd
import dynamicTreeCut.dynamicTreeCut as _dtc
from dynamicTreeCut import df_apply as _df_apply
from scipy.spatial.distance import squareform

from ..errors import ParameterError
from .modules import module_eigengenes


def dynamic_tree_cut(tree: np.ndarray, dissimilarity: np.ndarray, *, min_module_size: int = 30,
                     deep_split: int = 2, cut_height: float = 0.995, pam_stage: bool = True,
                     pam_respects_dendro: bool = False) -> np.ndarray:
    """Hybrid dynamic tree cut, as R ``cutreeDynamic(method = "hybrid")``.

    Parameters
    ----------
    tree : numpy.ndarray
        Scipy linkage of n genes (average linkage on ``dissimilarity``).
    dissimilarity : numpy.ndarray
        n x n dissimilarities (1 - TOM).
    min_module_size : int
        Smallest module.
    deep_split : int
        0 (few large modules) to 4 (many small ones).
    cut_height : float
        Merges above this height are never inside a module.
    pam_stage, pam_respects_dendro : bool
        Assign the genes left over by the tree to the nearest module (PAM-like stage),
        optionally only within their branch.

    Returns
    -------
    numpy.ndarray
        Labels per gene, 0 = unassigned, 1.. by decreasing size.
    """
    if deep_split not in (0, 1, 2, 3, 4):
        raise ParameterError(f"deep_split must be an integer 0-4; got {deep_split}.")
    if min_module_size < 2:
        raise ParameterError(f"The minimum module size must be at least 2; got "
                             f"{min_module_size}.")
    n = tree.shape[0] + 1
    if n < min_module_size:
        return np.zeros(n, dtype=np.int64)
    # dynamicTreeCut 0.1.1 uses the name df_apply in its PAM stage without binding it.
    _dtc.df_apply = _df_apply
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints progress
        result = _dtc.cutreeHybrid(tree, dissimilarity, cutHeight=cut_height,
                              minClusterSize=min_module_size, deepSplit=deep_split,
                              pamStage=pam_stage, pamRespectsDendro=pam_respects_dendro,
                              verbose=0)
    labels = result["labels"] if isinstance(result, dict) else result
    return np.asarray(labels, dtype=np.int64)


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Labels 1.. by decreasing module size (ties by old label); 0 stays 0."""
    labels = np.asarray(labels)
    modules, sizes = np.unique(labels[labels != 0], return_counts=True)
    order = np.lexsort((modules, -sizes))
    mapping = {int(modules[i]): rank for rank, i in enumerate(order, start=1)}
    return np.array([mapping.get(int(v), 0) for v in labels], dtype=np.int64)


def merge_close_modules(expression: pd.DataFrame, modules: pd.Series, *,
                        cut_height: float = 0.25) -> pd.Series:
    """WGCNA ``mergeCloseModules(relabel = TRUE)``.

    Modules (not 0) whose eigengenes fall on one branch of the average-linkage tree of
    ``1 - cor(eigengenes)`` cut at ``cut_height`` are merged; repeated until no merge
    happens. A merged module takes the label of its first member module (WGCNA orders
    eigengenes by their own tree; here by label), then all are relabelled by size.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples.
    modules : pandas.Series
        Label per gene, 0 = unassigned.
    cut_height : float
        ``mergeCutHeight``: 0.25 merges modules whose eigengenes correlate above 0.75.

    Returns
    -------
    pandas.Series
        New labels (0 = unassigned, 1.. by decreasing size).
    """
    if not 0 <= cut_height <= 1:
        raise ParameterError(f"The merge cut height must be between 0 and 1; got "
                             f"{cut_height}.")
    labels = modules.to_numpy().copy()
    while True:
        assigned = labels != 0
        present = np.unique(labels[assigned])
        if len(present) < 2:
            break
        eigengenes = module_eigengenes(expression.loc[modules.index[assigned]],
                                       pd.Series(labels[assigned],
                                                 index=modules.index[assigned]))
        dissimilarity = 1 - np.corrcoef(eigengenes.to_numpy().T)
        np.fill_diagonal(dissimilarity, 0)
        tree = fastcluster.linkage(squareform(np.clip(dissimilarity, 0, None), checks=False),
                                   method="average")
        branches = _static_cut(tree, cut_height)
        merged = labels.copy()
        for branch in np.unique(branches):
            members = present[branches == branch]
            for other in members[1:]:
                merged[labels == other] = members[0]
        if len(np.unique(merged[merged != 0])) == len(present):
            break
        labels = merged
    return pd.Series(relabel_by_size(labels), index=modules.index, name="module")


def _static_cut(tree: np.ndarray, height: float) -> np.ndarray:
    """Branch of each leaf when the tree is cut at ``height`` (merges <= height kept)."""
    n = tree.shape[0] + 1
    parent = np.arange(2 * n - 1)
    for i, (left, right, h, _) in enumerate(tree):
        if h <= height:
            parent[int(left)] = parent[int(right)] = n + i

    def root(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    return np.array([root(i) for i in range(n)])
