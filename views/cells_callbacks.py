"""The callbacks of the Cells tab (:mod:`views.cells`): analysis, recolour (a Patch of
the colour array only), gene search, cluster names and lasso selection (the QC preview:
:mod:`views.cells_qc`)."""

from __future__ import annotations

from dash import Input, Output, Patch, State, ctx, no_update

from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pl import cells as figures
from rnaclust_dash.store import ResultStore

from callbacks.common import error_text
from layouts import ids

from . import cells as view
from . import cells_results as results

#: Shown beside Run while the analysis runs.
RUNNING = ("Running: QC, normalization, HVGs, PCA, neighbours, clustering, map, markers "
           "(seconds for thousands of cells, minutes for 100,000)...")

_ALL_STATES = [State(view.CONTROL_IDS[name], "value") for name in results.CELL_PARAMS]


def stored_result(store: ResultStore, result_store: dict, memo: dict | None = None):
    """The analysis the map shows (its stages read back from the store).

    ``memo`` (one per app, see :func:`register`) keeps the last one in memory: at 100,000
    cells reading the stages back (the dataset and the log values: a GB) would take
    seconds on every recolour; only the first recolour after a run pays it.
    """
    ident = (result_store["key"], tuple(sorted(result_store["params"].items())))
    if memo is not None and memo.get("ident") == ident:
        return memo["cells"]
    params = AnalysisParams.from_dict(result_store["params"])
    cells = results.analyse_cells(store, {"key": result_store["key"]}, params)
    if memo is not None:
        memo.clear()
        memo.update(ident=ident, cells=cells)
    return cells


def recolor(store: ResultStore, result_store: dict | None, kind: str, gene, column,
            names: dict | None, memo: dict | None = None) -> Patch:
    """The map's new colours as a Patch: marker colours, hover values, cluster labels."""
    if not result_store:
        return no_update
    colors = view.map_colors(stored_result(store, result_store, memo), kind, gene, column,
                             names)
    return color_patch(colors, n_cells=len(colors["marker"]["color"]), cell_ids=True)


def color_patch(colors: dict, *, n_cells: int, cell_ids: bool) -> Patch:
    """A Patch of the map's colours (:func:`~rnaclust_dash.pl.cells.embedding_colors`):
    marker colours, hover template and labels; the cluster names of the hover stay
    as they were when a gene colours the map (its value is in the colour bar)."""
    patch = Patch()
    for name, value in colors["marker"].items():
        patch["data"][0]["marker"][name] = value
    categories = colors["customdata"] is not None
    if categories:
        patch["data"][0]["customdata"] = colors["customdata"]
    shown_ids = cell_ids and n_cells <= figures.HOVER_TEXT_MAX
    patch["data"][0]["hovertemplate"] = figures.hover_template(
        shown_ids, categories or n_cells <= figures.HOVER_TEXT_MAX)
    patch["layout"]["annotations"] = colors["annotations"]
    return patch


def register(app, store: ResultStore) -> None:
    """Register every callback of the Cells tab."""
    memo: dict = {}  # the last analysis shown, in this server process (stored_result)

    @app.callback(*view.VIEW.all, Input(ids.DATASET_STORE, "data"), Input(view.RUN, "n_clicks"),
                  Input(view.NAMES_STORE, "data"), *_ALL_STATES,
                  State(view.COLOR_KIND, "value"), State(view.GENE, "value"),
                  State(view.COLUMN, "value"), prevent_initial_call=True,
                  # in the request, not a background job: as a job it did not come back
                  # in the browser test on the loaded machine (to investigate)
                  running=[(Output(view.RUN, "disabled"), True, False),
                           (Output(view.STATUS, "children"), RUNNING, "")])
    @view.VIEW.guard
    def analyse(dataset_store, _, names, *values):
        *control_values, kind, gene, column = values
        return view.analysis_panel(store, dataset_store, view._values(control_values), names,
                                   (kind, gene, column))

    @app.callback(Output(view.MAP, "figure", allow_duplicate=True),
                  Output(view.COLOR_KIND, "value"),
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
            return recolor(store, result_store, kind, gene, column, names, memo), kind
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
        found = results.matching_genes(stored_result(store, result_store, memo), search)
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
            cells = stored_result(store, result_store, memo)
            return figures.gene_violins(results.gene_values(cells, gene), results.cluster_names(
                cells.result.labels, names), gene=gene)
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
        return results.selection_text(stored_result(store, result_store, memo).result,
                                      selected.get("points", []), names)
