"""Dendrograms: line segments of a scipy linkage (truncated when large), the leaves under
a clicked node, and the tree traces of the heatmap. No Dash in here.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import linkage


# Row trees with more tips are drawn truncated (finer merges are an unreadable smear).
_MAX_TREE_TIPS = 200


# Clickable markers only on this many top merges of a tree.
_MAX_TREE_MARKERS = 150


# ------------------------------------------------------------------------ dendrogram
def dendrogram_segments(linkage, leaf_order, *, max_leaves: int | None = None) -> dict:
    """Coordinates to draw a dendrogram as one scatter trace.

    Parameters
    ----------
    linkage : array-like, shape (n - 1, 4)
        scipy linkage matrix ``Z``.
    leaf_order : array-like of int, shape (n,)
        Leaf order, ``scipy.cluster.hierarchy.leaves_list(Z)``: the leaf at
        position ``i`` is drawn at coordinate ``i``.
    max_leaves : int, optional
        When given and ``n > max_leaves``, draw only the last ``max_leaves - 1``
        merges (the top of the tree). Each group below them is a contiguous block
        of positions, drawn at the block's centre with its legs down to 0.

    Returns
    -------
    dict
        ``xs``, ``ys`` : float arrays, 5 points per drawn merge (a "U" from
        child a up to the merge height and down to child b) then a NaN
        separator; x in leaf-position coordinates, y in merge heights.
        ``node_ids`` : int array, scipy ids (``n + row``) of the drawn merges.
        ``node_x``, ``node_y`` : float arrays, position and height of each.
        ``node_size`` : int array, number of leaves under each.
        ``block_start``, ``block_stop`` : int arrays, the leaf-position range
        ``[start, stop)`` of each bottom block (single leaves when not
        truncated), left to right; ``block_x`` their centres.
        ``n_leaves`` : int.
    """
    Z = np.asarray(linkage, dtype=np.float64)
    n = Z.shape[0] + 1
    order = np.asarray(leaf_order, dtype=np.int64)
    if order.shape != (n,):
        raise ValueError(f"leaf_order has {order.size} entries, the tree has {n} leaves")
    if max_leaves is not None and max_leaves < 2:
        raise ValueError("max_leaves must be at least 2")
    n_drawn = n - 1 if max_leaves is None or n <= max_leaves else max_leaves - 1
    first = n - 1 - n_drawn  # first drawn row of Z

    position = np.empty(n)
    position[order] = np.arange(n)
    # Leftmost / rightmost leaf position under each node, and its drawing position.
    lo = position.tolist() + [0.0] * (n - 1)
    hi = list(lo)
    x = list(lo)
    children = Z[:, :2].astype(np.int64).tolist()
    # Children always have smaller ids than their parent, so one pass suffices.
    for i, (a, b) in enumerate(children):
        node = n + i
        lo[node] = min(lo[a], lo[b])
        hi[node] = max(hi[a], hi[b])
        # An undrawn group is a block at its centre; a drawn node sits above its children.
        x[node] = (x[a] + x[b]) / 2 if i >= first else (lo[node] + hi[node]) / 2

    x = np.asarray(x)
    rows = np.arange(first, n - 1)
    a, b = Z[rows, 0].astype(np.int64), Z[rows, 1].astype(np.int64)
    height = Z[rows, 2]
    heights = np.concatenate([np.zeros(n), Z[:, 2]])
    drawn = np.zeros(2 * n - 1, dtype=bool)
    drawn[n + rows] = True
    # Legs go down to the child's height if it is drawn, else to the base (0).
    ya = np.where(drawn[a], heights[a], 0.0)
    yb = np.where(drawn[b], heights[b], 0.0)
    nan = np.full(len(rows), np.nan)
    xs = np.column_stack([x[a], x[a], x[b], x[b], nan]).ravel()
    ys = np.column_stack([ya, height, height, yb, nan]).ravel()

    kids = np.concatenate([a, b])
    blocks = kids[~drawn[kids]] if n > 1 else np.array([0])
    lo_arr, hi_arr = np.asarray(lo), np.asarray(hi)
    blocks = blocks[np.argsort(lo_arr[blocks])]
    return {
        "xs": xs,
        "ys": ys,
        "node_ids": n + rows,
        "node_x": x[n + rows],
        "node_y": height,
        "node_size": Z[rows, 3].astype(np.int64),
        "block_start": lo_arr[blocks].astype(np.int64),
        "block_stop": hi_arr[blocks].astype(np.int64) + 1,
        "block_x": (lo_arr[blocks] + hi_arr[blocks]) / 2,
        "n_leaves": n,
    }


def leaves_under(linkage, node_id: int) -> np.ndarray:
    """Original indices of the leaves under one node of a scipy tree.

    Parameters
    ----------
    linkage : array-like, shape (n - 1, 4)
        scipy linkage matrix ``Z``.
    node_id : int
        Node in scipy numbering: ``0..n-1`` are leaves, ``n + i`` is the merge
        in row ``i`` of ``Z``.

    Returns
    -------
    numpy.ndarray of int
        Leaf indices, left to right in the order of ``leaves_list(Z)``.
    """
    Z = np.asarray(linkage)
    n = Z.shape[0] + 1
    node_id = int(node_id)
    if not 0 <= node_id < 2 * n - 1:
        raise ValueError(f"node {node_id} is not in a tree with {n} leaves")
    children = Z[:, :2].astype(np.int64).tolist()
    leaves, stack = [], [node_id]
    while stack:
        node = stack.pop()
        if node < n:
            leaves.append(node)
        else:
            a, b = children[node - n]
            stack += [b, a]  # a is popped first: left to right
    return np.asarray(leaves, dtype=np.int64)


def _dendrogram_traces(
    seg: dict, *, axis: str, xaxis: str, yaxis: str, item: str, map_position
) -> list:
    """The tree lines and the clickable node markers of one dendrogram.

    Column trees are drawn top-down (x position, y height); row trees sideways
    (x height, y position). ``map_position`` maps leaf positions to row positions.
    """
    top = slice(-_MAX_TREE_MARKERS, None)  # the last merges are the highest
    node_ids, node_size = seg["node_ids"][top], seg["node_size"][top]
    pos, node_pos = seg["xs"], seg["node_x"][top]
    if map_position is not None:
        pos, node_pos = map_position(pos), map_position(node_pos)
    heights, node_h = seg["ys"], seg["node_y"][top]
    lines_xy = (pos, heights) if axis == "samples" else (heights, pos)
    nodes_xy = (node_pos, node_h) if axis == "samples" else (node_h, node_pos)
    customdata = np.empty((len(node_ids), 2), dtype=object)
    customdata[:, 0] = axis
    customdata[:, 1] = node_ids.tolist()
    hover = [
        f"node {i}: {s:,} {item}<br>height {h:.3g}"
        for i, s, h in zip(node_ids.tolist(), node_size.tolist(), node_h.tolist())
    ]
    return [
        dict(
            type="scatter",
            x=lines_xy[0],
            y=lines_xy[1],
            xaxis=xaxis,
            yaxis=yaxis,
            mode="lines",
            line=dict(color="#555", width=1),
            hoverinfo="skip",
            showlegend=False,
            meta="dendrogram",
        ),
        dict(
            type="scatter",
            x=nodes_xy[0],
            y=nodes_xy[1],
            xaxis=xaxis,
            yaxis=yaxis,
            mode="markers",
            marker=dict(size=6, color="#333", opacity=0.3),
            customdata=customdata,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            meta="dendrogram-nodes",
        ),
    ]
