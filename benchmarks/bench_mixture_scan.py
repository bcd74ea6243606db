"""Benchmark of Gaussian-mixture BIC scans against mclust (issue 7 item 6): prints a table.

For each dataset, :func:`rnaclust_dash.tl.mixture.mixture_scan` over G = 1..9 for mclust's
VVV, EEE, VII and EII models on the first 3 principal components of the 2,000 z-scored
genes (``gene_cluster_input_top2000_z``), as ``Mclust(pc, G = 1:9, modelNames = ...)``
made ``gene_mclust_bic_pca3.csv`` (``../shared/tools/r_reference.R``, mclust 6.0.0).
Two ways of starting EM are compared:

- ``k-means``: the 5 k-means starts alone (the behaviour before mclust's start);
- ``mclust + k-means``: also mclust's start (its ``hc`` VVV agglomeration), the default.

Printed per dataset and start: wall and CPU seconds for the 9 x 4 scan (one
``mixture_scan`` call per model, the agglomeration computed once per call), the worst
relative BIC gap to mclust (negative: below mclust) and where it is.

pasilla and airway are read from ``tests/data/reference``; gse60450 from ``../shared``
when present (it may not be copied). Usage: ``python benchmarks/bench_mixture_scan.py``.
Not a test: nothing fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rnaclust_dash.tl import mixture  # noqa: E402

MODELS = {"VVV": "full", "EEE": "tied", "VII": "spherical", "EII": "spherical_tied"}
FOLDERS = {"pasilla": REPO / "tests" / "data" / "reference" / "pasilla",
           "airway": REPO / "tests" / "data" / "reference" / "airway",
           "gse60450": REPO.parent / "shared" / "data" / "gse60450" / "reference"}


def _genes(folder: Path) -> pd.DataFrame:
    path = folder / "gene_cluster_input_top2000_z.csv.gz"
    if not path.exists():
        path = folder / "gene_cluster_input_top2000_z.csv"
    return pd.read_csv(path, index_col=0)


def _scan(genes) -> tuple[pd.DataFrame, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    bic = pd.DataFrame({model: mixture.mixture_scan(genes, k_range=range(1, 10),
                                                    covariance=covariance, n_pcs=3)["bic"]
                        for model, covariance in MODELS.items()})
    return bic, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    default_limit = mixture._HC_MAX_ITEMS
    print(f"{'dataset':10s} {'start':18s} {'wall s':>7s} {'CPU s':>6s} {'worst gap':>10s}  where")
    for name, folder in FOLDERS.items():
        if not (folder / "gene_mclust_bic_pca3.csv").exists():
            print(f"{name:10s} (absent: skipped)")
            continue
        genes = _genes(folder).to_numpy()
        reference = pd.read_csv(folder / "gene_mclust_bic_pca3.csv").set_index("G")[list(MODELS)]
        for label, limit in (("k-means", 0), ("mclust + k-means", default_limit)):
            mixture._HC_MAX_ITEMS = limit  # 0: no mclust start
            try:
                bic, wall, cpu = _scan(genes)
            finally:
                mixture._HC_MAX_ITEMS = default_limit
            relative = (bic - reference) / reference.abs()
            g, model = relative.stack().idxmin()
            print(f"{name:10s} {label:18s} {wall:7.1f} {cpu:6.1f} {relative.min().min():10.3%}"
                  f"  G={g} {model} ({(bic - reference).loc[g, model]:+.1f} BIC)")


if __name__ == "__main__":
    main()
