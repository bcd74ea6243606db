"""Component ids: one place, stable for automation and tests."""

# data
EXAMPLE = "example-dataset"
UPLOAD_COUNTS = "upload-counts"
UPLOAD_METADATA = "upload-metadata"
UPLOAD_LENGTHS = "upload-gene-lengths"
DATA_DIR_ENTRY = "data-dir-entry"  # a dataset of the server's RNACLUST_DATA_DIR
DATASET_INFO = "dataset-info"
NOTICES = "notices"
ERROR = "error-message"  # the Clustering view's alert (see VIEW_ALERTS)

# preprocessing
NORMALIZATION = "normalization"
NORMALIZATION_HELP = "normalization-help"
LOG_TRANSFORM = "log-transform"
PSEUDOCOUNT = "pseudocount"
MIN_COUNT = "min-count"
MIN_SAMPLES = "min-samples"
TOP_GENES = "top-genes"

# batch correction and exclusions
BATCH_COLUMN = "batch-column"
BATCH_METHOD = "batch-method"
PROTECT = "protect-columns"
EXCLUDE = "exclude-samples"

# clustering
TARGET = "cluster-target"
METHOD = "method"
DISTANCE = "distance"
LINKAGE = "linkage"
N_CLUSTERS = "n-clusters"
KMEANS_INIT = "kmeans-init"
MINIBATCH = "minibatch"
OPTIMAL_ORDER = "optimal-order"
RESOLUTION = "resolution"
NEIGHBORS = "neighbors"
FUZZIFIER = "fuzzifier"
COVARIANCE = "covariance"
PCS = "pcs"
K_BOX = "k-box"
KMEANS_OPTIONS = "kmeans-options"
GRAPH_OPTIONS = "graph-options"
CMEANS_OPTIONS = "cmeans-options"
GMM_OPTIONS = "gmm-options"
PCS_BOX = "pcs-box"
N_INIT = "n-init"
SEED = "seed"
ZSCORE = "zscore"

# embedding
EMBEDDING_METHOD = "embedding-method"
UMAP_NEIGHBORS = "umap-neighbors"
UMAP_MIN_DIST = "umap-min-dist"
COLOR_BY = "color-by"
EMBEDDING_PROGRESS = "embedding-progress"
EMBEDDING_CANCEL = "embedding-cancel"
EMBEDDING_STATUS = "embedding-status"

# QC and batch tabs
VIEW_TABS = "view-tabs"
QC_LIBRARY = "qc-library-sizes"
QC_DETECTED = "qc-detected-genes"
QC_DISTRIBUTION = "qc-distribution"
QC_CORRELATION = "qc-correlation"
QC_MEAN_VARIANCE = "qc-mean-variance"
QC_PCA = "qc-pca"
QC_OUTLIERS = "qc-outliers"
BATCH_VIEW = "batch-before-after"
BATCH_SCORES = "batch-scores"

# choose-k and stability tabs
K_MIN = "k-min"
K_MAX = "k-max"
GAP_REFS = "gap-refs"
K_RUN = "k-run"
K_CANCEL = "k-cancel"
K_PROGRESS = "k-progress"
K_FIGURE = "k-selection"
K_TREE = "k-cluster-tree"
K_STATUS = "k-status"
STABILITY_RESAMPLES = "stability-resamples"
STABILITY_SCHEME = "stability-scheme"
STABILITY_CONSENSUS = "stability-consensus"
STABILITY_RUN = "stability-run"
STABILITY_CANCEL = "stability-cancel"
STABILITY_PROGRESS = "stability-progress"
STABILITY_FIGURE = "stability-figure"
CONSENSUS_FIGURE = "consensus-figure"
STABILITY_STATUS = "stability-status"

# agreement
COMPARE_WITH = "compare-with"
COMPARE_K = "compare-k"
AGREEMENT = "agreement"
AGREEMENT_FIGURE = "agreement-sankey"
# The analysis as the agreement card's menu and comparison last took it (browser-side
# gates: a k change sends no request while nothing in the card can change).
COMPARE_MENU_ANALYSIS = "compare-menu-analysis"
COMPARED_ANALYSIS = "compared-analysis"

