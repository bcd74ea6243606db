"""Tabs that work on bulk tables only (a view module with ``BULK_ONLY = True``): while a
single-cell dataset is loaded their content is hidden behind one clear notice that points
to the Cells tab, instead of empty plots, stale bulk results or a computation that would
densify 100,000 cells.

One helper for every such tab: :func:`wrap` puts the notice above the tab's content
(:func:`views.view_tabs` does it), :func:`register` registers the single callback that
shows one or the other from the loaded dataset's mode.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, html, no_update

from layouts import ids

from .cells import TAB_ID as CELLS_TAB

#: What a bulk-only tab says while single cells are loaded.
MESSAGE = ("This tab works on bulk tables (genes x samples). For the cells loaded, use the "
           "Cells tab: QC, clusters, markers and the cluster tree across resolutions. To "
           "treat cells as samples, sum their counts into a pseudo-bulk table (one column "
           "per sample or per cell type) and load that as a count table, or run the command "
           "line with --mode bulk.")

_HIDDEN = {"display": "none"}


def notice_id(tab_id: str) -> str:
    """Component id of a bulk-only tab's notice."""
    return f"{tab_id}-bulk-only"


def content_id(tab_id: str) -> str:
    """Component id of the Div holding a bulk-only tab's content."""
    return f"{tab_id}-bulk-content"


def button_id(tab_id: str) -> str:
    """Component id of the notice's "Go to the Cells tab" button."""
    return f"{tab_id}-bulk-only-go"


def wrap(tab_id: str, content) -> html.Div:
    """A bulk-only tab: its notice (hidden until single cells are loaded) and its content."""
    return html.Div([
        dbc.Alert([html.B("Single cells are loaded. "), MESSAGE, html.Br(),
                   dbc.Button("Go to the Cells tab", id=button_id(tab_id), size="sm",
                              color="light", className="mt-2")],
                  id=notice_id(tab_id), color="info", is_open=False, className="mt-2"),
        html.Div(content, id=content_id(tab_id)),
    ])


def visibility(dataset_store: dict | None, n_tabs: int) -> list:
    """(notice is_open, content style) for each of ``n_tabs`` tabs, flattened."""
    single_cell = bool(dataset_store) and dataset_store.get("mode") == "single-cell"
    return [single_cell, _HIDDEN if single_cell else {}] * n_tabs


def register(app, tab_ids) -> None:
    """The one callback showing the notice or the content of every bulk-only tab."""
    tab_ids = list(tab_ids)
    outputs = [output for tab_id in tab_ids for output in (
        Output(notice_id(tab_id), "is_open"), Output(content_id(tab_id), "style"))]

    @app.callback(*outputs, Input(ids.DATASET_STORE, "data"), prevent_initial_call=True)
    def show_bulk_only(dataset_store):
        return visibility(dataset_store, len(tab_ids))

    @app.callback(Output(ids.VIEW_TABS, "active_tab", allow_duplicate=True),
                  *[Input(button_id(tab_id), "n_clicks") for tab_id in tab_ids],
                  prevent_initial_call=True)
    def go_to_cells(*clicks):
        return CELLS_TAB if any(clicks) else no_update
