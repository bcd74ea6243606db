"""Plotly figures of clustering results: results in, plain figure dicts out.

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
import html
import textwrap
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from plotly.colors import get_colorscale, sample_colorscale

from .palettes import ANNOTATION_COLORS, CLUSTER_COLORS, readable_on_white

#: Cluster colours (see :mod:`rnaclust_dash.palettes`): 64 distinct dark-to-mid colours,
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
# Row trees with more tips are drawn truncated (finer merges are an unreadable smear).
_MAX_TREE_TIPS = 200
# Clickable markers only on this many top merges of a tree.
_MAX_TREE_MARKERS = 150

# Heatmap geometry in pixels (the figure height is computed from these).
_TITLE_PX = 30
_NOTE_PX = 18
_COL_TREE_PX = 90
_STRIP_PX = 16
_GAP_PX = 4
# Horizontal shares of the plot width left of the heatmap.
_ROW_TREE_FRAC = 0.12
_ROW_STRIP_FRAC = 0.018


# --------------------------------------------------------------------------- colours
def cluster_colors(labels) -> dict[int, str]:
    """Colour of each cluster label, the same in every figure.

    Parameters
    ----------
    labels : array-like of int
        Cluster labels (1..k; repeats allowed). Labels <= 0 (no cluster, noise)
        are grey.

    Returns
    -------
    dict of int to str
        Label -> hex colour, for the distinct labels in increasing order. Label
        ``L`` gets ``CLUSTER_PALETTE[(L - 1) % len(CLUSTER_PALETTE)]``, so the
        colour depends only on the label, never on which other labels exist; the first
        64 labels all differ, beyond that colours repeat.
    """
    unique = np.unique(np.asarray(labels, dtype=np.int64))
    n = len(CLUSTER_PALETTE)
    return {int(lab): (CLUSTER_PALETTE[(lab - 1) % n] if lab > 0 else NA_COLOR) for lab in unique}


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


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )


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


# ------------------------------------------------------------------------ dendrogram
def dendrogram_segments(linkage, leaf_order, *, max_leaves: int | None = None) -> dict:
    """Coordinates to draw a dendrogram as one scatter trace.

    Parameters
    ----------
    linkage : array-like, shape (n - 1, 4)
        scipy linkage matrix ``Z``.
    leaf_order : array-like of int, shape (n,)
        Leaf order, ``scipy.cluster.hierarchy.leaves_list(Z)``: the leaf at
        position ``i`` is drawn at coordinate ``i``.
    max_leaves : int, optional
        When given and ``n > max_leaves``, draw only the last ``max_leaves - 1``
        merges (the top of the tree). Each group below them is a contiguous block
        of positions, drawn at the block's centre with its legs down to 0.

    Returns
    -------
    dict
        ``xs``, ``ys`` : float arrays, 5 points per drawn merge (a "U" from
        child a up to the merge height and down to child b) then a NaN
        separator; x in leaf-position coordinates, y in merge heights.
        ``node_ids`` : int array, scipy ids (``n + row``) of the drawn merges.
        ``node_x``, ``node_y`` : float arrays, position and height of each.
        ``node_size`` : int array, number of leaves under each.
        ``block_start``, ``block_stop`` : int arrays, the leaf-position range
        ``[start, stop)`` of each bottom block (single leaves when not
        truncated), left to right; ``block_x`` their centres.
        ``n_leaves`` : int.
    """
    Z = np.asarray(linkage, dtype=np.float64)
    n = Z.shape[0] + 1
    order = np.asarray(leaf_order, dtype=np.int64)
    if order.shape != (n,):
        raise ValueError(f"leaf_order has {order.size} entries, the tree has {n} leaves")
    if max_leaves is not None and max_leaves < 2:
        raise ValueError("max_leaves must be at least 2")
    n_drawn = n - 1 if max_leaves is None or n <= max_leaves else max_leaves - 1
    first = n - 1 - n_drawn  # first drawn row of Z

    position = np.empty(n)
    position[order] = np.arange(n)
    # Leftmost / rightmost leaf position under each node, and its drawing position.
    lo = position.tolist() + [0.0] * (n - 1)
    hi = list(lo)
    x = list(lo)
    children = Z[:, :2].astype(np.int64).tolist()
    # Children always have smaller ids than their parent, so one pass suffices.
    for i, (a, b) in enumerate(children):
        node = n + i
        lo[node] = min(lo[a], lo[b])
        hi[node] = max(hi[a], hi[b])
        # An undrawn group is a block at its centre; a drawn node sits above its children.
        x[node] = (x[a] + x[b]) / 2 if i >= first else (lo[node] + hi[node]) / 2

    x = np.asarray(x)
    rows = np.arange(first, n - 1)
    a, b = Z[rows, 0].astype(np.int64), Z[rows, 1].astype(np.int64)
    height = Z[rows, 2]
    heights = np.concatenate([np.zeros(n), Z[:, 2]])
    drawn = np.zeros(2 * n - 1, dtype=bool)
    drawn[n + rows] = True
    # Legs go down to the child's height if it is drawn, else to the base (0).
    ya = np.where(drawn[a], heights[a], 0.0)
    yb = np.where(drawn[b], heights[b], 0.0)
    nan = np.full(len(rows), np.nan)
    xs = np.column_stack([x[a], x[a], x[b], x[b], nan]).ravel()
    ys = np.column_stack([ya, height, height, yb, nan]).ravel()

    kids = np.concatenate([a, b])
    blocks = kids[~drawn[kids]] if n > 1 else np.array([0])
    lo_arr, hi_arr = np.asarray(lo), np.asarray(hi)
    blocks = blocks[np.argsort(lo_arr[blocks])]
    return {
        "xs": xs,
        "ys": ys,
        "node_ids": n + rows,
        "node_x": x[n + rows],
        "node_y": height,
        "node_size": Z[rows, 3].astype(np.int64),
        "block_start": lo_arr[blocks].astype(np.int64),
        "block_stop": hi_arr[blocks].astype(np.int64) + 1,
        "block_x": (lo_arr[blocks] + hi_arr[blocks]) / 2,
        "n_leaves": n,
    }


def leaves_under(linkage, node_id: int) -> np.ndarray:
    """Original indices of the leaves under one node of a scipy tree.

    Parameters
    ----------
    linkage : array-like, shape (n - 1, 4)
        scipy linkage matrix ``Z``.
    node_id : int
        Node in scipy numbering: ``0..n-1`` are leaves, ``n + i`` is the merge
        in row ``i`` of ``Z``.

    Returns
    -------
    numpy.ndarray of int
        Leaf indices, left to right in the order of ``leaves_list(Z)``.
    """
    Z = np.asarray(linkage)
    n = Z.shape[0] + 1
    node_id = int(node_id)
    if not 0 <= node_id < 2 * n - 1:
        raise ValueError(f"node {node_id} is not in a tree with {n} leaves")
    children = Z[:, :2].astype(np.int64).tolist()
    leaves, stack = [], [node_id]
    while stack:
        node = stack.pop()
        if node < n:
            leaves.append(node)
        else:
            a, b = children[node - n]
            stack += [b, a]  # a is popped first: left to right
    return np.asarray(leaves, dtype=np.int64)


# --------------------------------------------------------------------------- heatmap
def _row_bins(n: int, max_rows: int, labels: np.ndarray | None = None) -> np.ndarray:
    """Start (in display order) of each row bin of consecutive genes.

    Bins hold a whole number of genes, ``ceil(n / max_rows)``, so there may be fewer
    than ``max_rows`` of them. Without labels the genes are cut into near-equal bins. With
    labels (in display order) no bin crosses a change of label: each run of equal
    labels gets bins in proportion to its length (at least one). If there are more
    runs than ``max_rows``, each run is one bin.
    """
    if n <= max_rows:
        return np.arange(n)
    # Whole numbers of genes per bin read better: 500 genes -> 250 rows of 2, not 400.
    per_bin = -(-n // max_rows)
    max_rows = -(-n // per_bin)
    if labels is None:
        return (np.arange(max_rows) * n) // max_rows
    labels = np.asarray(labels)
    run_start = np.flatnonzero(np.concatenate([[True], labels[1:] != labels[:-1]]))
    run_len = np.diff(np.append(run_start, n))
    if len(run_start) >= max_rows:
        return run_start
    quota = run_len * max_rows / n
    n_bins = np.minimum(np.maximum(1, np.floor(quota)), run_len).astype(np.int64)
    # Largest remainder: give missing bins to (or take extra ones from) the runs
    # whose quota is furthest from their count.
    while n_bins.sum() < max_rows:
        n_bins[np.argmax(np.where(n_bins < run_len, quota - n_bins, -np.inf))] += 1
    while n_bins.sum() > max_rows:
        n_bins[np.argmin(np.where(n_bins > 1, quota - n_bins, np.inf))] -= 1
    run = np.repeat(np.arange(len(run_start)), n_bins)
    j = np.arange(n_bins.sum()) - np.repeat(np.cumsum(n_bins) - n_bins, n_bins)
    return run_start[run] + (j * run_len[run]) // n_bins[run]


def _bin_names(ids: np.ndarray, starts: np.ndarray) -> list[str]:
    """Hover name of each row bin: the gene id, or the range of genes it averages."""
    stops = np.append(starts[1:], len(ids))
    names = []
    for start, stop in zip(starts.tolist(), stops.tolist()):
        if stop - start == 1:
            names.append(str(ids[start]))
        else:
            names.append(f"mean of genes {start + 1}-{stop}: {ids[start]}..{ids[stop - 1]}")
    return names


def _color_limits(values: np.ndarray, centered: bool) -> tuple[float, float]:
    """Colour limits: symmetric 99th percentile of |values|, or 1st-99th percentile."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0) if centered else (0.0, 1.0)
    if centered:
        lim = float(np.percentile(np.abs(finite), 99))
        lim = lim if lim > 0 else float(np.abs(finite).max()) or 1.0
        return -lim, lim
    lo, hi = (float(v) for v in np.percentile(finite, [1, 99]))
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _annotation_strip(values: pd.Series, name: str, row: int, k: int, sample_ids) -> tuple:
    """Heatmap trace of one annotation column, its legend swatches and label text."""
    ns = len(values)
    text = [[f"{sid}<br>{name}: {_fmt(v)}" for sid, v in zip(sample_ids, values.tolist())]]
    missing = values.isna().to_numpy()
    swatches = []
    if _is_numeric(values):
        v = values.astype("float64").to_numpy()
        lo, hi = (np.nanmin(v), np.nanmax(v)) if (~missing).any() else (0.0, 1.0)
        z = (v - lo) / (hi - lo) if hi > lo else np.full(ns, 0.5)
        z[missing] = -0.1  # below the scale: grey
        scale = sample_colorscale(ANNOTATION_SCALE, np.linspace(0, 1, 9).tolist())
        colorscale = [[0, NA_COLOR], [0.05, NA_COLOR]] + [
            [0.1 / 1.1 + p / 1.1, c] for p, c in zip(np.linspace(0, 1, 9), scale)
        ]
        zmin, zmax = -0.1, 1.0
        label = f"{name} ({_fmt(lo)}-{_fmt(hi)})" if (~missing).any() else name
    else:
        categories = _category_order(values)
        palette = ANNOTATION_PALETTES[k % len(ANNOTATION_PALETTES)]
        colors = [palette[i % len(palette)] for i in range(len(categories))] + [NA_COLOR]
        code = {c: i for i, c in enumerate(categories)}
        z = np.array([len(categories) if m else code[v] for v, m in zip(values, missing)])
        colorscale = _discrete_colorscale(colors)
        zmin, zmax = -0.5, len(colors) - 0.5
        label = name
        if len(categories) <= _MAX_LEGEND_CATEGORIES:
            shown = categories + (["NA"] if missing.any() else [])
            for cat, color in zip(shown, colors[: len(categories)] + [NA_COLOR]):
                swatches.append(_legend_swatch(str(cat)[:20], color, group=name,
                                              rank=1000 + 50 * k + len(swatches)))
    trace = dict(
        type="heatmap",
        z=z.astype(np.float32)[None, :],
        x=np.arange(ns),
        y=[row - 0.42, row + 0.42],  # edges: a thin gap between strips
        xaxis="x",
        yaxis="y4",
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        showscale=False,
        hovertext=text,
        hovertemplate="%{hovertext}<extra></extra>",
        customdata=np.asarray(sample_ids, dtype=object)[None, :],
        name=name,
        meta="annotation",
    )
    return trace, swatches, label


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
    labels : array-like of int
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
    geo = _heatmap_geometry(frame, title=title)
    fixed, strip_labels = _heatmap_fixed_traces(frame, value_title, centered)
    varying, strip_labels = _heatmap_cluster_traces(frame, selected, strip_labels)
    layout = _heatmap_layout(frame, geo, strip_labels, title=title)
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
    labels = np.asarray(labels, dtype=np.int64)
    genes_are_items = item_axis == "genes"
    if len(labels) != (ng if genes_are_items else ns):
        raise ValueError(f"{len(labels)} labels for {ng if genes_are_items else ns} {item_axis}")
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    if genes_are_items and gene_tree is None and gene_order is None:
        gene_order = np.argsort(labels, kind="stable")
    g_order = _display_order(gene_tree, gene_order, ng)
    s_order = _display_order(sample_tree, sample_order, ns)
    g_ids, s_ids = gene_ids[g_order], sample_ids[s_order]
    item_labels = labels[g_order] if genes_are_items else labels[s_order]
    # Rows: bins of consecutive genes in display order.
    starts = _row_bins(ng, max_rows, item_labels if genes_are_items else None)
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


