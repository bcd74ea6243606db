# mclust's model-based hierarchical agglomeration (the partitions Mclust starts EM from)
# on the first 3 principal components of the 2,000 z-scored genes of pasilla and airway.
# Run from this folder: Rscript make_reference.R
# Writes hclass_<dataset>.csv (one column per G = 1..9, classes as hclass gives them)
# and versions.txt. Used by tests/core/test_methods.py.
suppressPackageStartupMessages(library(mclust))
for (name in c("pasilla", "airway")) {
  g <- as.matrix(read.csv(gzfile(file.path("..", name, "gene_cluster_input_top2000_z.csv.gz")),
                          row.names = 1, check.names = FALSE))
  pc <- prcomp(g, center = TRUE, scale. = FALSE)$x[, 1:3]
  # the defaults of Mclust: modelName = mclust.options("hcModelName") = "VVV",
  # use = mclust.options("hcUse") = "SVD"
  tree <- hc(pc, modelName = mclust.options("hcModelName"), use = mclust.options("hcUse"))
  classes <- hclass(tree, 1:9)
  colnames(classes) <- paste0("G", 1:9)
  write.csv(data.frame(gene_id = rownames(g), classes, check.names = FALSE),
            paste0("hclass_", name, ".csv"), quote = FALSE, row.names = FALSE)
}
writeLines(c(R.version.string, paste("mclust", packageVersion("mclust"))), "versions.txt")
