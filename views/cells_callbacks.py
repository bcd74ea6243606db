"""The callbacks of the Cells tab (:mod:`views.cells`): the analysis as a
background job, the map drawn from its stored artifact, recolour (the colour codes
only, written into the map in the browser), gene search, cluster names and lasso
selection (the QC preview: :mod:`views.cells_qc`).

The analysis runs in three steps, so that no web worker holds a request for minutes nor
keeps a result in memory:

1. ``ask`` (in the request): a single-cell dataset and valid controls give the map's
   content-addressed key; a map already stored is shown at once, else a job is asked for;
2. ``run_job`` (a background job, with progress and cancel): runs the pipeline (each
   stage cached) and writes the map artifact (:mod:`views.cells_map`); it hands back
   only the small reference ``{"key", "params", "map"}``, never figures or matrices;
3. ``draw`` (in the request, any worker): the map, markers, dot plot and elbow from the
   artifact's parts. Recolours, the gene violin, gene search and the lasso read only the
   parts they need (one gene = one column block).

A failed run (e.g. every cell removed by QC) says why in the tab's alert and leaves the
previous map, markers and plots on screen.
"""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, ctx, no_update

from callbacks.common import ViewOutputs, error_text
from callbacks.jobs import running_outputs, throttled
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pl import cells as figures
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.embed import load_umap
from rnaclust_dash.tl.subcluster import steps_from_records, steps_to_records

from . import cells as view
from . import cells_results as results
from .cells_map import CellMap, map_key, write_map
from .cells_splits import SPLITS_STORE

#: Shown beside Run while the analysis runs.
RUNNING = ("Running: QC, normalization, HVGs, PCA, neighbours, clustering, map, markers "
           "(seconds for thousands of cells, minutes for 100,000)...")

_ALL_STATES = [State(view.CONTROL_IDS[name], "value") for name in results.CELL_PARAMS]

#: The request callback: the job's request, or the stored map at once (errors: the
#: alert; what is shown stays).
ASK_VIEW = ViewOutputs("cells", (
    Output(view.REQUEST, "data"), Output(view.RESULT_STORE, "data", allow_duplicate=True),
    Output(view.SUMMARY, "children", allow_duplicate=True)), duplicate=True,
    keep_on_error=True)
#: The background job: the map's reference (errors: the alert; the old map stays).
JOB_VIEW = ViewOutputs("cells", (Output(view.RESULT_STORE, "data"),), duplicate=True,
                       keep_on_error=True)


#: The summary line while the first analysis of a new dataset runs.
ANALYSING = "Analysing the cells of this dataset: the map appears when the job ends."


def request_analysis(store: ResultStore, dataset_store: dict | None, values: dict, *,
                     new_dataset: bool = False, splits: list | None = None) -> tuple:
    """Outputs of :data:`ASK_VIEW`: the stored map's reference when there is one (no job),
    else a request for :func:`compute_map` (with :data:`ANALYSING` as the summary for a
    ``new_dataset``); the "not single cells" line for bulk data. ``splits`` (records of
    :mod:`views.cells_splits`) are part of the request and of the map's key."""
    if not results.is_single_cell(dataset_store):
        return ASK_VIEW.shown(no_update, no_update, view._NOT_SINGLE_CELL)
    params = results.cell_params(values)
    steps = steps_from_records(splits)
    reference = {"key": dataset_store["key"], "params": params.to_dict(),
                 "map": map_key(dataset_store["key"], params, steps)}
    if steps:
        reference["splits"] = steps_to_records(steps)
    if CellMap(store, reference["map"]).complete():
        return ASK_VIEW.shown(no_update, reference, no_update)
    return ASK_VIEW.shown(reference, no_update, ANALYSING if new_dataset else no_update)


