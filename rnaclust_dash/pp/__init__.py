"""Preprocessing: normalization, feature selection and batch correction.

Matrices are genes x samples (bulk RNA-seq orientation) unless a function says otherwise;
every function returns new objects. The public functions are re-exported here, so
``from rnaclust_dash import pp; pp.combat(values, batch)`` works; code inside the package
imports from the defining module.

Modules, one per role:

- normalization: :mod:`~rnaclust_dash.pp.normalization` (the methods on offer and
  :func:`normalize`), :mod:`~rnaclust_dash.pp.size_factors` (DESeq2 size factors, edgeR
  ``calcNormFactors`` and log-CPM), :mod:`~rnaclust_dash.pp.quantile` (limma
  ``normalizeQuantiles``), :mod:`~rnaclust_dash.pp.variance_stabilizing` (DESeq2 ``vst``)
  with :mod:`~rnaclust_dash.pp.deseq2_dispersion` (DESeq2's dispersion estimates, which
  the DESeq2 Wald test of ``tl`` shares);
- feature selection: :mod:`~rnaclust_dash.pp.features` (most variable genes, row z-scores);
- batch: :mod:`~rnaclust_dash.pp.batch_design` (methods on offer, labels, covariates,
  design matrices, confounding), :mod:`~rnaclust_dash.pp.batch_log_scale` (ComBat, limma
  ``removeBatchEffect``), :mod:`~rnaclust_dash.pp.batch_counts` (ComBat-seq) with the
  edgeR ports it needs, :mod:`~rnaclust_dash.pp.edger_glm` and
  :mod:`~rnaclust_dash.pp.edger_dispersion`, :mod:`~rnaclust_dash.pp.batch_harmony`
  (Harmony); how well batches mix (silhouette, LISI) is an evaluation index, in
  :mod:`rnaclust_dash.tl.batch_mixing`;
- sample QC: :mod:`~rnaclust_dash.pp.qc` (per-sample metrics, MAD outlier rules, box
  statistics; the QC figures are in :mod:`rnaclust_dash.pl.qc`);
- :mod:`~rnaclust_dash.pp.inputs`: the matrix checks they share.

Single cells (AnnData cells x genes, sparse counts; scanpy's numbers):
:mod:`~rnaclust_dash.pp.sc_qc` (per-cell QC metrics, cell and gene filters),
:mod:`~rnaclust_dash.pp.sc_normalize` (normalize_total + log1p, scale),
:mod:`~rnaclust_dash.pp.hvg` (highly variable genes, four flavors),
:mod:`~rnaclust_dash.pp.pca` (PCA, sparse with implicit centring),
:mod:`~rnaclust_dash.pp.neighbors` (kNN graph with UMAP connectivities),
:mod:`~rnaclust_dash.pp.doublets` (Scrublet doublet scores).
"""

from rnaclust_dash.pp.batch_counts import combat_seq
from rnaclust_dash.pp.batch_design import BATCH_METHODS, batch_confounding
from rnaclust_dash.pp.batch_harmony import HARMONY_PCS, harmony_components, harmony_embedding
from rnaclust_dash.pp.batch_log_scale import combat, remove_batch_effect
from rnaclust_dash.pp.deseq2_dispersion import (
    DESEQ2_MIN_MU,
    dispersion_trend,
    gene_wise_dispersions,
    map_dispersions,
    parametric_dispersion_fit,
)
from rnaclust_dash.pp.doublets import (
    EXPECTED_DOUBLET_RATE,
    SIM_DOUBLET_RATIO,
    DoubletResult,
    doublet_scores,
    threshold_minimum,
)
from rnaclust_dash.pp.features import top_variable_genes, zscore_rows
from rnaclust_dash.pp.hvg import HVG_CUTOFFS, HVG_FLAVORS, N_TOP_GENES, highly_variable_genes
from rnaclust_dash.pp.neighbors import (
    EXACT_NEIGHBORS_BELOW,
    N_NEIGHBORS,
    NEIGHBOR_METRICS,
    NeighborGraph,
    load_umap,
    nearest_neighbors,
    neighbors,
)
from rnaclust_dash.pp.normalization import (
    COUNT_METHODS,
    LOG_SCALE_METHODS,
    NORMALIZATION_LABELS,
    NORMALIZATIONS,
    Normalized,
    normalization_availability,
    normalize,
)
from rnaclust_dash.pp.pca import (N_PCS, PCA_SOLVERS, RANDOMIZED_PCA_FROM, PCAResult, pca,
                                  pca_of_scaled)
