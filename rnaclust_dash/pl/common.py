"""Shared pieces of every figure: base template, colours, number formats, empty figure
and :func:`for_browser` (binary arrays for plotly.js).

No Dash in here. Every figure is a plain dict (``{"data": [...], "layout": {...}}``, what
plotly.js takes) of numpy arrays (float32 for big matrices) with few traces: no plotly
validation (it took most of the server time), and :func:`for_browser` sends the float
arrays as binary typed arrays. Wrap a figure in ``plotly.graph_objects.Figure`` to
validate it or to use plotly's attribute access.

Click conventions (for the callbacks): each clickable trace has a ``meta`` string
saying what it is and ``customdata`` saying which item, cluster or node was hit.

=====================  ==========================================================
``meta``               ``customdata`` of a point
=====================  ==========================================================
``"heatmap"``          genes as items: cluster label (int) of the row; samples as
                       items: none (the click's ``x`` is the sample id)
``"cluster-bar"``      cluster label (int)
``"annotation"``       sample id (the trace ``name`` is the annotation column)
``"dendrogram-nodes"`` ``[axis, node_id]``, axis ``"genes"`` or ``"samples"``,
                       node_id in scipy numbering (n + merge row)
``"selection"``        item id
``"embedding"``        item id
``"silhouette"``       item id
=====================  ==========================================================

Traces with meta ``"dendrogram"`` (the tree lines), ``"legend"`` (legend swatches)
and ``"axis-link"`` (empty traces that tie axes together) are not clickable.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
import html
import textwrap

import numpy as np
import pandas as pd
from plotly.colors import get_colorscale

from .palettes import ANNOTATION_COLORS
from .palettes import CLUSTER_COLORS
from ..tl.labels import cluster_labels, natural_codes


#: Cluster colours (see :mod:`rnaclust_dash.pl.palettes`): 64 distinct dark-to-mid colours,
#: readable on white and under white text; label L gets entry (L - 1) mod 64, so beyond
#: 64 clusters colours repeat (hover and legend still name each cluster).
CLUSTER_PALETTE = CLUSTER_COLORS


#: The parts of plotly.py's default template these figures rely on (axes that make room
#: for their labels, the text colour), for figures sent as plain dicts without a template.
_AXIS_DEFAULTS = dict(automargin=True, gridcolor="white", linecolor="white", ticks="",
                      title=dict(standoff=15), zerolinecolor="white", zerolinewidth=2)


BASE_TEMPLATE = {"layout": {"xaxis": _AXIS_DEFAULTS, "yaxis": _AXIS_DEFAULTS,
                            "font": {"color": "#2a3f5f"}, "hoverlabel": {"align": "left"}}}


#: Colour of missing values (NaN) and of "no cluster" labels (<= 0, e.g. noise).
NA_COLOR = "#BDBDBD"


#: Palettes for categorical sample annotations, one per annotation column in turn: light
#: colours that no cluster colour shares (a category is never mistaken for a cluster).
#: Column k starts two colours further along the list, so the first columns' first two
#: categories (the usual two-level columns) all get different ones of the 8 most distinct.
ANNOTATION_PALETTES = tuple(ANNOTATION_COLORS[2 * k:] + ANNOTATION_COLORS[:2 * k]
                            for k in range(4))


#: Sequential scale of numeric sample annotations (distinct from the heatmap's).
ANNOTATION_SCALE = "Cividis"


# Labels are drawn only up to this many rows / columns (beyond, they overlap).
_MAX_TICK_LABELS = 60


_MAX_LEGEND_CATEGORIES = 12


# --------------------------------------------------------------------------- colours
def cluster_rank(labels) -> np.ndarray:
    """(n,) int64 sort key of :func:`cluster_labels`: the labels themselves when they are
    integers, else their rank in natural order ("2" < "3.1" < "3.2" < "10")."""
    values = cluster_labels(labels)
    if values.dtype.kind == "i":
        return values
    return natural_codes(values)[1]


def cluster_colors(labels) -> dict:
    """Colour of each cluster label, the same in every figure.

    Parameters
    ----------
    labels : array-like of int or str
        Cluster labels (1..k, or text with sub-clusters such as ``"3.1"``; repeats
        allowed). Labels <= 0 (no cluster, noise) are grey.

    Returns
    -------
    dict
        Label (int, or str for text labels) -> hex colour, for the distinct labels in
        (natural) increasing order. Label ``L`` gets ``CLUSTER_PALETTE[(L - 1) % 64]``,
        so the colour depends only on the label, never on which other labels exist; the
        first 64 labels all differ, beyond that colours repeat. A split cluster's first
        child (``3.1``, ``3.1.1``) keeps its parent's colour; the other children take the
        palette's first colours no top-level cluster uses, in natural order, so the
        colours of the clusters not split never change.
    """
    values = cluster_labels(labels)
    n = len(CLUSTER_PALETTE)
    if values.dtype.kind == "i":
        return {int(lab): (CLUSTER_PALETTE[(lab - 1) % n] if lab > 0 else NA_COLOR)
                for lab in np.unique(values)}
    names = natural_codes(values)[0]
    parts = {name: name.split(".") for name in names}
    tops = {int(p[0]) for p in parts.values() if p[0].isdigit()}
    index = {name: int(p[0]) for name, p in parts.items()
             if p[0].isdigit() and all(child == "1" for child in p[1:])}
    free = (i for i in range(1, 10 * n) if i not in tops)
    for name in names:
        if name not in index and parts[name][0].lstrip("-").isdigit() and \
                int(parts[name][0]) <= 0:
            index[name] = 0
        elif name not in index:
            index[name] = next(free)
    return {name: (CLUSTER_PALETTE[(index[name] - 1) % n] if index[name] > 0 else NA_COLOR)
            for name in names}


def _named_scale(name: str) -> list:
    """A plotly.py colour scale as explicit stops: plotly.js's own scale of the same name
    may run the other way (its "RdBu" starts with blue), and these figures are sent as
    plain dicts that plotly.py no longer resolves."""
    return get_colorscale(name)


def _discrete_colorscale(colors: Sequence[str]) -> list:
    """A step colour scale: integer code i (zmin=-0.5, zmax=m-0.5) gets colors[i]."""
    m = len(colors)
    scale = []
    for i, color in enumerate(colors):
        scale += [[i / m, color], [(i + 1) / m, color]]
    return scale


def _category_order(values: pd.Series) -> list:
    """Distinct non-missing values: categorical order if any, else sorted."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    unique = pd.unique(values.dropna())
    try:
        return sorted(unique)
    except TypeError:  # mixed types
        return sorted(unique, key=str)


