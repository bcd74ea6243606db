"""Pieces shared by the Time course and Modules views (not a view itself): a labelled
control, the progress row of a background job, a gene table, the sample sheet of the
analysis, and the store key of a result of the analysis' samples."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dash_table, html, no_update

from callbacks.common import error_message
from layouts import ids as app_ids
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.params.stages import stage_params
from rnaclust_dash.pipeline import prepared_dataset
from rnaclust_dash.store import ResultStore, stage_key

GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}


def control(label: str, component, help_text: str, width: str = "11rem") -> html.Div:
    """A control with its label above; ``help_text`` as its tooltip."""
    return html.Div([html.Label(label, className="control-label mb-0 small"), component],
                    className="me-3 mb-2", title=help_text,
                    style={"minWidth": width, "maxWidth": "22rem"})


def number(component_id: str, value, **kwargs) -> dbc.Input:
    """A small number box that reports its value when the user stops typing."""
    return dbc.Input(id=component_id, type="number", value=value, size="sm", debounce=True,
                     **kwargs)


def progress_row(progress_id: str, cancel_id: str, status_id: str) -> html.Div:
    """A (hidden) progress bar, a cancel link and a status line of a background job."""
    return html.Div([
        dbc.Progress(id=progress_id, value=0, max=100, striped=True, animated=True,
                     style={"display": "none", "width": "16rem"}, className="me-2"),
        dbc.Button("Cancel", id=cancel_id, size="sm", color="link", style={"display": "none"}),
        html.Span(id=status_id, className="small text-muted"),
    ], className="d-flex align-items-center mb-2")


def gene_table(table_id: str, tooltips: dict) -> dash_table.DataTable:
    """A paged, sortable, filterable table of genes (filled by a callback)."""
    return dash_table.DataTable(
        id=table_id, columns=[], data=[], sort_action="native", filter_action="native",
        page_action="native", page_size=12, sort_mode="single",
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.82rem", "padding": "2px 6px",
                    "fontFamily": "Lato, Arial, sans-serif"},
        style_header={"fontWeight": "600"},
        style_cell_conditional=[{"if": {"column_id": "gene"}, "textAlign": "left"}],
        tooltip_header=tooltips)


def table_columns(frame: pd.DataFrame) -> list[dict]:
    """DataTable columns: numbers numeric (3 significant digits shown by rounding)."""
    return [{"name": c, "id": c, "type": "numeric" if pd.api.types.is_numeric_dtype(frame[c])
             else "text"} for c in frame.columns]


def table_rows(frame: pd.DataFrame) -> list[dict]:
    """DataTable rows, floats to 4 significant digits, ``id`` = gene."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = pd.Series([None if pd.isna(v) else float(f"{v:.4g}")
                                       for v in shown[column]], index=shown.index,
                                      dtype=object)  # None stays None (a blank cell)
    rows = shown.to_dict("records")
    for row in rows:
        row["id"] = row.get("gene")
    return rows


def analysis_samples(store: ResultStore, analysis_store: dict):
    """The dataset of the analysis after the sidebar's exclusions (and ComBat-seq), and
    the key its results are stored under."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    dataset = prepared_dataset(store, analysis_store["key"], params)
    if dataset.metadata is None:
        raise ParameterError("This view needs a sample sheet: upload one with the counts "
                             "(first column = sample id).")
    return dataset, stage_key(analysis_store["key"], "prepare", stage_params(params, "prepare"))


def sheet_columns(sheet: pd.DataFrame, *, numeric: bool) -> list[str]:
    """Columns of the sample sheet that hold numbers (``numeric``) or text."""
    def is_number(column):
        return pd.to_numeric(sheet[column], errors="coerce").notna().all()
    return [str(c) for c in sheet.columns if is_number(c) == numeric]


def result_reference(store: ResultStore, reference: dict | None, what: str) -> dict:
    """The stored result a view's reference points at, or a message to recompute."""
    result = store.get(reference["key"]) if reference else None
    if result is None:
        raise ParameterError(f"The {what} are no longer on the server (the cache was "
                             "cleared): press the button again to compute them.")
    return result


