"""The Time course view: patterns of genes over time (or dose), as Mfuzz and DEGreport's
degPatterns find them (issue 11 item 4).

Choices: the time column and, optionally, a group column (one group, or the groups side by
side); the genes (DESeq2's LRT of time, or the most variable replicate means); Mfuzz (c, m
by ``mestimate`` when empty) or degPatterns (minimum size, merging). The samples are the
analysis' (exclusions apply). A background job computes; results are stored under a key of
the dataset, the exclusions and the choices (the test of time under its own, so a new c
does not test again). A click on a profile panel lists its genes (and selects them in the
heatmap when genes are clustered); a click on a table row draws that gene in red.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from layouts import ids
from rnaclust_dash.export.tables import csv_text
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pipeline.timecourse import (DEFAULT_LRT_PADJ, degpatterns_tables,
                                               mfuzz_tables, timecourse_input)
from rnaclust_dash.pl import timecourse as pl_timecourse
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.store import ResultStore, stage_key
from rnaclust_dash.tl.timecourse import (MIN_TIME_POINTS, cluster_overlap,
                                         minimum_centroid_distance)

from callbacks.common import error_figure, error_message
from views.clustering.selection import selection_text

from .pattern_enrichment import enrichment_block, register_enrichment
from .pattern_widgets import (GRAPH_CONFIG, analysis_samples, control, gene_table,
                              notices_alert, number, progress_row, register_job, register_reset,
                              see_when_shown,
                              result_reference, sheet_columns, table_columns, table_rows)

TAB_ID = "timecourse"
TAB_LABEL = "Time course"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

TIME = "tc-time-column"
GROUP_COLUMN = "tc-group-column"
GROUP = "tc-group"
SELECTION = "tc-selection"
PADJ = "tc-padj"
TOP = "tc-top"
METHOD = "tc-method"
CLUSTERS = "tc-clusters"
FUZZIFIER = "tc-fuzzifier"
DMIN_MAX = "tc-dmin-max"
SEED = "tc-seed"
MIN_SIZE = "tc-min-size"
MERGE = "tc-merge"
MFUZZ_BOX = "tc-mfuzz-options"
DEGPATTERNS_BOX = "tc-degpatterns-options"
RUN = "tc-run"
THRESHOLD = "tc-threshold"
ALERT = "tc-alert"
STATUS = "tc-status"
PROGRESS = "tc-progress"
CANCEL = "tc-cancel"
REQUEST = "tc-request"
SEEN = "tc-analysis"  # the analysis as this tab last saw it (see_when_shown)
RESULT = "tc-result"
GENE = "tc-gene"
SUMMARY = "tc-summary"
PROFILES = "tc-profiles"
DMIN = "tc-dmin"
OVERLAP = "tc-overlap"
TABLE_CLUSTER = "tc-table-cluster"
TABLE = "tc-table"
DOWNLOAD_BUTTON = "tc-download-button"
DOWNLOAD = "tc-download"

SIDE_BY_SIDE = "__side_by_side__"  # group menu value: every group, side by side
NO_GROUP = "__none__"
ALL = "__all__"  # table menu value: every cluster


# --- layout ----------------------------------------------------------------------------

def _input_controls() -> html.Div:
    return html.Div([
        control("Time (or dose) column", dcc.Dropdown(id=TIME, clearable=False, options=[]),
                "A numeric sample-sheet column: minutes, hours, days or a dose. At least "
                f"{MIN_TIME_POINTS} distinct values."),
        control("Group column", dcc.Dropdown(id=GROUP_COLUMN, clearable=False, options=[]),
                "A condition (strain, treatment) whose samples have their own time course."),
        control("Groups", dcc.Dropdown(id=GROUP, clearable=False, options=[]),
                "One group's time course, or every group's profile side by side (clusters "
                "then say how the groups differ)."),
        control("Genes", dbc.RadioItems(id=SELECTION, value="lrt", inline=True, options=[
            {"label": "change with time", "value": "lrt"},
            {"label": "most variable", "value": "variance"}]),
            "Change with time: DESeq2's likelihood-ratio test of ~time vs ~1 on counts (an "
            "F-test on log values), genes below the padj cut. Most variable: the N genes "
            "whose replicate means vary most (Mfuzz filter.std).", "15rem"),
        control("padj <", number(PADJ, DEFAULT_LRT_PADJ, min=0, max=1, step="any"),
                "Cut of the test of time (Benjamini-Hochberg adjusted p).", "6rem"),
        control("top N", number(TOP, 1000, min=10, max=20000, step=1),
                "Number of most variable genes (with 'most variable').", "6rem"),
    ], className="d-flex flex-wrap align-items-end mt-2")


def _method_controls() -> html.Div:
    mfuzz = html.Div([
        control("c (clusters)", number(CLUSTERS, 6, min=2, max=40, step=1),
                "Number of Mfuzz clusters; the Dmin panel helps to choose it.", "6rem"),
        control("fuzzifier m", number(FUZZIFIER, None, min=1.01, max=5, step="any",
                                      placeholder="auto"),
                "Empty: Mfuzz's mestimate (Schwaemmle & Jensen 2010), large enough that "
                "random data forms no clusters. Larger m: softer clusters.", "7rem"),
        control("Dmin scan up to c =", number(DMIN_MAX, 12, min=3, max=30, step=1),
                "The Dmin panel runs c-means for c = 2 up to this.", "8rem"),
        control("seed", number(SEED, 0, min=0, step=1), "Seed of the c-means starts "
                "(10 starts, the best kept).", "5rem"),
    ], id=MFUZZ_BOX, className="flex-wrap align-items-end", style={"display": "flex"})
    degpatterns = html.Div([
        control("min cluster size", number(MIN_SIZE, 15, min=0, max=1000, step=1),
                "degPatterns' minc: patterns of this many genes or fewer are left out.",
                "8rem"),
        control("merge if r >", number(MERGE, None, min=0, max=0.999, step="any",
                                       placeholder="off"),
                "Merge patterns whose mean profiles correlate above this (empty: off, as "
                "DEGreport 1.34).", "7rem"),
    ], id=DEGPATTERNS_BOX, className="flex-wrap align-items-end", style={"display": "none"})
    return html.Div([
        control("Method", dbc.RadioItems(id=METHOD, value="mfuzz", inline=True, options=[
            {"label": "Mfuzz (soft)", "value": "mfuzz"},
            {"label": "degPatterns", "value": "degpatterns"}]),
            "Mfuzz: fuzzy c-means of standardised profiles, each gene a membership in "
            "every cluster. degPatterns: DIANA tree on (1 - Kendall tau)^2, cut at the "
            "divisive coefficient; hard clusters.", "15rem"),
        mfuzz, degpatterns,
        dbc.Button("Find patterns", id=RUN, color="primary", size="sm", className="mb-2"),
    ], className="d-flex flex-wrap align-items-end")


def layout() -> html.Div:
    """The Time course tab."""
    figures = html.Div([
        html.Div([
            html.Span(id=SUMMARY, className="small me-3"),
            control("alpha-core threshold", dcc.Slider(
                id=THRESHOLD, min=0, max=0.95, step=0.05, value=0.5,
                marks={0: "0", 0.5: "0.5", 0.9: "0.9"}, tooltip={"placement": "bottom"}),
                "Genes whose membership in their cluster is at or below this are drawn "
                "grey (outside the cluster's core, Mfuzz acore).", "14rem"),
        ], className="d-flex flex-wrap align-items-center justify-content-between"),
        dcc.Loading(dcc.Graph(id=PROFILES, config=GRAPH_CONFIG,
                              figure=empty_figure("Choose the columns and press "
                                                  "'Find patterns'.")), delay_show=300),
        dbc.Row([dbc.Col(dcc.Graph(id=DMIN, config=GRAPH_CONFIG, figure=empty_figure("")),
                         lg=6),
                 dbc.Col(dcc.Graph(id=OVERLAP, config=GRAPH_CONFIG, figure=empty_figure("")),
                         lg=6)]),
    ])
    table = html.Div([
        html.Div([
            control("Genes of", dcc.Dropdown(id=TABLE_CLUSTER, clearable=False, value=ALL,
                                             options=[{"label": "every cluster",
                                                       "value": ALL}]),
                    "The cluster whose genes the table lists (or click its panel)."),
            dbc.Button("Download memberships (CSV)", id=DOWNLOAD_BUTTON, size="sm",
                       color="secondary", className="mb-2"),
            dcc.Download(id=DOWNLOAD),
        ], className="d-flex justify-content-between align-items-end"),
        gene_table(TABLE, {"membership": "membership in its own cluster (1: degPatterns)",
                           "core": "membership above the alpha-core threshold",
                           "padj": "adjusted p of the test of time"}),
    ])
    return html.Div([
        dcc.Store(id=REQUEST), dcc.Store(id=RESULT), dcc.Store(id=SEEN), dcc.Store(id=GENE),
        html.Small("Genes that rise, fall or peak together over time. Profiles are replicate "
                   "means, standardised per gene (mean 0, sd 1).",
                   className="text-muted d-block mt-2"),
        _input_controls(), _method_controls(),
        dbc.Alert(id=ALERT, color="danger", is_open=False, dismissable=True,
                  className="small"),
        progress_row(PROGRESS, CANCEL, STATUS), figures, table,
        enrichment_block("tc", "cluster"),
    ], className="pt-1")


# --- menus and request ------------------------------------------------------------------

def _default_time_column(sheet: pd.DataFrame, numeric: list[str]) -> str | None:
    usable = [c for c in numeric if sheet[c].nunique() >= MIN_TIME_POINTS]
    named = [c for c in usable if any(w in c.lower() for w in
                                      ("time", "minute", "hour", "day", "dose", "min"))]
    return (named or usable or [None])[0]


def menus(store: ResultStore, analysis_store, active_tab, time_column, group_column,
          group) -> tuple:
    """Time options and value, group-column options and value, group options and value."""
    if active_tab != TAB_ID or not analysis_store:
        return tuple([no_update] * 6)
    dataset, _ = analysis_samples(store, analysis_store)
    sheet = dataset.metadata.loc[dataset.counts.columns]
    numeric = sheet_columns(sheet, numeric=True)
    time_column = time_column if time_column in numeric else _default_time_column(sheet,
                                                                                    numeric)
    groupable = [c for c in sheet.columns.astype(str) if c != time_column
                 and 2 <= sheet[c].nunique() <= 12 and sheet[c].nunique() < len(sheet)]
    crossed = [c for c in groupable if time_column and sheet.groupby(c)[time_column]
               .nunique().min() >= MIN_TIME_POINTS]
    if group_column not in groupable + [NO_GROUP]:  # first visit or a new sheet
        group_column = (crossed or [NO_GROUP])[0]
    group_column = group_column if group_column in groupable else NO_GROUP
    column_options = [{"label": "none (all samples)", "value": NO_GROUP}] + [
        {"label": c, "value": c} for c in groupable]
    group_options, names = [], []
    if group_column != NO_GROUP:
        names = sorted(sheet[group_column].dropna().astype(str).unique())
        group_options = [{"label": "all, side by side", "value": SIDE_BY_SIDE}] + [
            {"label": n, "value": n} for n in names]
    group = group if group in names + [SIDE_BY_SIDE] else (SIDE_BY_SIDE if names else None)
    return ([{"label": c, "value": c} for c in numeric], time_column, column_options,
            group_column, group_options, group)


def build_request(time_column, group_column, group, selection, padj, top, method, clusters,
                  fuzzifier, dmin_max, seed, min_size, merge) -> dict:
    """The choices of a run, as stored in the request (None where they do not apply)."""
    grouped = group_column not in (None, NO_GROUP)
    mfuzz = method == "mfuzz"
    return {"time_column": time_column, "group_column": group_column if grouped else None,
            "group": group if grouped and group != SIDE_BY_SIDE else None,
            "selection": selection, "padj": padj if selection == "lrt" else None,
            "top": int(top) if selection == "variance" and top else None, "method": method,
            "clusters": int(clusters or 6) if mfuzz else None,
            "m": float(fuzzifier) if mfuzz and fuzzifier else None,
            "dmin_max": int(dmin_max or 12) if mfuzz else None,
            "seed": int(seed or 0) if mfuzz else None,
            "min_size": int(min_size if min_size is not None else 15) if not mfuzz else None,
            "merge": float(merge) if not mfuzz and merge else None}


def _keys(prepared_key: str, request: dict) -> tuple[str, str]:
    """Store keys of the input stage (values, genes, test) and of the patterns."""
    input_key = stage_key(prepared_key, "timecourse-input", {k: request[k] for k in (
        "time_column", "group_column", "group", "selection", "padj", "top")})
    return input_key, stage_key(input_key, "timecourse", {k: request[k] for k in (
        "group_column", "method", "clusters", "m", "dmin_max", "seed", "min_size", "merge")})


def compute_patterns(store: ResultStore, analysis_store: dict, request: dict,
                     progress=None) -> dict:
    """Compute (or read) the patterns of a request; return the reference the view keeps."""
    report = progress or (lambda *_: None)
    dataset, prepared_key = analysis_samples(store, analysis_store)
    input_key, key = _keys(prepared_key, request)
    if key not in store:
        report(5, "testing genes for a change with time")
        chosen = store.get_or_compute(input_key, lambda: timecourse_input(
            dataset, time_column=request["time_column"], group_column=request["group_column"],
            group=request["group"], top_genes=request["top"], lrt_padj=request["padj"]))
        report(50, "clustering profiles")
        store.put(key, _patterns(dataset, chosen, request, report))
    result = store.get(key)
    tables = result["tables"]
    return {"key": key, "method": request["method"], "dataset": analysis_store["key"],
            "clusters": [int(c) for c in tables.centers.index],
            "summary": result["summary"], "notices": result["notices"]}


def _patterns(dataset, chosen, request: dict, report) -> dict:
    expression = chosen.values.loc[chosen.genes]
    where = {"time_column": request["time_column"],
             "group_column": request["group_column"] if request["group"] is None else None}
    sheet = dataset.metadata
    dmin = overlap = None
    if request["method"] == "mfuzz":
        tables = mfuzz_tables(expression, sheet, clusters=request["clusters"], m=request["m"],
                              random_state=request["seed"], **where)
        report(70, "Dmin scan")
        c_values = range(2, max(request["dmin_max"], 3) + 1)
        c_values = [c for c in c_values if c < len(tables.profiles)]
        dmin = minimum_centroid_distance(tables.profiles, c_values=c_values, m=tables.fit.m,
                                         random_state=request["seed"])
        overlap = cluster_overlap(tables.fit.membership)
        how = (f"m = {tables.fit.m:.4g} ({'set' if request['m'] else 'mestimate'}), "
               f"objective {tables.fit.objective:.5g}")
    else:
        tables = degpatterns_tables(expression, sheet, min_cluster_size=request["min_size"],
                                    merge_correlation=request["merge"], **where)
        how = f"DIANA tree cut at height {tables.extra['cut_height']:.3f}"
    report(100, "done")
    summary = (f"{chosen.selection}: {len(chosen.genes):,} genes; "
               f"{tables.extra['clusters']} clusters; {how}.")
    padj = None if chosen.test is None else chosen.test["padj"]
    return {"tables": tables, "dmin": dmin, "overlap": overlap, "padj": padj,
            "universe": list(chosen.values.index), "summary": summary,
            "notices": list(chosen.notices) + list(tables.notices)}


def request_patterns(store: ResultStore, analysis_store, *choices) -> tuple:
    """Outputs (result, request, status, alert children, alert open, alert colour): the
    stored result at once, or a request for the background job."""
    if not analysis_store:
        return tuple([no_update] * 6)
    if not choices[0]:
        raise ParameterError("Choose the time (or dose) column: the sample sheet needs a "
                             f"numeric column with at least {MIN_TIME_POINTS} distinct values.")
    request = build_request(*choices)
    _, prepared_key = analysis_samples(store, analysis_store)
    if _keys(prepared_key, request)[1] in store:
        reference = compute_patterns(store, analysis_store, request)
        return (reference, no_update, "", *notices_alert(reference))
    return (no_update, {"analysis": analysis_store, "request": request},
            "Finding patterns...", None, False, "danger")


# --- display ------------------------------------------------------------------------------

def _membership(tables) -> pd.DataFrame:
    frame = tables.memberships.set_index("gene")
    membership = frame.filter(like="membership_")
    membership.columns = [int(c.split("_", 1)[1]) for c in membership.columns]
    return membership


def figures(store: ResultStore, reference, threshold, gene) -> tuple:
    """Profiles, Dmin and overlap figures of a stored result."""
    result = result_reference(store, reference, "time-course patterns")
    tables = result["tables"]
    hard = reference["method"] != "mfuzz"
    labels = tables.memberships.set_index("gene")["cluster"]
    profiles = tables.profiles.loc[labels.index]
    threshold = 0.5 if threshold is None else float(threshold)
    title = ("Mfuzz soft clusters" if not hard else "degPatterns clusters") + \
        " (click a panel to list its genes)"
    profile = pl_timecourse.profile_figure(
        profiles, _membership(tables), labels, tables.centers, threshold=threshold,
        hard=hard, highlight=[gene] if gene else [], title=title)
    if hard:
        note = empty_figure("Dmin and overlap are Mfuzz's (soft clusters).")
        return profile, note, note
    return (profile, pl_timecourse.dmin_figure(result["dmin"], current=len(tables.centers)),
            pl_timecourse.overlap_figure(result["overlap"]))


def gene_rows(store: ResultStore, reference, cluster, threshold) -> tuple:
    """Table columns and rows (one cluster or all), and the cluster menu's options."""
    result = result_reference(store, reference, "time-course patterns")
    tables = result["tables"]
    membership = _membership(tables)
    frame = tables.memberships[["gene", "cluster"]].copy()
    frame["membership"] = [membership.at[g, c] for g, c in zip(frame["gene"], frame["cluster"])]
    threshold = 0.5 if threshold is None else float(threshold)
    frame["core"] = ["yes" if u > threshold else "no" for u in frame["membership"]]
    if result["padj"] is not None:
        frame["padj"] = result["padj"].reindex(frame["gene"]).to_numpy()
    if cluster not in (None, ALL):
        frame = frame[frame["cluster"] == int(cluster)]
    frame = frame.sort_values(["cluster", "membership"], ascending=[True, False])
    options = [{"label": "every cluster", "value": ALL}] + [
        {"label": f"cluster {c}", "value": str(c)} for c in reference["clusters"]]
    return table_columns(frame), table_rows(frame), options


