# Offline human gene id map: Ensembl gene, Entrez Gene and RefSeq ids -> HGNC symbol,
# from Bioconductor org.Hs.eg.db (Debian package r-bioc-org.hs.eg.db).
# Usage: Rscript rnaclust_dash/data/make_human_gene_map.R rnaclust_dash/data/genes
# Writes human_gene_ids.csv.gz (kind,id,symbol; one row per id; an id that maps to several
# Entrez genes keeps the symbol of the lowest Entrez id, deterministic) and
# human_gene_ids_source.txt (package versions, source dates).
suppressMessages({library(org.Hs.eg.db); library(AnnotationDbi)})
out <- commandArgs(TRUE)[1]; dir.create(out, showWarnings = FALSE, recursive = TRUE)
sym <- AnnotationDbi::toTable(org.Hs.egSYMBOL)            # gene_id, symbol
ens <- AnnotationDbi::toTable(org.Hs.egENSEMBL)           # gene_id, ensembl_id
ref <- AnnotationDbi::toTable(org.Hs.egREFSEQ)            # gene_id, accession
# count tables name transcripts (NM_, NR_, XM_, XR_), never proteins (NP_, XP_)
ref <- ref[grepl("^(NM|NR|XM|XR)_", ref$accession), ]
pick <- function(ids, entrez) {
  o <- order(ids, as.integer(entrez))
  keep <- o[!duplicated(ids[o])]
  data.frame(id = ids[keep], entrez = entrez[keep])
}
s <- setNames(sym$symbol, sym$gene_id)
e <- pick(ens$ensembl_id, ens$gene_id)
r <- pick(ref$accession, ref$gene_id)
tab <- rbind(
  data.frame(kind = "entrez", id = sym$gene_id, symbol = sym$symbol),
  data.frame(kind = "ensembl", id = e$id, symbol = unname(s[e$entrez])),
  data.frame(kind = "refseq", id = r$id, symbol = unname(s[r$entrez])))
tab <- tab[!is.na(tab$symbol), ]
tab <- tab[order(tab$kind, tab$id), ]
con <- gzfile(file.path(out, "human_gene_ids.csv.gz"), "w")
write.csv(tab, con, row.names = FALSE, quote = FALSE)
close(con)
cat(table(tab$kind), "\n")
writeLines(c(capture.output(print(org.Hs.eg.db)), "",
             paste("R", R.version$major, R.version$minor),
             paste("org.Hs.eg.db", packageVersion("org.Hs.eg.db")),
             paste("AnnotationDbi", packageVersion("AnnotationDbi"))),
           file.path(out, "human_gene_ids_source.txt"))
