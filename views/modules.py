"""The Modules view: co-expression modules as WGCNA finds them (issue 11 item 4).

The biologist chooses the genes (the N of highest variance), the network (unsigned or
signed) and the soft-threshold power (empty: the lowest whose scale-free fit R² passes
0.85; a click on the soft-threshold plot picks another and runs again), and the module
detection (dynamic tree cut's minimum module size and deep split, the merge cut height).
The samples are those of the analysis (the sidebar's exclusions apply). A background job
computes; the soft-threshold table is stored under a key of the values and the network, the
modules under one of every choice, so a new power reuses the table.

Figures: the soft-threshold plot, the gene tree with module colours before and after
merging, the module eigengenes and the module-trait correlation heatmap (traits: the chosen
sample-sheet columns, text columns one 0/1 indicator per value). The gene table lists each
gene's module and its membership (kME) in it, hub genes first; a click on a heatmap row
lists that module.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash.export.tables import csv_text
from rnaclust_dash.pipeline.modules import (R_SQUARED_CUT, fit_of_chosen_power,
                                            module_expression, module_tables, soft_threshold,
                                            trait_table)
from rnaclust_dash.pl import modules as pl_modules
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.store import ResultStore, stage_key
from rnaclust_dash.tl.modules import NETWORK_TYPES, module_trait_correlation

from callbacks.common import error_figure, error_message

from .pattern_enrichment import enrichment_block, register_enrichment
from .pattern_widgets import (GRAPH_CONFIG, analysis_samples, control, gene_table,
                              notices_alert, number, progress_row, register_job, register_reset,
                              see_when_shown,
                              result_reference, table_columns, table_rows)

TAB_ID = "modules"
TAB_LABEL = "Modules"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

GENES = "mod-top-genes"
NETWORK = "mod-network"
POWER = "mod-power"
MIN_SIZE = "mod-min-module-size"
DEEP_SPLIT = "mod-deep-split"
MERGE = "mod-merge-cut-height"
TRAITS = "mod-traits"
RUN = "mod-run"
ALERT = "mod-alert"
STATUS = "mod-status"
PROGRESS = "mod-progress"
CANCEL = "mod-cancel"
REQUEST = "mod-request"
SEEN = "mod-analysis"  # the analysis as this tab last saw it (see_when_shown)
RESULT = "mod-result"
SUMMARY = "mod-summary"
SOFT = "mod-soft-threshold"
TREE = "mod-tree"
TRAIT_MAP = "mod-module-trait"
EIGENGENES = "mod-eigengenes"
TABLE_MODULE = "mod-table-module"
TABLE = "mod-table"
DOWNLOAD_BUTTON = "mod-download-button"
DOWNLOAD = "mod-download"

ALL = "__all__"


# --- layout ----------------------------------------------------------------------------

def layout() -> html.Div:
    """The Modules tab."""
    controls = html.Div([
        control("Genes (most variable)", number(GENES, 2000, min=100, max=20000, step=1),
                "The N genes of highest variance on DESeq2's blind VST (counts) enter the "
                "network. More genes: slower (time and memory grow with N squared).", "9rem"),
        control("Network", dbc.RadioItems(id=NETWORK, value="unsigned", inline=True,
                                          options=[{"label": n, "value": n}
                                                   for n in NETWORK_TYPES]),
                "Unsigned: genes correlated either way are connected. Signed: only positive "
                "correlation connects (the TOM is of the same type).", "12rem"),
        control("Power", number(POWER, None, min=1, max=30, step="any", placeholder="auto"),
                f"Soft-threshold power. Empty: the lowest whose scale-free fit R² exceeds "
                f"{R_SQUARED_CUT} (or the WGCNA FAQ's choice). Click a point of the plot to "
                "use its power.", "6rem"),
        control("Min module size", number(MIN_SIZE, 30, min=3, max=5000, step=1),
                "Dynamic tree cut's minModuleSize.", "7rem"),
        control("Deep split", dcc.Dropdown(id=DEEP_SPLIT, value=2, clearable=False,
                                           options=list(range(5))),
                "Dynamic tree cut sensitivity: 0 few large modules ... 4 many small ones.",
                "6rem"),
        control("Merge cut height", number(MERGE, 0.25, min=0, max=1, step="any"),
                "Modules whose eigengenes correlate above 1 - this are merged.", "7rem"),
        dbc.Button("Find modules", id=RUN, color="primary", size="sm", className="mb-2"),
    ], className="d-flex flex-wrap align-items-end mt-2")
    figures = html.Div([
        html.Div(id=SUMMARY, className="small mb-1"),
        dcc.Graph(id=SOFT, config=GRAPH_CONFIG, figure=empty_figure("Press 'Find modules'.")),
        dcc.Loading(dcc.Graph(id=TREE, config=GRAPH_CONFIG, figure=empty_figure("")),
                    delay_show=300),
        control("Traits", dcc.Dropdown(id=TRAITS, multi=True, options=[], value=[]),
                "Sample-sheet columns correlated with the eigengenes (text columns: one 0/1 "
                "indicator per value).", "30rem"),
        dbc.Row([dbc.Col(dcc.Graph(id=TRAIT_MAP, config=GRAPH_CONFIG,
                                   figure=empty_figure("")), lg=6),
                 dbc.Col(dcc.Graph(id=EIGENGENES, config=GRAPH_CONFIG,
                                   figure=empty_figure("")), lg=6)]),
    ])
    table = html.Div([
        html.Div([
            control("Genes of", dcc.Dropdown(id=TABLE_MODULE, clearable=False, value=ALL,
                                             options=[{"label": "every module",
                                                       "value": ALL}]),
                    "The module whose genes the table lists, hub genes (highest kME) first "
                    "(or click its row in the trait heatmap)."),
            dbc.Button("Download modules and kME (CSV)", id=DOWNLOAD_BUTTON, size="sm",
                       color="secondary", className="mb-2"),
            dcc.Download(id=DOWNLOAD),
        ], className="d-flex justify-content-between align-items-end"),
        gene_table(TABLE, {"kME": "module membership: correlation of the gene with its "
                                  "module's eigengene",
                           "hub_rank": "rank by kME within the module (1 = hub gene)"}),
    ])
    return html.Div([
        dcc.Store(id=REQUEST), dcc.Store(id=RESULT), dcc.Store(id=SEEN),
        html.Small("Modules of genes that move together across the samples (WGCNA): "
                   "soft threshold, TOM, dynamic tree cut, eigengenes and their correlation "
                   "with the sample sheet.", className="text-muted d-block mt-2"),
        controls,
        dbc.Alert(id=ALERT, color="danger", is_open=False, dismissable=True,
                  className="small"),
        progress_row(PROGRESS, CANCEL, STATUS), figures, table,
        enrichment_block("mod", "module"),
    ], className="pt-1")


# --- computation -----------------------------------------------------------------------

def build_request(top_genes, network, power, min_size, deep_split, merge) -> dict:
    """The choices of a run (power None: the suggested one)."""
    return {"top_genes": int(top_genes if top_genes is not None else 2000),
            "network": network or "unsigned",
            "power": float(power) if power not in (None, "") else None,
            "min_module_size": int(min_size if min_size is not None else 30),
            "deep_split": int(deep_split if deep_split is not None else 2),
            "merge_cut_height": float(merge if merge is not None else 0.25)}


def _keys(prepared_key: str, request: dict) -> tuple[str, str]:
    soft_key = stage_key(prepared_key, "modules-soft-threshold",
                         {k: request[k] for k in ("top_genes", "network")})
    return soft_key, stage_key(soft_key, "modules", request)


def compute_modules(store: ResultStore, analysis_store: dict, request: dict,
                    progress=None) -> dict:
    """Compute (or read) the soft threshold and the modules; return the view's reference."""
    report = progress or (lambda *_: None)
    dataset, prepared_key = analysis_samples(store, analysis_store)
    soft_key, key = _keys(prepared_key, request)
    if key not in store:
        report(5, "soft threshold")

        def soft():
            expression, notices = module_expression(dataset, top_genes=request["top_genes"])
            table, suggested, why = soft_threshold(expression, network=request["network"])
            return {"expression": expression, "table": table, "suggested": suggested,
                    "why": why, "notices": notices}
        threshold = store.get_or_compute(soft_key, soft)
        power = request["power"] or threshold["suggested"]
        notices = list(threshold["notices"])
        notices += [threshold["why"]] if request["power"] is None else fit_of_chosen_power(
            threshold["table"], power, threshold["suggested"])
        report(30, f"modules at power {power:g}")
        empty = pd.DataFrame(index=threshold["expression"].columns)
        tables = module_tables(threshold["expression"], empty, power=power,
                               network=request["network"],
                               min_module_size=request["min_module_size"],
                               deep_split=request["deep_split"],
                               merge_cut_height=request["merge_cut_height"])
        notices += list(tables.result.notices)
        report(100, "done")
        store.put(key, {"tables": tables, "soft_key": soft_key, "power": power,
                        "notices": notices})
    result = store.get(key)
    modules = result["tables"].result.modules
    sizes = modules.value_counts().sort_index()
    summary = (f"Power {result['power']:g}, {request['network']} network of "
               f"{len(modules):,} genes: {int((sizes.index > 0).sum())} modules, "
               f"{int(sizes.get(0, 0)):,} genes unassigned (module 0).")
    return {"key": key, "soft_key": soft_key, "power": result["power"],
            "dataset": analysis_store["key"],
            "network": request["network"],
            "modules": [int(m) for m in sizes.index], "summary": summary,
            "notices": result["notices"]}


