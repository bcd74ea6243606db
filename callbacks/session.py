"""Sessions in the sidebar: load a params.json to restore every control, undo/redo of
parameter changes with a history panel, and a link (the page URL) that encodes the view.

The pure parts (diffs, the history, the URL) are :mod:`rnaclust_dash.params.session`;
here they meet the controls. Restoring never runs on a dataset other than the one the
parameters name: a bundled example is loaded first, any other dataset must be loaded by
the user (the message says so) and the current analysis stays.
"""

from __future__ import annotations

import base64

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.io import EXAMPLES
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.params.session import (
    can_step, decode_state, encode_state, history_lines, read_session_file, record, step)
from rnaclust_dash.store import ResultStore

from .common import IncompleteControl, controls_from_params, params_from_controls

# Component ids of the session area (used only here and in its tests).
URL = "session-url"
UPLOAD = "session-upload"
UNDO = "session-undo"
REDO = "session-redo"
HISTORY = "session-history"          # dcc.Store: {"key", "entries", "index"}
PENDING = "session-pending"          # dcc.Store: parameters waiting for their dataset
HISTORY_PANEL = "session-history-panel"
LINK = "session-link"
ALERT = "session-alert"

PARAM_CONTROL_IDS = list(ids.PARAM_CONTROLS)


def session_part() -> html.Div:
    """The sidebar's session area: load params.json, undo/redo, history, share link."""
    return html.Div([
        dcc.Location(id=URL, refresh=False),
        dcc.Store(id=HISTORY, storage_type="session"),
        dcc.Store(id=PENDING),
        dcc.Upload(id=UPLOAD, multiple=False, className="upload", accept=".json",
                   children=html.Div(["Load parameters (params.json)", html.Br(),
                                      html.Small("restores every control")])),
        html.Div([
            dbc.Button("Undo", id=UNDO, size="sm", color="secondary", outline=True,
                       className="me-1", disabled=True),
            dbc.Button("Redo", id=REDO, size="sm", color="secondary", outline=True,
                       disabled=True),
        ], className="my-2"),
        dbc.Alert(id=ALERT, is_open=False, dismissable=True, className="small"),
        html.Details([html.Summary("History of changes"),
                      html.Ol(id=HISTORY_PANEL, className="small session-history",
                              reversed=True)]),
        html.Div([html.Small("Link to this view (same server): ", className="text-muted"),
                  dcc.Clipboard(target_id=LINK, title="copy the link",
                                style={"display": "inline-block"}),
                  html.Div(id=LINK, className="small text-break text-muted")],
                 className="mt-1"),
    ], className="mb-3 session")


def control_values(params: AnalysisParams | dict) -> list:
    """The values of :data:`PARAM_CONTROL_IDS` that show ``params``."""
    if isinstance(params, dict):
        params = AnalysisParams.from_dict(params)
    values = controls_from_params(params, PARAM_CONTROL_IDS)
    return [values[control] for control in PARAM_CONTROL_IDS]


def restore_plan(store: ResultStore, current_key: str | None, dataset_key: str,
                 dataset_name: str, params: AnalysisParams, *, source: str) -> dict:
    """What to do with parameters that name a dataset: ``{"apply": bool, "example":
    name or None, "pending": dict or None, "message": str, "color": str}``."""
    label = f"'{dataset_name}'" if dataset_name else "the dataset it was made on"
    if not dataset_key or dataset_key == current_key:
        note = "" if dataset_key else " (it names no dataset: applied to the loaded one)"
        return {"apply": True, "example": None, "pending": None, "color": "success",
                "message": f"Settings restored from the {source}{note}."}
    if dataset_name in EXAMPLES:
        return {"apply": False, "example": dataset_name, "color": "info",
                "pending": {"key": dataset_key, "params": params.to_dict(), "source": source},
                "message": f"Loading the example {label}, then restoring the settings."}
    where = ("This server has it: load that table again (upload or data folder), then load "
             "the settings again." if dataset_key + "/summary" in store else
             "It is not on this server: upload the same count table first, then load the "
             "settings again.")
    return {"apply": False, "example": None, "pending": None, "color": "warning",
            "message": f"The {source} is for {label}, not the dataset loaded now. {where} "
                       "The current analysis is unchanged."}


def _upload_text(contents: str) -> str:
    try:
        return base64.b64decode(contents.split(",", 1)[1]).decode("utf-8")
    except (IndexError, ValueError, UnicodeDecodeError):
        raise RnaclustError("The file is not a text params.json: choose the params.json "
                            "that 'Download parameters' saved.") from None


def _outputs(controls=None, *, example=no_update, pending=no_update, history=no_update,
             message=None, color="info") -> tuple:
    controls = controls if controls is not None else [no_update] * len(PARAM_CONTROL_IDS)
    alert = (no_update, no_update, no_update) if message is None else (message, True, color)
    return (*controls, example, pending, history, *alert)


