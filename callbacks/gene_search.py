"""Genes you can read (issue 10 item 1): the navbar's gene search, and the heatmap's
drill-in and sample labels.

- Gene search: a type-ahead box of gene symbols and ids (the genes of the analysis
  after filtering); the genes chosen go to ``ids.GENE_SEARCH_STORE`` and every view marks
  them: the heatmap outlines their rows (even when the samples are clustered), the
  scatter selects them when genes are the items, the Markers volcano circles them, the
  Gene clusters view draws their profiles.
- Drill-in: a click on a node of the gene dendrogram, on a gene cluster's bar, or a zoom
  on a range of rows shows just those genes, one labelled row each
  (``ids.HEATMAP_FOCUS``); "All genes" or a double-click goes back.
- Sample labels: the heatmap's columns named by a chosen sample-sheet column.
- Gene symbols of other species: an uploaded id -> symbol table, kept with the dataset
  (:mod:`rnaclust_dash.pipeline.gene_map`), names genes in the heatmap, the search and
  the Gene clusters view.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash import views
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.io.uploads import decode_upload
from rnaclust_dash.pipeline import Analysis, load_summary, normalized_matrix
from rnaclust_dash.pipeline.gene_map import gene_map, put_gene_map
from rnaclust_dash.pl.dendrogram import leaves_under
from rnaclust_dash.store import ResultStore

from .common import error_text, stored_analysis

#: At most this many suggestions while typing.
MAX_SUGGESTIONS = 25
# The matrix is the heatmap's second trace (after an empty axis link): a click on a
# cell there is not a cluster bar's.
_MATRIX_TRACE = 1


# --- layout ----------------------------------------------------------------------------

def search_box() -> html.Div:
    """The navbar's gene search (type-ahead of symbols and ids)."""
    return html.Div(dcc.Dropdown(
        id=ids.GENE_SEARCH, multi=True, value=[], options=[], searchable=True,
        placeholder="Find genes (symbol or id)...", className="gene-search"),
        style={"minWidth": "20rem", "maxWidth": "34rem"}, className="ms-auto",
        title="Type a gene symbol or id: the genes you pick are marked in the heatmap, "
              "the scatter (genes clustered), the Markers volcano and the gene profiles.")


def heatmap_tools() -> html.Div:
    """Above the heatmap: sample labels, the drill-in line and its way back."""
    return html.Div([
        dbc.InputGroup([dbc.InputGroupText("Label samples by"),
                        html.Div(dcc.Dropdown(id=ids.SAMPLE_LABELS, options=[], value=None,
                                              placeholder="sample id"),
                                 style={"minWidth": "12rem"})],
                       size="sm", className="w-auto me-3"),
        html.Span(id=ids.HEATMAP_FOCUS_INFO, className="small text-muted me-2"),
        dbc.Button("All genes", id=ids.HEATMAP_ALL_GENES, size="sm", color="link",
                   style={"display": "none"}),
    ], className="d-flex flex-wrap align-items-center mb-1")


def stores() -> list:
    """The stores of the gene search, the drill-in and the user's gene map."""
    return [dcc.Store(id=ids.GENE_SEARCH_STORE, data=[]),
            dcc.Store(id=ids.HEATMAP_FOCUS, data=None),
            dcc.Store(id=ids.GENE_MAP_STORE, data=None)]


def mapping_upload() -> html.Div:
    """The data card's upload of a gene id -> symbol table (species other than human)."""
    from layouts.main import _upload  # layouts.main imports this module's parts lazily
    return html.Div([
        _upload(ids.UPLOAD_GENE_MAP, "Gene symbols (optional: id, symbol table)"),
        html.Small("Human Ensembl, Entrez and RefSeq ids are named from org.Hs.eg.db; for "
                   "other species upload a CSV/TSV of gene id and symbol (after the counts).",
                   className="text-muted d-block"),
        html.Small(id=ids.GENE_MAP_INFO, className="d-block mb-2"),
    ])


# --- glue ------------------------------------------------------------------------------


def upload_gene_map(store: ResultStore, contents: str | None, filename: str | None,
                    dataset_store: dict | None) -> tuple:
    """(gene-map store, info line) for an uploaded mapping table, or for new data."""
    if not dataset_store:
        return no_update, no_update
    key = dataset_store["key"]
    if ctx.triggered_id != ids.UPLOAD_GENE_MAP or not contents:
        in_use = gene_map(store, key) is not None
        return ({"dataset": key, "mapped": in_use},
                "Genes named with your mapping table." if in_use else "")
    try:
        report = put_gene_map(store, key, decode_upload(contents),
                              filename=filename or "mapping table")
    except Exception as error:  # noqa: BLE001 - said under the upload
        return no_update, html.Span(error_text(error), className="text-danger")
    return {"dataset": key, "mapped": True, "file": filename}, report


