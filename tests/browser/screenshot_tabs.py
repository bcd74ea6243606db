"""Screenshots of every tab of the running app, to look at what a user sees.

    python tests/browser/screenshot_tabs.py OUT_DIR [PORT]

Starts the app on the bundled example (pasilla) on 127.0.0.1:PORT (default 18310) with an
empty store, drives headless Chromium through the tabs and writes one PNG per view:
the clustering views, QC, batch effect (ComBat on the library type, protecting the
condition), choose k, stability, agreement, a refused (confounded) batch correction on
the Batch and QC tabs, and genes clustered by Leiden into many clusters.
Not a test: it asserts nothing; it is how the figures were checked by eye.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from layouts import ids  # noqa: E402
from benchmarks.headless_chromium import start_browser  # noqa: E402


def start_server(port: int, cache: str) -> subprocess.Popen:
    env = dict(os.environ, RNACLUST_CACHE_DIR=cache, RNACLUST_WARM_UMAP="0",
               PORT=str(port), PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait(condition, timeout=120.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if condition():
                return True
        except Exception:  # noqa: BLE001 - the page is still rendering
            pass
        time.sleep(0.3)
    return False


def traces(driver, graph_id) -> int:
    return driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data ? g.data.length : 0;") or 0


def click(driver, selector):
    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                          element)


def choose(driver, dropdown_id, label):
    click(driver, f"#{dropdown_id}")
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"), 10)
    options = driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
    match = [o for o in options if o.text == label]
    driver.execute_script("arguments[0].click();", match[0])
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)


def set_number(driver, component_id, value):
    box = driver.find_element(By.ID, component_id)
    box.send_keys(Keys.CONTROL + "a")
    box.send_keys(str(value))
    box.send_keys(Keys.ENTER)


def open_tab(driver, label):
    driver.execute_script(
        f"Array.from(document.querySelectorAll('#{ids.VIEW_TABS} a'))"
        ".find(a => a.textContent === arguments[0]).click();", label)
    time.sleep(0.5)


def shoot(driver, out: Path, name: str, selector: str = "body"):
    """Screenshot of the whole tab content (the page scrolled as needed)."""
    time.sleep(1.5)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1500, min(max(1100, height + 100), 4000))
    time.sleep(0.8)
    driver.find_element(By.CSS_SELECTOR, selector).screenshot(str(out / f"{name}.png"))
    driver.set_window_size(1500, 1100)
    print("wrote", out / f"{name}.png", flush=True)


def run(out: Path, port: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cache = tempfile.mkdtemp(prefix="rnaclust-shots-")
    server = start_server(port, cache)
    driver = start_browser(window="1500,1100")
    try:
        url = f"http://127.0.0.1:{port}/"
        wait(lambda: driver.get(url) or True, 30)
        wait(lambda: traces(driver, ids.HEATMAP) > 0 and traces(driver, ids.SILHOUETTE) > 0)
        wait(lambda: traces(driver, ids.EMBEDDING) > 0)
        shoot(driver, out, "1_clustering")
        choose(driver, ids.COMPARE_WITH, "sample sheet: group")
        wait(lambda: "ARI" in driver.find_element(By.ID, ids.AGREEMENT).text, 30)
        shoot(driver, out, "2_agreement")
        open_tab(driver, "QC")
        wait(lambda: traces(driver, ids.QC_MEAN_VARIANCE) > 0)
        shoot(driver, out, "3_qc")
        choose(driver, ids.BATCH_COLUMN, "batch")
        choose(driver, ids.PROTECT, "group")
        choose(driver, ids.BATCH_METHOD, "ComBat")
        open_tab(driver, "Batch effect")
        wait(lambda: traces(driver, ids.BATCH_VIEW) > 0)
        shoot(driver, out, "4_batch")
        open_tab(driver, "Choose k")
        click(driver, f"#{ids.K_RUN}")
        wait(lambda: "Suggested" in driver.find_element(By.ID, ids.K_STATUS).text, 240)
        shoot(driver, out, "5_choose_k")
        open_tab(driver, "Stability")
        set_number(driver, ids.STABILITY_RESAMPLES, 30)
        click(driver, f"#{ids.STABILITY_RUN}")
        wait(lambda: "Jaccard" in driver.find_element(By.ID, ids.STABILITY_STATUS).text, 240)
        shoot(driver, out, "6_stability")
        # A refused correction: batch = library type, protecting the library type too.
        choose(driver, ids.PROTECT, "type")
        open_tab(driver, "Batch effect")
        time.sleep(6)
        shoot(driver, out, "7_confounded_batch")
        open_tab(driver, "QC")
        time.sleep(6)
        shoot(driver, out, "8_confounded_qc")
        open_tab(driver, "Clustering")
        time.sleep(3)
        shoot(driver, out, "9_confounded_clustering")
        choose(driver, ids.BATCH_METHOD, "None")
        click(driver, f"#{ids.TARGET} input[value=genes]")
        choose(driver, ids.METHOD, "Leiden (graph)")
        set_number(driver, ids.PCS, 5)
        set_number(driver, ids.RESOLUTION, 3)
        wait(lambda: "Leiden" in driver.find_element(By.ID, ids.METRICS).text, 90)
        shoot(driver, out, "10_genes_leiden")
    finally:
        driver.quit()
        server.terminate()
        server.wait(10)
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    run(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 18310)
