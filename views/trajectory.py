"""The Trajectory view (issue 12): the samples (or cells) on a map coloured by diffusion
pseudotime, the PAGA graph of the clusters (or of a sheet column's groups) over their
positions, the genes that change along pseudotime and their enrichment.

Bulk samples follow the Clustering analysis and its splits (the global split history of
:mod:`views.clustering.splits`: splits have one home). Single cells follow the Cells
tab's analysis (its stored result, ``views.cells.RESULT_STORE``): DPT and PAGA run on its
kNN graph and are drawn over its map (WebGL). The root is picked by clicking a point, by
choosing a cluster (its centre in the diffusion map) or a sheet column (the centre of the
items at its earliest value). The trajectory is computed by
:func:`~rnaclust_dash.pipeline.trajectory.analysis_trajectory` or
:func:`~rnaclust_dash.pipeline.trajectory.cell_trajectory` (the CLI's ``trajectory`` runs
the same) and stored under a key of the analysis and the choices, by a background job
(UMAP weights and the single-cell stages run numba code, which the server process never
runs). The view computes only while its tab is shown.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.common import error_message, stored_analysis
from rnaclust_dash.errors import DataError
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, load_dataset, load_summary
from rnaclust_dash.pipeline.trajectory import RootChoice, analysis_trajectory, cell_trajectory
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.trajectory import GROUP_PREFIX, trajectory_figure, trends_figure
from rnaclust_dash.store import ResultStore, stage_key
from rnaclust_dash.tl.subcluster import steps_from_records
from rnaclust_dash.tl.trajectory.genes import pseudotime_gene_lists, smoothed_trends
from rnaclust_dash.tl.trajectory.paga import group_order, group_positions
from views.cells import RESULT_STORE as CELLS_RESULT
from views.cells_map import CellMap
from views.pattern_enrichment import enrichment_block, register_enrichment

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
RESULT = "trajectory-result"
#: Prefix of the enrichment block's ids (:mod:`views.pattern_enrichment`).
ENRICH = "traj"

CLUSTERS = "__clusters__"
ROOT_MODES = {"cell": "a clicked sample or cell", "cluster": "a group's centre",
              "column": "earliest value of a column"}
#: Cell-sheet columns with more distinct values than this are not offered as PAGA groups.
MAX_GROUPS = 60
#: Genes shown in the heatmap (the smallest p-values).
TOP_GENES = 40
_GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}

# bulk: the Clustering analysis; single cells (no bulk analysis): the Cells tab's result
SEE_WHEN_SHOWN = """function (analysis, cells, tab, seen) {
    const current = analysis || (cells ? Object.assign({cells: true}, cells) : null);
    const same = JSON.stringify(current) === JSON.stringify(seen);
    return (tab !== '%s' || !current || same) ? window.dash_clientside.no_update : current;
}""" % TAB_ID


def _control(label: str, control, help_text: str, width: str = "12rem") -> html.Div:
    return html.Div([html.Label(label, className="control-label mb-0 small"), control],
                    className="me-3 mb-2", title=help_text,
                    style={"minWidth": width, "maxWidth": "22rem"})


def layout() -> html.Div:
    """Controls, alert, the trajectory map, the heatmap of pseudotime genes and the
    enrichment of the genes rising and falling along pseudotime."""
    controls = html.Div([
        _control("PAGA groups", dcc.Dropdown(id=GROUPS, clearable=False, options=[]),
                 "The nodes of the PAGA graph: the clusters on screen (after the splits "
                 "of the Clustering tab) or a sheet column."),
        _control("Root", dbc.RadioItems(
            id=ROOT_MODE, value="cluster", inline=True,
            options=[{"label": v, "value": k} for k, v in ROOT_MODES.items()]),
            "Where pseudotime starts: click a sample or cell on the map, or the centre "
            "(medoid in the diffusion map) of a group or of the items at a column's "
            "earliest value.", "30rem"),
        _control("Root group", dcc.Dropdown(id=ROOT_CLUSTER, clearable=False, options=[]),
                 "The group whose centre is the root."),
        _control("Root column", dcc.Dropdown(id=ROOT_COLUMN, clearable=False, options=[]),
                 "A sheet column of times or stages (numbers): the root is the centre of "
                 "the items at its smallest value."),
        _control("Map", dbc.RadioItems(
            id=MAP, value="pca", inline=True,
            options=[{"label": "PCA (cells: the Cells map)", "value": "pca"},
                     {"label": "diffusion map", "value": "diffmap"}]),
            "Samples: PCA of the values as clustered; cells: the Cells tab's map (UMAP, "
            "t-SNE or PCA). Or the first two diffusion components.", "18rem"),
        _control("PAGA edges above", dcc.Slider(
            id=THRESHOLD, min=0, max=1, step=0.05, value=0.1,
            marks={0: "0", 0.5: "0.5", 1: "1"}, tooltip={"placement": "bottom"}),
            "Hide PAGA edges at or below this connectivity (0..1).", "14rem"),
    ], className="d-flex flex-wrap align-items-end mt-2")
    figures = dbc.Row([
        dbc.Col(dcc.Loading(dcc.Graph(id=FIGURE, config=_GRAPH_CONFIG,
                                      style={"height": "560px"},
                                      figure=empty_figure("Ordering the samples or cells...")),
                            delay_show=300), lg=7),
        dbc.Col(dcc.Loading(dcc.Graph(id=TRENDS, config=_GRAPH_CONFIG,
                                      style={"height": "560px"},
                                      figure=empty_figure("")), delay_show=300), lg=5),
    ])
    return html.Div([dcc.Store(id=SEEN), dcc.Store(id=ROOT_CELL), dcc.Store(id=REQUEST),
                     dcc.Store(id=RESULT), controls,
                     html.Div("Clusters are split in the Clustering tab (Split this "
                              "cluster); the trajectory follows those splits.",
                              className="small text-muted mb-1"),
                     dbc.Alert(id=ALERT, is_open=False, color="warning", dismissable=True),
                     html.Div(id=STATUS, className="small text-muted mb-1"), figures,
                     html.Div("The genes rising (increasing along pseudotime) and those "
                              "falling (Spearman, BH padj < 0.05), every gene tested as "
                              "the universe.", className="small text-muted mt-2"),
                     enrichment_block(ENRICH, "trend")])


def is_cells(analysis_store: dict | None) -> bool:
    """Whether the analysis followed is the Cells tab's (single cells)."""
    return bool(analysis_store) and bool(analysis_store.get("cells"))


