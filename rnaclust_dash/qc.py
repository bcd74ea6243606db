"""Sample quality control before clustering, and the batch-correction check.

- :func:`qc_summary`: per-sample library size, detected genes, share of the top 100
  genes and median log2 CPM.
- :func:`flag_outliers`: the usual MAD rules (scater's ``isOutlier``) on library size,
  detected genes and correlation with the other samples, with reasons in words.
- Figures: :func:`library_size_figure`, :func:`detected_genes_figure`,
  :func:`count_distribution_figure`, :func:`sample_correlation_figure`,
  :func:`mean_variance_figure`, :func:`pca_figure`.
- :func:`batch_before_after`: PCA before and after batch correction, with mixing scores.

No Dash in here. Figures follow :mod:`rnaclust_dash.figures` (its colours and helpers)
and stay small whatever the table size: boxes are sent as their quantiles, the
mean-SD plot as binned counts, and each figure says when it summarises.

Click conventions: every point of a trace with ``meta`` ``"qc-sample"`` (bars, flag
marks, boxes), ``"embedding"`` (PCA points) or ``"annotation"`` (strips) has its sample id
as ``customdata``, so a click can toggle the sample's exclusion. Cells of the
correlation heatmap (``meta`` ``"correlation"``) give the two sample ids as ``x`` and
``y``. Traces with ``meta`` ``"legend"`` are legend swatches only.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.decomposition import PCA

from .pp.batch_design import batch_confounding
from .pp.batch_mixing import batch_mixing_scores
from .tl.embed import pca_embedding
from .errors import DataError, ParameterError
from .figures import (
    _MAX_TICK_LABELS,
    ANNOTATION_PALETTES,
    ANNOTATION_SCALE,
    NA_COLOR,
    _annotation_strip,
    _category_order,
    _fmt,
    _is_numeric,
    _legend_swatch,
    embedding_figure,
)
from .pp.size_factors import edger_log_cpm
from .pp.features import top_variable_genes
from .tl.validate import silhouette_values

#: A sample is flagged when a metric is more than this many MADs below the median
#: (scater's ``isOutlier`` default).
OUTLIER_NMADS = 3.0
#: A library smaller than this fraction of the median library is flagged in any case.
MIN_LIBRARY_FRACTION = 0.1
#: Minimum differences from the median (scater's ``min.diff``) for the MAD rules: a
#: library at least this many times smaller than the median, ...
MAD_LIBRARY_FOLD = 2.0
#: ... at least this fraction fewer detected genes than the median, ...
MIN_DETECTED_DROP = 0.1
#: ... and a dissimilarity to the other samples (1 - median r) at least this many times
#: the typical one.
MIN_DISSIMILARITY_RATIO = 1.5
#: Number of most variable genes the sample PCA uses (as DESeq2's ``plotPCA``).
PCA_TOP_GENES = 500
#: The MAD rules need at least this many samples to say what is typical.
MIN_SAMPLES_FOR_MAD = 3

# R's mad() constant: the MAD of normal data then estimates its standard deviation.
_MAD_SCALE = 1.4826
_TOP_GENES = 100
_BAR_COLOR = "#5B7FA6"
_FLAG_COLOR = "#B2182B"
_BEFORE_COLOR = "#9E9E9E"
_AFTER_COLOR = "#4E79A7"
_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star",
            "triangle-down", "pentagon", "hexagon")
# The correlation heatmap shows at most this many samples (every k-th beyond).
_MAX_HEATMAP_SAMPLES = 300
# Mean-SD plot: individual points up to this many genes, binned counts beyond.
_MAX_GENE_POINTS = 2000


# ------------------------------------------------------------------------------ inputs
def _as_frame(values, what: str) -> pd.DataFrame:
    """A genes x samples DataFrame (arrays get sample ids S1, S2, ...)."""
    if isinstance(values, pd.DataFrame):
        frame = values
    else:
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2:
            raise DataError(f"The {what} must be a genes x samples table; got an array of "
                            f"shape {array.shape}.")
        frame = pd.DataFrame(array, columns=[f"S{j + 1}" for j in range(array.shape[1])])
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"The {what} is empty ({frame.shape[0]} genes x {frame.shape[1]} "
                        "samples).")
    return frame


def _finite_rows(values: np.ndarray) -> np.ndarray:
    """Rows without NaN (e.g. genes without a length after TPM)."""
    return values[np.isfinite(values).all(axis=1)]


def _per_sample(values, ids: pd.Index, what: str) -> pd.Series:
    """One value per sample, aligned by index when it holds the ids, else by position."""
    if isinstance(values, pd.Series) and pd.Index(ids).isin(values.index).all():
        series = values.reindex(ids)
    else:
        array = np.asarray(values, dtype=object)
        if array.ndim != 1 or len(array) != len(ids):
            raise ParameterError(f"The {what} labels must give one value per sample: "
                                 f"{len(ids)} samples, {np.size(array)} labels.")
        name = values.name if isinstance(values, pd.Series) else None
        series = pd.Series(array, index=ids, name=name)
    if series.isna().any():
        raise ParameterError(f"{int(series.isna().sum())} sample(s) have no {what} label. "
                             "Fill them in in the sample sheet.")
    return series


# ------------------------------------------------------------------------------ metrics
def qc_summary(counts, *, metadata: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-sample QC metrics of a raw count table.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genes x samples raw counts (non-negative).
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id; their columns are appended (except
        those named like a metric).

    Returns
    -------
    pandas.DataFrame
        One row per sample (index ``"sample"``, in the order of the columns):
        ``library_size`` (total counts), ``detected_genes`` (genes with a count > 0),
        ``percent_top_100`` (percent of the sample's counts in its 100 most-counted
        genes, scater's ``percent.top_100``) and ``median_log2_cpm`` (median over the
        genes counted in any sample of edgeR's log2 CPM, prior count 2).

    Raises
    ------
    DataError
        Missing, infinite or negative values (not raw counts).
    """
    frame = _as_frame(counts, "count table")
    raw = frame.to_numpy(dtype=np.float64)
    if not np.isfinite(raw).all() or (raw < 0).any():
        raise DataError("QC metrics need raw counts, but the table has negative, missing or "
                        "infinite values. Upload raw counts to see library sizes.")
    n_genes = raw.shape[0]
    library = raw.sum(axis=0)
    top = min(_TOP_GENES, n_genes)
    # Partition, not sort: only the 100 largest counts of each sample matter.
    top_sums = np.partition(raw, n_genes - top, axis=0)[n_genes - top:].sum(axis=0)
    expressed = (raw > 0).any(axis=1)  # all-zero genes would pull every median to the floor
    with np.errstate(invalid="ignore", divide="ignore"):
        percent_top = 100 * top_sums / library
        median_log_cpm = (np.median(edger_log_cpm(raw[expressed]), axis=0)
                          if expressed.any() else np.full(raw.shape[1], np.nan))
    summary = pd.DataFrame(
        {"library_size": library, "detected_genes": (raw > 0).sum(axis=0),
         "percent_top_100": percent_top, "median_log2_cpm": median_log_cpm},
        index=pd.Index(frame.columns, name="sample"))
    if metadata is not None:
        extra = metadata.reindex(summary.index)
        summary = summary.join(extra[[c for c in extra.columns if c not in summary.columns]])
    return summary


