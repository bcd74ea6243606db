# DESeq2 reference of the marker tests on the genes the analysis keeps (issue 10; one home of
# the markers command and the Markers view: DESeq2 reads the raw counts of the filtered
# genes). airway, trt vs untrt, genes with a raw count >= 10 in >= 2 samples (the default
# filter of rnaclust_dash, AnalysisParams min_count / min_samples).
# Debian R 4.2.2, Bioconductor 3.16: DESeq2 1.38.3.
# Usage (from the repository root): Rscript tests/data/make_marker_filtered_reference.R
suppressMessages(library(DESeq2))
out <- "tests/data/reference/markers"
counts <- as.matrix(read.csv(gzfile("rnaclust_dash/data/airway/counts.csv.gz"), row.names = 1,
                             check.names = FALSE))
samples <- read.csv("rnaclust_dash/data/airway/samples.csv", row.names = 1)[colnames(counts), ,
                                                                            drop = FALSE]
counts <- counts[rowSums(counts >= 10) >= 2, ]
coldata <- data.frame(g = relevel(factor(samples$group), ref = "untrt"),
                      row.names = colnames(counts))
dds <- DESeq(DESeqDataSetFromMatrix(counts, coldata, design = ~ g), quiet = TRUE)
res <- results(dds, contrast = c("g", "trt", "untrt"))
frame <- data.frame(gene_id = rownames(res), lapply(as.data.frame(res), signif, digits = 10),
                    check.names = FALSE)
con <- gzfile(file.path(out, "airway_deseq2_filtered_trt_vs_untrt.csv.gz"), "w")
write.csv(frame, con, row.names = FALSE)
close(con)
cat(sprintf("%d genes; DESeq2 %s, R %s\n", nrow(frame), packageVersion("DESeq2"),
            getRversion()))
