"""Embedding scatter (PCA, UMAP, t-SNE, MDS): points coloured by cluster or by a
sample-sheet column, the selection drawn on top. No Dash in here.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from ..pp.batch_design import _is_numeric
from .common import ANNOTATION_PALETTES
from .common import BASE_TEMPLATE
from .common import NA_COLOR
from .common import _category_order
from .common import _fmt
from .common import _named_scale
from .common import cluster_colors
from .common import cluster_labels
from ..tl.labels import natural_key


# ------------------------------------------------------------------------- embedding
def embedding_figure(
    coords,
    *,
    ids,
    color_values: pd.Series,
    color_title: str,
    axis_titles: tuple[str, str] = ("PC1 (41.2%)", "PC2 (20.3%)"),
    hover: pd.DataFrame | None = None,
    selected: Collection = (),
    opacity=None,
    title: str | None = None,
    revision: str = "embedding",
) -> dict:
    """Scatter of the items in two dimensions (PCA, UMAP, ...).

    Parameters
    ----------
    coords : array-like, shape (n, 2)
        Coordinates of the items.
    ids : sequence of str
        Item ids; each point's ``customdata`` is its id.
    color_values : pandas.Series
        What colours the points, aligned to ``ids`` (by index when its index holds
        the ids, else by position). Named ``"cluster"``: cluster labels coloured
        with :func:`cluster_colors`. Other non-numeric values: one trace per
        category. Numeric: a continuous scale with a colour bar. Missing values
        form a grey "NA" category.
    color_title : str
        Legend or colour bar title.
    axis_titles : tuple of str
        x and y axis titles.
    hover : pandas.DataFrame, optional
        Extra columns shown in the hover (after the id), aligned like
        ``color_values``.
    selected : collection of str
        Ids to highlight; the other points are dimmed.
    opacity : array-like of float, optional
        Per-point opacity (e.g. cluster membership confidence).
    title : str, optional
        Figure title.
    revision : str
        plotly's ``uirevision``: while it stays the same, a new figure keeps the user's
        zoom and lasso/box selection (give it the data the points are of).

    Returns
    -------
    dict
        A plotly figure (plain dict of numpy arrays); ``dragmode="lasso"``;
        ``scattergl`` traces over 5,000 points.
    """
    xy = np.asarray(coords, dtype=np.float32)
    ids = np.asarray(ids, dtype=object)
    n = len(ids)
    if xy.shape != (n, 2):
        raise ValueError(f"coords is {xy.shape}, expected ({n}, 2)")
    colors = _align(color_values, ids)
    text = _hover_text(ids, hover)
    alpha = None if opacity is None else np.asarray(opacity, dtype=np.float32)
    selected_mask = np.isin(ids, list(selected)) if len(selected) else None
    scatter = "scattergl" if n > 5000 else "scatter"
    size = 7 if n <= 2000 else 5

    def points(idx, name, marker, showlegend=True):
        marker = dict(marker, size=size)
        if alpha is not None:
            marker["opacity"] = alpha[idx]
        kwargs = {}
        if selected_mask is not None:
            kwargs = dict(
                selectedpoints=np.flatnonzero(selected_mask[idx]),
                unselected=dict(marker=dict(opacity=0.15)),
            )
        return dict(type=scatter, x=xy[idx, 0], y=xy[idx, 1], mode="markers", name=name,
                    marker=marker, customdata=ids[idx], hovertext=text[idx],
                    hovertemplate="%{hovertext}<extra>" + name + "</extra>",
                    showlegend=showlegend, meta="embedding", **kwargs)

    traces = [points(idx, name, marker, legend)
              for idx, name, marker, legend in _color_groups(colors, color_title)]
    layout = dict(
        template=BASE_TEMPLATE,
        dragmode="lasso",
        hovermode="closest",
        uirevision=revision,
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(t=40 if title else 20, b=50, l=60, r=20),
        legend=dict(title=dict(text=color_title), itemsizing="constant"),
        xaxis=dict(
            title=dict(text=axis_titles[0]), showgrid=True, gridcolor="#eee", zeroline=False
        ),
        yaxis=dict(
            title=dict(text=axis_titles[1]), showgrid=True, gridcolor="#eee", zeroline=False
        ),
    )
    if title:
        layout["title"] = dict(text=title, x=0.01, xanchor="left", font=dict(size=15))
    return {"data": traces, "layout": layout}


def _hover_text(ids: np.ndarray, hover: pd.DataFrame | None) -> np.ndarray:
    """Each point's hover: its id, then one line per column of ``hover``."""
    text = ids.astype(str)
    if hover is not None and hover.shape[1] > 0:
        table = _align(hover, ids)
        for col in table.columns:
            text = np.char.add(text, [f"<br>{col}: {_fmt(v)}" for v in table[col].tolist()])
    return text


def _color_groups(colors: pd.Series, color_title: str) -> list[tuple]:
    """The scatter's traces: (point indices, name, marker, in the legend) for a numeric
    colour (one trace, a colour bar), or one per category or cluster; missing: "NA"."""
    missing = colors.isna().to_numpy()
    groups = []
    if _is_numeric(colors) and colors.name != "cluster":
        idx = np.flatnonzero(~missing)
        values = colors.to_numpy(dtype=np.float64)[idx]
        # Bottom three quarters: the legend ("NA") stays free above it.
        colorbar = dict(title=dict(text=color_title), thickness=12, len=0.75, y=0,
                        yanchor="bottom")
        groups.append((idx, color_title, dict(color=values.astype(np.float32),
                                              colorscale=_named_scale("Viridis"), showscale=True,
                                              colorbar=colorbar), False))
    else:
        categories = _category_order(colors)
        if colors.name == "cluster":
            categories = sorted(categories, key=natural_key)
            palette = cluster_colors(categories)
            key = {c: k for c, k in zip(categories, cluster_labels(categories).tolist())}
            names = {c: f"cluster {key[c]}" for c in categories}
            color_of = {c: palette[key[c]] for c in categories}
        else:
            pal = ANNOTATION_PALETTES[0]
            names = {c: str(c) for c in categories}
            color_of = {c: pal[i % len(pal)] for i, c in enumerate(categories)}
        values = colors.to_numpy(dtype=object)
        for c in categories:
            idx = np.flatnonzero((values == c) & ~missing)
            groups.append((idx, names[c], dict(color=color_of[c]), True))
    if missing.any():
        groups.append((np.flatnonzero(missing), "NA", dict(color=NA_COLOR), True))
    return groups


def _align(table, ids: np.ndarray):
    """A Series or DataFrame in the order of ``ids``.

    By index when the index holds all the ids, else by position (same length).
    """
    index = pd.Index(ids)
    if index.isin(table.index).all():
        return table.reindex(index)
    if len(table) != len(ids):
        raise ValueError(f"{len(table)} values for {len(ids)} ids, and the index is not the ids")
    return table.set_axis(index)
