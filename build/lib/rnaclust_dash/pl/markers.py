"""Figures of marker genes and enrichment: volcano plot, marker dot plot, enrichment dot plot.

Inputs are the tables of :func:`rnaclust_dash.tl.markers.find_markers` /
:func:`~rnaclust_dash.tl.markers.compare_groups` (one row per gene and group) and of
:func:`rnaclust_dash.tl.enrichment.enrich_queries` (one row per term and query).

Click conventions: the volcano's gene traces (``meta`` ``"volcano"``) carry the gene id
as ``customdata``; the marker dot plot's points (``meta`` ``"marker-dots"``) carry
``[gene, group]``.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .common import empty_figure

#: Colours of genes up / down in the group (significant), and of the rest.
UP_COLOR, DOWN_COLOR, NS_COLOR = "#C0392B", "#2471A3", "#B4BCC2"
_FONT = dict(family="Lato, Arial, sans-serif", size=12)


def _labels(table: pd.DataFrame) -> np.ndarray:
    """Symbol where there is one, else the gene id."""
    genes = table["gene"].astype(str).to_numpy()
    if "symbol" not in table:
        return genes
    symbols = table["symbol"].astype(object).to_numpy()
    return np.array([s if isinstance(s, str) and s else g for s, g in zip(symbols, genes)],
                    dtype=object)


def _neg_log10(p: np.ndarray) -> np.ndarray:
    """-log10 p with p = 0 drawn at the smallest positive double (finite, at the top)."""
    with np.errstate(divide="ignore"):
        return -np.log10(np.clip(p, np.finfo(float).tiny, 1.0))


def volcano_figure(table: pd.DataFrame, *, padj_threshold: float = 0.05,
                   lfc_threshold: float = 1.0, n_labels: int = 12,
                   selected: Collection[str] = (), title: str = "",
                   in_name: str = "group", out_name: str = "rest") -> go.Figure:
    """Volcano plot: log2 fold change against -log10 adjusted p-value.

    Parameters
    ----------
    table : pandas.DataFrame
        One comparison, one row per gene: ``gene``, ``log2fc``, ``pvalue``, ``padj``,
        ``mean_in``, ``mean_out`` and optionally ``symbol``. Genes without an adjusted
        p-value (DESeq2's filtered genes) are not drawn; the subtitle says how many.
    padj_threshold, lfc_threshold : float, keyword-only
        A gene is coloured when ``padj < padj_threshold`` and ``|log2fc| >= lfc_threshold``
        (dashed lines mark both).
    n_labels : int, keyword-only
        The most significant coloured genes labelled with their symbols.
    selected : collection of str, keyword-only
        Gene ids circled (the gene picked in the table, or the genes selected in the
        heatmap); named when there are at most 5.
    title : str, keyword-only
    in_name, out_name : str, keyword-only
        Names of the two sides (e.g. ``"cluster 1"`` and ``"rest"``) for the axis title
        and the hover.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    shown = table[np.isfinite(table["padj"].to_numpy(dtype=float))
                  & np.isfinite(table["log2fc"].to_numpy(dtype=float))]
    n_hidden = len(table) - len(shown)
    lfc = shown["log2fc"].to_numpy(dtype=float)
    y = _neg_log10(shown["padj"].to_numpy(dtype=float))
    significant = (shown["padj"].to_numpy() < padj_threshold) & (np.abs(lfc) >= lfc_threshold)
    kinds = np.where(significant & (lfc > 0), "up", np.where(significant, "down", "ns"))
    labels = _labels(shown)
    traces = []
    names = {"up": f"higher in {in_name}", "down": f"lower in {in_name}",
             "ns": "not significant"}
    colors = {"up": UP_COLOR, "down": DOWN_COLOR, "ns": NS_COLOR}
    for kind in ("ns", "down", "up"):
        rows = np.flatnonzero(kinds == kind)
        sub = shown.iloc[rows]
        trace = dict(x=lfc[rows], y=y[rows], mode="markers", meta="volcano",
                     name=f"{names[kind]} ({rows.size:,})",
                     marker=dict(color=colors[kind], size=5 if kind == "ns" else 6,
                                 opacity=0.6 if kind == "ns" else 0.85),
                     customdata=sub["gene"].astype(str).to_numpy(), text=labels[rows])
        if kind == "ns":  # thousands of points: a light hover keeps the figure small
            trace["hovertemplate"] = ("%{text} (%{customdata})<br>log2FC %{x:.3f}<br>"
                                      "-log10 padj %{y:.2f}<extra></extra>")
        else:
            trace["hovertext"] = [
                f"{label} ({gene})<br>log2FC {fc:.3f}<br>p {p:.3g}, padj {q:.3g}<br>"
                f"mean {in_name} {mi:.3g}, {out_name} {mo:.3g}"
                for label, gene, fc, p, q, mi, mo in zip(
                    labels[rows], sub["gene"], lfc[rows], sub["pvalue"], sub["padj"],
                    sub["mean_in"], sub["mean_out"])]
            trace["hovertemplate"] = "%{hovertext}<extra></extra>"
        traces.append(go.Scattergl(**trace))
    order = np.lexsort((-np.abs(lfc), y * -1.0))  # most significant first, then largest |FC|
    top = [i for i in order if significant[i]][:max(n_labels, 0)]
    annotations = _placed_labels(lfc[top], y[top], [str(labels[i]) for i in top],
                                 x_span=np.ptp(lfc) if lfc.size else 1.0,
                                 y_span=float(y.max()) if y.size else 1.0)
    picked = np.flatnonzero(np.isin(shown["gene"].astype(str).to_numpy(),
                                    [str(s) for s in selected]))
    if picked.size:
        traces.append(go.Scatter(
            x=lfc[picked], y=y[picked], mode="markers+text" if picked.size <= 5 else "markers",
            text=labels[picked],
            textposition="top center", name="selected", hoverinfo="skip",
            marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(color="black", width=2)),
            meta="volcano-selected"))
    subtitle = f"{len(shown):,} genes"
    if n_hidden:
        subtitle += f"; {n_hidden:,} without an adjusted p-value (filtered) not drawn"
    figure = go.Figure(traces)
    figure.update_layout(
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>" if title else
                   f"<sup>{subtitle}</sup>", x=0.01, xanchor="left"),
        xaxis=dict(title=f"log2 fold change ({in_name} / {out_name})", zeroline=False),
        yaxis=dict(title="-log10 adjusted p-value", rangemode="tozero"),
        annotations=annotations, template="plotly_white", font=_FONT,
        legend=dict(orientation="h", y=-0.18, x=0), margin=dict(l=60, r=20, t=60, b=80),
        shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=-np.log10(padj_threshold),
                     y1=-np.log10(padj_threshold), line=dict(dash="dash", color="#888",
                                                             width=1))]
        + [dict(type="line", yref="paper", y0=0, y1=1, x0=x, x1=x,
                line=dict(dash="dot", color="#888", width=1))
           for x in ((-lfc_threshold, lfc_threshold) if lfc_threshold > 0 else ())],
        clickmode="event")
    return figure