def apply_session(store: ResultStore, trigger: str | None, *, upload=None, dataset=None,
                  history=None, pending=None) -> tuple:
    """The body of the restore callback (plain function: testable without a browser)."""
    current_key = (dataset or {}).get("key")
    if trigger in (UNDO, REDO):
        moved, params = step(history, -1 if trigger == UNDO else +1)
        if params is None:
            return _outputs()
        return _outputs(control_values(params), history=moved)
    if trigger == UPLOAD:
        try:
            session = read_session_file(_upload_text(upload))
        except RnaclustError as error:
            return _outputs(message=f"params.json not loaded: {error} The current analysis "
                                    "is unchanged.", color="danger")
        plan = restore_plan(store, current_key, session.dataset_key, session.dataset_name,
                            session.params, source="params.json")
        return _planned(plan, session.params)
    if pending and pending.get("key") == current_key:
        return _outputs(control_values(pending["params"]), pending=None,
                        message=f"Settings restored from the {pending['source']}.",
                        color="success")
    if pending and trigger == ids.DATASET_STORE:  # the example loaded is not the one named
        return _outputs(pending=None, color="warning",
                        message="The example on this server differs from the one the "
                                "settings were made on; they were not applied.")
    return _outputs()


def _planned(plan: dict, params: AnalysisParams) -> tuple:
    if plan["apply"]:
        return _outputs(control_values(params), message=plan["message"], color=plan["color"])
    return _outputs(example=plan["example"] or no_update, pending=plan["pending"],
                    message=plan["message"], color=plan["color"])


def history_view(history: dict | None) -> list:
    """The history panel: one item per step, newest first, the current one in bold."""
    return [html.Li(html.B(text) if current else text) for current, text
            in history_lines(history)]


def register(app, store: ResultStore) -> None:
    """Register the session callbacks."""
    control_outputs = [Output(c, "value", allow_duplicate=True) for c in PARAM_CONTROL_IDS]

    @app.callback(Output(PENDING, "data"), Output(ALERT, "children"),
                  Output(ALERT, "is_open"), Output(ALERT, "color"),
                  Output(ids.EXAMPLE, "value", allow_duplicate=True),
                  Input(URL, "pathname"), State(URL, "search"),
                  State(ids.DATASET_STORE, "data"), prevent_initial_call="initial_duplicate")
    def read_link(_, search, dataset):
        try:
            state = decode_state(search)
        except RnaclustError as error:
            return None, f"The link's settings were not applied: {error}", True, "danger", \
                no_update
        if state is None:
            return no_update, no_update, no_update, no_update, no_update
        key, params = state
        summary = store.get(key + "/summary") or {}
        plan = restore_plan(store, (dataset or {}).get("key"), key, summary.get("name", ""),
                            params, source="link")
        if not (plan["apply"] or plan["example"]):
            return None, plan["message"], True, plan["color"], no_update
        pending = {"key": key, "params": params.to_dict(), "source": "link"}
        return pending, no_update, no_update, no_update, plan["example"] or no_update

    # What restoring a session sets: every control, the example, the pending restore,
    # the history and the alert (two callbacks set them, see below).
    restore_outputs = (*control_outputs, Output(ids.EXAMPLE, "value", allow_duplicate=True),
                       Output(PENDING, "data", allow_duplicate=True),
                       Output(HISTORY, "data", allow_duplicate=True),
                       Output(ALERT, "children", allow_duplicate=True),
                       Output(ALERT, "is_open", allow_duplicate=True),
                       Output(ALERT, "color", allow_duplicate=True))

    @app.callback(*restore_outputs,
                  Input(UPLOAD, "contents"), Input(UNDO, "n_clicks"), Input(REDO, "n_clicks"),
                  Input(PENDING, "data"), Input(ids.DATASET_STORE, "data"),
                  State(HISTORY, "data"), prevent_initial_call=True)
    def restore(upload, _undo, _redo, pending, dataset, history):
        return apply_session(store, ctx.triggered_id, upload=upload, dataset=dataset,
                             history=history, pending=pending)

    # Also a separate callback: when the restore callback sets the example, whose loading
    # sets the dataset store, Dash does not run the restore callback again in that chain.
    # (Both may apply the same parameters: the second changes nothing.)
    @app.callback(*restore_outputs,
                  Input(ids.DATASET_STORE, "data"), State(PENDING, "data"),
                  prevent_initial_call=True)
    def restore_after_load(dataset, pending):
        if not pending:
            return _outputs()
        return apply_session(store, ids.DATASET_STORE, dataset=dataset, pending=pending)

    @app.callback(Output(HISTORY, "data"), Output(URL, "search"),
                  Input(ids.DATASET_STORE, "data"),
                  *[Input(c, "value") for c in PARAM_CONTROL_IDS],
                  State(HISTORY, "data"), State(PENDING, "data"), prevent_initial_call=True)
    def remember(dataset, *values):
        *controls, history, pending = values
        key = (dataset or {}).get("key")
        if not key or pending:  # parameters waiting for their dataset: not a state yet
            return no_update, no_update
        try:
            params = params_from_controls(dict(zip(PARAM_CONTROL_IDS, controls)))
        except (IncompleteControl, RnaclustError):
            return no_update, no_update
        return record(history, key, params.to_dict()), encode_state(key, params)

    @app.callback(Output(UNDO, "disabled"), Output(REDO, "disabled"),
                  Output(HISTORY_PANEL, "children"), Input(HISTORY, "data"))
    def show_history(history):
        undo, redo = can_step(history)
        return not undo, not redo, history_view(history)

    app.clientside_callback(
        "function(search) { return window.location.origin + window.location.pathname"
        " + (search || ''); }", Output(LINK, "children"), Input(URL, "search"))
