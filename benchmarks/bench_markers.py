"""Benchmark of marker tests and enrichment (issue 10): prints a table.

Measures, on this machine:

(a) Welch t-test and (b) Wilcoxon, one group against the rest, on synthetic log values of
    20,000 genes x 100 samples (``synthetic_counts`` of ``bench_pipeline.py``, log2 + 1);
(c) DESeq2's Wald test (:func:`rnaclust_dash.tl.deseq2.deseq2_wald`) on those counts,
    one of 4 groups against the rest;
(d) the same on the bundled airway counts (64,102 genes x 8 samples, trt vs untrt) and
    (e) pasilla (14,599 x 7);
(f) markers of all 4 groups with the t-test (:func:`find_markers`);
(g) over-representation of 350 genes against GO BP (6,482 sets) with a 15,000-gene universe;
(h) pre-ranked GSEA of a random statistic of those 15,000 genes against GO BP, 1,000
    permutations.

Usage: ``python benchmarks/bench_markers.py [--repeats N]``. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import synthetic_counts  # noqa: E402
from bench_preprocess import timed  # noqa: E402

from rnaclust_dash.tl.deseq2 import deseq2_wald  # noqa: E402
from rnaclust_dash.tl.enrichment import over_representation  # noqa: E402
from rnaclust_dash.tl.genesets import bundled_gene_sets  # noqa: E402
from rnaclust_dash.tl.gsea import gsea_preranked  # noqa: E402
from rnaclust_dash.tl.markers import compare_groups, find_markers  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "rnaclust_dash" / "data"


def bundled(name: str) -> tuple[np.ndarray, np.ndarray]:
    counts = pd.read_csv(DATA / name / "counts.csv.gz", index_col=0)
    samples = pd.read_csv(DATA / name / "samples.csv", index_col=0).loc[counts.columns]
    return counts.to_numpy(), samples["group"].astype(str).to_numpy(dtype=object)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    counts = synthetic_counts()
    labels = np.array([f"g{i % 4}" for i in range(counts.shape[1])], dtype=object)
    log_values = np.log2(counts.to_numpy() + 1.0)
    airway, airway_labels = bundled("airway")
    pasilla, pasilla_labels = bundled("pasilla")
    sets = bundled_gene_sets("go-bp")
    universe = sorted({gene for members in sets.members for gene in members})[:15000]
    query = universe[::43][:350]
    ranking = pd.Series(np.random.default_rng(0).normal(size=len(universe)), index=universe)
    rows = [
        ("a", "Welch t, 20,000 x 100, one vs rest",
         lambda: compare_groups(log_values, labels, group="g0", test="t-test")),
        ("b", "Wilcoxon, 20,000 x 100, one vs rest",
         lambda: compare_groups(log_values, labels, group="g0", test="wilcoxon")),
        ("c", "DESeq2 Wald, 20,000 x 100, one vs rest",
         lambda: compare_groups(counts, labels, group="g0", test="deseq2")),
        ("d", "DESeq2 Wald, airway 64,102 x 8",
         lambda: deseq2_wald(airway, airway_labels, group="trt", reference="untrt")),
        ("e", "DESeq2 Wald, pasilla 14,599 x 7",
         lambda: deseq2_wald(pasilla, pasilla_labels, group="treated", reference="untreated")),
        ("f", "t-test markers of 4 groups, 20,000 x 100",
         lambda: find_markers(log_values, labels, test="t-test")),
        ("g", "ORA, 350 genes vs GO BP, universe 15,000",
         lambda: over_representation(query, sets, universe=universe)),
        ("h", "GSEA pre-ranked, 15,000 genes vs GO BP, 1,000 perm.",
         lambda: gsea_preranked(ranking, sets, n_permutations=1000)),
    ]
    print(f"{'':2} {'what':45} {'median s':>9}  (repeats {repeats})")
    for key, what, function in rows:
        print(f"{key:2} {what:45} {timed(function, repeats):9.3f}")


if __name__ == "__main__":
    main()
