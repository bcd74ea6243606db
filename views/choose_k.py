"""The choose-k view: validation indices over a range of k (or of the resolution for
graph methods), each with its suggested k, and the cluster tree; a long run is a
background job with progress and cancel. A click on a point applies that k.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from callbacks.common import ViewOutputs, k_range_text
from callbacks.jobs import running_outputs, throttled
from layouts import ids
from layouts.components import GRAPH_CONFIG, job_controls, number_box, view_alert
from layouts.param_controls import hover_help, labelled_box, param_of
from rnaclust_dash.assess import choose_k, resolution_scan
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.params import AnalysisParams, check_option
from rnaclust_dash.pl.kselect import INDEX_NAMES
from rnaclust_dash.pl.kselect import cluster_tree_figure
from rnaclust_dash.pl.kselect import k_selection_figure
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.methods import GRAPH_CLUSTERINGS
from views.clustering import splits

TAB_ID = "choose-k"
TAB_LABEL = "Choose k"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)
#: Checkbox: compute the k panel on the selected items only (issue 12).
ON_SELECTION = "k-on-selection"

K_VIEW = ViewOutputs("choose-k", (Output(ids.K_FIGURE, "figure"), Output(ids.K_TREE, "figure"),
                                  Output(ids.K_STATUS, "children")))


def layout() -> html.Div:
    """Indices over a range of k, each with its suggested k; a click applies a k."""
    k_max = param_of("k_max")
    return html.Div([
        html.Small("Runs the method chosen on the left for each k and plots the usual "
                   "indices; a star marks each index's suggestion. Click any point to use "
                   "that k.", className="text-muted d-block mt-2"),
        html.Div([number_box(ids.K_MIN, 2, "k from", min=2, max=k_max.max, step=1),
                  number_box(ids.K_MAX, k_max.default, "to", **k_max.input_bounds(), step=1),
                  hover_help("k_max", ids.K_MAX),
                  labelled_box("gap_refs", ids.GAP_REFS, debounce=False),
                  dbc.Checkbox(id=ON_SELECTION, value=False, className="ms-3 mt-1",
                               label="on the selection (a cluster to split: a click then "
                                     "sets the split's k)")],
                 className="d-flex flex-wrap mt-2"),
        job_controls(ids.K_RUN, ids.K_CANCEL, ids.K_PROGRESS, ids.K_STATUS, "Compute"),
        view_alert("choose-k"),
        dcc.Loading(dcc.Graph(id=ids.K_FIGURE, config=GRAPH_CONFIG), delay_show=300),
        dcc.Graph(id=ids.K_TREE, config=GRAPH_CONFIG),
    ])


def k_panel(store: ResultStore, analysis_store: dict, k_min, k_max, gap_refs,
            progress=None, selection: list | None = None) -> tuple:
    """Figures, status line and alert of the k panel (``K_VIEW.all``; a plain function:
    testable without a browser). When the data allow fewer k than asked for, the range
    used is said in the figure and in the tab's alert. ``selection``: item ids to
    compute it on (methods with k), e.g. a cluster before splitting it."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    if params.method in GRAPH_CLUSTERINGS and selection is not None:
        raise RnaclustError("The resolution scan runs on all items: choose k on the "
                            "selection with a method that has k.")
    if params.method in GRAPH_CLUSTERINGS:  # no k: scan the resolution instead
        choice = resolution_scan(store, analysis_store["key"], params, progress=progress)
        summary = ", ".join(f"{INDEX_NAMES.get(name, name)} resolution = {r:g}"
                            for name, r in choice.suggested.items())
        return K_VIEW.shown(
            k_selection_figure(choice.table, choice.suggested,
                                              current_k=params.resolution, x="resolution"),
            cluster_tree_figure(choice.tree),
            f"Suggested: {summary}. Tree levels are the resolutions in increasing order.")
    if k_min is None or k_max is None:
        raise RnaclustError("Give a k range with 'k from' at most 'to'.")
    # Bounded before any work (a box can hold 1e308 or, from a crafted request, NaN).
    k_min, k_max = check_option("k_min", k_min), check_option("k_max", k_max)
    gap_refs = check_option("gap_refs", gap_refs or 0)
    if k_min > k_max:
        raise RnaclustError("Give a k range with 'k from' at most 'to'.")
    n_items = analysis_store.get("n_items") if selection is None else len(selection)
    choice = choose_k(store, analysis_store["key"], params,
                      k_values=range(k_min, k_max + 1), gap_refs=gap_refs, progress=progress,
                      item_ids=selection)
    reason = (f"{int(n_items):,} {params.target}; k must be below that" if n_items
              else f"k must be below the number of {params.target}")
    used, narrowed = k_range_text(choice.table["k"], (int(k_min), int(k_max)), reason=reason)
    summary = ", ".join(f"{INDEX_NAMES.get(name, name)} k = {k}"
                        for name, k in choice.suggested.items())
    return K_VIEW.shown(
        k_selection_figure(choice.table, choice.suggested, current_k=params.k,
                                          title=used),
        cluster_tree_figure(choice.tree),
        f"{used}{'' if selection is None else ' (the selection only)'}. Suggested: {summary}.",
        notice=f"Computed for {used}." if narrowed else None)


def clicked_choice(click: dict | None, method: str) -> tuple:
    """(k, resolution) outputs for a click on the k panel: the clicked k, or for graph
    methods the clicked resolution."""
    points = (click or {}).get("points") or []
    if not points or not isinstance(points[0].get("customdata"), (int, float)):
        return no_update, no_update
    value = points[0]["customdata"]
    if method in GRAPH_CLUSTERINGS:
        return no_update, float(value)
    return int(value), no_update


def register(app, store: ResultStore) -> None:
    """Register the k-panel background job and the click-to-apply-k callback."""

    @app.callback(*K_VIEW.all, Input(ids.K_RUN, "n_clicks"), State(ids.ANALYSIS_STORE, "data"),
                  State(ids.K_MIN, "value"), State(ids.K_MAX, "value"),
                  State(ids.GAP_REFS, "value"), State(ON_SELECTION, "value"),
                  State(ids.SELECTION_STORE, "data"),
                  background=True,
                  running=running_outputs(ids.K_PROGRESS, ids.K_CANCEL, ids.K_RUN),
                  progress=[Output(ids.K_PROGRESS, "value"), Output(ids.K_PROGRESS, "label")],
                  cancel=[Input(ids.K_CANCEL, "n_clicks")], prevent_initial_call=True)
    @K_VIEW.guard
    def compute_k_panel(set_progress, _, analysis_store, k_min, k_max, gap_refs,
                        on_selection, selected):
        if not analysis_store:
            return K_VIEW.shown(no_update, no_update, "Load data first.")
        if on_selection and not selected:
            raise RnaclustError("Select items first (click a cluster's bar, lasso in the "
                                "scatter), or untick 'on the selection'.")
        return k_panel(store, analysis_store, k_min, k_max, gap_refs,
                       progress=throttled(set_progress),
                       selection=list(selected) if on_selection else None)

    @app.callback(Output(ids.N_CLUSTERS, "value", allow_duplicate=True),
                  Output(ids.RESOLUTION, "value", allow_duplicate=True),
                  Output(splits.VALUE, "value", allow_duplicate=True),
                  Input(ids.K_FIGURE, "clickData"), State(ids.METHOD, "value"),
                  State(ON_SELECTION, "value"), prevent_initial_call=True)
    def apply_clicked_k(click, method, on_selection):
        k, resolution = clicked_choice(click, method)
        if on_selection:  # the k of the selection is the k of its split
            return no_update, no_update, k
        return k, resolution, no_update
