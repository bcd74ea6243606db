"""Sample-sheet annotation strips (one coloured row per column) and the row binning and
colour limits of big heatmaps, shared by the clustering heatmap and the QC correlation
heatmap. No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from ..pp.batch_design import _is_numeric
from .common import ANNOTATION_PALETTES
from .common import ANNOTATION_SCALE
from .common import NA_COLOR
from .common import _MAX_LEGEND_CATEGORIES
from .common import _category_order
from .common import _discrete_colorscale
from .common import _fmt
from .common import _legend_swatch


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
