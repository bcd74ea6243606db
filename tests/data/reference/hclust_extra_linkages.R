# R's hclust applies the centroid/median updates to the dissimilarities it is given; the
# geometric (UPGMC/WPGMC) versions need squared Euclidean distances, as its help says.
for (ds in c("pasilla", "airway")) {
  x <- t(as.matrix(read.csv(file.path("tests/data/reference", ds, "cluster_input_top500_log2mor.csv"), row.names = 1, check.names = FALSE)))
  de <- dist(x)
  out <- data.frame(sample_id = rownames(x))
  for (kk in 2:4) out[[paste0("mcquitty_k", kk)]] <- cutree(hclust(de, method = "mcquitty"), kk)
  for (m in c("centroid", "median")) {
    h <- hclust(de^2, method = m)
    for (kk in 2:4) out[[paste0(m, "_k", kk)]] <- cutree(h, kk)
  }
  write.csv(out, file.path("tests/data/reference", ds, "hclust_euclidean_extra_linkages.csv"), row.names = FALSE, quote = FALSE)
}