def choices(store: ResultStore, analysis_store: dict, groups: str | None) -> tuple:
    """Options and values of the groups, root group and root column menus: the clusters
    (after the analysis' splits; for cells the Cells tab's) and the sheet's columns."""
    if is_cells(analysis_store):
        cell_map = CellMap(store, analysis_store["map"])  # the Cells tab's stored map
        metadata = cell_map.part("obs")
        clusters = group_order(cell_map.part("cells")["labels"])
        offered = [str(c) for c in metadata.columns
                   if metadata[c].nunique() <= MAX_GROUPS]
    else:
        metadata = load_summary(store, analysis_store["key"])["metadata"]
        clusters = group_order(split_labels(store, analysis_store))
        offered = [] if metadata is None else [str(c) for c in metadata.columns]
    group_options = [{"label": "clusters on screen", "value": CLUSTERS}] + [
        {"label": f"sheet: {c}", "value": c} for c in offered]
    groups = groups if groups in [o["value"] for o in group_options] else CLUSTERS
    names = clusters if groups == CLUSTERS else group_order(
        np.asarray(metadata[groups].dropna()).astype(str))
    columns = [] if metadata is None else [str(c) for c in metadata.columns]
    numeric = [c for c in columns
               if pd.to_numeric(metadata[c], errors="coerce").notna().any()]
    return (group_options, groups, [{"label": n, "value": n} for n in names],
            names[0] if names else None, [{"label": c, "value": c} for c in numeric],
            numeric[0] if numeric else None)


