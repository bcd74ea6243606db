"""Figures of the stability panel: bootstrap Jaccard per cluster, item stability and the
consensus matrix (results in, go.Figure out). No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import cluster_colors


def stability_figure(cluster_jaccard: pd.Series, item_stability, labels, item_ids
                     ) -> go.Figure:
    """Mean bootstrap Jaccard per cluster (left; > 0.75 stable, < 0.5 dissolved, as
    clusterboot's guidance) and per-item stability sorted within clusters (right; item
    names on the axis up to :data:`MAX_NAMED_ITEMS` items, in the hover always)."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.1,
                        subplot_titles=["Cluster stability (mean Jaccard)<br><sub>dotted: "
                                        "0.75 stable above, 0.5 dissolved below</sub>",
                                        "Item stability"])
    # 1..k, or text such as "2.1" (the sub-clusters of a selection, issue 12)
    palette = cluster_colors(list(cluster_jaccard.index))
    clusters = list(palette)  # as cluster_colors keys them (int, or text), in order
    fig.add_trace(go.Bar(x=[f"cluster {c}" for c in clusters],
                         y=cluster_jaccard.loc[clusters].to_numpy(dtype=np.float64),
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
                         marker_color=[palette.get(c if isinstance(c, str) else int(c),
                                                   "#999") for c in table["cluster"]],
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
