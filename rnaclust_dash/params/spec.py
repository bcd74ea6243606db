"""The parameter spec: every analysis parameter declared once.

Each :class:`Param` says its type, default, allowed values or interval (with an upper
bound that keeps the work of one request bounded), label, one-line help, CLI flag and the
pipeline stage it belongs to. Validation (:mod:`.analysis`), the CLI options
(:mod:`rnaclust_dash.cli`), the dashboard's control bounds and each stage's cache key
(:mod:`.stages`) are derived from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..pp.batch_design import BATCH_METHODS
from ..tl.kmeans import KMEANS_INITS
from ..tl.hierarchical import LINKAGES
from ..tl.distance import DISTANCES
from ..tl.embed import EMBEDDINGS
from ..tl.sc_markers import SC_MARKER_TESTS
from ..pp.hvg import HVG_FLAVORS
from ..tl.mixture import COVARIANCES
from ..pp.normalization import NORMALIZATION_LABELS, NORMALIZATIONS
from ..tl.methods import REGISTRY

TARGETS = {"samples": "Cluster the samples (columns): which samples group together?",
           "genes": "Cluster the genes (rows): which genes move together?"}

#: Short names of the choices in the dashboard's menus.
DISTANCE_LABELS = MappingProxyType({
    "euclidean": "Euclidean", "pearson": "Pearson (1 - r)", "spearman": "Spearman (1 - rho)",
    "cosine": "Cosine (1 - cos)", "manhattan": "Manhattan",
    "abspearson": "Absolute Pearson (1 - |r|)"})
LINKAGE_LABELS = MappingProxyType({
    "average": "Average", "complete": "Complete", "single": "Single",
    "ward": "Ward (Euclidean only)", "weighted": "Weighted (WPGMA)",
    "centroid": "Centroid (Euclidean only)", "median": "Median (Euclidean only)"})
BATCH_LABELS = MappingProxyType({
    "none": "None", "combat": "ComBat", "combat-np": "ComBat (non-parametric)",
    "combat-seq": "ComBat-seq (counts)", "limma": "limma removeBatchEffect",
    "harmony": "Harmony (on PCA, samples)"})
EMBEDDING_LABELS = MappingProxyType({name: {"tsne": "t-SNE"}.get(name, name.upper())
                                     for name in EMBEDDINGS})

#: Analysis modes: "auto" lets :func:`rnaclust_dash.io.detect_mode` decide from the input.
MODES = MappingProxyType({
    "auto": "single-cell for 10x and .h5ad input or thousands of mostly-zero columns, "
            "else bulk",
    "single-cell": "cells: QC, normalize_total + log1p, HVG, PCA, kNN graph, Leiden",
    "bulk": "samples: DESeq2/edgeR normalization, distances, hierarchical and others"})

#: Largest seed the random number generators accept (2**32 - 1).
MAX_SEED = 2**32 - 1

#: Longest text parameter (comma-separated sample ids or column names).
MAX_TEXT_LENGTH = 100_000

#: The pipeline stages, parent first (see :func:`rnaclust_dash.params.stages.stage_params`).
STAGES = ("prepare", "normalize", "batch", "features", "distance", "tree", "cluster",
          "embedding")

#: The stage of the options of choose-k and stability (not saved in params.json).
ASSESS = "assess"

#: The single-cell pipeline's stages, parent first (:mod:`rnaclust_dash.pipeline.single_cell`;
#: a parameter's ``sc_stage``).
SC_STAGES = ("sc_qc", "sc_normalize", "sc_hvg", "sc_pca", "sc_batch", "sc_neighbors",
             "sc_cluster", "sc_embedding", "sc_markers")

#: ``stage`` of the parameters only the single-cell pipeline reads (in no bulk stage key).
SINGLE_CELL = "single-cell"

#: Highly-variable-gene flavours (:func:`rnaclust_dash.pp.hvg.highly_variable_genes`).
_HVG_TEXT = {
    "seurat": "dispersion of the log values, z-scored within mean bins (scanpy's default)",
    "cell_ranger": "dispersion normalized by median and MAD within mean percentiles",
    "seurat_v3": "variance of the counts standardized by a loess fit on the mean (raw "
                 "counts)",
    "pearson_residuals": "variance of negative-binomial Pearson residuals (raw counts)"}
HVG_FLAVOR_CHOICES = MappingProxyType({flavor: _HVG_TEXT[flavor] for flavor in HVG_FLAVORS})

#: The stage of the numeric options of the biology commands (markers, enrich, timecourse,
#: modules): saved in their own params.json, never in an analysis's.
COMMAND = "command"


@dataclass(frozen=True)
class Param:
    """One analysis parameter.

    Attributes
    ----------
    name : str
        The AnalysisParams field and params.json key.
    type : {str, int, float, bool}
    default : object
    stage : str
        The pipeline stage whose result it changes (one of :data:`STAGES`).
    label : str
        Name shown next to the control and in messages.
    help : str
        One line for tooltips and ``--help``.
    flag : str
        The CLI option (a bool gets ``--no-`` too).
    choices : mapping or None
        Allowed value -> one-line description.
    min, max : float or None
        Closed interval of numbers (``min_open``: ``min`` itself excluded); ``max`` keeps
        the work bounded. For text, ``max`` is the largest length.
    also : tuple
        Values allowed outside the interval (``top_genes = 0``: all genes).
    low_message, high_message : str
        The message when the value is below ``min`` / above ``max`` ({value} is filled
        in; a message naming the interval when empty).
    applies : callable or None
        ``applies(params) -> bool``: False when the value cannot change any result under
        the other choices (its stage key then holds None, so no result is recomputed).
    metavar : str or None
        The CLI's name of the value (``ID[,ID]``).
    choice_labels : mapping or None
        Allowed value -> short name in menus (the value itself when missing).
    step : float or None
        Increment of the number box (default: 1 for whole numbers, any for decimals).
    sc_stage : str or None
        The single-cell stage whose result it changes (one of :data:`SC_STAGES`); None
        when the single-cell pipeline does not read it. Parameters only single cells
        have take ``stage`` :data:`SINGLE_CELL`.
    why : str
        Why the choice matters (teaching mode), only where it says more than ``help``.
    why_view : str
        The tab (view ``TAB_ID``) that shows the effect of the choice.
    """

    name: str
    type: type
    default: Any
    stage: str
    label: str
    help: str
    flag: str
    choices: Mapping[str, str] | None = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    also: tuple = ()
    low_message: str = ""
    high_message: str = ""
    applies: Callable[[Any], bool] | None = None
    metavar: str | None = None
    choice_labels: Mapping[str, str] | None = None
    step: float | None = None
    sc_stage: str | None = None
    why: str = ""
    why_view: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES + (ASSESS, SINGLE_CELL, COMMAND):
            raise ValueError(f"Parameter {self.name}: unknown stage {self.stage!r}.")
        if self.sc_stage is not None and self.sc_stage not in SC_STAGES:
            raise ValueError(f"Parameter {self.name}: unknown single-cell stage "
                             f"{self.sc_stage!r}.")

    def input_bounds(self) -> dict:
        """``{"min": ..., "max": ...}`` of a number box. An open lower end is given as
        the box's minimum (the browser's bound is closed): the check on the server says
        what is wrong with the end itself; values in ``also`` below it stay allowed."""
        low = min((self.min, *self.also)) if self.also else self.min
        return {"min": low, "max": self.max}

    def choice_label(self, value: str) -> str:
        """The short name of an allowed value in a menu."""
        return (self.choice_labels or {}).get(value, value)

    def interval_text(self) -> str:
        """'from 2 to 1,000' (for help and messages)."""
        also = "".join(f" (or {value:g})" for value in self.also)
        if self.min_open:
            return f"above {_number(self.min)} and at most {_number(self.max)}{also}"
        return f"from {_number(self.min)} to {_number(self.max)}{also}"


def _number(value: float) -> str:
    """1000000 -> '1,000,000'; 0.5 -> '0.5'."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _method_reads(name: str) -> Callable[[Any], bool]:
    """True when the chosen method (its registry entry) reads ``name``."""
    def reads(params: Any) -> bool:
        method = REGISTRY.get(params.method)
        if method is None:
            return True
        if name in ("k", "resolution"):
            return method.uses == name
        if name == "seed":  # trees are deterministic; every other fit is seeded
            return method.tree is None and method.name != "hierarchical"
        return name in method.params
    return reads


