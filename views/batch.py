"""The batch-effect view: PCA before and after batch correction with batch-mixing
scores, and a warning (with the table) when batch and biology are confounded.

It reads the same stored matrices as the analysis and is computed only while its tab is
open.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from callbacks.common import MATRIX_CONTROLS, ViewOutputs, params_from_controls
from layouts import ids
from layouts.components import GRAPH_CONFIG, view_alert
from rnaclust_dash.params import split_list
from rnaclust_dash.pipeline import normalized_matrix, prepared_dataset, run_analysis
from rnaclust_dash.pl.batch import batch_before_after
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.store import ResultStore

TAB_ID = "batch"
TAB_LABEL = "Batch effect"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

BATCH_VIEW = ViewOutputs("batch", (Output(ids.BATCH_VIEW, "figure"),
                                   Output(ids.BATCH_SCORES, "children")))


#: Column names of the batch-mixing scores, in words.
SCORE_NAMES = {"silhouette_batch": "batch silhouette (lower = better mixed)",
               "lisi_batch": "batch LISI (higher = better mixed)",
               "silhouette_biology": "biology silhouette (should not drop)"}


def scores_table(result: dict) -> list:
    """Batch-mixing scores before and after correction."""
    scores = result["scores"].round(3).rename(columns=SCORE_NAMES)
    table = dbc.Table.from_dataframe(scores.reset_index(names=""), size="sm", bordered=True,
                                     className="mb-1 small w-auto")
    return [html.Div(result["message"], className="small mb-1"), table]


def confounding_notice(result: dict) -> list | None:
    """The batch tab's notice when batch and biology are confounded (with the table)."""
    confounding = result.get("confounding")
    if confounding is None or not confounding.get("confounded"):
        return None
    return [html.Span(confounding["message"], className="message")]


def batch_views(store: ResultStore, dataset_store: dict, controls: dict) -> tuple:
    """PCA before/after batch correction and the mixing scores (``BATCH_VIEW.all``)."""
    params = params_from_controls(controls)
    if not params.batch_column:
        return BATCH_VIEW.shown(empty_figure(
            "Choose the batch column (and a correction method) in 'Samples and batches'."),
            None)
    key = dataset_store["key"]
    uncorrected = params.replace(batch_method="none")
    before = normalized_matrix(store, key, uncorrected).values
    after = normalized_matrix(store, key, params).values
    metadata = prepared_dataset(store, key, uncorrected).metadata
    protect = split_list(params.protect)
    biology = None
    if protect:
        biology = metadata[protect].astype(str).agg(" / ".join, axis=1).rename(" / ".join(protect))
    if params.batch_method == "harmony":  # Harmony corrects components, not genes
        components = run_analysis(store, key, params).features.items
        after = pd.DataFrame(components.T, columns=before.columns)
    else:
        after = after.loc[before.index.intersection(after.index), before.columns]
        before = before.loc[after.index]
    result = batch_before_after(before, after, batch=metadata[params.batch_column],
                                   biology=biology)
    return BATCH_VIEW.shown(result["figure"], scores_table(result),
                            notice=confounding_notice(result), color="warning")


def layout() -> html.Div:
    """Before/after view of batch correction with batch-mixing scores."""
    return html.Div([
        view_alert("batch"),
        html.Div(id=ids.BATCH_SCORES, className="mb-2"),
        dcc.Loading(dcc.Graph(id=ids.BATCH_VIEW, config=GRAPH_CONFIG,
                              style={"height": "480px"}), delay_show=300),
    ], className="pt-2")


def register(app, store: ResultStore) -> None:
    """Register the batch-effect callback (computed only while its tab is open)."""
    matrix_inputs = [Input(c, "value") for c in MATRIX_CONTROLS]

    @app.callback(*BATCH_VIEW.all, Input(ids.VIEW_TABS, "active_tab"),
                  Input(ids.DATASET_STORE, "data"), *matrix_inputs, prevent_initial_call=True)
    @BATCH_VIEW.guard
    def show_batch(tab, dataset_store, *control_values):
        # single cells: the Cells tab (this view's bulk matrix would be dense)
        if (tab != TAB_ID or not dataset_store
                or dataset_store.get("mode") == "single-cell"):
            return BATCH_VIEW.unchanged()
        return batch_views(store, dataset_store, dict(zip(MATRIX_CONTROLS, control_values)))
