# Extra WGCNA references for tests/core/test_modules.py (Debian R 4.2.2, WGCNA 1.72-1).
# Run from the repo root: Rscript tests/data/reference/fission/make_wgcna_extra.R
# Input as ../shared's wgcna_params.txt: DESeq2 vst(blind=TRUE) of counts.csv.gz, the
# 5,000 genes of largest variance (ties by gene id), samples x genes.
suppressMessages({library(WGCNA); library(DESeq2)})
out <- "tests/data/reference/fission/"
counts <- as.matrix(read.csv(gzfile(paste0(out, "counts.csv.gz")), row.names = 1,
                             check.names = FALSE))
dds <- DESeqDataSetFromMatrix(counts, data.frame(row.names = colnames(counts),
                                                 one = rep(1, ncol(counts))), ~1)
v <- assay(vst(dds, blind = TRUE))
vars <- apply(v, 1, var)
top <- names(vars)[order(-vars, names(vars))][1:5000]
datExpr <- t(v[top, ])
sft <- pickSoftThreshold(datExpr, powerVector = c(1:10, seq(12, 20, 2)),
                         networkType = "signed", RsquaredCut = 0.85, verbose = 0)
fit <- sft$fitIndices
names(fit) <- c("Power", "SFT.R.sq", "slope", "truncated.R.sq", "mean.k.", "median.k.", "max.k.")
write.csv(fit, paste0(out, "wgcna_soft_threshold_signed.csv"), row.names = FALSE)
cat("signed powerEstimate", sft$powerEstimate, "\n")
# A toy TOM: 6 genes x 8 samples of fixed numbers, unsigned and signed.
toy <- matrix(c(1, 2, 3, 4, 5, 6, 7, 8,
                2, 1, 4, 3, 6, 5, 8, 7,
                8, 7, 6, 5, 4, 3, 2, 1,
                1, 3, 2, 5, 4, 7, 6, 8,
                5, 1, 4, 8, 2, 7, 3, 6,
                3, 3, 1, 1, 6, 6, 2, 9), nrow = 8)
colnames(toy) <- paste0("g", 1:6)
for (type in c("unsigned", "signed")) {
  adj <- adjacency(toy, power = 2, type = type)
  tom <- TOMsimilarity(adj, TOMType = "unsigned", TOMDenom = "min", verbose = 0)
  write.csv(tom, paste0(out, "toy_tom_", type, "_network.csv"))
}
adjs <- adjacency(toy, power = 2, type = "unsigned")
signed_adj <- cor(toy)^2 * sign(cor(toy))
tom <- TOMsimilarity(signed_adj, TOMType = "signed", TOMDenom = "min", verbose = 0)
write.csv(tom, paste0(out, "toy_tom_signed_tomtype.csv"))
write.csv(toy, paste0(out, "toy_expression.csv"))
