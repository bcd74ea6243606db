"""The Cells tab's cluster tree across resolutions (clustree): Leiden (or Louvain) of the
analysis' neighbour graph at several resolutions, run as a background job with its own
button; clicking a node sets the tab's resolution box (Run then applies it).

The graph is the analysis shown (the Cells tab's last Run, :data:`views.cells.RESULT_STORE`);
the panel is kept in the store under the graph's key, so drawing it again is instant.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import ViewOutputs
from callbacks.jobs import running_outputs, throttled
from layouts.components import GRAPH_CONFIG, job_controls
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline.single_cell import single_cell_keys
from rnaclust_dash.pipeline.single_cell_assess import PANEL_RESOLUTIONS, resolution_panel
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.resolution_tree import MIN_IN_PROP, resolution_tree_figure
from rnaclust_dash.store import ResultStore, stage_key

from . import cells as view
from . import cells_results as results

# component ids of the card
RESOLUTIONS = "cells-tree-resolutions"
RUN = "cells-tree-run"
CANCEL = "cells-tree-cancel"
PROGRESS = "cells-tree-progress"
STATUS = "cells-tree-status"
TREE = "cells-tree"

#: Resolutions offered (the panel's defaults and a few more).
RESOLUTION_CHOICES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0)

TREE_VIEW = ViewOutputs("cells", (Output(TREE, "figure"), Output(STATUS, "children")),
                        duplicate=True)

NO_ANALYSIS = "Run the analysis first: the tree clusters its neighbour graph."


def _placeholder() -> dict:
    """What the tree's graph shows before the first tree: a line, not empty axes."""
    figure = empty_figure("Run the analysis, then 'Draw the tree'.")
    figure["layout"]["height"] = 120
    return figure


def tree_card() -> dbc.Card:
    """The card: resolutions to scan, the job's button, the tree."""
    return dbc.Card([
        dbc.CardHeader("Cluster tree across resolutions (clustree): click a node to use "
                       "its resolution"),
        dbc.CardBody([
            html.Div([
                html.Span("Resolutions", className="small me-2"),
                dcc.Dropdown(id=RESOLUTIONS, multi=True, value=list(PANEL_RESOLUTIONS),
                             options=[{"label": f"{r:g}", "value": r}
                                      for r in RESOLUTION_CHOICES],
                             style={"minWidth": "26rem"}, clearable=False),
            ], className="d-flex align-items-center"),
            job_controls(RUN, CANCEL, PROGRESS, STATUS, "Draw the tree"),
            html.Small(f"Each row clusters the same graph at one resolution; an edge joins "
                       f"a cluster to the clusters of the next row that take its cells, "
                       f"darker the larger the share of the child it gives (edges under "
                       f"{MIN_IN_PROP:g} hidden). Straight chains: a stable range; a "
                       f"cluster fed by several parents: cells moving, over-clustering.",
                       className="text-muted d-block mb-1"),
            dcc.Loading(dcc.Graph(id=TREE, config=GRAPH_CONFIG, figure=_placeholder()),
                        delay_show=300),
        ], className="p-2"),
    ], className="mb-3")


def _graph_of(store: ResultStore, result_store: dict, params: AnalysisParams):
    """The analysis' neighbour graph (read back from the store; recomputed when the
    store has let it go) and its stage key."""
    key = single_cell_keys(result_store["key"], params)["sc_neighbors"]
    graph = store.get(key)
    if graph is None:
        graph = results.analyse_cells(store, {"key": result_store["key"]}, params).result.graph
    return graph, key


def tree_panel(store: ResultStore, result_store: dict | None, resolutions,
               progress=None) -> tuple:
    """The tree and its status line for the analysis shown (outputs of :data:`TREE_VIEW`).

    Parameters
    ----------
    result_store : dict or None
        ``{"key", "params"}`` of the analysis shown (None before the first Run).
    resolutions : list of float
        Resolutions to scan; the analysis' own is always added.
    progress : callable, optional
        ``progress(done, total)`` after each resolution.
    """
    if not result_store:
        return TREE_VIEW.shown(no_update, NO_ANALYSIS)
    params = AnalysisParams.from_dict(result_store["params"])
    if params.method not in ("leiden", "louvain"):
        raise ParameterError(f"The tree scans the resolution of Leiden or Louvain; this "
                             f"analysis used {params.method}, which has a k instead.")
    chosen = sorted({float(r) for r in resolutions or ()} | {float(params.resolution)})
    graph, graph_key = _graph_of(store, result_store, params)
    panel = store.get_or_compute(
        stage_key(graph_key, "sc_resolution_panel", {
            "resolutions": chosen, "method": params.method, "seed": params.seed}),
        lambda: resolution_panel(graph.connectivities, resolutions=chosen,
                                 method=params.method, random_state=params.seed,
                                 progress=progress))
    counts = panel.summary["n_clusters"]
    status = (f"{params.method.capitalize()} at {len(chosen)} resolutions (seed "
              f"{params.seed}): {counts.min()} to {counts.max()} clusters. The analysis "
              f"shown (orange) is at {params.resolution:g}.")
    return TREE_VIEW.shown(resolution_tree_figure(panel.labels, panel.tree,
                                                  current=params.resolution), status)


def picked_resolution(click: dict | None) -> float:
    """The resolution of the node clicked (its ``customdata``)."""
    points = (click or {}).get("points") or []
    if not points or points[0].get("customdata") is None:
        raise PreventUpdate
    return float(points[0]["customdata"])


def register(app, store: ResultStore) -> None:
    """Register the tree job and the pick of a resolution."""

    @app.callback(*TREE_VIEW.all, Input(RUN, "n_clicks"), State(view.RESULT_STORE, "data"),
                  State(RESOLUTIONS, "value"), background=True,
                  running=running_outputs(PROGRESS, CANCEL, RUN),
                  progress=[Output(PROGRESS, "value"), Output(PROGRESS, "label")],
                  cancel=[Input(CANCEL, "n_clicks")], prevent_initial_call=True)
    @TREE_VIEW.guard
    def draw_tree(set_progress, _, result_store, resolutions):
        return tree_panel(store, result_store, resolutions, progress=throttled(set_progress))

    @app.callback(Output(view.CONTROL_IDS["resolution"], "value"),
                  Input(TREE, "clickData"), prevent_initial_call=True)
    def pick(click):
        return picked_resolution(click)
