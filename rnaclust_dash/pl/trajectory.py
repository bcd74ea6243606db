"""Trajectory figures: the embedding coloured by pseudotime with the PAGA graph drawn over
the groups' positions, and a smoothed heatmap of the genes that change along pseudotime.
No Dash in here."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import BASE_TEMPLATE, NA_COLOR, _named_scale
from .scatter import embedding_figure

#: Prefix of a PAGA node's ``customdata`` (the points' ``customdata`` are item ids).
GROUP_PREFIX = "group:"

#: Widest PAGA edge (pixels), for connectivity 1.
_MAX_EDGE_WIDTH = 9.0


def trajectory_figure(coords, *, ids, pseudotime, paga: pd.DataFrame,
                      positions: pd.DataFrame, root: int, threshold: float = 0.05,
                      axis_titles: tuple[str, str] = ("x", "y"),
                      revision: str = "trajectory", webgl: bool = False) -> dict:
    """The items coloured by pseudotime, the PAGA graph over the groups and the root.

    Parameters
    ----------
    coords : array-like
        (n, 2) embedding of the items.
    ids : sequence of str
        (n,) item ids (each point's ``customdata``: a click picks a root by id).
    pseudotime : array-like
        (n,) in [0, 1]; inf or NaN where unknown (grey "no pseudotime").
    paga : pandas.DataFrame
        Groups x groups connectivities (see
        :func:`rnaclust_dash.tl.trajectory.paga.paga_connectivities`).
    positions : pandas.DataFrame
        Groups x ``x, y, size``: where each group's node is drawn
        (:func:`~rnaclust_dash.tl.trajectory.paga.group_positions`).
    root : int
        Index of the root item (drawn as a star).
    threshold : float
        Edges at or below this connectivity are not drawn.
    axis_titles : tuple of str
    revision : str
        plotly's ``uirevision``.
    webgl : bool
        Draw the items with WebGL (``scattergl``) however few they are (cells: a map
        of thousands stays responsive); above 5,000 they always are.

    Returns
    -------
    dict
        A plotly figure: point traces (``meta="embedding"``), edge traces
        (``meta="paga-edge"``), one node trace (``meta="paga-node"``), the root.
    """
    time = np.asarray(pseudotime, dtype=np.float64)
    colour = pd.Series(np.where(np.isfinite(time), time, np.nan), name="pseudotime")
    figure = embedding_figure(coords, ids=ids, color_values=colour, color_title="pseudotime",
                              axis_titles=axis_titles, revision=revision)
    for trace in figure["data"]:
        if webgl and trace.get("meta") == "embedding":
            trace["type"] = "scattergl"
        if trace["name"] == "NA":
            trace["name"] = "no pseudotime (not connected to the root)"
            trace["marker"]["color"] = NA_COLOR
    figure["data"] += paga_traces(paga, positions, threshold=threshold)
    xy = np.asarray(coords, dtype=np.float64)
    figure["data"].append(dict(
        type="scatter", x=[xy[root, 0]], y=[xy[root, 1]], mode="markers", name="root",
        marker=dict(symbol="star", size=18, color="#D55E00", line=dict(color="white", width=1.5)),
        hovertemplate=f"root: {np.asarray(ids)[root]}<extra></extra>", meta="root"))
    figure["layout"]["legend"] = dict(orientation="h", y=1.02, yanchor="bottom", x=0)
    return figure


def paga_traces(paga: pd.DataFrame, positions: pd.DataFrame, *,
                threshold: float = 0.05) -> list[dict]:
    """Line traces for the PAGA edges above ``threshold`` (width and opacity by
    connectivity) and one marker trace for the nodes (size by group size, labelled)."""
    names = list(paga.index)
    values = paga.to_numpy()
    traces = []
    rows, cols = np.triu_indices(len(names), k=1)
    for i, j in zip(rows, cols):
        weight = values[i, j]
        if weight <= threshold:
            continue
        a, b = positions.loc[names[i]], positions.loc[names[j]]
        traces.append(dict(
            type="scatter", x=[a["x"], b["x"]], y=[a["y"], b["y"]], mode="lines",
            line=dict(color="rgba(40,40,40,%.2f)" % (0.3 + 0.6 * weight),
                      width=1 + _MAX_EDGE_WIDTH * weight),
            hoverinfo="skip", showlegend=False, meta="paga-edge",
            name=f"{names[i]} - {names[j]}: {weight:.2f}"))
    sizes = positions["size"].to_numpy(dtype=np.float64)
    traces.append(dict(
        type="scatter", x=positions["x"].to_numpy(), y=positions["y"].to_numpy(),
        mode="markers+text", text=[str(n) for n in positions.index], textposition="top center",
        textfont=dict(size=13, color="#222"), name="PAGA groups", meta="paga-node",
        marker=dict(size=12 + 18 * np.sqrt(sizes / sizes.max()), color="white",
                    line=dict(color="#222", width=2)),
        # a click on a node names its group (not an item id)
        customdata=[GROUP_PREFIX + str(n) for n in positions.index],
        hovertemplate="%{text}<extra>group</extra>",
        showlegend=False))
    return traces


def trends_figure(trends: pd.DataFrame, genes: pd.DataFrame, *, title: str = "",
                  items: str = "samples") -> dict:
    """Heatmap of smoothed expression along pseudotime, genes ordered by where they peak.

    Parameters
    ----------
    trends : pandas.DataFrame
        Genes x bins, z-scored binned means (columns: the bins' mean pseudotime; see
        :func:`rnaclust_dash.tl.trajectory.genes.smoothed_trends`).
    genes : pandas.DataFrame
        The test table (``gene, rho, padj``), to label the rows.
    title : str
    items : str
        What the bins hold ("samples", "cells"), for the axis title.

    Returns
    -------
    dict
        A plotly heatmap figure.
    """
    order = np.argsort(np.argmax(trends.to_numpy(), axis=1), kind="stable")
    ordered = trends.iloc[order]
    table = genes.set_index("gene").reindex(ordered.index)
    hover = [[f"{gene}<br>rho {rho:.2f}, padj {padj:.2g}"] * ordered.shape[1]
             for gene, rho, padj in zip(ordered.index, table["rho"], table["padj"])]
    # bins side by side (equal widths), labelled by their mean pseudotime
    centres = np.asarray(ordered.columns, dtype=np.float64)
    ticks = np.unique(np.linspace(0, len(centres) - 1, min(6, len(centres))).round().astype(int))
    heatmap = dict(type="heatmap", z=ordered.to_numpy(dtype=np.float32),
                   x=np.arange(len(centres)), y=list(ordered.index),
                   colorscale=_named_scale("RdBu"), reversescale=True, zmid=0,
                   customdata=np.tile(centres, (len(ordered), 1)),
                   colorbar=dict(title=dict(text="z-score"), thickness=12),
                   text=hover, hovertemplate="%{text}<br>pseudotime %{customdata:.2f}<br>"
                                             "z %{z:.2f}<extra></extra>")
    layout = dict(template=BASE_TEMPLATE, plot_bgcolor="white", paper_bgcolor="white",
                  margin=dict(t=40 if title else 20, b=50, l=110, r=20),
                  xaxis=dict(title=dict(text=f"pseudotime (bins of equal numbers of {items})"),
                             tickvals=ticks, ticktext=[f"{centres[i]:.2f}" for i in ticks]),
                  yaxis=dict(autorange="reversed", tickfont=dict(size=10)))
    if title:
        layout["title"] = dict(text=title, x=0.01, xanchor="left", font=dict(size=15))
    return {"data": [heatmap], "layout": layout}
