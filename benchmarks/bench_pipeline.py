"""Benchmark of the foundation (issue 2): prints a table, and the lines for README.

Synthetic negative-binomial counts, 20,000 genes x 100 samples in 4 groups (a few
hundred genes differ between groups). Measures, on this machine:

(a) file bytes -> parsed, normalized, top 5,000 genes, sample clustering, PCA, the
    three figures serialised to JSON (what the server sends), cold cache;
(b) server time from a k change to all three figures rebuilt (the dashboard's
    callback bodies, warm cache, the heatmap patched as in the app);
(c) JSON size of each figure;
(d) as (a) for gene clustering of the top 5,000 genes;
and the ratio of (a) to the bare numpy/scipy/scikit-learn calls doing the same work.

Usage: ``python benchmarks/bench_pipeline.py [--repeats N]``. Not a test: targets are
printed beside the figures, nothing fails.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from plotly.io.json import to_json_plotly

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from views.clustering.analysis import ANALYSIS_CONTROLS, update_analysis  # noqa: E402
from callbacks.common import controls_from_params  # noqa: E402
from views.clustering.embedding import show_scatter  # noqa: E402
from rnaclust_dash import io, views  # noqa: E402
from rnaclust_dash.pl.common import for_browser  # noqa: E402
from rnaclust_dash.params import AnalysisParams  # noqa: E402
from rnaclust_dash.pipeline import compute_embedding, put_dataset, run_analysis  # noqa: E402
from rnaclust_dash.store import ResultStore  # noqa: E402

TARGETS = {"a": 3.0, "b": 0.100, "c": 2.0, "d": 6.0}


def synthetic_counts(n_genes: int = 20_000, n_samples: int = 100, n_groups: int = 4,
                     seed: int = 0) -> pd.DataFrame:
    """Negative-binomial counts with group structure (genes x samples)."""
    rng = np.random.default_rng(seed)
    means = np.exp(rng.normal(4.0, 2.0, n_genes))
    groups = np.arange(n_samples) % n_groups
    fold = np.ones((n_genes, n_groups))
    changed = rng.choice(n_genes, 800, replace=False)
    fold[changed] = np.exp(rng.normal(0, 1.0, (800, n_groups)))
    depth = rng.uniform(0.6, 1.4, n_samples)
    mu = means[:, None] * fold[:, groups] * depth[None, :]
    dispersion = 0.1
    n = 1.0 / dispersion
    counts = rng.negative_binomial(n, n / (n + mu))
    return pd.DataFrame(counts, index=[f"GENE{i:05d}" for i in range(n_genes)],
                        columns=[f"S{j:03d}" for j in range(n_samples)])


def figures_json(analysis, embedding) -> dict[str, int]:
    """Serialise the three figures as Dash does; return their JSON sizes in bytes."""
    figs = {"heatmap": views.heatmap(analysis), "embedding": views.embedding(analysis, embedding),
            "silhouette": views.silhouette(analysis)}
    return {name: len(to_json_plotly(for_browser(fig))) for name, fig in figs.items()}


def full_run(content: bytes, params: AnalysisParams) -> tuple[float, dict[str, int]]:
    """(a)/(d): file bytes to the three figures' JSON with an empty store."""
    with tempfile.TemporaryDirectory() as directory:
        store = ResultStore(directory)
        start = time.perf_counter()
        dataset = io.build_dataset(content, "bench.csv")
        key = put_dataset(store, dataset)
        analysis = run_analysis(store, key, params)
        embedding = compute_embedding(store, key, params)
        sizes = figures_json(analysis, embedding)
        elapsed = time.perf_counter() - start
        store.cache.close()
    return elapsed, sizes


def bare_run(content: bytes, *, target: str) -> float:
    """The same work with bare library calls (no validation, caching or notices)."""
    from io import BytesIO

    import fastcluster
    from scipy.cluster.hierarchy import cut_tree
    from scipy.spatial.distance import pdist, squareform
    from sklearn.decomposition import PCA
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_samples

    start = time.perf_counter()
    counts = pd.read_csv(BytesIO(content), index_col=0).to_numpy(dtype=float)
    counts = counts[counts.sum(axis=1) > 0]
    with np.errstate(divide="ignore"):
        logs = np.log(counts)
    geo = logs.mean(axis=1)
    ok = np.isfinite(geo)
    factors = np.exp(np.median(logs[ok] - geo[ok, None], axis=0))
    values = np.log2(counts / factors + 1)
    keep = ((counts >= 10).sum(axis=1) >= 2)
    values = values[keep]
    top = values[np.argsort(-values.var(axis=1, ddof=1))[:5000]]
    z = (top - top.mean(axis=1, keepdims=True)) / top.std(axis=1, ddof=1, keepdims=True)
    items, other = (top.T, z) if target == "samples" else (z, z.T)
    d_items = pdist(items, "correlation")
    tree = fastcluster.linkage(d_items, "average")
    labels = cut_tree(tree, 4).ravel()
    silhouette_samples(squareform(d_items), labels, metric="precomputed")
    calinski_harabasz_score(items, labels)
    davies_bouldin_score(items, labels)
    fastcluster.linkage(pdist(other, "correlation"), "average")
    PCA(n_components=2).fit_transform(items)
    return time.perf_counter() - start


