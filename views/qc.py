"""The QC view (before clustering): depth, detection, distributions, correlation, PCA,
mean-variance and outliers of every sample.

It reads the same stored matrices as the analysis and is computed only while its tab is
open. A click on a sample's bar excludes it (or brings it back).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash.pl.qc import count_distribution_figure
from rnaclust_dash.pl.qc import detected_genes_figure
from rnaclust_dash.pl.qc import library_size_figure
from rnaclust_dash.pl.qc import mean_variance_figure
from rnaclust_dash.pl.qc_samples import pca_figure
from rnaclust_dash.pl.qc_samples import sample_correlation_figure
from rnaclust_dash.pp.qc import flag_outliers
from rnaclust_dash.pp.qc import qc_summary
from rnaclust_dash.params import split_list
from rnaclust_dash.pipeline import normalized_matrix, prepared_dataset
from rnaclust_dash.store import ResultStore

from callbacks.common import MATRIX_CONTROLS, ViewOutputs, params_from_controls
from layouts.components import GRAPH_CONFIG, view_alert

TAB_ID = "qc"
TAB_LABEL = "QC"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

QC_VIEW = ViewOutputs("qc", (
    Output(ids.QC_LIBRARY, "figure"), Output(ids.QC_DETECTED, "figure"),
    Output(ids.QC_DISTRIBUTION, "figure"), Output(ids.QC_CORRELATION, "figure"),
    Output(ids.QC_PCA, "figure"), Output(ids.QC_MEAN_VARIANCE, "figure"),
    Output(ids.QC_OUTLIERS, "children")))


def _log_values(dataset) -> pd.DataFrame:
    """The uploaded values on a log scale, for 'before normalization' plots."""
    if dataset.value_kind == "log":
        return dataset.counts
    return np.log2(dataset.counts + 1.0)


def outlier_list(outliers: pd.DataFrame, excluded: set[str]) -> list:
    """Flagged samples with their reasons, or a line saying none were flagged."""
    flagged = outliers[outliers["flagged"]]
    if flagged.empty:
        return [dbc.Alert("No sample is flagged as an outlier.", color="success",
                          className="py-1 mb-0 small")]
    items = [html.Li([html.B(sample), f": {row['reason']}",
                      " (excluded)" if sample in excluded else ""])
             for sample, row in flagged.iterrows()]
    return [dbc.Alert([html.B("Possible outliers"), html.Ul(items, className="mb-0")],
                      color="warning", className="py-1 mb-0 small")]


def qc_views(store: ResultStore, dataset_store: dict, controls: dict, color_by: str) -> tuple:
    """The QC figures of all samples (excluded ones marked), in ``QC_VIEW.all`` order."""
    params = params_from_controls(controls)
    excluded = set(split_list(params.exclude))
    everyone = params.replace(exclude="")
    dataset = prepared_dataset(store, dataset_store["key"], everyone)
    normalized = normalized_matrix(store, dataset_store["key"], everyone).values
    metadata = dataset.metadata
    color = color_by if metadata is not None and color_by in metadata.columns else None
    summary = qc_summary(dataset.counts, metadata=metadata)
    outliers = flag_outliers(dataset.counts, normalized, metadata=metadata)
    common = {"color_by": color, "metadata": metadata, "excluded": excluded,
              "outliers": outliers}
    before = _log_values(dataset).loc[normalized.index]
    return QC_VIEW.shown(
        library_size_figure(summary, **common), detected_genes_figure(summary, **common),
        count_distribution_figure(before, normalized, sample_ids=list(normalized.columns)),
        sample_correlation_figure(normalized, metadata=metadata),
        pca_figure(normalized, metadata=metadata, color_by=color),
        mean_variance_figure(normalized), outlier_list(outliers, excluded))


def toggle_exclusion(click: dict | None, excluded: list | None) -> list:
    """The exclusion list with the clicked sample added, or removed if it was there."""
    points = (click or {}).get("points") or []
    if not points or "customdata" not in points[0]:
        return no_update
    data = points[0]["customdata"]
    sample = str(data[0] if isinstance(data, list) else data)
    excluded = list(excluded or [])
    return [s for s in excluded if s != sample] if sample in excluded else excluded + [sample]


def layout() -> html.Div:
    """QC before clustering: depth, detection, distributions, correlation, outliers."""
    def graph(graph_id, height: str | None = "340px"):
        # Without a height the figure sets its own (the correlation heatmap grows with
        # its legend; a fixed box would squeeze it onto its colour bar).
        return dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG,
                                     style={"height": height} if height else {}),
                           delay_show=300)
    return html.Div([
        view_alert("qc"),
        html.Div(id=ids.QC_OUTLIERS, className="mb-2"),
        html.Small("Click a sample's bar to exclude it from the analysis, or to bring it "
                   "back. Exclusions are saved with the parameters.",
                   className="text-muted d-block mb-1"),
        dbc.Row([dbc.Col(graph(ids.QC_LIBRARY), lg=6), dbc.Col(graph(ids.QC_DETECTED), lg=6)]),
        graph(ids.QC_DISTRIBUTION, "360px"),
        dbc.Row([dbc.Col(graph(ids.QC_CORRELATION, None), lg=6),
                 dbc.Col(graph(ids.QC_PCA, "460px"), lg=6)]),
        graph(ids.QC_MEAN_VARIANCE, "380px"),
    ], className="pt-2")


def register(app, store: ResultStore) -> None:
    """Register the QC and exclusion-toggle callbacks."""
    matrix_inputs = [Input(c, "value") for c in MATRIX_CONTROLS]

    @app.callback(*QC_VIEW.all, Input(ids.VIEW_TABS, "active_tab"),
                  Input(ids.DATASET_STORE, "data"), *matrix_inputs, Input(ids.COLOR_BY, "value"),
                  prevent_initial_call=True)
    @QC_VIEW.guard
    def show_qc(tab, dataset_store, *values):
        *control_values, color_by = values
        # single cells: the Cells tab (this view's bulk matrix would be dense)
        if (tab != TAB_ID or not dataset_store
                or dataset_store.get("mode") == "single-cell"):
            return QC_VIEW.unchanged()
        return qc_views(store, dataset_store, dict(zip(MATRIX_CONTROLS, control_values)),
                        color_by)

    @app.callback(Output(ids.EXCLUDE, "value", allow_duplicate=True),
                  Input(ids.QC_LIBRARY, "clickData"), Input(ids.QC_DETECTED, "clickData"),
                  State(ids.EXCLUDE, "value"), prevent_initial_call=True)
    def exclude_clicked(library_click, detected_click, excluded):
        click = library_click if ctx.triggered_id == ids.QC_LIBRARY else detected_click
        return toggle_exclusion(click, excluded)
