"""From an :class:`~rnaclust_dash.pipeline.Analysis` to the three linked figures.

One home for the glue between pipeline results and :mod:`rnaclust_dash.pl`, used
by the dashboard, the benchmarks and the tests alike. Figures are plain dicts of numpy
arrays (see :mod:`rnaclust_dash.pl`).
"""

from __future__ import annotations

from typing import Collection

import numpy as np
import pandas as pd

from scipy.cluster.hierarchy import leaves_list

from .pl.heatmap import heatmap_figure, heatmap_row_genes
from .pl.scatter import embedding_figure
from .pl.silhouette import silhouette_figure
from .tl.embed import Embedding
from .tl.gene_ids import map_to_symbols
from .pipeline import Analysis

CLUSTER_COLUMN = "cluster"


def gene_symbols(gene_ids, *, mapping=None) -> np.ndarray:
    """A readable label per gene: its symbol where one maps (bundled human table, or the
    user's ``mapping`` id -> symbol), else its id without version suffix. Shape (n,)."""
    gene_ids = np.asarray(gene_ids, dtype=object)
    if gene_ids.size == 0:
        return gene_ids
    return map_to_symbols(gene_ids, mapping=mapping, if_none_mapped="keep").symbols


def unique_gene_labels(gene_ids, symbols) -> np.ndarray:
    """Row labels that name each gene once: the symbol, or ``symbol (id)`` where two
    genes share a symbol (a category axis needs distinct names). Shape (n,)."""
    gene_ids = np.asarray(gene_ids, dtype=object)
    symbols = np.asarray(symbols, dtype=object)
    shared = pd.Series(symbols).duplicated(keep=False).to_numpy() | \
        pd.Series(symbols).isin(set(gene_ids[symbols != gene_ids])).to_numpy()
    return np.where(shared & (symbols != gene_ids),
                    [f"{s} ({g})" for s, g in zip(symbols, gene_ids)], symbols).astype(object)


#: A drill-in labels one gene per row up to this many genes (13 px each).
DRILL_MAX_ROWS = 200


def _gene_axis(analysis: Analysis, focus: Collection[str] | None, max_rows: int) -> dict:
    """The heatmap's rows: all genes in tree/cluster order, or (drill-in) only the
    ``focus`` genes, in the same order, one labelled row each up to DRILL_MAX_ROWS."""
    genes_are_items = analysis.params.target == "genes"
    gene_tree = analysis.item_tree if genes_are_items else analysis.other_tree
    gene_ids, labels = analysis.gene_ids, analysis.labels
    axis = dict(matrix=analysis.features.display, gene_ids=gene_ids, labels=labels,
                gene_tree=gene_tree, max_rows=max_rows, label_rows=False, note=None,
                gene_order=analysis.item_order if genes_are_items else None)
    if not focus:
        return axis
    if gene_tree is not None:
        order = leaves_list(np.asarray(gene_tree, dtype=np.float64))
    else:
        order = axis["gene_order"] if genes_are_items else np.arange(len(gene_ids))
    keep = np.asarray(order)[np.isin(gene_ids[order], list(focus))]
    if keep.size == 0:
        return axis
    axis.update(matrix=axis["matrix"][keep], gene_ids=gene_ids[keep], gene_tree=None,
                gene_order=np.arange(keep.size), max_rows=DRILL_MAX_ROWS, label_rows=True,
                labels=labels[keep] if genes_are_items else labels, keep=keep,
                note=f"Drill-in: {keep.size:,} of {len(gene_ids):,} genes (All genes, "
                     "or a double-click, shows every gene again)")
    return axis


def heatmap(analysis: Analysis, *, metadata: pd.DataFrame | None = None,
            selected: Collection[str] = (), max_rows: int = 400,
            highlighted: Collection[str] = (), focus: Collection[str] | None = None,
            sample_label_by: str | None = None, mapping=None) -> dict:
    """Clustered heatmap (genes as rows, samples as columns) with dendrograms and bars.

    Rows are named by gene symbol (``mapping``: a user's id -> symbol table; default the
    bundled human table); ``highlighted`` genes (a gene search) are outlined; ``focus``
    genes only are shown, one labelled row each (a drill-in); columns are labelled by the
    sheet column ``sample_label_by`` when given.
    """
    items_are_samples = analysis.params.target == "samples"
    axis = _gene_axis(analysis, focus, max_rows)
    trees = {"sample_tree": analysis.item_tree if items_are_samples else analysis.other_tree,
             "gene_tree": axis["gene_tree"]}
    orders = {"sample_order": analysis.item_order} if items_are_samples else \
        {"gene_order": axis["gene_order"]}
    annotations = None
    if metadata is not None and metadata.shape[1] > 0:
        annotations = metadata.reindex(analysis.sample_ids)
    gene_ids = axis["gene_ids"]
    names = unique_gene_labels(gene_ids, gene_symbols(gene_ids, mapping=mapping))
    missing = [g for g in highlighted if g not in set(gene_ids.tolist())]
    if missing:  # found by the search, but not a row here: say so on the figure
        shown = ", ".join(gene_symbols(missing[:3], mapping=mapping))
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        axis["note"] = "; ".join(n for n in (axis["note"], (
            f"{shown}{more} not among the genes shown" + ("" if axis["label_rows"] else
                                                          " (raise Most variable genes)")))
            if n)
    return heatmap_figure(
        axis["matrix"], gene_ids=gene_ids, sample_ids=analysis.sample_ids,
        item_axis=analysis.params.target, labels=axis["labels"], annotations=annotations,
        selected=tuple(selected), value_title="z-score", centered=True,
        max_rows=axis["max_rows"], gene_labels=names,
        sample_labels=sample_labels(analysis.sample_ids, metadata, sample_label_by),
        highlighted=tuple(highlighted), label_rows=axis["label_rows"], note=axis["note"],
        **trees, **orders)