def _fmt(value) -> str:
    """Short text of one value for hover labels."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "NA"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


# ------------------------------------------------------------------------ transport
def for_browser(figure):
    """A figure dict ready for JSON: float arrays as plotly typed arrays (base64, about a
    third the size of their text), other arrays as lists.

    Integer arrays stay lists: their text is short and events (clicks) read them back.

    Parameters
    ----------
    figure : dict
        A figure of this module (any nesting of dicts, lists and numpy arrays).

    Returns
    -------
    dict
        A new figure; the input is not changed.
    """
    if isinstance(figure, dict):
        return {key: for_browser(value) for key, value in figure.items()}
    if isinstance(figure, (list, tuple)):
        return [for_browser(value) for value in figure]
    if isinstance(figure, np.ndarray):
        if figure.dtype.kind == "f":
            values = np.ascontiguousarray(figure, dtype=figure.dtype.newbyteorder("<"))
            spec = {"dtype": "f4" if values.itemsize == 4 else "f8",
                    "bdata": base64.b64encode(values.tobytes()).decode("ascii")}
            if values.ndim > 1:
                spec["shape"] = ", ".join(str(n) for n in values.shape)
            return spec
        return figure.tolist()
    if isinstance(figure, np.generic):
        return figure.item()
    return figure


def _legend_swatch(name: str, color: str, *, group: str, rank: int = 0) -> dict:
    """An empty trace that only shows a coloured square in the legend."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        marker=dict(symbol="square", size=10, color=color),
        name=name,
        legendgroup=group,
        legendgrouptitle=dict(text=group),
        # Cluster swatches (rank 0..) come before the annotations' (1000..) in the legend.
        legendrank=rank,
        hoverinfo="skip",
        meta="legend",
    )


# ----------------------------------------------------------------------------- empty
def empty_figure(message: str, *, width: int = 80, max_lines: int = 8) -> dict:
    """A blank figure with a centred message ("no data yet", "computing UMAP...", or why
    a view could not be drawn).

    Parameters
    ----------
    message : str
        Text to show; long lines are wrapped at ``width`` characters, and only the first
        ``max_lines`` lines are drawn (the view's alert holds the whole message; the
        figure's ``layout.meta`` too).
    width, max_lines : int
        Wrapping width and number of lines drawn.

    Returns
    -------
    dict
        A plotly figure dict with no traces; the message is
        ``layout.annotations[0].text`` (lines joined by ``<br>``) and the full message is
        ``layout.meta``.
    """
    lines = []
    for paragraph in str(message).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width=width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + ["... (the whole message is at the top of this view)"]
    text = "<br>".join(html.escape(line, quote=False) for line in lines)
    return dict(data=[], layout=dict(
        template=BASE_TEMPLATE, xaxis=dict(visible=False), yaxis=dict(visible=False),
        plot_bgcolor="white", paper_bgcolor="white", margin=dict(t=20, b=20, l=20, r=20),
        meta=str(message),
        annotations=[dict(text=text, xref="paper", yref="paper", x=0.5, y=0.5,
                          showarrow=False, align="center", font=dict(size=14, color="#555"))]))
