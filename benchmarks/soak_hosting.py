"""Soak and fault figures for lab hosting (issue 13 item 7), bounded and on loopback only.

Runs N concurrent browser sessions over the Dash HTTP API (benchmarks/dash_http.py), each
with a dataset of its own (seeded synthetic count tables, uploaded as a page does), first
on gunicorn with 3 workers (embedded: local store, forked jobs), then on gunicorn with
REDIS_URL and 2 Celery workers (shared store). Each session: upload, analyse, a series of
k changes (timed), a choose-k job, params.json and assignments.csv downloaded and compared
with the CLI run on the same table and params, and a try at another session's dataset key
(must open nothing). Then faults are injected and their outcome printed.

    python benchmarks/soak_hosting.py --sessions 20      # the issue's figure
    python benchmarks/soak_hosting.py --sessions 6 --no-celery

Ports: ``DASH_TEST_PORT`` + 40.. (default 8090..); Redis: a free port (Debian's
redis-server). Everything started is stopped at the end.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dash_http import (DashSession, port_in_range, running_server,  # noqa: E402
                                  started)
from callbacks.jobs import JOB_LOST  # noqa: E402
from rnaclust_dash.store import FOREIGN_DATASET  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = [sys.executable, "-m", "gunicorn", "app:server"]
K_SERIES = (3, 4, 5, 2, 3, 4)
LONG_STABILITY = {"stability-run.n_clicks": 1, "stability-resamples.value": 10_000,
                  "stability-consensus.value": []}


def synthetic_table(seed: int, n_genes: int = 1500, n_samples: int = 12) -> str:
    """A seeded genes x samples count table in 3 groups, as CSV text."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], n_samples // 3)
    base = rng.gamma(2.0, 60.0, size=n_genes)
    effect = np.exp(rng.normal(0, 1.0, (n_genes, 3)) * (rng.random((n_genes, 1)) < 0.3))
    mean = base[:, None] * effect[:, groups] * rng.uniform(0.6, 1.6, n_samples)[None, :]
    counts = rng.negative_binomial(5, 5 / (5 + mean))
    frame = pd.DataFrame(counts, index=[f"g{i}" for i in range(n_genes)],
                         columns=[f"s{seed}_{j}" for j in range(n_samples)])
    return frame.to_csv(index_label="gene")


def upload(session: DashSession, table: str, name: str) -> dict:
    contents = "data:text/csv;base64," + base64.b64encode(table.encode()).decode()
    session.fire("dataset-store.data", {"upload-counts.contents": contents,
                                        "upload-counts.filename": name})
    return session.values["dataset-store"]["data"]


