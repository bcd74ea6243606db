"""Run the catalogue of bad inputs (benchmarks/bad_input_cases.py) through the command
line and the dashboard's upload callback, and print a table (issue 13 item 7).

    python benchmarks/bad_inputs.py [--jobs 2] [--only TEXT] [--where cli|upload]

Each file case runs through ``python -m rnaclust_dash`` (a subprocess, killed after 30 s)
and through the data callback's body (called directly, as the browser's upload would,
with the previous dataset loaded); parameter and option cases through the CLI. A case
passes when it is refused with a message (CLI: exit 2, ``error:`` and no traceback;
upload: the alert shows a message that is not the crash report and the previous dataset
is kept) or accepted cleanly, in under 30 s. Runs with a 5 MB upload limit
(``RNACLUST_MAX_UPLOAD_MB``) so that the bombs stay cheap. Exit status 1 when any fails.
Each CLI run's CPU seconds are printed beside its wall time: on a loaded machine a run
can pass 30 s of wall time on a few seconds of CPU (load), where a hang burns CPU.
"""

from __future__ import annotations

import argparse
import base64
import functools
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from bad_input_cases import GOOD_COUNTS, UPLOAD_MB, Case, all_cases  # noqa: E402

TIMEOUT_SECONDS = 30
CRASH_REPORT = "Something went wrong on the server"
GOOD_SHEET = "sample,group,t\nA,a,0\nB,a,10\nC,a,20\nD,b,0\nE,b,10\nF,b,20\n"


@dataclass
class Outcome:
    case: str
    where: str
    outcome: str
    seconds: float
    message: str
    cpu_seconds: float = float("nan")  # of the CLI process (not measured for uploads)

    @property
    def failed(self) -> bool:
        return self.outcome.startswith(("TRACEBACK", "TIMEOUT", "CRASH", "LOST", "EXIT",
                                        "SLOW", "NO MESSAGE"))


def _environment() -> dict:
    env = dict(os.environ, RNACLUST_MAX_UPLOAD_MB=str(UPLOAD_MB), RNACLUST_WARM_UMAP="0",
               PYTHONPATH=str(REPO))
    return env


def cli_command(case: Case, folder: Path) -> list[str]:
    """The command line of a case (files written into ``folder``)."""
    good, sheet = folder / "good.csv", folder / "good_samples.csv"
    good.write_text(GOOD_COUNTS)
    sheet.write_text(GOOD_SHEET)
    out = str(folder / "out")
    if case.role is None:
        name, *rest = case.options
        if name == "enrich":
            genes = folder / "genes.txt"
            genes.write_text("g1\ng2\n")
            return ["enrich", "--genes", str(genes), "--gene-sets", "go-bp", "--out", out,
                    *rest]
        extra = ["--metadata", str(sheet)] if name in ("modules", "timecourse") else []
        return [name, str(good), *extra, "--out", out, *rest]
    path = folder / case.filename
    path.write_bytes(case.content)
    return {"counts": ["run", str(path), "--out", out, *case.options],
            "metadata": ["run", str(good), "--metadata", str(path), "--out", out],
            "lengths": ["run", str(good), "--gene-lengths", str(path), "--out", out],
            "params": ["run", str(good), "--params", str(path), "--out", out]}[case.role]


def _run_timed(command: list[str], cwd: str) -> tuple[int | None, str, float]:
    """Run ``command`` (killed after the timeout): its exit status (None when killed), its
    standard error and the CPU seconds it used (the machine's load shows as wall time
    far above CPU time; a hang as CPU time near the timeout)."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors,
                                   env=_environment(), cwd=cwd)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                status = None
                break
            time.sleep(0.05)
        process.returncode = -1  # reaped here: Popen must not wait for it again
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
    code = None if status is None else os.waitstatus_to_exitcode(status)
    return code, text, usage.ru_utime + usage.ru_stime


def run_cli_case(case: Case) -> Outcome:
    """The case through ``python -m rnaclust_dash`` (killed after 30 s)."""
    with tempfile.TemporaryDirectory(prefix="bad-input-") as scratch:
        command = [sys.executable, "-m", "rnaclust_dash", *cli_command(case, Path(scratch))]
        start = time.perf_counter()
        try:
            code, error, cpu = _run_timed(command, scratch)
        except OSError as error:  # the command line itself cannot be started
            return Outcome(case.name, "cli", "EXIT (not started)", 0.0, str(error))
        seconds = time.perf_counter() - start
    if code is None:
        return Outcome(case.name, "cli", "TIMEOUT", seconds, "", cpu)
    error = error.strip()
    last = error.splitlines()[-1] if error else ""
    if "Traceback" in error:
        outcome = "TRACEBACK"
    elif code == 2:
        outcome = "refused (exit 2)" if "error:" in last else "NO MESSAGE"
    elif code == 0:
        outcome = "accepted (exit 0)"
    else:
        outcome = f"EXIT {code}"
    return Outcome(case.name, "cli", outcome, seconds, last, cpu)


def _contents(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def run_upload_case(case: Case, store, previous: dict) -> Outcome:
    """The case through the data callback's body (as an upload), ``previous`` loaded."""
    from callbacks import data
    from layouts import ids

    trigger = {"counts": ids.UPLOAD_COUNTS, "metadata": ids.UPLOAD_METADATA,
               "lengths": ids.UPLOAD_LENGTHS}[case.role]
    files = {role: (None, None) for role in ("counts", "metadata", "lengths")}
    files[case.role] = (_contents(case.content), case.filename)
    callback = data.VIEW.guard(functools.partial(data.update_data, store))
    start = time.perf_counter()
    outputs = callback(trigger, None, files["counts"][0], files["counts"][1],
                       files["metadata"][0], files["metadata"][1], files["lengths"][0],
                       files["lengths"][1], previous)
    seconds = time.perf_counter() - start
    values = {(o.component_id, o.component_property): v for o, v in zip(data.OUTPUTS, outputs)}
    is_open = values[(data.ALERT, "is_open")]
    message = _text(values[(data.ALERT, "children")])
    kept = values[(ids.DATASET_STORE, "data")] is data.no_update
    if is_open is True:
        outcome = ("CRASH REPORT" if CRASH_REPORT in message else
                   "refused, previous kept" if kept else "LOST the previous dataset")
    else:
        outcome = "accepted"
    if seconds > TIMEOUT_SECONDS:
        outcome = f"SLOW ({outcome})"
    return Outcome(case.name, "upload", outcome, seconds, message)


