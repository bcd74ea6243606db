"""Benchmark of normalization and batch correction (issue 4): prints a table.

Synthetic negative-binomial counts, 20,000 genes x 100 samples in 4 batches of 25 and
2 biological groups. Times ComBat (parametric) on TMM log-CPM, ComBat-seq on the counts,
DESeq2's VST, and for reference the edgeR factors, limma's removeBatchEffect and Harmony.

Usage: ``python benchmarks/bench_preprocess.py [--repeats N]``. Not a test: targets are
printed beside the figures, nothing fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnaclust_dash.pp.batch_counts import combat_seq  # noqa: E402
from rnaclust_dash.pp.batch_harmony import harmony_embedding  # noqa: E402
from rnaclust_dash.pp.batch_log_scale import combat, remove_batch_effect  # noqa: E402
from rnaclust_dash.pp.size_factors import calc_norm_factors, log_cpm_tmm  # noqa: E402
from rnaclust_dash.pp.variance_stabilizing import vst  # noqa: E402


def batched_counts(n_genes: int = 20_000, n_samples: int = 100, n_batches: int = 4,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts with a multiplicative batch effect on every gene and a group effect on some."""
    rng = np.random.default_rng(seed)
    batch = np.repeat(np.arange(n_batches), n_samples // n_batches)
    group = np.tile([0, 1], n_samples // 2)
    means = np.exp(rng.normal(4.0, 2.0, n_genes))
    batch_effect = np.exp(rng.normal(0, 0.3, (n_genes, n_batches)))
    group_effect = np.ones((n_genes, 2))
    changed = rng.choice(n_genes, 1000, replace=False)
    group_effect[changed, 1] = np.exp(rng.normal(0, 1.0, 1000))
    mu = means[:, None] * batch_effect[:, batch] * group_effect[:, group]
    counts = rng.negative_binomial(10, 10 / (10 + mu))
    keep = counts.sum(axis=1) > 0
    return counts[keep], batch.astype(str), group.astype(str)


def timed(function, repeats: int) -> float:
    """Median wall time of ``function()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    counts, batch, group = batched_counts()
    covariates = pd.DataFrame({"group": group})
    logcpm = log_cpm_tmm(counts)
    print(f"synthetic table: {counts.shape[0]:,} genes x {counts.shape[1]} samples, "
          f"{len(set(batch))} batches")
    rows = [
        ("ComBat (parametric), log-CPM", lambda: combat(logcpm, batch, covariates=covariates),
         2.0),
        ("ComBat-seq, counts", lambda: combat_seq(counts, batch, group=group), 20.0),
        ("DESeq2 VST (blind)", lambda: vst(counts), 5.0),
        ("edgeR TMM factors", lambda: calc_norm_factors(counts, method="TMM"), None),
        ("limma removeBatchEffect", lambda: remove_batch_effect(logcpm, batch,
                                                                 covariates=covariates), None),
        ("Harmony, 20 PCs of 2,000 genes",
         lambda: harmony_embedding(logcpm[:2000].T, batch, n_pcs=20), None),
    ]
    print(f"\n{'step':40}{'time':>10}  {'target':>8}  ok")
    for name, function, target in rows:
        seconds = timed(function, 1 if "ComBat-seq" in name else args.repeats)
        verdict = "" if target is None else ("yes" if seconds <= target else "NO")
        shown = "" if target is None else f"<= {target:g} s"
        print(f"{name:40}{seconds:>8.2f} s  {shown:>8}  {verdict}")
    print(f"\n(medians of {args.repeats} runs; ComBat-seq once)")


if __name__ == "__main__":
    main()
