"""The page: controls on the left, the three linked views on the right."""

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
from .data_dir import data_dir_control

DEFAULTS = AnalysisParams()
DEFAULT_EXAMPLE = "pasilla"
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}

DISTANCE_LABELS = {"euclidean": "Euclidean", "pearson": "Pearson (1 - r)",
                   "spearman": "Spearman (1 - rho)", "cosine": "Cosine (1 - cos)",
                   "manhattan": "Manhattan", "abspearson": "Absolute Pearson (1 - |r|)"}
LINKAGE_LABELS = {"average": "Average", "complete": "Complete", "single": "Single",
                  "ward": "Ward (Euclidean only)", "weighted": "Weighted (WPGMA)",
                  "centroid": "Centroid (Euclidean only)", "median": "Median (Euclidean only)"}
# The method menu lists the registry (rnaclust_dash.tl.methods), in its order.
METHOD_LABELS = {name: method.label for name, method in REGISTRY.items()}



def view_alert(view: str) -> dbc.Alert:
    """The alert of one view (a tab or a card): the errors and notices of that view."""
    return dbc.Alert(id=ids.VIEW_ALERTS[view], color="danger", is_open=False,
                     dismissable=True, className="view-alert small")


def _help_text(described: dict) -> list:
    """A tooltip body: one line per choice."""
    return [html.Div([html.B(name + ": "), text]) for name, text in described.items()]


def labelled(label: str, control, help_id: str, help_body) -> html.Div:
    """A control with its label; hovering the label explains the control."""
    return html.Div([
        # A plain "?" in a CSS circle: renders with any font (a Unicode symbol such as
        # U+24D8 needs a font that has it, and showed as an empty box).
        dbc.Label([label, html.Span("?", className="help-icon")], id=help_id,
                  className="control-label"),
        control,
        dbc.Tooltip(help_body, target=help_id, placement="right", className="control-help"),
    ], className="control")


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
                _help_text(EXAMPLES)),
            _upload(ids.UPLOAD_COUNTS, "Count table (genes x samples) or single cells"),
            html.Small(f"CSV, TSV, TXT, .gz or .xlsx; featureCounts output works as it is. "
                       "Single cells: a 10x matrix folder as .zip or .tar.gz, a 10x .h5 or "
                       f"an .h5ad. Up to {limit_mb:.0f} MB; for larger files use the server's "
                       "data folder or the command line.",
                       className="text-muted d-block mb-2"),
            data_dir_control(),
            _upload(ids.UPLOAD_METADATA, "Sample or cell sheet (optional)"),
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
                "help-normalization", _help_text(NORMALIZATIONS)),
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
            "help-batch-method", _help_text(BATCH_METHODS)),
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
                "help-target", _help_text(TARGETS)),
            dbc.Checklist(id=ids.ZSCORE, switch=True, value=["zscore"],
                          options=[{"label": "z-score genes before clustering genes",
                                    "value": "zscore"}]),
            labelled("Method", dcc.Dropdown(
                id=ids.METHOD, clearable=False, value=DEFAULTS.method,
                options=[{"label": METHOD_LABELS[m], "value": m} for m in REGISTRY]),
                "help-method", _help_text(METHOD_DESCRIPTIONS)),
            labelled("Distance", dcc.Dropdown(
                id=ids.DISTANCE, clearable=False, value=DEFAULTS.distance,
                options=[{"label": DISTANCE_LABELS[d], "value": d} for d in DISTANCES]),
                "help-distance", _help_text(DISTANCES)),
            labelled("Linkage", dcc.Dropdown(
                id=ids.LINKAGE, clearable=False, value=DEFAULTS.linkage,
                options=[{"label": LINKAGE_LABELS[l], "value": l} for l in LINKAGES]),
                "help-linkage", _help_text(LINKAGES)),
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
                "help-embedding", _help_text(EMBEDDINGS)),
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


