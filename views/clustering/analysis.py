"""The analysis: controls -> cached pipeline -> heatmap, silhouette and metrics; downloads."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from layouts.main import METHOD_LABELS
from rnaclust_dash import views
from rnaclust_dash.commands.trajectory import params_with_splits
from rnaclust_dash.export import ASSIGNMENTS_FILE, PARAMS_FILE, assignments_csv, params_json
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pipeline import load_summary, run_analysis
from rnaclust_dash.pipeline.gene_map import gene_map
from rnaclust_dash.pipeline.subcluster import split_analysis_present
from rnaclust_dash.tl.subcluster import steps_from_records, steps_to_records
from rnaclust_dash.store import ResultStore

from callbacks import patching
from callbacks.common import (CONTROL_FIELDS, current_splits, guarded, params_from_controls,
                              stored_analysis)
from .embedding import embedding_params

# The controls the analysis depends on (the embedding controls have their own callback).
ANALYSIS_CONTROLS = [c for c, (field, _) in CONTROL_FIELDS.items()
                     if field not in ("embedding", "umap_neighbors", "umap_min_dist")]

OUTPUTS = [
    Output(ids.HEATMAP, "figure"),
    Output(ids.SILHOUETTE, "figure"),
    Output(ids.METRICS, "children"),
    Output(ids.ANALYSIS_STORE, "data"),
    Output(ids.ERROR, "children", allow_duplicate=True),
    Output(ids.ERROR, "is_open", allow_duplicate=True),
    Output(ids.NOTICES, "children"),
    Output(ids.NOTICES, "is_open"),
    Output(ids.UNCERTAIN, "children"),
    Output(ids.FIGURES_SHOWN, "data"),
]
ERROR_SLOT = (4, 5)
# Inputs that change what the heatmap shows, not the analysis (gene search, drill-in,
# sample labels: see callbacks.gene_search).
HEATMAP_ONLY = [(ids.GENE_SEARCH_STORE, "data"), (ids.HEATMAP_FOCUS, "data"),
                (ids.SAMPLE_LABELS, "value"), (ids.GENE_MAP_STORE, "data")]


def metrics_badges(metrics: dict, params: AnalysisParams, n_clusters: int) -> list:
    """Mean silhouette, Calinski-Harabasz and Davies-Bouldin beside the clustering."""
    def badge(label, value, title):
        return dbc.Badge([label, " ", html.B(value)], color="light", text_color="dark",
                         className="me-2 metric", title=title)
    return [
        html.Span(f"{metrics['n_items']:,} {params.target}, k = {n_clusters} "
                  f"({METHOD_LABELS[params.method]}): ", className="me-2"),
        badge("mean silhouette", f"{metrics['silhouette']:.3f}",
              f"with the {params.distance} distance; -1..1, higher is better"),
        badge("Calinski-Harabasz", f"{metrics['calinski_harabasz']:.1f}", "higher is better"),
        badge("Davies-Bouldin", f"{metrics['davies_bouldin']:.3f}", "lower is better"),
    ]


def update_analysis(store: ResultStore, dataset_store: dict | None, control_values: dict,
                    selected: list | None, *, selection_only: bool = False,
                    shown: dict | None = None, search: list | None = None,
                    focus: dict | None = None, sample_label_by: str | None = None,
                    splits: list | None = None) -> tuple:
    """The body of the analysis callback (plain function: testable without a browser).

    ``shown`` is what the browser's heatmap and silhouette show now (the store
    ``ids.FIGURES_SHOWN``); figures that differ from it only in clusters or highlight go
    out as a ``dash.Patch`` of that part (see :mod:`callbacks.patching`). ``search``
    (genes found by the gene search), ``focus`` (the heatmap's drill-in, see
    :mod:`callbacks.gene_search`) and ``sample_label_by`` change the heatmap only.
    ``splits`` (records of :func:`~rnaclust_dash.tl.subcluster.steps_to_records`) split
    clusters in place; a split of a cluster the clustering no longer has is dropped with a
    notice, and the analysis store keeps the splits applied.

    Returns the outputs in the order of :data:`OUTPUTS`.
    """
    if not dataset_store:
        return tuple([no_update] * len(OUTPUTS))
    if dataset_store.get("mode") == "single-cell":
        return single_cell_outputs()
    key = dataset_store["key"]
    params = params_from_controls(control_values)
    analysis, kept = split_analysis_present(store, run_analysis(store, key, params),
                                            steps_from_records(splits))
    metadata = load_summary(store, key)["metadata"]
    selected = selected or []
    shown = shown or {}
    heatmap, heatmap_shown = patching.heatmap_update(
        views.heatmap(analysis, metadata=metadata, selected=selected, highlighted=search or (),
                      focus=(focus or {}).get("genes"), sample_label_by=sample_label_by,
                      mapping=gene_map(store, key)),
        shown.get("heatmap"))
    silhouette, silhouette_shown = patching.silhouette_update(
        views.silhouette(analysis, selected=selected), shown.get("silhouette"))
    now_shown = {"heatmap": heatmap_shown, "silhouette": silhouette_shown}
    if selection_only:  # nothing but the highlight changed
        return (heatmap, silhouette) + tuple([no_update] * (len(OUTPUTS) - 3)) + (now_shown,)
    notices = list(analysis.notices)
    analysis_store = {"key": key, "params": params.to_dict(),
                      "n_items": int(len(analysis.labels)), "splits": steps_to_records(kept)}
    n_clusters = len(set(analysis.labels.tolist()))
    return (heatmap, silhouette, metrics_badges(analysis.metrics(), params, n_clusters),
            analysis_store,
            None, False, html.Ul([html.Li(n) for n in notices], className="mb-0"),
            bool(notices), uncertain_table(analysis), now_shown)


def single_cell_outputs() -> tuple:
    """Single cells go through the single-cell pipeline (Cells tab), never the bulk one
    (which would make a dense copy: 100,000 cells x 20,000 genes is 16 GB)."""
    note = empty_figure("Single cells: see the Cells tab.")
    return (note, note, [html.Span("Single cells are clustered in the Cells tab.")], None,
            None, False, None, False, [], {})


def uncertain_table(analysis) -> list:
    """Soft methods: the items whose assignment is uncertain (confidence < 0.6)."""
    if analysis.confidence is None:
        return []
    table = views.uncertain_items(analysis)
    if table.empty:
        return [html.Span(f"Every item has confidence >= {views.UNCERTAIN_BELOW} "
                          "(max membership / posterior).", className="text-muted")]
    shown = table.head(50).round({"confidence": 3})
    return [html.B(f"{len(table):,} items with uncertain assignment (confidence < "
                   f"{views.UNCERTAIN_BELOW}); the scatter fades them:"),
            dbc.Table.from_dataframe(shown, size="sm", striped=True,
                                     className="w-auto mb-0")]


def register(app, store: ResultStore) -> None:
    """Register the analysis and download callbacks."""

    @app.callback(*OUTPUTS,
              Input(ids.DATASET_STORE, "data"),
              *[Input(c, "value") for c in ANALYSIS_CONTROLS],
              Input(ids.SELECTION_STORE, "data"),
              *[Input(*view_input) for view_input in HEATMAP_ONLY],
              Input(ids.SPLITS_STORE, "data"),
              State(ids.FIGURES_SHOWN, "data"), State(ids.ANALYSIS_STORE, "data"),
              prevent_initial_call=True)
    @guarded(len(OUTPUTS), ERROR_SLOT)
    def analyse(dataset_store, *values):
        (*control_values, selected, search, focus, label_by, _gene_map, split_records,
         shown, previous) = values
        controls = dict(zip(ANALYSIS_CONTROLS, control_values))
        # Only the heatmap changes when nothing but these fired (new data also sets the
        # sample-label menu: then the analysis runs in full)
        display_only = {ids.SELECTION_STORE, *[i for i, _ in HEATMAP_ONLY]}
        fired = {t["prop_id"].rsplit(".", 1)[0] for t in ctx.triggered}
        return update_analysis(store, dataset_store, controls, selected,
                               selection_only=bool(fired) and fired <= display_only,
                               shown=shown, search=search, focus=focus,
                               sample_label_by=label_by,
                               splits=current_splits(dataset_store, split_records, previous,
                                                     fired))

    @app.callback(Output(ids.DOWNLOAD_PARAMS, "data"),
              Input(ids.DOWNLOAD_PARAMS_BUTTON, "n_clicks"),
              State(ids.ANALYSIS_STORE, "data"),
              State(ids.EMBEDDING_METHOD, "value"),
              State(ids.UMAP_NEIGHBORS, "value"),
              State(ids.UMAP_MIN_DIST, "value"),
              prevent_initial_call=True)
    def download_params(_, analysis_store, embedding, neighbors, min_dist):
        if not analysis_store:
            return no_update
        params = embedding_params(analysis_store, embedding, neighbors, min_dist)
        name = load_summary(store, analysis_store["key"])["name"]
        text = params_json(params, dataset_name=name, dataset_key=analysis_store["key"])
        # the splits on screen: `run --params` replays them (issue 12)
        text = params_with_splits(text, steps_from_records(analysis_store.get("splits")))
        return dcc.send_string(text, PARAMS_FILE)

    @app.callback(Output(ids.DOWNLOAD_ASSIGNMENTS, "data"),
              Input(ids.DOWNLOAD_ASSIGNMENTS_BUTTON, "n_clicks"),
              State(ids.ANALYSIS_STORE, "data"),
              prevent_initial_call=True)
    def download_assignments(_, analysis_store):
        if not analysis_store:
            return no_update
        analysis = stored_analysis(store, analysis_store)
        return dcc.send_string(assignments_csv(analysis), ASSIGNMENTS_FILE)
