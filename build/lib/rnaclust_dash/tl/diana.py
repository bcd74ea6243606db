"""DIANA, divisive hierarchical clustering, as R ``cluster::diana`` (cluster 2.1.4)."""

from __future__ import annotations

import numpy as np

from ._common import _c_sum, _square_distances


def diana_tree(condensed: np.ndarray) -> np.ndarray:
    """Divisive hierarchical clustering (DIANA), as R ``as.hclust(cluster::diana(d))``.

    Every cluster of two or more items is split in two (Kaufman & Rousseeuw 1990,
    ch. 6): the item with the largest average dissimilarity to the others starts a
    splinter group, then the item whose average dissimilarity to the rest exceeds its
    average dissimilarity to the splinter group by the most moves over, until no item
    would be closer to the splinter group. The height of a split is the diameter (largest
    dissimilarity) of the cluster split. The splitting and the order of the items follow
    R's C code (``splyt`` in ``cluster/src/twins.c``) step by step, including its
    tie-breaking (first item with the largest value), so that ``cut_tree(tree, k)``
    equals ``cutree(as.hclust(diana(d)), k)``.

    Parameters
    ----------
    condensed : numpy.ndarray
        Condensed distances between n >= 2 items.

    Returns
    -------
    numpy.ndarray
        A scipy linkage matrix, (n - 1) x 4, merges in R's order (increasing heights).
    """
    distances = _square_distances(condensed, minimum_items=2)
    n = distances.shape[0]
    order = np.arange(n)  # R's ner: the item at each position
    height = np.zeros(n)  # R's ban: height at which a position splits from the one before
    blocks = [(0, n)]  # clusters still to split: [start, stop) positions
    while blocks:
        start, stop = blocks.pop()
        members = order[start:stop]
        if stop - start == 2:
            height[start + 1] = distances[members[0], members[1]]
            continue
        first, second = _diana_split(distances, members)
        order[start:stop] = np.concatenate([first, second])
        height[start + len(first)] = distances[np.ix_(members, members)].max()
        blocks.extend((a, b) for a, b in ((start, start + len(first)),
                                          (start + len(first), stop)) if b - a > 1)
    return _diana_merges(order, height)


def _diana_split(distances: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split one cluster as ``splyt``; return (first part, second part) in R's order."""
    within = distances[np.ix_(members, members)]
    m = len(members)
    start = int(np.argmax(_c_sum(within)))  # first of the largest, as R
    rest = [i for i in range(m) if i != start]  # local indices, in R's position order
    splinter = [start]  # kept sorted by item number, as R does
    # Running totals make each step O(m); exact C-order sums settle near-ties only.
    to_rest = within[:, rest].sum(axis=1)
    to_splinter = within[:, start].copy()
    tolerance = 1e-7 * within.max()  # far above the drift of the running totals
    while len(rest) > 1:
        rows = np.array(rest)
        gain = to_rest[rows] / (len(rest) - 1) - to_splinter[rows] / len(splinter)
        top = gain.max()
        if top < -tolerance:
            break
        candidates = np.flatnonzero(gain >= top - tolerance)
        exact = [_c_sum(within[rows[c], rows]) / (len(rest) - 1)
                 - _c_sum(within[rows[c], splinter]) / len(splinter) for c in candidates]
        best = int(np.argmax(exact))
        if exact[best] <= 0:
            break
        moved = rest.pop(int(candidates[best]))
        keys = members[splinter]
        splinter.insert(int(np.searchsorted(keys, members[moved])), moved)
        to_rest -= within[:, moved]
        to_splinter += within[:, moved]
    first, second = members[rest], members[splinter]
    # R puts first the part whose first item has the lower number.
    if first[0] >= second[0]:
        return second, first
    return first, second


def _diana_merges(order: np.ndarray, height: np.ndarray) -> np.ndarray:
    """R's merge matrix of ``splyt`` (lowest banner first, last position on ties), as scipy's."""
    n = len(order)
    node = np.arange(n)  # current tree node of each item
    size = np.ones(2 * n - 1)
    used = np.zeros(n, dtype=bool)
    used[0] = True
    tree = np.empty((n - 1, 4))
    for step in range(n - 1):
        candidates = np.flatnonzero(~used)
        lowest = height[candidates].min()
        position = candidates[height[candidates] == lowest][-1]
        used[position] = True
        a, b = node[order[position - 1]], node[order[position]]
        new = n + step
        size[new] = size[a] + size[b]
        tree[step] = (a, b, lowest, size[new])
        node[(node == a) | (node == b)] = new
    return tree