def _mad_cutoff(values: np.ndarray, *, nmads: float, log: bool) -> float:
    """scater ``isOutlier(x, nmads, type="lower", log=log)`` cut-off.

    ``median - nmads * MAD`` (MAD scaled by 1.4826, as R's ``mad``) of the finite values,
    on the log scale when ``log``, given back on the original scale. NaN with fewer
    than :data:`MIN_SAMPLES_FOR_MAD` values.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < MIN_SAMPLES_FOR_MAD:
        return float("nan")
    with np.errstate(divide="ignore"):
        x = np.log(values) if log else values
    x = x[np.isfinite(x)]  # an empty library (log 0) must not set the median
    center = np.median(x)
    cutoff = center - nmads * _MAD_SCALE * np.median(np.abs(x - center))
    return float(np.exp(cutoff) if log else cutoff)


def _library_cutoff(library: np.ndarray, *, nmads: float) -> float:
    """Library sizes below this are flagged: 1/10 of the median, or beyond nmads MADs
    (log scale) when that is also at least 2x below the median."""
    median = float(np.median(library))
    mad_cut = _mad_cutoff(library, nmads=nmads, log=True)
    floor = MIN_LIBRARY_FRACTION * median
    if np.isnan(mad_cut):
        return floor
    return max(floor, min(mad_cut, median / MAD_LIBRARY_FOLD))


def _detected_cutoff(detected: np.ndarray, *, nmads: float) -> float:
    """Numbers of detected genes below this are flagged: beyond nmads MADs (log scale)
    and at least 10% under the median (NaN: too few samples)."""
    mad_cut = _mad_cutoff(detected, nmads=nmads, log=True)
    return min(mad_cut, (1 - MIN_DETECTED_DROP) * float(np.median(detected)))


def _correlation_cutoff(typical: np.ndarray, *, nmads: float) -> float:
    """Median correlations below this are flagged: beyond nmads MADs and 1 - r at least
    1.5x the typical 1 - r (NaN: too few samples)."""
    mad_cut = _mad_cutoff(typical, nmads=nmads, log=False)
    return min(mad_cut, 1 - MIN_DISSIMILARITY_RATIO * (1 - float(np.nanmedian(typical))))


def _correlations(values: np.ndarray) -> np.ndarray:
    """Sample x sample Pearson correlation over the genes that vary (NaN for a constant sample)."""
    values = _finite_rows(np.asarray(values, dtype=np.float64))
    # Genes equal in every sample add nothing but push every correlation towards 1.
    values = values[np.ptp(values, axis=1) > 0]
    n = values.shape[1]
    if values.shape[0] < 2:
        return np.full((n, n), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(values, rowvar=False).reshape(n, n)


def _median_correlations(r: np.ndarray) -> np.ndarray:
    """Each sample's median correlation with the other samples."""
    r = r.copy()
    np.fill_diagonal(r, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: constant samples
        return np.nanmedian(r, axis=1)


def _reads(n: float) -> str:
    return f"{n / 1e6:.1f} M" if n >= 1e5 else f"{n:,.0f}"


def _times(fold: float) -> str:
    return f"{fold:.0f}x" if fold >= 10 else f"{fold:.1f}x"


def flag_outliers(counts, normalized_log, *, metadata: pd.DataFrame | None = None,
                  nmads: float = OUTLIER_NMADS) -> pd.DataFrame:
    """Flag samples that look failed, with the reason in words.

    The rules are scater's ``isOutlier`` MAD rules (as in ``perCellQCFilters``: lower
    side only, MAD scaled by 1.4826 as R's ``mad``, median and MAD over all samples),
    each with a minimum difference from the median (scater's ``min.diff``). Bulk
    studies have few samples, so the MAD can be tiny: without these floors a library
    1.8x below the median, or 2% fewer detected genes, would be flagged. A sample is
    flagged when any of these holds:

    - library size below 1/10 of the median; or more than ``nmads`` MADs below the
      median of the log library sizes and at least 2x below the median;
    - detected genes (count > 0) more than ``nmads`` MADs below the median of their
      logs (log scale, as scater does for ``detected``) and at least 10% fewer than the
      median;
    - median Pearson correlation with the other samples (of ``normalized_log``, over
      the genes that vary) more than ``nmads`` MADs below the median of all samples'
      median correlations, and ``1 - r`` at least 1.5x the typical ``1 - r``: a
      profile unlike the others (swapped or mislabelled sample, another tissue,
      degraded RNA). A sample whose values are all equal is flagged too.

    The MAD rules need at least 3 samples; with fewer only the 1/10 rule applies.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genes x samples raw counts.
    normalized_log : pandas.DataFrame
        The normalized log values of the same samples (e.g. ``normalize(...).values``),
        columns named like those of ``counts``.
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id, appended as columns (to show with the
        flags).
    nmads : float
        Number of MADs below the median that makes an outlier (3, as scater).

    Returns
    -------
    pandas.DataFrame
        One row per sample, in the order of ``counts`` and indexed by sample id:
        ``sample`` (the id again), ``flagged`` (bool), ``reason`` (why, in words; several
        reasons joined by "; "; empty when not flagged), then the metadata columns.
    """
    summary = qc_summary(counts)
    ids = summary.index
    values = _as_frame(normalized_log, "normalized table")
    if set(values.columns) != set(ids):
        raise DataError("The normalized table and the count table must have the same "
                        "samples.")
    library = summary["library_size"].to_numpy(dtype=np.float64)
    detected = summary["detected_genes"].to_numpy(dtype=np.float64)
    reasons: list[list[str]] = [[] for _ in ids]

    median_library = float(np.median(library))
    library_cut = _library_cutoff(library, nmads=nmads)
    for i in np.flatnonzero(library < library_cut):
        if library[i] == 0:
            reasons[i].append(f"empty library (0 reads; median {_reads(median_library)})")
            continue
        text = (f"library size {_reads(library[i])} reads is "
                f"{_times(median_library / library[i])} below the median "
                f"({_reads(median_library)})")
        if library[i] >= MIN_LIBRARY_FRACTION * median_library:
            text += (f", under the cut-off of {_reads(library_cut)} ({nmads:g} median "
                     "absolute deviations below the median, log scale)")
        reasons[i].append(text)

    detected_cut = _detected_cutoff(detected, nmads=nmads)
    for i in np.flatnonzero(detected < detected_cut):
        reasons[i].append(f"{detected[i]:,.0f} genes detected, under the cut-off of "
                          f"{detected_cut:,.0f} (median {np.median(detected):,.0f}; {nmads:g} "
                          "median absolute deviations below the median, log scale)")

    if len(ids) >= MIN_SAMPLES_FOR_MAD:
        typical = _median_correlations(_correlations(values[ids].to_numpy(dtype=np.float64)))
        r_cut = _correlation_cutoff(typical, nmads=nmads)
        for i in np.flatnonzero(typical < r_cut):
            reasons[i].append(
                f"expression profile unlike the other samples: median correlation with "
                f"them r = {typical[i]:.3f}, against {np.nanmedian(typical):.3f} for a "
                f"typical sample (cut-off {r_cut:.3f})")
        for i in np.flatnonzero(np.isnan(typical)):
            reasons[i].append("the normalized values are the same for every gene, so the "
                              "sample cannot be compared with the others")

    # Indexed by sample id too (unnamed, so "sample" is never ambiguous).
    index = pd.Index(ids.to_numpy(dtype=object))
    result = pd.DataFrame({"sample": index, "flagged": [bool(r) for r in reasons],
                           "reason": ["; ".join(r) for r in reasons]}, index=index)
    if metadata is not None:
        extra = metadata.reindex(index)
        result = result.join(extra[[c for c in extra.columns if c not in result.columns]])
    return result


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

    shapes, annotations = [], []
    # Line labels in the right margin, off the bars: the median above its line, the
    # cut-off below its own (the two are often close).
    lines = [(float(np.nanmedian(y)), "median", "#555", "dash", "bottom")] if n else []
    if np.isfinite(cutoff):
        lines.append((cutoff, "outlier<br>cut-off", _FLAG_COLOR, "dot", "top"))
    for value, label, color, dash, anchor in lines:
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=value, y1=value,
                           line=dict(color=color, width=1.2, dash=dash)))
        annotations.append(dict(text=label, xref="paper", x=1.0, xanchor="left", xshift=4,
                                yref="y", y=value, yanchor=anchor, showarrow=False,
                                align="left", font=dict(size=10, color=color)))
    marks = ["red outline and triangle: flagged outlier (hover for why)"] if is_flagged.any() \
        else []
    if is_excluded.any():
        marks.append("hatched: excluded")
    marks.append("click a bar to exclude or include the sample")
    if n > _MAX_TICK_LABELS:
        marks.append(f"{n} samples: hover for ids")
    annotations.append(_note(" · ".join(marks)))
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


