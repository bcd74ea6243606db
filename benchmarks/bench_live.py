"""Benchmark of the live app in a real browser (issue 7 item 11): prints a table.

Starts the app the way README says (``python app.py``, fresh cache folder), drives headless
Debian Chromium with selenium and measures, on this machine:

(first) seconds from starting ``python app.py`` to the three figures (heatmap, scatter,
        silhouette) drawn for the bundled example;
(k)     after uploading a synthetic 20,000 x 100 count table: seconds from a k change
        (typed into the k box) to every view redrawn, and the bytes of the Dash requests
        and responses it caused (Chrome's network events, headers included);
(norm)  the same for a change of normalization (a method not used before: cold stages).

A view counts as redrawn at its last ``plotly_afterplot`` event once no Dash request has
been in flight for 0.6 s. Medians of ``--repeats`` (default 5) changes.

Usage: ``python benchmarks/bench_live.py [--app-dir DIR] [--port 18510] [--repeats 5]
[--label after]``. ``--app-dir`` runs another checkout's ``app.py`` (e.g. the unmodified
main branch, for a before/after table). ``--json FILE`` also writes the figures; ``--compare
BEFORE.json`` prints a before/after table. Not a test: targets are printed beside the
figures, nothing fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pipeline import synthetic_counts  # noqa: E402
from benchmarks.headless_chromium import start_browser  # noqa: E402

GRAPHS = ("heatmap", "embedding", "silhouette")
TARGETS = {"first_s": 8.0, "k_s": 0.5, "k_kb": 60.0, "norm_s": 2.0}
# Normalizations not used before in the run, so each change recomputes from the
# normalization down (the default, deseq2, is what the upload is analysed with).
NORMALIZATION_CHANGES = ("tmm", "uq", "rle", "cpm", "logcpm-tmm")
VERBOSE = "--verbose" in sys.argv  # print each change's timeline (requests, redraws)

# Installed in the page: redraw times per graph and the number of Dash requests in flight.
HOOKS_JS = """
window.__bench = window.__bench || {inflight: 0, lastDone: performance.now(), log: []};
if (!window.__bench.fetchWrapped) {
  const original = window.fetch;
  window.fetch = function (...args) {
    const url = String(args[0] && args[0].url || args[0]);
    const dash = url.includes('_dash-update-component');
    const started = performance.now();
    let output = '';
    try { output = JSON.parse(args[1].body).output.slice(0, 60); } catch (e) {}
    if (dash) window.__bench.inflight += 1;
    return original.apply(this, args).finally(() => {
      if (dash) {
        window.__bench.inflight -= 1; window.__bench.lastDone = performance.now();
        window.__bench.log.push([output, started, window.__bench.lastDone]);
      }
    });
  };
  window.__bench.fetchWrapped = true;
}
window.__bench.afterplot = window.__bench.afterplot || {};
for (const id of arguments[0]) {
  const g = document.querySelector('#' + id + ' .js-plotly-plot');
  if (g && !g.__benchHooked) {
    g.on('plotly_afterplot', () => {
      window.__bench.afterplot[id] = performance.now();
      window.__bench.log.push(['drawn ' + id, performance.now(), performance.now()]);
    });
    g.__benchHooked = true;
  }
}
return true;
"""


def start_app(app_dir: Path, port: int, cache_dir: str) -> subprocess.Popen:
    """``python app.py`` in ``app_dir`` as README says (HOST/PORT from the environment)."""
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), RNACLUST_CACHE_DIR=cache_dir)
    return subprocess.Popen([sys.executable, "app.py"], cwd=app_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout: float, poll: float = 0.05, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - the page or server is not up yet
            value = None
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def traces_drawn(driver) -> bool:
    return driver.execute_script(
        "return arguments[0].every(id => { const g = document.querySelector("
        "'#' + id + ' .js-plotly-plot'); return g && g._fullData && g._fullData.length > 0; });",
        list(GRAPHS))


def time_to_first_figures(driver, url: str, started: float) -> float:
    """Seconds from the server process start to the three figures drawn."""
    wait_for(lambda: urllib.request.urlopen(url + "healthz", timeout=1).status == 200,
             timeout=120, what="the server")
    driver.get(url)
    wait_for(lambda: traces_drawn(driver), timeout=120, what="the first figures")
    return time.perf_counter() - started


def network_bytes(driver) -> tuple[int, int]:
    """Bytes (sent, received) of the Dash requests in the performance log since the last
    call, from Chrome's Network events (request body; encoded response incl. headers)."""
    sent, received, dash_requests = 0, 0, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent" and \
                "_dash-update-component" in params["request"]["url"]:
            dash_requests.add(params["requestId"])
            request = params["request"]
            body = request.get("postData") or "".join(
                e.get("bytes", "") for e in request.get("postDataEntries", []))
            sent += len(body.encode()) if "postData" in request else len(body) * 3 // 4
        elif method == "Network.loadingFinished" and params["requestId"] in dash_requests:
            received += int(params["encodedDataLength"])
    return sent, received


def wait_redrawn(driver, t0: float, timeout: float = 120.0) -> float:
    """Seconds from ``t0`` (page clock) until every graph drew after it and no Dash request
    has been in flight for 0.6 s."""
    state_js = ("const b = window.__bench; return [b.inflight, performance.now() - b.lastDone,"
                " arguments[0].map(id => b.afterplot[id] || 0)];")

    def settled():
        inflight, idle_ms, drawn = driver.execute_script(state_js, list(GRAPHS))
        return inflight == 0 and idle_ms > 600 and min(drawn) > t0 and drawn

    drawn = wait_for(settled, timeout=timeout, poll=0.1, what="all views redrawn")
    return (max(drawn) - t0) / 1000.0