def request_modules(store: ResultStore, analysis_store, trigger, click, *choices) -> tuple:
    """Outputs (result, request, status, alert children, open, colour, power box): the
    stored result at once, or a request for the job. A click on the soft-threshold plot
    runs with the clicked power."""
    if not analysis_store:
        return tuple([no_update] * 7)
    choices = list(choices)
    power_box = no_update
    if trigger == SOFT:
        points = (click or {}).get("points") or [{}]
        if points[0].get("customdata") is None:
            return tuple([no_update] * 7)
        choices[2] = power_box = float(points[0]["customdata"])
    request = build_request(*choices)
    _, prepared_key = analysis_samples(store, analysis_store)
    if _keys(prepared_key, request)[1] in store:
        reference = compute_modules(store, analysis_store, request)
        return (reference, no_update, "", *notices_alert(reference), power_box)
    return (no_update, {"analysis": analysis_store, "request": request},
            "Finding modules...", None, False, "danger", power_box)


# --- display ------------------------------------------------------------------------------

def trait_menu(store: ResultStore, analysis_store, active_tab, chosen) -> tuple:
    """Trait options (sheet columns) and value (kept, else every column that varies and
    is not a sample id, as the CLI's default)."""
    if active_tab != TAB_ID or not analysis_store:
        return no_update, no_update
    dataset, _ = analysis_samples(store, analysis_store)
    sheet = dataset.metadata.loc[dataset.counts.columns]
    options = [{"label": str(c), "value": str(c)} for c in sheet.columns]
    names = [o["value"] for o in options]
    if chosen and all(c in names for c in chosen):
        return options, no_update
    default = trait_table(sheet, None).columns
    return options, [c for c in names if any(t == c or t.startswith(f"{c}=") for t in default)]


