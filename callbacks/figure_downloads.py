"""Figures for papers in the sidebar: any figure of the page, or all of them as a zip, as
PNG (chosen size and dpi), SVG or PDF, drawn on the server by
:mod:`rnaclust_dash.export.figures`; the file names say dataset, figure, method and k,
and each figure's title starts with the dataset's name."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.export.figures import (FIGURE_FORMATS, SIZE_RANGE, figure_bytes,
                                          figure_file_name, figures_zip, scale_for_dpi,
                                          titled)
from rnaclust_dash.pipeline.datasets import load_summary
from rnaclust_dash.store import ResultStore

# Component ids of the figure area (used only here and in its tests).
WHICH = "figure-which"
FORMAT = "figure-format"
WIDTH = "figure-width"
HEIGHT = "figure-height"
DPI = "figure-dpi"
ONE = "figure-download-one"
ALL = "figure-download-all"
DOWNLOAD = "figure-download"
ALERT = "figure-alert"

DPI_CHOICES = (96, 150, 300, 600)


def graph_ids() -> list[tuple[str, str]]:
    """(graph id, tab label) of every dcc.Graph of the views, in tab order."""
    from views import VIEWS
    found = []
    for view in VIEWS:
        stack = [view.layout()]
        while stack:
            component = stack.pop(0)
            if isinstance(component, (list, tuple)):
                stack[:0] = list(component)
                continue
            if isinstance(component, dcc.Graph) and isinstance(getattr(component, "id", None), str):
                found.append((component.id, view.TAB_LABEL))
            children = getattr(component, "children", None)
            if children is not None and not isinstance(children, str):
                stack[:0] = children if isinstance(children, (list, tuple)) else [children]
    return found


def figures_part() -> html.Div:
    """The sidebar's figure area: which figure, format, size, resolution, two buttons."""
    options = [{"label": f"{label}: {graph.replace('-', ' ')}", "value": graph}
               for graph, label in graph_ids()]
    box = {"size": "sm", "type": "number", "min": SIZE_RANGE[0], "max": SIZE_RANGE[1],
           "step": 10, "style": {"width": "5.5rem"}}
    return html.Div([
        html.H6("Figures for papers", className="mt-2"),
        dcc.Dropdown(id=WHICH, options=options, value=options[0]["value"] if options else None,
                     clearable=False),
        dbc.RadioItems(id=FORMAT, options=[{"label": f.upper(), "value": f}
                                           for f in FIGURE_FORMATS],
                       value="png", inline=True, className="my-1"),
        dbc.InputGroup([dbc.Input(id=WIDTH, value=900, **box), dbc.InputGroupText("x"),
                        dbc.Input(id=HEIGHT, value=650, **box), dbc.InputGroupText("px")],
                       size="sm", className="mb-1"),
        dbc.InputGroup([dbc.InputGroupText("Resolution"),
                        dbc.Select(id=DPI, value="300",
                                   options=[{"label": f"{d} dpi", "value": str(d)}
                                            for d in DPI_CHOICES])], size="sm"),
        html.Small("PNG only; SVG and PDF are vectors. 900 px at 300 dpi prints 9.4 in "
                   "(24 cm) wide.", className="text-muted d-block"),
        dbc.Button("Download figure", id=ONE, size="sm", color="secondary",
                   className="me-2 mt-1"),
        dbc.Button("Download all (zip)", id=ALL, size="sm", color="secondary",
                   className="mt-1"),
        dbc.Alert(id=ALERT, is_open=False, dismissable=True, color="danger",
                  className="small mt-1"),
        dcc.Download(id=DOWNLOAD),
    ], className="mb-3 figure-downloads")


def has_data(figure) -> bool:
    """A figure worth saving: it draws at least one trace with data."""
    return bool(figure) and any(trace for trace in figure.get("data") or [])


def download_figures(store: ResultStore, trigger: str, which: str, figures: dict,
                     analysis_store: dict | None, *, fmt: str, width, height, dpi) -> dict:
    """The ``dcc.Download`` data of one figure (``which``) or of the gallery.

    Parameters
    ----------
    figures : dict
        Graph id -> figure dict, as on the page.
    """
    name, method, k = "rnaclust", "", ""
    if analysis_store:
        name = load_summary(store, analysis_store["key"])["name"] or name
        method = analysis_store["params"].get("method", "")
        k = f"k{analysis_store['params'].get('k')}"
    options = {"fmt": fmt, "width": int(width or 0), "height": int(height or 0),
               "scale": scale_for_dpi(float(dpi)) if fmt == "png" else 1.0}
    shown = {graph: titled(figure, name) for graph, figure in figures.items()
             if has_data(figure)}
    if trigger == ONE:
        if which not in shown:
            raise RnaclustError("That figure is empty: open its tab and let it draw first.")
        content = figure_bytes(shown[which], **options)
        return dcc.send_bytes(content, figure_file_name(name, which, method, k, fmt=fmt))
    if not shown:
        raise RnaclustError("No figure has been drawn yet: load data first.")
    files = {figure_file_name(name, graph, method, k, fmt=fmt): figure
             for graph, figure in shown.items()}
    content = figures_zip(files, **options)
    return dcc.send_bytes(content, figure_file_name(name, "figures", method, k, fmt="zip"))


def figures_as_shown() -> dict:
    """Graph id -> (states, function) of every view declaring ``figures_as_shown()``: the
    figure of a graph the browser changes in place is drawn again on the server, since
    the figure Dash holds for it is not what the page shows."""
    from views import VIEWS
    found = {}
    for view in VIEWS:
        if hasattr(view, "figures_as_shown"):
            found.update(view.figures_as_shown())
    return found


def register(app, store: ResultStore) -> None:
    """Register the figure download callback."""
    graphs = [graph for graph, _ in graph_ids()]
    redrawn = figures_as_shown()
    redrawn_states = [state for states, _ in redrawn.values() for state in states]

    @app.callback(Output(DOWNLOAD, "data"), Output(ALERT, "children"),
                  Output(ALERT, "is_open"),
                  Input(ONE, "n_clicks"), Input(ALL, "n_clicks"),
                  State(WHICH, "value"), State(FORMAT, "value"), State(WIDTH, "value"),
                  State(HEIGHT, "value"), State(DPI, "value"),
                  State(ids.ANALYSIS_STORE, "data"),
                  *[State(graph, "figure") for graph in graphs], *redrawn_states,
                  prevent_initial_call=True)
    def download(_one, _all, which, fmt, width, height, dpi, analysis_store, *values):
        shown = dict(zip(graphs, values[:len(graphs)]))
        values = list(values[len(graphs):])
        try:
            for graph, (states, draw) in redrawn.items():
                own, values = values[:len(states)], values[len(states):]
                # drawn again only when it is downloaded (a 100k-cell map takes seconds)
                if graph in shown and (ctx.triggered_id == ALL or which == graph):
                    shown[graph] = draw(store, *own) or shown[graph]
            data = download_figures(store, ctx.triggered_id, which, shown,
                                    analysis_store, fmt=fmt, width=width, height=height,
                                    dpi=dpi)
        except RnaclustError as error:
            return no_update, str(error), True
        return data, None, False
