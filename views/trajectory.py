"""The Trajectory view (issue 12): the samples on a map coloured by diffusion pseudotime,
the PAGA graph of the clusters (or of a sheet column's groups) over their positions, and
the genes that change along pseudotime.

The root is picked by clicking a point, by choosing a cluster (its centre in the
diffusion map) or a sheet column (the centre of the samples at its earliest value). The
trajectory is computed by :func:`rnaclust_dash.pipeline.trajectory.analysis_trajectory`
(the CLI's ``trajectory`` runs the same) and stored under a key of the analysis and the
choices, by a background job (its kNN graph's UMAP weights run numba code, which the
server process never runs). The view computes only while its tab is shown.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.common import error_message, stored_analysis
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, load_summary
from rnaclust_dash.pipeline.trajectory import RootChoice, analysis_trajectory
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.trajectory import GROUP_PREFIX, trajectory_figure, trends_figure
from rnaclust_dash.store import ResultStore, stage_key
from rnaclust_dash.tl.subcluster import steps_from_records, steps_to_records
from rnaclust_dash.tl.trajectory.genes import smoothed_trends
from rnaclust_dash.tl.trajectory.paga import group_order, group_positions
from views.clustering.splits import history_text, new_split

TAB_ID = "trajectory"
TAB_LABEL = "Trajectory"
SEEN = "trajectory-analysis"  # the analysis as this tab last saw it
GROUPS = "trajectory-groups"
ROOT_MODE = "trajectory-root-mode"
ROOT_CLUSTER = "trajectory-root-cluster"
ROOT_COLUMN = "trajectory-root-column"
ROOT_CELL = "trajectory-root-cell"
MAP = "trajectory-map"
THRESHOLD = "trajectory-threshold"
ALERT = "trajectory-alert"
STATUS = "trajectory-status"
FIGURE = "trajectory-figure"
TRENDS = "trajectory-trends"
REQUEST = "trajectory-request"
SPLITS = "trajectory-splits"
SPLIT_CLUSTER = "trajectory-split-cluster"
SPLIT_VALUE = "trajectory-split-value"
SPLIT_BUTTON = "trajectory-split"
UNDO_BUTTON = "trajectory-undo"
SPLIT_HISTORY = "trajectory-split-history"
RESULT = "trajectory-result"

CLUSTERS = "__clusters__"
ROOT_MODES = {"cell": "a clicked sample", "cluster": "a group's centre",
              "column": "earliest value of a column"}
#: Genes shown in the heatmap (the smallest p-values).
TOP_GENES = 40
_GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}

SEE_WHEN_SHOWN = """function (analysis, tab, seen) {
    const same = JSON.stringify(analysis) === JSON.stringify(seen);
    return (tab !== '%s' || !analysis || same) ? window.dash_clientside.no_update : analysis;
}""" % TAB_ID


def _control(label: str, control, help_text: str, width: str = "12rem") -> html.Div:
    return html.Div([html.Label(label, className="control-label mb-0 small"), control],
                    className="me-3 mb-2", title=help_text,
                    style={"minWidth": width, "maxWidth": "22rem"})


def layout() -> html.Div:
    """Controls, alert, the trajectory map and the heatmap of pseudotime genes."""
    controls = html.Div([
        _control("PAGA groups", dcc.Dropdown(id=GROUPS, clearable=False, options=[]),
                 "The nodes of the PAGA graph: the clusters on screen or a sheet column."),
        _control("Root", dbc.RadioItems(
            id=ROOT_MODE, value="cluster", inline=True,
            options=[{"label": v, "value": k} for k, v in ROOT_MODES.items()]),
            "Where pseudotime starts: click a sample on the map, or the centre (medoid in "
            "the diffusion map) of a group or of the samples at a column's earliest value.",
            "26rem"),
        _control("Root group", dcc.Dropdown(id=ROOT_CLUSTER, clearable=False, options=[]),
                 "The group whose centre is the root."),
        _control("Root column", dcc.Dropdown(id=ROOT_COLUMN, clearable=False, options=[]),
                 "A sheet column of times or stages (numbers): the root is the centre of "
                 "the samples at its smallest value."),
        _control("Map", dbc.RadioItems(
            id=MAP, value="pca", inline=True,
            options=[{"label": "PCA", "value": "pca"},
                     {"label": "diffusion map", "value": "diffmap"}]),
            "PCA of the values as clustered, or the first two diffusion components."),
        _control("PAGA edges above", dcc.Slider(
            id=THRESHOLD, min=0, max=1, step=0.05, value=0.1,
            marks={0: "0", 0.5: "0.5", 1: "1"}, tooltip={"placement": "bottom"}),
            "Hide PAGA edges at or below this connectivity (0..1).", "14rem"),
    ], className="d-flex flex-wrap align-items-end mt-2")
    splits = html.Div([
        _control("Split cluster", dcc.Dropdown(id=SPLIT_CLUSTER, clearable=False, options=[]),
                 "Re-cluster the samples of one cluster with the clustering method (on the "
                 "parent's values); the children are named 3.1, 3.2, ..."),
        _control("into k (Leiden/Louvain: resolution)", dbc.Input(
            id=SPLIT_VALUE, type="number", value=2, min=0, step="any", size="sm"),
            "Number of sub-clusters for methods with k; the resolution for graph methods.",
            "14rem"),
        dbc.Button("Split", id=SPLIT_BUTTON, size="sm", color="primary", className="me-2 mb-2"),
        dbc.Button("Undo last split", id=UNDO_BUTTON, size="sm", color="secondary",
                   className="me-3 mb-2"),
        html.Span(id=SPLIT_HISTORY, className="small text-muted mb-2"),
    ], className="d-flex flex-wrap align-items-end")
    figures = dbc.Row([
        dbc.Col(dcc.Loading(dcc.Graph(id=FIGURE, config=_GRAPH_CONFIG,
                                      style={"height": "560px"},
                                      figure=empty_figure("Ordering the samples...")),
                            delay_show=300), lg=7),
        dbc.Col(dcc.Loading(dcc.Graph(id=TRENDS, config=_GRAPH_CONFIG,
                                      style={"height": "560px"},
                                      figure=empty_figure("")), delay_show=300), lg=5),
    ])
    return html.Div([dcc.Store(id=SEEN), dcc.Store(id=ROOT_CELL), dcc.Store(id=REQUEST),
                     dcc.Store(id=RESULT), dcc.Store(id=SPLITS, data=[]), controls, splits,
                     dbc.Alert(id=ALERT, is_open=False, color="warning", dismissable=True),
                     html.Div(id=STATUS, className="small text-muted mb-1"), figures])


def choices(store: ResultStore, analysis_store: dict, groups: str | None,
            splits: list | None = None) -> tuple:
    """Options and values of the groups, root group and root column menus (the clusters
    after the ``splits``, records of :func:`~rnaclust_dash.tl.subcluster.steps_to_records`),
    and the options of the split menu."""
    summary = load_summary(store, analysis_store["key"])
    metadata = summary["metadata"]
    columns = [] if metadata is None else [str(c) for c in metadata.columns]
    group_options = [{"label": "clusters on screen", "value": CLUSTERS}] + [
        {"label": f"sheet: {c}", "value": c} for c in columns]
    groups = groups if groups in [o["value"] for o in group_options] else CLUSTERS
    clusters = group_order(split_labels(store, analysis_store, splits))
    names = clusters if groups == CLUSTERS else group_order(
        np.asarray(metadata[groups].dropna()).astype(str))
    numeric = [c for c in columns
               if pd.to_numeric(metadata[c], errors="coerce").notna().any()]
    return (group_options, groups, [{"label": n, "value": n} for n in names],
            names[0] if names else None, [{"label": c, "value": c} for c in numeric],
            numeric[0] if numeric else None, [{"label": n, "value": n} for n in clusters])


def split_labels(store: ResultStore, analysis_store: dict, splits: list | None) -> np.ndarray:
    """The cluster labels of the analysis on screen (with the Clustering view's splits)
    after this tab's ``splits`` (text)."""
    from rnaclust_dash.pipeline.subcluster import split_analysis

    analysis = stored_analysis(store, analysis_store)
    return np.asarray(split_analysis(store, analysis, steps_from_records(splits)).labels,
                      dtype=str)


def add_split(store: ResultStore, analysis_store: dict, splits: list, cluster, value) -> list:
    """The split history with one more split of ``cluster`` (k, or the resolution for a
    graph method, from ``value``), checked by running it (a ParameterError says why not)."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    history = list(splits or []) + steps_to_records([new_split(params, cluster, value)])
    split_labels(store, analysis_store, history)  # raises when the split cannot be made
    return history


def result_key(analysis_store: dict, choice: dict) -> str:
    """Store key of a trajectory: the dataset, every analysis parameter, the choices."""
    return stage_key(analysis_store["key"], "trajectory",
                     {"analysis": analysis_store["params"], **choice})


def compute(store: ResultStore, job: dict) -> dict:
    """Compute and store the trajectory of a request (in a background job: the graph's
    UMAP weights run numba code, which the server process never runs). Returns the
    result reference the figures read."""
    analysis_store, choice = job["analysis"], job["choice"]
    params = AnalysisParams.from_dict(analysis_store["params"])
    root = RootChoice(item=choice["root_cell"], group=choice["root_group"],
                      column=choice["root_column"])
    groups_column = None if choice["groups"] == CLUSTERS else choice["groups"]
    key = result_key(analysis_store, choice)
    steps = steps_from_records(choice.get("splits"))
    store.get_or_compute(key, lambda: analysis_trajectory(
        store, analysis_store["key"], params, root, groups_column=groups_column, steps=steps))
    return {"key": key, "analysis": analysis_store}


def request(store: ResultStore, analysis_store, tab, groups, root: RootChoice | None,
            splits: list | None = None) -> tuple:
    """Outputs (result, request, status, alert children, alert open): the stored result at
    once, or a request for the background job."""
    if tab != TAB_ID or not analysis_store or not groups or root is None:
        return tuple([no_update] * 5)
    choice = {"groups": groups, "root_cell": root.item, "root_group": root.group,
              "root_column": root.column,
              # the Clustering view's splits, then this tab's
              "splits": list(analysis_store.get("splits") or []) + list(splits or [])}
    job = {"analysis": analysis_store, "choice": choice}
    if result_key(analysis_store, choice) in store:
        return compute(store, job), no_update, no_update, None, False
    return no_update, job, "Ordering the samples along pseudotime...", None, False


def figures(store: ResultStore, result: dict, map_kind: str, threshold: float) -> tuple:
    """The trajectory map, the heatmap, a status line and the notices of a stored
    result."""
    analysis_store = result["analysis"]
    analysis, trajectory, genes = store.get(result["key"])
    if map_kind == "diffmap":
        coords = trajectory.diffmap.components[:, 1:3].astype(np.float64)
        titles = ("DC1", "DC2")
    else:
        params = AnalysisParams.from_dict(analysis_store["params"]).replace(embedding="pca")
        embedding = compute_embedding(store, analysis_store["key"], params)
        coords, titles = embedding.coords, embedding.axis_titles
    positions = group_positions(coords, trajectory.groups).loc[list(trajectory.paga.index)]
    main = trajectory_figure(coords, ids=trajectory.ids, pseudotime=trajectory.pseudotime,
                             paga=trajectory.paga, positions=positions, root=trajectory.root,
                             threshold=threshold or 0.0, axis_titles=titles,
                             revision=f"{analysis_store['key']}-{map_kind}")
    top = genes.dropna(subset=["rho"]).head(TOP_GENES)
    values = analysis.features.values.loc[top["gene"], trajectory.ids]
    trends = smoothed_trends(values.to_numpy().T, list(top["gene"]), trajectory.pseudotime,
                             n_bins=min(30, len(trajectory.ids)))
    heatmap = trends_figure(trends, top, title=f"Top {len(top)} genes along pseudotime")
    reached = int(np.isfinite(trajectory.pseudotime).sum())
    n_significant = int((genes["padj"] < 0.05).sum())
    status = (f"Root {trajectory.ids[trajectory.root]}; pseudotime for {reached} of "
              f"{len(trajectory.ids)} samples; {n_significant} genes change along it "
              f"(Spearman, BH padj < 0.05); kNN graph of {trajectory.n_neighbors} neighbours "
              "per sample.")
    notices = " ".join(trajectory.notices)
    return main, heatmap, status, notices


def root_choice(mode: str, cell: str | None, group: str | None, column: str | None,
                groups: str) -> RootChoice | None:
    """The root the controls say, or None when the chosen kind has no value yet."""
    if mode == "cell" and cell:
        return RootChoice(item=cell)
    if mode == "column" and column:
        return RootChoice(column=column)
    if mode == "cluster" and group is not None:
        return RootChoice(group=str(group))
    return None


def clicked_root(click: dict | None) -> tuple:
    """(root cell, root mode, root group) for a click on the map: a sample is the root
    cell; a PAGA node makes its group the root group."""
    point = ((click or {}).get("points") or [{}])[0]
    name = point.get("customdata")
    if not isinstance(name, str):
        return no_update, no_update, no_update
    if name.startswith(GROUP_PREFIX):
        return no_update, "cluster", name[len(GROUP_PREFIX):]
    return name, "cell", no_update


def register(app, store: ResultStore) -> None:
    """Register the Trajectory view's callbacks."""
    app.clientside_callback(SEE_WHEN_SHOWN, Output(SEEN, "data"),
                            Input(ids.ANALYSIS_STORE, "data"),
                            Input(ids.VIEW_TABS, "active_tab"), State(SEEN, "data"),
                            prevent_initial_call=True)

    @app.callback(Output(GROUPS, "options"), Output(GROUPS, "value"),
                  Output(ROOT_CLUSTER, "options"), Output(ROOT_CLUSTER, "value"),
                  Output(ROOT_COLUMN, "options"), Output(ROOT_COLUMN, "value"),
                  Output(SPLIT_CLUSTER, "options"),
                  Input(SEEN, "data"), Input(GROUPS, "value"), Input(SPLITS, "data"),
                  State(ROOT_CLUSTER, "value"), State(ROOT_COLUMN, "value"),
                  prevent_initial_call=True)
    def update_choices(analysis_store, groups, splits, root_group, root_column):
        try:
            options = list(choices(store, analysis_store, groups, splits))
        except Exception:  # noqa: BLE001 - the drawing callback reports it
            return tuple([no_update] * 7)
        if root_group in [o["value"] for o in options[2]]:
            options[3] = root_group
        if root_column in [o["value"] for o in options[4]]:
            options[5] = root_column
        return tuple(options)

    @app.callback(Output(ROOT_CLUSTER, "disabled"), Output(ROOT_COLUMN, "disabled"),
                  Input(ROOT_MODE, "value"))
    def enable_root_menus(mode):
        return mode != "cluster", mode != "column"

    @app.callback(Output(ROOT_CELL, "data"), Output(ROOT_MODE, "value"),
                  Output(ROOT_CLUSTER, "value", allow_duplicate=True),
                  Input(FIGURE, "clickData"), prevent_initial_call=True)
    def pick_root(click):
        return clicked_root(click)

    @app.callback(Output(RESULT, "data"), Output(REQUEST, "data"), Output(STATUS, "children"),
                  Output(ALERT, "children"), Output(ALERT, "is_open"),
                  Input(SEEN, "data"), Input(ids.VIEW_TABS, "active_tab"),
                  Input(GROUPS, "value"), Input(ROOT_MODE, "value"),
                  Input(ROOT_CELL, "data"), Input(ROOT_CLUSTER, "value"),
                  Input(ROOT_COLUMN, "value"), Input(SPLITS, "data"),
                  prevent_initial_call=True)
    def ask(analysis_store, tab, groups, mode, cell, group, column, splits):
        if ctx.triggered_id in (GROUPS, SPLITS) and mode == "cluster":
            return tuple([no_update] * 5)  # the root group menu follows, then this
        root = root_choice(mode, cell, group, column, groups)
        if root is None and tab == TAB_ID and mode == "cell":
            return (no_update, no_update, "Click a sample on the map to start pseudotime "
                    "there.", None, False)
        try:
            return request(store, analysis_store, tab, groups, root, splits)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, "", error_message(error), True

    @app.callback(Output(RESULT, "data", allow_duplicate=True),
                  Output(STATUS, "children", allow_duplicate=True),
                  Output(ALERT, "children", allow_duplicate=True),
                  Output(ALERT, "is_open", allow_duplicate=True),
                  Input(REQUEST, "data"), background=True, prevent_initial_call=True)
    def run(job):
        if not job:
            return no_update, no_update, no_update, no_update
        try:
            return compute(store, job), no_update, None, False
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, "", error_message(error), True

    @app.callback(Output(FIGURE, "figure"), Output(TRENDS, "figure"),
                  Output(STATUS, "children", allow_duplicate=True),
                  Output(ALERT, "children", allow_duplicate=True),
                  Output(ALERT, "is_open", allow_duplicate=True),
                  Input(RESULT, "data"), Input(MAP, "value"), Input(THRESHOLD, "value"),
                  prevent_initial_call=True)
    def draw(result, map_kind, threshold):
        if not result:
            return tuple([no_update] * 5)
        try:
            main, heatmap, status, notices = figures(store, result, map_kind, threshold)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, "", error_message(error), True
        return main, heatmap, status, notices, bool(notices)

    @app.callback(Output(SPLITS, "data"), Output(SPLIT_HISTORY, "children"),
                  Output(ALERT, "children", allow_duplicate=True),
                  Output(ALERT, "is_open", allow_duplicate=True),
                  Input(SPLIT_BUTTON, "n_clicks"), Input(UNDO_BUTTON, "n_clicks"),
                  Input(SEEN, "data"), State(SPLIT_CLUSTER, "value"),
                  State(SPLIT_VALUE, "value"), State(SPLITS, "data"),
                  prevent_initial_call=True)
    def edit_splits(_split, _undo, analysis_store, cluster, value, splits):
        if ctx.triggered_id == SEEN:  # another analysis: its clusters, no splits
            return [], "", no_update, no_update
        if ctx.triggered_id == UNDO_BUTTON:
            history = list(splits or [])[:-1]
            return history, history_text(history), no_update, no_update
        try:
            history = add_split(store, analysis_store, splits, cluster, value)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, error_message(error), True
        return history, history_text(history), None, False