# ------------------------------------------------------------------- distributions
def box_statistics(values) -> dict[str, np.ndarray]:
    """Tukey box-plot statistics of each column (sample), NaN ignored.

    Parameters
    ----------
    values : array-like, shape (n_genes, n_samples)

    Returns
    -------
    dict of str to numpy.ndarray
        ``q1``, ``median``, ``q3`` (numpy's default linear quantiles), ``lowerfence`` and
        ``upperfence`` (the most extreme values within 1.5 IQR of the box), ``n_outside``
        (values beyond the fences), ``n`` (values used).
    """
    v = np.asarray(values, dtype=np.float64)
    has_nan = np.isnan(v).any()
    quantile = np.nanquantile if has_nan else np.quantile
    q1, median, q3 = quantile(v, [0.25, 0.5, 0.75], axis=0)
    iqr = q3 - q1
    low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    with np.errstate(invalid="ignore"):
        inside = (v >= low) & (v <= high)  # NaN is never inside
    return {"q1": q1, "median": median, "q3": q3,
            "lowerfence": np.where(inside, v, np.inf).min(axis=0),
            "upperfence": np.where(inside, v, -np.inf).max(axis=0),
            "n_outside": (~inside & ~np.isnan(v)).sum(axis=0),
            "n": (~np.isnan(v)).sum(axis=0)}


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