def suggestions(store: ResultStore, analysis_store: dict | None, typed: str | None,
                chosen: list | None) -> list[dict]:
    """Dropdown options: the chosen genes, then the genes whose symbol or id starts with
    (then contains) the typed text, without case; labels ``SYMBOL · id``."""
    if not analysis_store:
        return []
    genes = normalized_matrix(store, analysis_store["key"],
                              AnalysisParams.from_dict(analysis_store["params"])).values.index
    gene_ids = genes.to_numpy(dtype=object)
    symbols = views.gene_symbols(gene_ids, mapping=gene_map(store, analysis_store["key"]))
    chosen = [g for g in (chosen or []) if g in set(gene_ids)]
    picked = [int(np.flatnonzero(gene_ids == g)[0]) for g in chosen]
    text = (typed or "").strip().lower()
    if text:
        lower_symbols = np.char.lower(symbols.astype(str))
        lower_ids = np.char.lower(gene_ids.astype(str))
        starts = np.char.startswith(lower_symbols, text) | np.char.startswith(lower_ids, text)
        contains = (np.char.find(lower_symbols, text) >= 0) | (np.char.find(lower_ids, text)
                                                               >= 0)
        exact = lower_symbols == text
        ranked = np.concatenate([np.flatnonzero(exact), np.flatnonzero(starts & ~exact),
                                 np.flatnonzero(contains & ~starts)])
        picked += [int(i) for i in ranked[:MAX_SUGGESTIONS] if int(i) not in picked]
    return [{"label": _label(symbols[i], gene_ids[i]), "value": str(gene_ids[i])}
            for i in picked]


#: How a table row of a found gene looks.
FOUND_ROW = {"backgroundColor": "#fff3cd", "fontWeight": "600"}


def found_rows_style(found: list | None, column: str) -> list[dict]:
    """DataTable ``style_data_conditional`` marking the rows whose ``column`` is a found
    gene (the Markers table: ``gene``; the Gene clusters table: ``gene_id``)."""
    return [{"if": {"filter_query": f'{{{column}}} = "{gene}"'}, **FOUND_ROW}
            for gene in (found or []) if '"' not in str(gene)]


def _label(symbol, gene_id) -> str:
    return str(gene_id) if str(symbol) == str(gene_id) else f"{symbol} \u00b7 {gene_id}"


def focus_from_click(analysis: Analysis, event: dict | None, focus: dict | None
                     ) -> dict | None:
    """The genes a heatmap click drills into: a node of the gene dendrogram, or the bar
    of a gene cluster (genes clustered). None: the click is not a drill-in."""
    points = (event or {}).get("points") or []
    if not points or "customdata" not in points[0] or focus:
        return None
    data, point = points[0]["customdata"], points[0]
    genes_are_items = analysis.params.target == "genes"
    if isinstance(data, list) and len(data) == 2 and data[0] == "genes":
        tree = analysis.item_tree if genes_are_items else analysis.other_tree
        if tree is None:
            return None
        genes = analysis.gene_ids[leaves_under(tree, int(data[1]))]
        return {"genes": [str(g) for g in genes], "what": "a branch of the gene tree"}
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if genes_are_items and isinstance(data, (int, float)) and not isinstance(data, bool) \
            and point.get("curveNumber") != _MATRIX_TRACE:
        genes = analysis.features.item_ids[analysis.labels == int(data)]
        return {"genes": [str(g) for g in genes], "what": f"gene cluster {int(data)}"}
    return None


def focus_from_zoom(analysis: Analysis, relayout: dict | None, focus: dict | None
                    ) -> dict | None | str:
    """The genes of a zoomed row range; ``"reset"`` for a double-click (autoscale);
    None when the event is no zoom on rows (a resize, a zoom on samples only)."""
    relayout = relayout or {}
    if any(k.endswith("autorange") and v for k, v in relayout.items()):
        return "reset" if focus else None
    for axis in ("yaxis2", "yaxis"):
        lo, hi = relayout.get(f"{axis}.range[0]"), relayout.get(f"{axis}.range[1]")
        if lo is not None and hi is not None:
            break
    else:
        return None
    rows = views.heatmap_rows(analysis, focus=(focus or {}).get("genes"))
    first = max(int(np.ceil(min(lo, hi))), 0)  # rows whose centre is in the range
    last = min(int(np.floor(max(lo, hi))), len(rows) - 1)
    if first > last or (first == 0 and last == len(rows) - 1):
        return None
    genes = np.concatenate(rows[first:last + 1])
    return {"genes": [str(g) for g in genes], "what": f"rows {first + 1}-{last + 1}"}