def _batch_used(params: Any) -> bool:
    return params.batch_method != "none"


def _umap(params: Any) -> bool:
    return params.embedding == "umap"


_P = Param
_SPEC = (
    # The mode picks the pipeline; no result of a bulk stage depends on it (not in a key).
    _P("mode", str, "auto", "prepare", "Mode", "analyse single cells or bulk samples (auto: "
       "decided from the input)", "--mode", choices=MODES, applies=lambda p: False),
    _P("target", str, "samples", "features", "Cluster", "what to cluster: the samples or "
       "the genes", "--target", choices=TARGETS),
    _P("normalization", str, "deseq2", "normalize", "Normalization", "how counts are made "
       "comparable between samples", "--normalization", choices=NORMALIZATIONS,
       choice_labels=NORMALIZATION_LABELS,
       why="deeper-sequenced samples have larger counts for every gene; without size "
           "factors samples cluster by library size, not biology", why_view="qc"),
    _P("log_transform", bool, True, "normalize", "log2(x + pseudocount)", "log2(x + pseudocount) "
       "after normalization (default: as the dashboard, on for counts and normalized "
       "values, off for log-scale input)", "--log"),
    _P("pseudocount", float, 1.0, "normalize", "Pseudocount", "added before the log: 1 is "
       "usual; larger values damp the noise of low counts", "--pseudocount", min=0, max=1e6,
       min_open=True, step=0.5,
       low_message="The pseudocount must be positive (got {value})."),
    _P("min_count", float, 10.0, "normalize", "Minimum count", "low-expressed genes add "
       "noise: keep genes with at least this count in the minimum number of samples",
       "--min-count", min=0, max=1e9,
       low_message="The minimum count and number of samples cannot be negative."),
    _P("min_samples", int, 2, "normalize", "Minimum number of samples", "keep genes with "
       "the minimum count in at least this many samples (0 keeps all genes)",
       "--min-samples", min=0, max=10_000_000,
       low_message="The minimum count and number of samples cannot be negative."),
    _P("top_genes", int, 500, "features", "Most variable genes", "cluster on the N genes "
       "of highest variance of the normalized log values (0 = all genes); 500-2,000 is "
       "usual for samples", "--top-genes", min=2, max=10_000_000,
       also=(0,), low_message="Keep at least 2 of the most variable genes (0 keeps all); "
                              "got {value}.",
       why="most genes only add noise: too few genes miss the signal, too many drown it; "
           "compare 500 with 5,000", why_view="compare"),
    _P("zscore", bool, True, "features", "z-score genes before clustering genes",
       "z-score each gene before "
       "clustering genes", "--zscore", applies=lambda p: p.target == "genes"),
    _P("distance", str, "pearson", "distance", "Distance", "distance between items (and "
       "the UMAP metric)", "--distance", choices=DISTANCES, choice_labels=DISTANCE_LABELS,
       why="correlation groups samples whose profiles rise and fall together; Euclidean "
           "also weighs overall level, so one very different sample can dominate",
       why_view="compare"),
    _P("method", str, "hierarchical", "cluster", "Method", "clustering method",
       "--method", choices=MappingProxyType({n: m.description for n, m in REGISTRY.items()}),
       choice_labels=MappingProxyType({n: m.label for n, m in REGISTRY.items()}),
       why="each method has its own idea of a cluster (a branch, a centre, a density, a "
           "graph community); when they agree the clusters are more likely real",
       why_view="clustering",
       sc_stage="sc_cluster"),
    _P("linkage", str, "average", "tree", "Linkage", "how the tree joins clusters",
       "--linkage", choices=LINKAGES, choice_labels=LINKAGE_LABELS),
    _P("k", int, 2, "cluster", "Number of clusters (k)", "how many clusters to cut the "
       "tree into, or to ask the method for", "--k",
       min=2, max=1_000, low_message="k must be at least 2 (got {value}).",
       applies=_method_reads("k"),
       why="every method returns k clusters whether or not the data hold them: check k "
           "with the validation indices and the cluster tree", why_view="choose-k",
       sc_stage="sc_cluster"),
    _P("kmeans_init", str, "k-means++", "cluster", "K-means start", "k-means++ spreads the "
       "first centres out; random picks them at random", "--kmeans-init",
       choices=KMEANS_INITS, applies=_method_reads("kmeans_init"), sc_stage="sc_cluster"),
    _P("n_init", int, 10, "cluster", "Starts (n_init)", "k-means runs this many times and "
       "keeps the best (lowest within-cluster sum of squares)", "--n-init", min=1, max=1_000,
       low_message="n_init must be at least 1 (got {value}).",
       applies=_method_reads("n_init"), sc_stage="sc_cluster"),
    _P("minibatch", bool, False, "cluster", "mini-batch (fast, many items)",
       "mini-batch k-means (fast, "
       "many items)", "--minibatch", applies=_method_reads("minibatch"),
       sc_stage="sc_cluster"),
    _P("optimal_order", bool, False, "tree", "optimal leaf order (display)", "optimal leaf "
       "order of the trees (display only: cuts are unchanged)", "--optimal-order"),
    _P("seed", int, 0, "cluster", "Seed", "seed of every random step (k-means, UMAP, "
       "Harmony): the same seed gives the same result", "--seed", min=0, max=MAX_SEED,
       low_message=f"Seed must be a whole number from 0 to {MAX_SEED:,}; got {{value}}.",
       applies=_method_reads("seed"),
       why="a result that changes with the seed is not stable: the Stability tab reruns "
           "with other seeds and subsamples", why_view="stability",
       sc_stage="sc_cluster"),
    _P("embedding", str, "pca", "embedding", "Map", "2-D map of the items",
       "--embedding", choices=EMBEDDINGS, choice_labels=EMBEDDING_LABELS,
       sc_stage="sc_embedding"),
    _P("umap_neighbors", int, 15, "embedding", "UMAP neighbours", "UMAP n_neighbors: larger "
       "keeps more global structure", "--umap-neighbors", min=2, max=500,
       low_message="UMAP needs at least 2 neighbours (got {value}).", applies=_umap),
    _P("umap_min_dist", float, 0.1, "embedding", "UMAP min_dist", "UMAP min_dist: how "
       "tightly points may pack (0 to 1)", "--umap-min-dist", min=0, max=1, step=0.05,
       low_message="UMAP min_dist must be between 0 and 1 (got {value}).",
       high_message="UMAP min_dist must be between 0 and 1 (got {value}).", applies=_umap,
       sc_stage="sc_embedding"),
    _P("resolution", float, 1.0, "cluster", "Resolution", "Leiden/Louvain resolution: "
       "higher gives more, smaller clusters (1 is usual)", "--resolution", min=0, max=100,
       min_open=True, step=0.05, low_message="The resolution must be positive (1 is usual).",
       applies=_method_reads("resolution"), sc_stage="sc_cluster"),
    _P("neighbors", int, 15, "cluster", "Neighbours in the graph", "each item is linked to "
       "this many nearest others in the kNN graph (Leiden/Louvain, shared-neighbour "
       "weights)", "--neighbors", min=2, max=500,
       low_message="The kNN graph needs at least 2 neighbours per item.",
       applies=_method_reads("neighbors"), sc_stage="sc_neighbors"),
    _P("fuzzifier", float, 2.0, "cluster", "Fuzzifier m", "fuzzy c-means exponent m: "
       "how soft the memberships are; near 1 is almost k-means, 2 is usual",
       "--fuzzifier", min=1, max=100, min_open=True, step=0.05,
       low_message="The fuzzifier m must be larger than 1 (2 is usual).",
       applies=_method_reads("fuzzifier")),
    _P("covariance", str, "full", "cluster", "Covariance model", "Gaussian mixture "
       "covariance model", "--covariance", choices=MappingProxyType(
           {name: text for name, (_, text) in COVARIANCES.items()}),
       choice_labels=MappingProxyType(
           {name: f"{name} ({mclust})" for name, (mclust, _) in COVARIANCES.items()}),
       applies=_method_reads("covariance"), sc_stage="sc_cluster"),
    _P("pcs", int, 10, "cluster", "Principal components", "principal components used by "
       "mixture and graph methods (0: the values themselves)", "--pcs", min=0, max=1_000,
       low_message="The number of principal components cannot be negative.",
       applies=_method_reads("pcs"), sc_stage="sc_neighbors"),
    _P("exclude", str, "", "prepare", "Exclude samples", "samples to leave out of "
       "everything (e.g. outliers flagged by QC)",
       "--exclude", max=MAX_TEXT_LENGTH, metavar="ID[,ID]"),
    _P("batch_column", str, "", "batch", "Batch column", "sample-sheet column holding the "
       "technical batch (sequencing run, library type, lab, donor...)", "--batch-column",
       max=MAX_TEXT_LENGTH, metavar="COL", applies=_batch_used, sc_stage="sc_batch"),
    _P("batch_method", str, "none", "batch", "Batch correction", "batch correction method",
       "--batch-method", choices=BATCH_METHODS, choice_labels=BATCH_LABELS,
       why="samples processed together look alike for technical reasons; correction "
           "removes that, but also removes biology confounded with the batch",
       why_view="batch",
       sc_stage="sc_batch"),
    _P("protect", str, "", "batch", "Protect biology", "sample-sheet columns of biology "
       "(condition, genotype...) that batch correction keeps; you are told when they are "
       "confounded with the batch", "--protect", max=MAX_TEXT_LENGTH,
       metavar="COL[,COL]", applies=_batch_used),
    # --- single cells only (issue 9): QC, normalization, HVG, markers -------------------
    _P("min_genes", int, 200, SINGLE_CELL, "Minimum genes per cell", "keep cells with at "
       "least this many genes detected (0: no limit)", "--min-genes", min=0, max=1_000_000,
       sc_stage="sc_qc"),
    _P("max_genes", int, 0, SINGLE_CELL, "Maximum genes per cell", "drop cells with more "
       "genes detected, e.g. doublets (0: no limit)", "--max-genes", min=0,
       max=1_000_000, sc_stage="sc_qc"),
    _P("min_counts", int, 0, SINGLE_CELL, "Minimum counts per cell", "keep cells with at "
       "least this many counts (0: no limit)", "--min-counts", min=0, max=1_000_000_000,
       sc_stage="sc_qc"),
    _P("max_pct_mito", float, 100.0, SINGLE_CELL, "Maximum % mitochondrial", "drop cells "
       "with a larger percentage of counts on mitochondrial genes (MT-/mt-; 100: no limit)",
       "--max-pct-mito", min=0, max=100, min_open=True,
       low_message="The largest mitochondrial percentage must be above 0 (100 keeps all "
                   "cells); got {value}.", sc_stage="sc_qc"),
    _P("min_cells", int, 3, SINGLE_CELL, "Minimum cells per gene", "keep genes detected in "
       "at least this many of the kept cells (0: all genes)", "--min-cells", min=0,
       max=100_000_000, sc_stage="sc_qc"),
    _P("target_sum", float, 1e4, SINGLE_CELL, "Counts per cell after normalization",
       "normalize_total: every cell scaled to this total before log1p", "--target-sum",
       min=0, max=1e9, min_open=True,
       low_message="The target sum must be positive (10,000 is usual); got {value}.",
       sc_stage="sc_normalize"),
    _P("hvg", int, 2000, SINGLE_CELL, "Highly variable genes", "PCA on the N most "
       "variable genes (0: all genes)", "--hvg", min=10, max=1_000_000, also=(0,),
       low_message="Keep at least 10 highly variable genes (0 keeps all); got {value}.",
       sc_stage="sc_hvg"),
    _P("hvg_flavor", str, "seurat", SINGLE_CELL, "HVG flavour", "how highly variable genes "
       "are chosen", "--hvg-flavor", choices=HVG_FLAVOR_CHOICES, sc_stage="sc_hvg"),
    _P("markers", str, "wilcoxon", SINGLE_CELL, "Marker test", "test of each group of cells "
       "against the rest", "--markers", choices=SC_MARKER_TESTS, sc_stage="sc_markers"),
    _P("tie_correct", bool, True, SINGLE_CELL, "Wilcoxon tie correction", "correct the "
       "Wilcoxon variance for ties (the zeros of sparse data are one large tie); "
       "--no-tie-correct gives scanpy's default", "--tie-correct", sc_stage="sc_markers",
       applies=lambda p: p.markers == "wilcoxon"),
    _P("group_by", str, "", SINGLE_CELL, "Marker groups", "cell- or sample-sheet column "
       "whose values are the groups the markers compare (default: the clusters of run with "
       "the same options)", "--group-by", max=MAX_TEXT_LENGTH,
       metavar="COLUMN", sc_stage="sc_markers"),
)

