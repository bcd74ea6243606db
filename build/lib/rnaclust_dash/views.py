"""From an :class:`~rnaclust_dash.pipeline.Analysis` to the three linked figures.

One home for the glue between pipeline results and :mod:`rnaclust_dash.pl`, used
by the dashboard, the benchmarks and the tests alike. Figures are plain dicts of numpy
arrays (see :mod:`rnaclust_dash.pl`).
"""

from __future__ import annotations

from typing import Collection

import numpy as np
import pandas as pd

from .pl.heatmap import heatmap_figure
from .pl.scatter import embedding_figure
from .pl.silhouette import silhouette_figure
from .tl.embed import Embedding
from .pipeline import Analysis

CLUSTER_COLUMN = "cluster"


def heatmap(analysis: Analysis, *, metadata: pd.DataFrame | None = None,
            selected: Collection[str] = (), max_rows: int = 400) -> dict:
    """Clustered heatmap (genes as rows, samples as columns) with dendrograms and bars."""
    items_are_samples = analysis.params.target == "samples"
    item_tree, other_tree = analysis.item_tree, analysis.other_tree
    trees = {"sample_tree": item_tree, "gene_tree": other_tree} if items_are_samples else \
        {"sample_tree": other_tree, "gene_tree": item_tree}
    orders = {"sample_order": analysis.item_order} if items_are_samples else \
        {"gene_order": analysis.item_order}
    annotations = None
    if metadata is not None and metadata.shape[1] > 0:
        annotations = metadata.reindex(analysis.sample_ids)
    return heatmap_figure(
        analysis.features.display, gene_ids=analysis.gene_ids, sample_ids=analysis.sample_ids,
        item_axis=analysis.params.target, labels=analysis.labels, annotations=annotations,
        selected=tuple(selected), value_title="z-score", centered=True, max_rows=max_rows,
        **trees, **orders)


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
              selected: Collection[str] = ()) -> dict:
    """PCA/UMAP scatter of the items, coloured by cluster or by a sample annotation."""
    ids = analysis.features.item_ids
    clusters = pd.Series(analysis.labels, index=ids, name=CLUSTER_COLUMN)
    hover = pd.DataFrame({CLUSTER_COLUMN: clusters})
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
