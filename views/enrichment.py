"""The enrichment card of the Markers tab: over-representation of marker lists or gene
clusters in GO BP / MF / CC (bundled, human symbols) or an uploaded GMT (issue 10 item 4).

Queries: the top N genes up (and/or down) of each group of the marker result on screen,
or, when genes are clustered, the genes of each gene cluster. Universe: the genes tested
(the filtered genes of the analysis). The bundled sets are human gene symbols, so the
data's ids go through :func:`rnaclust_dash.tl.gene_ids.map_to_symbols`; an uploaded GMT is
matched on the data's own ids or on the symbols, whichever covers more of its genes.
"""

from __future__ import annotations

import base64

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dash_table, dcc, html, no_update
from dash.dash_table.Format import Format, Scheme

from layouts import ids
from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.export.tables import csv_text
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import normalized_matrix
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.markers import enrichment_dotplot
from rnaclust_dash.store import ResultStore, content_key, stage_key
from rnaclust_dash.tl.enrichment import cluster_queries, enrich_queries, marker_queries
from rnaclust_dash.tl.gene_ids import ID_KINDS, map_to_symbols
from rnaclust_dash.tl.genesets import (BUNDLED_GENE_SETS, GeneSets, bundled_gene_sets,
                                       membership_matrix, read_gmt)

from . import marker_results, markers
from callbacks.common import error_message, split_part, stored_analysis

SOURCE = "enrich-source"
DIRECTION = "enrich-direction"
TOP = "enrich-top"
SETS = "enrich-sets"
UPLOAD = "enrich-upload"
UPLOAD_INFO = "enrich-upload-info"
MIN_SIZE = "enrich-min-size"
MAX_SIZE = "enrich-max-size"
RUN = "enrich-run"
ALERT = "enrich-alert"
STATUS = "enrich-status"
TABLE = "enrich-table"
DOTPLOT = "enrich-dotplot"
DOWNLOAD_BUTTON = "enrich-download-button"
DOWNLOAD = "enrich-download"
RESULT = "enrich-result"

UPLOADED = "upload"
TABLE_COLUMNS = ("query", "term", "description", "n_overlap", "n_term", "n_query",
                 "n_universe", "pvalue", "padj", "genes")


def _number(component_id: str, label: str, value: int, **kwargs) -> dbc.InputGroup:
    return dbc.InputGroup([dbc.InputGroupText(label),
                           dbc.Input(id=component_id, type="number", value=value,
                                     debounce=True, **kwargs)],
                          size="sm", className="me-2 mb-2 w-auto")