#: Parameter name -> declaration, in AnalysisParams field order.
SPEC: MappingProxyType[str, Param] = MappingProxyType({p.name: p for p in _SPEC})


#: The options of choose-k and stability (CLI and dashboard), bounded like the above.
ASSESS_SPEC: MappingProxyType[str, Param] = MappingProxyType({p.name: p for p in (
    _P("k_min", int, 2, ASSESS, "Smallest k tried", "smallest k tried", "--k-min",
       min=2, max=SPEC["k"].max, low_message="--k-min must be at least 2; got {value}."),
    _P("k_max", int, 10, ASSESS, "Largest k tried", "largest k tried", "--k-max",
       min=2, max=SPEC["k"].max, low_message="k_max must be at least 2; got {value}."),
    _P("gap_refs", int, 20, ASSESS, "Gap reference sets B", "reference sets of the gap "
       "statistic (0 skips it)", "--gap-refs", min=0, max=1_000),
    _P("n_resamples", int, 100, ASSESS, "Resamples B", "number of resamples",
       "--resamples", min=1, max=10_000,
       low_message="The number of resamples must be at least 1; got {value}."),
    _P("consensus_k_max", int, 6, ASSESS, "Consensus up to k", "consensus clustering for "
       "k = 2..N", "--consensus-k-max", min=2, max=100),
)})


