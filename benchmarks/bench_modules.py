"""Benchmark of co-expression modules and time-course clustering (issue 11): prints a table.

Synthetic data made here (seeded), on this machine:

(a) modules on 5,000 genes x 50 samples: ``pick_soft_threshold`` (15 powers) and
    ``find_modules`` (power 6, one block);
(b) the same on 20,000 genes x 50 samples (blocks of at most 5,000 genes);
(c) time course on 3,000 genes, 6 time points x 3 replicates: replicate means,
    standardise, Mfuzz c = 6 (10 starts), and degPatterns (DIANA on 3,000 genes);
(d) when R with WGCNA is installed: R ``pickSoftThreshold`` + ``blockwiseModules`` with
    the same parameters on the same 5,000-gene input, in the same run;
(e) the DESeq2 likelihood-ratio test of time on the bundled fission wild type (7,039
    genes x 18 samples) and, when R with DESeq2 is installed, R's ``DESeq(test = "LRT")``
    on the same counts.

Each case runs in its own process; peak memory is that process's maximum resident set
size (``ru_maxrss`` from ``wait4``, which includes the interpreter and libraries: about 0.2 GB).
Expression: genes follow one of 25 hidden drivers (or none, 20 %) plus noise, so the
network has modules of 50-400 genes.

Usage: ``python benchmarks/bench_modules.py [--skip-r] [--skip-20k] [--only-lrt]``.
Not a test.
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

MEMORY_TARGET_GB = 4.0


def synthetic_expression(n_genes: int, n_samples: int, *, seed: int = 0) -> pd.DataFrame:
    """Genes x samples log-scale values with planted co-expression modules."""
    rng = np.random.default_rng(seed)
    drivers = rng.normal(size=(25, n_samples))
    module = rng.integers(-1, 25, size=n_genes)  # -1: no module (about 4 %) ...
    module[rng.random(n_genes) < 0.16] = -1      # ... plus 16 %: noise genes
    loading = rng.uniform(0.6, 1.0, size=n_genes) * rng.choice([-1, 1], size=n_genes)
    values = rng.normal(0, 0.7, size=(n_genes, n_samples))
    planted = module >= 0
    values[planted] += loading[planted, None] * drivers[module[planted]]
    values += rng.uniform(4, 12, size=(n_genes, 1))
    return pd.DataFrame(values, index=[f"gene{i}" for i in range(n_genes)],
                        columns=[f"s{j}" for j in range(n_samples)])


def synthetic_timecourse(n_genes: int, *, seed: int = 0):
    """Genes x samples (6 times x 3 replicates) with 6 planted shapes, and the sheet."""
    rng = np.random.default_rng(seed)
    times = np.array([0, 15, 30, 60, 120, 180])
    shapes = np.array([np.log1p(times), -np.log1p(times), np.exp(-((times - 30) / 20) ** 2),
                       -np.exp(-((times - 60) / 30) ** 2), times / 180, (times > 90) * 1.0])
    sheet = pd.DataFrame({"time": np.repeat(times, 3)},
                         index=[f"t{t}_r{r}" for t in times for r in range(3)])
    kind = rng.integers(0, 6, size=n_genes)
    scale = rng.uniform(0.5, 2, size=(n_genes, 1))
    means = scale * (shapes[kind] - shapes[kind].mean(axis=1, keepdims=True))
    values = np.repeat(means, 3, axis=1) + rng.normal(0, 0.4, size=(n_genes, 18)) + 8
    return pd.DataFrame(values, index=[f"gene{i}" for i in range(n_genes)],
                        columns=sheet.index), sheet


def _case_modules(n_genes: int) -> dict:
    from rnaclust_dash.tl.blockwise import find_modules
    from rnaclust_dash.tl.modules import pick_soft_threshold
    expression = synthetic_expression(n_genes, 50)
    start = time.perf_counter()
    table, estimate = pick_soft_threshold(expression)
    soft = time.perf_counter() - start
    start = time.perf_counter()
    result = find_modules(expression, power=6, max_block_size=5000)
    modules = time.perf_counter() - start
    return {"soft_threshold_s": soft, "modules_s": modules, "power_estimate": estimate,
            "n_modules": int(result.modules[result.modules > 0].nunique()),
            "unassigned": int((result.modules == 0).sum()), "blocks": len(result.blocks)}


def _case_timecourse(n_genes: int) -> dict:
    from rnaclust_dash.tl import timecourse as tc
    from rnaclust_dash.tl.degpatterns import deg_patterns
    expression, sheet = synthetic_timecourse(n_genes)
    start = time.perf_counter()
    profiles = tc.standardise(tc.average_replicates(expression, sheet,
                                                    time_column="time").values)
    fit = tc.mfuzz(profiles, c=6, random_state=0)
    mfuzz_s = time.perf_counter() - start
    start = time.perf_counter()
    patterns = deg_patterns(expression, sheet, time_column="time", min_cluster_size=15)
    deg_s = time.perf_counter() - start
    return {"mfuzz_s": mfuzz_s, "m": fit.m, "degpatterns_s": deg_s,
            "patterns": int(patterns.clusters.nunique())}


FISSION = ROOT / "tests" / "data" / "reference" / "fission"


def _case_lrt(_: int) -> dict:
    from rnaclust_dash.tl.deseq2_lrt import time_lrt
    counts = pd.read_csv(FISSION / "counts.csv.gz", index_col=0)
    samples = pd.read_csv(FISSION / "samples.csv", index_col=0)
    start = time.perf_counter()
    table = time_lrt(counts, samples, time_column="minute", group_column="strain",
                     group="wt")
    return {"lrt_s": time.perf_counter() - start, "hits": int((table["padj"] < 0.01).sum())}


R_LRT = r"""
suppressMessages(library(DESeq2))
counts <- as.matrix(read.csv(gzfile(commandArgs(TRUE)[1]), row.names = 1, check.names = FALSE))
samples <- read.csv(commandArgs(TRUE)[2], row.names = 1)
wt <- rownames(samples)[samples$strain == "wt"]
cd <- data.frame(minute = factor(samples[wt, "minute"]), row.names = wt)
t0 <- proc.time()[["elapsed"]]
dds <- DESeq(DESeqDataSetFromMatrix(counts[, wt], cd, ~ minute), test = "LRT", reduced = ~ 1,
             quiet = TRUE)