# ------------------------------------------------------------------------ correlation
def sample_correlation_figure(normalized_log, *, metadata: pd.DataFrame | None = None,
                              max_annotations: int = 6) -> go.Figure:
    """Heatmap of the Pearson correlation between samples, similar samples together.

    Parameters
    ----------
    normalized_log : pandas.DataFrame
        Genes x samples normalized log values (genes equal in every sample are left
        out: they push every correlation towards 1).
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id; the first ``max_annotations`` columns
        are drawn as strips above the heatmap.
    max_annotations : int
        Most annotation strips drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        Heatmap (``meta="correlation"``) on category axes of sample ids, ordered by
        average-linkage clustering of ``1 - r``; colours span the correlations between
        two different samples (the diagonal, r = 1, is at the top colour). Beyond 300
        samples every k-th sample in that order is shown (noted on the figure).
    """
    values = _as_frame(normalized_log, "normalized table")
    ids = values.columns.astype(str).to_numpy(dtype=object)
    n = len(ids)
    r = _correlations(values.to_numpy(dtype=np.float64))
    if n > 2:
        distance = np.clip(1 - np.nan_to_num(r, nan=0.0), 0, None)  # constant sample: r = 0
        np.fill_diagonal(distance, 0)
        order = leaves_list(linkage(squareform(distance, checks=False), "average"))
    else:
        order = np.arange(n)
    note = None
    if n > _MAX_HEATMAP_SAMPLES:
        keep = np.unique(np.linspace(0, n - 1, _MAX_HEATMAP_SAMPLES).round().astype(np.int64))
        order = order[keep]
        note = (f"{len(order)} of {n} samples shown (every {n / len(order):.1f}th in "
                "clustering order)")
    shown_ids = ids[order]
    z = r[np.ix_(order, order)].astype(np.float32)
    off_diagonal = z[~np.eye(len(order), dtype=bool)]
    off_diagonal = off_diagonal[np.isfinite(off_diagonal)]
    # Scale over the pairs only: the diagonal (r = 1) would take the top of the scale.
    zmin, zmax = ((float(off_diagonal.min()), float(off_diagonal.max())) if off_diagonal.size
                  else (0.0, 1.0))
    zmin = min(zmin, zmax - 0.01)

    traces = [go.Heatmap(
        z=z, x=shown_ids, y=shown_ids, colorscale="Viridis", zmin=zmin, zmax=zmax,
        hovertemplate="%{y} vs %{x}<br>Pearson r = %{z:.3f}<extra></extra>",
        colorbar=dict(title=dict(text="r", side="top"), thickness=12, lenmode="pixels",
                      len=160, y=1.0, yanchor="top", x=1.0, xanchor="left", xpad=10),
        meta="correlation")]
    annot = None
    if metadata is not None and metadata.shape[1] > 0:
        annot = metadata.iloc[:, :max_annotations].reindex(pd.Index(shown_ids))
    n_strips = 0 if annot is None else annot.shape[1]
    legend, strip_labels = [], []
    for k, name in enumerate([] if annot is None else annot.columns):
        row = n_strips - 1 - k  # first column on top
        strip, swatches, label = _annotation_strip(annot[name], str(name), row, k, shown_ids)
        strip.update(x=shown_ids, xaxis="x", yaxis="y2")  # category axis, strip band
        traces.append(strip)
        legend += swatches
        strip_labels.append((row, label))
    traces += legend

    strip_px = 16 * n_strips
    # Tall enough for the legend below the colour bar (about 20 px an entry).
    legend_px = 20 * len(legend) + 24 * n_strips
    heat_px = max(int(np.clip(12 * len(order), 360, 640)), 190 + legend_px - strip_px)
    plot_h = heat_px + (strip_px + 6 if n_strips else 0)
    show_labels = len(order) <= _MAX_TICK_LABELS
    longest = max([len(s) for s in shown_ids] + [0]) if show_labels else 0
    longest_strip = max([len(t) for _, t in strip_labels] + [0])
    margin_b = 20 + 7 * min(longest, 30)
    margin_t = 40 + (18 if note else 0)
    layout = dict(
        title=dict(text="Sample-sample correlation", x=0.01, xanchor="left",
                   font=dict(size=15)),
        height=plot_h + margin_t + margin_b,
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        uirevision="qc-correlation",
        margin=dict(t=margin_t, b=margin_b, l=20 + 7 * max(min(longest, 30), longest_strip),
                    r=170),
        xaxis=dict(type="category", showticklabels=show_labels, tickangle=-90,
                   tickfont=dict(size=10), showgrid=False, ticks=""),
        yaxis=dict(type="category", autorange="reversed", showticklabels=show_labels,
                   tickfont=dict(size=10), showgrid=False, ticks="",
                   domain=[0, heat_px / plot_h]),
        showlegend=bool(legend),
        legend=dict(x=1.0, xanchor="left", y=1 - 190 / plot_h, yanchor="top",
                    font=dict(size=10), itemclick=False, itemdoubleclick=False),
        annotations=[],
    )
    if n_strips:
        layout["yaxis2"] = dict(domain=[1 - strip_px / plot_h, 1.0], range=[-0.5, n_strips - 0.5],
                                fixedrange=True, showticklabels=False, showgrid=False,
                                zeroline=False, anchor="x")
        for row, text in strip_labels:
            layout["annotations"].append(dict(
                text=text, xref="paper", x=0, xanchor="right", xshift=-4, yref="y2", y=row,
                showarrow=False, font=dict(size=10)))
    if note:
        layout["annotations"].append(dict(_note(note), yshift=4))
    return go.Figure(data=traces, layout=layout)


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


