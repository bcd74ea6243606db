"""Per-sample QC figures: library size and detected genes bars (outlier cut-offs drawn),
count distributions before/after normalization (boxes sent as quantiles) and the
mean-SD plot (binned). The statistics live in :mod:`rnaclust_dash.pp.qc`.

Click conventions: every point of a trace with ``meta`` ``"qc-sample"`` (bars, flag
marks, boxes) or ``"annotation"`` (strips) has its sample id as ``customdata``, so a
click can toggle the sample's exclusion. Traces with ``meta`` ``"legend"`` are legend
swatches only. No Dash in here.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..errors import DataError
from ..errors import ParameterError
from ..pp.batch_design import _is_numeric
from ..pp.qc import OUTLIER_NMADS
from ..pp.qc import _as_frame
from ..pp.qc import _detected_cutoff
from ..pp.qc import _library_cutoff
from ..pp.qc import box_statistics
from .common import ANNOTATION_PALETTES
from .common import ANNOTATION_SCALE
from .common import NA_COLOR
from .common import _MAX_TICK_LABELS
from .common import _category_order
from .common import _fmt


_BAR_COLOR = "#5B7FA6"


_FLAG_COLOR = "#B2182B"


_BEFORE_COLOR = "#9E9E9E"


_AFTER_COLOR = "#4E79A7"


# Mean-SD plot: individual points up to this many genes, binned counts beyond.
_MAX_GENE_POINTS = 2000


# --------------------------------------------------------------------- per-sample bars
def _annotation_column(name: str, summary: pd.DataFrame,
                       metadata: pd.DataFrame | None) -> pd.Series:
    """A metadata column aligned to the summary's samples (metadata first, then summary)."""
    if metadata is not None and name in metadata.columns:
        return metadata[name].reindex(summary.index)
    if name in summary.columns:
        return summary[name]
    raise ParameterError(f"There is no sample annotation '{name}' to colour by.")


def _sample_axis(n: int) -> dict:
    """Category x axis of samples: labels only while they fit."""
    return dict(type="category", showticklabels=n <= _MAX_TICK_LABELS, tickfont=dict(size=10),
                showgrid=False, ticks="")


def _note(text: str, *, y: float = 1.0, yanchor: str = "bottom") -> dict:
    return dict(text=text, xref="paper", x=0.0, xanchor="left", yref="paper", y=y,
                yanchor=yanchor, showarrow=False, font=dict(size=11, color="#555"))


