"""Benchmark of the Cells map in headless Chromium (issue 9 item 6): prints a table.

A small Dash app serves the Cells tab's map figure (:func:`rnaclust_dash.pl.cells.cell_embedding`,
one Scattergl trace of numpy arrays) for N synthetic cells (planted clusters on a 2-D
map, a sparse gene) and the view's recolour (:func:`views.cells_callbacks.recolor`'s
Patch: marker colours, hover values, labels). Measured in the browser:

(draw)     seconds from the page's request of the figure to plotly's first
           ``plotly_afterplot`` (the result is ready: no pipeline in the timing);
(recolour) seconds from choosing "colour by gene" to the redraw, and the bytes of the
           Dash response (Chrome's network events, encoded, headers included).

Not timed here: reading the analysis back from the result store (the real callback
does; see the README). Usage: ``python benchmarks/bench_sc_view.py [--cells 100000]
[--port 9740] [--repeats 3]``. Targets: draw <= 3 s, recolour <= 0.5 s and <= 0.5 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.headless_chromium import start_browser  # noqa: E402

TARGETS = {"draw_s": 3.0, "recolour_s": 0.5, "recolour_mb": 0.5}

HOOKS_JS = """
window.__draws = window.__draws || [];
const g = document.querySelector('#map .js-plotly-plot');
if (g && !g.__hooked) { g.__hooked = true;
  g.on('plotly_afterplot', () => window.__draws.push(performance.now())); }
return !!g;
"""


def synthetic_map(n_cells: int, *, seed: int = 0):
    """Cells x 2 coordinates of 12 planted clusters, their labels and a sparse gene."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 13, size=n_cells)
    centres = rng.normal(0, 8, size=(13, 2))
    coords = (centres[labels] + rng.normal(0, 1, size=(n_cells, 2))).astype(np.float32)
    gene = np.where(rng.random(n_cells) < 0.3, rng.gamma(2, 1, n_cells), 0).astype(np.float32)
    return coords, labels, gene


def build_app(n_cells: int):
    from dash import Dash, Input, Output, dcc, html

    from rnaclust_dash.pl import cells as figures
    from views.cells_callbacks import color_patch

    coords, labels, gene = synthetic_map(n_cells)
    app = Dash(__name__)
    app.layout = html.Div([
        dcc.RadioItems(id="kind", options=["cluster", "gene"], value="cluster"),
        dcc.Graph(id="map", style={"height": "600px"})])

    @app.callback(Output("map", "figure"), Input("map", "id"))
    def draw(_):
        colors = figures.embedding_colors(labels.astype(str), title="cluster",
                                          categorical=True, coords=coords)
        return figures.cell_embedding(coords, colors)

    @app.callback(Output("map", "figure", allow_duplicate=True), Input("kind", "value"),
                  prevent_initial_call=True)
    def recolour(kind):
        colors = (figures.embedding_colors(gene, title="GENE", categorical=False)
                  if kind == "gene" else figures.embedding_colors(
                      labels.astype(str), title="cluster", categorical=True, coords=coords))
        return color_patch(colors, n_cells=n_cells, cell_ids=False)

    return app


def response_bytes(driver) -> list[int]:
    """Encoded sizes of the Dash responses since the last call."""
    requests, sizes = set(), []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent" and \
                "_dash-update-component" in params.get("request", {}).get("url", ""):
            requests.add(params["requestId"])
        elif message["method"] == "Network.loadingFinished" and \
                params.get("requestId") in requests:
            sizes.append(int(params["encodedDataLength"]))
    return sizes


def wait_for(condition, timeout: float = 120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError("condition not met")


def measure(n_cells: int, port: int, repeats: int) -> dict:
    app = build_app(n_cells)
    server = threading.Thread(target=lambda: app.run(port=port, debug=False), daemon=True)
    server.start()
    time.sleep(2)
    driver = start_browser(performance_log=True)
    draws, recolours, sizes = [], [], []
    try:
        for _ in range(repeats):
            driver.get(f"http://127.0.0.1:{port}/")
            start = driver.execute_script("return performance.timeOrigin")
            wait_for(lambda: driver.execute_script(HOOKS_JS))
            drawn = wait_for(lambda: driver.execute_script(
                "const g = document.querySelector('#map .js-plotly-plot');"
                "return g && g._fullData && g._fullData[0] && g._fullData[0].x.length === "
                f"{n_cells} ? performance.now() : 0;"))
            draws.append(drawn / 1000)  # from navigation start
            response_bytes(driver)
            for value in ("gene", "cluster"):
                count = driver.execute_script("return window.__draws.length")
                t0 = driver.execute_script(
                    "const i = Array.from(document.querySelectorAll('#kind input'))"
                    f".find(x => x.value === '{value}'); const t = performance.now();"
                    " i.click(); return t;")
                t1 = wait_for(lambda: driver.execute_script(
                    f"return window.__draws.length > {count} ? "
                    f"window.__draws[window.__draws.length - 1] : 0"))
                if value == "gene":
                    recolours.append((t1 - t0) / 1000)
                    time.sleep(0.3)
                    sizes.append(max(response_bytes(driver) or [0]) / 1e6)
        del start
    finally:
        driver.quit()
    return {"cells": n_cells, "draw_s": statistics.median(draws),
            "recolour_s": statistics.median(recolours),
            "recolour_mb": statistics.median(sizes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=9740)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    row = measure(args.cells, args.port, args.repeats)
    print(f"{'cells':>8} {'draw s':>8} {'recolour s':>11} {'recolour MB':>12}")
    print(f"{row['cells']:>8,} {row['draw_s']:>8.2f} {row['recolour_s']:>11.3f} "
          f"{row['recolour_mb']:>12.3f}")
    print(f"{'target':>8} {TARGETS['draw_s']:>8.2f} {TARGETS['recolour_s']:>11.3f} "
          f"{TARGETS['recolour_mb']:>12.3f}")


if __name__ == "__main__":
    main()
