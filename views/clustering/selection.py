"""Linked selection: a lasso/box or click in one view selects items in all of them.

The selection store holds the selected item ids only; each view highlights them.
- scatter: lasso/box selection or a click on a point (its customdata is the id); the
  selection stays until the user double-clicks the scatter, clears it or loads new data
  (plotly's empty report when a figure is re-drawn is not a choice of the user's);
- silhouette: a click on a bar selects that item's whole cluster;
- heatmap: a click on the cluster bar or a cell selects the cluster, a click on a dendrogram
  node of the item axis selects the items under that branch.
"""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, ctx, no_update

from layouts import ids
from rnaclust_dash.pl.dendrogram import leaves_under
from rnaclust_dash.pipeline import Analysis
from rnaclust_dash.store import ResultStore

from callbacks.common import stored_analysis


def _points(event: dict | None) -> list[dict]:
    return (event or {}).get("points") or []


def ids_in_cluster(analysis: Analysis, cluster) -> list[str]:
    """Ids of the items of one cluster (``3``, or a sub-cluster such as ``"3.1"``)."""
    labels = np.asarray(analysis.labels).astype(str)
    return [str(i) for i in analysis.features.item_ids[labels == str(cluster)]]


def selection_from_event(source: str, event: dict | None, analysis: Analysis) -> list[str] | None:
    """Item ids selected by a plotly event from one of the views (None: not a selection).

    Parameters
    ----------
    source : str
        The property that fired, e.g. ``"embedding.selectedData"``.
    event : dict
        Plotly's event data (points with ``customdata``).
    analysis : Analysis
        The analysis on screen (labels and trees).
    """
    points = _points(event)
    item_ids = analysis.features.item_ids
    if source == "embedding.selectedData":
        if event is None:  # plotly_deselect: the user double-clicked the scatter
            return []
        if not points:  # plotly re-applying an outline to a re-drawn figure, not the user
            return None
        return [str(p["customdata"]) for p in points if "customdata" in p]
    if source == "heatmap.clickData" and points and "customdata" not in points[0]:
        return _cluster_of_column(points[0].get("x"), analysis)
    if not points or "customdata" not in points[0]:
        return None
    data = points[0]["customdata"]
    if source == "embedding.clickData":
        return [str(data[0] if isinstance(data, list) else data)]
    if source == "silhouette.clickData":
        item = str(data[0] if isinstance(data, list) else data)
        matches = np.flatnonzero(item_ids == item)
        return ids_in_cluster(analysis, analysis.labels[matches[0]]) if len(matches) else None
    if source == "heatmap.clickData":
        if isinstance(data, list) and len(data) == 2 and isinstance(data[0], str):
            axis, node = data
            if axis != analysis.params.target or analysis.item_tree is None:
                return None  # a branch of the other axis: not items of this clustering
            return [str(i) for i in item_ids[leaves_under(analysis.item_tree, int(node))]]
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return ids_in_cluster(analysis, int(data))
        if isinstance(data, str) and "." in data and data in set(
                np.asarray(analysis.labels).astype(str).tolist()):
            return ids_in_cluster(analysis, data)  # the cluster bar of a sub-cluster: "3.1"
    return None


def _cluster_of_column(sample, analysis: Analysis) -> list[str] | None:
    """A click on a heatmap cell when the samples are the items: the click's ``x`` is the
    sample; select its cluster (the cells carry no cluster, so a k change re-sends none)."""
    if analysis.params.target != "samples" or not isinstance(sample, str):
        return None
    matches = np.flatnonzero(analysis.features.item_ids == sample)
    return ids_in_cluster(analysis, analysis.labels[matches[0]]) if len(matches) else None


def selection_text(selected: list[str], noun: str) -> str:
    """'3 samples selected: a, b, c' (shortened past a few ids)."""
    if not selected:
        return ""
    shown = ", ".join(selected[:5]) + (", ..." if len(selected) > 5 else "")
    return f"{len(selected):,} {noun} selected: {shown}"


def register(app, store: ResultStore) -> None:
    """Register the selection callback."""

    @app.callback(Output(ids.SELECTION_STORE, "data", allow_duplicate=True),
              Output(ids.SELECTION_INFO, "children"),
              Input(ids.EMBEDDING, "selectedData"),
              Input(ids.EMBEDDING, "clickData"),
              Input(ids.SILHOUETTE, "clickData"),
              Input(ids.HEATMAP, "clickData"),
              Input(ids.CLEAR_SELECTION, "n_clicks"),
              State(ids.ANALYSIS_STORE, "data"),
              prevent_initial_call=True)
    def select(lasso, point, bar, cell, _clear, analysis_store):
        if ctx.triggered_id == ids.CLEAR_SELECTION or not analysis_store:
            return [], ""
        source = ctx.triggered[0]["prop_id"]
        event = ctx.triggered[0]["value"]
        try:
            analysis = stored_analysis(store, analysis_store)
        except Exception:  # noqa: BLE001 - a stale selection is harmless; keep the old one
            return no_update, no_update
        selected = selection_from_event(source, event, analysis)
        if selected is None:
            return no_update, no_update
        return selected, selection_text(selected, analysis.params.target)
