"""The HTML report of a single-cell analysis (``report`` on a 10x folder, .h5 or .h5ad;
issue 14 item 3): QC violins and scatter with the thresholds, the cells on their
embedding by cluster, a dot plot of the top markers, the tables (QC per rule, clusters,
markers), the methods paragraph of the scanpy-style steps with their citations, and the
parameters, checksums, versions and machine of every report."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import __version__
from .report import (References, ReportPart, Section, _pairs, _table, closing_sections,
                     figure_list, figures_html, methods_section, report_html)

#: Markers per group in the dot plot and in the table.
DOT_MARKERS, TABLE_MARKERS = 3, 10


def single_cell_methods(result, dataset_name: str, refs: References) -> str:
    """The methods paragraph of a single-cell analysis (``{key}`` marks cited through
    ``refs``).

    Parameters
    ----------
    result : SingleCellResult
        :func:`rnaclust_dash.pipeline.single_cell.run_single_cell`'s.
    dataset_name : str
    refs : References
        Numbers the citations (shared with the rest of the report).

    Returns
    -------
    str
        Plain text with ``[n]`` marks.
    """
    p, m = result.params, result.metrics()
    cite = refs.cite
    # clusters as the method found them: a split child (3.1) counts as its parent
    n_found = len({str(label).split(".")[0] for label in result.labels})
    rules = [f"fewer than {p.min_genes:g} genes"] + (
        [f"more than {p.max_genes:g} genes"] if p.max_genes else []) + (
        [f"fewer than {p.min_counts:g} counts"] if p.min_counts else []) + (
        [f"more than {p.max_pct_mito:g}% mitochondrial counts"] if p.max_pct_mito < 100
        else [])
    sentences = [
        f"Counts of {m['n_genes_input']:,} genes in {m['n_cells_input']:,} cells "
        f"({dataset_name}) were analysed with rnaclust-dash {__version__} following "
        f"{cite('scanpy')}.",
        f"Cells with {' or '.join(rules)} were removed ({m['n_cells']:,} kept), and genes "
        f"detected in fewer than {p.min_cells:g} cells ({m['n_genes']:,} kept).",
        f"Counts were scaled to {p.target_sum:g} per cell and log1p-transformed; "
        f"{m['n_hvg']:,} highly variable genes were selected ({cite(p.hvg_flavor)}), "
        "scaled to unit variance (clipped at 10) and reduced by "
        f"{cite('pca')} to {m['n_pcs']} components"
        + (f", corrected for '{p.batch_column}' by {cite('harmony')}"
           if p.batch_method == "harmony" else "") + "."]
    if p.method in ("leiden", "louvain"):
        sentences.append(f"The {p.neighbors} nearest neighbours of each cell were joined "
                         f"in a graph, and the cells clustered by {cite(p.method)} at "
                         f"resolution {p.resolution:g} (random seed {p.seed}) into "
                         f"{n_found} clusters.")
    else:
        sentences.append(f"Cells were clustered by {cite(p.method)} of the principal "
                         f"components into k = {p.k} clusters (random seed {p.seed}).")
    groups = f"group of '{p.group_by}'" if p.group_by else "cluster"
    sentences.append(f"Cells were shown by {cite(p.embedding)}; marker genes of each "
                     f"{groups} against the other cells were found with {cite(p.markers)}.")
    return " ".join(sentences)


def _qc_figures(metrics: pd.DataFrame, params) -> tuple:
    """The QC violins and scatter with the thresholds of ``params`` (by name, as the
    Cells tab draws them)."""
    from ..pl import cells

    thresholds = {name: getattr(params, name) for name in cells.VIOLIN_LINES}
    return (cells.qc_violins(metrics, thresholds, draggable=False),
            cells.qc_scatter(metrics, thresholds, draggable=False))


def _dot_summary(result, groups: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fraction of cells expressing and mean log value of the top markers: groups x
    genes (symbols)."""
    table = result.markers.sort_values(["group", "rank"], kind="stable")
    best = table.groupby("group", sort=False).head(DOT_MARKERS).drop_duplicates("gene")
    columns = pd.Index(result.gene_ids).get_indexer(best["gene"])
    values = result.log_values[:, columns]
    order = [str(g) for g in pd.unique(table["group"])]
    labels = np.asarray(groups).astype(str)
    fraction, mean = [], []
    for group in order:
        rows = values[np.flatnonzero(labels == group)]
        fraction.append(np.asarray((rows > 0).mean(axis=0)).ravel())
        mean.append(np.asarray(rows.mean(axis=0)).ravel())
    names = list(dict.fromkeys(best["symbol"].astype(str)))
    names = names if len(names) == len(best) else list(best["gene"].astype(str))
    return (pd.DataFrame(fraction, index=order, columns=names),
            pd.DataFrame(mean, index=order, columns=names))