def split_labels(store: ResultStore, analysis_store: dict) -> np.ndarray:
    """The cluster labels of the bulk analysis on screen, with its splits (text)."""
    return np.asarray(stored_analysis(store, analysis_store).labels, dtype=str)


def result_key(analysis_store: dict, choice: dict) -> str:
    """Store key of a trajectory: the dataset, every analysis parameter, the choices."""
    return stage_key(analysis_store["key"], "trajectory",
                     {"analysis": analysis_store["params"], **choice})


def compute(store: ResultStore, job: dict) -> dict:
    """Compute and store the trajectory of a request (in a background job: the graph's
    UMAP weights run numba code, which the server process never runs). Returns the
    result reference the figures read. Stored: ``(analysis, trajectory, genes)``; for
    cells the analysis is None (the Cells tab's result is in the store already)."""
    analysis_store, choice = job["analysis"], job["choice"]
    params = AnalysisParams.from_dict(analysis_store["params"])
    root = RootChoice(item=choice["root_cell"], group=choice["root_group"],
                      column=choice["root_column"])
    groups_column = None if choice["groups"] == CLUSTERS else choice["groups"]
    key, dataset_key = result_key(analysis_store, choice), analysis_store["key"]
    if is_cells(analysis_store):
        store.get_or_compute(key, lambda: (None, *cell_trajectory(
            load_dataset(store, dataset_key), params, root, store=store,
            dataset_key=dataset_key, groups_column=groups_column)[1:]))
    else:
        steps = steps_from_records(choice.get("splits"))
        store.get_or_compute(key, lambda: analysis_trajectory(
            store, dataset_key, params, root, groups_column=groups_column, steps=steps))
    return {"key": key, "analysis": analysis_store}


def request(store: ResultStore, analysis_store, tab, groups,
            root: RootChoice | None) -> tuple:
    """Outputs (result, request, status, alert children, alert open): the stored result at
    once, or a request for the background job."""
    if tab != TAB_ID or not analysis_store or not groups or root is None:
        return tuple([no_update] * 5)
    choice = {"groups": groups, "root_cell": root.item, "root_group": root.group,
              "root_column": root.column,
              "splits": list(analysis_store.get("splits") or [])}  # the global history
    job = {"analysis": analysis_store, "choice": choice}
    if result_key(analysis_store, choice) in store:
        return compute(store, job), no_update, no_update, None, False
    what = "cells" if is_cells(analysis_store) else "samples"
    return no_update, job, f"Ordering the {what} along pseudotime...", None, False


def _map(store: ResultStore, analysis_store: dict, trajectory, map_kind: str) -> tuple:
    """(coordinates, axis titles) of the map chosen; cells: the Cells tab's map."""
    if map_kind == "diffmap":
        return trajectory.diffmap.components[:, 1:3].astype(np.float64), ("DC1", "DC2")
    if is_cells(analysis_store):
        cells = CellMap(store, analysis_store["map"]).part("cells")
        return np.asarray(cells["coords"], dtype=np.float64), tuple(cells["axis_titles"])
    params = AnalysisParams.from_dict(analysis_store["params"]).replace(embedding="pca")
    embedding = compute_embedding(store, analysis_store["key"], params)
    return embedding.coords, embedding.axis_titles


def _trends(store: ResultStore, analysis_store: dict, analysis, trajectory,
            genes: pd.DataFrame) -> dict:
    """The heatmap of the top genes along pseudotime (cells: labelled by symbol)."""
    top = genes.dropna(subset=["rho"]).head(TOP_GENES)
    if is_cells(analysis_store):
        # one column block per gene from the Cells tab's stored map (cells in map order)
        cell_map = CellMap(store, analysis_store["map"])
        values = np.column_stack([cell_map.gene_values(str(gene)) for gene in top["gene"]]
                                 ).astype(np.float64)
        if not top["symbol"].duplicated().any():
            top = top.assign(gene=top["symbol"])
        items = "cells"
    else:
        values = analysis.features.values.loc[top["gene"], trajectory.ids].to_numpy().T
        items = "samples"
    trends = smoothed_trends(values, list(top["gene"]), trajectory.pseudotime,
                             n_bins=min(30, len(trajectory.ids)))
    return trends_figure(trends, top, title=f"Top {len(top)} genes along pseudotime",
                         items=items)