def _heatmap_geometry(frame: dict, *, title: str | None) -> dict:
    """Heights in px, vertical domains as fractions of the plot, left edge of the heatmap."""
    n_rows, ns, s_ids = frame["n_rows"], frame["ns"], frame["s_ids"]
    note = _aggregation_note(frame)
    show_cols = ns <= _MAX_TICK_LABELS
    heat_px = int(np.clip(14 * n_rows, 280, 620))
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
        note=note, show_cols=show_cols, show_rows=n_rows <= _MAX_TICK_LABELS,
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


def _dendrogram_traces(
    seg: dict, *, axis: str, xaxis: str, yaxis: str, item: str, map_position
) -> list:
    """The tree lines and the clickable node markers of one dendrogram.

    Column trees are drawn top-down (x position, y height); row trees sideways
    (x height, y position). ``map_position`` maps leaf positions to row positions.
    """
    top = slice(-_MAX_TREE_MARKERS, None)  # the last merges are the highest
    node_ids, node_size = seg["node_ids"][top], seg["node_size"][top]
    pos, node_pos = seg["xs"], seg["node_x"][top]
    if map_position is not None:
        pos, node_pos = map_position(pos), map_position(node_pos)
    heights, node_h = seg["ys"], seg["node_y"][top]
    lines_xy = (pos, heights) if axis == "samples" else (heights, pos)
    nodes_xy = (node_pos, node_h) if axis == "samples" else (node_h, node_pos)
    customdata = np.empty((len(node_ids), 2), dtype=object)
    customdata[:, 0] = axis
    customdata[:, 1] = node_ids.tolist()
    hover = [
        f"node {i}: {s:,} {item}<br>height {h:.3g}"
        for i, s, h in zip(node_ids.tolist(), node_size.tolist(), node_h.tolist())
    ]
    return [
        dict(
            type="scatter",
            x=lines_xy[0],
            y=lines_xy[1],
            xaxis=xaxis,
            yaxis=yaxis,
            mode="lines",
            line=dict(color="#555", width=1),
            hoverinfo="skip",
            showlegend=False,
            meta="dendrogram",
        ),
        dict(
            type="scatter",
            x=nodes_xy[0],
            y=nodes_xy[1],
            xaxis=xaxis,
            yaxis=yaxis,
            mode="markers",
            marker=dict(size=6, color="#333", opacity=0.3),
            customdata=customdata,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            meta="dendrogram-nodes",
        ),
    ]


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
            palette = cluster_colors(np.asarray(categories, dtype=np.int64))
            names = {c: f"cluster {int(c)}" for c in categories}
            color_of = {c: palette[int(c)] for c in categories}
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
    labels : array-like of int
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
    labels = np.asarray(labels, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if not len(ids) == len(labels) == len(values):
        raise ValueError("ids, labels and values must have the same length")
    keep = np.isfinite(values)
    ids, labels, values = ids[keep], labels[keep], values[keep]
    n = len(ids)
    if mean_value is None:
        mean_value = float(values.mean()) if n else 0.0
    # By cluster, then decreasing silhouette (stable, so ties keep the input order).
    order = np.lexsort((-values, labels))
    ids, labels, values = ids[order], labels[order], values[order]
    clusters, group_start = np.unique(labels, return_index=True)
    gap = max(1, round(0.015 * n))
    position = np.arange(n) + gap * (np.searchsorted(group_start, np.arange(n), side="right") - 1)
    palette = cluster_colors(clusters)
    faded = np.isin(ids, list(selected)) if len(selected) else None
    height = _silhouette_height(n, n_gaps=gap * len(clusters))
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
        yaxis.update(
            tickvals=position, ticktext=ids.astype(str), tickfont=dict(size=10 if n <= 60 else 8)
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