def pick_cluster(store: ResultStore, reference, analysis_store, click) -> tuple:
    """A click on a profile panel: (table cluster, selection store, selection info)."""
    points = (click or {}).get("points") or [{}]
    cluster = points[0].get("customdata")
    if cluster is None or not reference:
        return no_update, no_update, no_update
    cluster = int(cluster[0] if isinstance(cluster, list) else cluster)
    if analysis_store and analysis_store["params"].get("target") == "genes":
        tables = result_reference(store, reference, "time-course patterns")["tables"]
        genes = tables.memberships.loc[tables.memberships["cluster"] == cluster, "gene"]
        genes = [str(g) for g in genes]
        return str(cluster), genes, selection_text(genes, "genes")
    return str(cluster), no_update, no_update


def cluster_genes(store: ResultStore, reference: dict) -> tuple[dict, list]:
    """Each cluster's genes, and the genes of the values (the enrichment's universe)."""
    result = result_reference(store, reference, "time-course patterns")
    memberships = result["tables"].memberships
    return ({f"cluster {c}": memberships.loc[memberships["cluster"] == c, "gene"].tolist()
             for c in reference["clusters"]}, result["universe"])


def register(app, store: ResultStore) -> None:
    """Register the Time course view's callbacks."""
    see_when_shown(app, SEEN, TAB_ID)
    _register_computation(app, store)
    _register_display(app, store)
    register_enrichment(app, "tc", RESULT, lambda reference: cluster_genes(store, reference))
    register_reset(app, SEEN, RESULT, (PROFILES, DMIN, OVERLAP), TABLE, SUMMARY)


