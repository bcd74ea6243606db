"""Figures of the k panel and the stability panel (results in, go.Figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import ANNOTATION_PALETTES, cluster_colors
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


def stability_figure(cluster_jaccard: pd.Series, item_stability, labels, item_ids
                     ) -> go.Figure:
    """Mean bootstrap Jaccard per cluster (left; > 0.75 stable, < 0.5 dissolved, as
    clusterboot's guidance) and per-item stability sorted within clusters (right; item
    names on the axis up to :data:`MAX_NAMED_ITEMS` items, in the hover always)."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.1,
                        subplot_titles=["Cluster stability (mean Jaccard)<br><sub>dotted: "
                                        "0.75 stable above, 0.5 dissolved below</sub>",
                                        "Item stability"])
    clusters = [int(c) for c in cluster_jaccard.index]
    palette = cluster_colors(clusters)
    fig.add_trace(go.Bar(x=[f"cluster {c}" for c in clusters],
                         y=cluster_jaccard.to_numpy(dtype=np.float64),
                         marker_color=[palette[c] for c in clusters], customdata=clusters,
                         hovertemplate="%{x}: Jaccard %{y:.2f}<extra></extra>",
                         showlegend=False, meta="cluster-jaccard"), row=1, col=1)
    # Labelled in the panel title: text on the lines would sit under the bars.
    for level in (0.75, 0.5):
        fig.add_hline(y=level, line=dict(dash="dot", color="#555", width=1.5), row=1, col=1)
    table = pd.DataFrame({"stability": np.asarray(item_stability, dtype=np.float64),
                          "cluster": np.asarray(labels)},
                         index=np.asarray(item_ids, dtype=str)).sort_values(
        ["cluster", "stability"], ascending=[True, False])
    named = len(table) <= MAX_NAMED_ITEMS
    fig.add_trace(go.Bar(x=table.index.to_numpy(dtype=str) if named else np.arange(len(table)),
                         y=table["stability"].to_numpy(np.float64),
                         marker_color=[palette.get(int(c), "#999") for c in table["cluster"]],
                         customdata=np.stack([table.index.to_numpy(dtype=str),
                                              table["cluster"].astype(str).to_numpy()], axis=1),
                         hovertemplate="%{customdata[0]} (cluster %{customdata[1]}): "
                                       "%{y:.2f}<extra></extra>",
                         showlegend=False, meta="item-stability"), row=1, col=2)
    fig.update_yaxes(range=[0, 1.05], gridcolor="#eee")
    fig.update_yaxes(title_text="mean Jaccard over resamples", row=1, col=1)
    fig.update_yaxes(title_text="item stability (mean Jaccard)", row=1, col=2)
    fig.update_xaxes(title_text="cluster", row=1, col=1)
    longest = int(table.index.str.len().max()) if named and len(table) else 0
    if named:
        fig.update_xaxes(title_text="item (by cluster, most stable first)", type="category",
                         tickangle=-90 if len(table) > 8 or longest > 8 else 0,
                         tickfont=dict(size=10 if len(table) <= 30 else 8), row=1, col=2)
    else:
        fig.update_xaxes(showticklabels=False, row=1, col=2,
                         title_text=f"{len(table):,} items (by cluster, most stable first; "
                                    "hover for names)")
    bottom = 50 + (7 * min(longest, 30) if named and (len(table) > 8 or longest > 8) else 0)
    fig.update_layout(height=340 + bottom - 50, margin=dict(l=60, r=20, t=50, b=bottom),
                      plot_bgcolor="white", bargap=0.1, uirevision="stability")
    return fig


#: Item-stability bars are named on the axis up to this many items.
MAX_NAMED_ITEMS = 60