def figures(store: ResultStore, reference, analysis_store, traits) -> tuple:
    """Soft-threshold, tree, module-trait and eigengene figures of a stored result."""
    result = result_reference(store, reference, "modules")
    threshold = result_reference(store, {"key": reference["soft_key"]}, "modules")
    modules = result["tables"].result
    soft = pl_modules.soft_threshold_figure(
        threshold["table"], power=result["power"], suggested=threshold["suggested"],
        r_squared_cut=R_SQUARED_CUT, network=reference["network"])
    block = modules.blocks[0]
    tree = pl_modules.module_tree_figure(modules.trees[0], modules.modules.iloc[block],
                                         unmerged=modules.unmerged.iloc[block])
    if len(modules.blocks) > 1:
        tree.update_layout(title_text=f"Gene tree of block 1 of {len(modules.blocks)} "
                                      f"({len(block):,} genes)")
    dataset, _ = analysis_samples(store, analysis_store)
    sheet = dataset.metadata.loc[modules.eigengenes.index]
    sizes = modules.modules.value_counts()
    trait_values = trait_table(sheet, traits) if traits else pd.DataFrame(index=sheet.index)
    if trait_values.shape[1]:
        table = module_trait_correlation(modules.eigengenes, trait_values)
        trait_map = pl_modules.module_trait_figure(table, sizes=sizes)
    else:
        trait_map = empty_figure("Choose sample-sheet columns as traits.")
    eigengenes = pl_modules.eigengene_figure(modules.eigengenes)
    return soft, tree, trait_map, eigengenes


def gene_rows(store: ResultStore, reference, module) -> tuple:
    """Table columns and rows (one module or all, hub genes first) and the module menu."""
    tables = result_reference(store, reference, "modules")["tables"]
    labels = tables.result.modules
    frame = pd.DataFrame({"gene": labels.index.astype(str), "module": labels.to_numpy()})
    frame["kME"] = [tables.kme.at[g, f"kME{m}"] if f"kME{m}" in tables.kme.columns
                    else float("nan") for g, m in zip(labels.index, labels.to_numpy())]
    frame["hub_rank"] = frame.groupby("module")["kME"].rank(ascending=False, method="first")
    frame.loc[frame["module"] == 0, ["kME", "hub_rank"]] = float("nan")  # grey: no hubs
    # modules 1.. (largest first) with their hub genes on top; the unassigned (0) last
    frame = frame.assign(last=frame["module"] == 0).sort_values(
        ["last", "module", "hub_rank"]).drop(columns="last")
    if module not in (None, ALL):
        frame = frame[frame["module"] == int(module)]
    options = [{"label": "every module", "value": ALL}] + [
        {"label": f"module {m}" + (" (unassigned)" if m == 0 else ""), "value": str(m)}
        for m in reference["modules"]]
    return table_columns(frame), table_rows(frame), options


