"""Sample-to-sample QC figures: correlation heatmap (samples ordered by clustering,
annotation strips) and PCA of the samples. Cells of the correlation heatmap (``meta``
``"correlation"``) give the two sample ids as ``x`` and ``y``; PCA points (``meta``
``"embedding"``) give the sample id as ``customdata``. No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.cluster.hierarchy import leaves_list
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from ..tl.embed import pca_embedding
from ..errors import DataError
from ..errors import ParameterError
from ..pp.features import top_variable_genes
from ..pp.qc import PCA_TOP_GENES
from ..pp.qc import _as_frame
from ..pp.qc import _correlations
from .annotation import _annotation_strip
from .common import _MAX_TICK_LABELS
from .qc import _note
from .scatter import embedding_figure


# The correlation heatmap shows at most this many samples (every k-th beyond).
_MAX_HEATMAP_SAMPLES = 300


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
    order, note = _correlation_order(r)
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


def _correlation_order(r: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Samples shown in the correlation heatmap, in average-linkage order of ``1 - r``.

    Parameters
    ----------
    r : numpy.ndarray
        Samples x samples Pearson correlations (NaN for a constant sample).

    Returns
    -------
    order : numpy.ndarray
        Indices of the shown samples; beyond ``_MAX_HEATMAP_SAMPLES`` every k-th sample.
    note : str or None
        What was left out, for the figure; None when every sample is shown.
    """
    n = r.shape[0]
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
    return order, note


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
        :func:`rnaclust_dash.pl.scatter.embedding_figure` of PC1 and PC2 (variance
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
