"""The Cells tab (issue 9): single-cell QC, the map of the cells, markers and clusters.

Shown for a single-cell dataset (:func:`rnaclust_dash.io.detect_mode`), whose analysis
runs the single-cell pipeline (:func:`rnaclust_dash.pipeline.single_cell.run_single_cell`,
sparse throughout) instead of the bulk one. The QC thresholds redraw their lines and the
count of removed cells at once (from cached per-cell metrics); the analysis reruns on
"Run". Recolouring the map (cluster, a gene, a cell-sheet column) sends only the colour
codes, which the browser writes straight into the map's WebGL buffers
(``assets/cells_recolour.js``): at 100,000 cells neither the positions are sent again
nor does plotly redraw the map from scratch.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Output, dash_table, dcc, html

from callbacks.common import ViewOutputs
from layouts import ids
from layouts.components import GRAPH_CONFIG, job_controls, view_alert
from layouts.param_controls import control_for, labelled_box
from rnaclust_dash.params import single_cell_defaults
from rnaclust_dash.pl import cells as figures
from rnaclust_dash.store import ResultStore

from . import cells_results as results

TAB_ID = "cells"
TAB_LABEL = "Cells"

# component ids of this view
CONTROL_IDS = {name: f"cells-{name.replace('_', '-')}" for name in results.CELL_PARAMS}
RUN = "cells-run"
STATUS = "cells-status"
SUMMARY = "cells-summary"
QC_TEXT = "cells-qc-text"
QC_VIOLINS = "cells-qc-violins"
QC_SCATTER = "cells-qc-scatter"
QC_DRAWN = "cells-qc-drawn"  # the dataset whose QC figures are drawn (then lines only move)
MAP = "cells-map"
COLOR_KIND = "cells-color-kind"
GENE = "cells-gene"
COLUMN = "cells-column"
COLORS = "cells-colors"  # a recolour's colours, applied in the browser (cells_callbacks)
RECOLOURED = "cells-recoloured"  # the title of the colours last applied
SELECTION = "cells-selection"
MARKERS = "cells-marker-table"
VIOLIN = "cells-gene-violin"
DOT_PLOT = "cells-dot-plot"
ELBOW = "cells-elbow"
RENAME_CLUSTER = "cells-rename-cluster"
RENAME_TEXT = "cells-rename-text"
RENAME_BUTTON = "cells-rename-button"
NAMES_STORE = "cells-names"
RESULT_STORE = "cells-result"
REQUEST = "cells-request"  # the analysis job's request (views.cells_callbacks)
PROGRESS = "cells-progress"
CANCEL = "cells-cancel"

VIEW = ViewOutputs("cells", (
    Output(SUMMARY, "children"), Output(MAP, "figure"), Output(MARKERS, "data"),
    Output(DOT_PLOT, "figure"), Output(ELBOW, "figure"), Output(COLUMN, "options"),
    Output(RENAME_CLUSTER, "options")))
#: The QC figures' config: their threshold lines can be dragged (:mod:`.cells_qc`).
QC_GRAPH_CONFIG = {**GRAPH_CONFIG, "edits": {"shapePosition": True}}
# The map is recoloured in place, its colour bar and names drawn over it in HTML: plotly's
# own image button would save it without them. The sidebar's "Figures for papers" draws
# it on the server as shown (figures_as_shown).
MAP_GRAPH_CONFIG = {**GRAPH_CONFIG, "modeBarButtonsToRemove": ["toImage"]}

_NOT_SINGLE_CELL = ("This tab is for single cells: load a 10x folder (.zip), a 10x .h5 or "
                    "an .h5ad in the data card. Bulk tables use the other tabs.")


def _graph(component_id: str, height: str, config: dict = GRAPH_CONFIG) -> dcc.Graph:
    return dcc.Loading(dcc.Graph(id=component_id, config=config,
                                 style={"height": height}), delay_show=300)


def _with_value(control, component_id: str, value):
    """``control`` (a labelled control) with its input set to the single-cell default
    (the spec's default is the bulk one, e.g. PCA rather than UMAP for the map)."""
    stack = [control]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) == component_id:
            node.value = value
            return control
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, list) else
                     [children] if children is not None else [])
    raise KeyError(component_id)


def _controls() -> dbc.Card:
    defaults = single_cell_defaults()
    boxes = [labelled_box(name, CONTROL_IDS[name], value=getattr(defaults, name))
             for name in results.QC_PARAMS]
    choices = [dbc.Col(_with_value(control_for(name, CONTROL_IDS[name]), CONTROL_IDS[name],
                                   getattr(defaults, name)), md=3)
               for name in ("embedding", "markers")]
    numbers = [labelled_box(name, CONTROL_IDS[name], value=getattr(defaults, name))
               for name in ("hvg", "pcs", "neighbors", "resolution")]
    return dbc.Card(dbc.CardBody([
        html.B("Quality control: type a threshold or drag its line on the plots below; "
               "the count follows at once, Run applies them"),
        html.Div(boxes, className="d-flex flex-wrap gap-1 my-1"),
        html.Div(id=QC_TEXT, className="small mb-2"),
        html.B("Analysis"),
        html.Div(numbers, className="d-flex flex-wrap gap-1 my-1"),
        dbc.Row(choices + [dbc.Col(job_controls(RUN, CANCEL, PROGRESS, STATUS, "Run"),
                                   className="mt-4", md=6)], className="align-items-center"),
    ]), className="mb-3")