def _register_computation(app, store: ResultStore) -> None:
    @app.callback(Output(TIME, "options"), Output(TIME, "value"),
                  Output(GROUP_COLUMN, "options"), Output(GROUP_COLUMN, "value"),
                  Output(GROUP, "options"), Output(GROUP, "value"),
                  Input(SEEN, "data"), State(ids.VIEW_TABS, "active_tab"),
                  Input(TIME, "value"), Input(GROUP_COLUMN, "value"), State(GROUP, "value"),
                  prevent_initial_call=True)
    def update_menus(*args):
        try:
            return menus(store, *args)
        except Exception:  # noqa: BLE001 - the run reports it
            return tuple([no_update] * 6)

    @app.callback(Output(MFUZZ_BOX, "style"), Output(DEGPATTERNS_BOX, "style"),
                  Output(PADJ, "disabled"), Output(TOP, "disabled"),
                  Input(METHOD, "value"), Input(SELECTION, "value"))
    def show_options(method, selection):
        shown, hidden = {"display": "flex"}, {"display": "none"}
        return (shown if method == "mfuzz" else hidden, hidden if method == "mfuzz" else shown,
                selection != "lrt", selection != "variance")

    @app.callback(Output(RESULT, "data"), Output(REQUEST, "data"), Output(STATUS, "children"),
                  Output(ALERT, "children"), Output(ALERT, "is_open"),
                  Output(ALERT, "color"), Input(RUN, "n_clicks"),
                  State(ids.ANALYSIS_STORE, "data"), State(TIME, "value"),
                  State(GROUP_COLUMN, "value"), State(GROUP, "value"),
                  State(SELECTION, "value"), State(PADJ, "value"), State(TOP, "value"),
                  State(METHOD, "value"), State(CLUSTERS, "value"), State(FUZZIFIER, "value"),
                  State(DMIN_MAX, "value"), State(SEED, "value"), State(MIN_SIZE, "value"),
                  State(MERGE, "value"), prevent_initial_call=True)
    def request(_, analysis_store, *choices):
        try:
            return request_patterns(store, analysis_store, *choices)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, no_update, "", error_message(error, kept=False), True, "danger"

    register_job(app, {"request": REQUEST, "result": RESULT, "status": STATUS, "alert": ALERT,
                       "progress": PROGRESS, "cancel": CANCEL, "run": RUN},
                 lambda analysis, request, report: compute_patterns(store, analysis, request,
                                                                    report))


