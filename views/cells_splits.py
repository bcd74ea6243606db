"""The Cells tab's "Split a cluster" row (issue 12 item 1 on single cells): choose a
cluster and a resolution, Split; Undo takes the last split back.

The row only records the split steps (records of
:func:`rnaclust_dash.tl.subcluster.steps_to_records`) in :data:`SPLITS_STORE`; the Cells
analysis request carries them and the pipeline applies them
(:func:`rnaclust_dash.pipeline.single_cell.run_single_cell`), so the map artifact, its
markers and dot plot hold the split labels (``3.1``, ``3.2``...).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.common import error_text
from layouts import ids
from rnaclust_dash.errors import ParameterError, RnaclustError
from rnaclust_dash.params import SPEC
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.labels import natural_codes
from rnaclust_dash.tl.subcluster import SplitStep, steps_from_records, steps_to_records

SPLITS_STORE = "cells-splits"
SPLIT_CLUSTER = "cells-split-cluster"
SPLIT_RESOLUTION = "cells-split-resolution"
SPLIT_BUTTON = "cells-split"
UNDO_BUTTON = "cells-split-undo"
SPLIT_MESSAGE = "cells-split-message"

#: Resolution offered for a split (Leiden on the cluster's part of the graph).
DEFAULT_SPLIT_RESOLUTION = 0.5


def split_row() -> html.Div:
    """Cluster menu, resolution, Split, Undo, the history and the splits' store."""
    return html.Div([
        dcc.Store(id=SPLITS_STORE, data=[]),
        html.Span("Split a cluster", className="small me-2"),
        dcc.Dropdown(id=SPLIT_CLUSTER, placeholder="cluster", options=[],
                     style={"width": "8rem"}, className="me-2"),
        dbc.Input(id=SPLIT_RESOLUTION, type="number", min=0.05, max=SPEC["resolution"].max,
                  step=0.05,
                  value=DEFAULT_SPLIT_RESOLUTION, size="sm", style={"width": "6rem"},
                  className="me-2"),
        dbc.Button("Split", id=SPLIT_BUTTON, size="sm", color="secondary", className="me-2"),
        dbc.Button("Undo", id=UNDO_BUTTON, size="sm", color="light", className="me-2"),
        html.Span(id=SPLIT_MESSAGE, className="small text-muted"),
    ], className="d-flex align-items-center my-2")


def next_splits(splits: list | None, action: str, cluster, resolution,
                labels: np.ndarray | None) -> list:
    """The split records after ``action`` ("split" appends cluster/resolution, "undo"
    drops the last); ParameterError for a cluster not on the map or a bad resolution."""
    steps = list(steps_from_records(splits))
    if action == "undo":
        return steps_to_records(steps[:-1])
    if cluster in (None, ""):
        raise ParameterError("Choose the cluster to split first.")
    if labels is not None and str(cluster) not in set(np.asarray(labels).astype(str)):
        raise ParameterError(f"There is no cluster {cluster} on the map: run the analysis first.")
    try:
        resolution = float(resolution)
    except (TypeError, ValueError):
        raise ParameterError("Give the resolution of the split, e.g. 0.5.") from None
    highest = SPEC["resolution"].max
    if not 0 < resolution <= highest:
        raise ParameterError(f"The resolution of a split must be above 0 and at most "
                             f"{highest:g} (higher: more sub-clusters); got {resolution:g}.")
    steps.append(SplitStep(str(cluster), resolution=resolution))
    return steps_to_records(steps)


def history_text(splits: list | None) -> str:
    """The splits so far, e.g. "Splits: 3 at 0.5, 3.1 at 1"."""
    steps = steps_from_records(splits)
    if not steps:
        return ""
    return "Splits: " + ", ".join(f"{s.cluster} at {s.resolution:g}" for s in steps)


def register(app, store: ResultStore) -> None:
    """The cluster menu follows the map; Split/Undo change the recorded splits (the
    Cells request listens to them); a new dataset starts without splits."""
    from .cells import RESULT_STORE
    from .cells_map import CellMap

    def map_labels(result_store):
        if not result_store:
            return None
        return CellMap(store, result_store["map"]).part("cells")["labels"]

    @app.callback(Output(SPLIT_CLUSTER, "options"), Input(RESULT_STORE, "data"),
                  prevent_initial_call=True)
    def cluster_options(result_store):
        try:
            labels = map_labels(result_store)
        except RnaclustError:
            return no_update
        return [] if labels is None else natural_codes(labels)[0]

    @app.callback(Output(SPLITS_STORE, "data"), Output(SPLIT_MESSAGE, "children"),
                  Input(SPLIT_BUTTON, "n_clicks"), Input(UNDO_BUTTON, "n_clicks"),
                  Input(ids.DATASET_STORE, "data"), State(SPLIT_CLUSTER, "value"),
                  State(SPLIT_RESOLUTION, "value"), State(SPLITS_STORE, "data"),
                  State(RESULT_STORE, "data"), prevent_initial_call=True)
    def change_splits(_split, _undo, _dataset, cluster, resolution, splits, result_store):
        if ctx.triggered_id == ids.DATASET_STORE:
            return ([], "") if splits else (no_update, no_update)
        action = "undo" if ctx.triggered_id == UNDO_BUTTON else "split"
        if action == "undo" and not splits:
            return no_update, "No split to undo."
        try:
            new = next_splits(splits, action, cluster, resolution, map_labels(result_store))
        except RnaclustError as error:
            return no_update, error_text(error)
        return new, history_text(new)
