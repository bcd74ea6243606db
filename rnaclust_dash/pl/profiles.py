"""Gene cluster profiles: one panel per gene cluster with the mean z-score across the
samples and a band of its spread, samples in a chosen order. No Dash in here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .common import BASE_TEMPLATE, _MAX_TICK_LABELS, cluster_colors
from ..tl.labels import cluster_labels, natural_key

#: Band choices: what the shaded band around the mean line spans.
BANDS = {"sd": "mean \u00b1 1 SD", "iqr": "25th-75th percentile"}

_PANEL_PX = 230
_MAX_COLUMNS = 3
_GROUP_SHADE = "rgba(0, 0, 0, 0.045)"
_HIGHLIGHT_COLOR = "black"


def _hex_to_rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def profile_figure(profiles: pd.DataFrame, *, sample_labels: Sequence[str] | None = None,
                   sample_groups: Sequence | None = None, group_title: str = "",
                   band: str = "sd", highlighted: pd.DataFrame | None = None,
                   highlighted_clusters: Sequence[int] = (), title: str | None = None) -> dict:
    """One panel per gene cluster: mean z-score line and spread band across the samples.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`rnaclust_dash.tl.gene_clusters.cluster_profiles` output (one row per
        cluster and sample; ``position`` gives the sample order).
    sample_labels : sequence of str, optional
        Tick label of each sample, in ``position`` order (default: the sample ids).
    sample_groups : sequence, optional
        Group of each sample in ``position`` order (the column the samples are ordered
        by): runs of one group are shaded alternately and named in the top panels.
    group_title : str
        The grouping column's name (axis title).
    band : {"sd", "iqr"}
        The band: mean +/- one standard deviation, or the 25th-75th percentiles.
    highlighted : pandas.DataFrame, optional
        z-scores of genes to draw as black lines (genes x samples in ``position``
        order, index = the labels shown), each in the panel of its cluster.
    highlighted_clusters : sequence of int
        The cluster of each row of ``highlighted``.
    title : str, optional

    Returns
    -------
    dict
        A plotly figure dict; panel ``i`` (1-based, clusters in increasing order) is on
        axes ``x{i}``/``y{i}``; its traces have ``meta`` "band", "mean" or "gene".
    """
    if band not in BANDS:
        raise ValueError(f"band must be one of {sorted(BANDS)}, not {band!r}")
    clusters = sorted(cluster_labels(profiles["cluster"].unique()).tolist(), key=natural_key)
    first = profiles[profiles["cluster"] == clusters[0]].sort_values("position")
    samples = first["sample"].astype(str).tolist()
    labels = samples if sample_labels is None else [str(s) for s in sample_labels]
    if len(labels) != len(samples):
        raise ValueError(f"{len(labels)} sample labels for {len(samples)} samples")
    n_cols = min(_MAX_COLUMNS, len(clusters))
    n_rows = -(-len(clusters) // n_cols)
    palette = cluster_colors(clusters)
    y_limit = _y_limit(profiles, band, highlighted)
    traces, layout = [], _grid_layout(n_rows, n_cols, len(clusters), labels, y_limit)
    for panel, cluster in enumerate(clusters, start=1):
        rows = profiles[profiles["cluster"] == cluster].sort_values("position")
        traces += _panel_traces(rows, panel, palette[cluster], band, labels)
        layout["annotations"].append(_panel_title(panel, cluster, int(rows["n_genes"].iat[0]),
                                                  palette[cluster]))
        if highlighted is not None:
            for name, clu in zip(highlighted.index, highlighted_clusters):
                if str(clu) == str(cluster):
                    traces.append(_gene_trace(highlighted.loc[name], str(name), panel, labels))
    if sample_groups is not None:
        _shade_groups(layout, list(sample_groups), len(clusters), n_cols)
    ordered = f"; samples ordered by {group_title}" if group_title else ""
    layout["title"] = dict(text=title or f"Gene cluster profiles (z-scores; band: "
                                         f"{BANDS[band]}{ordered})",
                           x=0.01, xanchor="left", font=dict(size=14))
    return {"data": traces, "layout": layout}


def _y_limit(profiles: pd.DataFrame, band: str, highlighted) -> float:
    """One symmetric y range for every panel, so that panels compare."""
    if band == "sd":
        extent = (profiles["mean"].abs() + profiles["sd"]).max()
    else:
        extent = profiles[["q25", "q75"]].abs().to_numpy().max()
    if highlighted is not None and highlighted.size:
        extent = max(extent, np.nanmax(np.abs(highlighted.to_numpy())))
    return float(np.ceil(max(extent, 0.5) * 1.1 * 2) / 2)


def _grid_layout(n_rows: int, n_cols: int, n_panels: int, labels: list[str],
                 y_limit: float) -> dict:
    gap_x, gap_y = 0.06, 0.5 / max(n_rows, 1) * 0.35
    width = (1 - gap_x * (n_cols - 1)) / n_cols
    height = (1 - gap_y * (n_rows - 1)) / n_rows
    show_ticks = len(labels) <= _MAX_TICK_LABELS
    longest = max((len(s) for s in labels), default=0)
    layout = dict(template=BASE_TEMPLATE, plot_bgcolor="white", paper_bgcolor="white",
                  showlegend=False, hovermode="closest", annotations=[], shapes=[],
                  height=int(n_rows * _PANEL_PX + 40 + (6 * min(longest, 25) if show_ticks
                                                         else 0) * n_rows),
                  margin=dict(t=70, b=20, l=50, r=15))
    for panel in range(1, n_panels + 1):
        row, col = divmod(panel - 1, n_cols)
        x0 = col * (width + gap_x)
        y1 = 1 - row * (height + gap_y)
        suffix = "" if panel == 1 else str(panel)
        layout[f"xaxis{suffix}"] = dict(
            domain=[x0, x0 + width], anchor=f"y{suffix}", range=[-0.5, len(labels) - 0.5],
            tickmode="array", tickvals=list(range(len(labels))), ticktext=labels,
            showticklabels=show_ticks, tickangle=-90 if longest > 3 or len(labels) > 8 else 0,
            tickfont=dict(size=9), showgrid=False, zeroline=False)
        layout[f"yaxis{suffix}"] = dict(
            domain=[max(y1 - height, 0), y1], anchor=f"x{suffix}",
            range=[-y_limit, y_limit], zeroline=True, zerolinecolor="#ccc",
            showgrid=False, title=dict(text="z-score" if col == 0 else "", font=dict(size=11)),
            tickfont=dict(size=9))
    return layout


def _panel_traces(rows: pd.DataFrame, panel: int, color: str, band: str,
                  labels: list[str]) -> list[dict]:
    suffix = "" if panel == 1 else str(panel)
    x = rows["position"].to_numpy(dtype=np.float64)
    mean = rows["mean"].to_numpy(dtype=np.float64)
    if band == "sd":
        low, high = mean - rows["sd"].to_numpy(), mean + rows["sd"].to_numpy()
    else:
        low, high = rows["q25"].to_numpy(), rows["q75"].to_numpy()
    cluster = rows["cluster"].iat[0]
    band_trace = dict(
        type="scatter", x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]),
        xaxis=f"x{suffix}", yaxis=f"y{suffix}", mode="lines", fill="toself",
        fillcolor=_hex_to_rgba(color, 0.25), line=dict(width=0), hoverinfo="skip",
        meta="band")
    text = [f"{name}<br>cluster {cluster}: mean z {m:.2f} ({BANDS[band]} {lo:.2f} to "
            f"{hi:.2f})" for name, m, lo, hi in zip(labels, mean, low, high)]
    mean_trace = dict(
        type="scatter", x=x, y=mean, xaxis=f"x{suffix}", yaxis=f"y{suffix}",
        mode="lines+markers", line=dict(color=color, width=2.5), marker=dict(size=5),
        hovertext=text, hovertemplate="%{hovertext}<extra></extra>", meta="mean",
        name=f"cluster {cluster}")
    return [band_trace, mean_trace]


def _gene_trace(z: pd.Series, name: str, panel: int, labels: list[str]) -> dict:
    suffix = "" if panel == 1 else str(panel)
    values = z.to_numpy(dtype=np.float64)
    return dict(
        type="scatter", x=np.arange(len(values), dtype=np.float64), y=values,
        xaxis=f"x{suffix}", yaxis=f"y{suffix}", mode="lines+text",
        # the gene's name at the start of its line
        text=[f"<b>{name}</b>"] + [""] * (len(values) - 1), textposition="top right",
        textfont=dict(size=10, color=_HIGHLIGHT_COLOR),
        line=dict(color=_HIGHLIGHT_COLOR, width=1.5, dash="dot"), name=name,
        hovertext=[f"{name}<br>{s}: z {v:.2f}" for s, v in zip(labels, values)],
        hovertemplate="%{hovertext}<extra></extra>", meta="gene")


def _panel_title(panel: int, cluster, n_genes: int, color: str) -> dict:
    suffix = "" if panel == 1 else str(panel)
    return dict(text=f"<b>cluster {cluster}</b> ({n_genes:,} genes)",
                xref=f"x{suffix} domain", yref=f"y{suffix} domain", x=0.0, y=1.0,
                xanchor="left", yanchor="bottom", showarrow=False,
                font=dict(size=12, color=color))


def _shade_groups(layout: dict, groups: list, n_panels: int, n_cols: int) -> None:
    """Shade every other run of equal groups; name the runs over the top-row panels."""
    keys = ["NA" if g is None or (isinstance(g, float) and np.isnan(g)) else str(g)
            for g in groups]
    runs, start = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            runs.append((start, i - 1, keys[start]))
            start = i
    for panel in range(1, n_panels + 1):
        suffix = "" if panel == 1 else str(panel)
        for number, (lo, hi, name) in enumerate(runs):
            if number % 2 == 1:
                layout["shapes"].append(dict(
                    type="rect", xref=f"x{suffix}", yref=f"y{suffix} domain", x0=lo - 0.5,
                    x1=hi + 0.5, y0=0, y1=1, fillcolor=_GROUP_SHADE, line=dict(width=0),
                    layer="below"))
            if panel <= n_cols and len(runs) <= 12:
                layout["annotations"].append(dict(
                    text=name, xref=f"x{suffix}", yref=f"y{suffix} domain",
                    x=(lo + hi) / 2, y=1.0, yanchor="bottom", yshift=16, showarrow=False,
                    font=dict(size=9, color="#444")))