#: The numeric options of the biology commands, bounded like the above (key: command_option;
#: ``None`` defaults mean "decided from the data").
COMMAND_SPEC: MappingProxyType[str, Param] = MappingProxyType({p.name: p for p in (
    _P("enrich_top", int, None, COMMAND, "Genes per group", "at most N marker genes per "
       "group", "--top", min=1, max=1_000_000),
    _P("enrich_min_size", int, 10, COMMAND, "Smallest gene set", "smallest set tested",
       "--min-size", min=1, max=1_000_000),
    _P("enrich_max_size", int, 500, COMMAND, "Largest gene set", "largest set tested",
       "--max-size", min=1, max=1_000_000),
    _P("trajectory_enrich_top", int, None, COMMAND, "Pseudotime genes per direction",
       "at most N genes rising (and N falling) along pseudotime, by p-value",
       "--enrich-top", min=1, max=1_000_000),
    _P("modules_top_genes", int, 5000, COMMAND, "Genes of highest variance", "the N genes "
       "of highest variance (0 = all)", "--top-genes", min=2, max=10_000_000, also=(0,)),
    _P("modules_power", float, None, COMMAND, "Soft-threshold power", "soft-threshold "
       "power", "--power", min=0, max=100, min_open=True),
    _P("modules_min_module_size", int, 30, COMMAND, "Smallest module", "smallest module",
       "--min-module-size", min=1, max=1_000_000),
    _P("modules_merge_cut_height", float, 0.25, COMMAND, "Merge cut height", "merge "
       "modules whose eigengenes correlate above 1 - H", "--merge-cut-height", min=0, max=1),
    _P("timecourse_lrt_padj", float, 0.01, COMMAND, "Adjusted p-value of the time test",
       "genes whose test of time has padj below P", "--lrt-padj", min=0, max=1,
       min_open=True),
    _P("timecourse_top_genes", int, None, COMMAND, "Genes of most varying means", "the N "
       "genes whose replicate means vary most", "--top-genes", min=2, max=10_000_000),
    _P("timecourse_clusters", int, 6, COMMAND, "Mfuzz clusters", "number of Mfuzz "
       "clusters", "--clusters", min=2, max=1_000),
    _P("timecourse_fuzzifier", float, None, COMMAND, "Fuzzifier m", "Mfuzz fuzzifier m",
       "--fuzzifier", min=1, max=100, min_open=True),
    _P("timecourse_min_cluster_size", int, 15, COMMAND, "Smallest degPatterns cluster",
       "degPatterns minc", "--min-cluster-size", min=0, max=1_000_000),
    _P("command_seed", int, 0, COMMAND, "Seed", "seed of the random starts", "--seed",
       min=0, max=MAX_SEED),
)})


def input_bounds(name: str) -> dict:
    """``{"min": ..., "max": ...}`` of a number parameter, for a number box."""
    param = SPEC[name] if name in SPEC else ASSESS_SPEC[name]
    return param.input_bounds()