def single_cell_figures(result) -> dict:
    """QC violins and scatter, the cells by cluster on their embedding, the markers' dot
    plot (title -> figure)."""
    from ..pl.cells import cell_embedding, dot_plot, embedding_colors

    params, metrics = result.params, result.qc.metrics
    coords = result.embedding.coords
    colors = embedding_colors(result.labels.astype(str), title="cluster", categorical=True,
                              coords=coords)
    violins, scatter = _qc_figures(metrics, params)
    figures = {"Quality control: per-cell metrics and thresholds": violins,
               "Quality control: counts against genes detected": scatter,
               f"{params.embedding.upper()} of the cells by cluster":
                   cell_embedding(coords, colors, axis_titles=result.embedding.axis_titles)}
    if not params.group_by:
        fraction, mean = _dot_summary(result, result.labels)
        figures["Top marker genes of each cluster"] = dot_plot(fraction, mean)
    return figures


def single_cell_report(result, dataset, *, inputs: dict[str, bytes], params_text: str = "",
                       dataset_key: str = "", parts: tuple[ReportPart, ...] = ()) -> str:
    """The HTML report of a single-cell analysis.

    Parameters
    ----------
    result : SingleCellResult
        :func:`rnaclust_dash.pipeline.single_cell.run_single_cell`'s.
    dataset : Dataset
        The cells as read (its name and notices).
    inputs : dict of str to bytes
        File name -> content of each input file (their sha256 checksums).
    params_text : str
        params.json of the analysis (shown as is).
    dataset_key : str
        The dataset's content key in the store.
    parts : tuple of ReportPart
        Cluster splits, the trajectory of the cells... (:mod:`.report_sections`): their
        methods sentences, figures and tables follow the clustering's.

    Returns
    -------
    str
        The HTML document.
    """
    refs = References()
    paragraph = single_cell_methods(result, dataset.name, refs)
    figures = single_cell_figures(result)
    for part in parts:
        figures |= part.figures
    metrics = result.metrics()
    removed = pd.DataFrame({"rule": list(metrics["removed_by_rule"]),
                            "cells removed (this rule alone)":
                                list(metrics["removed_by_rule"].values())})
    sizes = pd.DataFrame({"cluster": list(metrics["cluster_sizes"]),
                          "cells": list(metrics["cluster_sizes"].values())})
    markers = (result.markers.sort_values(["group", "rank"], kind="stable")
               .groupby("group", sort=False).head(TABLE_MARKERS))
    summary = {key: value for key, value in metrics.items()
               if key not in ("removed_by_rule", "cluster_sizes")}
    sections = [methods_section([paragraph] + [refs.fill(part.methods) for part in parts],
                                refs), figure_list(figures),
                Section("Figures", figures_html(figures)),
                Section("Quality control", _pairs(summary) + "<h3>Cells removed by each "
                        "rule</h3>" + _table(removed)),
                Section("Clusters", _table(sizes)),
                Section("Marker genes", f"<p>The best {TABLE_MARKERS} of each "
                        f"{html.escape(result.marker_groups)} by rank; all genes are in "
                        "markers.csv.</p>" + _table(markers, max_rows=500,
                                                    all_rows="markers.csv"))]
    sections += [section for part in parts for section in part.sections]
    sections += closing_sections(notices=(*dataset.notices, *result.notices), inputs=inputs,
                                 dataset_key=dataset_key, params_text=params_text,
                                 parameters=result.params.to_dict())
    return report_html(f"rnaclust-dash report: {dataset.name} (single cells)", sections)


def single_cell_splits_part(result, steps) -> ReportPart:
    """The splits of the cells' clusters in the report (:func:`~.report_sections.splits_part`
    of a single-cell result whose labels ``steps`` split).

    Parameters
    ----------
    result : SingleCellResult
        Run with ``splits=steps``.
    steps : sequence of SplitStep
        The splits, in order (at least one).

    Returns
    -------
    ReportPart
    """
    from .report_sections import splits_part

    return splits_part(steps, result.labels, method=result.params.method.capitalize(),
                       items="cells")


def cell_trajectory_part(result, trajectory, genes: pd.DataFrame, *,
                         groups_column: str | None = None,
                         threshold: float = 0.0) -> ReportPart:
    """The trajectory of single cells in the report: pseudotime and PAGA on the diffusion
    map, the top genes' trends (by symbol), the tables.

    Parameters
    ----------
    result : SingleCellResult
        The cells the trajectory ordered (their log values draw the trends).
    trajectory : Trajectory
        :func:`rnaclust_dash.pipeline.trajectory.cell_trajectory`'s.
    genes : pandas.DataFrame
        The genes along pseudotime (``gene, symbol, rho, pvalue, padj, direction``).
    groups_column : str, optional, keyword-only
        The cell-sheet column whose values are PAGA's groups (None: the clusters).
    threshold : float, keyword-only
        PAGA edges at or below it are not drawn.

    Returns
    -------
    ReportPart
    """
    from .report_sections import trajectory_part, trend_genes

    top = trend_genes(genes)["gene"].astype(str)
    columns = pd.Index(result.gene_ids.astype(str)).get_indexer(top)
    chosen = result.log_values[:, columns]
    chosen = chosen.toarray() if hasattr(chosen, "toarray") else np.asarray(chosen)
    values = pd.DataFrame(chosen.T, index=top.to_numpy(), columns=trajectory.ids)
    return trajectory_part(trajectory, genes, values, groups_column=groups_column,
                           threshold=threshold, items="cells")
