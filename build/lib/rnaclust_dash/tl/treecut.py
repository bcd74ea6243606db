"""Module detection on a gene tree: dynamic tree cut and merging of close modules.

``dynamic_tree_cut`` calls the PyPI ``dynamicTreeCut`` package (a port of R
``dynamicTreeCut::cutreeHybrid``) for the tree-cut stage and ports R's PAM stage; ``merge_close_modules`` follows WGCNA's
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
from scipy.spatial.distance import squareform

from ..errors import ParameterError
from .modules import module_eigengenes


def dynamic_tree_cut(tree: np.ndarray, dissimilarity: np.ndarray, *, min_module_size: int = 30,
                     deep_split: int = 2, cut_height: float = 0.995, pam_stage: bool = True,
                     ) -> np.ndarray:
    """Hybrid dynamic tree cut, as R ``cutreeDynamic(method = "hybrid",
    pamRespectsDendro = FALSE)`` (dynamicTreeCut 1.63).

    The tree-cut stage is the PyPI ``dynamicTreeCut`` port (equal to R's on the fission
    network: ARI 1); its PAM stage differs from R's, so that stage is
    :func:`_pam_stage`, a port of R's (``useMedoids = FALSE``, small clusters kept whole).

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
        Merges above this height are never inside a module; also the largest distance
        at which the PAM stage assigns a gene.
    pam_stage : bool
        Assign the genes the tree left over to the nearest module (by average
        dissimilarity) when close enough.

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
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints progress
        result = _dtc.cutreeHybrid(tree, dissimilarity, cutHeight=cut_height,
                                   minClusterSize=min_module_size, deepSplit=deep_split,
                                   pamStage=False, verbose=0)
    if not isinstance(result, dict):  # no merge below the cut
        return np.zeros(n, dtype=np.int64)
    labels = np.asarray(result["labels"], dtype=np.int64)
    if pam_stage and (labels == 0).any() and (labels > 0).any():
        small = np.asarray(result["smallLabels"], dtype=np.int64)
        labels = _pam_stage(labels, small, dissimilarity,
                            max_distance=min(cut_height, float(tree[:, 2].max())))
    return relabel_by_size(labels)


def _pam_stage(labels: np.ndarray, small_labels: np.ndarray, dissimilarity: np.ndarray, *,
               max_distance: float) -> np.ndarray:
    """R cutreeHybrid's PAM stage (``useMedoids = FALSE``, ``pamRespectsDendro = FALSE``).

    A cluster's diameter is the largest average dissimilarity of a member to the other
    members. Each small cluster the tree left (``small_labels``), as a whole, then each
    remaining gene, joins the module of smallest average dissimilarity if that is below
    the module's diameter or below ``max_distance``; small clusters that do not stay out.
    """
    labels = labels.copy()
    frozen = labels.copy()
    modules = np.unique(frozen[frozen > 0])
    used = np.flatnonzero(frozen > 0)
    onehot = (frozen[used][:, None] == modules[None, :]).astype(np.float64)
    sizes = onehot.sum(axis=0)
    diameter = np.empty(len(modules))
    for i, module in enumerate(modules):
        members = np.flatnonzero(frozen == module)
        if len(members) > 1:
            within = dissimilarity[np.ix_(members, members)].sum(axis=0) / (len(members) - 1)
            diameter[i] = within.max()
        else:
            diameter[i] = 0
    for small in np.unique(small_labels[small_labels != 0]):
        members = np.flatnonzero(small_labels == small)
        mean_to_object = dissimilarity[np.ix_(members, used)].mean(axis=0)
        mean_to_module = (mean_to_object @ onehot) / sizes
        nearest = int(np.argmin(mean_to_module))
        close = mean_to_module[nearest] < diameter[nearest] or \
            mean_to_module[nearest] < max_distance
        labels[members] = modules[nearest] if close else -1
    unlabeled = np.flatnonzero(labels == 0)
    if len(unlabeled):
        mean_to_module = (dissimilarity[np.ix_(unlabeled, used)] @ onehot) / sizes
        nearest = np.argmin(mean_to_module, axis=1)
        distance = mean_to_module[np.arange(len(unlabeled)), nearest]
        close = (distance < diameter[nearest]) | (distance < max_distance)
        labels[unlabeled[close]] = modules[nearest[close]]
    labels[labels < 0] = 0
    return labels


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