def _sample_bars(summary: pd.DataFrame, column: str, *, title: str, value_title: str,
                 value_format: str, cutoff: float, color_by, metadata, excluded,
                 outliers) -> go.Figure:
    """Bars of one per-sample metric; flagged samples marked, excluded ones hatched."""
    ids = summary.index.astype(str).to_numpy(dtype=object)
    n = len(ids)
    y = summary[column].to_numpy(dtype=np.float64)
    is_excluded = np.isin(ids, [str(s) for s in excluded])
    reason = {}
    if outliers is not None:
        flagged_rows = outliers[outliers["flagged"].astype(bool)]
        reason = dict(zip(flagged_rows["sample"].astype(str), flagged_rows["reason"]))
    is_flagged = np.isin(ids, list(reason))

    hover = [f"<b>{sid}</b><br>{value_title}: {value_format.format(v)}" for sid, v in zip(ids, y)]
    colors = None
    if color_by is not None:
        colors = _annotation_column(color_by, summary, metadata)
        hover = [f"{h}<br>{color_by}: {_fmt(v)}" for h, v in zip(hover, colors.tolist())]
    hover = [h + ("<br><i>excluded</i>" if e else "") for h, e in zip(hover, is_excluded)]
    hover = [h + (f"<br><b>flagged</b>: {reason[sid]}" if sid in reason else "")
             for h, sid in zip(hover, ids)]
    hover = np.asarray(hover, dtype=object)

    def bars(idx, name, color, *, showlegend=True, **marker):
        return go.Bar(
            x=ids[idx], y=y[idx], name=name, showlegend=showlegend, customdata=ids[idx],
            hovertext=hover[idx], hovertemplate="%{hovertext}<extra></extra>", meta="qc-sample",
            marker=dict(color=color, opacity=np.where(is_excluded[idx], 0.35, 1.0),
                        pattern=dict(shape=np.where(is_excluded[idx], "/", "").astype(object)),
                        # Transparent, not only thin, outlines: legend swatches draw them.
                        line=dict(color=np.where(is_flagged[idx], _FLAG_COLOR,
                                                 "rgba(0,0,0,0)").astype(object),
                                  width=np.where(is_flagged[idx], 2.5, 0.0)),
                        **marker))

    numeric = colors is not None and _is_numeric(colors)
    traces = []
    if numeric:
        traces.append(bars(np.arange(n), color_by, colors.to_numpy(dtype=np.float64),
                           showlegend=False, colorscale=ANNOTATION_SCALE, showscale=True,
                           colorbar=dict(title=dict(text=color_by), thickness=12, len=0.6)))
    else:
        # Included bars by category (one legend entry each), excluded ones in their own
        # trace: a legend swatch shows the style of its trace's first bar.
        bar_color = np.full(n, _BAR_COLOR, dtype=object)
        groups = [("samples", np.flatnonzero(~is_excluded))]
        if colors is not None:
            palette = ANNOTATION_PALETTES[0]
            values = colors.to_numpy(dtype=object)
            missing = colors.isna().to_numpy()
            bar_color[missing] = NA_COLOR
            groups = []
            for k, category in enumerate(_category_order(colors)):
                member = (values == category) & ~missing
                bar_color[member] = palette[k % len(palette)]
                groups.append((str(category), np.flatnonzero(member & ~is_excluded)))
            groups.append(("NA", np.flatnonzero(missing & ~is_excluded)))
        for name, idx in groups:
            if len(idx):
                traces.append(bars(idx, name, bar_color[idx], showlegend=colors is not None))
        if is_excluded.any():
            idx = np.flatnonzero(is_excluded)
            traces.append(bars(idx, "excluded", bar_color[idx]))
    if is_flagged.any():
        idx = np.flatnonzero(is_flagged)
        top = np.nanmax(y) if np.isfinite(y).any() else 1.0
        traces.append(go.Scatter(
            x=ids[idx], y=y[idx] + 0.04 * top, mode="markers", name="flagged",
            marker=dict(symbol="triangle-down", size=11, color=_FLAG_COLOR),
            customdata=ids[idx], hovertext=hover[idx],
            hovertemplate="%{hovertext}<extra></extra>", meta="qc-sample"))

    shapes, annotations = _median_and_cutoff_lines(y, cutoff)
    annotations.append(_bar_marks_note(n, flagged=is_flagged.any(), excluded=is_excluded.any()))
    layout = dict(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        barmode="overlay",  # one bar per sample whatever its trace
        bargap=0.15 if n <= 60 else 0.05,
        hovermode="closest",
        uirevision=f"qc-{column}",
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(t=70, b=40 if n > _MAX_TICK_LABELS else 100, l=70, r=70),
        showlegend=len(traces) > 1 and not numeric,
        legend=dict(title=dict(text=color_by or ""), itemsizing="constant"),
        xaxis=dict(_sample_axis(n), categoryorder="array", categoryarray=ids),
        yaxis=dict(title=dict(text=value_title), rangemode="tozero", showgrid=True,
                   gridcolor="#eee", zeroline=False),
        shapes=shapes,
        annotations=annotations,
    )
    return go.Figure(data=traces, layout=layout)


def _median_and_cutoff_lines(y: np.ndarray, cutoff: float) -> tuple[list, list]:
    """Shapes and labels of the median line and the outlier cut-off line of a bar plot.

    Line labels sit in the right margin, off the bars: the median above its line, the
    cut-off below its own (the two are often close).
    """
    shapes, annotations = [], []
    lines = [(float(np.nanmedian(y)), "median", "#555", "dash", "bottom")] if len(y) else []
    if np.isfinite(cutoff):
        lines.append((cutoff, "outlier<br>cut-off", _FLAG_COLOR, "dot", "top"))
    for value, label, color, dash, anchor in lines:
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=value, y1=value,
                           line=dict(color=color, width=1.2, dash=dash)))
        annotations.append(dict(text=label, xref="paper", x=1.0, xanchor="left", xshift=4,
                                yref="y", y=value, yanchor=anchor, showarrow=False,
                                align="left", font=dict(size=10, color=color)))
    return shapes, annotations


def _bar_marks_note(n: int, *, flagged: bool, excluded: bool) -> dict:
    """The note under a bar plot saying what the marks mean."""
    marks = ["red outline and triangle: flagged outlier (hover for why)"] if flagged else []
    if excluded:
        marks.append("hatched: excluded")
    marks.append("click a bar to exclude or include the sample")
    if n > _MAX_TICK_LABELS:
        marks.append(f"{n} samples: hover for ids")
    return _note(" · ".join(marks))


