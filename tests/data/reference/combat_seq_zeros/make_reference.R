# ComBat-seq on counts with genes that are all zero in one group of one batch (edgeR's
# Cox-Reid profile likelihood then meets fitted means of 0) and other zero patterns.
# Run from this folder: Rscript make_reference.R
# Writes input_counts.csv, samples.csv, sva_combat_seq.csv, sva_combat_seq_nogroup.csv,
# sva_combat_seq_3batches.csv and versions.txt; the counts and outputs were then gzipped
# (gzip -n -9). Used by tests/core/test_batch.py.
suppressPackageStartupMessages(library(sva))

set.seed(20261130)
n_genes <- 400
batch <- rep(c("b1", "b2"), each = 8)
group <- rep(rep(c("ctrl", "treat"), each = 4), 2)
means <- rgamma(n_genes, shape = 1.2, scale = 80)
size <- 1 / runif(n_genes, 0.02, 0.3)
batch_effect <- ifelse(batch == "b2", 1, 0) %o% rnorm(n_genes, 0, 0.6)  # samples x genes
group_effect <- ifelse(group == "treat", 1, 0) %o% rnorm(n_genes, 0, 0.8)
library_size <- runif(16, 0.6, 1.6)
mu <- t(exp(log(library_size) + batch_effect + group_effect)) * means
counts <- matrix(rnbinom(length(mu), size = size, mu = mu), n_genes, 16)
rownames(counts) <- sprintf("gene%03d", seq_len(n_genes))
colnames(counts) <- sprintf("s%02d", 1:16)

in_group <- function(b, g) which(batch == b & group == g)
# Zero in every sample of one group of one batch, spread over the table so that the
# previous gene of each is an ordinary one.
counts[seq(10, 390, by = 20), in_group("b1", "treat")] <- 0
counts[seq(15, 395, by = 40), in_group("b2", "ctrl")] <- 0
# Zero in both groups of b1 for treat and b2 for ctrl at once.
counts[c(50, 250), c(in_group("b1", "treat"), in_group("b2", "ctrl"))] <- 0
# Zero in a whole batch: sva leaves these genes as they are.
counts[c(20, 120), batch == "b1"] <- 0
counts[c(220), batch == "b2"] <- 0
# Zero everywhere but one sample, and zero everywhere.
counts[300, ] <- 0; counts[300, 3] <- 7
counts[301, ] <- 0
# Small counts only.
counts[302:310, ] <- matrix(rpois(9 * 16, 0.7), 9, 16)

samples <- data.frame(sample = colnames(counts), batch = batch, group = group)
write.csv(counts, "input_counts.csv", quote = FALSE)
write.csv(samples, "samples.csv", quote = FALSE, row.names = FALSE)

adjusted <- ComBat_seq(counts, batch = batch, group = group)
write.csv(adjusted, "sva_combat_seq.csv", quote = FALSE)
adjusted <- ComBat_seq(counts, batch = batch, group = NULL)
write.csv(adjusted, "sva_combat_seq_nogroup.csv", quote = FALSE)
# Three batches, the third (last 4 samples of b2 relabelled) holding a single group:
# its dispersions come from an intercept-only design.
batch3 <- batch; batch3[13:16] <- "b3"
adjusted <- ComBat_seq(counts, batch = batch3, group = group)
write.csv(adjusted, "sva_combat_seq_3batches.csv", quote = FALSE)

writeLines(c(R.version.string,
             paste("sva", packageVersion("sva")),
             paste("edgeR", packageVersion("edgeR"))), "versions.txt")
