"""Building blocks shared by the page frame and the views: figure cards, alerts, labelled
controls with their help, and the controls of a background job."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from . import ids

GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}


def view_alert(view: str) -> dbc.Alert:
    """The alert of one view (a tab or a card): the errors and notices of that view."""
    return dbc.Alert(id=ids.VIEW_ALERTS[view], color="danger", is_open=False,
                     dismissable=True, className="view-alert small")


def help_lines(described: dict) -> list:
    """A tooltip body: one line per choice."""
    return [html.Div([html.B(name + ": "), text]) for name, text in described.items()]


def labelled(label: str, control, help_id: str, help_body) -> html.Div:
    """A control with its label; hovering the label explains the control."""
    return html.Div([
        # A plain "?" in a CSS circle: renders with any font (a Unicode symbol such as
        # U+24D8 needs a font that has it, and showed as an empty box).
        dbc.Label([label, html.Span("?", className="help-icon")], id=help_id,
                  className="control-label"),
        control,
        dbc.Tooltip(help_body, target=help_id, placement="right", className="control-help"),
    ], className="control")


def figure_card(title: str, graph_id: str, help_text: str,
                height: str | None = None) -> dbc.Card:
    """A card holding one figure. Without ``height`` the figure sets its own (the heatmap
    and the silhouette plot grow with the number of rows they label)."""
    style = {"height": height} if height else {}
    return dbc.Card([
        dbc.CardHeader(html.Span(title, title=help_text)),
        dbc.CardBody(dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style=style),
                                 delay_show=300), className="p-1"),
    ], className="mb-3")


def job_controls(run_id: str, cancel_id: str, progress_id: str, status_id: str,
                 label: str) -> html.Div:
    """Run button, progress bar and cancel button of a background job."""
    return html.Div([
        dbc.Button(label, id=run_id, color="primary", size="sm", className="me-2"),
        dbc.Progress(id=progress_id, value=0, max=100, striped=True, animated=True,
                     style={"display": "none", "width": "16rem"}, className="me-2"),
        dbc.Button("Cancel", id=cancel_id, size="sm", color="link", style={"display": "none"}),
        html.Span(id=status_id, className="small text-muted"),
    ], className="d-flex align-items-center my-2")


def number_box(component_id: str, value, label: str, **kwargs) -> dbc.InputGroup:
    """A small number box with its label in front (a view's own option)."""
    return dbc.InputGroup([dbc.InputGroupText(label),
                           dbc.Input(id=component_id, type="number", value=value, **kwargs)],
                          size="sm", className="me-2 w-auto")