def module_genes(store: ResultStore, reference: dict) -> tuple[dict, list]:
    """Each module's genes (not the unassigned), and the network's genes (the universe)."""
    modules = result_reference(store, reference, "modules")["tables"].result.modules
    return ({f"module {m}": modules.index[modules == m].astype(str).tolist()
             for m in reference["modules"] if m > 0}, list(modules.index.astype(str)))


def register(app, store: ResultStore) -> None:
    """Register the Modules view's callbacks."""
    see_when_shown(app, SEEN, TAB_ID)
    register_enrichment(app, "mod", RESULT, lambda reference: module_genes(store, reference))
    register_reset(app, SEEN, RESULT, (SOFT, TREE, TRAIT_MAP, EIGENGENES), TABLE, SUMMARY)
    @app.callback(Output(RESULT, "data"), Output(REQUEST, "data"), Output(STATUS, "children"),
                  Output(ALERT, "children"), Output(ALERT, "is_open"),
                  Output(ALERT, "color"), Output(POWER, "value"),
                  Input(RUN, "n_clicks"), Input(SOFT, "clickData"),
                  State(ids.ANALYSIS_STORE, "data"), State(GENES, "value"),
                  State(NETWORK, "value"), State(POWER, "value"), State(MIN_SIZE, "value"),
                  State(DEEP_SPLIT, "value"), State(MERGE, "value"),
                  prevent_initial_call=True)
    def request(_, click, analysis_store, *choices):
        try:
            return request_modules(store, analysis_store, ctx.triggered_id, click, *choices)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return (no_update, no_update, "", error_message(error, kept=False), True,
                    "danger", no_update)

    register_job(app, {"request": REQUEST, "result": RESULT, "status": STATUS, "alert": ALERT,
                       "progress": PROGRESS, "cancel": CANCEL, "run": RUN},
                 lambda analysis, request, report: compute_modules(store, analysis, request,
                                                                   report))

    _register_display(app, store)


def _register_display(app, store: ResultStore) -> None:
    @app.callback(Output(TRAITS, "options"), Output(TRAITS, "value"),
                  Input(SEEN, "data"), State(ids.VIEW_TABS, "active_tab"),
                  State(TRAITS, "value"), prevent_initial_call=True)
    def update_traits(analysis_store, active_tab, chosen):
        try:
            return trait_menu(store, analysis_store, active_tab, chosen)
        except Exception:  # noqa: BLE001 - the run reports it
            return no_update, no_update

    @app.callback(Output(SOFT, "figure"), Output(TREE, "figure"), Output(TRAIT_MAP, "figure"),
                  Output(EIGENGENES, "figure"), Output(SUMMARY, "children"),
                  Input(RESULT, "data"), Input(TRAITS, "value"),
                  State(ids.ANALYSIS_STORE, "data"), prevent_initial_call=True)
    def draw(reference, traits, analysis_store):
        if not reference:
            return tuple([no_update] * 5)
        try:
            return (*figures(store, reference, analysis_store, traits), reference["summary"])
        except Exception as error:  # noqa: BLE001 - said in the figures
            return (error_figure(error), no_update, error_figure(error), no_update,
                    error_message(error, kept=False))

    @app.callback(Output(TABLE, "columns"), Output(TABLE, "data"),
                  Output(TABLE_MODULE, "options"),
                  Input(RESULT, "data"), Input(TABLE_MODULE, "value"),
                  prevent_initial_call=True)
    def fill_table(reference, module):
        if not reference:
            return tuple([no_update] * 3)
        try:
            return gene_rows(store, reference, module)
        except Exception:  # noqa: BLE001 - the figures say it
            return tuple([no_update] * 3)

    @app.callback(Output(TABLE_MODULE, "value"), Input(TRAIT_MAP, "clickData"),
                  prevent_initial_call=True)
    def click_module(click):
        points = (click or {}).get("points") or [{}]
        data = points[0].get("customdata")
        if not data:
            return no_update
        return str(data[0]).removeprefix("ME")

    @app.callback(Output(DOWNLOAD, "data"), Input(DOWNLOAD_BUTTON, "n_clicks"),
                  State(RESULT, "data"), prevent_initial_call=True)
    def download(_, reference):
        if not reference:
            return no_update
        tables = store.get(reference["key"])["tables"]
        frame = tables.kme.loc[tables.result.modules.index].copy()
        frame.insert(0, "module", tables.result.modules.to_numpy())
        frame = frame.rename_axis("gene").reset_index()
        return dcc.send_string(csv_text(frame), "modules.csv")
