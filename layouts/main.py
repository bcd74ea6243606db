"""The page frame: stores, navbar and the sidebar of parameters; the tabs on the right
are the view modules of :mod:`views`."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from rnaclust_dash.io import EXAMPLES, LESSONS, max_upload_bytes
from rnaclust_dash.params import SPEC
from server_setup import megabytes, too_large_template

from . import ids
# GRAPH_CONFIG, labelled and view_alert were defined here before layouts.components; views
# written against that still import them from here.
from .components import GRAPH_CONFIG, help_lines, labelled, view_alert  # noqa: F401
from .data_dir import data_dir_control
from .param_controls import control_for, help_text, hover_help, number_input, param_of

DEFAULT_EXAMPLE = "pasilla"
#: The lesson of a loaded example, under the example menu (built by :func:`lesson_card`).
LESSON = "example-lesson"
# The method menu lists the registry (rnaclust_dash.tl.methods), in its order.
METHOD_LABELS = dict(SPEC["method"].choice_labels)


def _card(title: str, children: list) -> dbc.Card:
    """A sidebar card: a header and its controls."""
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(children)], className="mb-3")


def _upload(component_id: str, text: str) -> html.Div:
    """A file drop zone that refuses, before reading it, a file over the upload limit;
    assets/upload_limit.js says so in the data card's alert (data-* attributes)."""
    limit = max_upload_bytes()
    return html.Div(dcc.Upload(
        id=component_id, multiple=False, className="upload", max_size=limit,
        children=html.Div([text, html.Br(), html.Small("drag and drop, or click to choose")])),
        **{"data-max-upload-bytes": str(limit), "data-alert-id": ids.VIEW_ALERTS["data"],
           "data-too-large": too_large_template(limit)})


def example_options() -> list[dict]:
    """The example menu: each example's name and the lesson it shows."""
    return [{"label": f"{name}: {lesson.lesson}", "value": name}
            for name, lesson in LESSONS.items()]


def lesson_card(name: str) -> html.Div | None:
    """What an example teaches (its three-line story), where it comes from and its
    licence; None for a dataset that is not a bundled example."""
    lesson = LESSONS.get(name)
    if lesson is None:
        return None
    what, try_, see = lesson.story
    return html.Div([
        html.Div([html.B("Lesson: "), lesson.lesson], className="lesson-title"),
        html.Div([html.Span("What it is: ", className="fw-semibold"), what]),
        html.Div([html.Span("Try: ", className="fw-semibold"), try_]),
        html.Div([html.Span("You should see: ", className="fw-semibold"), see]),
        html.Div(f"Source: {lesson.source}. Licence: {lesson.licence}.",
                 className="text-muted"),
    ], className="lesson small border-start border-3 border-info ps-2 my-2")


def data_card() -> dbc.Card:
    """Example choice, uploads and what is loaded."""
    limit_mb = megabytes(max_upload_bytes())
    return _card("Data", [
            labelled("Example dataset", dcc.Dropdown(
                id=ids.EXAMPLE, options=example_options(),
                value=DEFAULT_EXAMPLE, clearable=False, placeholder="(your upload)"),
                "help-example",
                help_lines(EXAMPLES)),
            html.Div(lesson_card(DEFAULT_EXAMPLE), id=LESSON),
            _upload(ids.UPLOAD_COUNTS, "Count table (genes x samples) or single cells"),
            html.Small(f"CSV, TSV, TXT, .gz or .xlsx; featureCounts output works as it is. "
                       "Single cells: a 10x matrix folder as .zip or .tar.gz, a 10x .h5 or "
                       f"an .h5ad. Up to {limit_mb} MB per file; for larger files use the server's "
                       "data folder or the command line.",
                       className="text-muted d-block mb-2"),
            data_dir_control(),
            _upload(ids.UPLOAD_METADATA, "Sample or cell sheet (optional)"),
            _upload(ids.UPLOAD_LENGTHS, "Gene lengths (optional, for TPM/RPKM)"),
            gene_search_part("mapping_upload"),
            view_alert("data"),
            html.Div(id=ids.DATASET_INFO, className="dataset-info"),
    ])


