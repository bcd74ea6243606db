"""Layout of the clustered heatmap: axes domains, side axes, the cluster bar and the
empty traces that tie axes together. No Dash in here.
"""

from __future__ import annotations

import numpy as np

from .common import BASE_TEMPLATE
from .common import NA_COLOR
from .common import _discrete_colorscale


def _axis_link(xaxis: str, yaxis: str) -> dict:
    """An empty trace putting a subplot on (xaxis, yaxis).

    The heatmap itself sits on category axes (so hovers show gene and sample
    names without per-cell text) laid over the linear axes that the dendrograms
    and strips share. Plotly zooms an overlay together with the subplot under it,
    so every subplot sharing a linear axis gets such a link to the category axis.
    """
    return dict(
        type="scatter",
        x=[], y=[], xaxis=xaxis, yaxis=yaxis, hoverinfo="skip", showlegend=False, meta="axis-link"
    )


def _heatmap_layout(frame: dict, geo: dict, strip_labels: list, *, title: str | None) -> dict:
    """Axes, domains, margins, strip labels, title and aggregation note."""
    ns, n_rows, item_axis = frame["ns"], frame["n_rows"], frame["item_axis"]
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="")
    x_range, y_range = [-0.5, ns - 0.5], [n_rows - 0.5, -0.5]  # first row at the top
    # Right margin: row labels, then legend and colour bar at the figure's edge.
    longest_row = max((len(r) for r in frame["row_names"]), default=0) \
        if geo["show_rows"] else 0
    # Strip names sit left of the heatmap: in the margin when nothing else is there.
    longest_strip = max((len(t) for _, t in strip_labels), default=0)
    heat_left = geo["heat_left"]
    category = dict(type="category", tickfont=dict(size=10), showgrid=False, zeroline=False,
                    ticks="")
    layout = dict(
        template=BASE_TEMPLATE,
        height=geo["height"],
        margin=dict(t=geo["margin_t"], b=geo["margin_b"], r=150 + 6 * min(longest_row, 40),
                    l=10 + (7 * longest_strip if heat_left < 0.05 else 0)),
        plot_bgcolor="white", paper_bgcolor="white", hovermode="closest",
        uirevision=f"heatmap-{item_axis}-{frame['ng']}x{ns}",
        legend=dict(xref="container", x=1.0, xanchor="right", y=1 - 170 / geo["plot_h"],
                    yanchor="top", font=dict(size=10), grouptitlefont=dict(size=11),
                    itemclick=False, itemdoubleclick=False, tracegroupgap=6),
        # Autoscale must give the linear axes the category axes' range exactly,
        # else the heatmap and the trees drift apart after a double-click.
        xaxis=dict(domain=[heat_left, 1.0], range=x_range, anchor="y",
                   autorangeoptions=_exact_autorange(ns), **hidden),
        yaxis=dict(domain=[0.0, geo["heat_top"]], range=y_range, anchor="x",
                   autorange="reversed", autorangeoptions=_exact_autorange(n_rows), **hidden),
        xaxis2=dict(category, overlaying="x", range=x_range, anchor="y2",
                    showticklabels=geo["show_cols"], tickangle=geo["col_angle"]),
        yaxis2=dict(category, overlaying="y", range=y_range, autorange="reversed",
                    anchor="x2", side="right", showticklabels=geo["show_rows"]),
        annotations=[],
    )
    _side_axes(layout, frame, geo, hidden, strip_labels)
    if title:
        layout["title"] = dict(text=title, x=0.01, xanchor="left", y=1.0, yanchor="top",
                               yref="container", pad=dict(t=8), font=dict(size=15))
    if geo["note"]:
        layout["annotations"].append(dict(
            text=geo["note"], xref="paper", x=0.0, xanchor="left", yref="paper", y=1.0,
            yanchor="bottom", yshift=4, showarrow=False, font=dict(size=11, color="#555")))
    return layout


def _side_axes(layout: dict, frame: dict, geo: dict, hidden: dict, strip_labels: list) -> None:
    """Add the axes of the column tree, the strips, the row tree and the row strips."""
    if frame["has_col_tree"]:
        layout["yaxis3"] = dict(domain=[geo["tree_lo"], 1.0], anchor="x", fixedrange=True,
                                rangemode="tozero", **hidden)
    if frame["n_strips"]:
        layout["yaxis4"] = dict(domain=[geo["strips_lo"], geo["strips_hi"]], anchor="x",
                                fixedrange=True, range=[-0.5, frame["n_strips"] - 0.5],
                                **hidden)
        layout["annotations"] += [
            dict(text=text, xref="paper", x=geo["heat_left"], xanchor="right", xshift=-4,
                 yref="y4", y=row, showarrow=False, font=dict(size=10))
            for row, text in strip_labels]
    right = geo["row_tree_right"]
    if frame["has_row_tree"]:
        layout["xaxis3"] = dict(domain=[0.0, right], anchor="y", fixedrange=True,
                                autorange="reversed", **hidden)
    if frame["genes_are_items"]:
        layout["xaxis4"] = dict(
            domain=[right + 0.003, right + geo["row_strips_w"]], anchor="y", fixedrange=True,
            range=[-0.5, 1.5], showgrid=False, zeroline=False, ticks="", tickvals=[1],
            ticktext=["cluster"], tickangle=-90, tickfont=dict(size=10))


def _cluster_bar(labels: np.ndarray, names, palette: dict, *, along: str) -> dict:
    """Thin heatmap of cluster colours: a row over the columns or a column beside the rows.

    Cells carry their cluster label in ``customdata``; ``palette`` is
    :func:`cluster_colors` of the labels.
    """
    code = {lab: i for i, lab in enumerate(palette)}
    z = np.array([code[lab] for lab in labels.tolist()], dtype=np.float32)
    text = [f"{name}<br>cluster {lab}" for name, lab in zip(names, labels.tolist())]
    # customdata as plain lists: Dash reads a clicked point's customdata from the trace,
    # and a numpy array travels as an encoded typed array it cannot index.
    if along == "samples":  # a row above the heatmap, on the strips' axis
        where = dict(x=np.arange(len(z)), y=[-0.42, 0.42], xaxis="x", yaxis="y4")
        z, customdata, text = z[None, :], [labels.tolist()], [text]
    else:  # a column left of the heatmap
        where = dict(x=[0.58, 1.42], y=np.arange(len(z)), xaxis="x4", yaxis="y")
        z, customdata, text = z[:, None], [[label] for label in labels.tolist()], [[t] for t in text]
    return dict(
        type="heatmap",
        z=z,
        customdata=customdata,
        hovertext=text,
        hovertemplate="%{hovertext}<extra></extra>",
        colorscale=_discrete_colorscale(list(palette.values()) or [NA_COLOR]),
        zmin=-0.5,
        zmax=max(len(palette), 1) - 0.5,
        showscale=False,
        meta="cluster-bar",
        **where,
    )


def _exact_autorange(n: int) -> dict:
    """Autorange options making an axis autoscale to exactly [-0.5, n - 0.5]."""
    return dict(include=[-0.5, n - 0.5], clipmin=-0.5, clipmax=n - 0.5)