def k_change(content: bytes, repeats: int) -> list[float]:
    """(b): server time of the callback bodies after k changes (warm store)."""
    controls = controls_from_params(AnalysisParams(top_genes=5000, k=4), ANALYSIS_CONTROLS)
    times = []
    with tempfile.TemporaryDirectory() as directory:
        store = ResultStore(directory)
        key = put_dataset(store, io.build_dataset(content, "bench.csv"))
        # Fill the cache; what the browser then shows (the app patches what changed).
        *_, shown = update_analysis(store, {"key": key}, controls, [])
        for i in range(repeats):
            controls["n-clusters"] = 3 + (i % 4)  # a k change, nothing else
            start = time.perf_counter()
            heatmap, silhouette, *_, shown = update_analysis(store, {"key": key}, controls, [],
                                                             shown=shown)
            scatter, *_ = show_scatter(store, {"key": key}, controls, "pca", 15, 0.1,
                                       "cluster", [])
            for fig in (heatmap, silhouette, scatter):  # what Dash serialises
                to_json_plotly(fig)
            times.append(time.perf_counter() - start)
        store.cache.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    counts = synthetic_counts()
    content = counts.to_csv().encode()
    print(f"synthetic table: {counts.shape[0]:,} genes x {counts.shape[1]} samples, "
          f"{len(content) / 1e6:.1f} MB CSV ({len(gzip.compress(content)) / 1e6:.1f} MB gz)")
    samples = AnalysisParams(top_genes=5000, k=4)
    genes = AnalysisParams(target="genes", top_genes=5000, k=6)
    first, _ = full_run(content, samples)  # first call in the process: lazy imports etc.
    a_times, a_sizes = zip(*[full_run(content, samples) for _ in range(args.repeats)])
    d_times, d_sizes = zip(*[full_run(content, genes) for _ in range(args.repeats)])
    bare_a = statistics.median(bare_run(content, target="samples") for _ in range(args.repeats))
    b_times = k_change(content, max(10, args.repeats * 3))
    a, d, b = statistics.median(a_times), statistics.median(d_times), statistics.median(b_times)
    rows = [
        ("a", "file -> 3 figures, samples, top 5,000 genes (cold)", f"{a:.2f} s", "<= 3 s",
         a <= TARGETS["a"]),
        ("b", "k change -> 3 figures rebuilt (server, warm)", f"{1000 * b:.0f} ms", "<= 100 ms",
         b <= TARGETS["b"]),
        *[("c", f"JSON {name} (samples)", f"{size / 1e6:.2f} MB", "<= 2 MB", size <= 2e6)
          for name, size in a_sizes[0].items()],
        *[("c", f"JSON {name} (genes)", f"{size / 1e6:.2f} MB", "<= 2 MB", size <= 2e6)
          for name, size in d_sizes[0].items()],
        ("d", "file -> 3 figures, genes, top 5,000 genes (cold)", f"{d:.2f} s", "<= 6 s",
         d <= TARGETS["d"]),
        ("cold", "(a) as the first run in a fresh process", f"{first:.2f} s", "", True),
        ("a/bare", "ratio of (a) to bare numpy/scipy/sklearn calls", f"{a / bare_a:.2f}x",
         f"(bare {bare_a:.2f} s)", True),
    ]
    print(f"\n{'':7}{'measure':54}{'value':>10}  {'target':>12}  ok")
    for tag, what, value, target, ok in rows:
        print(f"{tag:7}{what:54}{value:>10}  {target:>12}  {'yes' if ok else 'NO'}")
    print(f"\n(medians of {args.repeats} runs; (b) of {len(b_times)} k changes)")
    print("\nREADME lines:")
    print(f"| (a) file -> figures, samples | {a:.2f} s | (b) k change | {1000 * b:.0f} ms | "
          f"(c) max JSON | {max(max(a_sizes[0].values()), max(d_sizes[0].values())) / 1e6:.2f} MB"
          f" | (d) genes | {d:.2f} s | (a)/bare | {a / bare_a:.2f}x |")


if __name__ == "__main__":
    main()
