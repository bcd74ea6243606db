"""Time and peak memory of each stage of the real single-cell CLI path (issue 9 item 9:
a million cells in ``python -m rnaclust_dash run X.h5ad --mode single-cell``).

Runs ``rnaclust_dash run ...`` in this process (the module's own ``__main__``, every
option passed through) while a thread samples the resident memory every 50 ms and the
pipeline stage the main thread is in; prints per stage the seconds spent and the
highest resident memory seen, then the whole run's peak (VmHWM); each stage's start
is logged to stderr as it happens. Above ``--limit-gb``
resident memory the run is killed (exit 137), so that an overrun stops this run and not
the other work of a shared machine.

Usage: ``python benchmarks/profile_sc_cli.py [--limit-gb 18] -- run X.h5ad --mode
single-cell --out DIR --seed 0``; counts for it: ``python benchmarks/bench_sc_pipeline.py
--cells 1000000 --depth 0.5 --write X.h5ad``.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Functions that mark a stage, innermost first wins (file suffix, function name).
STAGES = (("read", "read_input"), ("store dataset", "put_dataset"),
          ("qc", "_qc"), ("normalize", "_log_values"), ("hvg", "_hvg"), ("pca", "_pca"),
          ("neighbors", "_neighbors"), ("leiden", "_cluster"), ("umap", "_embedding"),
          ("markers", "_markers"), ("write files", "write_single_cell_results"))


def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) // 1024
    return 0


def _stage_of(frame) -> str:
    names = {name: label for label, name in STAGES}
    while frame is not None:
        label = names.get(frame.f_code.co_name)
        if label is not None:
            return label
        frame = frame.f_back
    return "other"


def _sample(stats: dict, limit_mb: int, done: threading.Event) -> None:
    main = threading.main_thread().ident
    last, current = time.perf_counter(), None
    while not done.wait(0.05):
        now, rss = time.perf_counter(), _status("VmRSS")
        stage = _stage_of(sys._current_frames().get(main))
        if stage != current:  # a running log: a long run can be followed (or judged) live
            print(f"{time.strftime('%H:%M:%S')} stage {stage} starts, RSS {rss:,} MB",
                  file=sys.stderr, flush=True)
            current = stage
        seconds, peak = stats.get(stage, (0.0, 0))
        stats[stage] = (seconds + now - last, max(peak, rss))
        last = now
        if rss > limit_mb:
            print(f"resident memory {rss:,} MB passed the limit in stage {stage}: killed",
                  file=sys.stderr, flush=True)
            os._exit(137)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-gb", type=float, default=18.0)
    parser.add_argument("cli", nargs=argparse.REMAINDER, help="-- then the CLI's arguments")
    args = parser.parse_args()
    cli = args.cli[1:] if args.cli[:1] == ["--"] else args.cli
    sys.path.insert(0, str(REPO))
    stats: dict = {}
    done = threading.Event()
    sampler = threading.Thread(target=_sample, daemon=True,
                               args=(stats, int(args.limit_gb * 1024), done))
    started = time.perf_counter()
    sampler.start()
    sys.argv = ["rnaclust_dash", *cli]
    try:
        runpy.run_module("rnaclust_dash", run_name="__main__")
    except SystemExit as stop:
        if stop.code:
            raise
    finally:
        done.set()
        sampler.join()
        print(f"{'stage':<16}{'s':>10}{'peak RSS MB':>14}")
        for label, _ in (*STAGES, ("other", None)):
            if label in stats:
                print(f"{label:<16}{stats[label][0]:>10.1f}{stats[label][1]:>14,}")
        print(f"{'total':<16}{time.perf_counter() - started:>10.1f}"
              f"{_status('VmHWM'):>14,} (VmHWM)", flush=True)


if __name__ == "__main__":
    main()
