"""The compare view (teaching): the current analysis run with two values of one choice,
side by side (for each: the clustered heatmap with its dendrograms and the PCA map
coloured by cluster) with the adjusted Rand index, the NMI and the contingency table of
the two clusterings, so a class can see what normalization, batch correction, distance,
method or k does to the answer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from layouts import ids
from layouts.components import GRAPH_CONFIG
from rnaclust_dash.errors import ParameterError, RnaclustError
from rnaclust_dash.params import SPEC, AnalysisParams
from rnaclust_dash import views
from rnaclust_dash.pipeline import compute_embedding, load_summary, run_analysis
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
HEATMAP_A = "compare-heatmap-a"
HEATMAP_B = "compare-heatmap-b"
TITLE_A = "compare-title-a"
TITLE_B = "compare-title-b"
RESULTS = "compare-results"
PLACEHOLDER = "compare-placeholder"
ALERT = "compare-alert"

#: Rows of each heatmap (genes beyond are averaged in bands, as in the Clustering view):
#: two heatmaps side by side stay light.
HEATMAP_ROWS = 200
#: The Clustering view's heatmap writes sample names horizontally up to this length.
_LONGEST_HORIZONTAL_NAME = 10
#: Pressing Compare with no bulk analysis on screen.
NO_ANALYSIS = ("There is no analysis of samples or genes to compare: load a count table or "
               "an example. Single cells are compared in the Cells tab by changing its "
               "resolution and pressing Run.")
#: What the tab says before the first comparison (no empty axes).
PLACEHOLDER_TEXT = ("Choose a setting and its two values above, then press Compare: the "
                    "current analysis runs once with each value, and the two heatmaps and "
                    "maps appear here side by side with their ARI and a table of which "
                    "clusters of A went into which clusters of B.")

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


def _side(letter: str, title_id: str, heatmap_id: str, figure_id: str) -> dbc.Col:
    graph = lambda graph_id, **style: dcc.Loading(dcc.Graph(  # noqa: E731
        id=graph_id, config=GRAPH_CONFIG, style=style), delay_show=300)
    return dbc.Col(dbc.Card([
        dbc.CardHeader(html.B(id=title_id, children=f"Setting {letter}")),
        dbc.CardBody([graph(heatmap_id), graph(figure_id, height="380px")], className="p-1"),
    ], className="mb-3"), md=6)


def layout() -> html.Div:
    """Parameter, value A, value B, Compare; a placeholder until the first comparison,
    then the ARI, the contingency table and, side by side, each setting's heatmap and
    map."""
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
        dbc.Alert(PLACEHOLDER_TEXT, id=PLACEHOLDER, is_open=True, color="light",
                  className="small"),
        html.Div([
            html.Div(id=SUMMARY, className="mb-2"),
            dbc.Row([_side("A", TITLE_A, HEATMAP_A, FIGURE_A),
                     _side("B", TITLE_B, HEATMAP_B, FIGURE_B)]),
        ], id=RESULTS, style={"display": "none"}),
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


def setting_title(letter: str, name: str, params: AnalysisParams, analysis) -> str:
    """ "A: Distance = Pearson (2 clusters)": the setting and what it gave."""
    value = getattr(params, name)
    param = SPEC[name]
    shown = param.choice_label(value) if param.choices is not None else value
    return f"{letter}: {param.label} = {shown} ({len(set(analysis.labels))} clusters)"


def comparison_figures(result: dict, name: str) -> list[dict]:
    """One PCA map per setting, coloured by its clusters, titled with the setting."""
    figures = []
    for letter, params, analysis, embedding in zip("AB", result["params"], result["analyses"],
                                                    result["embeddings"]):
        figures.append(embedding_figure(
            embedding.coords, ids=analysis.features.item_ids,
            color_values=pd.Series(analysis.labels, name="cluster"), color_title="cluster",
            axis_titles=embedding.axis_titles,
            title=setting_title(letter, name, params, analysis),
            revision=f"compare-{letter}"))
    return figures


def comparison_heatmaps(result: dict, metadata: pd.DataFrame | None) -> list[dict]:
    """One clustered heatmap per setting (the Clustering view's figure: dendrograms,
    cluster bar, sample-sheet strips), :data:`HEATMAP_ROWS` gene rows at most."""
    return [_upright_sample_names(views.heatmap(analysis, metadata=metadata,
                                                max_rows=HEATMAP_ROWS))
            for analysis in result["analyses"]]


def _upright_sample_names(figure: dict) -> dict:
    """Sample names read upwards: at half the page's width the heatmap's horizontal names
    (kept for up to 12 names of up to 10 characters) run into each other."""
    layout = figure["layout"]
    names_axis = layout.get("xaxis2", {})
    if names_axis.get("showticklabels") and names_axis.get("tickangle") == 0:
        extra = 20 + 7 * _LONGEST_HORIZONTAL_NAME - layout["margin"]["b"]
        names_axis["tickangle"] = -90
        layout["margin"]["b"] += extra
        layout["height"] += extra
    return figure


def contingency_table(result: dict) -> dbc.Table:
    """Items in each pair of clusters: rows the clusters of A, columns those of B."""
    table = result["agreement"]["contingency"].copy()
    table.index = [f"A cluster {c}" for c in table.index]
    table.columns = [f"B cluster {c}" for c in table.columns]
    return dbc.Table.from_dataframe(table.reset_index(names="").astype(str), size="sm",
                                    bordered=True, className="w-auto mt-1 mb-0 small",
                                    id="compare-contingency")


def comparison_summary(result: dict) -> html.Div:
    """ARI and NMI between the two clusterings, and their contingency table."""
    scores = result["agreement"]
    return html.Div([
        html.Div([html.B(f"ARI {scores['ari']:.3f}"),
                  f" · NMI {scores['nmi']:.3f} between A and B ({scores['n_items']} items). "
                  "Everything else is the current analysis. Items shared by A and B:"]),
        contingency_table(result),
    ])


def register(app, store: ResultStore) -> None:
    """Register the compare callbacks."""

    # A comparison belongs to the dataset it was made on: new data hides it again.
    @app.callback(Output(RESULTS, "style", allow_duplicate=True),
                  Output(PLACEHOLDER, "is_open", allow_duplicate=True),
                  Input(ids.DATASET_STORE, "data"), prevent_initial_call=True)
    def forget_comparison(_):
        return {"display": "none"}, True

    @app.callback(Output(VALUE_A, "options"), Output(VALUE_A, "value"),
                  Output(VALUE_B, "options"), Output(VALUE_B, "value"),
                  Input(CHOICE, "value"))
    def offer_values(name):
        options = value_options(name)
        second = options[1]["value"] if len(options) > 1 else options[0]["value"]
        return options, options[0]["value"], options, second

    @app.callback(Output(SUMMARY, "children"), Output(HEATMAP_A, "figure"),
                  Output(HEATMAP_B, "figure"), Output(FIGURE_A, "figure"),
                  Output(FIGURE_B, "figure"), Output(TITLE_A, "children"),
                  Output(TITLE_B, "children"), Output(RESULTS, "style"),
                  Output(PLACEHOLDER, "is_open"), Output(ALERT, "children"),
                  Output(ALERT, "is_open"),
                  Input(RUN, "n_clicks"), State(CHOICE, "value"), State(VALUE_A, "value"),
                  State(VALUE_B, "value"), State(ids.ANALYSIS_STORE, "data"),
                  prevent_initial_call=True)
    def compare(_, name, value_a, value_b, analysis_store):
        return comparison_outputs(store, analysis_store, name, value_a, value_b)


def comparison_outputs(store: ResultStore, analysis_store: dict | None, name: str,
                       value_a, value_b) -> tuple:
    """The compare callback's outputs (summary, heatmaps, maps, titles, visibility,
    alert); on an error only the alert changes."""
    kept = (no_update,) * 9
    if not analysis_store:
        return *kept, NO_ANALYSIS, True
    try:
        result = compare_settings(store, analysis_store["key"],
                                  AnalysisParams.from_dict(analysis_store["params"]),
                                  name, value_a, value_b)
    except RnaclustError as error:
        return *kept, str(error), True
    metadata = load_summary(store, analysis_store["key"])["metadata"]
    heatmap_a, heatmap_b = comparison_heatmaps(result, metadata)
    figure_a, figure_b = comparison_figures(result, name)
    title_a, title_b = (setting_title(letter, name, params, analysis) for letter, params, analysis
                        in zip("AB", result["params"], result["analyses"]))
    return (comparison_summary(result), heatmap_a, heatmap_b, figure_a, figure_b, title_a,
            title_b, {"display": "block"}, False, None, False)