from rnaclust_dash.pp.qc import (
    MAD_LIBRARY_FOLD,
    MIN_DETECTED_DROP,
    MIN_DISSIMILARITY_RATIO,
    MIN_LIBRARY_FRACTION,
    MIN_SAMPLES_FOR_MAD,
    OUTLIER_NMADS,
    PCA_TOP_GENES,
    box_statistics,
    flag_outliers,
    qc_summary,
)
from rnaclust_dash.pp._sc_inputs import (CHUNK_ENTRIES, cell_gene_blocks, row_chunks,
                                         stack_blocks, subset_cells_genes)
from rnaclust_dash.pp.quantile import quantile_normalize
from rnaclust_dash.pp.sc_normalize import (
    SCALE_MAX_VALUE,
    TARGET_SUM,
    gene_mean_var,
    normalize_log1p_subset,
    normalize_total_log1p,
    scale,
)
from rnaclust_dash.pp.sc_qc import (
    MITO_GENES_ATTR,
    MITO_PREFIXES,
    NO_MITO_GENES,
    QC_RULES,
    RIBO_PREFIXES,
    QCFilterResult,
    cell_qc_metrics,
    cell_rule_failures,
    filter_cells_and_genes,
    mito_genes_missing,
    mito_notices,
)
from rnaclust_dash.pp.size_factors import (
    NORM_FACTOR_METHODS,
    calc_norm_factors,
    cpm_tmm,
    deseq2_size_factors,
    edger_log_cpm,
    log_cpm_tmm,
)
from rnaclust_dash.pp.variance_stabilizing import vst, vst_closed_form

__all__ = [
    "BATCH_METHODS",
    "CHUNK_ENTRIES",
    "COUNT_METHODS",
    "DESEQ2_MIN_MU",
    "DoubletResult",
    "EXACT_NEIGHBORS_BELOW",
    "EXPECTED_DOUBLET_RATE",
    "HARMONY_PCS",
    "HVG_CUTOFFS",
    "HVG_FLAVORS",
    "LOG_SCALE_METHODS",
    "MAD_LIBRARY_FOLD",
    "MIN_DETECTED_DROP",
    "MIN_DISSIMILARITY_RATIO",
    "MIN_LIBRARY_FRACTION",
    "MIN_SAMPLES_FOR_MAD",
    "MITO_GENES_ATTR",
    "MITO_PREFIXES",
    "NO_MITO_GENES",
    "NEIGHBOR_METRICS",
    "NORMALIZATIONS",
    "NORMALIZATION_LABELS",
    "NORM_FACTOR_METHODS",
    "N_NEIGHBORS",
    "N_PCS",
    "N_TOP_GENES",
    "NeighborGraph",
    "Normalized",
    "OUTLIER_NMADS",
    "PCAResult",
    "PCA_SOLVERS",
    "PCA_TOP_GENES",
    "QCFilterResult",
    "QC_RULES",
    "RANDOMIZED_PCA_FROM",
    "RIBO_PREFIXES",
    "SCALE_MAX_VALUE",
    "SIM_DOUBLET_RATIO",
    "TARGET_SUM",
    "batch_confounding",
    "box_statistics",
    "calc_norm_factors",
    "cell_gene_blocks",
    "cell_qc_metrics",
    "cell_rule_failures",
    "combat",
    "combat_seq",
    "cpm_tmm",
    "deseq2_size_factors",
    "dispersion_trend",
    "doublet_scores",
    "edger_log_cpm",
    "filter_cells_and_genes",
    "flag_outliers",
    "gene_mean_var",
    "gene_wise_dispersions",
    "harmony_components",
    "harmony_embedding",
    "highly_variable_genes",
    "log_cpm_tmm",
    "map_dispersions",
    "mito_genes_missing",
    "mito_notices",
    "load_umap",
    "nearest_neighbors",
    "neighbors",
    "normalization_availability",
    "normalize",
    "normalize_log1p_subset",
    "normalize_total_log1p",
    "parametric_dispersion_fit",
    "pca",
    "pca_of_scaled",
    "qc_summary",
    "quantile_normalize",
    "remove_batch_effect",
    "row_chunks",
    "scale",
    "stack_blocks",
    "subset_cells_genes",
    "threshold_minimum",
    "top_variable_genes",
    "vst",
    "vst_closed_form",
    "zscore_rows",
]