def _register_display(app, store: ResultStore) -> None:
    @app.callback(Output(PROFILES, "figure"), Output(DMIN, "figure"), Output(OVERLAP, "figure"),
                  Output(SUMMARY, "children"),
                  Input(RESULT, "data"), Input(THRESHOLD, "value"), Input(GENE, "data"),
                  prevent_initial_call=True)
    def draw(reference, threshold, gene):
        if not reference:
            return tuple([no_update] * 4)
        try:
            return (*figures(store, reference, threshold, gene), reference["summary"])
        except Exception as error:  # noqa: BLE001 - said in the figure
            return error_figure(error), no_update, no_update, ""

    @app.callback(Output(TABLE, "columns"), Output(TABLE, "data"),
                  Output(TABLE_CLUSTER, "options"),
                  Input(RESULT, "data"), Input(TABLE_CLUSTER, "value"),
                  Input(THRESHOLD, "value"), prevent_initial_call=True)
    def fill_table(reference, cluster, threshold):
        if not reference:
            return tuple([no_update] * 3)
        try:
            return gene_rows(store, reference, cluster, threshold)
        except Exception:  # noqa: BLE001 - the figures say it
            return tuple([no_update] * 3)

    @app.callback(Output(TABLE_CLUSTER, "value"),
                  Output(ids.SELECTION_STORE, "data", allow_duplicate=True),
                  Output(ids.SELECTION_INFO, "children", allow_duplicate=True),
                  Input(PROFILES, "clickData"), State(RESULT, "data"),
                  State(ids.ANALYSIS_STORE, "data"), prevent_initial_call=True)
    def click_cluster(click, reference, analysis_store):
        try:
            return pick_cluster(store, reference, analysis_store, click)
        except Exception:  # noqa: BLE001 - a failed pick changes nothing
            return no_update, no_update, no_update

    app.clientside_callback(  # a table row draws its gene; a Dmin point sets c
        "cell => (cell && cell.row_id) || window.dash_clientside.no_update",
        Output(GENE, "data"), Input(TABLE, "active_cell"), prevent_initial_call=True)
    app.clientside_callback(
        "c => (c && c.points.length) ? c.points[0].customdata : window.dash_clientside.no_update",
        Output(CLUSTERS, "value"), Input(DMIN, "clickData"), prevent_initial_call=True)

    @app.callback(Output(DOWNLOAD, "data"), Input(DOWNLOAD_BUTTON, "n_clicks"),
                  State(RESULT, "data"), prevent_initial_call=True)
    def download(_, reference):
        if not reference:
            return no_update
        tables = store.get(reference["key"])["tables"]
        return dcc.send_string(csv_text(tables.memberships), "memberships.csv")
