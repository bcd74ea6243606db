"""Benchmark of the Cells map in headless Chromium (issue 9 item 6): prints a table.

N synthetic cells (12 planted clusters on a 2-D map, a sparse log matrix of N cells x
``--genes`` genes, a cell-sheet column) are written as the analysis job writes them: a
map artifact in a result store on disk (:func:`views.cells_map.write_map`). A small Dash
app then serves, through the view's own functions and a fresh store handle (as any web
worker would: nothing kept in memory), the map (:func:`views.cells_callbacks.map_panel`)
and its recolours (:func:`views.cells_callbacks.recolor`), two ways:

in place    the view's way: the colour codes into a store, applied by the clientside
            callback of ``assets/cells_recolour.js`` straight into the WebGL buffers;
patch       the earlier way: the same colours as a ``dash.Patch`` of the figure, which
            dcc.Graph redraws with ``Plotly.react`` (every point recomputed).

Measured in the browser:

(draw)      seconds from the page's navigation start to plotly's first drawing of all
            the cells (the result is ready: no pipeline in the timing);
(recolour)  seconds from choosing "colour by gene" (or by the cell-sheet column) to the
            new colours on screen (two animation frames after the redraw: the WebGL
            drawing is presented), then (+ bar, names) to the colour bar and category
            names on screen too (in place: drawn with the colours), and the bytes of
            the Dash response (Chrome's network events, encoded, headers included);
(server)    seconds spent in the callback on the server (reading the store, encoding),
            part of the recolour time;
(plotly)    seconds ``Plotly.restyle`` of the colours alone takes to the same frame
            (no server, no Dash), what any plotly-driven recolour costs at the least,
            and (frame) a bare redraw of the map's WebGL points: the floor under any
            recolour in this browser (headless Chromium draws WebGL on the CPU).

Usage: ``python benchmarks/bench_sc_view.py [--cells 100000] [--genes 2000]
[--port 9740] [--repeats 3] [--modes "in place,patch"]``. Targets: draw <= 3 s,
recolour <= 0.5 s and <= 0.5 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.headless_chromium import start_browser  # noqa: E402

TARGETS = {"draw_s": 3.0, "gene_s": 0.5, "gene_mb": 0.5, "column_s": 0.5,
           "column_mb": 0.5}

HOOKS_JS = """
window.__draws = window.__draws || [];  // the new colours on screen
window.__decorated = window.__decorated || [];  // and the colour bar and names
const g = document.querySelector('#map .js-plotly-plot');
// the frame after a redraw (a react gives afterplot; in place: our event)
const onScreen = (list) => () => requestAnimationFrame(() => requestAnimationFrame(
  () => list.push(performance.now())));
if (g && !g.__hooked) { g.__hooked = true;
  g.on('plotly_afterplot', onScreen(window.__draws));
  g.on('plotly_afterplot', onScreen(window.__decorated));
  g.on('rnaclust_recoloured', onScreen(window.__draws));
  g.on('rnaclust_recoloured', onScreen(window.__decorated)); }
