"""The Gene clusters view (issue 10 item 2): when genes are clustered, one profile panel
per gene cluster (z-scores across the samples, mean line and spread band, samples in the
order of a chosen sheet column), a sortable, filterable table of each cluster's genes
with their mean per sample group, and downloads (CSV or XLSX) of the gene lists, the
normalized and the batch-corrected matrix, and the sample sheet with the clusters.

Values are the normalized (batch-corrected, when a correction is chosen) log values of
the clustered genes; the profiles z-score each gene across the samples shown. Genes
found by the navbar's gene search are drawn as black dotted lines in their cluster's
panel and listed first in the table.
"""

from __future__ import annotations

import dataclasses

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dash_table, dcc, html, no_update

from callbacks.common import ViewOutputs, error_message, stored_analysis
from callbacks.gene_search import found_rows_style
from views.marker_results import sorted_page
from layouts import ids
from layouts.main import GRAPH_CONFIG, view_alert
from rnaclust_dash import views as glue
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.export.tables import FORMATS, table_bytes
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import corrected_matrix, load_summary, normalized_matrix
from rnaclust_dash.pipeline.gene_map import gene_map
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pp.normalization import LOG_SCALE_METHODS
from rnaclust_dash.pl.profiles import BANDS, profile_figure
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.gene_clusters import (cluster_profiles, gene_cluster_table,
                                            gene_zscores, sample_order)

TAB_ID = "genes"
TAB_LABEL = "Gene clusters"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

ORDER_BY = "genes-order-by"
GROUP_BY = "genes-group-by"
BAND = "genes-band"
PROFILES = "genes-profiles"
TABLE = "genes-table"
INFO = "genes-info"
DOWNLOAD_WHAT = "genes-download-what"
DOWNLOAD_FORMAT = "genes-download-format"
DOWNLOAD_BUTTON = "genes-download-button"
DOWNLOAD = "genes-download"
PAGE_SIZE = 15

#: What can be downloaded, and the file's base name.
DOWNLOADS = {"genes": "Gene lists (genes, clusters, group means)",
             "normalized": "Normalized matrix (all filtered genes, before batch correction)",
             "corrected": "Batch-corrected matrix",
             "sheet": "Sample sheet with clusters"}

VIEW = ViewOutputs("genes", (Output(PROFILES, "figure"), Output(INFO, "children")))


# --- layout ----------------------------------------------------------------------------

def _control(label: str, control, help_text: str, width: str = "13rem") -> html.Div:
    return html.Div([html.Label(label, className="control-label mb-0 small"), control],
                    className="me-3 mb-2", title=help_text, style={"minWidth": width})


def layout() -> html.Div:
    """Controls, alert, the profile panels, the gene table and the downloads."""
    controls = html.Div([
        _control("Order samples by", dcc.Dropdown(id=ORDER_BY, options=[], value=None,
                                                  placeholder="(heatmap order)"),
                 "A sample-sheet column: samples are sorted by it (time, dose, condition) "
                 "and its groups shaded."),
        _control("Mean per group of", dcc.Dropdown(id=GROUP_BY, options=[], value=None,
                                                   placeholder="(all samples)"),
                 "A sample-sheet column: the table gives each gene's mean in each of its "
                 "groups."),
        _control("Band", dbc.RadioItems(id=BAND, value="sd", inline=True,
                                        options=[{"label": v, "value": k}
                                                 for k, v in BANDS.items()]),
                 "The spread of the cluster's gene z-scores around their mean.", "18rem"),
    ], className="d-flex flex-wrap align-items-end mt-2")
    downloads = html.Div([
        dcc.Dropdown(id=DOWNLOAD_WHAT, value="genes", clearable=False,
                     options=[{"label": v, "value": k} for k, v in DOWNLOADS.items()],
                     style={"minWidth": "24rem"}, className="me-2"),
        dbc.RadioItems(id=DOWNLOAD_FORMAT, value="csv", inline=True, className="me-2",
                       options=[{"label": f.upper(), "value": f} for f in FORMATS]),
        dbc.Button("Download", id=DOWNLOAD_BUTTON, size="sm", color="secondary"),
        dcc.Download(id=DOWNLOAD),
    ], className="d-flex flex-wrap align-items-center mb-2")
    table = dash_table.DataTable(
        id=TABLE, columns=[], data=[], sort_action="custom", filter_action="custom",
        page_action="custom", page_current=0, page_size=PAGE_SIZE, filter_query="",
        sort_mode="multi", sort_by=[], style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.82rem", "padding": "2px 6px",
                    "fontFamily": "Lato, Arial, sans-serif"},
        style_header={"fontWeight": "600"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                for c in ("symbol", "gene_id")])
    return html.Div([
        html.Small("What each gene cluster does across the samples, and which genes are in "
                   "it. Filter the table by typing in its second row (e.g. 3 in cluster, "
                   "or FOS in symbol); sort by clicking a header.",
                   className="text-muted d-block mt-2"),
        controls, view_alert("genes"),
        dcc.Loading(dcc.Graph(id=PROFILES, config=GRAPH_CONFIG,
                              figure=empty_figure("Cluster genes to see their profiles.")),
                    delay_show=300),
        html.Div(id=INFO, className="small mb-1"),
        downloads, table,
    ], className="pt-1")


