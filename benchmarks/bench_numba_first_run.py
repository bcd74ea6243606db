"""numba's first compile and the user's first UMAP (issue 9 item 9): neighbours + UMAP of
5,000 cells (30 PCs) in a fresh process, first call and second call, in three cases:

- ``no cache``: an empty ``NUMBA_CACHE_DIR`` (what a job paid before the disk cache);
- ``after the app's warm-up``: the cache filled only by the warm-up the app starts at
  server start (:func:`rnaclust_dash.tl.embed.warm_up_umap`, in its own process);
- ``cache filled by a run``: the cache after one full run of this same step.

Each case runs in new processes (``python -c``) with its own cache folder; prints a table
(seconds). Usage: ``python benchmarks/bench_numba_first_run.py [--cells 5000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_STEP = r'''
import json, sys, time
t = time.perf_counter()
sys.path.insert(0, {repo!r})
import numpy as np
from threadpoolctl import threadpool_limits
from rnaclust_dash.pp.neighbors import neighbors
from rnaclust_dash.tl.embed import umap_from_graph
out = {{"import": time.perf_counter() - t}}
points = np.random.default_rng(0).normal(size=({cells}, 30)).astype(np.float32)
with threadpool_limits(limits=1):
    for call in ("first", "second"):
        t = time.perf_counter()
        graph = neighbors(points, n_neighbors=15, random_state=0)
        out[call + " neighbours"] = time.perf_counter() - t
        t = time.perf_counter()
        umap_from_graph(graph.connectivities, data=points, random_state=0)
        out[call + " UMAP"] = time.perf_counter() - t
print(json.dumps(out))
'''

_WARM_UP = ("import sys; sys.path.insert(0, {repo!r}); "
            "from rnaclust_dash.tl.embed import warm_up_umap; warm_up_umap()")


def _python(code: str, cache: Path) -> str:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_THREADING_LAYER="workqueue")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, cwd=REPO)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=5_000)
    args = parser.parse_args()
    step = _STEP.format(repo=str(REPO), cells=args.cells)
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        empty, warmed, filled = (Path(folder) / name for name in ("a", "b", "c"))
        rows["no cache"] = json.loads(_python(step, empty))
        _python(_WARM_UP.format(repo=str(REPO)), warmed)
        rows["after the app's warm-up"] = json.loads(_python(step, warmed))
        _python(step, filled)
        rows["cache filled by a run"] = json.loads(_python(step, filled))
    columns = list(next(iter(rows.values())))
    print(f"{args.cells:,} cells, fresh process per row (seconds)")
    print(f"{'':<26}" + "".join(f"{c:>19}" for c in columns))
    for name, row in rows.items():
        print(f"{name:<26}" + "".join(f"{row[c]:>19.2f}" for c in columns))


if __name__ == "__main__":
    main()
