"""Figures of single cells (issue 9): QC violins and scatter with the thresholds drawn
as lines the user can drag, the embedding of up to ~100,000 cells, a gene's violins per
cluster, a dot plot of markers and the elbow of the PCA.

Orientation: one row per cell (cells x genes). Point clouds are ``Scattergl`` traces fed
numpy arrays: plotly (>= 5.22) sends them as base64 typed arrays, a quarter of JSON
text, and the browser draws them with WebGL. The embedding is one trace whose
``marker.color`` alone changes on a recolour (:func:`embedding_colors`), so the
dashboard can send that array only (a ``dash.Patch``).
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..pp.sc_qc import mito_genes_missing
from .palettes import CLUSTER_COLORS

#: QC metrics shown, with their axis titles.
QC_METRICS = {"n_genes": "Genes detected", "total_counts": "Total counts",
              "pct_mito": "% mitochondrial"}

#: Above this many cells the violins draw from a seeded sample (the shape is the same,
#: the browser stays quick); the counts of removed cells always use every cell.
VIOLIN_SAMPLE = 20_000

_FONT = {"size": 12}


def _sample(n_cells: int, size: int = VIOLIN_SAMPLE) -> np.ndarray:
    if n_cells <= size:
        return np.arange(n_cells)
    return np.sort(np.random.default_rng(0).choice(n_cells, size=size, replace=False))


#: The QC threshold lines of :func:`qc_violins`, in the order of its ``layout.shapes``
#: (the dashboard maps a dragged line back to its threshold by this order):
#: threshold -> the metric on the line's axis.
VIOLIN_LINES = {"min_genes": "n_genes", "max_genes": "n_genes",
                "min_counts": "total_counts", "max_pct_mito": "pct_mito"}
#: The lines of :func:`qc_scatter`, in the order of its shapes: threshold -> axis.
SCATTER_LINES = {"min_genes": "y", "max_genes": "y", "min_counts": "x"}

_LABELS = {"min_genes": "min genes", "max_genes": "max genes", "min_counts": "min counts",
           "max_pct_mito": "max % mito"}
_ON = {"color": "#C00000", "dash": "dash", "width": 2}
_OFF = {"color": "#999999", "dash": "dot", "width": 2}


def threshold_is_off(name: str, value) -> bool:
    """Whether a QC threshold sets no limit (0, or 100 % mitochondrial)."""
    return not value or (name == "max_pct_mito" and value >= 100)


def _line_position(name: str, value, values: np.ndarray) -> float:
    """Where a threshold's line is drawn: at its value, or for a maximum that is off just
    above the largest cell (where the user can grab it and drag it down)."""
    if not threshold_is_off(name, value) or name.startswith("min"):
        return float(value or 0)
    top = float(np.max(values)) if len(values) else 0.0
    return top * 1.05 + 1


def _threshold_line(name: str, value, position: float, *, axis: str, ref: str,
                    draggable: bool = True) -> dict:
    """One threshold line: horizontal (``axis="y"``) or vertical, across its subplot; an
    off threshold says "(drag)" where the user can drag it (not in a report)."""
    off = threshold_is_off(name, value)
    hint = " (drag)" if draggable else ""
    text = f"{_LABELS[name]}: none{hint}" if off else f"{_LABELS[name]} {value:,g}"
    other = "x" if axis == "y" else "y"
    line = {"type": "line", "name": name, "line": _OFF if off else _ON,
            f"{other}ref": f"{other}{ref} domain", f"{other}0": 0, f"{other}1": 1,
            f"{axis}ref": f"{axis}{ref}", f"{axis}0": position, f"{axis}1": position,
            "label": {"text": text, "textposition": "end", "font": {"size": 10},
                      **({"yanchor": "bottom"} if axis == "y" else
                         {"textangle": 0, "xanchor": "left", "yanchor": "top"})}}
    return line


def qc_violin_lines(metrics: pd.DataFrame, thresholds: dict, *,
                    draggable: bool = True) -> list[dict]:
    """The shapes of :func:`qc_violins`: one line per :data:`VIOLIN_LINES` entry, in
    that order, on the violin of its metric (red dashed; grey dotted when off; the
    % mito line hidden when the data have no mitochondrial gene)."""
    columns = list(QC_METRICS)
    no_mito = mito_genes_missing(metrics)
    shapes = []
    for name, metric in VIOLIN_LINES.items():
        column = columns.index(metric) + 1
        position = _line_position(name, thresholds.get(name), metrics[metric].to_numpy())
        shapes.append(_threshold_line(name, thresholds.get(name), position, axis="y",
                                      ref="" if column == 1 else str(column),
                                      draggable=draggable))
        if no_mito and metric == "pct_mito":
            shapes[-1]["visible"] = False  # kept: the lines are known by their order
    return shapes


def _no_mito_note(column: int) -> dict:
    """In place of a flat % mito violin: why there is none."""
    axis = "" if column == 1 else str(column)
    return {"text": "No mitochondrial<br>(MT-/mt-) genes<br>found in this dataset:"
                    "<br>% mito is 0<br>for every cell",
            "xref": f"x{axis} domain", "yref": f"y{axis} domain", "x": 0.5, "y": 0.5,
            "showarrow": False, "font": {"size": 11, "color": "#7a4a00"},
            "bgcolor": "#fff3cd", "bordercolor": "#e0c36a", "borderpad": 4}


def qc_scatter_lines(metrics: pd.DataFrame, thresholds: dict, *,
                     draggable: bool = True) -> list[dict]:
    """The shapes of :func:`qc_scatter`: one line per :data:`SCATTER_LINES` entry."""
    shapes = []
    for name, axis in SCATTER_LINES.items():
        values = metrics["n_genes" if axis == "y" else "total_counts"].to_numpy()
        position = _line_position(name, thresholds.get(name), values)
        shapes.append(_threshold_line(name, thresholds.get(name), position, axis=axis,
                                      ref="", draggable=draggable))
    return shapes


def qc_violins(metrics: pd.DataFrame, thresholds: dict, *,
               draggable: bool = True) -> go.Figure:
    """Violins of genes detected, total counts and % mitochondrial per cell, with the
    QC thresholds as lines the user can drag (:func:`qc_violin_lines`).

    Parameters
    ----------
    metrics : DataFrame, cells x (n_genes, total_counts, pct_mito, ...)
    thresholds : dict
        threshold name (a key of :data:`VIOLIN_LINES`) -> value; 0 or missing (100 for
        ``max_pct_mito``) is no limit.
    draggable : bool
        Whether the figure is on screen, where an off threshold's line says it can be
        dragged; False in a report.
    """
    from plotly.subplots import make_subplots

    rows = _sample(len(metrics))
    no_mito = mito_genes_missing(metrics)
    figure = make_subplots(rows=1, cols=len(QC_METRICS),
                           subplot_titles=list(QC_METRICS.values()))
    for column, (metric, title) in enumerate(QC_METRICS.items(), start=1):
        if no_mito and metric == "pct_mito":  # a flat violin at 0 would say nothing
            figure.add_annotation(_no_mito_note(column))
            figure.update_yaxes(visible=False, row=1, col=column)
            continue
        values = metrics[metric].to_numpy(dtype=np.float32)[rows]
        figure.add_trace(go.Violin(y=values, name=title, box_visible=True, points=False,
                                   line_color="#555555", fillcolor="#c6dbef",
                                   showlegend=False, hoverinfo="y"), row=1, col=column)
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(height=320, margin={"l": 50, "r": 20, "t": 40, "b": 20},
                         template="plotly_white", font=_FONT,
                         shapes=qc_violin_lines(metrics, thresholds, draggable=draggable))
    return figure


def qc_scatter(metrics: pd.DataFrame, thresholds: dict, *,
               draggable: bool = True) -> go.Figure:
    """Total counts (x) against genes detected (y), coloured by % mitochondrial, with the
    gene and count thresholds as lines the user can drag (:func:`qc_scatter_lines`).
    Cells: rows of ``metrics``; ``thresholds`` and ``draggable`` as in
    :func:`qc_violins`. Without any
    mitochondrial gene the cells are one colour (0 % everywhere says nothing)."""
    if mito_genes_missing(metrics):
        marker = {"size": 4, "color": "#4a6fa5", "opacity": 0.7}
        hover = "counts %{x:,.0f}<br>genes %{y:,.0f}<extra></extra>"
    else:
        marker = {"size": 4, "color": metrics["pct_mito"].to_numpy(dtype=np.float32),
                  "colorscale": "Viridis", "colorbar": {"title": "% mito"}, "opacity": 0.7}
        hover = ("counts %{x:,.0f}<br>genes %{y:,.0f}<br>%{marker.color:.1f}% mito"
                 "<extra></extra>")
    figure = go.Figure(go.Scattergl(
        x=metrics["total_counts"].to_numpy(dtype=np.float32),
        y=metrics["n_genes"].to_numpy(dtype=np.float32), mode="markers",
        marker=marker, hovertemplate=hover))
    figure.update_layout(height=320, margin={"l": 60, "r": 20, "t": 20, "b": 50},
                         template="plotly_white", font=_FONT,
                         xaxis={"title": "Total counts"}, yaxis={"title": "Genes detected"},
                         shapes=qc_scatter_lines(metrics, thresholds, draggable=draggable))
    return figure


def discrete_colorscale(n_categories: int) -> list:
    """A stepped colorscale giving integer codes 0..n-1 the cluster colours."""
    if n_categories <= 1:
        return [[0.0, CLUSTER_COLORS[0]], [1.0, CLUSTER_COLORS[0]]]
    scale = []
    for code in range(n_categories):
        color = CLUSTER_COLORS[code % len(CLUSTER_COLORS)]
        scale += [[code / n_categories, color], [(code + 1) / n_categories, color]]
    return scale


#: Above this many cells the hover shows no per-cell text (cluster names, ids): at
#: 100,000 cells they would weigh more than the points (the names are on the map).
HOVER_TEXT_MAX = 20_000

#: Levels of a gene's colour: its values are sent as uint8 codes (a quarter of float32;
#: the colour steps, 1/255 of the range, are finer than the eye tells apart).
GENE_LEVELS = 255


def embedding_colors(values, *, title: str, categorical: bool,
                     coords: np.ndarray | None = None) -> dict:
    """The parts of the embedding figure that a recolour changes.

    Parameters
    ----------
    values : array-like, one per cell
        Category names (``categorical``) or numbers >= 0 (a gene's log expression).
    title : str
        The colour bar's title.
    categorical : bool
    coords : ndarray (cells x 2), optional
        With categories, each category's name is written at its cells' median.

    Returns
    -------
    dict
        ``marker`` (``color``: uint8/uint16 codes, colorscale, cmin, cmax, colorbar,
        showscale), ``customdata`` (each cell's category, for the hover; None for
        numbers and above :data:`HOVER_TEXT_MAX` cells) and ``annotations``.
    """
    if categorical:
        names = values if isinstance(values, np.ndarray) and values.dtype.kind == "U" \
            else _category_names(pd.Series(values))
        # hashing, not a sort of every cell's name (0.15 s at 100,000 cells)
        codes, categories = pd.factorize(names, sort=True)
        n = len(categories)
        marker = {"color": codes.astype(np.uint8 if n <= 256 else np.uint16),
                  "colorscale": discrete_colorscale(n), "cmin": -0.5, "cmax": n - 0.5,
                  "showscale": False}
        annotations = [] if coords is None or n > 60 else [
            {"x": float(np.median(coords[codes == code, 0])),
             "y": float(np.median(coords[codes == code, 1])), "text": f"<b>{name}</b>",
             "showarrow": False, "font": {"size": 13, "color": "#111111"},
             "bgcolor": "rgba(255,255,255,0.7)"}
            for code, name in enumerate(categories)]
        return {"marker": marker, "annotations": annotations,
                "customdata": names if len(names) <= HOVER_TEXT_MAX else None}
    numbers = np.nan_to_num(np.asarray(values, dtype=np.float32))
    high = float(numbers.max()) if numbers.size and numbers.max() > 0 else 1.0
    codes = np.rint(numbers / high * GENE_LEVELS).astype(np.uint8)
    ticks = np.linspace(0, high, 5)
    marker = {"color": codes, "colorscale": [[0, "#d9d9d9"], [0.2, "#fdd49e"],
                                             [0.6, "#ef6548"], [1, "#7f0000"]],
              "cmin": 0, "cmax": GENE_LEVELS, "showscale": True,
              "colorbar": {"title": {"text": title},
                           "tickvals": (ticks / high * GENE_LEVELS).tolist(),
                           "ticktext": [f"{t:.1f}" for t in ticks]}}
    return {"marker": marker, "customdata": None, "annotations": []}


#: The category of cells whose cell-sheet value is empty.
MISSING = "(missing)"


def _category_names(values: pd.Series) -> np.ndarray:
    """Each value as text; empty ones (NaN, None) as :data:`MISSING`."""
    return values.astype(str).where(values.notna(), MISSING).to_numpy(dtype=object)


def typed_array(values: np.ndarray) -> dict:
    """``values`` (1-D, unsigned integers or floats) as a plotly.js typed array
    (``{"dtype", "bdata"}``: base64 of the little-endian bytes). Sent in a Patch, where
    plotly.py does not encode arrays: 100,000 uint8 codes are 133 KB instead of ~330 KB
    of JSON numbers, and the browser reads them without parsing."""
    values = np.asarray(values)
    kinds = {("u", 1): "u1", ("u", 2): "u2", ("u", 4): "u4", ("f", 4): "f4", ("f", 8): "f8"}
    code = kinds.get((values.dtype.kind, values.dtype.itemsize))
    if code is None or values.ndim != 1:
        raise ValueError(f"no typed array for {values.dtype} of {values.ndim} dimension(s)")
    data = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<"))
    return {"dtype": code, "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


def typed_array_values(spec: dict) -> np.ndarray:
    """The array a :func:`typed_array` spec holds."""
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"])


def gene_level_values(codes: np.ndarray, high: float) -> np.ndarray:
    """The values (approximately: to ``high`` / 510) that :func:`embedding_colors` coded."""
    return np.asarray(codes, dtype=np.float32) / GENE_LEVELS * high


def cell_embedding(coords: np.ndarray, colors: dict, *, axis_titles=("UMAP1", "UMAP2"),
                   cell_ids=None, title: str = "") -> go.Figure:
    """The cells on their 2-D embedding, one Scattergl trace (lasso and box select on).

    ``coords``: cells x 2; ``colors``: :func:`embedding_colors`; ``cell_ids`` (shown on
    hover when there are at most 20,000 cells: beyond, ids would weigh more than the
    points)."""
    coords = np.asarray(coords, dtype=np.float32)
    size = 5 if len(coords) < 5_000 else (3 if len(coords) < 50_000 else 2)
    show_ids = cell_ids is not None and len(coords) <= HOVER_TEXT_MAX
    trace = go.Scattergl(
        x=coords[:, 0], y=coords[:, 1], mode="markers",
        marker={"size": size, **colors["marker"]}, customdata=colors["customdata"],
        text=np.asarray(cell_ids, dtype=str) if show_ids else None,
        hovertemplate=hover_template(show_ids, colors["customdata"] is not None),
        unselected={"marker": {"opacity": 0.15}})
    figure = go.Figure(trace)
    figure.update_layout(height=520, template="plotly_white", font=_FONT, dragmode="lasso",
                         margin={"l": 50, "r": 20, "t": 40 if title else 10, "b": 40},
                         title=title or None, annotations=colors["annotations"],
                         xaxis={"title": axis_titles[0], "showgrid": False,
                                "zeroline": False},
                         yaxis={"title": axis_titles[1], "showgrid": False,
                                "zeroline": False}, uirevision="cells")
    return figure


def hover_template(ids: bool, categories: bool) -> str:
    """The map's hover: cell id and category where they are sent, else the position."""
    parts = (["%{text}"] if ids else []) + (["%{customdata}"] if categories else [])
    return "<br>".join(parts or ["(%{x:.1f}, %{y:.1f})"]) + "<extra></extra>"


def gene_violins(values: np.ndarray, groups, *, gene: str) -> go.Figure:
    """One violin of a gene's log expression per cluster (cells: ``values``, ``groups``)."""
    names = pd.Series(groups).astype(str)
    order = sorted(names.unique(), key=_natural)
    figure = go.Figure()
    for index, name in enumerate(order):
        chosen = (names == name).to_numpy()
        figure.add_trace(go.Violin(
            y=np.asarray(values, dtype=np.float32)[chosen], name=name, points=False,
            line_color=CLUSTER_COLORS[index % len(CLUSTER_COLORS)], showlegend=False,
            spanmode="hard"))
    figure.update_layout(height=300, template="plotly_white", font=_FONT,
                         margin={"l": 60, "r": 20, "t": 40, "b": 40},
                         title=f"{gene}: log1p(normalized counts) per cluster",
                         yaxis={"title": "log1p expression"})
    return figure


def dot_plot(fraction: pd.DataFrame, mean: pd.DataFrame) -> go.Figure:
    """Dot plot: genes (columns) x groups (rows); dot size = fraction of cells expressing,
    colour = mean log expression in the expressing and non-expressing cells together."""
    groups, genes = list(fraction.index), list(fraction.columns)
    x = np.tile(np.arange(len(genes)), len(groups))
    y = np.repeat(np.arange(len(groups)), len(genes))
    frac = fraction.to_numpy(dtype=float).ravel()
    figure = go.Figure(go.Scatter(
        x=x, y=y, mode="markers",
        marker={"size": 4 + 22 * np.sqrt(frac), "color": mean.to_numpy(dtype=float).ravel(),
                "colorscale": "Reds", "colorbar": {"title": "mean log"},
                "line": {"width": 0.5, "color": "#555555"}},
        customdata=np.c_[np.repeat(groups, len(genes)), np.tile(genes, len(groups)),
                         np.round(100 * frac, 1)],
        hovertemplate="%{customdata[1]} in %{customdata[0]}: %{customdata[2]}% of cells"
                      "<extra></extra>"))
    figure.update_layout(height=max(260, 60 + 28 * len(groups)), template="plotly_white",
                         font=_FONT, margin={"l": 90, "r": 20, "t": 20, "b": 90},
                         xaxis={"tickvals": list(range(len(genes))), "ticktext": genes,
                                "tickangle": -45},
                         yaxis={"tickvals": list(range(len(groups))), "ticktext": groups,
                                "autorange": "reversed"})
    return figure


def elbow(variance_ratio, *, used: int) -> go.Figure:
    """Percentage of variance per principal component; the components used are dark."""
    ratios = 100 * np.asarray(variance_ratio, dtype=float)
    pcs = np.arange(1, len(ratios) + 1)
    figure = go.Figure(go.Scatter(
        x=pcs, y=ratios, mode="markers+lines",
        marker={"color": np.where(pcs <= used, "#0072B2", "#bbbbbb"), "size": 7},
        line={"color": "#bbbbbb"}, hovertemplate="PC%{x}: %{y:.2f}%<extra></extra>"))
    figure.add_vline(x=used + 0.5, line={"dash": "dot", "color": "#0072B2"},
                     annotation_text=f"{used} PCs used", annotation_position="top right")
    figure.update_layout(height=280, template="plotly_white", font=_FONT,
                         margin={"l": 60, "r": 20, "t": 20, "b": 50},
                         xaxis={"title": "Principal component"},
                         yaxis={"title": "% of variance"})
    return figure


def _natural(name: str):
    return (0, int(name), "") if name.isdigit() else (1, 0, name)