def _view(title: str, graph_id: str, help_text: str, height: str | None = None) -> dbc.Card:
    """A card holding one figure. Without ``height`` the figure sets its own (the heatmap
    and the silhouette plot grow with the number of rows they label)."""
    style = {"height": height} if height else {}
    return dbc.Card([
        dbc.CardHeader(html.Span(title, title=help_text)),
        dbc.CardBody(dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style=style),
                                 delay_show=300), className="p-1"),
    ], className="mb-3")


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


def views() -> html.Div:
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
        _view("Clustered heatmap", ids.HEATMAP,
              "Rows: genes, columns: samples; click a cluster bar or a dendrogram node to "
              "select its items."),
        dbc.Row([
            dbc.Col([
                _view("PCA / UMAP", ids.EMBEDDING,
                      "Lasso or box-select items to highlight them in the other views.", "460px"),
                html.Div([
                    html.Span(id=ids.EMBEDDING_STATUS, className="small text-muted me-2"),
                    dbc.Progress(id=ids.EMBEDDING_PROGRESS, value=0, max=100, striped=True,
                                 animated=True, style={"display": "none"},
                                 className="flex-grow-1"),
                    dbc.Button("Cancel", id=ids.EMBEDDING_CANCEL, size="sm", color="link",
                               style={"display": "none"}),
                ], className="d-flex align-items-center"),
            ], lg=6),
            dbc.Col([html.Div(id=ids.UNCERTAIN, className="small mb-2"), agreement_card()],
                    lg=12, className="order-last"),
            dbc.Col(_view("Silhouette", ids.SILHOUETTE,
                          "How well each item sits in its cluster (R cluster::silhouette). "
                          "Click a bar to select its cluster."), lg=6),
        ]),
    ])


def qc_tab() -> html.Div:
    """QC before clustering: depth, detection, distributions, correlation, outliers."""
    def graph(graph_id, height: str | None = "340px"):
        # Without a height the figure sets its own (the correlation heatmap grows with
        # its legend; a fixed box would squeeze it onto its colour bar).
        return dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG,
                                     style={"height": height} if height else {}),
                           delay_show=300)
    return html.Div([
        view_alert("qc"),
        html.Div(id=ids.QC_OUTLIERS, className="mb-2"),
        html.Small("Click a sample's bar to exclude it from the analysis, or to bring it "
                   "back. Exclusions are saved with the parameters.",
                   className="text-muted d-block mb-1"),
        dbc.Row([dbc.Col(graph(ids.QC_LIBRARY), lg=6), dbc.Col(graph(ids.QC_DETECTED), lg=6)]),
        graph(ids.QC_DISTRIBUTION, "360px"),
        dbc.Row([dbc.Col(graph(ids.QC_CORRELATION, None), lg=6),
                 dbc.Col(graph(ids.QC_PCA, "460px"), lg=6)]),
        graph(ids.QC_MEAN_VARIANCE, "380px"),
    ], className="pt-2")


def batch_tab() -> html.Div:
    """Before/after view of batch correction with batch-mixing scores."""
    return html.Div([
        view_alert("batch"),
        html.Div(id=ids.BATCH_SCORES, className="mb-2"),
        dcc.Loading(dcc.Graph(id=ids.BATCH_VIEW, config=GRAPH_CONFIG,
                              style={"height": "480px"}), delay_show=300),
    ], className="pt-2")


def _job_controls(run_id: str, cancel_id: str, progress_id: str, status_id: str,
                  label: str) -> html.Div:
    """Run button, progress bar and cancel button of a background job."""
    return html.Div([
        dbc.Button(label, id=run_id, color="primary", size="sm", className="me-2"),
        dbc.Progress(id=progress_id, value=0, max=100, striped=True, animated=True,
                     style={"display": "none", "width": "16rem"}, className="me-2"),
        dbc.Button("Cancel", id=cancel_id, size="sm", color="link", style={"display": "none"}),
        html.Span(id=status_id, className="small text-muted"),
    ], className="d-flex align-items-center my-2")


_K_MAX = ASSESS_SPEC["k_max"].max


def _number(component_id: str, value, label: str, **kwargs) -> dbc.InputGroup:
    return dbc.InputGroup([dbc.InputGroupText(label),
                           dbc.Input(id=component_id, type="number", value=value, **kwargs)],
                          size="sm", className="me-2 w-auto")