def compute_map(store: ResultStore, request: dict, progress=None) -> dict:
    """Run the analysis of ``request`` (each stage cached in ``store``) and write its map
    artifact; the background job's body. Returns the map's reference (``request``)."""
    params = AnalysisParams.from_dict(request["params"])
    if progress is not None:
        progress(1, 100)
    # umap-learn with its numba code cached on disk, before the neighbours stage imports
    # it raw: else every job process compiled the graph's weights again (86-117 s on the
    # loaded machine for 300 cells; why the job "did not come back" in the browser test)
    load_umap()
    cells = results.analyse_cells(store, {"key": request["key"]}, params,
                                  steps_from_records(request.get("splits")))
    if progress is not None:  # the map's parts: the last fifth of the bar
        progress(80, 100)
    write_map(store, request["map"], cells, progress=None if progress is None else (
        lambda done, total: progress(80 + 20 * done // total, 100)))
    return dict(request)


@JOB_VIEW.guard
def job_outputs(store: ResultStore, set_progress, request: dict | None) -> tuple:
    """Outputs of :data:`JOB_VIEW` (the background job): the new map's reference, or on
    an error the alert (the map on screen stays)."""
    if not request:
        return JOB_VIEW.unchanged()
    return JOB_VIEW.shown(compute_map(store, request, progress=throttled(set_progress)))


def map_colors(cell_map: CellMap, kind: str, gene, column, names: dict | None) -> dict:
    """The colour part of the map for the choice made (cluster, gene, column)."""
    if kind == "gene" and gene:
        return figures.embedding_colors(cell_map.gene_values(gene), title=gene,
                                        categorical=False)
    if kind == "column" and column:
        obs = cell_map.part("obs")
        if column in obs.columns:
            numeric = obs[column].dtype.kind in "if"
            return figures.embedding_colors(
                obs[column].to_numpy(), title=column, categorical=not numeric,
                coords=None if numeric else cell_map.part("cells")["coords"])
    cells = cell_map.part("cells")
    return figures.embedding_colors(results.cluster_names(cells["labels"], names),
                                    title="cluster", categorical=True, coords=cells["coords"])


def map_figure(cell_map: CellMap, names: dict | None, color: tuple) -> dict:
    """The map of the cells coloured by ``color`` ((kind, gene, column), as the
    colour controls hold it)."""
    cells = cell_map.part("cells")
    return figures.cell_embedding(cells["coords"], map_colors(cell_map, *color, names),
                                  axis_titles=cells["axis_titles"],
                                  cell_ids=cell_map.part("obs").index.to_numpy())


def map_as_shown(store: ResultStore, result_store: dict | None, names: dict | None, kind,
                 gene, column) -> dict | None:
    """The map as the page shows it, for the figure downloads: the browser recolours it
    in place (:func:`recolour_spec`), so the figure Dash holds for the graph keeps the
    colours it was first drawn with; this draws it again with the chosen colours.
    ``None`` without a map."""
    if not result_store:
        return None
    return map_figure(CellMap(store, result_store["map"]), names, (kind, gene, column))


def map_panel(store: ResultStore, result_store: dict, names: dict | None,
              color: tuple = ("cluster", None, None)) -> tuple:
    """Everything a new analysis (or a cluster's new name) redraws, from the stored map
    (outputs of :data:`views.cells.VIEW`)."""
    params = AnalysisParams.from_dict(result_store["params"])
    cell_map = CellMap(store, result_store["map"])
    panel, obs = cell_map.part("panel"), cell_map.part("obs")
    figure = map_figure(cell_map, names, color)
    fraction, mean = results.named_dot_summary(panel["dot"], names)
    metrics = panel["metrics"]
    summary = (f"{metrics['n_cells']:,} of {metrics['n_cells_input']:,} cells and "
               f"{metrics['n_genes']:,} genes kept; {metrics['n_hvg']:,} highly variable "
               f"genes, {metrics['n_pcs']} PCs, {metrics['n_clusters']} clusters "
               f"({params.method}, resolution {params.resolution:g}).")
    clusters = [{"label": str(c), "value": str(c)} for c in range(1, metrics["n_clusters"] + 1)]
    columns = [{"label": c, "value": c} for c in obs.columns]
    return view.VIEW.shown(summary, figure,
                           results.marker_rows(panel["markers"], panel["marker_groups"], names),
                           figures.dot_plot(fraction, mean),
                           figures.elbow(panel["variance_ratio"], used=params.pcs), columns,
                           clusters, notice=" ".join(panel["notices"]) or None)


def recolor(store: ResultStore, result_store: dict | None, kind: str, gene, column,
            names: dict | None) -> dict:
    """The map's new colours (:func:`recolour_spec`) for the choice made; no_update
    without a map."""
    if not result_store:
        return no_update
    colors = map_colors(CellMap(store, result_store["map"]), kind, gene, column, names)
    return recolour_spec(colors, n_cells=len(colors["marker"]["color"]), cell_ids=True)


def recolour_spec(colors: dict, *, n_cells: int, cell_ids: bool) -> dict:
    """What the browser needs to recolour the map in place (``assets/cells_recolour.js``:
    the colours go straight into the WebGL buffers, no plotly redraw of 100,000 points).

    Parameters
    ----------
    colors : dict
        :func:`~rnaclust_dash.pl.cells.embedding_colors` of the cells.
    n_cells : int
    cell_ids : bool
        Whether the map's hover shows cell ids (it does up to
        :data:`~rnaclust_dash.pl.cells.HOVER_TEXT_MAX` cells).

    Returns
    -------
    dict
        ``color`` (uint8/uint16 codes as a typed array: 100,000 cells are 133 KB),
        ``colorscale``, ``cmin``, ``cmax``, ``showscale``, ``colorbar``, ``hovertemplate``,
        ``annotations`` (category names on the map), and ``customdata`` (each cell's
        category, for the hover) when the colours are categories of few enough cells;
        a gene leaves the hover's cluster names as they were (its value is in the bar).
    """
    marker = colors["marker"]
    categories = colors["customdata"] is not None
    spec = {"color": figures.typed_array(marker["color"]),
            "colorscale": marker["colorscale"], "cmin": marker["cmin"],
            "cmax": marker["cmax"], "showscale": marker["showscale"],
            "colorbar": marker.get("colorbar", {}),
            "hovertemplate": figures.hover_template(
                cell_ids and n_cells <= figures.HOVER_TEXT_MAX,
                categories or n_cells <= figures.HOVER_TEXT_MAX),
            "annotations": colors["annotations"]}
    if categories:
        spec["customdata"] = [str(name) for name in colors["customdata"]]
    return spec


def register_recolour(app, *, spec_store: str, graph: str, done_store: str) -> None:
    """The clientside callback that applies a :func:`recolour_spec` written into
    ``spec_store`` to the map ``graph`` in place (``dash_clientside.cells.recolour``);
    ``done_store`` receives the colouring's title."""
    from dash import ClientsideFunction

    app.clientside_callback(ClientsideFunction("cells", "recolour"),
                            Output(done_store, "data"), Input(spec_store, "data"),
                            State(graph, "id"), prevent_initial_call=True)


def lesson_colors(dataset_store: dict | None, example: str | None) -> tuple:
    """How a newly loaded dataset colours the map: (colour kind, cell-sheet column).

    A bundled single-cell example colours it by its lesson's column (cellbench: the
    cell lines, ``cell_type``), as the bulk lessons colour their map by a sample
    column; any other single-cell dataset starts from its clusters. ``example`` is the
    example menu's value (emptied by an upload). Bulk data leaves the choice alone."""
    from rnaclust_dash.io import LESSONS

    if not results.is_single_cell(dataset_store):
        return no_update, no_update
    lesson = LESSONS.get(example or "")
    if lesson is not None and lesson.single_cell and lesson.color_by != "cluster":
        return "column", lesson.color_by
    return "cluster", None


def register(app, store: ResultStore) -> None:
    """Register every callback of the Cells tab."""

    from . import cells_splits

    _register_analysis(app, store)
    _register_map(app, store)
    cells_splits.register(app, store)


def _register_analysis(app, store: ResultStore) -> None:
    """Run: the request, the background job and the drawing of its map."""

    @app.callback(*ASK_VIEW.all, Input(ids.DATASET_STORE, "data"), Input(view.RUN, "n_clicks"),
                  Input(SPLITS_STORE, "data"), *_ALL_STATES, prevent_initial_call=True)
    @ASK_VIEW.guard
    def ask(dataset_store, _, splits, *values):
        new_dataset = ctx.triggered_id == ids.DATASET_STORE
        # a new dataset starts without splits (views.cells_splits empties the store)
        return request_analysis(store, dataset_store, view._values(values),
                                new_dataset=new_dataset, splits=None if new_dataset else splits)

    @app.callback(*JOB_VIEW.all, Input(view.REQUEST, "data"), background=True,
                  running=[*running_outputs(view.PROGRESS, view.CANCEL, view.RUN),
                           (Output(view.STATUS, "children"), RUNNING, "")],
                  progress=[Output(view.PROGRESS, "value"), Output(view.PROGRESS, "label")],
                  cancel=[Input(view.CANCEL, "n_clicks")], prevent_initial_call=True)
    def run_job(set_progress, request):
        return job_outputs(store, set_progress, request)

    @app.callback(*view.VIEW.all, Input(view.RESULT_STORE, "data"),
                  Input(view.NAMES_STORE, "data"), State(view.COLOR_KIND, "value"),
                  State(view.GENE, "value"), State(view.COLUMN, "value"),
                  prevent_initial_call=True)
    @view.VIEW.guard
    def draw(result_store, names, kind, gene, column):
        if not result_store:
            return view.VIEW.unchanged()
        return map_panel(store, result_store, names, (kind, gene, column))


def _register_map(app, store: ResultStore) -> None:
    """Recolour, gene search and violin, cluster names, lasso."""

    register_recolour(app, spec_store=view.COLORS, graph=view.MAP,
                      done_store=view.RECOLOURED)

    @app.callback(Output(view.COLOR_KIND, "value", allow_duplicate=True),
                  Output(view.COLUMN, "value"),
                  Output(view.COLUMN, "options", allow_duplicate=True),
                  Input(ids.DATASET_STORE, "data"), State(ids.EXAMPLE, "value"),
                  prevent_initial_call=True)
    def colors_of_new_dataset(dataset_store, example):
        # set with the dataset, read by `draw` when the analysis comes back (the column
        # offered meanwhile: the menu drops a value that is not among its options)
        kind, column = lesson_colors(dataset_store, example)
        return kind, column, ([{"label": column, "value": column}] if column
                              else no_update)

    @app.callback(Output(view.COLORS, "data"), Output(view.COLOR_KIND, "value"),
                  Input(view.COLOR_KIND, "value"), Input(view.GENE, "value"),
                  Input(view.COLUMN, "value"), State(view.RESULT_STORE, "data"),
                  State(view.NAMES_STORE, "data"), prevent_initial_call=True)
    def change_colors(kind, gene, column, result_store, names):
        # choosing a gene or a column colours by it
        if ctx.triggered_id == view.GENE and gene:
            kind = "gene"
        elif ctx.triggered_id == view.COLUMN and column:
            kind = "column"
        try:
            return recolor(store, result_store, kind, gene, column, names), kind
        except Exception:  # noqa: BLE001 - keep the map; the violin says what went wrong
            return no_update, kind

    @app.callback(Output(view.GENE, "options"), Output(view.GENE, "value"),
                  Input(view.GENE, "search_value"), Input(view.MARKERS, "active_cell"),
                  State(view.MARKERS, "derived_viewport_data"), State(view.GENE, "value"),
                  State(view.RESULT_STORE, "data"), prevent_initial_call=True)
    def gene_choices(search, active_cell, rows, current, result_store):
        if not result_store:
            return no_update, no_update
        if ctx.triggered_id == view.MARKERS and active_cell and rows:
            gene = rows[active_cell["row"]]["symbol"]
            return [{"label": gene, "value": gene}], gene
        if not search:
            return no_update, no_update
        symbols = CellMap(store, result_store["map"]).part("genes")["symbols"]
        found = results.matching_genes(symbols, search)
        if current and current not in found:
            found = [current] + found
        return [{"label": g, "value": g} for g in found], no_update

    @app.callback(Output(view.VIOLIN, "figure"), Input(view.GENE, "value"),
                  Input(view.NAMES_STORE, "data"), State(view.RESULT_STORE, "data"),
                  prevent_initial_call=True)
    def gene_violin(gene, names, result_store):
        if not gene or not result_store:
            return no_update
        try:
            cell_map = CellMap(store, result_store["map"])
            return figures.gene_violins(cell_map.gene_values(gene), results.cluster_names(
                cell_map.part("cells")["labels"], names), gene=gene)
        except Exception as error:  # noqa: BLE001 - say it in the figure
            from rnaclust_dash.pl.common import empty_figure
            return empty_figure(error_text(error))

    @app.callback(Output(view.NAMES_STORE, "data"), Input(view.RENAME_BUTTON, "n_clicks"),
                  State(view.RENAME_CLUSTER, "value"), State(view.RENAME_TEXT, "value"),
                  State(view.NAMES_STORE, "data"), prevent_initial_call=True)
    def rename(_, cluster, name, names):
        if not cluster:
            return no_update
        names = dict(names or {})
        names[str(cluster)] = (name or "").strip()
        return names

    @app.callback(Output(view.SELECTION, "children"), Input(view.MAP, "selectedData"),
                  State(view.RESULT_STORE, "data"), State(view.NAMES_STORE, "data"),
                  prevent_initial_call=True)
    def selection(selected, result_store, names):
        if not selected or not result_store:
            return ""
        labels = CellMap(store, result_store["map"]).part("cells")["labels"]
        return results.selection_text(labels, selected.get("points", []), names)

