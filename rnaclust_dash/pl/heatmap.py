"""The clustered heatmap: matrix (rows binned when large), dendrograms, cluster bar and
annotation strips in one plain figure dict. Click conventions: see
:mod:`rnaclust_dash.pl.common`. No Dash in here.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list

from .annotation import _annotation_strip
from .annotation import _bin_names
from .annotation import _color_limits
from .annotation import _row_bins
from .common import _MAX_LEGEND_CATEGORIES
from .common import _MAX_TICK_LABELS
from .common import _legend_swatch
from .common import _named_scale
from .common import cluster_colors
from .common import cluster_labels
from .common import cluster_rank
from .dendrogram import _MAX_TREE_TIPS
from .dendrogram import _dendrogram_traces
from .dendrogram import dendrogram_segments
from .heatmap_layout import _axis_link
from .heatmap_layout import _cluster_bar
from .heatmap_layout import _heatmap_layout


# Heatmap geometry in pixels (the figure height is computed from these).
_TITLE_PX = 30


_NOTE_PX = 18


_COL_TREE_PX = 90


_STRIP_PX = 16


_GAP_PX = 4


# Horizontal shares of the plot width left of the heatmap.
_ROW_TREE_FRAC = 0.12


_ROW_STRIP_FRAC = 0.018


def heatmap_figure(
    matrix,
    *,
    gene_ids,
    sample_ids,
    item_axis: str,
    labels,
    gene_tree=None,
    sample_tree=None,
    gene_order=None,
    sample_order=None,
    annotations: pd.DataFrame | None = None,
    selected: Collection = (),
    value_title: str = "z-score",
    centered: bool = True,
    max_rows: int = 400,
    title: str | None = None,
    gene_labels=None,
    sample_labels=None,
    highlighted: Collection = (),
    label_rows: bool = False,
    note: str | None = None,
) -> dict:
    """Clustered heatmap with dendrograms, cluster bar and sample annotations.

    Parameters
    ----------
    matrix : array-like, shape (n_genes, n_samples)
        Values as displayed (rows genes, columns samples); cast to float32.
    gene_ids, sample_ids : sequence of str
        Row and column ids, in the rows / columns of ``matrix``.
    item_axis : {"samples", "genes"}
        Which ids are the clustered items.
    labels : array-like of int or str
        Cluster label of each item, aligned to ``sample_ids`` or ``gene_ids``.
    gene_tree, sample_tree : array-like, optional
        scipy linkage matrices. A tree gives the order (``leaves_list``) and a
        dendrogram (rows on the left, columns on top).
    gene_order, sample_order : array-like of int, optional
        Display order (indices into the rows / columns) used when there is no
        tree on that side. Default: the input order, except for genes as items,
        which are then sorted by cluster (so that rows can be aggregated).
    annotations : pandas.DataFrame, optional
        Sample annotations indexed by sample id: one strip per column on top
        (categorical: a palette and legend; numeric: a sequential scale; NaN grey).
    selected : collection of str
        Item ids to mark beside the cluster bar.
    value_title : str
        What the values are (colour bar title, hover).
    centered : bool
        Diverging scale (RdBu reversed) symmetric about 0 at the 99th percentile
        of |values|; else Viridis from the 1st to the 99th percentile.
    max_rows : int
        More genes than this are shown as ``max_rows`` rows, each the mean of
        consecutive genes in display order (never mixing clusters when the genes
        are the items); a note on the figure says so.
    title : str, optional
        Figure title.
    gene_labels : sequence of str, optional
        Readable row names (gene symbols), aligned to ``gene_ids``; must be distinct.
        Default: the ids. Hover and clicks on the matrix give these names.
    sample_labels : sequence of str, optional
        Column tick labels (e.g. a sample-sheet column), aligned to ``sample_ids``; they
        may repeat. Default: the ids.
    highlighted : collection of str
        Gene ids to outline across the heatmap, each with its name in a box left of the
        matrix (a gene search); a row bin is outlined when it holds one of them.
    label_rows : bool
        Drill-in: every row gets room for a readable label (12 px), up to ``max_rows``
        labelled rows; otherwise rows are labelled only up to 60.
    note : str, optional
        A line over the heatmap (e.g. which genes a drill-in shows), before the
        aggregation note.

    Returns
    -------
    dict
        A plotly figure as a plain dict (``data``, ``layout``) of numpy arrays. Rows
        are drawn at 0..n_rows-1 and columns at 0..n_samples-1 on the linear axes
        ``yaxis`` / ``xaxis``; the heatmap sits on the category axes ``yaxis2`` /
        ``xaxis2`` laid over them (hover and click give names). The row dendrogram is
        mapped from leaf positions onto the rows. The first ``layout.meta["fixed"]``
        traces (matrix, trees, annotation strips) do not depend on the cluster labels
        when the samples are the items; the others (cluster bar, selection marks,
        cluster legend) do: a k change can replace only those.
    """
    frame = _heatmap_frame(matrix, gene_ids, sample_ids, item_axis, labels, gene_tree,
                           sample_tree, gene_order, sample_order, annotations, max_rows)
    _readable_names(frame, gene_labels, sample_labels, label_rows=label_rows)
    geo = _heatmap_geometry(frame, title=title, note=note)
    fixed, strip_labels = _heatmap_fixed_traces(frame, value_title, centered)
    varying, strip_labels = _heatmap_cluster_traces(frame, selected, strip_labels)
    layout = _heatmap_layout(frame, geo, strip_labels, title=title)
    _label_columns(layout, frame)
    _highlight_genes(layout, frame, highlighted)
    layout["showlegend"] = any(t.get("meta") == "legend" for t in fixed + varying)
    layout["meta"] = {"fixed": len(fixed)}
    return {"data": fixed + varying, "layout": layout}


def _heatmap_frame(matrix, gene_ids, sample_ids, item_axis, labels, gene_tree, sample_tree,
                   gene_order, sample_order, annotations, max_rows) -> dict:
    """Check the inputs; the display order, the row bins and the values shown."""
    if item_axis not in ("samples", "genes"):
        raise ValueError(f"item_axis must be 'samples' or 'genes', not {item_axis!r}")
    values = np.asarray(matrix, dtype=np.float32)
    gene_ids = np.asarray(gene_ids, dtype=object)
    sample_ids = np.asarray(sample_ids, dtype=object)
    ng, ns = len(gene_ids), len(sample_ids)
    if values.shape != (ng, ns):
        raise ValueError(f"matrix is {values.shape}, ids give ({ng}, {ns})")
    labels = cluster_labels(labels)
    genes_are_items = item_axis == "genes"
    if len(labels) != (ng if genes_are_items else ns):
        raise ValueError(f"{len(labels)} labels for {ng if genes_are_items else ns} {item_axis}")
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    g_order, starts = _gene_rows(ng, labels if genes_are_items else None, gene_tree,
                                 gene_order, max_rows)
    s_order = _display_order(sample_tree, sample_order, ns)
    g_ids, s_ids = gene_ids[g_order], sample_ids[s_order]
    item_labels = labels[g_order] if genes_are_items else labels[s_order]
    ordered = values[g_order][:, s_order]
    if len(starts) < ng:
        counts = np.diff(np.append(starts, ng))
        sums = np.add.reduceat(ordered.astype(np.float64), starts, axis=0)
        ordered = (sums / counts[:, None]).astype(np.float32)
    annot = None
    if annotations is not None and annotations.shape[1] > 0:
        annot = annotations.reindex(pd.Index(s_ids))
    return dict(
        item_axis=item_axis, genes_are_items=genes_are_items, ng=ng, ns=ns,
        g_order=g_order, s_order=s_order, g_ids=g_ids, s_ids=s_ids, starts=starts,
        n_rows=len(starts), shown=ordered, row_names=_bin_names(g_ids, starts),
        item_labels=item_labels, gene_tree=gene_tree, sample_tree=sample_tree, annot=annot,
        has_row_tree=gene_tree is not None and ng > 1,
        has_col_tree=sample_tree is not None and ns > 1,
        n_strips=(0 if annot is None else annot.shape[1]) + (0 if genes_are_items else 2),
    )


def _gene_rows(ng: int, gene_labels, gene_tree, gene_order, max_rows: int) -> tuple:
    """Display order of the genes and the start of each row bin in that order.
    ``gene_labels``: the cluster of each gene when the genes are the items, else None."""
    if gene_labels is not None and gene_tree is None and gene_order is None:
        gene_order = np.argsort(cluster_rank(gene_labels), kind="stable")
    g_order = _display_order(gene_tree, gene_order, ng)
    # Rows: bins of consecutive genes in display order, never mixing clusters.
    labels_shown = None if gene_labels is None else np.asarray(gene_labels)[g_order]
    return g_order, _row_bins(ng, max_rows, labels_shown)


def heatmap_row_genes(gene_ids, *, labels=None, gene_tree=None, gene_order=None,
                      max_rows: int = 400) -> list[np.ndarray]:
    """The gene ids of each row of :func:`heatmap_figure`, top to bottom.

    Parameters are those of :func:`heatmap_figure` (``labels``: the gene clusters when
    the genes are the items, else None). Returns one array of ids per row (one gene,
    or the genes a row averages), so that a zoomed row range maps back to genes.
    """
    gene_ids = np.asarray(gene_ids, dtype=object)
    g_order, starts = _gene_rows(len(gene_ids), labels, gene_tree, gene_order, max_rows)
    return np.split(gene_ids[g_order], starts[1:])


def _display_order(tree, order, n: int) -> np.ndarray:
    """Leaf order of a tree, else the given order, else the input order."""
    from scipy.cluster.hierarchy import leaves_list  # local: scipy import is slow-ish

    if tree is not None:
        return leaves_list(np.asarray(tree, dtype=np.float64))
    return np.arange(n) if order is None else np.asarray(order, dtype=np.int64)


def _aggregation_note(frame: dict) -> str | None:
    """'20,000 genes shown as 400 rows (...)' when rows are means of several genes."""
    ng, n_rows = frame["ng"], frame["n_rows"]
    if n_rows >= ng:
        return None
    if frame["genes_are_items"]:
        where = "cluster order"
    else:
        where = "tree order" if frame["gene_tree"] is not None else "display order"
    counts = np.diff(np.append(frame["starts"], ng))
    low, high = counts.min(), counts.max()
    per_row = str(high) if low == high else f"{low}-{high}"
    return f"{ng:,} genes shown as {n_rows:,} rows (mean of {per_row} consecutive genes in {where})"


def _heatmap_geometry(frame: dict, *, title: str | None, note: str | None = None) -> dict:
    """Heights in px, vertical domains as fractions of the plot, left edge of the heatmap."""
    n_rows, ns, s_ids = frame["n_rows"], frame["ns"], frame["col_names"]
    note = "; ".join(n for n in (note, _aggregation_note(frame)) if n) or None
    show_cols = ns <= _MAX_TICK_LABELS
    heat_px = int(np.clip(14 * n_rows, 280, 620))
    if frame["label_rows"]:  # drill-in: a readable label on every row
        heat_px = max(280, 13 * n_rows)
    strip_px = _STRIP_PX * frame["n_strips"]
    tree_px = _COL_TREE_PX if frame["has_col_tree"] else 0
    margin_t = 10 + (_TITLE_PX if title else 0) + (_NOTE_PX if note else 0)
    longest_col = max((len(str(s)) for s in s_ids), default=0)
    col_angle = 0 if ns <= 12 and longest_col <= 10 else -90
    margin_b = 20
    if show_cols:
        margin_b = 30 if col_angle == 0 else 20 + 7 * min(longest_col, 30)
    if frame["genes_are_items"]:
        margin_b = max(margin_b, 60)  # room for the row strips' "cluster" label
    plot_h = heat_px + strip_px + tree_px + _GAP_PX * ((strip_px > 0) + (tree_px > 0))
    heat_top = heat_px / plot_h
    strips_lo = heat_top + (_GAP_PX / plot_h if strip_px else 0)
    strips_hi = strips_lo + strip_px / plot_h
    row_tree_right = _ROW_TREE_FRAC if frame["has_row_tree"] else 0.0
    row_strips_w = 2 * _ROW_STRIP_FRAC if frame["genes_are_items"] else 0.0
    heat_left = row_tree_right + row_strips_w + (
        0.006 if (frame["has_row_tree"] or row_strips_w) else 0)
    return dict(
        note=note, show_cols=show_cols,
        show_rows=n_rows <= (n_rows if frame["label_rows"] else _MAX_TICK_LABELS),
        col_angle=col_angle, height=margin_t + plot_h + margin_b, plot_h=plot_h,
        margin_t=margin_t, margin_b=margin_b, heat_top=heat_top, strips_lo=strips_lo,
        strips_hi=strips_hi, tree_lo=strips_hi + _GAP_PX / plot_h,
        row_tree_right=row_tree_right, row_strips_w=row_strips_w, heat_left=heat_left,
    )


def _heatmap_fixed_traces(frame: dict, value_title: str, centered: bool) -> tuple[list, list]:
    """The traces that stay while only the clusters change: the matrix on its category
    axes, the dendrograms, the annotation strips and their legend; and strip labels."""
    traces = [_axis_link("x", "y"), _matrix_trace(frame, value_title, centered)]
    if frame["has_col_tree"]:
        seg = dendrogram_segments(frame["sample_tree"], frame["s_order"])
        traces += _dendrogram_traces(seg, axis="samples", xaxis="x", yaxis="y3",
                                     item="samples", map_position=None)
        traces.append(_axis_link("x2", "y3"))
    if frame["has_row_tree"]:
        n_rows, ng, starts = frame["n_rows"], frame["ng"], frame["starts"]
        tips = min(n_rows, _MAX_TREE_TIPS)
        seg = dendrogram_segments(frame["gene_tree"], frame["g_order"],
                                  max_leaves=max(tips, 2) if tips < ng else None)
        # Leaf positions -> row positions: bin b spans leaves starts[b]..next-1.
        edges = np.append(starts, ng) - 0.5
        traces += _dendrogram_traces(
            seg, axis="genes", xaxis="x3", yaxis="y", item="genes",
            map_position=lambda p: np.interp(p, edges, np.arange(n_rows + 1) - 0.5))
        traces.append(_axis_link("x3", "y2"))
    strip_labels, swatches = [], []
    annot = frame["annot"]
    for k, name in enumerate([] if annot is None else annot.columns):
        row = frame["n_strips"] - 1 - k  # first column on top, like the legend
        trace, column_swatches, label = _annotation_strip(annot[name], str(name), row, k,
                                                          frame["s_ids"])
        traces.append(trace)
        swatches += column_swatches
        strip_labels.append((row, label))
    if frame["n_strips"]:
        traces.append(_axis_link("x2", "y4"))
    if frame["genes_are_items"]:
        traces.append(_axis_link("x4", "y2"))
    return traces + swatches, strip_labels


def _matrix_trace(frame: dict, value_title: str, centered: bool) -> dict:
    """The heatmap of the values on the category axes (names in hover and clicks).

    With genes as items each cell's ``customdata`` is its row's cluster label (a row
    bin never mixes clusters); with samples as items a click gives the sample as ``x``,
    so the matrix carries nothing that changes with k.
    """
    shown = frame["shown"]
    zmin, zmax = _color_limits(shown, centered)
    trace = dict(
        type="heatmap", z=shown, x=frame["s_ids"], y=np.asarray(frame["row_names"], object),
        xaxis="x2", yaxis="y2", colorscale=_named_scale("RdBu" if centered else "Viridis"),
        reversescale=centered, zmin=zmin, zmax=zmax,
        hovertemplate=f"%{{y}}<br>sample %{{x}}<br>{value_title}: %{{z:.3g}}<extra></extra>",
        colorbar=dict(title=dict(text=value_title, side="top"), xref="container", x=1.0,
                      xanchor="right", xpad=10, y=1.0, yanchor="top", lenmode="pixels",
                      len=140, thickness=12),
        meta="heatmap",
    )
    if frame["genes_are_items"]:
        row_labels = frame["item_labels"][frame["starts"]]
        trace["customdata"] = np.repeat(row_labels[:, None], frame["ns"], axis=1).tolist()
        trace["hovertemplate"] = (f"%{{y}} (cluster %{{customdata}})<br>sample %{{x}}<br>"
                                  f"{value_title}: %{{z:.3g}}<extra></extra>")
    return trace


def _heatmap_cluster_traces(frame: dict, selected: Collection,
                            strip_labels: list) -> tuple[list, list]:
    """The traces that follow the clusters and the selection: the cluster bar, the
    selection marks and the cluster legend (ranked before the annotation legend)."""
    palette = cluster_colors(frame["item_labels"])
    selected = list(selected)
    traces = []
    if frame["genes_are_items"]:
        starts, g_ids = frame["starts"], frame["g_ids"]
        traces.append(_cluster_bar(frame["item_labels"][starts], frame["row_names"], palette,
                                   along="genes"))
        sel_genes = np.flatnonzero(np.isin(g_ids, selected))
        # A bin is marked when any of its genes is selected.
        sel_rows, first = np.unique(np.searchsorted(starts, sel_genes, side="right") - 1,
                                    return_index=True)
        traces.append(_selection_trace(np.zeros(len(sel_rows)), sel_rows,
                                       g_ids[sel_genes[first]], "x4", "y",
                                       symbol="triangle-right"))
    else:
        s_ids = frame["s_ids"]
        traces.append(_cluster_bar(frame["item_labels"], s_ids, palette, along="samples"))
        sel = np.flatnonzero(np.isin(s_ids, selected))
        traces.append(_selection_trace(sel, np.ones(len(sel)), s_ids[sel], "x", "y4",
                                       symbol="triangle-down"))
        strip_labels = strip_labels + [(0, "cluster"), (1, "selected")]
    if len(palette) <= _MAX_LEGEND_CATEGORIES:
        traces += [_legend_swatch(f"cluster {lab}", color, group="cluster", rank=rank)
                   for rank, (lab, color) in enumerate(palette.items())]
    return traces, strip_labels


def _selection_trace(x, y, ids, xaxis: str, yaxis: str, *, symbol: str) -> dict:
    """Black marks for the selected items (always present, possibly empty)."""
    ids = np.asarray(ids, dtype=object)
    return dict(
        type="scatter",
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        xaxis=xaxis,
        yaxis=yaxis,
        mode="markers",
        marker=dict(symbol=symbol, size=9, color="black"),
        customdata=ids,
        hovertemplate="selected: %{customdata}<extra></extra>",
        showlegend=False,
        meta="selection",
    )


def _readable_names(frame: dict, gene_labels, sample_labels, *, label_rows: bool) -> None:
    """Row names from the gene labels (symbols), column tick texts from the sample labels."""
    frame["label_rows"] = label_rows
    frame["col_names"] = frame["s_ids"]
    if sample_labels is not None:
        names = np.asarray([str(x) for x in sample_labels], dtype=object)
        if len(names) != frame["ns"]:
            raise ValueError(f"{len(names)} sample labels for {frame['ns']} samples")
        frame["col_names"] = names[frame["s_order"]]
    if gene_labels is not None:
        names = np.asarray([str(x) for x in gene_labels], dtype=object)
        if len(names) != frame["ng"]:
            raise ValueError(f"{len(names)} gene labels for {frame['ng']} genes")
        frame["row_names"] = _bin_names(names[frame["g_order"]], frame["starts"])
        frame["g_names"] = names[frame["g_order"]]
    else:
        frame["g_names"] = frame["g_ids"]


def _label_columns(layout: dict, frame: dict) -> None:
    """Sample labels (which may repeat) as tick texts of the matrix' category axis."""
    if frame["col_names"] is not frame["s_ids"]:
        layout["xaxis2"].update(tickmode="array", tickvals=list(frame["s_ids"]),
                                ticktext=list(frame["col_names"]))