return !!g;
"""


def synthetic_cells(n_cells: int, n_genes: int, *, seed: int = 0):
    """What :func:`views.cells_map.write_map` reads of an analysis: planted clusters on
    a 2-D map, a sparse log matrix (cells x genes, ~10 % non-zero; GENE1 in 30 % of the
    cells), markers, a cell sheet with a ``batch`` column."""
    from scipy import sparse

    from rnaclust_dash.tl.embed import Embedding

    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 13, size=n_cells).astype(np.int32)
    centres = rng.normal(0, 8, size=(13, 2))
    coords = (centres[labels] + rng.normal(0, 1, size=(n_cells, 2))).astype(np.float32)
    per_cell = max(1, n_genes // 10)  # ~10 % non-zero (repeats summed: a bit fewer)
    rows = np.repeat(np.arange(n_cells), per_cell)
    columns = rng.integers(0, n_genes, size=rows.size)
    values = np.log1p(rng.gamma(1.0, 2.0, size=rows.size)).astype(np.float32)
    log_values = sparse.csr_matrix((values, (rows, columns)), shape=(n_cells, n_genes))
    gene = np.where(rng.random(n_cells) < 0.3, rng.gamma(2, 1, n_cells), 0)
    log_values = sparse.hstack([log_values[:, :1], sparse.csr_matrix(gene[:, None]),
                                log_values[:, 2:]], format="csr", dtype=np.float32)
    genes = np.array([f"ENSG{i:08d}" for i in range(n_genes)])
    symbols = np.array([f"GENE{i}" for i in range(n_genes)])
    cell_ids = np.array([f"CELL{i:06d}-1" for i in range(n_cells)])
    markers = pd.DataFrame([{"group": g, "gene": genes[10 * g + r], "rank": r + 1,
                             "score": 10.0 - r, "log2fc": 2.0, "pvalue": 1e-10,
                             "padj": 1e-8, "pct_in": 0.8, "pct_out": 0.1,
                             "symbol": symbols[10 * g + r]}
                            for g in range(1, 13) for r in range(10)])
    metrics = {"n_cells_input": n_cells, "n_cells": n_cells, "n_genes_input": n_genes,
               "n_genes": n_genes, "n_hvg": 2000, "n_pcs": 30, "n_clusters": 12}
    result = SimpleNamespace(
        labels=labels, embedding=Embedding(coords, ("UMAP1", "UMAP2")), gene_ids=genes,
        cell_ids=cell_ids, markers=markers, marker_groups="cluster", notices=(),
        log_values=log_values, metrics=lambda: metrics,
        pca=SimpleNamespace(variance_ratio=np.linspace(0.1, 0.001, 50)))
    obs = pd.DataFrame({"batch": rng.choice(["p1", "p2", "p3"], size=n_cells)},
                       index=cell_ids)
    return SimpleNamespace(result=result, symbols=symbols, obs=obs)


def as_patch(spec: dict):
    """The earlier recolour: a :func:`views.cells_callbacks.recolour_spec` as a Patch of
    the figure (dcc.Graph then redraws it with Plotly.react)."""
    from dash import Patch

    patch = Patch()
    for name in ("color", "colorscale", "cmin", "cmax", "showscale", "colorbar"):
        patch["data"][0]["marker"][name] = spec[name]
    if "customdata" in spec:
        patch["data"][0]["customdata"] = spec["customdata"]
    patch["data"][0]["hovertemplate"] = spec["hovertemplate"]
    patch["layout"]["annotations"] = spec["annotations"]
    return patch


def build_app(n_cells: int, n_genes: int, folder: Path, timings: dict, mode: str):
    """The bench app on a store in ``folder`` holding the map of ``n_cells`` cells,
    recolouring in ``mode`` ("in place" or "patch"); ``timings`` collects the server
    seconds of each callback."""
    from dash import Dash, Input, Output, dcc, html

    from rnaclust_dash.params import single_cell_defaults
    from rnaclust_dash.store import ResultStore
    from views.cells_callbacks import map_panel, recolor, register_recolour
    from views.cells_map import write_map

    writer = ResultStore(folder)
    cells = synthetic_cells(n_cells, n_genes)
    started = time.perf_counter()
    write_map(writer, "sc_map-bench", cells)
    timings["write_s"] = [time.perf_counter() - started]
    writer.close()
    reference = {"key": "dataset-bench", "params": single_cell_defaults().to_dict(),
                 "map": "sc_map-bench"}
    store = ResultStore(folder)  # a fresh handle: what any web worker has
    app = Dash(__name__, assets_folder=str(ROOT / "assets"))
    app.layout = html.Div([
        dcc.RadioItems(id="kind", options=["cluster", "gene", "column"], value="cluster"),
        dcc.Graph(id="map", style={"height": "600px"}), dcc.Store(id="colors"),
        dcc.Store(id="recoloured")])
    register_recolour(app, spec_store="colors", graph="map", done_store="recoloured")
    in_place = mode == "in place"

    @app.callback(Output("map", "figure"), Input("map", "id"))
    def draw(_):
        started = time.perf_counter()
        figure = map_panel(store, reference, {})[1]
        timings.setdefault("draw", []).append(time.perf_counter() - started)
        return figure

    @app.callback(Output("colors" if in_place else "map",
                         "data" if in_place else "figure", allow_duplicate=not in_place),
                  Input("kind", "value"), prevent_initial_call=True)
    def recolour(kind):
        started = time.perf_counter()
        spec = recolor(store, reference, kind, "GENE1", "batch", {})
        value = spec if in_place else as_patch(spec)
        # Dash encodes the output after the callback: include it (as the response does)
        json.dumps(value if in_place else value.to_plotly_json(),
                   cls=__import__("plotly").utils.PlotlyJSONEncoder)
        timings.setdefault(kind, []).append(time.perf_counter() - started)
        return value

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


def _next(driver, name: str, count: int) -> float:
    return wait_for(lambda: driver.execute_script(
        f"return window.{name}.length > {count} ? window.{name}[{count}] : 0"))


def recolour_once(driver, value: str) -> tuple[float, float, float]:
    """Choose ``value`` in the colour radio; (seconds to the new colours on screen, MB
    received, seconds to the colour bar and names on screen too)."""
    counts = driver.execute_script("return [window.__draws.length, "
                                   "window.__decorated.length]")
    response_bytes(driver)
    t0 = driver.execute_script(
        "const i = Array.from(document.querySelectorAll('#kind input'))"
        f".find(x => x.value === '{value}'); const t = performance.now();"
        " i.click(); return t;")
    t1 = _next(driver, "__draws", counts[0])
    t2 = _next(driver, "__decorated", counts[1])
    time.sleep(0.3)
    return (t1 - t0) / 1000, max(response_bytes(driver) or [0]) / 1e6, (t2 - t0) / 1000


PLOTLY_ALONE_JS = """
const done = arguments[arguments.length - 1];
const g = document.querySelector('#map .js-plotly-plot');
const codes = new Uint8Array(g._fullData[0].x.length);
for (let i = 0; i < codes.length; i++) codes[i] = (i * 7) % 256;
const onScreen = t0 => requestAnimationFrame(() => requestAnimationFrame(
  () => done((performance.now() - t0) / 1000)));
