"""The Clustering view: metrics, the clustered heatmap, the PCA/UMAP scatter, the
silhouette plot and the agreement card, linked by one selection.

Callbacks: :mod:`.analysis` (heatmap, silhouette, metrics, downloads), :mod:`.embedding`
(scatter, UMAP job), :mod:`.selection` (clicks and lassos -> the selection store),
:mod:`.agreement` (ARI/NMI and the Sankey diagram) and :mod:`.splits` (sub-clusters in
place, with undo).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import GRAPH_CONFIG, figure_card, view_alert
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.validate import INDICES

from callbacks import gene_search

from . import agreement, analysis, embedding, reproduce, selection, splits

TAB_ID = "clustering"
TAB_LABEL = "Clustering"


def agreement_card() -> dbc.Card:
    """Compare the clusters with a sample-sheet column or with another method's clusters."""
    return dbc.Card([
        dbc.CardHeader(html.Span("Agreement", title="ARI: 1 = same partition, 0 = chance; "
                                 "NMI: shared information, 0..1; purity: share of items in "
                                 "the majority group of their cluster.")),
        dbc.CardBody([
            view_alert("agreement"),
            html.Div([
                html.Div(dcc.Dropdown(id=ids.COMPARE_WITH, placeholder="compare with...",
                                      options=[]), style={"minWidth": "18rem"},
                         className="me-2"),
                dbc.InputGroup([dbc.InputGroupText("k of the other method"),
                                dbc.Input(id=ids.COMPARE_K, type="number", min=2, step=1,
                                          value=None, debounce=True)],
                               size="sm", className="w-auto"),
            ], className="d-flex flex-wrap align-items-center mb-2"),
            dcc.Store(id=ids.COMPARE_MENU_ANALYSIS), dcc.Store(id=ids.COMPARED_ANALYSIS),
            html.Div(id=ids.AGREEMENT, className="small"),
            dcc.Graph(id=ids.AGREEMENT_FIGURE, config=GRAPH_CONFIG,
                      style={"display": "none"}),
        ]),
    ], className="mb-3")


def _embedding_column() -> dbc.Col:
    """The scatter with its UMAP job status, progress and cancel button."""
    return dbc.Col([
        figure_card("PCA / UMAP", ids.EMBEDDING,
                    "Lasso or box-select items to highlight them in the other views.", "460px"),
        html.Div([
            html.Span(id=ids.EMBEDDING_STATUS, className="small text-muted me-2"),
            dbc.Progress(id=ids.EMBEDDING_PROGRESS, value=0, max=100, striped=True,
                         animated=True, style={"display": "none"}, className="flex-grow-1"),
            dbc.Button("Cancel", id=ids.EMBEDDING_CANCEL, size="sm", color="link",
                       style={"display": "none"}),
        ], className="d-flex align-items-center"),
    ], lg=6)


def layout() -> html.Div:
    """Alerts, metrics and the three linked views."""
    index_help = " ".join(INDICES.values())
    return html.Div([
        view_alert("clustering"),
        dbc.Alert(id=ids.NOTICES, color="info", is_open=False, dismissable=True,
                  className="small"),
        html.Div([html.Div(id=ids.METRICS, title=index_help, className="metrics"),
                  html.Div([html.Span(id=ids.SELECTION_INFO, className="me-2"),
                            dbc.Button("Clear selection", id=ids.CLEAR_SELECTION, size="sm",
                                       color="link")], className="selection")],
                 className="d-flex justify-content-between align-items-center mb-2"),
        splits.split_card(),
        gene_search.heatmap_tools(),
        figure_card("Clustered heatmap", ids.HEATMAP,
                    "Rows: genes, columns: samples; click a cluster bar or a dendrogram node "
                    "to select its items."),
        dbc.Row([
            _embedding_column(),
            dbc.Col([html.Div(id=ids.UNCERTAIN, className="small mb-2"), agreement_card()],
                    lg=12, className="order-last"),
            dbc.Col(figure_card("Silhouette", ids.SILHOUETTE,
                                "How well each item sits in its cluster (R "
                                "cluster::silhouette). Click a bar to select its cluster."),
                    lg=6),
        ]),
    ])


def register(app, store: ResultStore) -> None:
    """Register the analysis, scatter, selection and agreement callbacks."""
    for module in (analysis, embedding, selection, agreement, reproduce, splits):
        module.register(app, store)