def enrichment_card() -> dbc.Card:
    """Controls, alert, dot plot and table of the enrichment analysis."""
    sets = [{"label": label, "value": key} for key, (_, label) in BUNDLED_GENE_SETS.items()]
    sets.append({"label": "uploaded GMT file", "value": UPLOADED})
    controls = html.Div([
        dbc.RadioItems(id=SOURCE, value="markers", inline=True, className="me-3 mb-2",
                       options=[{"label": "marker genes of each group", "value": "markers"},
                                {"label": "gene clusters", "value": "clusters",
                                 "disabled": True}]),
        dbc.Select(id=DIRECTION, value="up", size="sm", className="me-2 mb-2 w-auto",
                   options=[{"label": "up in the group", "value": "up"},
                            {"label": "down in the group", "value": "down"},
                            {"label": "up and down (separately)", "value": "both"}]),
        _number(TOP, "top", 200, min=1, step=1),
        dbc.Select(id=SETS, value="go-bp", size="sm", className="me-2 mb-2 w-auto",
                   options=sets),
        _number(MIN_SIZE, "term size from", 10, min=1, step=1),
        _number(MAX_SIZE, "to", 500, min=1, step=1),
        dbc.Button("Run enrichment", id=RUN, color="primary", size="sm",
                   className="mb-2 me-2"),
    ], className="d-flex flex-wrap align-items-center")
    upload = html.Div([
        dcc.Upload(id=UPLOAD, className="upload d-inline-block px-3 me-2",
                   children=html.Small("GMT file (name, description, genes; .gz works)")),
        html.Small(id=UPLOAD_INFO, className="text-muted"),
    ], className="mb-2")
    return dbc.Card([
        dbc.CardHeader(html.Span(
            "Enrichment (over-representation)",
            title="Hypergeometric test of each gene set (R phyper), BH-adjusted per query. "
                  "Universe: the genes tested. Term sizes are counted within the universe.")),
        dbc.CardBody([
            html.Small("Marker genes: the top N genes by p-value with padj < 0.05 in each "
                       "group. Gene clusters: every gene of each cluster. Universe: all "
                       "genes tested after filtering. GO: Gene Ontology (CC BY 4.0) via "
                       "org.Hs.eg.db 3.16, human symbols.", className="text-muted d-block"),
            controls, upload,
            dbc.Alert(id=ALERT, color="danger", is_open=False, dismissable=True,
                      className="small"),
            html.Div(id=STATUS, className="small mb-1"),
            dcc.Store(id=RESULT),
            dcc.Loading(dcc.Graph(
                id=DOTPLOT, config={"displaylogo": False,
                                    "toImageButtonOptions": {"format": "svg"}},
                figure=empty_figure("Choose the genes and the gene sets, then "
                                      "'Run enrichment'.")), delay_show=300),
            html.Div(dbc.Button("Download enrichment (CSV)", id=DOWNLOAD_BUTTON, size="sm",
                                color="secondary"), className="text-end mb-1"),
            dcc.Download(id=DOWNLOAD),
            dash_table.DataTable(
                id=TABLE, columns=[], data=[], sort_action="native", filter_action="native",
                page_action="native", page_size=12, style_table={"overflowX": "auto"},
                style_cell={"fontSize": "0.82rem", "padding": "2px 6px", "textAlign": "left",
                            "fontFamily": "Lato, Arial, sans-serif", "whiteSpace": "normal",
                            "overflow": "hidden"},
                style_header={"fontWeight": "600"},
                style_data={"whiteSpace": "normal", "height": "auto"},  # genes wrap
                # fixed layout: the columns share the card's width, the genes take the rest
                css=[{"selector": "table", "rule": "table-layout: fixed; width: 100%;"}],
                style_cell_conditional=[
                    {"if": {"column_id": column}, "width": width}
                    for column, width in (("query", "6.5rem"), ("term", "6.5rem"),
                                          ("description", "13rem"), ("n_overlap", "5.5rem"),
                                          ("n_term", "4rem"), ("n_query", "5rem"),
                                          ("pvalue", "5rem"), ("padj", "5rem"))]),
        ]),
    ], className="mt-3")


# --- glue to the core ------------------------------------------------------------------

def gene_sets_for(choice: str, upload: str | None, upload_name: str | None) -> GeneSets:
    """The chosen collection: bundled, or the uploaded GMT (a dcc.Upload data URL)."""
    if choice != UPLOADED:
        return bundled_gene_sets(choice)
    if not upload:
        raise ParameterError("Upload a GMT file first (one gene set per line: name, "
                             "description, then its genes, tab-separated).")
    content = base64.b64decode(upload.split(",", 1)[1])
    return read_gmt(content, filename=upload_name or "uploaded GMT")


def _queries(store, analysis_store, marker_ref, source, direction, top) -> dict:
    """Query name -> data gene ids."""
    if source == "clusters":
        params = AnalysisParams.from_dict(analysis_store["params"])
        if params.target != "genes":
            raise ParameterError("Gene clusters exist when genes are clustered: choose "
                                 "'Cluster: genes' on the left, or use marker genes.")
        analysis = stored_analysis(store, analysis_store)
        return {f"cluster {name}": genes for name, genes in
                cluster_queries(analysis.features.item_ids, analysis.labels).items()}
    if not marker_ref:
        raise ParameterError("There are no marker genes yet: wait for the marker table above, "
                             "or choose gene clusters.")
    table = marker_results.load_result(store, marker_ref)["table"]
    queries = {}
    for side in (("up", "down") if direction == "both" else (direction,)):
        for group, genes in marker_queries(table, direction=side, top=int(top or 200)).items():
            queries[f"{group} {side}"] = genes
    if not queries:
        raise DataError("No group has a marker gene with padj < 0.05 in that direction: "
                        "there is nothing to test. Try the other direction, another test or "
                        "other groups.")
    return queries


