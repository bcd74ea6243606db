"""Benchmark of choosing k and judging stability (issue 5): prints a table.

Synthetic negative-binomial counts, 20,000 genes x 100 samples in 4 groups
(``synthetic_counts`` of ``bench_pipeline.py``). Measures, on this machine:

(a) choose k for the samples (top 5,000 genes): k = 2..10, every index and the gap
    statistic with B = 20 reference sets (:func:`rnaclust_dash.assess.choose_k`);
(b) the same with the 5,000 genes as the items;
(c) Leiden on the kNN graph of all 20,000 genes (z-scored log values, 100 samples;
    :func:`rnaclust_dash.methods.graph_clusters`, the pipeline's default neighbours, PCs
    and resolution);
(d) 100 bootstrap resamples of the hierarchical clustering of the 100 samples
    (:func:`rnaclust_dash.assess.assess_stability`, k = 4).

(a), (b) and (d) time the call with the analysis itself already in the store (the
dashboard's k and stability panels run after it); its time is printed beside them.

Usage: ``python benchmarks/bench_methods.py [--repeats N]``. Not a test: targets are
printed beside the figures, nothing fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import synthetic_counts  # noqa: E402

from rnaclust_dash.assess import assess_stability, choose_k  # noqa: E402
from rnaclust_dash.dataset import Dataset  # noqa: E402
from rnaclust_dash.io import build_dataset  # noqa: E402
from rnaclust_dash.methods import graph_clusters  # noqa: E402
from rnaclust_dash.params import AnalysisParams  # noqa: E402
from rnaclust_dash.pipeline import put_dataset, run_analysis  # noqa: E402
from rnaclust_dash.pp.features import zscore_rows  # noqa: E402
from rnaclust_dash.pp.normalization import normalize  # noqa: E402
from rnaclust_dash.store import ResultStore  # noqa: E402

TARGETS = {"a": 15.0, "b": 60.0, "c": 5.0, "d": 10.0}
K_VALUES = range(2, 11)
GAP_REFS = 20


def timed(function, repeats: int) -> tuple[float, object]:
    """Median wall time of ``function()`` over ``repeats`` runs, and its last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def in_store(dataset: Dataset, params: AnalysisParams, work, repeats: int):
    """Time ``work(store, key)`` with the analysis of ``params`` already stored.

    Returns the analysis time (cold), the median time of ``work`` and its last result.
    """
    with tempfile.TemporaryDirectory() as directory:
        store = ResultStore(directory)
        key = put_dataset(store, dataset)
        analysis_time, _ = timed(lambda: run_analysis(store, key, params), 1)
        elapsed, result = timed(lambda: work(store, key), repeats)
        store.cache.close()
    return analysis_time, elapsed, result


def bench_choose_k(dataset: Dataset, params: AnalysisParams, repeats: int):
    """(a)/(b): every index over k = 2..10 and the gap statistic (B = 20)."""
    return in_store(dataset, params, lambda store, key: choose_k(
        store, key, params, k_values=K_VALUES, gap_refs=GAP_REFS), repeats)


def bench_stability(dataset: Dataset, params: AnalysisParams, repeats: int):
    """(d): 100 bootstrap resamples of the analysis' clustering."""
    return in_store(dataset, params, lambda store, key: assess_stability(
        store, key, params, n_resamples=100, scheme="bootstrap"), repeats)


def bench_leiden(dataset: Dataset, params: AnalysisParams, repeats: int):
    """(c): Leiden on the kNN graph of every gene (z-scored DESeq2 log values)."""
    values = normalize(dataset.counts, method="deseq2").values
    items = zscore_rows(values.to_numpy())
    elapsed, result = timed(lambda: graph_clusters(
        items, method="leiden", n_neighbors=params.neighbors, resolution=params.resolution,
        n_pcs=params.pcs, random_state=params.seed), repeats)
    return items.shape, elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    counts = synthetic_counts()
    dataset = build_dataset(counts.to_csv().encode(), "synthetic.csv")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"synthetic table: {dataset.n_genes:,} genes x {dataset.n_samples} samples; "
          f"{cores} cores")

    samples = AnalysisParams(top_genes=5000, k=4)
    genes = AnalysisParams(target="genes", top_genes=5000, k=4)
    a_analysis, a, a_choice = bench_choose_k(dataset, samples, args.repeats)
    b_analysis, b, b_choice = bench_choose_k(dataset, genes, args.repeats)
    c_shape, c, c_result = bench_leiden(dataset, AnalysisParams(), args.repeats)
    d_analysis, d, (_, d_result, _) = bench_stability(dataset, samples, args.repeats)

    rows = [
        ("a", "choose k, 100 samples x top 5,000 genes", a, TARGETS["a"],
         f"analysis {a_analysis:.1f} s; suggested {a_choice.suggested}"),
        ("b", "choose k, top 5,000 genes as items", b, TARGETS["b"],
         f"analysis {b_analysis:.1f} s; suggested {b_choice.suggested}"),
        ("c", f"Leiden, {c_shape[0]:,} genes x {c_shape[1]} samples", c, TARGETS["c"],
         f"{c_result.n_clusters} clusters"),
        ("d", "100 bootstraps, hierarchical, 100 samples", d, TARGETS["d"],
         f"analysis {d_analysis:.1f} s; Jaccard "
         + ", ".join(f"{value:.2f}" for value in d_result.cluster_jaccard)),
    ]
    print(f"\n{'':4}{'measure':44}{'value':>9}  {'target':>9}  ok   notes")
    for tag, what, value, target, notes in rows:
        ok = "yes" if value <= target else "NO"
        print(f"{tag:4}{what:44}{value:>7.2f} s  {'<= ' + f'{target:g} s':>9}  {ok:4} {notes}")
    print(f"\n(medians of {args.repeats} run(s); k = {K_VALUES.start}..{K_VALUES.stop - 1}, "
          f"gap B = {GAP_REFS})")


if __name__ == "__main__":
    main()