def cli_assignments(table: str, params_json: str, folder: Path) -> pd.DataFrame:
    """assignments.csv of the CLI run on the same table and params.json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "counts.csv").write_text(table)
    (folder / "params.json").write_text(params_json)
    subprocess.run([sys.executable, "-m", "rnaclust_dash", "run", str(folder / "counts.csv"),
                    "--params", str(folder / "params.json"), "--out", str(folder / "out")],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    return pd.read_csv(folder / "out" / "assignments.csv")


def one_session(url: str, index: int, scratch: Path, keys: dict) -> dict:
    """The whole flow of one session; its timings and checks."""
    record = {"errors": [], "k_seconds": [], "cli_equal": False, "denied": False,
              "tried": False}
    try:
        session = DashSession(url)
        table = synthetic_table(1000 + index)
        keys[index] = upload(session, table, f"table{index}.csv")["key"]
        session.fire("analysis-store.data", {"dataset-store.data": {"key": keys[index]}})
        for k in K_SERIES:
            started_at = time.perf_counter()
            response = session.fire("analysis-store.data", {"n-clusters.value": k})
            record["k_seconds"].append(time.perf_counter() - started_at)
            if f"k = {k}" not in str(response.get("metrics")):
                record["errors"].append(f"k={k}: {str(response.get('error-message'))[:200]}")
        status = session.fire("k-selection.figure", {"k-run.n_clicks": 1})["k-status"]
        if "Suggested" not in str(status):
            record["errors"].append(f"choose-k: {status}")
        params = session.fire("download-params.data", {"download-params-button.n_clicks": 1})
        assignments = session.fire("download-assignments.data",
                                   {"download-assignments-button.n_clicks": 1})
        ui = pd.read_csv(io.StringIO(assignments["download-assignments"]["data"]["content"]))
        cli = cli_assignments(table, params["download-params"]["data"]["content"],
                              scratch / f"cli{index}")
        record["cli_equal"] = (ui["id"].equals(cli["id"]) and ui["cluster"].equals(cli["cluster"])
                               and np.allclose(ui["silhouette"], cli["silhouette"]))
        other = keys.get(index - 1)
        if other:
            record["tried"] = True
            answer = session.fire("analysis-store.data", {"dataset-store.data": {"key": other}})
            record["denied"] = FOREIGN_DATASET in str(answer.get("error-message"))
    except Exception as error:  # noqa: BLE001 - every failure is counted and printed
        record["errors"].append(f"{type(error).__name__}: {error}")
    return record


def load(url: str, n_sessions: int, scratch: Path) -> dict:
    """N sessions at once; the summary row."""
    keys: dict = {}
    started_at = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_sessions) as pool:
        records = list(pool.map(lambda i: one_session(url, i, scratch, keys),
                                range(n_sessions)))
    times = sorted(t for r in records for t in r["k_seconds"])
    errors = [e for r in records for e in r["errors"]]
    return {"sessions": n_sessions, "k changes": len(times), "errors": len(errors),
            "p50 k (s)": statistics.median(times) if times else float("nan"),
            "p95 k (s)": times[int(0.95 * (len(times) - 1))] if times else float("nan"),
            "equal to CLI": f"{sum(r['cli_equal'] for r in records)}/{n_sessions}",
            "foreign key refused": (f"{sum(r['denied'] for r in records)}/"
                                    f"{sum(r['tried'] for r in records)}"),
            "wall (s)": time.perf_counter() - started_at, "first errors": errors[:3]}


def long_job(url: str) -> tuple[threading.Thread, dict]:
    """A session running the long stability job in a thread."""
    session, outcome = DashSession(url), {}
    session.fire("dataset-store.data", {"example-dataset.value": "airway"})
    session.fire("analysis-store.data", {"dataset-store.data":
                                         session.values["dataset-store"]["data"],
                                         "cluster-target.value": "genes"})

    def run():
        try:
            outcome["response"] = session.fire("stability-figure.figure", LONG_STABILITY)
        except Exception as error:  # noqa: BLE001
            outcome["error"] = f"{type(error).__name__}: {error}"
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    outcome["session"] = session
    return thread, outcome


def wait_for(find, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError("nothing appeared")


def master_of(port: int) -> psutil.Process:
    import os
    return next(psutil.Process(os.getsid(c.pid)) for c in psutil.net_connections("inet")
                if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid)


def job_of(master: psutil.Process) -> psutil.Process | None:
    """A running background job of the server (finished ones linger as zombies)."""
    jobs = [job for worker in master.children() for job in worker.children()
            if job.status() != psutil.STATUS_ZOMBIE]
    return jobs[0] if jobs else None


def outcome_text(thread, outcome) -> tuple[float, str]:
    started_at = time.perf_counter()
    thread.join(timeout=300)
    response = outcome.get("response") or {}
    if "error" in outcome:
        return time.perf_counter() - started_at, outcome["error"]
    text = str(response.get("stability-status", {}).get("children"))
    if JOB_LOST in str(response.get("stability-alert")):
        text = "message: " + JOB_LOST[:60]
    return time.perf_counter() - started_at, text[:70]


def embedded_faults(url: str, port: int, cache: Path) -> list[dict]:
    """kill -9 of a web worker and of a job process, corrupt and deleted store."""
    rows, master = [], master_of(port)
    thread, outcome = long_job(url)
    job = wait_for(lambda: job_of(master))
    time.sleep(1.0)  # the request that started it has been answered: the page polls
    job.parent().kill()
    seconds, text = outcome_text(thread, outcome)
    rows.append({"fault": "kill -9 web worker during a job", "outcome": text,
                 "seconds": seconds})
    thread, outcome = long_job(url)
    wait_for(lambda: job_of(master)).kill()
    seconds, text = outcome_text(thread, outcome)
    retry = outcome["session"].fire("stability-figure.figure", {
        "stability-run.n_clicks": 2, "stability-resamples.value": 50})
    rows.append({"fault": "kill -9 job process", "outcome": text + "; retry: " + str(
        retry["stability-status"]["children"])[:30], "seconds": seconds})
    def corrupt():  # the databases and their write-ahead logs
        for database in [*cache.glob("cache.db*"), *cache.glob("pinned/cache.db*")]:
            database.write_bytes(b"garbage" * 1000)
    for name, damage in (("corrupt store (both cache.db overwritten)", corrupt),
                         ("store folder deleted", lambda: __import__("shutil").rmtree(cache))):
        session = DashSession(url)
        session.fire("dataset-store.data", {"example-dataset.value": "pasilla"})
        damage()
        answer = session.fire("analysis-store.data", {"dataset-store.data":
                                                      session.values["dataset-store"]["data"]})
        health = session.request("GET", "/healthz")
        message = str(answer.get("error-message", {}).get("children"))
        said = ("told to upload again" if "upload it again" in message else
                "analysed" if message == "None" else message[:60])
        rows.append({"fault": name, "outcome": f"{said}; /healthz {health}", "seconds": 0.0})
    return rows


def synthetic_cells_zip(seed: int = 7, n_cells: int = 3000, n_genes: int = 1500) -> bytes:
    """A 10x matrix folder (matrix.mtx, barcodes.tsv, features.tsv) of seeded counts in
    4 cell types, zipped as a user uploads it."""
    import zipfile

    from scipy import io as scipy_io
    from scipy import sparse

    rng = np.random.default_rng(seed)
    types = rng.integers(0, 4, n_cells)
    profile = rng.gamma(0.3, 2.0, size=(4, n_genes))
    counts = sparse.csc_matrix(rng.poisson(profile[types]).T)  # genes x cells
    matrix = io.BytesIO()
    scipy_io.mmwrite(matrix, counts, field="integer")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cells/matrix.mtx", matrix.getvalue())
        archive.writestr("cells/barcodes.tsv", "".join(f"C{i}-1\n" for i in range(n_cells)))
        archive.writestr("cells/features.tsv", "".join(
            f"ENSG{i:05d}\tGENE{i}\tGene Expression\n" for i in range(n_genes)))
    return buffer.getvalue()


def said(response: dict) -> str:
    """What the Cells tab shows after a Run: its summary, else its alert."""
    summary = response.get("cells-summary", {}).get("children")
    alert = response.get("cells-alert", {}).get("children")
    return str(summary)[:50] if summary else "alert: " + str(alert)[:80]


def single_cell_fault(url: str, port: int) -> dict:
    """kill -9 of the web worker running a Cells tab pipeline (QC to clusters; it runs
    in the request, not as a background job), then the same Run again."""
    session = DashSession(url, timeout=300)
    contents = ("data:application/zip;base64," +
                base64.b64encode(synthetic_cells_zip()).decode())
    session.fire("dataset-store.data", {"upload-counts.contents": contents,
                                        "upload-counts.filename": "cells3000.zip"})
    outcome: dict = {}

    def run(clicks):
        try:
            outcome["response"] = session.fire("cells-summary.children",
                                               {"cells-run.n_clicks": clicks})
        except Exception as error:  # noqa: BLE001 - the outcome is the figure
            outcome["error"] = f"{type(error).__name__}: {str(error)[:60]}"
    thread = threading.Thread(target=run, args=(1,), daemon=True)
    workers = master_of(port).children()
    for worker in workers:
        worker.cpu_percent(None)
    thread.start()
    time.sleep(2.0)  # the request reached a worker, which is busy with the pipeline
    busiest = max(workers, key=lambda worker: worker.cpu_percent(None))
    busiest.kill()
    started_at = time.perf_counter()
    thread.join(timeout=300)
    first = outcome.pop("error", None) or said(outcome.pop("response", {}))
    run(2)
    retry = outcome.get("error") or said(outcome.get("response", {}))
    return {"fault": "kill -9 web worker during a Cells pipeline (3,000 cells)",
            "outcome": f"request: {first}; Run again: {retry}",
            "seconds": time.perf_counter() - started_at}


def celery_fault(url: str, workers: list[psutil.Process]) -> dict:
    thread, outcome = long_job(url)
    time.sleep(3.0)  # the task reaches a pool process: the busiest one is killed
    pool = [child for worker in workers for child in worker.children()]
    for child in pool:
        child.cpu_percent(None)
    time.sleep(0.5)
    max(pool, key=lambda child: child.cpu_percent(None)).kill()
    seconds, text = outcome_text(thread, outcome)
    return {"fault": "kill -9 Celery pool process during a job", "outcome": text,
            "seconds": seconds}


def stop_mid_job(scratch: Path) -> dict:
    port = port_in_range(45)
    env = {"RNACLUST_CACHE_DIR": str(scratch / "stop-cache"), "RNACLUST_WARM_UMAP": "0",
           "WORKERS": "2"}
    with running_server(GUNICORN, port=port, env=env, log_path=scratch / "stop.log") as url:
        long_job(url)
        job = wait_for(lambda: job_of(master_of(port)))
        stopping = time.perf_counter()
    stopped_after = time.perf_counter() - stopping
    import socket
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            free = "port free at once"
        except OSError as error:
            free = f"port held: {error}"
    alive = job.is_running()
    try:
        job.kill()
    except psutil.NoSuchProcess:
        pass
    return {"fault": "server stopped (SIGTERM) mid-job",
            "outcome": f"{free} once stopped; job still ran: {alive}",
            "seconds": stopped_after}


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c])
                         for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--only-single-cell-fault", action="store_true",
                        help="only the kill -9 during a Cells pipeline (a quick check)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="soak-hosting-"))
    print("load average at the start (1, 5, 15 min): "
          + ", ".join(f"{v:.1f}" for v in psutil.getloadavg()), flush=True)
    loads, faults = [], []
    env = {"RNACLUST_CACHE_DIR": str(scratch / "cache"), "RNACLUST_WARM_UMAP": "0",
           "WORKERS": "3"}
    port = port_in_range(40)
    if args.only_single_cell_fault:
        with running_server(GUNICORN, port=port, env=env, log_path=scratch / "web.log") as url:
            print_table("Faults", [single_cell_fault(url, port)])
        return
    with running_server(GUNICORN, port=port, env=env, log_path=scratch / "web.log") as url:
        loads.append({"engine": "gunicorn x3, embedded"} | load(url, args.sessions, scratch)
                     | {"load avg (1 min)": round(psutil.getloadavg()[0], 1)})
        faults += embedded_faults(url, port, scratch / "cache")
        faults.append(single_cell_fault(url, port))
    faults.append(stop_mid_job(scratch))
    if not args.no_celery:
        redis_port = port_in_range(46)
        with ExitStack() as stack:
            stack.enter_context(started(["redis-server", "--port", str(redis_port), "--bind",
                                         "127.0.0.1", "--save", ""], env={},
                                        log_path=scratch / "redis.log"))
            time.sleep(0.5)
            shared = env | {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                            "RNACLUST_SHARED_DIR": str(scratch / "shared"),
                            "RNACLUST_CACHE_DIR": str(scratch / "celery-cache")}
            workers = [stack.enter_context(started(
                [sys.executable, "-m", "celery", "-A", "worker:celery_app", "worker",
                 "--concurrency=1", "--without-gossip", "--without-mingle",
                 "-n", f"soak{i}@%h"], env=shared, log_path=scratch / f"celery{i}.log")
            ) for i in range(2)]
            url = stack.enter_context(running_server(GUNICORN, port=port_in_range(47),
                                                     env=shared,
                                                     log_path=scratch / "celery-web.log"))
            time.sleep(5)  # workers ready
            loads.append({"engine": "gunicorn x3 + 2 Celery workers"}
                         | load(url, args.sessions, scratch)
                         | {"load avg (1 min)": round(psutil.getloadavg()[0], 1)})
            faults.append(celery_fault(url, [psutil.Process(w.pid) for w in workers]))
    print_table("Load (k change = the analysis callback after a new k; CLI = "
                "`python -m rnaclust_dash run --params params.json`)",
                [{k: v for k, v in row.items() if k != "first errors"} for row in loads])
    for row in loads:
        for error in row["first errors"]:
            print(f"  {row['engine']}: {error}")
    print_table("Faults", faults)
    print("\nload average at the end (1, 5, 15 min): "
          + ", ".join(f"{v:.1f}" for v in psutil.getloadavg()))
    print(f"logs: {scratch}")


if __name__ == "__main__":
    main()
