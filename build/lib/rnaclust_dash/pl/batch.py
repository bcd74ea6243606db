"""The batch-correction check: PCA before and after correction with batch mixing scores
(silhouette, LISI) and the confounding check. No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.spatial.distance import pdist
from sklearn.decomposition import PCA

from ..errors import DataError
from ..pp.batch_design import batch_confounding
from ..tl.batch_mixing import batch_mixing_scores
from ..pp.features import top_variable_genes
from ..pp.qc import PCA_TOP_GENES
from ..pp.qc import _as_frame
from ..pp.qc import _per_sample
from ..tl.validate import silhouette_values
from .common import ANNOTATION_PALETTES
from .common import _category_order
from .common import _legend_swatch
from .qc import _note


_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star",
            "triangle-down", "pentagon", "hexagon")


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
        :func:`rnaclust_dash.tl.batch_mixing.batch_mixing_scores` on the first PCs.
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

    scores, rows, panels = _mixing_before_after(before, after, batch_labels, bio_labels,
                                                n_top=n_top, n_pcs=n_pcs)
    fig = _before_after_figure(panels, rows, ids, batch_labels, batch_name, bio_labels, bio_name,
                               n_top=n_top)
    n_batches = len(_category_order(pd.Series(batch_labels)))
    message, confounding = _before_after_message(rows, batch_labels, bio_labels,
                                                 n_batches=n_batches)
    return {"figure": fig, "scores": scores, "confounding": confounding, "message": message}


def _mixing_before_after(before: pd.DataFrame, after: pd.DataFrame, batch_labels: np.ndarray,
                         bio_labels: np.ndarray | None, *, n_top: int,
                         n_pcs: int) -> tuple[pd.DataFrame, dict, list]:
    """Mixing scores on the first PCs of each table (genes x samples).

    Returns the scores table (rows ``before``/``after``), the same scores as dicts by
    row name, and the (coordinates, % variance) of each table for the figure.
    """
    ids = before.columns.astype(str)
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
    return scores, rows, panels


def _before_after_figure(panels: list, rows: dict, ids: pd.Index, batch_labels: np.ndarray,
                         batch_name: str, bio_labels: np.ndarray | None, bio_name: str, *,
                         n_top: int) -> go.Figure:
    """The two PCA panels, colour = batch, symbol = biology, scores in the panel titles."""
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

    return fig


def _before_after_message(rows: dict, batch_labels: np.ndarray, bio_labels: np.ndarray | None,
                          *, n_batches: int) -> tuple[str, dict | None]:
    """The scores in a sentence or two, and the confounding check (None without biology)."""
    before_row, after_row = rows["before"], rows["after"]
    message = (f"Batch silhouette {before_row['silhouette_batch']:.2f} before, "
               f"{after_row['silhouette_batch']:.2f} after (lower = batches better mixed); "
               f"LISI {before_row['lisi_batch']:.2f} before, {after_row['lisi_batch']:.2f} after "
               f"(1 = unmixed, {n_batches} = fully mixed).")
    if "silhouette_biology" in before_row:
        message += (f" Biology silhouette {before_row['silhouette_biology']:.2f} before, "
                    f"{after_row['silhouette_biology']:.2f} after (it should not drop: a drop "
                    "means the correction removed biology too).")
    confounding = None
    if bio_labels is not None:
        confounding = batch_confounding(batch_labels, bio_labels)
        if confounding["confounded"]:
            message += " " + confounding["message"].split("\n")[0]
    return message, confounding
