"""Benchmark: reading the analysis on screen when it has splits (issue 12 item 1).

Every view reads the analysis through :func:`callbacks.common.stored_analysis`; with splits
it used to re-run each split (and the validation indices) on every read. Case: the bundled
airway genes (top 5,000 genes clustered, k-means k = 4), two splits. Prints the time of the
first read (splits computed and stored) and of later reads (read back), and of the split
menu's callback body (:func:`views.clustering.splits.menu`, one view callback).

Usage: ``python benchmarks/bench_split_labels.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_preprocess import timed as _seconds  # noqa: E402 - one timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from callbacks.common import stored_analysis
    from rnaclust_dash.io.examples import load_example
    from rnaclust_dash.params import AnalysisParams
    from rnaclust_dash.pipeline import run_analysis
    from rnaclust_dash.pipeline.datasets import put_dataset
    from rnaclust_dash.store import ResultStore
    from views.clustering import splits

    with tempfile.TemporaryDirectory() as folder:
        store = ResultStore(Path(folder))
        key = put_dataset(store, load_example("airway"))
        params = AnalysisParams(target="genes", method="kmeans", k=4, top_genes=5000)
        run_analysis(store, key, params)  # the parent analysis is stored
        parent = _seconds(lambda: run_analysis(store, key, params), args.repeats)
        analysis_store = {"key": key, "params": params.to_dict(),
                          "splits": [{"cluster": "1", "k": 3}, {"cluster": "2", "k": 2}]}
        start = time.perf_counter()
        labels = stored_analysis(store, analysis_store).labels
        first = time.perf_counter() - start
        later = _seconds(lambda: stored_analysis(store, analysis_store), args.repeats)
        menu = _seconds(lambda: splits.menu(store, analysis_store, None, None), args.repeats)
    print(f"airway genes: {len(labels):,} genes, k-means k = 4 on the top 5,000, splits 1 (k = 3), 2 (k = 2)")
    print(f"{'step':<42}{'seconds':>10}")
    print(f"{'run_analysis read back, no splits (median)':<42}{parent:>10.3f}")
    print(f"{'stored_analysis, first read':<42}{first:>10.3f}")
    print(f"{'stored_analysis, later reads (median)':<42}{later:>10.3f}")
    print(f"{'splits.menu callback (median)':<42}{menu:>10.3f}")


if __name__ == "__main__":
    main()
