"""A small counts table on which DESeq2's dispersion trend needs glm.fit's step halving.

40 negative-binomial genes x 4 samples (numpy seed 3, trend 0.02 + 2 / mean, log-normal
scatter sd 1, uneven depth): the first IRLS step of the first gamma fit of DESeq2's
``parametricDispersionFit`` gives a negative fitted dispersion, so R's ``glm.fit`` halves
the step back towards its start values. The old vst copy of the gamma fit raised a
DataError here. Writes the counts and R's ``varianceStabilizingTransformation(dds,
blind = TRUE)`` (fewer genes than ``nsub``, so what ``rnaclust_dash.pp.vst`` reproduces),
R 4.2.2 + DESeq2 1.38.3 (Debian / Bioconductor 3.16).

Usage (from the repository root): python tests/data/make_vst_step_halving_reference.py
"""

import subprocess
from pathlib import Path

import numpy as np

OUT = Path("tests/data/reference/vst_step_halving")
R_SCRIPT = """
suppressMessages(library(DESeq2))
counts <- as.matrix(read.csv("{out}/counts.csv", row.names = 1, check.names = FALSE))
dds <- DESeqDataSetFromMatrix(counts, data.frame(row.names = colnames(counts)), design = ~ 1)
# any warning (e.g. a switch to the local fit) would make this no parametric reference
withCallingHandlers(vsd <- varianceStabilizingTransformation(dds, blind = TRUE,
                                                             fitType = "parametric"),
                    warning = function(w) stop(conditionMessage(w)))
write.csv(format(assay(vsd), digits = 17), "{out}/deseq2_vst_blind.csv", quote = FALSE)
writeLines(c(R.version.string, paste("DESeq2", packageVersion("DESeq2"))),
           "{out}/r_versions.txt")
"""


def main() -> None:
    rng = np.random.default_rng(3)
    n_genes, n_samples = 40, 4
    means = np.exp(rng.uniform(np.log(5), np.log(5000), n_genes))
    disp = (0.02 + 2 / means) * np.exp(rng.normal(0, 1.0, n_genes))
    depth = rng.uniform(0.6, 1.6, n_samples)
    mu = means[:, None] * depth
    counts = rng.negative_binomial(1 / disp[:, None], 1 / (1 + mu * disp[:, None]))
    OUT.mkdir(parents=True, exist_ok=True)
    header = "gene," + ",".join(f"s{j + 1}" for j in range(n_samples))
    rows = [f"g{i + 1}," + ",".join(str(v) for v in row) for i, row in enumerate(counts)]
    (OUT / "counts.csv").write_text("\n".join([header, *rows]) + "\n")
    subprocess.run(["Rscript", "-e", R_SCRIPT.format(out=OUT)], check=True)


if __name__ == "__main__":
    main()
