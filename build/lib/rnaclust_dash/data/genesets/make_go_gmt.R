# GO gene sets (human, gene symbols) from Bioconductor org.Hs.eg.db + GO.db (Debian packages),
# propagated to ancestors (GOALL), sets of 10..500 genes, one GMT per ontology.
# Usage: Rscript rnaclust_dash/data/genesets/make_go_gmt.R rnaclust_dash/data/genesets
suppressMessages({library(org.Hs.eg.db); library(GO.db); library(AnnotationDbi)})
out <- commandArgs(TRUE)[1]; dir.create(out, showWarnings = FALSE, recursive = TRUE)
m <- AnnotationDbi::select(org.Hs.eg.db, keys = keys(org.Hs.eg.db, "GOALL"), keytype = "GOALL",
                           columns = c("SYMBOL", "ONTOLOGYALL"))
m <- unique(m[!is.na(m$SYMBOL), c("GOALL", "ONTOLOGYALL", "SYMBOL")])
terms <- AnnotationDbi::select(GO.db, keys = unique(m$GOALL), keytype = "GOID", columns = "TERM")
tn <- setNames(terms$TERM, terms$GOID)
for (ont in c("BP", "MF", "CC")) {
  s <- m[m$ONTOLOGYALL == ont, ]
  sets <- split(s$SYMBOL, s$GOALL)
  n <- lengths(sets); sets <- sets[n >= 10 & n <= 500]
  lines <- vapply(names(sets), function(id) paste(c(id, tn[[id]], sort(unique(sets[[id]]))), collapse = "\t"), "")
  writeLines(lines, gzfile(file.path(out, paste0("GO_", ont, "_human_symbols.gmt.gz"))))
  cat(ont, length(sets), "sets\n")
}
writeLines(c(capture.output(sessionInfo()),
             capture.output(print(org.Hs.eg.db))), file.path(out, "GO_source_info.txt"))