res <- results(dds)
cat(sprintf("RESULT %f %d\n", proc.time()[["elapsed"]] - t0, sum(res$padj < 0.01, na.rm = TRUE)))
"""


def _run_r_lrt() -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "lrt.R"
        script.write_text(R_LRT)
        stdout, stderr, code, wall, peak = _run_measured(
            ["Rscript", str(script), str(FISSION / "counts.csv.gz"), str(FISSION / "samples.csv")])
    line = [text for text in stdout.splitlines() if text.startswith("RESULT")]
    if code != 0 or not line:
        return None
    seconds, hits = line[0].split()[1:]
    return {"lrt_s": float(seconds), "hits": int(hits), "wall_s": wall, "peak_gb": peak}


def _run_measured(command: list[str]) -> tuple[str, str, int, float, float]:
    """Run a command; (stdout, stderr, exit code, wall s, its own peak RSS in GB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), process.returncode, wall, usage.ru_maxrss / 1024 ** 2


def _run_isolated(case: str, n_genes: int) -> dict:
    """Run one case in a fresh interpreter; add its wall time and peak RSS."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import bench_modules as b; "
            f"print(json.dumps(b._case_{case}({n_genes})))")
    stdout, stderr, code_, wall, peak = _run_measured([sys.executable, "-c", code])
    if code_ != 0:
        raise RuntimeError(stderr[-2000:])
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(wall_s=wall, peak_gb=peak)
    return result


R_SCRIPT = r"""
suppressMessages(library(WGCNA))
x <- t(as.matrix(read.csv(commandArgs(TRUE)[1], row.names = 1)))
t0 <- proc.time()[["elapsed"]]
sft <- pickSoftThreshold(x, powerVector = c(1:10, seq(12, 20, 2)), verbose = 0)
t1 <- proc.time()[["elapsed"]]
net <- blockwiseModules(x, power = 6, networkType = "unsigned", TOMType = "unsigned",
  minModuleSize = 30, mergeCutHeight = 0.25, deepSplit = 2, pamRespectsDendro = FALSE,
  maxBlockSize = 5000, numericLabels = TRUE, verbose = 0)
