"""The PCA/UMAP scatter. PCA is computed at once; UMAP (seconds, and ~30 s of numba
compilation on a cold worker) runs as a background callback with a progress bar and a
cancel button, and the scatter shows a placeholder until it is done."""

from __future__ import annotations

from dash import Input, Output, Patch, State, ctx, no_update

from layouts import ids
from rnaclust_dash import views
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.common import for_browser
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, embedding_key, load_summary
from rnaclust_dash.pipeline.gene_map import gene_map
from rnaclust_dash.store import ResultStore

from callbacks.common import current_splits, guarded, params_from_controls, stored_analysis

# How Dash words an error reported by the background job manager (callbacks.jobs).
LOST_PREFIX = "An error occurred inside a background callback: "

OUTPUTS = [
    Output(ids.EMBEDDING, "figure"),
    Output(ids.EMBEDDING_STATUS, "children"),
    Output(ids.EMBEDDING_STORE, "data"),
    Output(ids.ERROR, "children", allow_duplicate=True),
    Output(ids.ERROR, "is_open", allow_duplicate=True),
]
ERROR_SLOT = (3, 4)


def embedding_params(analysis_store: dict, method: str, neighbors, min_dist) -> AnalysisParams:
    """The analysis parameters with the embedding controls applied."""
    defaults = AnalysisParams()
    return AnalysisParams.from_dict(analysis_store["params"] | {
        "embedding": method,
        "umap_neighbors": defaults.umap_neighbors if neighbors is None else neighbors,
        "umap_min_dist": defaults.umap_min_dist if min_dist is None else min_dist})


def scatter(store: ResultStore, analysis_store: dict, params: AnalysisParams, color_by: str,
            selected: list | None):
    """The scatter figure of a computed embedding."""
    key = analysis_store["key"]
    analysis = stored_analysis(store, analysis_store)
    coords = compute_embedding(store, key, params)
    metadata = load_summary(store, key)["metadata"]
    figure = views.embedding(analysis, coords, color_by=color_by, metadata=metadata,
                             selected=selected or [], mapping=gene_map(store, key))
    return for_browser(figure), " ".join(coords.notices)


def analysis_store_of(dataset_store: dict, controls: dict, splits: list | None = None) -> dict:
    """The analysis the controls ask for, as the analysis callback stores it: the scatter
    reads the controls itself instead of waiting for that callback (the stages it needs
    are cached in the store by whichever callback computes them first). ``splits``: the
    sub-clusters to show (see :func:`callbacks.common.current_splits`)."""
    return {"key": dataset_store["key"], "params": params_from_controls(controls).to_dict(),
            "splits": list(splits or [])}


def lasso_ids(selected_data: dict | None) -> list[str]:
    """Ids of the points the scatter's own lasso/box selection holds."""
    return sorted(str(p["customdata"]) for p in (selected_data or {}).get("points") or []
                  if "customdata" in p)


def highlight_patch(figure: dict, *, drop_outline: bool = False) -> Patch:
    """A Patch setting only which points of each trace are selected (and removing the
    lasso/box outline when the selection was cleared)."""
    patch = Patch()
    if drop_outline:
        patch["layout"]["selections"] = []
    for index, trace in enumerate(figure["data"]):
        patch["data"][index]["selectedpoints"] = trace.get("selectedpoints")
        if "unselected" in trace:
            patch["data"][index]["unselected"] = trace["unselected"]
    return patch


def show_scatter(store: ResultStore, dataset_store, controls: dict, method, neighbors,
                 min_dist, color_by, selected, *, selection_only: bool = False,
                 lasso: dict | None = None, splits: list | None = None) -> tuple:
    """The body of the scatter callback as registered (outputs of :data:`OUTPUTS`).

    A new selection never re-sends the figure: re-drawing it would drop the user's lasso
    (plotly then reports an empty selection, which cleared it). When the selection is
    the scatter's own lasso/box, plotly already shows it; else only the highlight is
    patched.
    """
    if not dataset_store or dataset_store.get("mode") == "single-cell":  # the Cells tab
        return tuple([no_update] * len(OUTPUTS))
    analysis_store = analysis_store_of(dataset_store, controls, splits)
    if selection_only and selected and sorted(selected) == lasso_ids(lasso):
        return tuple([no_update] * len(OUTPUTS))
    outputs = update_embedding(store, analysis_store, method, neighbors, min_dist, color_by,
                               selected)
    if selection_only and isinstance(outputs[0], dict) and outputs[0].get("data"):
        patch = highlight_patch(outputs[0], drop_outline=not selected)
        return (patch,) + tuple([no_update] * (len(OUTPUTS) - 1))
    return outputs