def _text(node) -> str:
    """The text of a Dash component tree (the alert's children)."""
    if node is None or node is getattr(__import__("dash"), "no_update"):
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, (list, tuple)):
        return " ".join(_text(n) for n in node)
    return _text(getattr(node, "children", None))


def upload_session(scratch: Path):
    """A result store with the good table loaded (the dataset a refusal must keep)."""
    os.environ["RNACLUST_MAX_UPLOAD_MB"] = str(UPLOAD_MB)
    from callbacks import data
    from layouts import ids
    from rnaclust_dash.store import ResultStore

    store = ResultStore(scratch / "store")
    outputs = data.update_data(store, ids.UPLOAD_COUNTS, None, _contents(GOOD_COUNTS.encode()),
                               "good.csv", None, None, None, None, None)
    values = {(o.component_id, o.component_property): v for o, v in zip(data.OUTPUTS, outputs)}
    return store, values[(ids.DATASET_STORE, "data")]


def run_catalogue(cases: list[Case], *, where: tuple = ("cli", "upload"),
                  jobs: int = 2) -> list[Outcome]:
    """Every case through the CLI (``jobs`` at a time) and, for files, the upload."""
    results = []
    if "upload" in where:
        with tempfile.TemporaryDirectory(prefix="bad-upload-") as scratch:
            store, previous = upload_session(Path(scratch))
            try:
                results += [run_upload_case(case, store, previous) for case in cases
                            if case.role in ("counts", "metadata", "lengths")
                            and not case.options]
            finally:
                store.cache.close()
    if "cli" in where:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results += list(pool.map(run_cli_case, cases))
    return results


def print_table(results: list[Outcome]) -> None:
    width = max(len(r.case) for r in results)
    print(f"{'case':<{width}}  {'where':<6}  {'outcome':<26}  {'seconds':>7}  {'cpu s':>5}  "
          "message")
    for r in sorted(results, key=lambda r: (r.case, r.where)):
        message = " ".join(r.message.split())[:90]
        cpu = "" if r.cpu_seconds != r.cpu_seconds else f"{r.cpu_seconds:5.1f}"
        print(f"{r.case:<{width}}  {r.where:<6}  {r.outcome:<26}  {r.seconds:7.2f}  {cpu:>5}  "
              f"{message}")
    failed = [r for r in results if r.failed]
    refused = sum(r.outcome.startswith("refused") for r in results)
    accepted = sum(r.outcome.startswith("accepted") for r in results)
    slowest = max(results, key=lambda r: r.seconds)
    print(f"\n{len({r.case for r in results})} cases, {len(results)} runs "
          f"({sum(r.where == 'cli' for r in results)} CLI, "
          f"{sum(r.where == 'upload' for r in results)} upload): {refused} refused with a "
          f"message, {accepted} accepted, {len(failed)} failed; slowest "
          f"{slowest.seconds:.1f} s ({slowest.case}, {slowest.where}).")
    cli = [r for r in results if r.where == "cli" and r.cpu_seconds == r.cpu_seconds]
    if cli:
        print(f"CLI CPU time: median {sorted(r.cpu_seconds for r in cli)[len(cli) // 2]:.1f} s, "
              f"most {max(r.cpu_seconds for r in cli):.1f} s; load average "
              + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + " (1, 5, 15 min).")
    for r in failed:
        print(f"FAILED: {r.case} ({r.where}): {r.outcome} (CPU {r.cpu_seconds:.1f} s): "
              f"{r.message[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="CLI runs at a time (default 2)")
    parser.add_argument("--only", help="only the cases whose name contains this text")
    parser.add_argument("--where", choices=("cli", "upload"), action="append",
                        help="only through the CLI or the upload (default both)")
    args = parser.parse_args(argv)
    cases = [c for c in all_cases() if not args.only or args.only in c.name]
    results = run_catalogue(cases, where=tuple(args.where or ("cli", "upload")),
                            jobs=args.jobs)
    print_table(results)
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