# -------------------------------------------------------------------------------- PCA
def pca_figure(normalized_log, *, metadata: pd.DataFrame | None = None,
               color_by: str | None = None, title: str | None = None,
               n_top: int = PCA_TOP_GENES) -> go.Figure:
    """PCA of the samples on their most variable genes (as DESeq2's ``plotPCA``).

    Parameters
    ----------
    normalized_log : pandas.DataFrame
        Genes x samples normalized log values.
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id (shown in the hover).
    color_by : str, optional
        Column of ``metadata`` colouring the points; ``"cluster"`` uses the cluster
        colours.
    title : str, optional
        Figure title; default says how many genes were used.
    n_top : int
        Number of most variable genes (500, as ``plotPCA``).

    Returns
    -------
    plotly.graph_objects.Figure
        :func:`rnaclust_dash.figures.embedding_figure` of PC1 and PC2 (variance
        explained in the axis titles; ``customdata`` = sample id).
    """
    frame = _as_frame(normalized_log, "normalized table")
    frame = frame[np.isfinite(frame.to_numpy(dtype=np.float64)).all(axis=1)]
    ids = frame.columns.astype(str)
    if len(ids) < 2:
        raise DataError("A PCA of samples needs at least 2 samples.")
    top = top_variable_genes(frame, n_top)
    embedding = pca_embedding(top.to_numpy(dtype=np.float64).T)
    hover = None if metadata is None else metadata.reindex(ids)
    if color_by is None:
        colors = pd.Series("sample", index=ids, name="samples")
    elif metadata is not None and color_by in metadata.columns:
        colors = metadata[color_by].reindex(ids)
    else:
        raise ParameterError(f"There is no sample annotation '{color_by}' to colour by.")
    if title is None:
        genes = (f"the {len(top):,} most variable genes" if len(top) < len(frame)
                 else f"all {len(top):,} genes")
        title = f"PCA of {len(ids)} samples<br><sub>on {genes}</sub>"
    fig = go.Figure(embedding_figure(embedding.coords, ids=ids.to_numpy(dtype=object),
                                     color_values=colors, color_title=color_by or "",
                                     axis_titles=embedding.axis_titles, hover=hover,
                                     title=title))
    # Room for the two-line title below the mode bar.
    fig.update_layout(margin_t=70, title_y=0.97, title_yanchor="top")
    if color_by is None:
        fig.update_layout(showlegend=False)
    return fig