def _color_controls() -> html.Div:
    return html.Div([
        dbc.RadioItems(id=COLOR_KIND, inline=True, value="cluster", className="me-3",
                       options=[{"label": "cluster", "value": "cluster"},
                                {"label": "gene", "value": "gene"},
                                {"label": "cell sheet column", "value": "column"}]),
        dcc.Dropdown(id=GENE, placeholder="type a gene symbol", style={"width": "14rem"},
                     className="me-2"),
        dcc.Dropdown(id=COLUMN, placeholder="column", options=[], style={"width": "12rem"}),
    ], className="d-flex align-items-center flex-wrap mb-1")


def _rename() -> html.Div:
    return html.Div([
        dcc.Dropdown(id=RENAME_CLUSTER, placeholder="cluster", options=[],
                     style={"width": "8rem"}, className="me-2"),
        dbc.Input(id=RENAME_TEXT, placeholder="name, e.g. B cells", size="sm",
                  style={"width": "12rem"}, className="me-2", debounce=True),
        dbc.Button("Name cluster", id=RENAME_BUTTON, size="sm", color="secondary"),
    ], className="d-flex align-items-center my-2")


def layout() -> html.Div:
    """Controls, QC, the map with its colour choice, the cluster tree across resolutions,
    markers, gene plots and the elbow."""
    from .cells_downloads import cells_download_row
    from .cells_splits import split_row
    from .cells_tree import tree_card

    card = lambda title, body: dbc.Card([dbc.CardHeader(title), dbc.CardBody(  # noqa: E731
        body, className="p-1")], className="mb-3")
    return html.Div([
        view_alert("cells"),
        dcc.Store(id=NAMES_STORE, data={}), dcc.Store(id=RESULT_STORE), dcc.Store(id=REQUEST),
        dcc.Store(id=QC_DRAWN), dcc.Store(id=COLORS), dcc.Store(id=RECOLOURED),
        html.Div(_NOT_SINGLE_CELL, id=SUMMARY, className="mb-2"),
        _controls(),
        dbc.Row([dbc.Col(card("QC per cell (drag a red line to move its threshold)",
                              _graph(QC_VIOLINS, "320px", QC_GRAPH_CONFIG)), lg=7),
                 dbc.Col(card("Counts against genes (colour: % mitochondrial)",
                              _graph(QC_SCATTER, "320px", QC_GRAPH_CONFIG)), lg=5)]),
        card("Map of the cells (lasso or box to select)", [
            _color_controls(), _graph(MAP, "520px", MAP_GRAPH_CONFIG),
            html.Div(id=SELECTION, className="small"), _rename(), split_row()]),
        tree_card(),
        dbc.Row([
            dbc.Col(card("Markers of each cluster against the rest (click a row to plot "
                         "the gene)", dash_table.DataTable(
                id=MARKERS, page_size=15, sort_action="native", filter_action="native",
                columns=[{"name": c, "id": c} for c in
                         ("group", "symbol", "score", "log2fc", "padj", "pct_in",
                          "pct_out")],
                style_cell={"fontSize": 12, "padding": "2px 6px"})), lg=6),
            dbc.Col([card("Gene per cluster", _graph(VIOLIN, "300px")),
                     card("Dot plot of the top markers", _graph(DOT_PLOT, "360px"))], lg=6),
        ]),
        card("Elbow: variance of each principal component", _graph(ELBOW, "280px")),
        card("Reproduce and report: params.json, a script and notebook, the report",
             cells_download_row()),
    ], className="pt-2")


def _values(args) -> dict:
    return dict(zip(results.CELL_PARAMS, args))


def figures_as_shown() -> dict:
    """Graphs whose figure the browser changes in place, for the figure downloads
    (:mod:`callbacks.figure_downloads`): graph id -> (the states to read, a function of
    ``(store, *their values)`` giving the figure as shown, or None)."""
    from dash import State

    from .cells_callbacks import map_as_shown

    return {MAP: ([State(RESULT_STORE, "data"), State(NAMES_STORE, "data"),
                   State(COLOR_KIND, "value"), State(GENE, "value"),
                   State(COLUMN, "value")], map_as_shown)}


def register(app, store: ResultStore) -> None:
    """Register the Cells callbacks (:mod:`views.cells_qc`, :mod:`views.cells_tree`,
    :mod:`views.cells_callbacks`)."""
    from . import cells_callbacks, cells_downloads, cells_qc, cells_tree

    cells_downloads.register(app, store)
    cells_qc.register(app, store)
    cells_tree.register(app, store)
    cells_callbacks.register(app, store)