def choose_k_tab() -> html.Div:
    """Indices over a range of k, each with its suggested k; a click applies a k."""
    return html.Div([
        html.Small("Runs the method chosen on the left for each k and plots the usual "
                   "indices; a star marks each index's suggestion. Click any point to use "
                   "that k.", className="text-muted d-block mt-2"),
        html.Div([_number(ids.K_MIN, 2, "k from", min=2, max=_K_MAX, step=1),
                  _number(ids.K_MAX, 10, "to", min=3, max=_K_MAX, step=1),
                  _number(ids.GAP_REFS, 20, "gap reference sets B", min=0,
                          max=ASSESS_SPEC["gap_refs"].max, step=5)],
                 className="d-flex flex-wrap mt-2"),
        _job_controls(ids.K_RUN, ids.K_CANCEL, ids.K_PROGRESS, ids.K_STATUS, "Compute"),
        view_alert("choose-k"),
        dcc.Loading(dcc.Graph(id=ids.K_FIGURE, config=GRAPH_CONFIG), delay_show=300),
        dcc.Graph(id=ids.K_TREE, config=GRAPH_CONFIG),
    ])


def stability_tab() -> html.Div:
    """Bootstrap/subsample stability and consensus clustering of the current clusters."""
    return html.Div([
        html.Small("Re-clusters resampled data many times: clusters that keep their members "
                   "(Jaccard > 0.75) can be trusted; below 0.5 they dissolve. Consensus "
                   "clustering (Monti 2003) shows how often items cluster together.",
                   className="text-muted d-block mt-2"),
        html.Div([_number(ids.STABILITY_RESAMPLES, 100, "resamples B", min=5,
                          max=ASSESS_SPEC["n_resamples"].max, step=10),
                  dbc.Select(id=ids.STABILITY_SCHEME, value="bootstrap", size="sm",
                             className="me-2 w-auto",
                             options=[{"label": "bootstrap", "value": "bootstrap"},
                                      {"label": "subsample 80%", "value": "subsample"}]),
                  dbc.Checklist(id=ids.STABILITY_CONSENSUS, switch=True, value=["consensus"],
                                options=[{"label": "consensus clustering (k = 2..6)",
                                          "value": "consensus"}])],
                 className="d-flex flex-wrap align-items-center mt-2"),
        _job_controls(ids.STABILITY_RUN, ids.STABILITY_CANCEL, ids.STABILITY_PROGRESS,
                      ids.STABILITY_STATUS, "Run"),
        view_alert("stability"),
        dcc.Graph(id=ids.STABILITY_FIGURE, config=GRAPH_CONFIG),
        dcc.Graph(id=ids.CONSENSUS_FIGURE, config=GRAPH_CONFIG),
    ])


def build_layout() -> html.Div:
    """The whole page."""
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
            dbc.Col(dbc.Tabs([
                dbc.Tab(views(), label="Clustering", tab_id="clustering"),
                dbc.Tab(qc_tab(), label="QC", tab_id="qc"),
                dbc.Tab(batch_tab(), label="Batch effect", tab_id="batch"),
                dbc.Tab(choose_k_tab(), label="Choose k", tab_id="choose-k"),
                dbc.Tab(stability_tab(), label="Stability", tab_id="stability"),
                dbc.Tab(markers_view(), label="Markers", tab_id="markers"),
                *registered_view_tabs(),
            ], id=ids.VIEW_TABS, active_tab="clustering", className="mb-2"), lg=9),
        ]), fluid=True),
    ])


def registered_view_tabs() -> list:
    """The tabs of the view modules in :mod:`views` (imported here, not at the top: the
    views import this module)."""
    from views import view_tabs
    return view_tabs()


def markers_view() -> html.Div:
    """The Markers tab; its layout lives with its callbacks in callbacks/markers.py
    (imported here, not at the top: the callbacks import this module)."""
    from callbacks.markers import markers_tab
    return markers_tab()
