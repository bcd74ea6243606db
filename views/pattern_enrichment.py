"""Enrichment of the clusters of the Time course view and the modules of the Modules view:
over-representation of each cluster's genes in GO (bundled, human symbols) or an uploaded
GMT file, with the genes the view clustered as the universe. The machinery (gene sets,
id translation, table) is the Markers tab's enrichment card's (:mod:`views.enrichment`).
"""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dash_table, dcc, html, no_update

from callbacks.common import error_message
from views.enrichment import UPLOADED, gene_sets_for, table_records, translate_to_set_ids
from rnaclust_dash.errors import DataError
from rnaclust_dash.tl.enrichment import enrich_queries
from rnaclust_dash.tl.genesets import BUNDLED_GENE_SETS

#: Term sizes tested (as the Markers tab's defaults).
MIN_SIZE, MAX_SIZE = 10, 500


def _ids(prefix: str) -> dict:
    return {name: f"{prefix}-enrich-{name}" for name in
            ("sets", "upload", "run", "alert", "status", "table")}


def enrichment_block(prefix: str, what: str) -> dbc.Card:
    """Gene-set choice, GMT upload, run button, message and table; ``what`` names the
    groups ("cluster", "module")."""
    names = _ids(prefix)
    sets = [{"label": label, "value": key} for key, (_, label) in BUNDLED_GENE_SETS.items()]
    sets.append({"label": "uploaded GMT file", "value": UPLOADED})
    return dbc.Card([
        dbc.CardHeader(f"Enrichment of each {what}'s genes (over-representation)"),
        dbc.CardBody([
            html.Div([
                dbc.Select(id=names["sets"], value="go-bp", size="sm", options=sets,
                           className="me-2 mb-2 w-auto"),
                dcc.Upload(id=names["upload"], className="upload d-inline-block px-3 me-2 mb-2",
                           children=html.Small("GMT file (other species: ids as in the "
                                               "table)")),
                dbc.Button(f"Enrich every {what}", id=names["run"], size="sm",
                           color="primary", className="mb-2"),
            ], className="d-flex flex-wrap align-items-center"),
            dbc.Alert(id=names["alert"], color="danger", is_open=False, dismissable=True,
                      className="small"),
            html.Div(id=names["status"], className="small mb-1"),
            dcc.Loading(dash_table.DataTable(
                id=names["table"], columns=[], data=[], sort_action="native",
                filter_action="native", page_action="native", page_size=10,
                style_table={"overflowX": "auto"},
                style_cell={"fontSize": "0.82rem", "padding": "2px 6px", "textAlign": "left",
                            "fontFamily": "Lato, Arial, sans-serif", "whiteSpace": "normal",
                            "maxWidth": "28rem"},
                style_header={"fontWeight": "600"}), delay_show=300),
        ]),
    ], className="mt-3")


def enrich_groups(queries: dict, universe, *, sets: str, upload=None,
                  upload_name=None) -> tuple[pd.DataFrame, str]:
    """The enrichment table of named gene lists against ``universe`` and a line saying
    what was tested."""
    gene_sets = gene_sets_for(sets, upload, upload_name)
    universe = pd.Index([str(g) for g in universe])
    to_set_ids, mapping_note = translate_to_set_ids(universe, gene_sets, sets != UPLOADED)
    lists = {name: [to_set_ids[g] for g in genes if g in to_set_ids]
             for name, genes in queries.items()}
    lists = {name: genes for name, genes in lists.items() if genes}
    if not lists:
        raise DataError("No gene of the clusters maps to the ids of the gene sets. "
                        + mapping_note)
    table = enrich_queries(lists, gene_sets, universe=list(dict.fromkeys(to_set_ids.values())),
                           min_size=MIN_SIZE, max_size=MAX_SIZE)
    note = (f"{len(lists)} gene lists against {gene_sets.source} ({MIN_SIZE}..{MAX_SIZE} "
            f"genes per set in the universe of {int(table['n_universe'].iat[0]):,} genes); "
            f"{mapping_note}")
    return table, note


def register_enrichment(app, prefix: str, result_id: str,
                        queries_of: Callable[[dict], tuple[dict, list]]) -> None:
    """The block's callback: ``queries_of(reference)`` gives the gene lists and the
    universe of the view's stored result (``result_id`` holds its reference)."""
    names = _ids(prefix)

    @app.callback(Output(names["table"], "columns"), Output(names["table"], "data"),
                  Output(names["status"], "children"), Output(names["alert"], "children"),
                  Output(names["alert"], "is_open"), Input(names["run"], "n_clicks"),
                  State(result_id, "data"), State(names["sets"], "value"),
                  State(names["upload"], "contents"), State(names["upload"], "filename"),
                  prevent_initial_call=True)
    def enrich(_, reference, sets, upload, upload_name):
        if not reference:
            return no_update, no_update, "Find the clusters first.", None, False
        try:
            queries, universe = queries_of(reference)
            table, note = enrich_groups(queries, universe, sets=sets, upload=upload,
                                        upload_name=upload_name)
            columns, rows = table_records(table)
        except Exception as error:  # noqa: BLE001 - shown in the block's alert
            return [], [], "", error_message(error, kept=False), True
        return columns, rows, note, None, False
