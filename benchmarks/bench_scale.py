"""Benchmark of the scale policy (issue 8 item 5): prints a table.

Each case is the command line a user would type, run as a child process
(``python -m rnaclust_dash run COUNTS ...``), with its wall time and peak memory (the
child's maximum resident set size from ``os.wait4``, i.e. ``getrusage`` of that child):

- k-means of all genes of a synthetic 60,000-gene x 50-sample count table
  (``--target genes --top-genes 0 --method kmeans``);
- Leiden of 100,000 synthetic items (a 100,000-gene x 50-sample table, genes clustered);
- k-means of 8,000 genes: the number of distance vectors left in the store (0 expected).

Counts are negative binomial with a depth every gene passes the default filter, in
3 groups of samples with 1,500 genes changed between groups. Target: each case within
24 GiB. Usage: ``python benchmarks/bench_scale.py [--keep DIR]``. Not a test: nothing
fails, the table says whether the targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnaclust_dash.pipeline import LARGE_ITEMS, SILHOUETTE_SAMPLE  # noqa: E402
from rnaclust_dash.store import ResultStore  # noqa: E402

MEMORY_TARGET_GIB = 24.0


def synthetic_counts(n_genes: int, n_samples: int = 50, n_groups: int = 3,
                     seed: int = 0) -> pd.DataFrame:
    """Negative-binomial counts, genes x samples, every gene above 10 reads."""
    rng = np.random.default_rng(seed)
    means = 20 + np.exp(rng.normal(5.0, 1.0, n_genes))
    groups = np.arange(n_samples) % n_groups
    fold = np.ones((n_genes, n_groups))
    changed = rng.choice(n_genes, 1_500, replace=False)
    fold[changed] = np.exp(rng.normal(0, 1.0, (1_500, n_groups)))
    mu = means[:, None] * fold[:, groups] * rng.uniform(0.7, 1.3, n_samples)[None, :]
    size = 10.0  # dispersion 0.1
    counts = rng.negative_binomial(size, size / (size + mu))
    return pd.DataFrame(counts, index=[f"GENE{i:06d}" for i in range(n_genes)],
                        columns=[f"S{j:02d}" for j in range(n_samples)])


def run_child(arguments: list[str]) -> tuple[float, float, float, int]:
    """Run ``python -m rnaclust_dash`` with ``arguments``: (wall seconds, CPU seconds,
    peak GiB, exit code)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "rnaclust_dash", *arguments], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    print(f"  $ rnaclust_dash {' '.join(arguments[:1] + arguments[2:])}\n    "
          + (out + err).strip().replace("\n", "\n    "))
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 2**20, child.returncode  # ru_maxrss: KiB (Linux)


def distance_stages(cache: Path) -> int:
    store = ResultStore(cache)
    try:
        return sum(1 for key in store.cache.iterkeys() if str(key).startswith("distance-"))
    finally:
        store.cache.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="folder for the tables and results (default: temp)")
    args = parser.parse_args()
    cases = [
        ("k-means, all genes of 60,000 x 50", 60_000, ["--method", "kmeans", "--k", "3"]),
        ("Leiden, 100,000 items (genes x 50)", 100_000, ["--method", "leiden"]),
        ("k-means, 8,000 genes x 50", 8_000, ["--method", "kmeans", "--k", "3"]),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.keep or scratch)
        work.mkdir(parents=True, exist_ok=True)
        for name, n_genes, options in cases:
            table = work / f"counts_{n_genes}.csv"
            if not table.exists():
                synthetic_counts(n_genes).rename_axis("gene_id").to_csv(table)
            out, cache = work / f"out_{n_genes}_{options[1]}", work / f"cache_{n_genes}"
            shutil.rmtree(cache, ignore_errors=True)  # a cold store: every stage computed
            seconds, cpu, peak, code = run_child(
                ["run", str(table), "--target", "genes", "--top-genes", "0", *options,
                 "--out", str(out), "--cache-dir", str(cache)])
            metrics = json.loads((out / "metrics.json").read_text()) if code == 0 else {}
            rows.append((name, metrics.get("n_items", 0), seconds, cpu, peak,
                         metrics.get("silhouette_sample_size"), distance_stages(cache), code))
    print(f"\n{'case':38}{'items':>9}{'wall':>9}{'CPU':>9}{'peak RSS':>11}"
          f"{'silhouette on':>15}{'distances':>11}  ok")
    for name, n_items, seconds, cpu, peak, sample, n_distances, code in rows:
        ok = code == 0 and peak <= MEMORY_TARGET_GIB
        print(f"{name:38}{n_items:>9,}{seconds:>7.1f} s{cpu:>7.1f} s{peak:>7.2f} GiB"
              f"{sample or 0:>15,}{n_distances:>11}  {'yes' if ok else 'NO'}")
    print(f"\n(one run each, on {os.cpu_count()} shared cores, loaded: CPU = user + system "
          f"time of the child, which load inflates less than wall time; target <= {MEMORY_TARGET_GIB:g} "
          f"GiB; above {LARGE_ITEMS:,} items methods without distances build none and the "
          f"silhouette is on a seeded sample of {SILHOUETTE_SAMPLE:,})")


if __name__ == "__main__":
    main()