# ------------------------------------------------------------------------------ batch
def _principal_components(frame: pd.DataFrame, *, n_top: int,
                          n_pcs: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample coordinates on the first PCs of the most variable genes, and % variance."""
    frame = frame[np.isfinite(frame.to_numpy(dtype=np.float64)).all(axis=1)]
    top = top_variable_genes(frame, n_top).to_numpy(dtype=np.float64).T
    # n samples span at most n - 1 directions once centred.
    k = max(1, min(n_pcs, top.shape[0] - 1, top.shape[1]))
    model = PCA(n_components=k, random_state=0)
    coords = model.fit_transform(top)
    ratios = np.nan_to_num(model.explained_variance_ratio_)
    if coords.shape[1] < 2:  # a single gene
        coords = np.column_stack([coords, np.zeros(len(coords))])
        ratios = np.append(ratios, 0.0)
    return coords, 100 * ratios


def batch_before_after(before_log, after_log, *, batch, biology=None,
                       n_top: int = PCA_TOP_GENES, n_pcs: int = 10) -> dict:
    """PCA of the samples before and after batch correction, and how well batches mix.

    Parameters
    ----------
    before_log, after_log : pandas.DataFrame or array-like
        Genes x samples log values before and after correction (e.g. the output of
        :func:`rnaclust_dash.pp.batch_log_scale.combat`), the same samples in the same order.
    batch : array-like or pandas.Series
        Batch of each sample (a Series indexed by sample id is aligned; its name titles
        the legend).
    biology : array-like or pandas.Series, optional
        Biological group of each sample: marker symbols, the biology silhouette and the
        confounding check.
    n_top : int
        PCA on this many most variable genes of each table (500, as ``plotPCA``).
    n_pcs : int
        Mixing scores are computed on this many first PCs (fewer if there are fewer
        samples).

    Returns
    -------
    dict
        ``figure``: two PCA panels (before, after), colour = batch, symbol = biology,
        ``customdata`` = sample id.
        ``scores``: DataFrame indexed ``before``/``after`` with ``silhouette_batch``
        (mean silhouette of the batch labels; lower = better mixed), ``lisi_batch``
        (mean LISI, perplexity 30 or (n - 1) / 3 when smaller; 1 = unmixed, up to the
        number of batches = fully mixed) and, with
        ``biology``, ``silhouette_biology`` (should stay high: a drop means the
        correction removed biology too); from
        :func:`rnaclust_dash.pp.batch_mixing.batch_mixing_scores` on the first PCs.
        ``confounding``: :func:`rnaclust_dash.pp.batch_design.batch_confounding` result, or None
        without ``biology``.
        ``message``: the scores in a sentence or two.
    """
    before = _as_frame(before_log, "table before correction")
    after = _as_frame(after_log, "table after correction")
    if before.shape[1] != after.shape[1]:
        raise DataError(f"The tables before and after correction have {before.shape[1]} and "
                        f"{after.shape[1]} samples; they must hold the same samples.")
    ids = before.columns.astype(str)
    batch_series = _per_sample(batch, before.columns, "batch")
    batch_name = batch_series.name if batch_series.name is not None else "batch"
    batch_labels = batch_series.astype(str).to_numpy(dtype=object)
    bio_labels, bio_name = None, "biology"
    if biology is not None:
        bio_series = _per_sample(biology, before.columns, "biology")
        bio_name = bio_series.name if bio_series.name is not None else "biology"
        bio_labels = bio_series.astype(str).to_numpy(dtype=object)

    # harmony's perplexity of 30 needs 90 neighbours; with fewer samples every weight
    # would be equal and LISI the same before and after, so it shrinks to (n - 1) / 3.
    perplexity = min(30.0, max(1.0, (len(ids) - 1) / 3))
    panels, rows = [], {}
    for name, frame in (("before", before), ("after", after)):
        coords, percent = _principal_components(frame, n_top=n_top, n_pcs=n_pcs)
        mixing = batch_mixing_scores(coords, batch_labels, perplexity=perplexity)
        row = {"silhouette_batch": mixing["silhouette"], "lisi_batch": mixing["lisi"]}
        if bio_labels is not None and len(set(bio_labels)) > 1:
            row["silhouette_biology"] = float(silhouette_values(pdist(coords), bio_labels).mean())
        rows[name] = row
        panels.append((coords, percent))
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores.index.name = "data"
    n_pcs_used = panels[0][0].shape[1]

    titles = [f"{label}<br><sup>batch silhouette {rows[key]['silhouette_batch']:.2f}, "
              f"LISI {rows[key]['lisi_batch']:.2f}</sup>"
              for key, label in (("before", "Before correction"), ("after", "After correction"))]
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.1)
    batches = _category_order(pd.Series(batch_labels))
    palette = ANNOTATION_PALETTES[0]
    symbols = np.full(len(ids), _SYMBOLS[0], dtype=object)
    bio_levels = []
    if bio_labels is not None:
        bio_levels = _category_order(pd.Series(bio_labels))
        symbol_of = {level: _SYMBOLS[k % len(_SYMBOLS)] for k, level in enumerate(bio_levels)}
        symbols = np.array([symbol_of[b] for b in bio_labels], dtype=object)
    text = np.array([f"<b>{sid}</b><br>{batch_name}: {b}" for sid, b in zip(ids, batch_labels)],
                    dtype=object)
    if bio_labels is not None:
        text = np.array([f"{t}<br>{bio_name}: {b}" for t, b in zip(text, bio_labels)],
                        dtype=object)
    id_array = ids.to_numpy(dtype=object)
    for col, (coords, percent) in enumerate(panels, start=1):
        for k, level in enumerate(batches):
            idx = np.flatnonzero(batch_labels == level)
            fig.add_trace(go.Scatter(
                x=coords[idx, 0].astype(np.float32), y=coords[idx, 1].astype(np.float32),
                mode="markers", name=str(level), legendgroup=f"batch-{level}",
                showlegend=False,
                # Light annotation colours: a grey outline keeps them visible on white.
                marker=dict(color=palette[k % len(palette)], symbol=symbols[idx], size=10,
                            line=dict(color="#555", width=0.8)),
                customdata=id_array[idx], hovertext=text[idx],
                hovertemplate="%{hovertext}<extra></extra>", meta="embedding"),
                row=1, col=col)
        fig.update_xaxes(title_text=f"PC1 ({percent[0]:.1f}%)", row=1, col=col)
        fig.update_yaxes(title_text=f"PC2 ({percent[1]:.1f}%)", row=1, col=col)
    # Legend swatches: circles for the batch colours (a trace's own swatch would take
    # the symbol of its first sample), grey symbols for the biology.
    for k, level in enumerate(batches):
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=str(level), legendgroup=f"batch-{level}",
            marker=dict(color=palette[k % len(palette)], symbol="circle", size=10,
                        line=dict(color="#555", width=0.8)),
            hoverinfo="skip", meta="legend"))
    for k, level in enumerate(bio_levels):
        swatch = _legend_swatch(str(level), "#666", group=f"symbol: {bio_name}")
        swatch["marker"]["symbol"] = _SYMBOLS[k % len(_SYMBOLS)]
        fig.add_trace(swatch)
    fig.update_xaxes(showgrid=True, gridcolor="#eee", zeroline=False)
    fig.update_yaxes(showgrid=True, gridcolor="#eee", zeroline=False)
    fig.update_layout(
        plot_bgcolor="white", paper_bgcolor="white", hovermode="closest",
        uirevision="qc-batch", margin=dict(t=90, b=90, l=60, r=20),
        title=dict(text=f"PCA before and after batch correction (colour: {batch_name}"
                        + (f", symbol: {bio_name})" if bio_labels is not None else ")"),
                   x=0.01, xanchor="left", font=dict(size=15)),
        legend=dict(title=dict(text=f"colour: {batch_name}"), itemsizing="constant",
                    tracegroupgap=4))
    fig.add_annotation(**_note(
        f"Scores on the first {n_pcs_used} PCs of the {n_top} most variable genes of each "
        "table; silhouette: lower = batches better mixed; LISI: higher = better mixed "
        f"(at most {len(batches)})", y=-0.16, yanchor="top"))

    before_row, after_row = rows["before"], rows["after"]
    message = (f"Batch silhouette {before_row['silhouette_batch']:.2f} before, "
               f"{after_row['silhouette_batch']:.2f} after (lower = batches better mixed); "
               f"LISI {before_row['lisi_batch']:.2f} before, {after_row['lisi_batch']:.2f} after "
               f"(1 = unmixed, {len(batches)} = fully mixed).")
    if "silhouette_biology" in before_row:
        message += (f" Biology silhouette {before_row['silhouette_biology']:.2f} before, "
                    f"{after_row['silhouette_biology']:.2f} after (it should not drop: a drop "
                    "means the correction removed biology too).")
    confounding = None
    if bio_labels is not None:
        confounding = batch_confounding(batch_labels, bio_labels)
        if confounding["confounded"]:
            message += " " + confounding["message"].split("\n")[0]
    return {"figure": fig, "scores": scores, "confounding": confounding, "message": message}
