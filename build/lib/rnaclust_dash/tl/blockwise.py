"""WGCNA ``blockwiseModules``: modules of co-expressed genes, block by block.

Orientation: expression genes x samples. Memory: a block of b genes holds a b x b
float32 TOM, a float64 condensed dissimilarity for the tree and the dissimilarity square
(about 12 b^2 bytes at the peak: 0.3 GB for b = 5,000), so 20,000 genes fit in 4 GB with
the default ``max_block_size`` of 5,000.
"""

from __future__ import annotations

import fastcluster
import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from ..errors import DataError, ParameterError
from .modules import (ModulesResult, _adjacency_from_correlation, _check_network,
                      _samples_by_genes, _standardised, correlation_fisher_pvalue,
                      module_eigengenes, tom_similarity)
from .treecut import dynamic_tree_cut, merge_close_modules, relabel_by_size


def gene_blocks(expression: pd.DataFrame, *, max_block_size: int = 5000,
                random_state: int = 0) -> list[np.ndarray]:
    """Split genes into blocks of at most ``max_block_size`` co-expressed genes.

    As WGCNA's pre-clustering (``projectiveKMeans``): k-means of the standardised
    profiles into about twice as many clusters as blocks are needed, then clusters packed
    into blocks, largest first, without splitting a cluster unless it alone is too big.

    Returns
    -------
    list of numpy.ndarray
        Row positions of the genes of each block, ascending within a block.
    """
    n = len(expression)
    if n <= max_block_size:
        return [np.arange(n)]
    if max_block_size < 100:
        raise ParameterError(f"max_block_size must be at least 100; got {max_block_size}.")
    z = _standardised(expression.to_numpy(dtype=np.float64).T).T
    n_clusters = 2 * int(np.ceil(n / max_block_size))
    with threadpool_limits(1):
        labels = KMeans(n_clusters=n_clusters, n_init=3, random_state=random_state).fit_predict(z)
    pieces = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        pieces.extend(np.array_split(members, int(np.ceil(len(members) / max_block_size))))
    pieces.sort(key=len, reverse=True)
    blocks: list[list[np.ndarray]] = []
    sizes: list[int] = []
    for piece in pieces:  # first fit decreasing
        fit = next((i for i, s in enumerate(sizes) if s + len(piece) <= max_block_size), None)
        if fit is None:
            blocks.append([piece])
            sizes.append(len(piece))
        else:
            blocks[fit].append(piece)
            sizes[fit] += len(piece)
    return [np.sort(np.concatenate(parts)) for parts in blocks]


def _block_tree(z: np.ndarray, *, power: float, network: str, tom_type: str):
    """(tree, dissimilarity square) of one block from standardised samples x genes."""
    cor = np.clip(z.T.astype(np.float32) @ z.astype(np.float32), -1, 1)
    if tom_type == "signed":
        adjacency = np.sign(cor) * np.abs(cor) ** power if network == "unsigned" else \
            _adjacency_from_correlation(cor, power=power, network=network)
    else:
        adjacency = _adjacency_from_correlation(cor, power=power, network=network)
    del cor
    dissimilarity = tom_similarity(adjacency, tom_type=tom_type)
    del adjacency
    np.subtract(1, dissimilarity, out=dissimilarity)
    np.fill_diagonal(dissimilarity, 0)
    condensed = squareform(dissimilarity, checks=False).astype(np.float64)
    tree = fastcluster.linkage(condensed, method="average", preserve_input=False)
    return tree, dissimilarity


def _kme(z_genes: np.ndarray, eigengenes: np.ndarray, network: str) -> np.ndarray:
    """Correlation of genes (standardised samples x genes) with eigengenes (samples x m)."""
    kme = z_genes.T @ _standardised(eigengenes)
    return np.abs(kme) if network == "unsigned" else kme


def _clean_block(z: np.ndarray, labels: np.ndarray, eigengenes: pd.DataFrame, *,
                 network: str, min_module_size: int, min_core_kme: float,
                 min_kme_to_stay: float) -> np.ndarray:
    """blockwiseModules' kME check: dissolve modules with too few core genes (kME above
    ``min_core_kme`` in fewer than a third of ``min_module_size``), unassign genes with
    kME below ``min_kme_to_stay``, dissolve modules left below the minimum size."""
    labels = labels.copy()
    for column in eigengenes.columns:
        label = int(column[2:])
        if label == 0:
            continue
        members = labels == label
        kme = _kme(z[:, members], eigengenes[[column]].to_numpy(), network)[:, 0]
        if (kme > min_core_kme).sum() < min_module_size / 3:
            labels[members] = 0
            continue
        positions = np.flatnonzero(members)
        labels[positions[kme < min_kme_to_stay]] = 0
        if (labels == label).sum() < min_module_size:
            labels[labels == label] = 0
    return labels


