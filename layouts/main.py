"""The page frame: stores, navbar and the sidebar of parameters; the tabs on the right
are the view modules of :mod:`views`."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from rnaclust_dash.pp.batch_design import BATCH_METHODS
from rnaclust_dash.tl.kmeans import KMEANS_INITS
from rnaclust_dash.tl.hierarchical import LINKAGES
from rnaclust_dash.tl.distance import DISTANCES
from rnaclust_dash.tl.embed import EMBEDDINGS
from rnaclust_dash.io import EXAMPLES, max_upload_bytes
from rnaclust_dash.tl.mixture import COVARIANCES
from rnaclust_dash.params import ASSESS_SPEC, SPEC, TARGETS, AnalysisParams, input_bounds
from rnaclust_dash.pp.normalization import NORMALIZATION_LABELS, NORMALIZATIONS
from rnaclust_dash.tl.methods import METHOD_DESCRIPTIONS, REGISTRY
from rnaclust_dash.tl.validate import INDICES

from . import ids
from .components import help_lines, labelled, view_alert

DEFAULTS = AnalysisParams()
DEFAULT_EXAMPLE = "pasilla"

DISTANCE_LABELS = {"euclidean": "Euclidean", "pearson": "Pearson (1 - r)",
                   "spearman": "Spearman (1 - rho)", "cosine": "Cosine (1 - cos)",
                   "manhattan": "Manhattan", "abspearson": "Absolute Pearson (1 - |r|)"}
LINKAGE_LABELS = {"average": "Average", "complete": "Complete", "single": "Single",
                  "ward": "Ward (Euclidean only)", "weighted": "Weighted (WPGMA)",
                  "centroid": "Centroid (Euclidean only)", "median": "Median (Euclidean only)"}
# The method menu lists the registry (rnaclust_dash.tl.methods), in its order.
METHOD_LABELS = {name: method.label for name, method in REGISTRY.items()}



def _card(title: str, children: list) -> dbc.Card:
    """A sidebar card: a header and its controls."""
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(children)], className="mb-3")


def _upload(component_id: str, text: str) -> dcc.Upload:
    return dcc.Upload(id=component_id, multiple=False, className="upload",
                      children=html.Div([text, html.Br(),
                                         html.Small("drag and drop, or click to choose")]))


def data_card() -> dbc.Card:
    """Example choice, uploads and what is loaded."""
    limit_mb = max_upload_bytes() / 1e6
    return _card("Data", [
            labelled("Example dataset", dcc.Dropdown(
                id=ids.EXAMPLE, options=[{"label": name, "value": name} for name in EXAMPLES],
                value=DEFAULT_EXAMPLE, clearable=False, placeholder="(your upload)"),
                "help-example",
                help_lines(EXAMPLES)),
            _upload(ids.UPLOAD_COUNTS, "Count table (genes x samples)"),
            html.Small(f"CSV, TSV, TXT, .gz or .xlsx; featureCounts output works as it is. "
                       f"Up to {limit_mb:.0f} MB; for larger tables use the command line.",
                       className="text-muted d-block mb-2"),
            _upload(ids.UPLOAD_METADATA, "Sample sheet (optional)"),
            _upload(ids.UPLOAD_LENGTHS, "Gene lengths (optional, for TPM/RPKM)"),
            view_alert("data"),
            html.Div(id=ids.DATASET_INFO, className="dataset-info"),
    ])


def preprocessing_card() -> dbc.Card:
    """Normalization, log, filter and feature selection."""
    return _card("Preprocessing", [
            labelled("Normalization", dcc.Dropdown(
                id=ids.NORMALIZATION, clearable=False, value=DEFAULTS.normalization,
                options=[{"label": NORMALIZATION_LABELS[m], "value": m} for m in NORMALIZATIONS]),
                "help-normalization", help_lines(NORMALIZATIONS)),
            html.Small(id=ids.NORMALIZATION_HELP, className="text-muted d-block"),
            html.Div([
                dbc.Checklist(id=ids.LOG_TRANSFORM, switch=True, value=["log"],
                              options=[{"label": "log2(x + pseudocount)", "value": "log"}],
                              className="me-2"),
                html.Span(dbc.Input(id=ids.PSEUDOCOUNT, type="number", step=0.5,
                                    **input_bounds("pseudocount"),
                                    size="sm", value=DEFAULTS.pseudocount, debounce=True,
                                    style={"width": "5rem"}),
                          title="Pseudocount added before the log: 1 is usual; larger values "
                                "damp the noise of low counts."),
            ], className="d-flex align-items-center"),
            labelled("Keep genes with at least", dbc.InputGroup([
                dbc.Input(id=ids.MIN_COUNT, type="number", **input_bounds("min_count"),
                          value=DEFAULTS.min_count,
                          debounce=True),
                dbc.InputGroupText("counts in"),
                dbc.Input(id=ids.MIN_SAMPLES, type="number", **input_bounds("min_samples"), step=1,
                          value=DEFAULTS.min_samples, debounce=True),
                dbc.InputGroupText("samples"),
            ], size="sm"), "help-filter",
                "Low-expressed genes add noise: keep genes with at least this many counts in "
                "at least this many samples (0 keeps all)."),
            labelled("Most variable genes", dbc.Input(
                id=ids.TOP_GENES, type="number", **input_bounds("top_genes"), step=1,
                value=DEFAULTS.top_genes,
                debounce=True), "help-top-genes",
                "Cluster on the N genes of highest variance of the normalized log values "
                "(0 = all genes). 500-2,000 is usual for samples."),
    ])


BATCH_LABELS = {"none": "None", "combat": "ComBat", "combat-np": "ComBat (non-parametric)",
                "combat-seq": "ComBat-seq (counts)", "limma": "limma removeBatchEffect",
                "harmony": "Harmony (on PCA, samples)"}


def batch_card() -> dbc.Card:
    """Exclusions and batch correction (both are parameters, saved in params.json)."""
    return _card("Samples and batches", [
        labelled("Exclude samples", dcc.Dropdown(id=ids.EXCLUDE, multi=True, value=[],
                                                 placeholder="none excluded"),
                 "help-exclude", "Leave samples out of everything (e.g. outliers flagged in "
                                 "the QC tab, where a click on a bar also toggles them)."),
        labelled("Batch column", dcc.Dropdown(id=ids.BATCH_COLUMN, value=None,
                                              placeholder="(sample sheet column)"),
                 "help-batch-column", "The sample-sheet column that records the technical "
                                      "batch (sequencing run, library type, lab, donor...)."),
        labelled("Batch correction", dcc.Dropdown(
            id=ids.BATCH_METHOD, clearable=False, value=DEFAULTS.batch_method,
            options=[{"label": BATCH_LABELS[m], "value": m} for m in BATCH_METHODS]),
            "help-batch-method", help_lines(BATCH_METHODS)),
        labelled("Protect biology", dcc.Dropdown(id=ids.PROTECT, multi=True, value=[],
                                                 placeholder="(sample sheet columns)"),
                 "help-protect", "Columns of biology (condition, genotype...) that the "
                                 "correction must not remove. If batch and biology are "
                                 "confounded you are told, with the table."),
    ])


def clustering_card() -> dbc.Card:
    """What to cluster and how."""
    return _card("Clustering", [
            labelled("Cluster", dbc.RadioItems(
                id=ids.TARGET, inline=True, value=DEFAULTS.target,
                options=[{"label": t, "value": t} for t in TARGETS]),
                "help-target", help_lines(TARGETS)),
            dbc.Checklist(id=ids.ZSCORE, switch=True, value=["zscore"],
                          options=[{"label": "z-score genes before clustering genes",
                                    "value": "zscore"}]),
            labelled("Method", dcc.Dropdown(
                id=ids.METHOD, clearable=False, value=DEFAULTS.method,
                options=[{"label": METHOD_LABELS[m], "value": m} for m in REGISTRY]),
                "help-method", help_lines(METHOD_DESCRIPTIONS)),
            labelled("Distance", dcc.Dropdown(
                id=ids.DISTANCE, clearable=False, value=DEFAULTS.distance,
                options=[{"label": DISTANCE_LABELS[d], "value": d} for d in DISTANCES]),
                "help-distance", help_lines(DISTANCES)),
            labelled("Linkage", dcc.Dropdown(
                id=ids.LINKAGE, clearable=False, value=DEFAULTS.linkage,
                options=[{"label": LINKAGE_LABELS[l], "value": l} for l in LINKAGES]),
                "help-linkage", help_lines(LINKAGES)),
            dbc.Checklist(id=ids.OPTIMAL_ORDER, switch=True, value=[],
                          options=[{"label": "optimal leaf order (display)", "value": "on"}]),
            html.Div(labelled("Number of clusters (k)", dbc.Input(
                id=ids.N_CLUSTERS, type="number", **input_bounds("k"), step=1, value=DEFAULTS.k),
                "help-k", "How many clusters to cut the tree into, or to ask the method for."),
                id=ids.K_BOX),
            html.Div([
                labelled("Resolution", dbc.Input(
                    id=ids.RESOLUTION, type="number", min=0.05, max=SPEC["resolution"].max,
                    step=0.1,
                    value=DEFAULTS.resolution, debounce=True), "help-resolution",
                    "Higher gives more, smaller clusters (1 is usual)."),
                labelled("Neighbours in the graph", dbc.Input(
                    id=ids.NEIGHBORS, type="number", **input_bounds("neighbors"), step=1,
                    value=DEFAULTS.neighbors,
                    debounce=True), "help-neighbors",
                    "Each item is linked to this many nearest others (shared-neighbour "
                    "weights)."),
            ], id=ids.GRAPH_OPTIONS),
            html.Div(labelled("Fuzzifier m", dbc.Input(
                id=ids.FUZZIFIER, type="number", min=1.05, max=SPEC["fuzzifier"].max, step=0.1,
                value=DEFAULTS.fuzzifier,
                debounce=True), "help-fuzzifier",
                "How soft the memberships are: near 1 is almost k-means, 2 is usual."),
                id=ids.CMEANS_OPTIONS),
            html.Div(labelled("Covariance model", dcc.Dropdown(
                id=ids.COVARIANCE, clearable=False, value=DEFAULTS.covariance,
                options=[{"label": f"{name} ({mclust})", "value": name}
                         for name, (mclust, _) in COVARIANCES.items()]),
                "help-covariance", [html.Div(text) for _, text in COVARIANCES.values()]),
                id=ids.GMM_OPTIONS),
            html.Div(labelled("Principal components", dbc.Input(
                id=ids.PCS, type="number", **input_bounds("pcs"), step=1, value=DEFAULTS.pcs,
                debounce=True),
                "help-pcs", "Mixture and graph methods work on this many principal "
                            "components (0: on the values themselves)."), id=ids.PCS_BOX),
            html.Div([
                labelled("K-means start", dbc.Select(
                    id=ids.KMEANS_INIT, value=DEFAULTS.kmeans_init,
                    options=[{"label": i, "value": i} for i in KMEANS_INITS]), "help-init",
                    "k-means++ spreads the first centres out; random picks them at random."),
                labelled("Starts (n_init)", dbc.Input(
                    id=ids.N_INIT, type="number", **input_bounds("n_init"), step=1,
                    value=DEFAULTS.n_init,
                    debounce=True), "help-ninit",
                    "K-means runs this many times and keeps the best (lowest within-cluster "
                    "sum of squares)."),
                dbc.Checklist(id=ids.MINIBATCH, switch=True, value=[],
                              options=[{"label": "mini-batch (fast, many items)",
                                        "value": "on"}]),
            ], id=ids.KMEANS_OPTIONS),
            labelled("Seed", dbc.Input(id=ids.SEED, type="number", **input_bounds("seed"), step=1,
                                       value=DEFAULTS.seed,
                                       debounce=True), "help-seed",
                     "Random seed of k-means and UMAP: the same seed gives the same result."),
    ])


def embedding_card() -> dbc.Card:
    """PCA/UMAP options and colouring."""
    return _card("Embedding", [
            labelled("Map", dbc.RadioItems(
                id=ids.EMBEDDING_METHOD, inline=True, value=DEFAULTS.embedding,
                options=[{"label": e.upper(), "value": e} for e in EMBEDDINGS]),
                "help-embedding", help_lines(EMBEDDINGS)),
            labelled("UMAP neighbours / min_dist", dbc.InputGroup([
                dbc.Input(id=ids.UMAP_NEIGHBORS, type="number", step=1,
                          **input_bounds("umap_neighbors"),
                          value=DEFAULTS.umap_neighbors, debounce=True),
                dbc.Input(id=ids.UMAP_MIN_DIST, type="number", step=0.05,
                          **input_bounds("umap_min_dist"),
                          value=DEFAULTS.umap_min_dist, debounce=True),
            ], size="sm"), "help-umap",
                "n_neighbors: larger keeps more global structure; min_dist: how tightly "
                "points may pack."),
            labelled("Colour by", dcc.Dropdown(id=ids.COLOR_BY, clearable=False,
                                               value="cluster",
                                               options=[{"label": "cluster", "value": "cluster"}]),
                     "help-color", "Colour the map by cluster or by a column of the sample sheet."),
    ])


def downloads() -> html.Div:
    """Buttons that save the parameters and the assignments."""
    return html.Div([
        dbc.Button("Download parameters", id=ids.DOWNLOAD_PARAMS_BUTTON, color="secondary",
                   size="sm", className="me-2"),
        dbc.Button("Download assignments", id=ids.DOWNLOAD_ASSIGNMENTS_BUTTON,
                   color="secondary", size="sm"),
        dcc.Download(id=ids.DOWNLOAD_PARAMS),
        dcc.Download(id=ids.DOWNLOAD_ASSIGNMENTS),
        html.Small(["Re-run the same analysis headless: ",
                    html.Code("python -m rnaclust_dash run COUNTS --params params.json "
                              "--out DIR")], className="text-muted d-block mt-1"),
    ], className="mb-3")


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
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand("rnaclust-dash"),
            html.Span("Cluster RNA-seq samples or genes, and see how each choice changes "
                      "the answer.", className="navbar-text small"),
        ], fluid=True), color="primary", dark=True, className="mb-3"),
        dbc.Container(dbc.Row([
            dbc.Col([data_card(), preprocessing_card(), batch_card(), clustering_card(),
                     embedding_card(), downloads()], lg=3, className="sidebar"),
            dbc.Col(dbc.Tabs(view_tabs(), id=ids.VIEW_TABS, active_tab=VIEWS[0].TAB_ID,
                             className="mb-2"), lg=9),
        ]), fluid=True),
    ])