def _placed_labels(x: np.ndarray, y: np.ndarray, texts: list, *, x_span: float,
                   y_span: float, width_px: float = 560, height_px: float = 380) -> list:
    """Annotations for labelled points, each placed at the first of a few offsets where
    its text box (estimated in pixels) overlaps no label placed before it."""
    offsets = [(22, -14), (22, -30), (22, 8), (22, -46), (22, 24), (40, -62)]
    boxes, annotations = [], []
    for xi, yi, text in zip(x, y, texts):
        side = 1 if xi >= 0 else -1
        px = xi / max(x_span, 1e-12) * width_px
        py = -yi / max(y_span, 1e-12) * height_px  # screen y grows downwards
        width = 6.5 * len(text) + 4
        for ax, ay in offsets + [offsets[0]]:
            left = px + side * ax - (width if side < 0 else 0)
            box = (left, py + ay - 8, left + width, py + ay + 8)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in boxes):
                break
        boxes.append(box)
        annotations.append(dict(x=xi, y=yi, text=text, showarrow=True, arrowhead=0,
                                arrowwidth=0.8, arrowcolor="#555", ax=side * ax, ay=ay,
                                font=dict(size=11, color="#222"),
                                xanchor="left" if side > 0 else "right"))
    return annotations


def top_markers(markers: pd.DataFrame, *, n_top: int = 5,
                padj_threshold: float = 0.05) -> pd.DataFrame:
    """The ``n_top`` genes higher in each group than in the rest (by p-value), the rows
    of a marker dot plot.

    Parameters
    ----------
    markers : pandas.DataFrame
        Long table (``group``, ``gene``, ``log2fc``, ``pvalue``, ``padj``; optional
        ``symbol``).
    n_top : int, keyword-only
    padj_threshold : float, keyword-only
        Genes must have ``padj`` below this; a group with none contributes no rows.

    Returns
    -------
    pandas.DataFrame
        The chosen rows, groups in their order of appearance, a gene at most once (for
        the first group that picks it).
    """
    picked = markers[(markers["log2fc"] > 0) & (markers["padj"] < padj_threshold)]
    picked = picked.sort_values(["pvalue"], kind="stable")
    rows, seen = [], set()
    for group in pd.unique(markers["group"]):
        chosen = [i for i, gene in picked.loc[picked["group"] == group, "gene"].items()
                  if gene not in seen][:n_top]
        seen.update(picked.loc[chosen, "gene"])
        rows += chosen
    return markers.loc[rows]