# --- glue ------------------------------------------------------------------------------


def gene_values(store: ResultStore, analysis) -> pd.DataFrame:
    """The normalized (batch-corrected) log values of the clustered genes, genes x
    samples (not the z-scores the clustering may have used)."""
    values = normalized_matrix(store, analysis.dataset_key, analysis.params).values
    return values.loc[analysis.features.item_ids.tolist()]


def gene_table(store: ResultStore, analysis_store: dict, group_by: str | None,
               search: list | None = None) -> pd.DataFrame:
    """The gene table of the view (searched genes first), also the gene-list download."""
    analysis = stored_analysis(store, analysis_store)
    values = gene_values(store, analysis)
    labels = pd.Series(analysis.labels, index=values.index)
    metadata = load_summary(store, analysis_store["key"])["metadata"]
    groups = None
    if group_by and metadata is not None and group_by in metadata.columns:
        groups = metadata[group_by].astype("string")
    symbols = glue.gene_symbols(values.index, mapping=gene_map(store, analysis_store["key"]))
    table = gene_cluster_table(values, labels, symbols=symbols,
                               groups=groups, group_title=group_by or "")
    if search:
        first = table["gene_id"].isin(search)
        table = pd.concat([table[first], table[~first]], ignore_index=True)
    return table


def profiles_figure(store: ResultStore, analysis_store: dict, order_by: str | None,
                    band: str, search: list | None = None) -> tuple[dict, str]:
    """The profile panels and a line about them."""
    analysis = stored_analysis(store, analysis_store)
    values = gene_values(store, analysis)
    metadata = load_summary(store, analysis_store["key"])["metadata"]
    heatmap_order = analysis.sample_ids[_sample_display_order(analysis)].tolist()
    samples = sample_order(metadata, heatmap_order, order_by)
    labels = pd.Series(analysis.labels, index=values.index)
    profiles = cluster_profiles(values, labels, samples=samples)
    groups = None
    if order_by and metadata is not None and order_by in metadata.columns:
        groups = metadata[order_by].reindex(samples).tolist()
    found = [g for g in (search or []) if g in values.index]
    highlighted = gene_zscores(values, found, samples=samples)
    names = glue.gene_symbols(highlighted.index,
                              mapping=gene_map(store, analysis_store["key"])) if found else []
    figure = profile_figure(
        profiles, sample_groups=groups, group_title=order_by or "", band=band,
        highlighted=highlighted.set_axis(list(names), axis=0) if found else None,
        highlighted_clusters=labels.reindex(found).tolist())
    params = analysis.params
    log = params.log_transform or params.normalization in LOG_SCALE_METHODS
    info = (f"{len(values):,} genes in {profiles['cluster'].nunique()} clusters; values: "
            "normalized" + (" log" if log else "") + (
                ", batch-corrected" if params.batch_method != "none" else "")
            + ", each gene z-scored across the samples shown.")
    if search and not found:
        info += " The searched genes are not among the clustered genes."
    return figure, info


def _sample_display_order(analysis):
    """The heatmap's column order: the sample tree's leaves (genes as items)."""
    from scipy.cluster.hierarchy import leaves_list
    if analysis.other_tree is None:
        return list(range(len(analysis.sample_ids)))
    return leaves_list(analysis.other_tree)