const t0 = performance.now();
if (arguments[0] === 'frame') { g._fullLayout._plots.xy._scene.draw(); onScreen(t0); }
else Plotly.restyle(g, {'marker.color': [codes], 'marker.cmin': 0, 'marker.cmax': 255})
  .then(() => onScreen(t0));
"""


def plotly_alone(driver, what: str = "restyle") -> float:
    """Seconds to the screen of ``Plotly.restyle`` of new colours (no server, no Dash),
    or with ``what="frame"`` of a bare redraw of the map's WebGL points."""
    driver.set_script_timeout(120)
    return driver.execute_async_script(PLOTLY_ALONE_JS, what)


def measure(n_cells: int, n_genes: int, port: int, repeats: int, mode: str) -> dict:
    timings: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-sc-view-") as folder:
        app = build_app(n_cells, n_genes, Path(folder), timings, mode)
        server = threading.Thread(target=lambda: app.run(port=port, debug=False),
                                  daemon=True)
        server.start()
        time.sleep(2)
        driver = start_browser(performance_log=True)
        draws, alone, frame, seen = [], [], [], {"gene": [], "column": []}
        try:
            for _ in range(repeats):
                driver.get(f"http://127.0.0.1:{port}/")
                wait_for(lambda: driver.execute_script(HOOKS_JS))
                drawn = wait_for(lambda: driver.execute_script(
                    "const g = document.querySelector('#map .js-plotly-plot');"
                    "return g && g._fullData && g._fullData[0] && g._fullData[0].x.length"
                    f" === {n_cells} ? performance.now() : 0;"))
                draws.append(drawn / 1000)  # from navigation start
                for value in ("gene", "cluster", "column", "cluster"):
                    took = recolour_once(driver, value)
                    if value in seen:
                        seen[value].append(took)
                alone.append(plotly_alone(driver))
                frame.append(plotly_alone(driver, "frame"))
        finally:
            driver.quit()
    row = {"cells": n_cells, "genes": n_genes, "draw_s": statistics.median(draws),
           "write_s": timings["write_s"][0],
           "draw_server_s": statistics.median(timings["draw"]),
           "plotly_alone_s": statistics.median(alone),
           "frame_s": statistics.median(frame)}
    for kind, values in seen.items():
        row[f"{kind}_s"] = statistics.median(v[0] for v in values)
        row[f"{kind}_mb"] = statistics.median(v[1] for v in values)
        row[f"{kind}_full_s"] = statistics.median(v[2] for v in values)
        row[f"{kind}_server_s"] = statistics.median(timings[kind])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--genes", type=int, default=2_000)
    parser.add_argument("--port", type=int, default=9740)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modes", default="in place,patch",
                        help="recolour paths to measure, comma-separated")
    args = parser.parse_args()
    rows = {mode: measure(args.cells, args.genes, args.port + i, args.repeats, mode)
            for i, mode in enumerate(args.modes.split(","))}
    first = next(iter(rows.values()))
    print(f"{first['cells']:,} cells x {first['genes']:,} genes; map artifact written in "
          f"{first['write_s']:.1f} s; medians of {args.repeats}")
    print(f"{'':>16} {'draw s':>8} {'gene s':>8} {'gene MB':>8} {'column s':>9} "
          f"{'column MB':>10}")
    for mode, row in rows.items():
        print(f"{'browser, ' + mode:>16} {row['draw_s']:>8.2f} {row['gene_s']:>8.3f} "
              f"{row['gene_mb']:>8.3f} {row['column_s']:>9.3f} {row['column_mb']:>10.3f}")
        print(f"{'+ bar, names':>16} {'':>8} {row['gene_full_s']:>8.3f} {'':>8} "
              f"{row['column_full_s']:>9.3f}")
        print(f"{'server, ' + mode:>16} {row['draw_server_s']:>8.2f} "
              f"{row['gene_server_s']:>8.3f} {'':>8} {row['column_server_s']:>9.3f}")
    alone = statistics.median(row["plotly_alone_s"] for row in rows.values())
    frame = statistics.median(row["frame_s"] for row in rows.values())
    print(f"{'plotly restyle':>16} {'':>8} {alone:>8.3f} {'':>8} {alone:>9.3f}   "
          "(Plotly.restyle of the colours alone, to the screen)")
    print(f"{'frame':>16} {'':>8} {frame:>8.3f} {'':>8} {frame:>9.3f}   "
          "(a bare WebGL redraw of the points: the floor)")
    print(f"{'target':>16} {TARGETS['draw_s']:>8.2f} {TARGETS['gene_s']:>8.3f} "
          f"{TARGETS['gene_mb']:>8.3f} {TARGETS['column_s']:>9.3f} "
          f"{TARGETS['column_mb']:>10.3f}")


if __name__ == "__main__":
    main()