def heatmap_rows(analysis: Analysis, *, focus: Collection[str] | None = None,
                 max_rows: int = 400) -> list[np.ndarray]:
    """The gene ids of each row of :func:`heatmap` with the same ``focus``, top to bottom
    (a zoomed row range maps back to its genes)."""
    axis = _gene_axis(analysis, focus, max_rows)
    return heatmap_row_genes(axis["gene_ids"], gene_tree=axis["gene_tree"],
                             gene_order=axis["gene_order"], max_rows=axis["max_rows"],
                             labels=axis["labels"] if analysis.params.target == "genes"
                             else None)


def sample_labels(sample_ids, metadata: pd.DataFrame | None,
                  column: str | None) -> np.ndarray | None:
    """Each sample's value in a sheet column, as text (missing: "NA"); None without one."""
    if not column or metadata is None or column not in metadata.columns:
        return None
    values = metadata[column].reindex(list(sample_ids))
    return np.array(["NA" if pd.isna(v) else str(v) for v in values], dtype=object)


def silhouette(analysis: Analysis, *, selected: Collection[str] = ()) -> dict:
    """Silhouette plot of the analysis' partition."""
    return silhouette_figure(
        analysis.features.item_ids, analysis.labels,
        analysis.validation["silhouette_values"],
        mean_value=analysis.validation["silhouette"], selected=tuple(selected))


def color_choices(analysis_target: str, metadata: pd.DataFrame | None) -> list[str]:
    """What the scatter can be coloured by: the cluster, and sample annotations."""
    choices = [CLUSTER_COLUMN]
    if analysis_target == "samples" and metadata is not None:
        choices += [str(column) for column in metadata.columns]
    return choices


def embedding(analysis: Analysis, coords: Embedding, *, color_by: str = CLUSTER_COLUMN,
              metadata: pd.DataFrame | None = None,
              selected: Collection[str] = (), mapping=None) -> dict:
    """PCA/UMAP scatter of the items, coloured by cluster or by a sample annotation;
    genes as points hover with their symbol (``mapping``: as :func:`gene_symbols`)."""
    ids = analysis.features.item_ids
    clusters = pd.Series(analysis.labels, index=ids, name=CLUSTER_COLUMN)
    hover = pd.DataFrame({CLUSTER_COLUMN: clusters})
    if analysis.params.target == "genes":
        hover.insert(0, "symbol", gene_symbols(ids, mapping=mapping))
    if analysis.params.target == "samples" and metadata is not None:
        hover = hover.join(metadata.reindex(ids))
    if color_by in hover.columns:
        colors = hover[color_by].rename(color_by)
    else:
        colors = clusters
    if analysis.confidence is not None:  # soft methods: hover and opacity show confidence
        hover["confidence"] = np.round(analysis.confidence, 3)
    return embedding_figure(
        np.asarray(coords.coords), ids=ids, color_values=colors, color_title=colors.name,
        axis_titles=coords.axis_titles, hover=hover, selected=tuple(selected),
        opacity=analysis.confidence,
        # A lasso stays while the points are the same items at the same places.
        revision=f"{analysis.dataset_key}-{analysis.keys.get('features', '')}-"
                 f"{coords.axis_titles[0]}")


#: Soft assignments below this confidence are listed as uncertain.
UNCERTAIN_BELOW = 0.6


def uncertain_items(analysis: Analysis) -> pd.DataFrame:
    """Items whose max membership / posterior is below :data:`UNCERTAIN_BELOW`, least
    certain first (empty for hard methods)."""
    if analysis.confidence is None:
        return pd.DataFrame(columns=["id", "cluster", "confidence"])
    table = analysis.assignments()[["id", "cluster", "confidence"]]
    return table[table["confidence"] < UNCERTAIN_BELOW].sort_values("confidence")