def figures(store: ResultStore, result: dict, map_kind: str, threshold: float) -> tuple:
    """The trajectory map, the heatmap, a status line and the notices of a stored
    result (cells: read from the Cells tab's stored map, :class:`views.cells_map.CellMap`)."""
    analysis_store = result["analysis"]
    analysis, trajectory, genes = store.get(result["key"])
    coords, titles = _map(store, analysis_store, trajectory, map_kind)
    positions = group_positions(coords, trajectory.groups).loc[list(trajectory.paga.index)]
    cells = is_cells(analysis_store)
    main = trajectory_figure(coords, ids=trajectory.ids, pseudotime=trajectory.pseudotime,
                             paga=trajectory.paga, positions=positions, root=trajectory.root,
                             threshold=threshold or 0.0, axis_titles=titles,
                             revision=f"{analysis_store['key']}-{map_kind}", webgl=cells)
    heatmap = _trends(store, analysis_store, analysis, trajectory, genes)
    reached = int(np.isfinite(trajectory.pseudotime).sum())
    n_significant = int((genes["padj"] < 0.05).sum())
    what = "cells" if cells else "samples"
    status = (f"Root {trajectory.ids[trajectory.root]}; pseudotime for {reached:,} of "
              f"{len(trajectory.ids):,} {what}; {n_significant:,} genes change along it "
              f"(Spearman, BH padj < 0.05); kNN graph of {trajectory.n_neighbors} neighbours "
              f"per {what[:-1]}.")
    notices = " ".join(trajectory.notices)
    return main, heatmap, status, notices


def trend_genes(store: ResultStore, result: dict) -> tuple[dict, list]:
    """The enrichment block's gene lists (rising, falling along pseudotime; cells by
    symbol) and universe (every gene tested) of a stored trajectory."""
    genes = store.get(result["key"])[2]
    column = "symbol" if "symbol" in genes.columns else "gene"
    lists = pseudotime_gene_lists(genes, column=column)
    if not lists:
        raise DataError("No gene changes along this pseudotime with padj < 0.05: there "
                        "is nothing to enrich.")
    return lists, genes[column].astype(str).drop_duplicates().tolist()


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
                            Input(ids.ANALYSIS_STORE, "data"), Input(CELLS_RESULT, "data"),
                            Input(ids.VIEW_TABS, "active_tab"), State(SEEN, "data"),
                            prevent_initial_call=True)

    @app.callback(Output(GROUPS, "options"), Output(GROUPS, "value"),
                  Output(ROOT_CLUSTER, "options"), Output(ROOT_CLUSTER, "value"),
                  Output(ROOT_COLUMN, "options"), Output(ROOT_COLUMN, "value"),
                  Input(SEEN, "data"), Input(GROUPS, "value"),
                  State(ROOT_CLUSTER, "value"), State(ROOT_COLUMN, "value"),
                  prevent_initial_call=True)
    def update_choices(analysis_store, groups, root_group, root_column):
        try:
            options = list(choices(store, analysis_store, groups))
        except Exception:  # noqa: BLE001 - the drawing callback reports it
            return tuple([no_update] * 6)
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
                  Input(ROOT_COLUMN, "value"), prevent_initial_call=True)
    def ask(analysis_store, tab, groups, mode, cell, group, column):
        if ctx.triggered_id == GROUPS and mode == "cluster":
            return tuple([no_update] * 5)  # the root group menu follows, then this
        root = root_choice(mode, cell, group, column, groups)
        if root is None and tab == TAB_ID and mode == "cell":
            return (no_update, no_update, "Click a sample or cell on the map to start "
                    "pseudotime there.", None, False)
        try:
            return request(store, analysis_store, tab, groups, root)
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

    register_enrichment(app, ENRICH, RESULT, lambda result: trend_genes(store, result))