def translate_to_set_ids(universe: pd.Index, gene_sets: GeneSets, bundled: bool) -> tuple[dict, str]:
    """Data id -> the id the gene sets use, and a sentence on the mapping."""
    mapping = map_to_symbols(universe, if_none_mapped="keep")
    symbols = dict(zip(universe, mapping.symbols))
    if not bundled:  # the file may use the data's ids or symbols: take what covers more
        by_id = membership_matrix(gene_sets, universe).sum()
        by_symbol = membership_matrix(gene_sets, pd.Index(pd.unique(mapping.symbols))).sum()
        if by_id >= by_symbol:
            return dict(zip(universe, universe)), "the GMT matched on the data's gene ids"
        return symbols, f"the GMT matched on gene symbols ({mapping.report})"
    if mapping.source == "none":  # the data's ids are symbols already
        return symbols, mapping.report
    if mapping.n_mapped == 0:
        example = ", ".join(map(str, universe[:3]))
        raise DataError(f"The bundled GO sets are for human gene symbols, and none of the "
                        f"{universe.size:,} genes tested ({ID_KINDS[mapping.kind]}, e.g. "
                        f"{example}) maps to a human symbol. Upload a GMT file of gene sets "
                        "that uses these ids, and choose 'uploaded GMT file'.")
    mapped = {g: s for g, s, ok in zip(universe, mapping.symbols, mapping.mapped) if ok}
    return mapped, mapping.report + " Unmapped genes are left out of the universe."


def run_enrichment(store: ResultStore, analysis_store: dict, marker_ref: dict | None, *,
                   source: str, direction: str, top, sets: str, upload=None,
                   upload_name=None, min_size, max_size) -> tuple[pd.DataFrame, str]:
    """The enrichment table of the chosen queries and a line saying what was tested."""
    if min_size is None or max_size is None:
        raise ParameterError("Give both term size limits (10 and 500 are usual).")
    params = AnalysisParams.from_dict(analysis_store["params"])
    universe = normalized_matrix(store, analysis_store["key"], params).values.index
    data_queries = _queries(store, analysis_store, marker_ref, source, direction, top)
    gene_sets = gene_sets_for(sets, upload, upload_name)
    to_set_ids, mapping_note = translate_to_set_ids(universe, gene_sets, sets != UPLOADED)
    queries = {name: [to_set_ids[g] for g in genes if g in to_set_ids]
               for name, genes in data_queries.items()}
    unique: dict = {}
    for name, genes in queries.items():  # two groups: 'a up' is 'b down'; test it once
        if genes and sorted(genes) not in [sorted(g) for g in unique.values()]:
            unique[name] = genes
    queries = unique
    if not queries:
        raise DataError("No gene of the queries maps to the ids of the gene sets. "
                        + mapping_note)
    table = enrich_queries(queries, gene_sets, universe=list(dict.fromkeys(
        to_set_ids.values())), min_size=int(min_size), max_size=int(max_size))
    n_tested = table.groupby("query").size().iloc[0]
    note = (f"{len(queries)} queries, {n_tested:,} sets of {gene_sets.source} with "
            f"{int(min_size)}..{int(max_size)} genes in the universe of "
            f"{int(table['n_universe'].iat[0]):,} genes; {mapping_note}")
    notices = table.attrs.get("notices", [])
    if notices:
        note += " " + " ".join(notices[:2])
    return table, note


