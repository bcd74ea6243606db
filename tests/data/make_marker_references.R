# References for rnaclust_dash.tl.markers and rnaclust_dash.tl.enrichment (issue 10).
# Debian R 4.2.2, Bioconductor 3.16: DESeq2 1.38.3, org.Hs.eg.db 3.16.0 (versions are written
# to tests/data/reference/markers/r_versions.txt).
# Usage (from the repository root): Rscript tests/data/make_marker_references.R
suppressMessages({library(DESeq2); library(org.Hs.eg.db); library(AnnotationDbi)})
out <- "tests/data/reference/markers"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
read_set <- function(name) {
  counts <- as.matrix(read.csv(gzfile(file.path("rnaclust_dash/data", name, "counts.csv.gz")),
                               row.names = 1, check.names = FALSE))
  samples <- read.csv(file.path("rnaclust_dash/data", name, "samples.csv"), row.names = 1)
  list(counts = counts, samples = samples[colnames(counts), , drop = FALSE])
}
write_gz <- function(frame, file) {
  con <- gzfile(file.path(out, file), "w"); write.csv(frame, con, row.names = FALSE); close(con)
}
deseq2_results <- function(counts, factor_values, test, reference) {
  coldata <- data.frame(g = relevel(factor(factor_values), ref = reference),
                        row.names = colnames(counts))
  dds <- DESeqDataSetFromMatrix(counts, coldata, design = ~ g)
  dds <- DESeq(dds, quiet = TRUE)
  res <- results(dds, contrast = c("g", test, reference))
  keep <- !is.na(res$baseMean) & res$baseMean > 0
  data.frame(gene_id = rownames(res)[keep],
             lapply(as.data.frame(res)[keep, ], signif, digits = 10),
             dispersion = signif(dispersions(dds)[keep], 10), check.names = FALSE)
}
# --- DESeq2 Wald test (DESeq() defaults, results() with Cook's and independent filtering)
pasilla <- read_set("pasilla"); airway <- read_set("airway")
write_gz(deseq2_results(pasilla$counts, pasilla$samples$group, "treated", "untreated"),
         "pasilla_deseq2_treated_vs_untreated.csv.gz")
air <- deseq2_results(airway$counts, airway$samples$group, "trt", "untrt")
write_gz(air, "airway_deseq2_trt_vs_untrt.csv.gz")
# a factor of four levels, two named ones compared, all samples in the fit
write_gz(deseq2_results(airway$counts, airway$samples$cell, "N061011", "N61311"),
         "airway_deseq2_cell_N061011_vs_N61311.csv.gz")
# one cell line against the other three (as find_markers codes one-vs-rest: level "rest")
write_gz(deseq2_results(airway$counts, ifelse(airway$samples$cell == "N61311", "N61311", "rest"),
                        "N61311", "rest"),
         "airway_deseq2_cell_N61311_vs_rest.csv.gz")
# two against two (paired-end libraries only): residual df 2, where DESeq2 matches the
# prior variance by simulation (set.seed(2)) instead of the closed form
pe <- pasilla$samples$type == "paired-end"
write_gz(deseq2_results(pasilla$counts[, pe], pasilla$samples$group[pe], "treated", "untreated"),
         "pasilla_paired_end_deseq2_treated_vs_untreated.csv.gz")
# --- Welch t-test and Wilcoxon rank-sum on log2(normalized counts + 1), 2,000 genes
log_values <- function(counts) {
  sf <- estimateSizeFactors(DESeqDataSetFromMatrix(counts, data.frame(row.names = colnames(counts),
                                                   x = rep(1, ncol(counts))), ~ 1))
  log2(t(t(counts) / sizeFactors(sf)) + 1)
}
two_sample <- function(values, in_group, label) {
  one <- function(f) apply(values, 1, function(v) tryCatch(f(v), error = function(e) c(NA, NA)))
  tt <- one(function(v) { r <- t.test(v[in_group], v[!in_group]); c(r$statistic, r$p.value) })
  ww <- one(function(v) { r <- wilcox.test(v[in_group], v[!in_group], exact = FALSE)
                          c(r$statistic, r$p.value) })
  data.frame(comparison = label, gene_id = rownames(values),
             t_statistic = signif(tt[1, ], 15), t_pvalue = signif(tt[2, ], 15),
             w_statistic = ww[1, ], w_pvalue = signif(ww[2, ], 15))
}
set.seed(1)
pick <- function(counts) sort(sample(which(rowSums(counts) > 0), 2000))
pv <- log_values(pasilla$counts)[pick(pasilla$counts), ]
av <- log_values(airway$counts)[pick(airway$counts), ]
write_gz(data.frame(gene_id = rownames(pv), signif(pv, 15), check.names = FALSE),
         "pasilla_log2_norm_2000.csv.gz")
write_gz(data.frame(gene_id = rownames(av), signif(av, 15), check.names = FALSE),
         "airway_log2_norm_2000.csv.gz")
write_gz(rbind(two_sample(pv, pasilla$samples$group == "treated", "treated_vs_untreated"),
               two_sample(av, airway$samples$group == "trt", "trt_vs_untrt"),
               two_sample(av, airway$samples$cell == "N61311", "N61311_vs_rest")),
         "t_wilcox_2000.csv.gz")
# --- over-representation: airway dexamethasone up genes against GO BP (shipped GMT)
sym <- mapIds(org.Hs.eg.db, air$gene_id, "SYMBOL", "ENSEMBL", multiVals = "first")
tested <- !is.na(air$padj) & !is.na(sym)
universe <- sort(unique(sym[tested]))
up <- air[tested & air$padj < 0.01 & air$log2FoldChange > 1, ]
query <- sort(unique(sym[match(up$gene_id, air$gene_id)]))
writeLines(universe, file.path(out, "enrich_universe.txt"))
writeLines(query, file.path(out, "enrich_query_airway_up.txt"))
con <- gzfile("rnaclust_dash/data/genesets/GO_BP_human_symbols.gmt.gz"); lines <- readLines(con); close(con)
fields <- strsplit(lines, "\t")
terms <- vapply(fields, `[`, "", 1)
genes <- lapply(fields, function(f) intersect(unique(f[-(1:2)]), universe))
n_term <- lengths(genes)
keep <- n_term >= 10 & n_term <= 500
overlap <- vapply(genes[keep], function(g) sum(g %in% query), 0L)
pvalue <- phyper(overlap - 1, n_term[keep], length(universe) - n_term[keep], length(query),
                 lower.tail = FALSE)
write_gz(data.frame(term = terms[keep], n_overlap = overlap, n_term = n_term[keep],
                    n_query = length(query), n_universe = length(universe),
                    pvalue = sprintf("%.17g", pvalue),
                    padj = sprintf("%.17g", p.adjust(pvalue, method = "BH"))),
         "enrich_go_bp_airway_up.csv.gz")
writeLines(c(paste("R", R.version$major, R.version$minor),
             paste("DESeq2", packageVersion("DESeq2")),
             paste("org.Hs.eg.db", packageVersion("org.Hs.eg.db"))),
           file.path(out, "r_versions.txt"))