def measure_change(driver, act) -> tuple[float, int, int]:
    """Run ``act`` (returns the page clock at the change) and measure the redraw."""
    driver.execute_script(HOOKS_JS, list(GRAPHS))
    network_bytes(driver)  # drain the log
    driver.execute_script("window.__bench.log = [];")
    t0 = act()
    seconds = wait_redrawn(driver, t0)
    sent, received = network_bytes(driver)
    if VERBOSE:
        for what, start, stop in driver.execute_script("return window.__bench.log"):
            print(f"  {start - t0:8.0f} {stop - t0:8.0f} ms  {what}")
        print(f"  -> {seconds:.2f} s, {sent / 1000:.1f} KB sent, {received / 1000:.1f} KB received")
    return seconds, sent, received


def change_k(driver, k: int) -> float:
    """Type k into the k box (a real key press); return the page clock of the change."""
    box = driver.find_element("id", "n-clusters")
    driver.execute_script(
        "arguments[0].addEventListener('input', () => { window.__bench.t0 = performance.now(); },"
        " {once: true, capture: true});", box)
    box.send_keys("\ue009a")  # ctrl+a
    box.send_keys(str(k))
    return wait_for(lambda: driver.execute_script("return window.__bench.t0"), timeout=10,
                    what="the k input event")


def change_normalization(driver, value: str) -> float:
    """Open the normalization menu and click the option for ``value``."""
    driver.execute_script("window.__bench.t0 = null;"
                          "document.getElementById('normalization').scrollIntoView("
                          "{block: 'center'}); document.getElementById('normalization').click();")
    from rnaclust_dash.pp.normalization import NORMALIZATION_LABELS
    label = NORMALIZATION_LABELS[value]
    return wait_for(lambda: driver.execute_script(
        "const o = Array.from(document.querySelectorAll('.dash-dropdown-option'))"
        "  .find(o => o.textContent.trim() === arguments[0]);"
        "if (!o) return null; const t0 = performance.now(); o.click(); return t0;", label),
        timeout=10, what=f"the option {label!r}")


def upload_table(driver, directory: str) -> None:
    """Upload a synthetic 20,000 x 100 count table and wait for its analysis."""
    path = Path(directory) / "bench_counts.csv"
    synthetic_counts().rename_axis("gene_id").to_csv(path)
    driver.execute_script(HOOKS_JS, list(GRAPHS))
    driver.find_element("css selector", "#upload-counts input[type=file]").send_keys(str(path))
    wait_for(lambda: "bench_counts.csv" in driver.find_element("id", "dataset-info").text,
             timeout=180, what="the upload")
    wait_for(lambda: driver.execute_script(
        "const g = document.querySelector('#heatmap .js-plotly-plot');"
        "const t = g && g.data.find(t => t.meta === 'heatmap');"
        "return t && Array.from(t.x).length === 100;"), timeout=180, what="the uploaded heatmap")
    wait_redrawn(driver, 0.0, timeout=180)


def run(app_dir: Path, port: int, repeats: int) -> dict:
    """All measurements against one fresh server; returns medians and the raw runs."""
    cache = tempfile.mkdtemp(prefix="bench-live-")
    driver = start_browser(performance_log=True)
    started = time.perf_counter()
    server = start_app(app_dir, port, cache)
    try:
        first = time_to_first_figures(driver, f"http://127.0.0.1:{port}/", started)
        upload_table(driver, cache)
        ks = [measure_change(driver, lambda k=k: change_k(driver, k))
              for k in [3, 4, 5, 6, 7, 8][:repeats]]
        norms = [measure_change(driver, lambda v=v: change_normalization(driver, v))
                 for v in NORMALIZATION_CHANGES[:repeats]]
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(cache, ignore_errors=True)
    return {
        "first_s": first,
        "k_s": statistics.median(s for s, _, _ in ks),
        "k_kb": statistics.median((a + b) / 1000 for _, a, b in ks),
        "k_sent_kb": statistics.median(a / 1000 for _, a, _ in ks),
        "norm_s": statistics.median(s for s, _, _ in norms),
        "norm_kb": statistics.median((a + b) / 1000 for _, a, b in norms),
        "runs": {"k": ks, "norm": norms},
    }


ROWS = [
    ("first_s", "first figures after `python app.py` starts (s)", "{:.2f}"),
    ("k_s", "k change -> every view redrawn (s)", "{:.2f}"),
    ("k_kb", "k change: bytes over the wire, sent + received (KB)", "{:.1f}"),
    ("norm_s", "normalization change -> every view redrawn (s)", "{:.2f}"),
    ("norm_kb", "normalization change: bytes over the wire (KB)", "{:.1f}"),
]


def print_table(results: dict[str, dict]) -> None:
    """Markdown table: one column per labelled result, targets beside."""
    labels = list(results)
    print("| measure | target | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for key, name, fmt in ROWS:
        target = f"<= {TARGETS[key]:g}" if key in TARGETS else ""
        cells = [fmt.format(results[label][key]) for label in labels]
        print(f"| {name} | {target} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASH_TEST_PORT", 18510)))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", type=Path, help="a --json file to print beside")
    parser.add_argument("--verbose", action="store_true",
                        help="print each change's requests and redraws (ms after the change)")
    args = parser.parse_args()
    result = run(args.app_dir.resolve(), args.port, args.repeats)
    if args.json:
        args.json.write_text(json.dumps({"label": args.label, **result}, indent=1))
    table = {}
    if args.compare:
        before = json.loads(args.compare.read_text())
        table[before.pop("label")] = before
    table[args.label] = result
    print(f"20,000 x 100 upload, medians of {args.repeats}; {os.cpu_count()} cores")
    print_table(table)


if __name__ == "__main__":
    main()
