"""Benchmark of choose-k and stability per method through the method registry (issue 8
item 2): prints a table; run it on two commits to compare.

Synthetic negative-binomial counts (``synthetic_counts`` of ``bench_pipeline.py``, 5,000
genes x 60 samples in 4 groups). For each method: the analysis (cold), choose-k over
k = 2..8 with the gap statistic (B = 10) and 50 bootstrap resamples of the stability
panel, for the samples (top 1,000 genes) and for 300 genes as items. Also prints whether
the stability panel scored the analysis' own partition (the same labels, numbered alike).

Usage: ``python benchmarks/bench_registry.py [--methods kmeans,kmedoids] [--repeats N]``.
Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import synthetic_counts  # noqa: E402
from rnaclust_dash.assess import assess_stability, choose_k  # noqa: E402
from rnaclust_dash.io import build_dataset  # noqa: E402
from rnaclust_dash.params import AnalysisParams  # noqa: E402
from rnaclust_dash.pipeline import put_dataset, run_analysis  # noqa: E402
from rnaclust_dash.store import ResultStore  # noqa: E402

CASES = {"samples": {"top_genes": 1000}, "genes": {"target": "genes", "top_genes": 300}}


def median_time(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="hierarchical,kmeans,kmedoids,fuzzy-cmeans")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    counts = synthetic_counts(n_genes=5000, n_samples=60)
    dataset = build_dataset(counts.to_csv().encode(), "synthetic.csv")
    print(f"{'method':14}{'items':9}{'analysis':>10}{'choose-k':>10}{'stability':>11}"
          "  stability scores the analysis' partition")
    for method in args.methods.split(","):
        for case, options in CASES.items():
            params = AnalysisParams(method=method, k=4, seed=3, **options)
            with tempfile.TemporaryDirectory() as directory:
                store = ResultStore(directory)
                key = put_dataset(store, dataset)
                analysis_time, analysis = median_time(
                    lambda: run_analysis(store, key, params), 1)
                choose_time, _ = median_time(lambda: choose_k(
                    store, key, params, k_values=range(2, 9), gap_refs=10), args.repeats)
                stability_time, (_, result, _) = median_time(lambda: assess_stability(
                    store, key, params, n_resamples=50), args.repeats)
                store.cache.close()
            same = np.array_equal(result.labels, analysis.labels)
            print(f"{method:14}{case:9}{analysis_time:>9.2f}s{choose_time:>9.2f}s"
                  f"{stability_time:>10.2f}s  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