def preprocessing_card() -> dbc.Card:
    """Normalization, log, filter and feature selection."""
    return _card("Preprocessing", [
        control_for("normalization", ids.NORMALIZATION),
        html.Small(id=ids.NORMALIZATION_HELP, className="text-muted d-block"),
        html.Div([
            control_for("log_transform", ids.LOG_TRANSFORM, on_value="log",
                        className="me-2"),
            number_input("pseudocount", ids.PSEUDOCOUNT, size="sm", style={"width": "5rem"}),
            hover_help("pseudocount", ids.PSEUDOCOUNT),
        ], className="d-flex align-items-center"),
        # One sentence for the two filter parameters; each box explains itself on hover.
        labelled("Keep genes with at least", dbc.InputGroup([
            number_input("min_count", ids.MIN_COUNT),
            dbc.InputGroupText("counts in"),
            number_input("min_samples", ids.MIN_SAMPLES),
            dbc.InputGroupText("samples"),
        ], size="sm"), "help-filter", [html.Div(help_text(param_of(name)))
                                       for name in ("min_count", "min_samples")]),
        hover_help("min_count", ids.MIN_COUNT),
        hover_help("min_samples", ids.MIN_SAMPLES),
        control_for("top_genes", ids.TOP_GENES),
    ])


def batch_card() -> dbc.Card:
    """Exclusions and batch correction (both are parameters, saved in params.json)."""
    return _card("Samples and batches", [
        control_for("exclude", ids.EXCLUDE, multi=True, placeholder="none excluded"),
        control_for("batch_column", ids.BATCH_COLUMN, placeholder="(sample sheet column)"),
        control_for("batch_method", ids.BATCH_METHOD),
        control_for("protect", ids.PROTECT, multi=True, placeholder="(sample sheet columns)"),
    ])


def clustering_card() -> dbc.Card:
    """What to cluster and how; the options of one method show only with it
    (:mod:`callbacks.controls`)."""
    return _card("Clustering", [
        control_for("target", ids.TARGET, widget="radio"),
        control_for("zscore", ids.ZSCORE),
        control_for("method", ids.METHOD),
        control_for("distance", ids.DISTANCE),
        control_for("linkage", ids.LINKAGE),
        control_for("optimal_order", ids.OPTIMAL_ORDER),
        # No debounce: a k typed or stepped redraws at once (bench_live's k change).
        html.Div(control_for("k", ids.N_CLUSTERS, debounce=False), id=ids.K_BOX),
        html.Div([control_for("resolution", ids.RESOLUTION),
                  control_for("neighbors", ids.NEIGHBORS)], id=ids.GRAPH_OPTIONS),
        html.Div(control_for("fuzzifier", ids.FUZZIFIER), id=ids.CMEANS_OPTIONS),
        html.Div(control_for("covariance", ids.COVARIANCE), id=ids.GMM_OPTIONS),
        html.Div(control_for("pcs", ids.PCS), id=ids.PCS_BOX),
        html.Div([control_for("kmeans_init", ids.KMEANS_INIT, widget="select"),
                  control_for("n_init", ids.N_INIT),
                  control_for("minibatch", ids.MINIBATCH)], id=ids.KMEANS_OPTIONS),
        control_for("seed", ids.SEED),
    ])


def embedding_card() -> dbc.Card:
    """PCA/UMAP options and colouring."""
    return _card("Embedding", [
        control_for("embedding", ids.EMBEDDING_METHOD, widget="radio"),
        html.Div([control_for("umap_neighbors", ids.UMAP_NEIGHBORS, size="sm"),
                  control_for("umap_min_dist", ids.UMAP_MIN_DIST, size="sm")],
                 className="d-flex gap-2"),
        labelled("Colour by", dcc.Dropdown(id=ids.COLOR_BY, clearable=False,
                                           value="cluster",
                                           options=[{"label": "cluster", "value": "cluster"}]),
                 "help-color", "Colour the map by cluster or by a column of the sample sheet."),
    ])


