"""Figures of the k panel: validity indices against k and the cluster tree across k
(results in, go.Figure out). No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import cluster_colors
from .palettes import text_color_on


#: Index column -> (panel title, what a good k looks like).
K_INDICES = {
    "wss": ("Within-cluster sum of squares (elbow)", "the bend"),
    "silhouette": ("Mean silhouette", "highest"),
    "calinski_harabasz": ("Calinski\u2013Harabasz", "highest"),
    "davies_bouldin": ("Davies\u2013Bouldin", "lowest"),
    "gap": ("Gap statistic (1-SE rule)", "first k within 1 SE of the next"),
    "bic": ("BIC (mclust sign)", "highest"),
    "icl": ("ICL", "highest"),
}


_SUGGESTION_OF = {"wss": "elbow", "silhouette": "silhouette",
                  "calinski_harabasz": "calinski_harabasz", "davies_bouldin": "davies_bouldin",
                  "gap": "gap", "bic": "bic", "icl": "icl"}


#: Index (table column or suggestion key) -> its name in words, for text the user reads.
INDEX_NAMES = {"wss": "within-cluster sum of squares", "elbow": "elbow",
               "silhouette": "silhouette", "calinski_harabasz": "Calinski\u2013Harabasz",
               "davies_bouldin": "Davies\u2013Bouldin", "gap": "gap statistic",
               "bic": "BIC", "icl": "ICL"}


def k_selection_figure(table: pd.DataFrame, suggested: dict, *, current_k: float | None = None,
                       x: str = "k", title: str | None = None) -> go.Figure:
    """One small panel per index over k; each index's suggested k is a star, the current
    k a dashed line. Points carry ``customdata`` = k (a plain list: Dash reads a clicked
    point's customdata from the trace), so a click can apply that k. With
    ``x="resolution"`` (graph methods) the panels run over resolutions instead, and the
    hover gives the number of clusters found. ``title`` (e.g. the k range used) heads
    the figure."""
    columns = [c for c in K_INDICES if c in table.columns and table[c].notna().any()]
    n_cols = 3
    n_rows = -(-len(columns) // n_cols)
    titles = [f"{K_INDICES[c][0]}<br><sub>best: {K_INDICES[c][1]}; suggests {x} = "
              f"{suggested.get(_SUGGESTION_OF[c], '-')}</sub>" for c in columns]
    fig = make_subplots(rows=n_rows, cols=n_cols, subplot_titles=titles,
                        horizontal_spacing=0.08, vertical_spacing=0.22)
    ks = table[x].to_numpy()
    found = table["n_clusters"].to_numpy() if "n_clusters" in table else ks
    for index, column in enumerate(columns):
        row, col = index // n_cols + 1, index % n_cols + 1
        values = table[column].to_numpy(dtype=np.float64)
        error = None
        if column == "gap" and "gap_se" in table:
            error = dict(type="data", array=table["gap_se"].to_numpy(dtype=np.float64),
                         visible=True, thickness=1)
        fig.add_trace(go.Scatter(
            x=ks, y=values, mode="lines+markers", error_y=error, customdata=ks.tolist(),
            marker=dict(size=8, color="#2c3e50"), line=dict(color="#2c3e50"),
            text=[f"{n} clusters" for n in found],
            hovertemplate=f"{x} = %{{x}} (%{{text}})<br>{INDEX_NAMES[column]} = %{{y:.4g}}"
                          f"<br>click to "
                          f"use this {x}<extra></extra>", showlegend=False, meta="k-index"),
            row=row, col=col)
        best = suggested.get(_SUGGESTION_OF[column])
        if best in set(ks.tolist()):
            fig.add_trace(go.Scatter(
                x=[best], y=[values[list(ks).index(best)]], mode="markers", customdata=[best],
                marker=dict(symbol="star", size=16, color="#e74c3c"), showlegend=False,
                hovertemplate=f"suggested {x} = {best}<extra></extra>", meta="k-suggested"),
                row=row, col=col)
        if current_k is not None:
            fig.add_vline(x=current_k, line=dict(dash="dash", color="#18bc9c"), row=row, col=col)
        fig.update_xaxes(dtick=1 if x == "k" else None, title_text=x, row=row, col=col)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=300 * n_rows + (30 if title else 0),
                      margin=dict(l=40, r=20, t=90 if title else 60, b=40),
                      plot_bgcolor="white", uirevision="k-panel")
    if title:
        fig.update_layout(title=dict(text=title, x=0.01, xanchor="left", y=0.99,
                                     yanchor="top", font=dict(size=14)))
    return fig


def cluster_tree_figure(tree: pd.DataFrame) -> go.Figure:
    """Clusters at each k as nodes (size = items), edges where items move between
    consecutive k (width = items), as clustree draws them."""
    if tree.empty:
        return go.Figure()
    nodes = pd.concat([
        tree[["from_k", "from_cluster"]].set_axis(["k", "cluster"], axis=1),
        tree[["to_k", "to_cluster"]].set_axis(["k", "cluster"], axis=1)]).drop_duplicates()
    sizes = pd.concat([
        tree.groupby(["from_k", "from_cluster"])["n_items"].sum().rename_axis(["k", "cluster"]),
        tree.groupby(["to_k", "to_cluster"])["n_items"].sum().rename_axis(["k", "cluster"])])
    sizes = sizes.groupby(level=[0, 1]).max()
    position = {}
    for k, group in nodes.groupby("k"):
        clusters = sorted(group["cluster"])
        for i, cluster in enumerate(clusters):
            position[(k, cluster)] = (i - (len(clusters) - 1) / 2, -k)
    xs, ys = [], []
    for edge in tree.itertuples():
        x0, y0 = position[(edge.from_k, edge.from_cluster)]
        x1, y1 = position[(edge.to_k, edge.to_cluster)]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#95a5a6", width=1),
                               hoverinfo="skip", showlegend=False, meta="tree-edges"))
    keys = list(position)
    fig.add_trace(go.Scatter(
        x=[position[key][0] for key in keys], y=[position[key][1] for key in keys],
        mode="markers+text", text=[str(c) for _, c in keys], textposition="middle center",
        textfont=dict(color=[text_color_on(cluster_colors([c])[c]) for _, c in keys],
                      size=10),
        marker=dict(size=[10 + 30 * np.sqrt(sizes.get(key, 1) / sizes.max()) for key in keys],
                    color=[cluster_colors([c])[c] for _, c in keys],
                    line=dict(color="#2c3e50", width=1)),
        customdata=[k for k, _ in keys], meta="tree-nodes", showlegend=False,
        hovertext=[f"k = {k}, cluster {c}: {int(sizes.get((k, c), 0))} items" for k, c in keys],
        hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(title="How clusters split and merge as k grows (clustree)",
                      xaxis=dict(visible=False), plot_bgcolor="white",
                      yaxis=dict(title="k", tickvals=[-k for k in sorted(nodes["k"].unique())],
                                 ticktext=[str(k) for k in sorted(nodes["k"].unique())]),
                      margin=dict(l=50, r=20, t=50, b=20), height=420,
                      uirevision="cluster-tree")
    return fig