def table_records(table: pd.DataFrame, *, max_rows: int = 2000) -> tuple[list, list]:
    """DataTable columns and rows: the terms with an overlap, best first (p to 3 digits)."""
    shown = table[table["n_overlap"] > 0].sort_values(["padj", "pvalue"], kind="stable")
    shown = shown.head(max_rows)[list(TABLE_COLUMNS)].copy()
    for column in ("pvalue", "padj"):
        shown[column] = [float(f"{v:.3g}") for v in shown[column]]
    shown["genes"] = shown["genes"].str.replace(";", ", ")
    numeric = {"n_overlap", "n_term", "n_query", "n_universe", "pvalue", "padj"}
    shown_columns = [c for c in TABLE_COLUMNS if c != "n_universe"]  # in the status line
    p_format = Format(precision=3, scheme=Scheme.decimal_or_exponent)
    return ([{"name": c, "id": c, "type": "numeric", "format": p_format}
             if c in ("pvalue", "padj") else
             {"name": c, "id": c, "type": "numeric" if c in numeric else "text"}
             for c in shown_columns], shown[shown_columns].to_dict("records"))


def source_options(analysis_store: dict | None) -> list:
    """Gene clusters are a source only when genes are clustered."""
    genes = bool(analysis_store) and analysis_store["params"].get("target") == "genes"
    return [{"label": "marker genes of each group", "value": "markers"},
            {"label": "gene clusters", "value": "clusters", "disabled": not genes}]


def register(app, store: ResultStore) -> None:
    """Register the enrichment card's callbacks."""

    @app.callback(Output(SOURCE, "options"), Input(markers.SEEN, "data"),
                  prevent_initial_call=True)
    def update_sources(analysis_store):
        return source_options(analysis_store)

    @app.callback(Output(UPLOAD_INFO, "children"), Output(SETS, "value"),
                  Input(UPLOAD, "filename"), prevent_initial_call=True)
    def uploaded(filename):
        return (f"{filename} (choose 'uploaded GMT file')", UPLOADED) if filename else \
            (no_update, no_update)

    @app.callback(Output(RESULT, "data"), Output(DOTPLOT, "figure"),
                  Output(TABLE, "columns"), Output(TABLE, "data"), Output(STATUS, "children"),
                  Output(ALERT, "children"), Output(ALERT, "is_open"),
                  Input(RUN, "n_clicks"), State(ids.ANALYSIS_STORE, "data"),
                  State(markers.RESULT, "data"), State(SOURCE, "value"),
                  State(DIRECTION, "value"), State(TOP, "value"), State(SETS, "value"),
                  State(UPLOAD, "contents"), State(UPLOAD, "filename"),
                  State(MIN_SIZE, "value"), State(MAX_SIZE, "value"),
                  prevent_initial_call=True)
    def enrich(_, analysis_store, marker_ref, source, direction, top, sets, upload,
               upload_name, min_size, max_size):
        if not analysis_store:
            return tuple([no_update] * 7)
        try:
            table, note = run_enrichment(
                store, analysis_store, marker_ref, source=source, direction=direction,
                top=top, sets=sets, upload=upload, upload_name=upload_name,
                min_size=min_size, max_size=max_size)
        except Exception as error:  # noqa: BLE001 - shown in this card's alert
            return (no_update, no_update, no_update, no_update, "", error_message(error),
                    True)
        key = stage_key(analysis_store["key"], "enrichment", {
            "analysis": analysis_store["params"], **split_part(analysis_store),
            "markers": (marker_ref or {}).get("key"),
            "choices": [source, direction, top, sets, min_size, max_size],
            "upload": content_key((upload or "").encode()) if sets == UPLOADED else ""})
        store.put(key, table)
        columns, rows = table_records(table)
        figure = enrichment_dotplot(table, title=f"Enriched terms ({sets.upper()})"
                                    if sets != UPLOADED else "Enriched terms")
        return {"key": key}, figure, columns, rows, note, None, False

    @app.callback(Output(DOWNLOAD, "data"), Input(DOWNLOAD_BUTTON, "n_clicks"),
                  State(RESULT, "data"), prevent_initial_call=True)
    def download(_, result_ref):
        table = store.get(result_ref["key"]) if result_ref else None
        if table is None:
            return no_update
        return dcc.send_string(csv_text(table), "enrichment.csv")

