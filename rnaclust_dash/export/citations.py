"""One table of citations for the methods section of the report (issue 14 item 3).

Keys are the names the app uses: the method registry's names
(:data:`rnaclust_dash.tl.methods.METHODS`), the normalization names
(:data:`rnaclust_dash.pp.normalization.NORMALIZATION_LABELS`), the batch-correction names
(:data:`rnaclust_dash.params.spec.BATCH_LABELS`), the embeddings, and the validation
indices, marker tests and enrichment, the single-cell steps (``scanpy``, the HVG flavours,
``tsne``) and the trajectory (``diffusion_pseudotime``, ``paga``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Citation:
    """A method's name as written in a methods section and its reference(s)."""

    method: str
    reference: str


_ROUSSEEUW_BOOK = ("Kaufman L, Rousseeuw PJ (1990). Finding Groups in Data: An Introduction "
                   "to Cluster Analysis. Wiley, New York.")
_EDGER = ("Robinson MD, McCarthy DJ, Smyth GK (2010). edgeR: a Bioconductor package for "
          "differential expression analysis of digital gene expression data. "
          "Bioinformatics 26(1):139-140.")
_DESEQ2 = ("Love MI, Huber W, Anders S (2014). Moderated estimation of fold change and "
           "dispersion for RNA-seq data with DESeq2. Genome Biology 15:550.")
_ANDERS_HUBER = ("Anders S, Huber W (2010). Differential expression analysis for sequence "
                 "count data. Genome Biology 11:R106.")
_SCANPY = ("Wolf FA, Angerer P, Theis FJ (2018). SCANPY: large-scale single-cell gene "
           "expression data analysis. Genome Biology 19:15.")
_BH = ("Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical "
       "and powerful approach to multiple testing. Journal of the Royal Statistical Society "
       "B 57(1):289-300.")
_SKLEARN = ("Pedregosa F et al. (2011). Scikit-learn: machine learning in Python. Journal of "
            "Machine Learning Research 12:2825-2830.")

