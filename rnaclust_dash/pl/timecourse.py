"""Figures of time-course patterns (Mfuzz, degPatterns): profiles coloured by membership
with centroid lines and the alpha-core threshold, the Dmin panel and the cluster overlap.
Tables in, ``go.Figure`` out. No Dash in here.

Profiles are genes x time points; their columns are time labels (``"15"``) or, for groups
side by side, ``"group:time"``. Time points are drawn equally spaced (as Mfuzz does), one
block per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from .common import cluster_colors

#: Membership colour scale (low -> high), as Mfuzz's yellow-green-blue-red ramp.
MEMBERSHIP_SCALE = "Plasma_r"
#: Genes below the alpha-core threshold are drawn in this light grey.
BELOW_CORE_COLOR = "#D5D8DC"
#: Membership bins drawn as separate traces above the threshold (few traces, fast).
N_MEMBERSHIP_BINS = 5
_COLUMNS = 3


def time_axis(columns) -> tuple[np.ndarray, list[str], list[tuple[str, float]]]:
    """x positions of profile columns, their tick labels, and (group, centre) of each
    group block (empty without groups). Groups keep their column order; a gap of one
    position separates them."""
    groups, times = [], []
    for column in map(str, columns):
        group, colon, time = column.rpartition(":")
        groups.append(group if colon else "")
        times.append(time)
    x, blocks, position, previous = [], [], 0.0, None
    for group in groups:
        if previous is not None and group != previous:
            position += 1.0  # the gap between groups
        x.append(position)
        previous = group
        position += 1.0
    x = np.asarray(x)
    for group in dict.fromkeys(groups):
        if group:
            where = x[[g == group for g in groups]]
            blocks.append((group, float(where.mean())))
    return x, times, blocks


def _lines(x: np.ndarray, rows: np.ndarray, breaks: np.ndarray) -> tuple[list, list]:
    """One scatter trace's x / y for several profiles: NaN between profiles and at the
    breaks between group blocks."""
    if not len(rows):
        return [], []
    xs, ys = [], []
    for row in rows:
        for position, value, stop in zip(x, row, breaks):
            xs.append(position)
            ys.append(value)
            if stop:
                xs.append(None)
                ys.append(None)
    return xs, ys


def _panel_titles(labels: pd.Series, own: pd.Series, clusters: list, threshold: float,
                  hard: bool) -> list[str]:
    """'Cluster c: n genes, m with membership > threshold' (hard: without the core)."""
    counts = labels.value_counts()
    titles = []
    for c in clusters:
        core = int(((labels == c) & (own > threshold)).sum())
        titles.append(f"Cluster {c}: {int(counts.get(c, 0)):,} genes"
                      + ("" if hard else f", {core:,} with membership > {threshold:g}"))
    return titles


def _membership_bins(u: np.ndarray, threshold: float) -> list[tuple]:
    """(genes mask, colour, opacity, name) of the genes at or below the threshold (grey)
    and of each membership bin above it."""
    edges = np.linspace(threshold, 1.0, N_MEMBERSHIP_BINS + 1)
    colors = sample_colorscale(MEMBERSHIP_SCALE, list((edges[:-1] + edges[1:]) / 2))
    groups = [(u <= threshold, BELOW_CORE_COLOR, 0.9, f"membership \u2264 {threshold:g}")]
    for b in range(N_MEMBERSHIP_BINS):
        last = b == N_MEMBERSHIP_BINS - 1
        inside = (u > edges[b]) & ((u <= edges[b + 1]) | last)
        groups.append((inside, colors[b], 0.9,
                       f"membership {edges[b]:.2f}\u2013{edges[b + 1]:.2f}"))
    return groups


def profile_figure(profiles: pd.DataFrame, membership: pd.DataFrame, labels: pd.Series,
                   centers: pd.DataFrame, *, threshold: float = 0.5,
                   hard: bool = False, highlight=(), title: str | None = None) -> go.Figure:
    """One panel per cluster: its genes' standardised profiles, coloured by membership
    (grey below ``threshold``: outside the alpha core), and the centroid as a black line.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Genes x time points (standardised replicate means).
    membership : pandas.DataFrame
        Genes x clusters (columns: cluster labels), rows summing to 1 (Mfuzz), or 0/1.
    labels : pandas.Series
        Cluster of each gene (index: genes); a gene is drawn in its own cluster's panel.
    centers : pandas.DataFrame
        Clusters x time points (index: cluster labels), the centroid lines.
    threshold : float
        Alpha-core membership threshold.
    hard : bool
        Hard clusters (degPatterns): every gene in its cluster's colour, no colour bar.
    highlight : sequence of str
        Genes drawn on top in red (e.g. picked in the table).

    Returns
    -------
    plotly.graph_objects.Figure
        Every trace of a panel has ``customdata`` = the cluster label, ``meta``
        ``"timecourse-cluster"``, so a click names the cluster.
    """
    x, times, blocks = time_axis(profiles.columns)
    breaks = np.r_[np.diff(x) > 1, True]
    clusters = [int(c) for c in centers.index]
    n_rows = -(-len(clusters) // _COLUMNS)
    labels = labels.reindex(profiles.index)
    own = pd.Series(membership.to_numpy()[np.arange(len(membership)), [
        list(membership.columns).index(c) for c in labels.reindex(membership.index)]],
        index=membership.index).reindex(labels.index)
    fig = make_subplots(rows=n_rows, cols=_COLUMNS,
                        subplot_titles=_panel_titles(labels, own, clusters, threshold, hard),
                        horizontal_spacing=0.05, vertical_spacing=0.16 / max(n_rows, 1) + 0.06,
                        shared_yaxes=True)
    palette = cluster_colors(clusters)
    highlight = [g for g in highlight if g in profiles.index]
    for index, c in enumerate(clusters):
        row, col = index // _COLUMNS + 1, index % _COLUMNS + 1
        genes = labels.index[(labels == c).to_numpy()]
        values = profiles.loc[genes].to_numpy(dtype=np.float64)
        groups = [(np.ones(len(genes), bool), palette[c], 0.35, "genes")] if hard else \
            _membership_bins(own.reindex(genes).to_numpy(), threshold)
        for inside, color, opacity, name in groups:
            xs, ys = _lines(x, values[inside], breaks)
            if not xs:
                continue
            fig.add_trace(go.Scattergl(
                x=xs, y=ys, mode="lines", line=dict(color=color, width=1), opacity=opacity,
                name=name, showlegend=False, customdata=[c] * len(xs), meta="timecourse-cluster",
                hovertemplate=f"cluster {c}, {name}<extra></extra>"), row=row, col=col)
        picked = [g for g in highlight if labels.get(g) == c]
        if picked:  # WebGL lines are drawn above SVG ones: everything here is WebGL
            xs, ys = _lines(x, profiles.loc[picked].to_numpy(dtype=np.float64), breaks)
            fig.add_trace(go.Scattergl(
                x=xs, y=ys, mode="lines", line=dict(color="#C0392B", width=2.5),
                showlegend=False, customdata=[c] * len(xs), meta="timecourse-cluster",
                text=[g for g in picked for _ in range(len(x) + int(breaks.sum()))],
                hovertemplate="%{text}<extra></extra>"), row=row, col=col)
        xs, ys = _lines(x, centers.loc[[c]].to_numpy(dtype=np.float64), breaks)
        for color, width in (("white", 6), ("black", 3)):  # a halo keeps it visible
            fig.add_trace(go.Scattergl(
                x=xs, y=ys, mode="lines+markers", line=dict(color=color, width=width),
                marker=dict(size=width + 3, color=color), showlegend=False,
                customdata=[c] * len(xs), meta="timecourse-cluster", name=f"centroid {c}",
                hovertemplate=f"cluster {c} centroid<br>%{{y:.2f}}<extra>click to list its "
                              "genes</extra>"), row=row, col=col)
        fig.update_xaxes(tickmode="array", tickvals=x.tolist(), ticktext=times,
                         showgrid=False, row=row, col=col)
        for group, centre in blocks:
            fig.add_annotation(x=centre, y=1.0, xref=f"x{index + 1 if index else ''}",
                               yref=f"y{index + 1 if index else ''} domain",
                               text=f"<b>{group}</b>",
                               showarrow=False, yanchor="top", font=dict(size=11),
                               bgcolor="rgba(255,255,255,0.75)")
    if not hard:  # a colour bar for membership
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(colorscale=MEMBERSHIP_SCALE, cmin=threshold, cmax=1.0, color=[1.0],
                        showscale=True, colorbar=dict(title="membership", thickness=12,
                                                      len=min(1.0, 0.9 / n_rows + 0.1)))))
    fig.update_yaxes(title_text="standardised expression", col=1)
    fig.update_yaxes(zeroline=False, gridcolor="#EEEEEE")
    fig.update_annotations(font_size=12)
    fig.update_layout(height=260 * n_rows + 90, plot_bgcolor="white",
                      margin=dict(l=60, r=20, t=80, b=40), uirevision="profiles",
                      title=dict(text=title or "", x=0.01, font=dict(size=14)))
    return fig


def dmin_figure(dmin: pd.Series, *, current: int | None = None) -> go.Figure:
    """Mfuzz's Dmin against c: the smallest distance between two centroids. A steep drop
    then a plateau marks a useful number of clusters. Points carry ``customdata`` = c."""
    cs = np.asarray(dmin.index, dtype=np.int64)
    fig = go.Figure(go.Scatter(
        x=cs, y=dmin.to_numpy(dtype=np.float64), mode="lines+markers",
        marker=dict(size=8, color="#2c3e50"), line=dict(color="#2c3e50"),
        customdata=cs.tolist(), meta="dmin",
        hovertemplate="c = %{x}<br>Dmin = %{y:.3f}<br>click to use this c<extra></extra>"))
    if current is not None:
        fig.add_vline(x=current, line=dict(dash="dash", color="#18bc9c"))
    fig.update_layout(title=dict(text="Minimum centroid distance (Dmin)<br><sub>choose c "
                                      "where the drop levels off</sub>", x=0.01,
                                 font=dict(size=13)),
                      xaxis=dict(title="number of clusters c", dtick=1),
                      yaxis=dict(title="Dmin", rangemode="tozero", gridcolor="#EEEEEE"),
                      height=320, margin=dict(l=60, r=20, t=70, b=50), plot_bgcolor="white")
    return fig


def overlap_figure(overlap: pd.DataFrame) -> go.Figure:
    """Mfuzz's cluster overlap as a heatmap (diagonal left out): the share of a column
    cluster's membership that its genes also give the row cluster. Large values: the
    two patterns are not well apart."""
    values = overlap.to_numpy(dtype=np.float64).copy()
    np.fill_diagonal(values, np.nan)
    names = [str(c) for c in overlap.index]
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=values, x=names, y=names, text=text, texttemplate="%{text}", colorscale="Blues",
        zmin=0, zmax=max(0.05, float(np.nanmax(values)) if values.size > 1 else 0.05),
        colorbar=dict(title="overlap", thickness=12), meta="overlap",
        hovertemplate="clusters %{y} and %{x}: overlap %{z:.3f}<extra></extra>"))
    fig.update_layout(title=dict(text="Overlap of clusters<br><sub>shared membership, "
                                      "each column sums to 1 with its diagonal</sub>",
                                 x=0.01, font=dict(size=13)),
                      xaxis=dict(title="cluster", type="category"),
                      yaxis=dict(title="cluster", type="category", autorange="reversed"),
                      height=320, margin=dict(l=60, r=20, t=70, b=50), plot_bgcolor="white")
    return fig
