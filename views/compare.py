"""The compare view (teaching): the current analysis run with two values of one choice,
side by side (two PCA maps coloured by cluster) with the adjusted Rand index between the
two clusterings, so a class can see what normalization, batch correction, distance,
method or k does to the answer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from layouts import ids
from layouts.components import GRAPH_CONFIG
from rnaclust_dash.errors import ParameterError, RnaclustError
from rnaclust_dash.params import SPEC, AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, run_analysis
from rnaclust_dash.pl.scatter import embedding_figure
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.agreement import agreement

TAB_ID = "compare"
TAB_LABEL = "Compare"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)

CHOICE = "compare-choice"
VALUE_A = "compare-value-a"
VALUE_B = "compare-value-b"
RUN = "compare-run"
SUMMARY = "compare-summary"
FIGURE_A = "compare-figure-a"
FIGURE_B = "compare-figure-b"
ALERT = "compare-alert"

#: The choices a class compares, and the values offered for the numeric ones.
COMPARED = ("normalization", "batch_method", "distance", "method", "k", "linkage",
            "top_genes", "log_transform")
NUMBER_VALUES = {"k": (2, 3, 4, 5, 6, 8, 10), "top_genes": (100, 500, 1000, 2000, 5000)}


def value_options(name: str) -> list[dict]:
    """The values offered for parameter ``name`` (its choices, a switch's on/off, or a
    few numbers)."""
    param = SPEC[name]
    if param.choices is not None:
        return [{"label": param.choice_label(v), "value": v} for v in param.choices]
    if param.type is bool:
        return [{"label": "on", "value": "true"}, {"label": "off", "value": "false"}]
    return [{"label": str(v), "value": v} for v in NUMBER_VALUES[name]]


def layout() -> html.Div:
    """Parameter, value A, value B, Compare; the two maps and their ARI."""
    return html.Div([
        html.Small("Run the current analysis twice, changing one choice, and see how the "
                   "clusters move. ARI 1 = the same clusters; near 0 = no more alike than "
                   "chance.", className="text-muted d-block mt-2"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=CHOICE, clearable=False, value="distance",
                                 options=[{"label": SPEC[n].label, "value": n}
                                          for n in COMPARED]), md=4),
            dbc.Col(dcc.Dropdown(id=VALUE_A, clearable=False, placeholder="setting A"), md=3),
            dbc.Col(dcc.Dropdown(id=VALUE_B, clearable=False, placeholder="setting B"), md=3),
            dbc.Col(dbc.Button("Compare", id=RUN, color="primary", size="sm"), md=2),
        ], className="g-2 my-2 align-items-center"),
        dbc.Alert(id=ALERT, is_open=False, color="danger", dismissable=True, className="small"),
        html.Div(id=SUMMARY, className="mb-2"),
        dbc.Row([dbc.Col(dcc.Loading(dcc.Graph(id=FIGURE_A, config=GRAPH_CONFIG)), md=6),
                 dbc.Col(dcc.Loading(dcc.Graph(id=FIGURE_B, config=GRAPH_CONFIG)), md=6)]),
    ])


def compare_settings(store: ResultStore, key: str, base: AnalysisParams, name: str,
                     value_a, value_b) -> dict:
    """Run ``base`` with ``name`` = ``value_a`` and = ``value_b`` (PCA maps).

    Returns
    -------
    dict
        ``params`` (A, B), ``analyses``, ``embeddings`` and ``agreement`` (ARI, NMI...)
        over the items both clusterings hold.
    """
    base = base.replace(embedding="pca")
    settings = []
    for value in (value_a, value_b):
        try:
            settings.append(AnalysisParams.from_dict({**base.to_dict(), name: value}))
        except ParameterError as error:
            raise ParameterError(f"{SPEC[name].label} = {value}: {error}") from None
    analyses = [run_analysis(store, key, params) for params in settings]
    labels = [pd.Series(a.labels, index=a.features.item_ids) for a in analyses]
    common = labels[0].index.intersection(labels[1].index)
    result = agreement(labels[0][common].to_numpy(), labels[1][common].to_numpy())
    return {"params": settings, "analyses": analyses, "agreement": result,
            "embeddings": [compute_embedding(store, key, p) for p in settings]}


def comparison_figures(result: dict, name: str) -> list[dict]:
    """One PCA map per setting, coloured by its clusters, titled with the setting."""
    figures = []
    for letter, params, analysis, embedding in zip("AB", result["params"], result["analyses"],
                                                    result["embeddings"]):
        value = getattr(params, name)
        figures.append(embedding_figure(
            embedding.coords, ids=analysis.features.item_ids,
            color_values=pd.Series(analysis.labels, name="cluster"), color_title="cluster",
            axis_titles=embedding.axis_titles,
            title=f"{letter}: {name} = {value} ({len(set(analysis.labels))} clusters)",
            revision=f"compare-{letter}"))
    return figures


def register(app, store: ResultStore) -> None:
    """Register the compare callbacks."""

    @app.callback(Output(VALUE_A, "options"), Output(VALUE_A, "value"),
                  Output(VALUE_B, "options"), Output(VALUE_B, "value"),
                  Input(CHOICE, "value"))
    def offer_values(name):
        options = value_options(name)
        second = options[1]["value"] if len(options) > 1 else options[0]["value"]
        return options, options[0]["value"], options, second

    @app.callback(Output(SUMMARY, "children"), Output(FIGURE_A, "figure"),
                  Output(FIGURE_B, "figure"), Output(ALERT, "children"),
                  Output(ALERT, "is_open"),
                  Input(RUN, "n_clicks"), State(CHOICE, "value"), State(VALUE_A, "value"),
                  State(VALUE_B, "value"), State(ids.ANALYSIS_STORE, "data"),
                  prevent_initial_call=True)
    def compare(_, name, value_a, value_b, analysis_store):
        if not analysis_store:
            return no_update, no_update, no_update, "Load data first.", True
        try:
            result = compare_settings(store, analysis_store["key"],
                                      AnalysisParams.from_dict(analysis_store["params"]),
                                      name, value_a, value_b)
        except RnaclustError as error:
            return no_update, no_update, no_update, str(error), True
        scores = result["agreement"]
        summary = html.Div([
            html.B(f"ARI {scores['ari']:.3f}"),
            f" · NMI {scores['nmi']:.3f} between A and B ({scores['n_items']} items). "
            "Everything else is the current analysis."])
        figure_a, figure_b = comparison_figures(result, name)
        return summary, figure_a, figure_b, None, False