def notices_alert(reference: dict) -> tuple:
    """The view's alert (children, is_open, colour) for the notices of a result."""
    notices = reference.get("notices") or []
    if not notices:
        return None, False, "info"
    return [html.Div(n) for n in notices], True, "info"


def register_job(app, ids: dict, compute) -> None:
    """The background job of a view: ``compute(analysis_store, request, report)`` returns
    the result's reference, ``report(percent, text)`` moves the progress bar. ``ids`` maps
    request, result, status, alert, progress, cancel and run to the view's component ids;
    while the job runs the run button is disabled and Cancel shown."""
    out = {name: lambda prop, name=name: Output(ids[name], prop, allow_duplicate=True)
           for name in ("result", "status", "alert")}

    @app.callback(out["result"]("data"), out["status"]("children"),
                  out["alert"]("children"), out["alert"]("is_open"), out["alert"]("color"),
                  Input(ids["request"], "data"), background=True,
                  running=[(Output(ids["progress"], "style"),
                            {"display": "flex", "width": "16rem"}, {"display": "none"}),
                           (Output(ids["cancel"], "style"), {"display": "inline"},
                            {"display": "none"}),
                           (Output(ids["run"], "disabled"), True, False)],
                  progress=[Output(ids["progress"], "value"), Output(ids["progress"], "label")],
                  cancel=[Input(ids["cancel"], "n_clicks")], prevent_initial_call=True)
    def run_job(set_progress, job):
        if not job:
            return tuple([no_update] * 5)
        try:
            reference = compute(job["analysis"], job["request"],
                                lambda done, what: set_progress((done, what)))
        except Exception as error:  # noqa: BLE001 - shown in the view's alert
            return no_update, "", error_message(error, kept=False), True, "danger"
        return (reference, "", *notices_alert(reference))


# In the browser: the view takes a new analysis only while it is shown (or when it is
# opened), so a k change on another tab sends no request for its menus (as the Markers tab).
_SEE_WHEN_SHOWN = """function (analysis, tab, seen) {
    const same = JSON.stringify(analysis) === JSON.stringify(seen);
    return (tab !== '%s' || !analysis || same) ? window.dash_clientside.no_update : analysis;
}"""


def see_when_shown(app, seen_id: str, tab_id: str) -> None:
    """Copy the analysis store into the view's ``seen_id`` store when the tab is shown."""
    app.clientside_callback(_SEE_WHEN_SHOWN % tab_id, Output(seen_id, "data"),
                            Input(app_ids.ANALYSIS_STORE, "data"),
                            Input(app_ids.VIEW_TABS, "active_tab"), State(seen_id, "data"),
                            prevent_initial_call=True)


def register_reset(app, seen_id: str, result_id: str, figure_ids, table_id: str,
                   summary_id: str) -> None:
    """Other data loaded (``seen_id``: the analysis as the view last saw it): the view's
    result (of the data before) is put away, its figures say to compute again, its table
    empties."""
    outputs = [Output(result_id, "data", allow_duplicate=True)] + [
        Output(f, "figure", allow_duplicate=True) for f in figure_ids] + [
        Output(table_id, "data", allow_duplicate=True),
        Output(summary_id, "children", allow_duplicate=True)]

    @app.callback(*outputs, Input(seen_id, "data"), State(result_id, "data"),
                  prevent_initial_call=True)
    def reset(analysis_store, reference):
        if not reference or not analysis_store or \
                reference.get("dataset") == analysis_store.get("key"):
            return tuple([no_update] * len(outputs))
        message = empty_figure("New data: press the button above to compute for it.")
        return (None, *[message] * len(figure_ids), [], "")