def update_embedding(store: ResultStore, analysis_store, method, neighbors, min_dist, color_by,
                     selected) -> tuple:
    """The body of the scatter callback: the figure, or a request for a background UMAP."""
    if not analysis_store:
        return tuple([no_update] * len(OUTPUTS))
    params = embedding_params(analysis_store, method, neighbors, min_dist)
    # UMAP and t-SNE take seconds (many genes: minutes): a background job
    if params.embedding != "pca" and embedding_key(analysis_store["key"], params) not in store:
        request = {"analysis": analysis_store, "params": params.to_dict()}
        if params.embedding == "tsne":
            return (empty_figure("Computing t-SNE..."), "Computing t-SNE (seconds).",
                    request, no_update, no_update)
        return (empty_figure("Computing UMAP..."),
                "Computing UMAP (seconds; on a fresh server the first run also compiles "
                "numba code, which can take a minute or two).", request, no_update, no_update)
    figure, notes = scatter(store, analysis_store, params, color_by, selected)
    return figure, notes, no_update, no_update, no_update


def umap_failed(error: Exception) -> tuple:
    """The scatter and status when the UMAP job itself was lost (its process ended)."""
    message = f"UMAP failed: {str(error).splitlines()[0].removeprefix(LOST_PREFIX)}"
    return empty_figure(message), message


def register(app, store: ResultStore) -> None:
    """Register the scatter callback and the background UMAP job."""

    from .analysis import ANALYSIS_CONTROLS  # here: analysis imports this module

    # From the controls, not from the analysis callback's store: not chained behind it.
    @app.callback(*OUTPUTS,
              Input(ids.DATASET_STORE, "data"),
              *[Input(c, "value") for c in ANALYSIS_CONTROLS],
              Input(ids.EMBEDDING_METHOD, "value"),
              Input(ids.UMAP_NEIGHBORS, "value"),
              Input(ids.UMAP_MIN_DIST, "value"),
              Input(ids.COLOR_BY, "value"),
              Input(ids.SELECTION_STORE, "data"),
              Input(ids.GENE_SEARCH_STORE, "data"),
              Input(ids.SPLITS_STORE, "data"),
              State(ids.EMBEDDING, "selectedData"), State(ids.ANALYSIS_STORE, "data"),
              prevent_initial_call=True)
    @guarded(len(OUTPUTS), ERROR_SLOT)
    def show_embedding(dataset_store, *values):
        (*control_values, method, neighbors, min_dist, color_by, selected, found, records,
         lasso, previous) = values
        controls = dict(zip(ANALYSIS_CONTROLS, control_values))
        # genes found by the gene search are highlighted too when genes are the points
        # (with samples as points they would fade every point)
        marked = list(selected or [])
        if controls.get(ids.TARGET) == "genes":
            marked = list(dict.fromkeys(marked + list(found or [])))
        return show_scatter(store, dataset_store, controls, method, neighbors, min_dist,
                            color_by, marked, lasso=lasso,
                            splits=current_splits(dataset_store, records, previous, {
                                t["prop_id"].rsplit(".", 1)[0] for t in ctx.triggered}),
                            selection_only=ctx.triggered_id in (ids.SELECTION_STORE,
                                                                ids.GENE_SEARCH_STORE))

    @app.callback(Output(ids.EMBEDDING, "figure", allow_duplicate=True),
              Output(ids.EMBEDDING_STATUS, "children", allow_duplicate=True),
              Input(ids.EMBEDDING_STORE, "data"),
              State(ids.COLOR_BY, "value"),
              State(ids.SELECTION_STORE, "data"),
              background=True,
              running=[(Output(ids.EMBEDDING_PROGRESS, "style"), {"display": "flex"},
                        {"display": "none"}),
                       (Output(ids.EMBEDDING_CANCEL, "style"), {"display": "inline"},
                        {"display": "none"})],
              progress=[Output(ids.EMBEDDING_PROGRESS, "value"),
                        Output(ids.EMBEDDING_PROGRESS, "label")],
              cancel=[Input(ids.EMBEDDING_CANCEL, "n_clicks")],
              on_error=umap_failed,
              prevent_initial_call=True)
    def compute_umap(set_progress, request, color_by, selected):
        if not request:
            return no_update, no_update
        name = "t-SNE" if request["params"].get("embedding") == "tsne" else "UMAP"
        set_progress((15, f"{name} running"))
        try:
            params = AnalysisParams.from_dict(request["params"])
            compute_embedding(store, request["analysis"]["key"], params)
            set_progress((100, "done"))
            figure, notes = scatter(store, request["analysis"], params, color_by, selected)
        except Exception as error:  # noqa: BLE001 - show it, keep the app alive
            return empty_figure(f"{name} failed: {error}"), f"{name} failed: {error}"
        return figure, notes or f"{name} done."