def download_frame(store: ResultStore, analysis_store: dict, what: str,
                   group_by: str | None) -> tuple[pd.DataFrame, bool, str]:
    """The table to download: (frame, write the index, base file name)."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    key = analysis_store["key"]
    if what == "genes":
        if params.target != "genes":
            raise ParameterError("Gene lists need gene clusters: choose Cluster: genes.")
        return gene_table(store, analysis_store, group_by), False, "gene_clusters"
    if what == "normalized":
        plain = dataclasses.replace(params, batch_method="none")
        matrix = normalized_matrix(store, key, plain).values
        return _with_symbols(matrix, gene_map(store, key)), True, "normalized"
    if what == "corrected":
        if params.batch_method == "none":
            raise ParameterError("No batch correction is chosen (Samples and batches, on "
                                 "the left): the normalized matrix is the one to download.")
        return (_with_symbols(corrected_matrix(store, key, params), gene_map(store, key)),
                True, "batch_corrected")
    if what == "sheet":
        analysis = stored_analysis(store, analysis_store)
        metadata = load_summary(store, key)["metadata"]
        sheet = pd.DataFrame(index=pd.Index(analysis.sample_ids, name="sample"))
        if metadata is not None:
            sheet = sheet.join(metadata)
        if params.target == "samples":
            sheet["cluster"] = pd.Series(analysis.labels, index=analysis.features.item_ids)
        return sheet, True, "samples_with_clusters" if params.target == "samples" \
            else "samples"
    raise ParameterError(f"Unknown download {what!r}.")


def _with_symbols(matrix: pd.DataFrame, mapping) -> pd.DataFrame:
    out = matrix.copy()
    out.insert(0, "symbol", glue.gene_symbols(matrix.index, mapping=mapping))
    return out.rename_axis("gene_id")


def table_page(table: pd.DataFrame, *, page: int, page_size: int, sort_by: list | None,
               filter_query: str | None) -> tuple[list, list, int]:
    """DataTable columns, the rows of one page (filtered, sorted) and the page count."""
    rows, page_count = sorted_page(table, page=page, page_size=page_size, sort_by=sort_by,
                                   filter_query=filter_query)
    columns = [{"name": c, "id": c, "type": "numeric" if c not in ("symbol", "gene_id")
                else "text"} for c in table.columns]
    return columns, rows.round(3).to_dict("records"), page_count


# --- callbacks ---------------------------------------------------------------------------

def register(app, store: ResultStore) -> None:
    """Menus, profiles, table and downloads of the view."""

    @app.callback(Output(ORDER_BY, "options"), Output(GROUP_BY, "options"),
                  Input(ids.DATASET_STORE, "data"), prevent_initial_call=True)
    def menus(dataset_store):
        if not dataset_store:
            return no_update, no_update
        metadata = load_summary(store, dataset_store["key"])["metadata"]
        options = [] if metadata is None else [{"label": str(c), "value": str(c)}
                                               for c in metadata.columns]
        return options, options

    @app.callback(*VIEW.all, Input(ids.ANALYSIS_STORE, "data"),
                  Input(ids.VIEW_TABS, "active_tab"), Input(ORDER_BY, "value"),
                  Input(BAND, "value"), Input(ids.GENE_SEARCH_STORE, "data"),
                  Input(ids.GENE_MAP_STORE, "data"), prevent_initial_call=True)
    @VIEW.guard
    def draw(analysis_store, active_tab, order_by, band, search, _gene_map=None):
        if active_tab != TAB_ID or not analysis_store:
            return VIEW.unchanged()
        if analysis_store["params"].get("target") != "genes":
            return VIEW.shown(empty_figure(
                "Gene clusters appear here when genes are clustered: choose Cluster: genes "
                "on the left. The downloads below work for sample clusters too."), None)
        return VIEW.shown(*profiles_figure(store, analysis_store, order_by, band, search))

    @app.callback(Output(TABLE, "columns"), Output(TABLE, "data"), Output(TABLE, "page_count"),
                  Input(ids.ANALYSIS_STORE, "data"), Input(ids.VIEW_TABS, "active_tab"),
                  Input(GROUP_BY, "value"), Input(TABLE, "page_current"),
                  Input(TABLE, "sort_by"), Input(TABLE, "filter_query"),
                  Input(ids.GENE_SEARCH_STORE, "data"), Input(ids.GENE_MAP_STORE, "data"),
                  prevent_initial_call=True)
    def fill_table(analysis_store, active_tab, group_by, page, sort_by, filter_query, search,
                   _gene_map=None):
        if active_tab != TAB_ID or not analysis_store:
            return no_update, no_update, no_update
        if analysis_store["params"].get("target") != "genes":
            return [], [], 1
        try:
            table = gene_table(store, analysis_store, group_by, search)
        except Exception:  # noqa: BLE001 - the profiles callback reports it in the alert
            return no_update, no_update, no_update
        return table_page(table, page=page or 0, page_size=PAGE_SIZE, sort_by=sort_by,
                          filter_query=filter_query)

    @app.callback(Output(TABLE, "style_data_conditional"),
                  Input(ids.GENE_SEARCH_STORE, "data"), prevent_initial_call=True)
    def mark_found_rows(found):
        return found_rows_style(found, "gene_id")

    @app.callback(Output(DOWNLOAD, "data"),
                  Output(VIEW.alert, "children", allow_duplicate=True),
                  Output(VIEW.alert, "is_open", allow_duplicate=True),
                  Input(DOWNLOAD_BUTTON, "n_clicks"), State(DOWNLOAD_WHAT, "value"),
                  State(DOWNLOAD_FORMAT, "value"), State(GROUP_BY, "value"),
                  State(ids.ANALYSIS_STORE, "data"), prevent_initial_call=True)
    def download(_, what, fmt, group_by, analysis_store):
        if not analysis_store:
            return no_update, no_update, no_update
        try:
            frame, index, name = download_frame(store, analysis_store, what, group_by)
            content = table_bytes(frame, fmt, index=index, sheet_name=name)
        except Exception as error:  # noqa: BLE001 - shown in this view's alert
            return no_update, error_message(error, kept=False), True
        return dcc.send_bytes(content, f"{name}.{fmt}"), None, False