def focus_text(focus: dict | None) -> tuple[str, dict]:
    """The drill-in line above the heatmap and the style of the "All genes" button."""
    if not focus:
        return ("Click a gene-tree branch or a gene cluster's bar, or zoom on rows, to "
                "read its genes.", {"display": "none"})
    return (f"Showing {len(focus['genes']):,} genes ({focus['what']}).",
            {"display": "inline"})


# --- callbacks ---------------------------------------------------------------------------

def register(app, store: ResultStore) -> None:
    """The search box, the drill-in and the sample-label menu."""

    @app.callback(Output(ids.GENE_SEARCH, "options"),
                  Input(ids.GENE_SEARCH, "search_value"), Input(ids.ANALYSIS_STORE, "data"),
                  State(ids.GENE_SEARCH, "value"), prevent_initial_call=True)
    def suggest(typed, analysis_store, chosen):
        if ctx.triggered_id == ids.GENE_SEARCH and not typed:
            return no_update  # the box was cleared: keep the chosen genes' labels
        try:
            return suggestions(store, analysis_store, typed, chosen)
        except Exception:  # noqa: BLE001 - the analysis callback reports a broken analysis
            return no_update

    @app.callback(Output(ids.GENE_MAP_STORE, "data"), Output(ids.GENE_MAP_INFO, "children"),
                  Input(ids.UPLOAD_GENE_MAP, "contents"), Input(ids.DATASET_STORE, "data"),
                  State(ids.UPLOAD_GENE_MAP, "filename"), prevent_initial_call=True)
    def mapping(contents, dataset_store, filename):
        return upload_gene_map(store, contents, filename, dataset_store)

    @app.callback(Output(ids.GENE_SEARCH_STORE, "data"), Input(ids.GENE_SEARCH, "value"),
                  prevent_initial_call=True)
    def search(chosen):
        return [str(g) for g in (chosen or [])]

    from views import markers  # the Markers view (imported here: views import this package)

    @app.callback(Output(markers.TABLE, "style_data_conditional"),
                  Input(ids.GENE_SEARCH_STORE, "data"), prevent_initial_call=True)
    def mark_marker_rows(found):
        return found_rows_style(found, "gene")

    @app.callback(Output(ids.HEATMAP_FOCUS, "data"),
                  Input(ids.HEATMAP, "clickData"), Input(ids.HEATMAP, "relayoutData"),
                  Input(ids.HEATMAP_ALL_GENES, "n_clicks"), Input(ids.DATASET_STORE, "data"),
                  State(ids.ANALYSIS_STORE, "data"), State(ids.HEATMAP_FOCUS, "data"),
                  prevent_initial_call=True)
    def drill(click, relayout, _all, _dataset, analysis_store, focus):
        # (the analysis store is a State: it is an output of the analysis callback, which
        # reads the focus; a k change keeps the drill-in, new data leaves it)
        trigger = ctx.triggered_id
        if trigger in (ids.HEATMAP_ALL_GENES, ids.DATASET_STORE) or not analysis_store:
            return None if focus else no_update
        try:
            analysis = stored_analysis(store, analysis_store)
            if ctx.triggered[0]["prop_id"].endswith("clickData"):
                new = focus_from_click(analysis, click, focus)
            else:
                new = focus_from_zoom(analysis, relayout, focus)
        except Exception:  # noqa: BLE001 - a failed drill-in changes nothing
            return no_update
        if new is None:
            return no_update
        return None if new == "reset" else new

    @app.callback(Output(ids.HEATMAP_FOCUS_INFO, "children"),
                  Output(ids.HEATMAP_ALL_GENES, "style"), Input(ids.HEATMAP_FOCUS, "data"))
    def describe(focus):
        return focus_text(focus)

    @app.callback(Output(ids.SAMPLE_LABELS, "options"), Output(ids.SAMPLE_LABELS, "value"),
                  Input(ids.DATASET_STORE, "data"), State(ids.SAMPLE_LABELS, "value"),
                  prevent_initial_call=True)
    def label_choices(dataset_store, chosen):
        if not dataset_store:
            return no_update, no_update
        metadata = load_summary(store, dataset_store["key"])["metadata"]
        columns = [] if metadata is None else [str(c) for c in metadata.columns]
        return ([{"label": c, "value": c} for c in columns],
                chosen if chosen in columns else None)