def marker_dotplot(markers: pd.DataFrame, group_means: pd.DataFrame, *, n_top: int = 5,
                   padj_threshold: float = 0.05, title: str = "") -> go.Figure:
    """Dot plot of the top markers of each group: genes x groups.

    Parameters
    ----------
    markers : pandas.DataFrame
        Long table of one-vs-rest comparisons (``group``, ``gene``, ``log2fc``,
        ``pvalue``, ``padj``; optional ``symbol``), every gene in every group.
    group_means : pandas.DataFrame
        Mean z-score of each gene (rows, gene ids) in each group (columns, group names).
    n_top, padj_threshold : keyword-only
        See :func:`top_markers`.
    title : str, keyword-only

    Returns
    -------
    plotly.graph_objects.Figure
        Dot size = |log2 fold change| of the gene in that group against the rest, colour =
        mean z-score of the gene in the group; genes on the y axis in the order of the
        groups they mark.
    """
    chosen = top_markers(markers, n_top=n_top, padj_threshold=padj_threshold)
    if chosen.empty:
        return go.Figure(empty_figure(f"No gene is higher in any group with adjusted p < "
                                      f"{padj_threshold:g}."))
    genes = chosen["gene"].astype(str).tolist()
    gene_labels = dict(zip(genes, _labels(chosen)))
    groups = [str(g) for g in pd.unique(markers["group"])]
    cells = markers[markers["gene"].astype(str).isin(genes)]
    lfc = cells.pivot_table(index="gene", columns="group", values="log2fc", aggfunc="first")
    lfc = lfc.reindex(index=genes, columns=groups)
    means = group_means.reindex(index=genes, columns=groups)
    x = np.tile(np.arange(len(groups)), len(genes))
    y = np.repeat(np.arange(len(genes)), len(groups))
    size_values = np.abs(lfc.to_numpy(dtype=float)).ravel()
    size_max = np.nanmax(size_values) if np.isfinite(size_values).any() else 1.0
    sizes = 4 + 18 * np.sqrt(np.nan_to_num(size_values) / max(size_max, 1e-12))
    colors = means.to_numpy(dtype=float).ravel()
    limit = max(float(np.nanmax(np.abs(colors))) if np.isfinite(colors).any() else 1.0, 0.5)
    hover = [f"{gene_labels[genes[j]]} ({genes[j]}) in {groups[i]}<br>log2FC vs rest "
             f"{lfc.iat[j, i]:.2f}<br>mean z-score {means.iat[j, i]:.2f}"
             for j, i in zip(y, x)]
    figure = go.Figure(go.Scatter(
        x=x, y=y, mode="markers", meta="marker-dots",
        customdata=[[genes[j], groups[i]] for j, i in zip(y, x)],
        marker=dict(size=sizes, color=colors, colorscale="RdBu_r", cmin=-limit, cmax=limit,
                    line=dict(color="#555", width=0.5),
                    colorbar=dict(title=dict(text="mean<br>z-score", side="top"),
                                  thickness=12, len=0.5, y=1, yanchor="top")),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", showlegend=False))
    # size key: three reference dots beside the colour bar
    key = [round(v, 1) for v in (size_max / 4, size_max / 2, size_max)]
    for value in key:
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=f"|log2FC| {value:g}",
            marker=dict(size=4 + 18 * np.sqrt(value / max(size_max, 1e-12)), color="#888"),
            showlegend=True, meta="legend"))
    height = max(320, 120 + 18 * len(genes))
    figure.update_layout(
        title=dict(text=title, x=0.01, xanchor="left"), template="plotly_white", font=_FONT,
        height=height, margin=dict(l=10, r=10, t=80 if title else 50, b=20),
        xaxis=dict(tickvals=list(range(len(groups))), ticktext=groups, side="top",
                   range=[-0.6, len(groups) - 0.4], showgrid=False),
        yaxis=dict(tickvals=list(range(len(genes))), ticktext=[gene_labels[g] for g in genes],
                   autorange="reversed", showgrid=True, automargin=True),
        legend=dict(title=dict(text="dot size"), x=1.02, y=0.35, yanchor="top"),
        clickmode="event")
    return figure