# views
HEATMAP = "heatmap"
EMBEDDING = "embedding"
SILHOUETTE = "silhouette"
METRICS = "metrics"
SELECTION_INFO = "selection-info"
UNCERTAIN = "uncertain-items"
CLEAR_SELECTION = "clear-selection"

# genes: the search box (navbar) and what it found, marked in every view; the heatmap's
# drill-in (the genes it shows one per row) and its sample labels
GENE_SEARCH = "gene-search"
GENE_SEARCH_STORE = "gene-search-store"
HEATMAP_FOCUS = "heatmap-focus"
HEATMAP_ALL_GENES = "heatmap-all-genes"
HEATMAP_FOCUS_INFO = "heatmap-focus-info"
SAMPLE_LABELS = "heatmap-sample-labels"
UPLOAD_GENE_MAP = "upload-gene-map"
GENE_MAP_INFO = "gene-map-info"
GENE_MAP_STORE = "gene-map-store"

# downloads
DOWNLOAD_PARAMS_BUTTON = "download-params-button"
DOWNLOAD_PARAMS = "download-params"
DOWNLOAD_ASSIGNMENTS_BUTTON = "download-assignments-button"
DOWNLOAD_ASSIGNMENTS = "download-assignments"
DOWNLOAD_SCRIPT_BUTTON = "download-script-button"  # script + notebook (issue 14)
DOWNLOAD_SCRIPT = "download-script"
DOWNLOAD_REPORT_BUTTON = "download-report-button"  # HTML report (issue 14)
DOWNLOAD_REPORT_PDF_BUTTON = "download-report-pdf-button"  # the report printed as PDF
DOWNLOAD_REPORT_PDF = "download-report-pdf"
DOWNLOAD_REPORT = "download-report"

# stores (keys and parameters only; the data stays on the server)
DATASET_STORE = "dataset-store"
ANALYSIS_STORE = "analysis-store"
SELECTION_STORE = "selection-store"
# The Clustering view's history of splits (issue 12): the analysis callback reads it
SPLITS_STORE = "splits-store"
EMBEDDING_STORE = "embedding-store"

# Each view's own alert: its errors and notices show there, not in another tab.
VIEW_ALERTS = {
    "data": "data-alert",
    "clustering": ERROR,
    "agreement": "agreement-alert",
    "qc": "qc-alert",
    "batch": "batch-alert",
    "choose-k": "k-alert",
    "stability": "stability-alert",
    "genes": "genes-alert",
    "cells": "cells-alert",
}

# What the big figures show now (digests), so an update can send only what changed.
FIGURES_SHOWN = "figures-shown"

# The sidebar control of each analysis parameter (rnaclust_dash.params.SPEC), in the order
# the analysis callback reads them. Labels, help, bounds and options come from the spec.
PARAM_CONTROLS = {
    TARGET: "target", NORMALIZATION: "normalization", LOG_TRANSFORM: "log_transform",
    PSEUDOCOUNT: "pseudocount", MIN_COUNT: "min_count", MIN_SAMPLES: "min_samples",
    TOP_GENES: "top_genes", EXCLUDE: "exclude", BATCH_COLUMN: "batch_column",
    BATCH_METHOD: "batch_method", PROTECT: "protect", ZSCORE: "zscore", METHOD: "method",
    DISTANCE: "distance", LINKAGE: "linkage", N_CLUSTERS: "k", KMEANS_INIT: "kmeans_init",
    MINIBATCH: "minibatch", OPTIMAL_ORDER: "optimal_order", RESOLUTION: "resolution",
    NEIGHBORS: "neighbors", FUZZIFIER: "fuzzifier", COVARIANCE: "covariance", PCS: "pcs",
    N_INIT: "n_init", SEED: "seed", EMBEDDING_METHOD: "embedding",
    UMAP_NEIGHBORS: "umap_neighbors", UMAP_MIN_DIST: "umap_min_dist",
}
