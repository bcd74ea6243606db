"""Benchmark of UMAP in the running app (issue 7 item 1): prints a table.

Starts the app as README and the Dockerfile do (``python app.py``, and gunicorn with the
Dockerfile's command: 3 workers, ``--preload``), with the start-up warm-up on, and drives
headless Chromium: load the page, switch the scatter to UMAP, and time from the click to
the UMAP points drawn. Each server is started twice on one cache folder: first with an
empty numba cache (cold), then again (the compiled code on disk). In each start the
first UMAP is followed by ``--repeats`` more with other neighbour counts (new jobs, not
maps read back from the store).

Usage: ``python benchmarks/bench_umap_server.py [--repeats N] [--port P]``. Not a test:
nothing fails; on a shared machine the figures move with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT))
from benchmarks.headless_chromium import start_browser  # noqa: E402
AXIS_TITLE = ("const g = document.querySelector('#embedding .js-plotly-plot');"
              "return g && g._fullLayout && g._fullLayout.xaxis.title.text;")


def wait_for(driver, condition, timeout: float) -> float:
    """Seconds until ``condition(driver)`` holds (inf on timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if condition(driver):
                return time.monotonic() - start
        except Exception:  # noqa: BLE001 - page still loading
            pass
        time.sleep(0.1)
    return float("inf")


def click(driver, selector: str) -> None:
    driver.execute_script("arguments[0].click();", driver.find_element(By.CSS_SELECTOR, selector))


def time_umaps(url: str, neighbor_counts: list[int]) -> list[float]:
    """Seconds from choosing UMAP to its axes drawn, for each neighbour count in turn."""
    driver = start_browser()
    times = []
    try:
        driver.get(url)
        wait_for(driver, lambda d: (d.execute_script(AXIS_TITLE) or "").startswith("PC1"), 120)
        for neighbors in neighbor_counts:
            click(driver, "#embedding-method input[value=pca]")
            wait_for(driver, lambda d: d.execute_script(AXIS_TITLE).startswith("PC1"), 60)
            box = driver.find_element(By.CSS_SELECTOR, "#umap-neighbors")
            for keys in ("\ue009a", str(neighbors), "\ue007"):  # ctrl+a is released
                box.send_keys(keys)
            time.sleep(0.5)
            click(driver, "#embedding-method input[value=umap]")
            times.append(wait_for(driver, lambda d: d.execute_script(AXIS_TITLE) == "UMAP1", 400))
    finally:
        driver.quit()
    return times


def serve(command: list[str], port: int, cache: Path) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port), RNACLUST_CACHE_DIR=str(cache), RNACLUST_WARM_UMAP="1")
    env.pop("NUMBA_CACHE_DIR", None)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{command} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASH_TEST_PORT", 8050)))
    args = parser.parse_args()
    docker_cmd = json.loads(next(line for line in (ROOT / "Dockerfile").read_text().splitlines()
                                 if line.startswith("CMD "))[4:])
    servers = {"python app.py": [sys.executable, "app.py"], "gunicorn (Dockerfile)": docker_cmd}
    print(f"| server | numba cache at start | first UMAP (s) | next {args.repeats} UMAPs (s) |")
    print("|---|---|---|---|")
    counts = iter(range(3, 1000))
    for offset, (name, command) in enumerate(servers.items()):
        with tempfile.TemporaryDirectory() as folder:
            for state in ("empty", "filled"):
                process = serve(command, args.port + offset, Path(folder))
                try:
                    times = time_umaps(f"http://127.0.0.1:{args.port + offset}",
                                       [next(counts) for _ in range(args.repeats + 1)])
                finally:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                rest = ", ".join(f"{t:.1f}" for t in times[1:])
                print(f"| {name} | {state} | {times[0]:.1f} | {rest} |", flush=True)


if __name__ == "__main__":
    main()
