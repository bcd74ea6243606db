# Reference for rnaclust_dash.tl.gene_ids: AnnotationDbi::mapIds on 3,000 airway Ensembl ids
# and 1,000 Entrez ids (R 4.2.2, org.Hs.eg.db 3.16.0, Debian).
# Usage (from the repository root): Rscript tests/data/make_gene_id_reference.R
suppressMessages({library(org.Hs.eg.db); library(AnnotationDbi)})
out <- "tests/data/reference/genes"; dir.create(out, showWarnings = FALSE, recursive = TRUE)
ids <- read.csv(gzfile("rnaclust_dash/data/airway/counts.csv.gz"))[[1]]
set.seed(1)
ens <- sort(sample(ids, 3000))
entrez <- sort(sample(keys(org.Hs.eg.db, "ENTREZID"), 1000))
frame <- rbind(
  data.frame(kind = "ensembl", id = ens,
             symbol = unname(mapIds(org.Hs.eg.db, ens, "SYMBOL", "ENSEMBL", multiVals = "first"))),
  data.frame(kind = "entrez", id = entrez,
             symbol = unname(mapIds(org.Hs.eg.db, entrez, "SYMBOL", "ENTREZID"))))
con <- gzfile(file.path(out, "mapids_airway_3000_entrez_1000.csv.gz"), "w")
write.csv(frame, con, row.names = FALSE, na = ""); close(con)
