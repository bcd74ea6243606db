"""The QC tab (before clustering) and the batch-effect tab (before/after correction).

Both read the same stored matrices as the analysis; they are computed only while their
tab is open. A click on a sample's bar in the QC tab excludes it (or brings it back).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update

from layouts import ids
from rnaclust_dash.pl.batch import batch_before_after
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.qc import count_distribution_figure
from rnaclust_dash.pl.qc import detected_genes_figure
from rnaclust_dash.pl.qc import library_size_figure
from rnaclust_dash.pl.qc import mean_variance_figure
from rnaclust_dash.pl.qc_samples import pca_figure
from rnaclust_dash.pl.qc_samples import sample_correlation_figure
from rnaclust_dash.pp.qc import flag_outliers
from rnaclust_dash.pp.qc import qc_summary
from rnaclust_dash.params import split_list
from rnaclust_dash.pipeline import normalized_matrix, prepared_dataset, run_analysis
from rnaclust_dash.store import ResultStore

from callbacks.common import CONTROL_FIELDS, ViewOutputs, params_from_controls

# The controls that decide the matrix (normalization, exclusions, batch correction).
MATRIX_CONTROLS = ["normalization", "log-transform", "pseudocount", "min-count", "min-samples",
                   "exclude-samples", "batch-column", "batch-method", "protect-columns"]
assert set(MATRIX_CONTROLS) <= set(CONTROL_FIELDS)

QC_VIEW = ViewOutputs("qc", (
    Output(ids.QC_LIBRARY, "figure"), Output(ids.QC_DETECTED, "figure"),
    Output(ids.QC_DISTRIBUTION, "figure"), Output(ids.QC_CORRELATION, "figure"),
    Output(ids.QC_PCA, "figure"), Output(ids.QC_MEAN_VARIANCE, "figure"),
    Output(ids.QC_OUTLIERS, "children")))
BATCH_VIEW = ViewOutputs("batch", (Output(ids.BATCH_VIEW, "figure"),
                                   Output(ids.BATCH_SCORES, "children")))


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


def toggle_exclusion(click: dict | None, excluded: list | None) -> list:
    """The exclusion list with the clicked sample added, or removed if it was there."""
    points = (click or {}).get("points") or []
    if not points or "customdata" not in points[0]:
        return no_update
    data = points[0]["customdata"]
    sample = str(data[0] if isinstance(data, list) else data)
    excluded = list(excluded or [])
    return [s for s in excluded if s != sample] if sample in excluded else excluded + [sample]


def register(app, store: ResultStore) -> None:
    """Register the QC, batch-effect and exclusion-toggle callbacks."""
    matrix_inputs = [Input(c, "value") for c in MATRIX_CONTROLS]

    @app.callback(*QC_VIEW.all, Input(ids.VIEW_TABS, "active_tab"),
                  Input(ids.DATASET_STORE, "data"), *matrix_inputs, Input(ids.COLOR_BY, "value"),
                  prevent_initial_call=True)
    @QC_VIEW.guard
    def show_qc(tab, dataset_store, *values):
        *control_values, color_by = values
        if tab != "qc" or not dataset_store:
            return QC_VIEW.unchanged()
        return qc_views(store, dataset_store, dict(zip(MATRIX_CONTROLS, control_values)),
                        color_by)

    @app.callback(*BATCH_VIEW.all, Input(ids.VIEW_TABS, "active_tab"),
                  Input(ids.DATASET_STORE, "data"), *matrix_inputs, prevent_initial_call=True)
    @BATCH_VIEW.guard
    def show_batch(tab, dataset_store, *control_values):
        if tab != "batch" or not dataset_store:
            return BATCH_VIEW.unchanged()
        return batch_views(store, dataset_store, dict(zip(MATRIX_CONTROLS, control_values)))

    @app.callback(Output(ids.EXCLUDE, "value", allow_duplicate=True),
                  Input(ids.QC_LIBRARY, "clickData"), Input(ids.QC_DETECTED, "clickData"),
                  State(ids.EXCLUDE, "value"), prevent_initial_call=True)
    def exclude_clicked(library_click, detected_click, excluded):
        click = library_click if ctx.triggered_id == ids.QC_LIBRARY else detected_click
        return toggle_exclusion(click, excluded)
