"""Agreement: the clusters against a sample-sheet column, or against another method."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from layouts import ids
from layouts.main import METHOD_LABELS
from rnaclust_dash.pl.agreement import sankey_figure
from rnaclust_dash.tl.methods import GRAPH_CLUSTERINGS
from rnaclust_dash.tl.methods import METHODS
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import load_summary, run_analysis
from rnaclust_dash.tl.agreement import agreement
from rnaclust_dash.store import ResultStore

from callbacks.common import ViewOutputs, stored_analysis

COLUMN, METHOD = "column:", "method:"
VIEW = ViewOutputs("agreement", (Output(ids.AGREEMENT, "children"),
                                 Output(ids.AGREEMENT_FIGURE, "figure"),
                                 Output(ids.AGREEMENT_FIGURE, "style")))
OUTPUTS = VIEW.all
ALERT = VIEW.alert
FIGURE_SHOWN = {"height": "320px"}


def compare_options(metadata, target: str, method: str) -> list[dict]:
    """Sample-sheet columns (when samples are clustered) and the other methods."""
    options = []
    if target == "samples" and metadata is not None:
        options += [{"label": f"sample sheet: {c}", "value": COLUMN + str(c)}
                    for c in metadata.columns]
    options += [{"label": f"method: {METHOD_LABELS[m]}", "value": METHOD + m}
                for m in METHODS if m != method]
    return options


def agreement_view(store: ResultStore, analysis_store: dict, choice: str | None,
                   other_k) -> tuple:
    """ARI, NMI, purity, the contingency table and a Sankey of the two labellings
    (:data:`OUTPUTS`)."""
    if not analysis_store or not choice:
        return VIEW.shown("", no_update, {"display": "none"})
    params = AnalysisParams.from_dict(analysis_store["params"])
    analysis = stored_analysis(store, analysis_store)
    ids_ = analysis.features.item_ids
    if choice.startswith(COLUMN):
        name = choice[len(COLUMN):]
        metadata = load_summary(store, analysis_store["key"])["metadata"]
        other = metadata[name].reindex(ids_).to_numpy()
    else:
        method = choice[len(METHOD):]
        changes = {"method": method}
        if method not in GRAPH_CLUSTERINGS:
            changes["k"] = int(other_k) if other_k else params.k
        other = run_analysis(store, analysis_store["key"], params.replace(**changes)).labels
        name = METHOD_LABELS[method]
    result = agreement(analysis.labels, other)
    table = result["contingency"]
    table.index = [f"cluster {c}" for c in table.index]
    summary = [html.Span(f"ARI {result['ari']:.3f} · NMI {result['nmi']:.3f} · purity "
                         f"{result['purity']:.3f} ({result['n_items']} items"
                         + (f"; {result['n_dropped']} without a value left out"
                            if result["n_dropped"] else "") + ")", className="me-2"),
               dbc.Table.from_dataframe(table.reset_index(names="").astype(str), size="sm",
                                        bordered=True, className="w-auto mt-1 mb-0")]
    figure = sankey_figure(analysis.labels, other,
                                          name_a=METHOD_LABELS[params.method], name_b=name)
    return VIEW.shown(summary, figure, FIGURE_SHOWN)


# In the browser, so that a k change sends no request the card does not need: the menu
# takes a new analysis only when the dataset, target or method changed (what its
# options depend on); the comparison only while something is chosen.
MENU_GATE = """function (analysis, seen) {
    const basis = a => a && JSON.stringify([a.key, a.params.target, a.params.method]);
    return (!analysis || basis(analysis) === basis(seen)) ?
        window.dash_clientside.no_update : analysis;
}"""
COMPARISON_GATE = """function (analysis, choice, seen) {
    const same = JSON.stringify(analysis) === JSON.stringify(seen);
    return (!choice || !analysis || same) ? window.dash_clientside.no_update : analysis;
}"""


def register(app, store: ResultStore) -> None:
    """Register the agreement callbacks."""
    app.clientside_callback(MENU_GATE, Output(ids.COMPARE_MENU_ANALYSIS, "data"),
                            Input(ids.ANALYSIS_STORE, "data"),
                            State(ids.COMPARE_MENU_ANALYSIS, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(COMPARISON_GATE, Output(ids.COMPARED_ANALYSIS, "data"),
                            Input(ids.ANALYSIS_STORE, "data"), Input(ids.COMPARE_WITH, "value"),
                            State(ids.COMPARED_ANALYSIS, "data"), prevent_initial_call=True)

    @app.callback(Output(ids.COMPARE_WITH, "options"),
                  Input(ids.COMPARE_MENU_ANALYSIS, "data"), prevent_initial_call=True)
    def offer_comparisons(analysis_store):
        if not analysis_store:
            return no_update
        params = analysis_store["params"]
        metadata = load_summary(store, analysis_store["key"])["metadata"]
        return compare_options(metadata, params["target"], params["method"])

    @app.callback(*OUTPUTS, Input(ids.COMPARED_ANALYSIS, "data"),
                  Input(ids.COMPARE_WITH, "value"),
                  Input(ids.COMPARE_K, "value"), prevent_initial_call=True)
    @VIEW.guard
    def compare(analysis_store, choice, other_k):
        return agreement_view(store, analysis_store, choice, other_k)
