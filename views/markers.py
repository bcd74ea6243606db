"""The Markers view: marker / differential genes of sample groups, their volcano plot, a
dot plot of the top markers per group and a table linked to the heatmap (issue 10 item 3).

One module holds the view (as 8Knot does): its ids, its layout (:func:`markers_tab`) and
its callbacks; :mod:`views.marker_results` its glue to :mod:`rnaclust_dash.tl.markers`
(figures from :mod:`rnaclust_dash.pl.markers`). The enrichment card of the same tab lives
in :mod:`views.enrichment`.

Groups are the sample clusters on screen or the values of a sample-sheet column. Welch t
and Wilcoxon run on the normalized (batch-corrected) log values of the filtered genes;
DESeq2 on the raw counts of the same genes. Results are stored under a key of the analysis
and the choices; a result not stored yet is computed by a background job with a progress
bar. Clicking a table row or a point selects that gene: in the heatmap's selection when
genes are clustered, and in this view always.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dash_table, dcc, html, no_update

from layouts import ids
from layouts.components import GRAPH_CONFIG
from rnaclust_dash.export.tables import csv_text
from rnaclust_dash.pl import markers as pl_markers
from rnaclust_dash.pipeline.gene_map import gene_map_id
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.store import ResultStore

from callbacks.common import error_message
from .marker_results import (TESTS, compute_markers, group_by_choices,
                             group_names, group_table, load_result, result_key,
                             sample_groups, table_page)
from views.clustering.selection import selection_text

TAB_ID = "markers"
TAB_LABEL = "Markers"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)
GROUP_BY = "markers-group-by"
TEST = "markers-test"
MODE = "markers-mode"
GROUP = "markers-group"
REFERENCE = "markers-reference"
PADJ = "markers-padj"
LFC = "markers-lfc"
ALERT = "markers-alert"
STATUS = "markers-status"
PROGRESS = "markers-progress"
CANCEL = "markers-cancel"
REQUEST = "markers-request"
SEEN = "markers-analysis"  # the analysis as this tab last saw it (see SEE_WHEN_SHOWN)
RESULT = "markers-result"
GENE = "markers-gene"
GENE_INFO = "markers-gene-info"
TABLE = "markers-table"
VOLCANO = "markers-volcano"
DOTPLOT = "markers-dotplot"
DOWNLOAD_BUTTON = "markers-download-button"
DOWNLOAD = "markers-download"



# --- layout ----------------------------------------------------------------------------

def _control(label: str, control, help_text: str, width: str = "12rem") -> html.Div:
    return html.Div([html.Label(label, className="control-label mb-0 small"), control],
                    className="me-3 mb-2", title=help_text,
                    style={"minWidth": width, "maxWidth": "22rem"})


def markers_tab() -> html.Div:
    """The Markers tab: controls, alert, progress, volcano, dot plot, table, and the
    enrichment card (:func:`views.enrichment.enrichment_card`)."""
    from .enrichment import enrichment_card  # it imports this module
    controls = html.Div([
        _control("Groups", dcc.Dropdown(id=GROUP_BY, clearable=False, options=[]),
                 "Compare the sample clusters on screen, or the groups of a sample-sheet "
                 "column."),
        _control("Test", dcc.Dropdown(id=TEST, clearable=False, value=None,
                                      options=[{"label": v, "value": k}
                                               for k, v in TESTS.items()]),
                 "Wilcoxon: robust, on ranks of the log values. Welch t: on the log values, "
                 "needs 2+ samples per group. DESeq2: negative binomial Wald test on raw "
                 "counts (as R DESeq2 1.38), needs 2+ samples per group.", "16rem"),
        _control("Compare", dbc.RadioItems(
            id=MODE, value="rest", inline=True,
            options=[{"label": "one vs rest", "value": "rest"},
                     {"label": "group vs group", "value": "pair"}]),
            "One vs rest: each group against all other samples (markers). Group vs group: "
            "the group against one chosen reference group.", "13rem"),
        _control("Group", dcc.Dropdown(id=GROUP, clearable=False, options=[]),
                 "The group shown in the volcano and the table (the 'in' samples)."),
        _control("versus", dcc.Dropdown(id=REFERENCE, clearable=False, options=[],
                                        disabled=True),
                 "The reference group (group vs group only)."),
        _control("Significance", dbc.InputGroup([
            dbc.InputGroupText("padj <"),
            dbc.Input(id=PADJ, type="number", value=0.05, min=0, max=1, step="any",
                      debounce=True),
            dbc.InputGroupText("|log2FC| \u2265"),
            dbc.Input(id=LFC, type="number", value=1.0, min=0, step="any", debounce=True),
        ], size="sm"), "Genes coloured in the volcano and used by the dot plot.", "18rem"),
    ], className="d-flex flex-wrap align-items-end mt-2")
    progress = html.Div([
        dbc.Progress(id=PROGRESS, value=0, max=100, striped=True, animated=True,
                     style={"display": "none", "width": "16rem"}, className="me-2"),
        dbc.Button("Cancel", id=CANCEL, size="sm", color="link", style={"display": "none"}),
        html.Span(id=STATUS, className="small text-muted"),
    ], className="d-flex align-items-center mb-2")
    figures = dbc.Row([
        dbc.Col(dcc.Loading(dcc.Graph(
            id=VOLCANO, config=GRAPH_CONFIG, style={"height": "520px"},
            figure=empty_figure("Testing every gene...")), delay_show=300),
            lg=7),
        dbc.Col(dcc.Loading(dcc.Graph(id=DOTPLOT, config=GRAPH_CONFIG,
                                      figure=empty_figure("")),
                            delay_show=300), lg=5),
    ])
    table = html.Div([
        html.Div([
            html.Span(id=GENE_INFO, className="small me-3"),
            dbc.Button("Download markers (CSV)", id=DOWNLOAD_BUTTON, size="sm",
                       color="secondary"),
            dcc.Download(id=DOWNLOAD),
        ], className="d-flex justify-content-between align-items-center mb-1"),
        dash_table.DataTable(
            # paged, sorted and filtered on the server: a table has one row per gene
            id=TABLE, columns=[], data=[], sort_action="custom", filter_action="custom",
            page_action="custom", page_current=0, page_size=15, filter_query="",
            sort_mode="multi", sort_by=[{"column_id": "padj", "direction": "asc"}],
            style_table={"overflowX": "auto"},
            style_cell={"fontSize": "0.82rem", "padding": "2px 6px",
                        "fontFamily": "Lato, Arial, sans-serif"},
            style_header={"fontWeight": "600"},
            style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                    for c in ("gene", "symbol")],
            tooltip_header={"log2fc": "log2 fold change, group / reference",
                            "padj": "Benjamini-Hochberg adjusted p (DESeq2: its own, with "
                                    "independent filtering)",
                            "mean_in": "mean in the group (log values; DESeq2: normalized "
                                       "counts)",
                            "mean_out": "mean in the reference samples"}),
    ])
    children = [dcc.Store(id=REQUEST), dcc.Store(id=RESULT), dcc.Store(id=GENE),
                dcc.Store(id=SEEN),
                html.Small("Genes that set each group apart: each group against the rest, "
                           "or against one other group. Click a table row or a point to "
                           "select a gene; filter the table by typing in its second row "
                           "(e.g. FKBP or < 0.01).", className="text-muted d-block mt-2"),
                controls,
                dbc.Alert(id=ALERT, color="danger", is_open=False, dismissable=True,
                          className="small"),
                progress, figures, table, enrichment_card()]
    return html.Div(children, className="pt-1")


# --- callbacks ---------------------------------------------------------------------------

def choices(store, analysis_store, group_by, mode, group, reference, test=None) -> tuple:
    """Menus of the view (the body of a callback): group-by options and value, test options
    and value, group options and value, reference options, value and disabled."""
    if not analysis_store:
        return tuple([no_update] * 9)
    options, default, tests, default_test = group_by_choices(store, analysis_store)
    allowed = [t["value"] for t in tests if not t["disabled"]]
    test = test if test in allowed else default_test
    values = [o["value"] for o in options]
    group_by = group_by if group_by in values else default
    if group_by is None:
        return options, None, tests, test, [], None, [], None, True
    names = group_names(sample_groups(store, analysis_store, group_by))
    group_options = [{"label": n, "value": n} for n in names]
    group = group if group in names else (names[0] if names else None)
    others = [n for n in names if n != group]
    reference = reference if reference in others else (others[0] if others else None)
    return (options, group_by, tests, test, group_options, group,
            [{"label": n, "value": n} for n in others], reference, mode != "pair")


def request_markers(store, analysis_store, active_tab, group_by, test, mode, group,
                    reference) -> tuple:
    """Outputs (result, request, status, alert children, alert open): the stored result at
    once, or a request for the background job."""
    if active_tab != TAB_ID or not analysis_store or not group_by or not test:
        return tuple([no_update] * 5)
    if mode == "pair" and (not group or not reference):
        return tuple([no_update] * 5)
    request = {"group_by": group_by, "test": test, "mode": mode,
               "group": group if mode == "pair" else None,
               "reference": reference if mode == "pair" else None,
               "gene_map": gene_map_id(store, analysis_store["key"])}
    key = result_key(analysis_store, request)
    if key in store:
        return compute_markers(store, analysis_store, request), no_update, "", None, False
    return (no_update, {"analysis": analysis_store, "request": request},
            f"Testing every gene ({TESTS[test]})...", None, False)


def figures(store, result_ref, group, padj, lfc, gene, selected=()) -> tuple:
    """Volcano and dot plot of a stored result; the picked ``gene`` and the heatmap's
    ``selected`` genes are circled in the volcano."""
    if not result_ref:
        return no_update, no_update
    result = load_result(store, result_ref)
    padj = 0.05 if padj is None else float(padj)
    lfc = 1.0 if lfc is None else float(lfc)
    table = group_table(result, group)
    shown = str(table["group"].iat[0]) if len(table) else ""
    test = TESTS[result_ref["test"]].split(" (")[0]
    volcano = pl_markers.volcano_figure(
        table, padj_threshold=padj, lfc_threshold=lfc,
        selected=list(dict.fromkeys(([gene] if gene else []) + list(selected or []))),
        title=f"{shown} vs {result['out_name']} ({test})", in_name=shown,
        out_name=result["out_name"])
    dots = pl_markers.marker_dotplot(result["dot_table"], result["group_means"],
                                     padj_threshold=padj,
                                     title="Top markers per group")
    return volcano, dots


def pick_gene(store, result_ref, analysis_store, active_cell, volcano_click,
              dots_click, trigger: str) -> tuple:
    """A gene picked in the table, the volcano or the dot plot: (gene store, selection
    store, selection info, this view's gene line)."""
    gene = None
    if trigger == TABLE and active_cell:
        gene = active_cell.get("row_id")
    elif trigger in (VOLCANO, DOTPLOT):
        points = ((volcano_click if trigger == VOLCANO else dots_click) or {}).get("points")
        data = (points or [{}])[0].get("customdata")
        gene = data[0] if isinstance(data, list) else data
    if not gene or not result_ref:
        return no_update, no_update, no_update, no_update
    gene = str(gene)
    table = load_result(store, result_ref)["table"]
    symbol = table.loc[table["gene"] == gene, "symbol"]
    label = f"{symbol.iat[0]} ({gene})" if len(symbol) and symbol.iat[0] else gene
    if analysis_store and analysis_store["params"].get("target") == "genes":
        return (gene, [gene], selection_text([gene], "genes"),
                f"Selected {label}: marked in the volcano and the heatmap.")
    return (gene, no_update, no_update,
            f"Selected {label} (marked in the volcano; the heatmap marks genes when genes "
            "are clustered).")


# In the browser: the tab takes a new analysis only while it is shown (or when it is
# opened), so a k change on another tab sends no request for its menus, job or table.
SEE_WHEN_SHOWN = """function (analysis, tab, seen) {
    const same = JSON.stringify(analysis) === JSON.stringify(seen);
    return (tab !== '%s' || !analysis || same) ? window.dash_clientside.no_update : analysis;
}""" % TAB_ID


def layout() -> html.Div:
    """The view's content (:func:`markers_tab`)."""
    return markers_tab()


def register(app, store: ResultStore) -> None:
    """Register the Markers view's callbacks and its enrichment card's (the card's first:
    both have a ``download``, and tests look this view's up by name)."""
    from .enrichment import register as register_enrichment  # it imports this module
    register_enrichment(app, store)
    app.clientside_callback(SEE_WHEN_SHOWN, Output(SEEN, "data"),
                            Input(ids.ANALYSIS_STORE, "data"),
                            Input(ids.VIEW_TABS, "active_tab"), State(SEEN, "data"),
                            prevent_initial_call=True)
    _register_computation(app, store)
    _register_display(app, store)


def _register_computation(app, store: ResultStore) -> None:
    """The group and test menus, the request, and the background job that computes."""

    @app.callback(Output(GROUP_BY, "options"), Output(GROUP_BY, "value"),
                  Output(TEST, "options"), Output(TEST, "value"),
                  Output(GROUP, "options"), Output(GROUP, "value"),
                  Output(REFERENCE, "options"), Output(REFERENCE, "value"),
                  Output(REFERENCE, "disabled"),
                  Input(SEEN, "data"), Input(GROUP_BY, "value"),
                  Input(MODE, "value"), State(GROUP, "value"), State(REFERENCE, "value"),
                  State(TEST, "value"), prevent_initial_call=True)
    def update_choices(analysis_store, group_by, mode, group, reference, test):
        try:
            return choices(store, analysis_store, group_by, mode, group, reference, test)
        except Exception:  # noqa: BLE001 - the markers callback reports it
            return tuple([no_update] * 9)

    @app.callback(Output(RESULT, "data"), Output(REQUEST, "data"), Output(STATUS, "children"),
                  Output(ALERT, "children"), Output(ALERT, "is_open"),
                  Input(SEEN, "data"), Input(ids.VIEW_TABS, "active_tab"),
                  Input(GROUP_BY, "value"), Input(TEST, "value"), Input(MODE, "value"),
                  Input(GROUP, "value"), Input(REFERENCE, "value"),
                  prevent_initial_call=True)
    def request(*args):
        try:
            return request_markers(store, *args)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, "", error_message(error), True

    @app.callback(Output(RESULT, "data", allow_duplicate=True),
                  Output(STATUS, "children", allow_duplicate=True),
                  Output(ALERT, "children", allow_duplicate=True),
                  Output(ALERT, "is_open", allow_duplicate=True),
                  Input(REQUEST, "data"), background=True,
                  running=[(Output(PROGRESS, "style"), {"display": "flex", "width": "16rem"},
                            {"display": "none"}),
                           (Output(CANCEL, "style"), {"display": "inline"},
                            {"display": "none"})],
                  progress=[Output(PROGRESS, "value"), Output(PROGRESS, "label")],
                  cancel=[Input(CANCEL, "n_clicks")], prevent_initial_call=True)
    def compute(set_progress, job):
        if not job:
            return no_update, no_update, no_update, no_update

        def report(done, total):
            set_progress((int(100 * done / max(total, 1)), f"group {done + 1} of {total}"
                          if done < total else "done"))
        try:
            reference = compute_markers(store, job["analysis"], job["request"], report)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, "", error_message(error), True
        return reference, "", None, False


def _register_display(app, store: ResultStore) -> None:
    """The figures, the table, picking a gene, and the download of a computed result."""

    @app.callback(Output(VOLCANO, "figure"), Output(DOTPLOT, "figure"),
                  Input(RESULT, "data"), Input(GROUP, "value"), Input(PADJ, "value"),
                  Input(LFC, "value"), Input(GENE, "data"),
                  Input(ids.SELECTION_STORE, "data"), Input(ids.GENE_SEARCH_STORE, "data"),
                  prevent_initial_call=True)
    def draw(result_ref, group, padj, lfc, gene, selection, search=None):
        # the heatmap's selection holds genes when genes are clustered: circle them too,
        # and the genes of the gene search always
        genes = list(search or []) + list(
            selection if (result_ref or {}).get("target") == "genes" else [])
        try:
            return figures(store, result_ref, group, padj, lfc, gene, genes)
        except Exception:  # noqa: BLE001 - the table callback reports it
            return no_update, no_update

    @app.callback(Output(TABLE, "columns"), Output(TABLE, "data"),
                  Output(TABLE, "page_count"),
                  Output(ALERT, "children", allow_duplicate=True),
                  Output(ALERT, "is_open", allow_duplicate=True),
                  Input(RESULT, "data"), Input(GROUP, "value"),
                  Input(TABLE, "page_current"), Input(TABLE, "page_size"),
                  Input(TABLE, "sort_by"), Input(TABLE, "filter_query"),
                  prevent_initial_call=True)
    def fill_table(result_ref, group, page, page_size, sort_by, filter_query):
        if not result_ref:
            return tuple([no_update] * 5)
        try:
            table = group_table(load_result(store, result_ref), group)
            columns, rows, pages = table_page(table, page=page or 0,
                                              page_size=page_size or 15, sort_by=sort_by,
                                              filter_query=filter_query)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, no_update, error_message(error), True
        return columns, rows, pages, no_update, no_update

    @app.callback(Output(GENE, "data"),
                  Output(ids.SELECTION_STORE, "data", allow_duplicate=True),
                  Output(ids.SELECTION_INFO, "children", allow_duplicate=True),
                  Output(GENE_INFO, "children"),
                  Input(TABLE, "active_cell"), Input(VOLCANO, "clickData"),
                  Input(DOTPLOT, "clickData"), State(RESULT, "data"),
                  State(ids.ANALYSIS_STORE, "data"), prevent_initial_call=True)
    def select(active_cell, volcano_click, dots_click, result_ref, analysis_store):
        try:
            return pick_gene(store, result_ref, analysis_store, active_cell, volcano_click,
                             dots_click, ctx.triggered_id)
        except Exception:  # noqa: BLE001 - a failed pick changes nothing
            return no_update, no_update, no_update, no_update

    @app.callback(Output(DOWNLOAD, "data"), Input(DOWNLOAD_BUTTON, "n_clicks"),
                  State(RESULT, "data"), prevent_initial_call=True)
    def download(_, result_ref):
        if not result_ref:
            return no_update
        table = load_result(store, result_ref)["table"]
        return dcc.send_string(csv_text(table), "markers.csv")