def downloads() -> html.Div:
    """Buttons that save the parameters, the assignments, a script and notebook, and the
    report."""
    return html.Div([
        html.Div([
            dbc.Button("Download parameters", id=ids.DOWNLOAD_PARAMS_BUTTON,
                       color="secondary", size="sm"),
            dbc.Button("Download assignments", id=ids.DOWNLOAD_ASSIGNMENTS_BUTTON,
                       color="secondary", size="sm"),
            dbc.Button("Download script + notebook", id=ids.DOWNLOAD_SCRIPT_BUTTON,
                       color="secondary", size="sm",
                       title="analysis.py and analysis.ipynb: this analysis step by step "
                             "in Python, reproducing the assignments"),
            dbc.Button("Download report", id=ids.DOWNLOAD_REPORT_BUTTON, color="secondary",
                       size="sm", title="One HTML file that opens offline: figures, tables, "
                                        "parameters, methods with citations, versions"),
            dbc.Button("Report as PDF", id=ids.DOWNLOAD_REPORT_PDF_BUTTON, color="secondary",
                       size="sm", title="The same report printed as a PDF (takes up to a "
                                        "minute: the server's Chromium draws every figure)"),
        ], className="d-flex flex-wrap gap-2"),
        dcc.Download(id=ids.DOWNLOAD_PARAMS),
        dcc.Download(id=ids.DOWNLOAD_ASSIGNMENTS),
        dcc.Download(id=ids.DOWNLOAD_SCRIPT),
        dcc.Download(id=ids.DOWNLOAD_REPORT),
        dcc.Download(id=ids.DOWNLOAD_REPORT_PDF),
        html.Small(["Re-run the same analysis headless: ",
                    html.Code("python -m rnaclust_dash run COUNTS --params params.json "
                              "--out DIR")], className="text-muted d-block mt-1"),
        session_part(),
        figures_part(),
    ], className="mb-3")


def tour_part():
    """The guided tour's button and modal (callbacks/tour.py, imported here: the callbacks
    import this module)."""
    from callbacks.tour import tour_part as part
    return part()


def figures_part():
    """Figures for papers (built by callbacks/figure_downloads.py, imported here: the
    callbacks import this module)."""
    from callbacks.figure_downloads import figures_part as part
    return part()


def session_part():
    """Load params.json, undo/redo, history, share link (built by callbacks/session.py,
    imported here: the callbacks import this module)."""
    from callbacks.session import session_part as part
    return part()


def build_layout() -> html.Div:
    """The whole page: stores, navbar, the sidebar of parameters and one tab per view
    (:data:`views.VIEWS`, imported here: the views import this module)."""
    from views import VIEWS, view_tabs
    return html.Div([
        dcc.Store(id=ids.DATASET_STORE),
        dcc.Store(id=ids.ANALYSIS_STORE),
        dcc.Store(id=ids.SELECTION_STORE, data=[]),
        dcc.Store(id=ids.EMBEDDING_STORE),
        dcc.Store(id=ids.FIGURES_SHOWN, data={}),
        *gene_search_part("stores"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand("rnaclust-dash"),
            html.Span("Cluster RNA-seq samples or genes, and see how each choice changes "
                      "the answer.", className="navbar-text small"),
            gene_search_part("search_box"),
            tour_part(),
        ], fluid=True), color="primary", dark=True, className="mb-3"),
        dbc.Container(dbc.Row([
            dbc.Col([data_card(), preprocessing_card(), batch_card(), clustering_card(),
                     embedding_card(), downloads()], lg=3, className="sidebar"),
            dbc.Col(dbc.Tabs(view_tabs(), id=ids.VIEW_TABS, active_tab=VIEWS[0].TAB_ID,
                             className="mb-2"), lg=9),
        ]), fluid=True),
    ])


def gene_search_part(name: str):
    """A part of the page built by callbacks/gene_search.py (its stores, search box or
    mapping upload; imported here, not at the top: the callbacks import this module)."""
    from callbacks import gene_search
    return getattr(gene_search, name)()