t2 <- proc.time()[["elapsed"]]
cat(sprintf("RESULT %f %f %d %d\n", t1 - t0, t2 - t1, length(unique(net$colors[net$colors > 0])),
            sum(net$colors == 0)))
"""


def _run_r(n_genes: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "library(WGCNA)"], capture_output=True)
    if check.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "expr.csv"
        synthetic_expression(n_genes, 50).to_csv(path)
        script = Path(work) / "bench.R"
        script.write_text(R_SCRIPT)
        stdout, stderr, code, wall, peak = _run_measured(["Rscript", str(script), str(path)])
    line = [text for text in stdout.splitlines() if text.startswith("RESULT")]
    if code != 0 or not line:
        print("R failed:", stderr[-500:])
        return None
    soft, modules, n_modules, unassigned = line[0].split()[1:]
    return {"soft_threshold_s": float(soft), "modules_s": float(modules),
            "n_modules": int(n_modules), "unassigned": int(unassigned), "wall_s": wall,
            "peak_gb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-20k", action="store_true")
    parser.add_argument("--only-lrt", action="store_true")
    args = parser.parse_args()
    lrt = [("(e) DESeq2 LRT, fission wt", _run_isolated("lrt", 0))]
    r_lrt = None if args.skip_r else _run_r_lrt()
    if r_lrt is not None:
        lrt.append(("(e) R DESeq2 LRT, fission wt", r_lrt))
    print(f"{'case':32s} {'step times (s)':60s} {'wall s':>7s} {'peak GB':>8s}")
    for name, result in lrt:
        steps = f"LRT {result['lrt_s']:.1f} ({result['hits']} genes padj < 0.01)"
        print(f"{name:32s} {steps:60s} {result['wall_s']:7.1f} {result['peak_gb']:8.2f}")
    if args.only_lrt:
        return
    rows = [("(a) modules 5,000 x 50", _run_isolated("modules", 5000))]
    if not args.skip_20k:
        rows.append(("(b) modules 20,000 x 50", _run_isolated("modules", 20000)))
    rows.append(("(c) time course 3,000 genes", _run_isolated("timecourse", 3000)))
    r_result = None if args.skip_r else _run_r(5000)
    for name, result in rows:
        if "modules_s" in result:
            steps = (f"soft threshold {result['soft_threshold_s']:.1f}, modules "
                     f"{result['modules_s']:.1f} ({result['n_modules']} modules, "
                     f"{result['unassigned']} grey, {result['blocks']} block(s))")
        else:
            steps = (f"Mfuzz c=6 {result['mfuzz_s']:.1f}, degPatterns "
                     f"{result['degpatterns_s']:.1f} ({result['patterns']} patterns)")
        print(f"{name:32s} {steps:60s} {result['wall_s']:7.1f} "
              f"{result['peak_gb']:8.2f}")
    if r_result is not None:
        steps = (f"soft threshold {r_result['soft_threshold_s']:.1f}, modules "
                 f"{r_result['modules_s']:.1f} ({r_result['n_modules']} modules, "
                 f"{r_result['unassigned']} grey)")
        print(f"{'(d) R WGCNA 5,000 x 50':32s} {steps:60s} {r_result['wall_s']:7.1f} "
              f"{r_result['peak_gb']:8.2f}")
    else:
        print("(d) R WGCNA: not run (no Rscript with WGCNA, or --skip-r)")
    print(f"Memory target for 20,000 genes: <= {MEMORY_TARGET_GB} GB.")


if __name__ == "__main__":
    main()