def consensus_figure(consensus, *, k: int, item_ids, title: str | None = None) -> go.Figure:
    """Consensus matrix at ``k`` (items ordered by consensus clusters, with a colour bar
    of the consensus 0..1), CDF per k and the delta-area plot, as ConsensusClusterPlus
    shows them. ``title`` (e.g. the k range used) heads the figure."""
    fig = make_subplots(rows=1, cols=3, column_widths=[0.4, 0.3, 0.3],
                        horizontal_spacing=0.16,
                        subplot_titles=[f"Consensus matrix, k = {k}", "CDF of consensus",
                                        "Relative change in CDF area"])
    matrix = consensus.matrices[k]
    order = np.argsort(consensus.consensus_labels[k], kind="stable")
    ids = np.asarray(item_ids, dtype=str)[order]
    # The colour bar sits in the gap right of the matrix, left of the CDF's axis labels.
    matrix_right = fig.layout.xaxis.domain[1]
    fig.add_trace(go.Heatmap(z=matrix[np.ix_(order, order)].astype(np.float32), x=ids, y=ids,
                             colorscale="Blues", zmin=0, zmax=1, showscale=True,
                             colorbar=dict(title=dict(text="consensus", side="top"),
                                           x=matrix_right + 0.01, xanchor="left", thickness=10,
                                           len=0.8, y=0.0, yanchor="bottom",
                                           tickvals=[0, 0.25, 0.5, 0.75, 1]),
                             hovertemplate="%{x} & %{y}: %{z:.2f}<extra></extra>",
                             meta="consensus-matrix"), row=1, col=1)
    cdf = consensus.cdf
    for kk, group in cdf.groupby("k"):
        fig.add_trace(go.Scatter(x=group["consensus_index"].to_numpy(np.float64),
                                 y=group["cdf"].to_numpy(np.float64), mode="lines",
                                 line=dict(color=cluster_colors([int(kk)])[int(kk)]),
                                 name=f"k = {kk}", meta="consensus-cdf"), row=1, col=2)
    delta = pd.Series(consensus.delta_area)
    fig.add_trace(go.Scatter(x=delta.index.to_numpy(), y=delta.to_numpy(np.float64),
                             mode="lines+markers", showlegend=False, line=dict(color="#2c3e50"),
                             customdata=delta.index.tolist(),
                             hovertemplate="k = %{x}: %{y:.3f}<extra></extra>",
                             meta="consensus-delta"), row=1, col=3)
    show_ticks = len(ids) <= 40
    fig.update_xaxes(showticklabels=show_ticks, row=1, col=1)
    fig.update_yaxes(showticklabels=show_ticks, autorange="reversed", row=1, col=1)
    fig.update_xaxes(title_text="consensus index", row=1, col=2)
    fig.update_yaxes(title_text="CDF", row=1, col=2)
    fig.update_xaxes(dtick=1, title_text="k", row=1, col=3)
    fig.update_yaxes(title_text="relative change in area", row=1, col=3)
    top = 80 if title else 50
    # The legend (one line per k) right of the plots, where it covers no curve.
    fig.update_layout(height=400 + top - 50, margin=dict(l=40, r=80, t=top, b=50),
                      plot_bgcolor="white", uirevision="consensus",
                      legend=dict(x=1.01, xanchor="left", y=1.0, yanchor="top"))
    if title:
        fig.update_layout(title=dict(text=title, x=0.01, xanchor="left", y=0.98,
                                     yanchor="top", font=dict(size=14)))
    return fig


def sankey_figure(labels_a, labels_b, *, name_a: str, name_b: str) -> go.Figure:
    """Alluvial (Sankey) view of how the items of each group of ``labels_a`` spread over
    the groups of ``labels_b`` (items with a missing label are left out)."""
    table = pd.DataFrame({"a": pd.Series(labels_a, dtype=object),
                          "b": pd.Series(labels_b, dtype=object)}).dropna()
    left = sorted(table["a"].unique(), key=str)
    right = sorted(table["b"].unique(), key=str)
    flows = table.groupby(["a", "b"]).size()
    node_index = {("a", v): i for i, v in enumerate(left)}
    node_index |= {("b", v): len(left) + i for i, v in enumerate(right)}

    def colour(side, value):
        """Cluster labels in cluster colours; sample-sheet groups in annotation colours."""
        if isinstance(value, (int, np.integer)):
            return cluster_colors([int(value)])[int(value)]
        groups = left if side == "a" else right
        palette = ANNOTATION_PALETTES[0]
        return palette[groups.index(value) % len(palette)]

    fig = go.Figure(go.Sankey(
        node=dict(label=[f"{name_a}: {v}" for v in left] + [f"{name_b}: {v}" for v in right],
                  color=[colour("a", v) for v in left] + [colour("b", v) for v in right],
                  pad=12, thickness=16),
        link=dict(source=[node_index[("a", a)] for a, _ in flows.index],
                  target=[node_index[("b", b)] for _, b in flows.index],
                  value=flows.to_numpy(dtype=np.float64),
                  hovertemplate="%{value} items<extra></extra>"),
        meta="agreement-sankey"))
    fig.update_layout(height=320, margin=dict(l=20, r=20, t=30, b=20),
                      title=f"{name_a} (left) vs {name_b} (right)")
    return fig