def enrichment_dotplot(table: pd.DataFrame, *, n_terms: int = 8,
                       padj_threshold: float = 0.05, title: str = "") -> go.Figure:
    """Enrichment dot plot: terms (rows) x queries (columns).

    Parameters
    ----------
    table : pandas.DataFrame
        Long table of :func:`rnaclust_dash.tl.enrichment.enrich_queries` (``query``,
        ``term``, ``description``, ``n_overlap``, ``n_term``, ``padj``, ``genes``).
    n_terms : int, keyword-only
        Terms taken per query: its most significant ones with ``padj < padj_threshold``
        (if a query has none, its best ``n_terms`` with an overlap, so the plot is not
        empty; the hover gives each padj).
    padj_threshold : float, keyword-only
    title : str, keyword-only

    Returns
    -------
    plotly.graph_objects.Figure
        Dot size = genes of the query in the term, colour = -log10 adjusted p; every
        query's value is drawn for each chosen term (no dot where the overlap is 0).
    """
    hits = table[table["n_overlap"] > 0].sort_values("pvalue", kind="stable")
    queries = [str(q) for q in pd.unique(table["query"])]
    terms: list[str] = []
    for query in queries:
        rows = hits[hits["query"].astype(str) == query]
        good = rows[rows["padj"] < padj_threshold]
        for term in (good if len(good) else rows)["term"].head(n_terms):
            if term not in terms:
                terms.append(term)
    if not terms:
        return go.Figure(empty_figure("No gene of the queries is in any tested gene set."))
    n_significant = int((hits["padj"] < padj_threshold).sum())
    if n_significant == 0:  # say it on the figure: the dots are the best of nothing
        title = (f"{title}<br>" if title else "") + (
            f"<sup>No term has padj < {padj_threshold:g}: the best terms by p-value are "
            "shown</sup>")
    cells = hits[hits["term"].isin(terms)]
    descriptions = dict(zip(table["term"], table["description"]))
    x = [queries.index(str(q)) for q in cells["query"]]
    y = [terms.index(t) for t in cells["term"]]
    padj = cells["padj"].to_numpy(dtype=float)
    colors = _neg_log10(padj)
    overlap = cells["n_overlap"].to_numpy(dtype=float)
    size_max = max(overlap.max(), 1.0)
    hover = [f"<b>{_short(descriptions[t], 70)}</b> ({t})<br>{q}: {n} of {m} genes, "
             f"padj {p:.3g}<br>{_short(genes.replace(';', ', '), 120)}"
             for t, q, n, m, p, genes in zip(cells["term"], cells["query"], cells["n_overlap"],
                                             cells["n_term"], padj, cells["genes"])]
    figure = go.Figure(go.Scatter(
        x=x, y=y, mode="markers", meta="enrichment-dots",
        customdata=np.column_stack([cells["term"].astype(str), cells["query"].astype(str)]),
        marker=dict(size=5 + 20 * np.sqrt(overlap / size_max), color=colors,
                    colorscale="Viridis", cmin=0, line=dict(color="#555", width=0.5),
                    colorbar=dict(title=dict(text="-log10<br>padj", side="top"),
                                  thickness=12, len=0.5, y=1, yanchor="top")),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", showlegend=False))
    for value in sorted({max(1, int(round(size_max / 4))), max(1, int(round(size_max / 2))),
                         int(size_max)}):
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=f"{value} genes", meta="legend",
            marker=dict(size=5 + 20 * np.sqrt(value / size_max), color="#888")))
    figure.update_layout(
        title=dict(text=title, x=0.01, xanchor="left"), template="plotly_white", font=_FONT,
        height=max(320, 130 + 22 * len(terms)),
        margin=dict(l=10, r=10, t=80 if title else 50, b=20),
        xaxis=dict(tickvals=list(range(len(queries))), ticktext=queries, side="top",
                   range=[-0.6, len(queries) - 0.4], showgrid=False),
        yaxis=dict(tickvals=list(range(len(terms))),
                   ticktext=[_short(descriptions[t], 55) for t in terms],
                   autorange="reversed", automargin=True),
        legend=dict(title=dict(text="genes in term"), x=1.02, y=0.35, yanchor="top"))
    return figure


def _short(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"
