"""The cluster tree across resolutions (clustree's picture, Zappia & Oshlack 2018) of a
single-cell resolution panel (:func:`rnaclust_dash.pipeline.single_cell_assess.resolution_panel`).

One row of nodes per resolution (the lowest on top), a node per cluster sized by its
cells, and an edge from a cluster to each cluster of the next resolution that takes
cells from it, drawn darker and wider the larger its in-proportion (the fraction of the
child's cells that come from that parent). Edges under :data:`MIN_IN_PROP` are hidden,
as clustree's ``prop_filter`` default does. A stable resolution range shows as straight
vertical chains; a cluster fed by several parents (in-proportions well under 1) marks
cells that move between clusters: over-clustering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

#: Edges whose in-proportion is below this are not drawn (clustree's prop_filter).
MIN_IN_PROP = 0.1

_NODE_COLOR = "#0072B2"
_CURRENT_COLOR = "#D55E00"


def _node_positions(labels: pd.DataFrame, tree: pd.DataFrame) -> dict:
    """(resolution, cluster) -> x: the clusters of the lowest resolution by size, each
    later cluster under its main parent (largest in-proportion), children of one parent
    side by side, evenly spaced in each row."""
    positions: dict = {}
    resolutions = list(labels.columns)
    first = labels[resolutions[0]].value_counts()
    order = sorted(first.index, key=lambda c: (-first[c], c))
    for rank, cluster in enumerate(order):
        positions[(resolutions[0], cluster)] = rank - (len(order) - 1) / 2
    for parent_res, child_res in zip(resolutions, resolutions[1:]):
        edges = tree[(tree["from_resolution"] == parent_res) &
                     (tree["to_resolution"] == child_res)]
        # each child at the mean x of its parents weighted by the cells they give it
        weighted = edges.assign(x=[positions[(parent_res, c)] for c in edges["from_cluster"]])
        target = (weighted["x"] * weighted["n_cells"]).groupby(weighted["to_cluster"]).sum() / \
            weighted.groupby("to_cluster")["n_cells"].sum()
        order = sorted(target.index, key=lambda c: (target[c], c))
        for rank, cluster in enumerate(order):
            positions[(child_res, cluster)] = rank - (len(order) - 1) / 2
    return positions


def resolution_tree_figure(labels: pd.DataFrame, tree: pd.DataFrame, *,
                           current: float | None = None) -> go.Figure:
    """The cluster tree of a resolution panel.

    Parameters
    ----------
    labels : pandas.DataFrame
        Cells x resolutions (columns: the resolutions, increasing), labels 1..k.
    tree : pandas.DataFrame
        ``from_resolution, from_cluster, to_resolution, to_cluster, n_cells, in_prop``
        (the panel's tree).
    current : float, optional, keyword-only
        The resolution of the analysis shown: its row is drawn in orange.

    Returns
    -------
    plotly.graph_objects.Figure
        A node's ``customdata`` is its resolution (clicking a node picks it).
    """
    resolutions = sorted(labels.columns)
    labels = labels[resolutions]
    positions = _node_positions(labels, tree)
    depth = {r: -i for i, r in enumerate(resolutions)}
    figure = go.Figure()
    shown = tree[tree["in_prop"] >= MIN_IN_PROP]
    for edge in shown.itertuples(index=False):
        figure.add_trace(go.Scatter(
            x=[positions[(edge.from_resolution, edge.from_cluster)],
               positions[(edge.to_resolution, edge.to_cluster)]],
            y=[depth[edge.from_resolution], depth[edge.to_resolution]], mode="lines",
            line={"width": 1 + 5 * edge.in_prop, "color": "#444444"},
            opacity=0.15 + 0.75 * edge.in_prop, hoverinfo="skip", showlegend=False))
    nodes = [(r, c, int(n)) for r in resolutions
             for c, n in labels[r].value_counts().sort_index().items()]
    largest = max(n for _, _, n in nodes)
    is_current = [current is not None and np.isclose(r, current) for r, _, _ in nodes]
    figure.add_trace(go.Scatter(
        x=[positions[(r, c)] for r, c, _ in nodes], y=[depth[r] for r, _, _ in nodes],
        mode="markers+text", text=[str(c) for _, c, _ in nodes],
        textfont={"size": 10, "color": "white"},
        marker={"size": [12 + 28 * np.sqrt(n / largest) for _, _, n in nodes],
                "color": [_CURRENT_COLOR if now else _NODE_COLOR for now in is_current],
                "line": {"color": "white", "width": 1}},
        customdata=[r for r, _, _ in nodes],
        hovertext=[f"resolution {r:g}, cluster {c}: {n:,} cells" for r, c, n in nodes],
        hovertemplate="%{hovertext}<br>click to use this resolution<extra></extra>",
        showlegend=False, meta="tree-nodes"))
    counts = {r: int(labels[r].nunique()) for r in resolutions}
    width = max(len(labels[r].unique()) for r in resolutions)
    figure.update_layout(
        height=max(260, 70 * len(resolutions) + 60), template="plotly_white",
        margin={"l": 170, "r": 20, "t": 10, "b": 10}, font={"size": 12},
        xaxis={"visible": False, "range": [-(width + 1) / 2, (width + 1) / 2]},
        yaxis={"tickvals": [depth[r] for r in resolutions], "showgrid": False,
               "zeroline": False, "ticktext": [
                   f"resolution {r:g}: {counts[r]} cluster{'s' if counts[r] > 1 else ''}"
                   for r in resolutions]})
    return figure