def _highlight_genes(layout: dict, frame: dict, highlighted: Collection) -> None:
    """Outline the rows of the highlighted genes across the matrix and name them in a
    box left of it (shapes and annotations with ``name`` "gene-search")."""
    found = np.flatnonzero(np.isin(frame["g_ids"], list(highlighted)))
    rows = np.searchsorted(frame["starts"], found, side="right") - 1
    if len(found) and layout["xaxis"]["domain"][0] < 0.05:  # room for the name boxes
        longest = max(len(str(frame["g_names"][g])) for g in found)
        layout["margin"]["l"] = max(layout["margin"]["l"], 40 + 8 * min(longest, 30))
    for gene, row in zip(found.tolist(), rows.tolist()):
        layout.setdefault("shapes", []).append(dict(
            type="rect", xref="x", yref="y", x0=-0.5, x1=frame["ns"] - 0.5, y0=row - 0.5,
            y1=row + 0.5, line=dict(color="black", width=2), name="gene-search"))
        layout["annotations"].append(dict(
            text=f"<b>{frame['g_names'][gene]}</b>", xref="x", yref="y", x=-0.5, y=row,
            xanchor="right", ax=-24, ay=0, showarrow=True, arrowhead=2, arrowwidth=1.5,
            bgcolor="rgba(255, 255, 255, 0.9)", bordercolor="black", borderwidth=1,
            font=dict(size=11), name="gene-search"))