def _reassign(z: np.ndarray, labels: np.ndarray, expression: pd.DataFrame, *,
              network: str, threshold: float, min_module_size: int) -> np.ndarray:
    """blockwiseModules' reassignment of genes to the module of clearly higher kME
    (Fisher p-value ratio below ``threshold``); matters across blocks."""
    assigned = labels != 0
    if not assigned.any():
        return labels
    eigengenes = module_eigengenes(expression.iloc[np.flatnonzero(assigned)],
                                   pd.Series(labels[assigned],
                                             index=expression.index[assigned]))
    module_labels = np.array([int(c[2:]) for c in eigengenes.columns])
    kme = _kme(z[:, assigned], eigengenes.to_numpy(), network)
    own_column = np.searchsorted(module_labels, labels[assigned])
    own = kme[np.arange(len(own_column)), own_column]
    best_column = np.argmax(kme, axis=1)
    best = kme[np.arange(len(own_column)), best_column]
    n_samples = z.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = correlation_fisher_pvalue(best, n_samples) / \
            correlation_fisher_pvalue(own, n_samples)
    move = (own < best) & np.isfinite(ratio) & (ratio < threshold)
    result = labels.copy()
    positions = np.flatnonzero(assigned)
    result[positions[move]] = module_labels[best_column[move]]
    for label in np.unique(labels[assigned][move]):  # modules left too small go
        if (result == label).sum() < min_module_size:
            result[result == label] = 0
    return result


def find_modules(expression: pd.DataFrame, *, power: float, network: str = "unsigned",
                 tom_type: str = "unsigned", min_module_size: int = 30,
                 deep_split: int = 2, merge_cut_height: float = 0.25,
                 detect_cut_height: float = 0.995, pam_stage: bool = True,
                 min_core_kme: float = 0.5,
                 min_kme_to_stay: float = 0.3, reassign_threshold: float = 1e-6,
                 max_block_size: int = 5000, random_state: int = 0) -> ModulesResult:
    """Co-expression modules as WGCNA ``blockwiseModules`` (numeric labels).

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples on a log scale (VST), usually a few thousand variable genes.
    power : float
        Soft-threshold power (see ``pick_soft_threshold``).
    network, tom_type : {"unsigned", "signed"}
    min_module_size, deep_split, detect_cut_height, pam_stage
        Dynamic tree cut settings; the PAM stage does not respect the tree
        (``pamRespectsDendro = FALSE``, as in WGCNA's tutorials).
    merge_cut_height : float
        Modules whose eigengenes correlate above ``1 - merge_cut_height`` are merged.
    min_core_kme, min_kme_to_stay, reassign_threshold
        blockwiseModules' kME clean-up.
    max_block_size : int
        Largest block (memory grows with its square).
    random_state : int
        Seed of the pre-clustering into blocks.

    Returns
    -------
    ModulesResult
    """
    _check_network(network)
    if tom_type not in ("unsigned", "signed"):
        raise ParameterError(f"tom_type must be 'unsigned' or 'signed'; got {tom_type!r}.")
    if not power > 0:
        raise ParameterError(f"The soft-threshold power must be positive; got {power}.")
    values = _samples_by_genes(expression)
    z = _standardised(values)
    blocks = gene_blocks(expression, max_block_size=max_block_size, random_state=random_state)
    labels = np.zeros(len(expression), dtype=np.int64)
    trees, used = [], 0
    for block in blocks:
        tree, dissimilarity = _block_tree(z[:, block], power=power, network=network,
                                          tom_type=tom_type)
        trees.append(tree)
        cut = dynamic_tree_cut(tree, dissimilarity, min_module_size=min_module_size,
                               deep_split=deep_split, cut_height=detect_cut_height,
                               pam_stage=pam_stage)
        del dissimilarity
        if not (cut > 0).any():
            continue
        cut = np.where(cut > 0, cut + used, 0)
        used = int(cut.max())
        sub = expression.iloc[block]
        eigengenes = module_eigengenes(sub.iloc[cut > 0],
                                       pd.Series(cut[cut > 0], index=sub.index[cut > 0]))
        labels[block] = _clean_block(z[:, block], cut, eigengenes, network=network,
                                     min_module_size=min_module_size,
                                     min_core_kme=min_core_kme, min_kme_to_stay=min_kme_to_stay)
    labels = _reassign(z, labels, expression, network=network, threshold=reassign_threshold,
                       min_module_size=min_module_size)
    unmerged = pd.Series(relabel_by_size(labels), index=expression.index, name="module")
    notices = []
    if not (unmerged > 0).any():
        raise DataError(
            f"No module of at least {min_module_size} genes was found: every gene stayed "
            "unassigned. Lower the minimum module size, raise deep split, or check the "
            "power (a power too high leaves genes unconnected).")
    merged = merge_close_modules(expression, unmerged, cut_height=merge_cut_height)
    n_before, n_after = unmerged[unmerged > 0].nunique(), merged[merged > 0].nunique()
    if n_after == 1 and n_before > 1:
        notices.append(
            f"All {n_before} modules merged into one at merge cut height "
            f"{merge_cut_height}: their eigengenes correlate above {1 - merge_cut_height:g}. "
            "Lower the merge cut height to keep them apart.")
    eigengenes = module_eigengenes(expression, merged)
    return ModulesResult(modules=merged, eigengenes=eigengenes, trees=tuple(trees),
                         blocks=tuple(blocks), unmerged=unmerged, power=float(power),
                         notices=tuple(notices))