def library_size_figure(summary: pd.DataFrame, *, color_by: str | None = None,
                        metadata: pd.DataFrame | None = None, excluded: Collection = (),
                        outliers: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of the library size (total counts) of each sample.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`qc_summary` output.
    color_by : str, optional
        Sample annotation colouring the bars (a column of ``metadata``, or of
        ``summary`` when it holds the annotations); categories get a legend, numbers a
        colour bar.
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id.
    excluded : collection of str
        Samples the user has excluded: drawn faded and hatched.
    outliers : pandas.DataFrame, optional
        :func:`flag_outliers` output: flagged samples get a red outline, a red mark
        and their reason in the hover.

    Returns
    -------
    plotly.graph_objects.Figure
        Bars (``meta="qc-sample"``, ``customdata`` = sample id) in the order of
        ``summary``, dashed median line and dotted outlier cut-off (the library rule
        of :func:`flag_outliers`).
    """
    library = summary["library_size"].to_numpy(dtype=np.float64)
    cutoff = _library_cutoff(library, nmads=OUTLIER_NMADS)
    return _sample_bars(summary, "library_size", title="Library size (total counts)",
                        value_title="reads", value_format="{:,.0f}", cutoff=cutoff,
                        color_by=color_by, metadata=metadata, excluded=excluded,
                        outliers=outliers)


def detected_genes_figure(summary: pd.DataFrame, *, color_by: str | None = None,
                          metadata: pd.DataFrame | None = None, excluded: Collection = (),
                          outliers: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of the number of detected genes (count > 0) of each sample.

    Parameters and result as :func:`library_size_figure`; the dotted cut-off is the
    detected-genes rule of :func:`flag_outliers`.
    """
    detected = summary["detected_genes"].to_numpy(dtype=np.float64)
    cutoff = _detected_cutoff(detected, nmads=OUTLIER_NMADS)
    return _sample_bars(summary, "detected_genes", title="Detected genes (count > 0)",
                        value_title="genes detected", value_format="{:,.0f}", cutoff=cutoff,
                        color_by=color_by, metadata=metadata, excluded=excluded,
                        outliers=outliers)


def count_distribution_figure(before_log, after_log, *, sample_ids,
                              titles: tuple[str, str] = ("Before normalization",
                                                         "After normalization")) -> go.Figure:
    """Per-sample box plots of log values before and after normalization, side by side.

    Parameters
    ----------
    before_log, after_log : array-like, shape (n_genes, n_samples)
        Log values before (e.g. ``log2(count + 1)``) and after normalization; the gene
        sets may differ (e.g. filtered after). NaN values are ignored.
    sample_ids : sequence of str
        Ids of the columns (the same in both).
    titles : tuple of str
        Titles of the two panels.

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels, one ``go.Box`` trace each (``meta="qc-sample"``, ``customdata`` and
        ``x`` = sample ids), drawn from precomputed quartiles and Tukey fences (see
        :func:`box_statistics`), so the figure holds 5 numbers per sample whatever the
        number of genes; values beyond the fences are not drawn (the note says so).
    """
    ids = np.asarray(sample_ids, dtype=object).astype(str).astype(object)
    tables = [np.asarray(before_log, dtype=np.float64), np.asarray(after_log, dtype=np.float64)]
    for table, name in zip(tables, ("before", "after")):
        if table.ndim != 2 or table.shape[1] != len(ids):
            raise DataError(f"The {name} table has shape {table.shape}, expected "
                            f"{len(ids)} samples as columns.")
    n = len(ids)
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.08)
    genes = []
    for col, (table, color, name) in enumerate(zip(tables, (_BEFORE_COLOR, _AFTER_COLOR),
                                                   ("before", "after")), start=1):
        stats = box_statistics(table)
        genes.append(table.shape[0])
        fig.add_trace(go.Box(
            x=ids, q1=stats["q1"], median=stats["median"], q3=stats["q3"],
            lowerfence=stats["lowerfence"], upperfence=stats["upperfence"], name=name,
            customdata=ids, marker=dict(color=color), line=dict(width=1.2),
            fillcolor=color, opacity=0.85, boxpoints=False, showlegend=False,
            meta="qc-sample"), row=1, col=col)
    fig.update_xaxes(**_sample_axis(n), tickangle=-90)
    fig.update_yaxes(showgrid=True, gridcolor="#eee", zeroline=False)
    fig.update_yaxes(title_text="log value", row=1, col=1)
    gene_text = (f"{genes[0]:,} genes" if genes[0] == genes[1]
                 else f"{genes[0]:,} genes before, {genes[1]:,} after")
    # Above the panel titles (which sit about 20 px over the plots), never on them.
    fig.add_annotation(**_note(
        f"Boxes: quartiles and median of {gene_text}; whiskers: furthest values within "
        "1.5 IQR; values beyond are not drawn"), yshift=30)
    fig.update_layout(plot_bgcolor="white", paper_bgcolor="white", hovermode="closest",
                      uirevision="qc-distribution",
                      margin=dict(t=80, b=40 if n > _MAX_TICK_LABELS else 110, l=60, r=20))
    return fig


