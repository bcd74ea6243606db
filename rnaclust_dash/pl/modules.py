"""Figures of co-expression modules (WGCNA): the soft-threshold plot, the gene tree with
its module colour bars, the eigengenes and the module-trait heatmap. Tables in,
``go.Figure`` out. No Dash in here.

Module labels are numbers (0 = unassigned, grey; 1.. by decreasing size), coloured as
clusters everywhere else in the app (:func:`rnaclust_dash.pl.common.cluster_colors`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.cluster.hierarchy import leaves_list

from .common import cluster_colors
from .dendrogram import dendrogram_segments


def signed_r_squared(table: pd.DataFrame) -> np.ndarray:
    """WGCNA's y of the soft-threshold plot: ``-sign(slope) * SFT.R.sq`` (a scale-free
    network has a negative slope, so a good fit is near +1)."""
    return (-np.sign(table["slope"].to_numpy(dtype=np.float64))
            * table["SFT.R.sq"].to_numpy(dtype=np.float64))


def soft_threshold_figure(table: pd.DataFrame, *, power: float | None = None,
                          suggested: float | None = None, r_squared_cut: float = 0.85,
                          network: str = "unsigned") -> go.Figure:
    """Scale-free fit (signed R²) and mean connectivity against the power, as in WGCNA's
    tutorial; the cut as a red line, the chosen power circled, the suggested one starred.
    Points carry ``customdata`` = power (``meta`` ``"soft-power"``) so a click picks it."""
    powers = table["Power"].to_numpy(dtype=np.float64)
    fit = signed_r_squared(table)
    mean_k = table["mean.k."].to_numpy(dtype=np.float64)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        f"Scale-free fit ({network} network)", "Mean connectivity"))
    labels = [f"{p:g}" for p in powers]
    for col, values, name in ((1, fit, "signed R\u00b2"), (2, mean_k, "mean k")):
        fig.add_trace(go.Scatter(
            x=powers, y=values, mode="lines+markers+text", text=labels,
            textposition="top center", textfont=dict(size=10, color="#2c3e50"),
            line=dict(color="#95a5a6", width=1), marker=dict(size=7, color="#2c3e50"),
            customdata=powers.tolist(), meta="soft-power", showlegend=False,
            hovertemplate=f"power %{{x}}<br>{name} = %{{y:.3f}}<br>click to use this power"
                          "<extra></extra>"), row=1, col=col)
        for mark, symbol, color, size, label in ((suggested, "star", "#e74c3c", 16, "suggested"),
                                                 (power, "circle-open", "#18bc9c", 18, "chosen")):
            if mark is None or not np.isin(mark, powers):
                continue
            y = values[np.flatnonzero(powers == mark)[0]]
            fig.add_trace(go.Scatter(
                x=[mark], y=[y], mode="markers", customdata=[float(mark)], meta="soft-power",
                marker=dict(symbol=symbol, size=size, color=color,
                            line=dict(width=3, color=color)),
                name=f"{label} power {mark:g}", showlegend=col == 1,
                hovertemplate=f"{label} power %{{x}}<extra></extra>"), row=1, col=col)
    fig.add_hline(y=r_squared_cut, line=dict(color="#e74c3c", dash="dot"), row=1, col=1,
                  annotation_text=f"R\u00b2 = {r_squared_cut}", annotation_position="bottom right")
    fig.update_xaxes(title_text="soft-threshold power", gridcolor="#EEEEEE")
    fig.update_yaxes(title_text="scale-free fit, signed R\u00b2", gridcolor="#EEEEEE",
                     row=1, col=1)
    fig.update_yaxes(title_text="mean connectivity", type="log", gridcolor="#EEEEEE",
                     row=1, col=2)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=360, plot_bgcolor="white", margin=dict(l=60, r=20, t=50, b=50),
                      legend=dict(orientation="h", y=-0.25, x=0))
    return fig


def module_tree_figure(tree: np.ndarray, modules: pd.Series, *,
                       unmerged: pd.Series | None = None, max_leaves: int = 1000) -> go.Figure:
    """The gene tree (average linkage on 1 - TOM) with a colour bar of the modules under
    it (and of the modules before merging, when given), as WGCNA's
    ``plotDendroAndColors``.

    Parameters
    ----------
    tree : numpy.ndarray
        scipy linkage of the block's genes, shape (n - 1, 4).
    modules : pandas.Series
        Module of each of those genes, in the tree's item order.
    unmerged : pandas.Series, optional
        Modules before merging, same order.
    max_leaves : int
        Larger trees are drawn truncated to their top ``max_leaves - 1`` merges (the
        colour bars keep every gene).
    """
    order = leaves_list(tree)
    segments = dendrogram_segments(tree, order, max_leaves=max_leaves)
    bars = [("merged modules", modules)] + ([("before merging", unmerged)]
                                            if unmerged is not None else [])
    fig = make_subplots(rows=1 + len(bars), cols=1, shared_xaxes=True, vertical_spacing=0.01,
                        row_heights=[0.8] + [0.2 / len(bars)] * len(bars))
    fig.add_trace(go.Scattergl(x=segments["xs"], y=segments["ys"], mode="lines",
                               line=dict(color="#34495e", width=0.7), hoverinfo="skip",
                               showlegend=False, meta="dendrogram"), row=1, col=1)
    genes = np.asarray(modules.index)[order]
    for row, (name, labels) in enumerate(bars, start=2):
        values = labels.to_numpy()[order].astype(np.int64)
        palette = cluster_colors(values)
        present = sorted(palette)
        scale_index = {label: i for i, label in enumerate(present)}
        z = np.array([[scale_index[v] for v in values]], dtype=np.float64)
        n = max(len(present) - 1, 1)
        colorscale = []
        for i, label in enumerate(present):
            colorscale += [[max(i - 0.5, 0) / n, palette[label]],
                           [min(i + 0.5, n) / n, palette[label]]]
        fig.add_trace(go.Heatmap(
            z=z, x=np.arange(len(values)), y=[name], colorscale=colorscale, zmin=0, zmax=n,
            showscale=False, customdata=[values.tolist()], text=[genes.tolist()],
            meta="module-bar", hovertemplate="%{text}: module %{customdata}<extra></extra>"),
            row=row, col=1)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False,
                     range=[-0.5, len(order) - 0.5])
    fig.update_yaxes(title_text="1 - TOM height", gridcolor="#EEEEEE", row=1, col=1)
    fig.update_layout(height=420, plot_bgcolor="white", margin=dict(l=110, r=20, t=50, b=20),
                      title=dict(text=f"Gene tree and modules ({len(order):,} genes)", x=0.01,
                                 font=dict(size=13)))
    return fig


def module_trait_figure(module_trait: pd.DataFrame, *, sizes: pd.Series | None = None
                        ) -> go.Figure:
    """Module-trait correlations as WGCNA's ``labeledHeatmap``: modules x traits, colour
    the Pearson correlation (-1 blue .. 1 red), text the correlation and its p-value.
    Cells carry ``customdata`` = [module, trait]."""
    table = module_trait.copy()
    table["module"] = table["module"].astype(str)
    modules = list(dict.fromkeys(table["module"]))
    traits = list(dict.fromkeys(table["trait"]))
    r = table.pivot(index="module", columns="trait", values="correlation").loc[modules, traits]
    p = table.pivot(index="module", columns="trait", values="pvalue").loc[modules, traits]
    text = [[f"{rv:.2f}<br>({pv:.1e})" for rv, pv in zip(rr, pr)]
            for rr, pr in zip(r.to_numpy(), p.to_numpy())]
    names = [_module_name(m, sizes) for m in modules]
    fig = go.Figure(go.Heatmap(
        z=r.to_numpy(dtype=np.float64), x=traits, y=names, text=text, texttemplate="%{text}",
        textfont=dict(size=10), colorscale="RdBu_r", zmin=-1, zmax=1, meta="module-trait",
        customdata=[[[m, t] for t in traits] for m in modules],
        colorbar=dict(title="r", thickness=12),
        hovertemplate="%{y} vs %{x}<br>%{text}<extra></extra>"))
    fig.update_layout(title=dict(text="Module-trait correlation<br><sub>Pearson r of the "
                                      "eigengene with the trait (Student p)</sub>", x=0.01,
                                 font=dict(size=13)),
                      xaxis=dict(title="trait", type="category", tickangle=-30),
                      yaxis=dict(type="category", autorange="reversed"),
                      height=max(320, 46 * len(modules) + 140),
                      margin=dict(l=130, r=20, t=70, b=80), plot_bgcolor="white")
    return fig


def _module_name(module, sizes: pd.Series | None) -> str:
    label = str(module)
    number = label[2:] if label.startswith("ME") else label
    if sizes is not None and number.lstrip("-").isdigit() and int(number) in sizes.index:
        what = "unassigned, " if number == "0" else ""
        return f"ME{number} ({what}{int(sizes[int(number)]):,})"
    return label if label.startswith("ME") else f"ME{label}"


def eigengene_figure(eigengenes: pd.DataFrame, *, sample_labels=None) -> go.Figure:
    """Eigengenes as a heatmap, modules x samples (in the given sample order): each
    module's first principal component, the pattern its genes share."""
    columns = [c for c in eigengenes.columns if c != "ME0"]
    values = eigengenes[columns].to_numpy(dtype=np.float64).T
    x = list(sample_labels) if sample_labels is not None else list(map(str, eigengenes.index))
    bound = float(np.abs(values).max()) if values.size else 1.0
    fig = go.Figure(go.Heatmap(
        z=values, x=x, y=columns, colorscale="RdBu_r", zmin=-bound, zmax=bound,
        colorbar=dict(title="eigengene", thickness=12), meta="eigengenes",
        hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=dict(text="Module eigengenes", x=0.01, font=dict(size=13)),
                      xaxis=dict(type="category", tickangle=-60, tickfont=dict(size=9)),
                      yaxis=dict(type="category", autorange="reversed"),
                      height=max(280, 26 * len(columns) + 160),
                      margin=dict(l=70, r=20, t=50, b=100), plot_bgcolor="white")
    return fig