CITATIONS = MappingProxyType({
    # clustering methods (registry names)
    "hierarchical": Citation(
        "agglomerative hierarchical clustering (fastcluster, as R's hclust)",
        "Müllner D (2013). fastcluster: fast hierarchical, agglomerative clustering routines "
        "for R and Python. Journal of Statistical Software 53(9):1-18."),
    "optimal_order": Citation(
        "optimal leaf ordering",
        "Bar-Joseph Z, Gifford DK, Jaakkola TS (2001). Fast optimal leaf ordering for "
        "hierarchical clustering. Bioinformatics 17(Suppl 1):S22-S29."),
    "kmeans": Citation(
        "k-means (Lloyd's algorithm with k-means++ seeding, scikit-learn)",
        "Lloyd SP (1982). Least squares quantization in PCM. IEEE Transactions on "
        "Information Theory 28(2):129-137. Arthur D, Vassilvitskii S (2007). k-means++: the "
        "advantages of careful seeding. Proceedings of SODA 2007:1027-1035. " + _SKLEARN),
    "diana": Citation("divisive analysis clustering (DIANA)", _ROUSSEEUW_BOOK),
    "kmedoids": Citation("partitioning around medoids (PAM)", _ROUSSEEUW_BOOK),
    "fuzzy-cmeans": Citation(
        "fuzzy c-means",
        "Bezdek JC (1981). Pattern Recognition with Fuzzy Objective Function Algorithms. "
        "Plenum Press, New York."),
    "gmm": Citation(
        "Gaussian mixture model fitted by expectation-maximization",
        "Dempster AP, Laird NM, Rubin DB (1977). Maximum likelihood from incomplete data via "
        "the EM algorithm. Journal of the Royal Statistical Society B 39(1):1-38. Fraley C, "
        "Raftery AE (2002). Model-based clustering, discriminant analysis, and density "
        "estimation. Journal of the American Statistical Association 97(458):611-631."),
    "leiden": Citation(
        "Leiden community detection on a k-nearest-neighbour graph",
        "Traag VA, Waltman L, van Eck NJ (2019). From Louvain to Leiden: guaranteeing "
        "well-connected communities. Scientific Reports 9:5233."),
    "louvain": Citation(
        "Louvain community detection on a k-nearest-neighbour graph",
        "Blondel VD, Guillaume JL, Lambiotte R, Lefebvre E (2008). Fast unfolding of "
        "communities in large networks. Journal of Statistical Mechanics P10008."),
    # normalizations (NORMALIZATION_LABELS names)
    "cpm": Citation("counts per million (CPM, edgeR)", _EDGER),
    "logcpm": Citation(
        "log-counts per million (edgeR)",
        _EDGER + " Law CW, Chen Y, Shi W, Smyth GK (2014). voom: precision weights unlock "
        "linear model analysis tools for RNA-seq read counts. Genome Biology 15:R29."),
    "tpm": Citation(
        "transcripts per million (TPM)",
        "Wagner GP, Kin K, Lynch VJ (2012). Measurement of mRNA abundance using RNA-seq "
        "data: RPKM measure is inconsistent among samples. Theory in Biosciences "
        "131:281-285."),
    "rpkm": Citation(
        "reads per kilobase per million (RPKM / FPKM)",
        "Mortazavi A, Williams BA, McCue K, Schaeffer L, Wold B (2008). Mapping and "
        "quantifying mammalian transcriptomes by RNA-Seq. Nature Methods 5:621-628."),
    "deseq2": Citation("DESeq2's median-of-ratios size factors", _ANDERS_HUBER + " " + _DESEQ2),
    "tmm": Citation(
        "trimmed mean of M-values (TMM, edgeR)",
        "Robinson MD, Oshlack A (2010). A scaling normalization method for differential "
        "expression analysis of RNA-seq data. Genome Biology 11:R25."),
    "uq": Citation(
        "upper-quartile normalization (edgeR)",
        "Bullard JH, Purdom E, Hansen KD, Dudoit S (2010). Evaluation of statistical methods "
        "for normalization and differential expression in mRNA-Seq experiments. BMC "
        "Bioinformatics 11:94."),
    "rle": Citation("relative log expression (RLE, edgeR)", _ANDERS_HUBER + " " + _EDGER),
    "logcpm-tmm": Citation(
        "log-CPM after TMM normalization (edgeR)",
        "Robinson MD, Oshlack A (2010). A scaling normalization method for differential "
        "expression analysis of RNA-seq data. Genome Biology 11:R25. " + _EDGER),
    "vst": Citation("DESeq2's variance-stabilizing transformation (VST)",
                    _ANDERS_HUBER + " " + _DESEQ2),
    "quantile": Citation(
        "quantile normalization (as limma's normalizeQuantiles)",
        "Bolstad BM, Irizarry RA, Astrand M, Speed TP (2003). A comparison of normalization "
        "methods for high density oligonucleotide array data based on variance and bias. "
        "Bioinformatics 19(2):185-193."),
    # batch corrections (BATCH_LABELS names)
    "combat": Citation(
        "ComBat (parametric empirical Bayes, as sva::ComBat)",
        "Johnson WE, Li C, Rabinovic A (2007). Adjusting batch effects in microarray "
        "expression data using empirical Bayes methods. Biostatistics 8(1):118-127."),
    "combat-np": Citation(
        "ComBat (non-parametric empirical Bayes, as sva::ComBat)",
        "Johnson WE, Li C, Rabinovic A (2007). Adjusting batch effects in microarray "
        "expression data using empirical Bayes methods. Biostatistics 8(1):118-127."),
    "combat-seq": Citation(
        "ComBat-seq (as sva::ComBat_seq)",
        "Zhang Y, Parmigiani G, Johnson WE (2020). ComBat-seq: batch effect adjustment for "
        "RNA-seq count data. NAR Genomics and Bioinformatics 2(3):lqaa078."),
    "limma": Citation(
        "limma's removeBatchEffect",
        "Ritchie ME, Phipson B, Wu D, Hu Y, Law CW, Shi W, Smyth GK (2015). limma powers "
        "differential expression analyses for RNA-sequencing and microarray studies. "
        "Nucleic Acids Research 43(7):e47."),
    "harmony": Citation(
        "Harmony on principal components",
        "Korsunsky I, Millard N, Fan J, et al. (2019). Fast, sensitive and accurate "
        "integration of single-cell data with Harmony. Nature Methods 16:1289-1296."),
    # embeddings
    "pca": Citation("principal component analysis (scikit-learn)", _SKLEARN),
    "umap": Citation(
        "UMAP (umap-learn)",
        "McInnes L, Healy J, Melville J (2018). UMAP: Uniform Manifold Approximation and "
        "Projection for dimension reduction. arXiv:1802.03426."),
    # validation indices
    "silhouette": Citation(
        "silhouette widths",
        "Rousseeuw PJ (1987). Silhouettes: a graphical aid to the interpretation and "
        "validation of cluster analysis. Journal of Computational and Applied Mathematics "
        "20:53-65."),
    "calinski_harabasz": Citation(
        "Calinski-Harabasz index",
        "Calinski T, Harabasz J (1974). A dendrite method for cluster analysis. "
        "Communications in Statistics 3(1):1-27."),
    "davies_bouldin": Citation(
        "Davies-Bouldin index",
        "Davies DL, Bouldin DW (1979). A cluster separation measure. IEEE Transactions on "
        "Pattern Analysis and Machine Intelligence 1(2):224-227."),
    # marker tests and enrichment
    "t-test": Citation(
        "Welch's t-test with Benjamini-Hochberg adjustment",
        "Welch BL (1947). The generalization of 'Student's' problem when several different "
        "population variances are involved. Biometrika 34(1-2):28-35. " + _BH),
    "wilcoxon": Citation(
        "the Wilcoxon rank-sum test with Benjamini-Hochberg adjustment",
        "Wilcoxon F (1945). Individual comparisons by ranking methods. Biometrics Bulletin "
        "1(6):80-83. " + _BH),
    "deseq2-wald": Citation("DESeq2's Wald test", _DESEQ2),
    "hypergeometric": Citation(
        "a hypergeometric over-representation test with Benjamini-Hochberg adjustment "
        "(as clusterProfiler's enricher)",
        "Yu G, Wang LG, Han Y, He QY (2012). clusterProfiler: an R package for comparing "
        "biological themes among gene clusters. OMICS 16(5):284-287. " + _BH),
    "go": Citation(
        "Gene Ontology gene sets",
        "The Gene Ontology Consortium (2021). The Gene Ontology resource: enriching a GOld "
        "mine. Nucleic Acids Research 49(D1):D325-D334."),
    # time course and modules
    "mfuzz": Citation(
        "soft clustering of the time profiles by fuzzy c-means (as Mfuzz)",
        "Kumar L, Futschik ME (2007). Mfuzz: a software package for soft clustering of "
        "microarray data. Bioinformation 2(1):5-7."),
    "degpatterns": Citation(
        "expression patterns of DEGreport's degPatterns",
        "Pantano L (2023). DEGreport: Report of DEG analysis. R package, Bioconductor. "
        "doi:10.18129/B9.bioc.DEGreport."),
    "deseq2-lrt": Citation("DESeq2's likelihood-ratio test of time", _DESEQ2),
    "wgcna": Citation(
        "weighted gene co-expression network analysis (as WGCNA's blockwiseModules)",
        "Langfelder P, Horvath S (2008). WGCNA: an R package for weighted correlation "
        "network analysis. BMC Bioinformatics 9:559."),
    "dynamic_tree_cut": Citation(
        "the dynamic tree cut",
        "Langfelder P, Zhang B, Horvath S (2008). Defining clusters from a hierarchical "
        "cluster tree: the Dynamic Tree Cut package for R. Bioinformatics 24(5):719-720."),
    # single cells
    "scanpy": Citation("the steps of scanpy", _SCANPY),
    "seurat": Citation(
        "highly variable genes by normalized dispersion (Seurat flavour)",
        "Satija R, Farrell JA, Gennert D, Schier AF, Regev A (2015). Spatial reconstruction "
        "of single-cell gene expression data. Nature Biotechnology 33:495-502."),
    "cell_ranger": Citation(
        "highly variable genes by normalized dispersion (Cell Ranger flavour)",
        "Zheng GXY et al. (2017). Massively parallel digital transcriptional profiling of "
        "single cells. Nature Communications 8:14049."),
    "seurat_v3": Citation(
        "highly variable genes by standardized variance of the counts (Seurat v3 flavour)",
        "Stuart T et al. (2019). Comprehensive integration of single-cell data. Cell "
        "177(7):1888-1902."),
    "pearson_residuals": Citation(
        "highly variable genes by analytic Pearson residuals",
        "Lause J, Berens P, Kobak D (2021). Analytic Pearson residuals for normalization of "
        "single-cell RNA-seq UMI data. Genome Biology 22:258."),
    "tsne": Citation(
        "t-SNE",
        "van der Maaten L, Hinton G (2008). Visualizing data using t-SNE. Journal of "
        "Machine Learning Research 9:2579-2605."),
    # trajectories
    "diffusion_pseudotime": Citation(
        "diffusion pseudotime on a diffusion map",
        "Haghverdi L, Büttner M, Wolf FA, Buettner F, Theis FJ (2016). Diffusion pseudotime "
        "robustly reconstructs lineage branching. Nature Methods 13:845-848."),
    "paga": Citation(
        "partition-based graph abstraction (PAGA)",
        "Wolf FA, Hamey FK, Plass M, et al. (2019). PAGA: graph abstraction reconciles "
        "clustering with trajectory inference through a topology preserving map of single "
        "cells. Genome Biology 20:59."),
    "spearman": Citation(
        "Spearman correlation with pseudotime (Benjamini-Hochberg adjusted)", _BH),
})


def citation(name: str) -> Citation | None:
    """The citation of a method, normalization, batch correction, embedding or index by the
    app's name for it (``"kmeans"``, ``"vst"``, ``"combat-seq"``...); None when there is
    nothing to cite (``"none"``)."""
    return CITATIONS.get(name)