# ------------------------------------------------------------------------ mean - SD
def mean_variance_figure(normalized_log, *, bins: tuple[int, int] = (80, 60),
                         trend_bins: int = 40) -> go.Figure:
    """Per-gene mean against standard deviation across samples, with a running median.

    A flat trend means the transform stabilised the variance (as ``vsn::meanSdPlot``).

    Parameters
    ----------
    normalized_log : pandas.DataFrame or array-like
        Genes x samples normalized log values (genes with NaN are left out).
    bins : tuple of int
        Number of mean x SD cells of the 2-D histogram drawn beyond 2,000 genes.
    trend_bins : int
        Number of bins of equal gene count (by mean) of the running median.

    Returns
    -------
    plotly.graph_objects.Figure
        Up to 2,000 genes: one point per gene. Beyond: a heatmap of the number of genes
        per cell (log colour scale), which the figure says. The red line joins the
        median SD of each bin of genes, at the bin's median mean.
    """
    frame = _as_frame(normalized_log, "normalized table")
    genes = frame.index.astype(str).to_numpy(dtype=object)
    values = frame.to_numpy(dtype=np.float64)
    finite = np.isfinite(values).all(axis=1)
    values, genes = values[finite], genes[finite]
    if values.shape[1] < 2 or values.shape[0] == 0:
        raise DataError("The mean-SD plot needs at least 2 samples and 1 gene without "
                        "missing values.")
    mean = values.mean(axis=1)
    sd = values.std(axis=1, ddof=1)
    n = len(mean)

    traces = []
    if n <= _MAX_GENE_POINTS:
        traces.append(go.Scatter(
            x=mean.astype(np.float32), y=sd.astype(np.float32), mode="markers",
            marker=dict(size=4, color=_AFTER_COLOR, opacity=0.5), hovertext=genes,
            hovertemplate="%{hovertext}<br>mean %{x:.2f}, SD %{y:.2f}<extra></extra>",
            showlegend=False, meta="genes"))
        note = f"{n:,} genes"
    else:
        counts, x_edges, y_edges = np.histogram2d(mean, sd, bins=bins)
        with np.errstate(divide="ignore"):
            z = np.where(counts > 0, np.log10(counts), np.nan).T.astype(np.float32)
        top = int(np.ceil(np.nanmax(z))) if np.isfinite(z).any() else 1
        ticks = np.arange(top + 1)
        traces.append(go.Heatmap(
            z=z, x=((x_edges[:-1] + x_edges[1:]) / 2).astype(np.float32),
            y=((y_edges[:-1] + y_edges[1:]) / 2).astype(np.float32),
            customdata=counts.T.astype(np.int32), colorscale="Blues", zmin=0, zmax=max(top, 1),
            hovertemplate="mean %{x:.2f}, SD %{y:.2f}<br>%{customdata:,} genes<extra></extra>",
            colorbar=dict(title=dict(text="genes"), tickvals=ticks,
                          ticktext=[f"{10 ** t:,}" for t in ticks], thickness=12, len=0.6),
            meta="gene-density"))
        note = (f"{n:,} genes binned in {bins[0]} x {bins[1]} cells "
                "(colour: number of genes, log scale)")
    order = np.argsort(mean, kind="stable")
    chunks = np.array_split(order, max(1, min(trend_bins, n // 10)))
    trend_x = np.array([np.median(mean[c]) for c in chunks if len(c)])
    trend_y = np.array([np.median(sd[c]) for c in chunks if len(c)])
    traces.append(go.Scatter(
        x=trend_x.astype(np.float32), y=trend_y.astype(np.float32), mode="lines",
        line=dict(color=_FLAG_COLOR, width=2), name="running median",
        hovertemplate="running median<br>mean %{x:.2f}, SD %{y:.2f}<extra></extra>",
        showlegend=False, meta="trend"))
    note += f"; red line: median SD in {len(trend_x)} bins of equal gene count"
    layout = dict(
        title=dict(text="Mean and standard deviation of each gene", x=0.01, xanchor="left",
                   font=dict(size=15)),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        uirevision="qc-mean-sd",
        margin=dict(t=70, b=50, l=60, r=20),
        xaxis=dict(title=dict(text="mean across samples"), showgrid=True, gridcolor="#eee",
                   zeroline=False),
        yaxis=dict(title=dict(text="standard deviation across samples"), showgrid=True,
                   gridcolor="#eee", zeroline=False, rangemode="tozero"),
        annotations=[_note(note)],
    )
    return go.Figure(data=traces, layout=layout)
