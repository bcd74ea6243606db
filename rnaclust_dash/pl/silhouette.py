"""Silhouette plot: one bar per item, grouped by cluster, with the mean. No Dash in here."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from .common import BASE_TEMPLATE
from .common import cluster_colors
from .common import cluster_labels
from .common import cluster_rank
from .palettes import readable_on_white


# ------------------------------------------------------------------------ silhouette
def silhouette_figure(
    ids,
    labels,
    values,
    *,
    mean_value: float | None = None,
    selected: Collection = (),
    title: str | None = None,
) -> dict:
    """Silhouette plot: one horizontal bar per item, grouped by cluster.

    Parameters
    ----------
    ids : sequence of str
        Item ids (each bar's ``customdata``).
    labels : array-like of int or str
        Cluster label of each item.
    values : array-like of float
        Silhouette value of each item (NaN items are left out).
    mean_value : float, optional
        Mean silhouette to mark with a dashed line; default the mean of ``values``.
    selected : collection of str
        Ids to highlight; the other bars are faded.
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per cluster (cluster 1 at the top, bars sorted by decreasing
        silhouette within a cluster), bar positions on a numeric y axis.
    """
    ids = np.asarray(ids, dtype=object)
    labels = cluster_labels(labels)
    values = np.asarray(values, dtype=np.float64)
    if not len(ids) == len(labels) == len(values):
        raise ValueError("ids, labels and values must have the same length")
    keep = np.isfinite(values)
    ids, labels, values = ids[keep], labels[keep], values[keep]
    n = len(ids)
    if mean_value is None:
        mean_value = float(values.mean()) if n else 0.0
    # By cluster, then decreasing silhouette (stable, so ties keep the input order).
    rank = cluster_rank(labels)
    order = np.lexsort((-values, rank))
    ids, labels, values = ids[order], labels[order], values[order]
    group_start = np.unique(rank[order], return_index=True)[1]
    clusters = labels[group_start]
    gap = max(1, round(0.015 * n))
    position = np.arange(n) + gap * (np.searchsorted(group_start, np.arange(n), side="right") - 1)
    palette = cluster_colors(clusters)
    faded = np.isin(ids, list(selected)) if len(selected) else None
    height = _silhouette_height(n, n_gaps=gap * max(len(clusters), _CLUSTERS_IN_HEIGHT))
    # Cluster names are drawn at least one line apart (small clusters would pile their
    # names on each other); the hover names every bar's cluster.
    px_per_position = (height - (60 if title else 40) - 50) / max(position[-1] + 1 if n else 1, 1)
    last_label_px = -np.inf

    traces, annotations = [], []
    stops = np.append(group_start[1:], n)
    for lab, start, stop in zip(clusters.tolist(), group_start.tolist(), stops.tolist()):
        marker = dict(color=palette[lab], line=dict(width=0))
        if faded is not None:
            marker["opacity"] = np.where(faded[start:stop], 1.0, 0.25).astype(np.float32)
        traces.append(dict(
            type="bar", x=values[start:stop].astype(np.float32), y=position[start:stop],
            orientation="h", width=1.0 if n > 80 else 0.85, marker=marker,
            customdata=ids[start:stop], name=f"cluster {lab}", showlegend=False,
            meta="silhouette",
            hovertemplate=f"%{{customdata}}<br>cluster {lab}<br>silhouette %{{x:.3f}}<extra></extra>"))
        centre = (position[start] + position[stop - 1]) / 2
        if centre * px_per_position - last_label_px < 13:
            continue
        last_label_px = centre * px_per_position
        annotations.append(
            dict(
                text=f"cluster {lab} (n={stop - start})",
                xref="paper",
                x=1.0,
                xanchor="left",
                xshift=6,
                yref="y",
                y=centre,
                showarrow=False,
                # The cluster's hue, dark enough to read on white.
                font=dict(size=11, color=readable_on_white(palette[lab])),
            )
        )

    layout = _silhouette_layout(ids, values, position, height=height,
                                mean_value=mean_value, annotations=annotations, title=title)
    return {"data": traces, "layout": layout}


# The height holds the gaps of this many clusters (the Choose k tab's default range), so
# a change of k up to it leaves the height alone: in the browser a new height makes
# dcc.Graph resize the plot and draw it a second time ~150 ms later, and the page jumps.
_CLUSTERS_IN_HEIGHT = 10


def _silhouette_height(n: int, *, n_gaps: int) -> int:
    """Figure height in px: a line per bar up to 300 bars (ids shown), else fixed."""
    per_bar = 14 if n <= 60 else 9
    return max(350, 100 + per_bar * (n + n_gaps)) if n <= 300 else 700


def _silhouette_layout(ids, values, position, *, height: int, mean_value: float,
                       annotations: list, title: str | None) -> dict:
    """Axes (ids as ticks up to 300 bars), the dashed mean line and the labels."""
    n = len(ids)
    show_ids = n <= 300
    lo = min(float(values.min()) if n else 0.0, 0.0) - 0.05
    # Beside the dashed line, on the side with room (a label centred on a line near
    # either end of the axis would be cut off).
    toward_right = mean_value < (lo + 1.0) / 2
    annotations = annotations + [dict(text=f"mean {mean_value:.2f}", xref="x", x=mean_value,
                                      xanchor="left" if toward_right else "right",
                                      xshift=3 if toward_right else -3,
                                      yref="paper", y=1.0, yanchor="bottom", showarrow=False,
                                      font=dict(size=11, color="#333"))]
    yaxis = dict(autorange="reversed", showgrid=False, zeroline=False, ticks="")
    if show_ids:
        # "allow": the margin grows to fit the ids (automargin), so none overflows the
        # figure; plotly's default for a numeric axis ("hide past div") measures every
        # label, 0.2 s of each redraw in Chromium for 100 ids (0.03 s without).
        yaxis.update(
            tickvals=position, ticktext=ids.astype(str), tickfont=dict(size=10 if n <= 60 else 8),
            ticklabeloverflow="allow",
        )
    else:
        yaxis["showticklabels"] = False
    layout = dict(
        template=BASE_TEMPLATE,
        height=height,
        bargap=0,
        hovermode="closest",
        uirevision="silhouette",
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(t=60 if title else 40, b=50, l=20, r=130),
        xaxis=dict(
            title=dict(text="silhouette"),
            range=[lo, 1.0],
            showgrid=True,
            gridcolor="#eee",
            zeroline=True,
            zerolinecolor="#999",
        ),
        yaxis=yaxis,
        shapes=[
            dict(
                type="line",
                xref="x",
                x0=mean_value,
                x1=mean_value,
                yref="paper",
                y0=0,
                y1=1,
                line=dict(color="#333", width=1.5, dash="dash"),
            )
        ],
        annotations=annotations,
    )
    if title:
        layout["title"] = dict(text=title, x=0.01, xanchor="left", font=dict(size=15))
    return layout
