"""The reproduce-and-report rows in headless Chromium (issue 14 items 2-3): on the
bundled CellBench example, the Cells tab's script + notebook zip and HTML report (a
background job) download for the analysis on the map (a split too), and the report
opens offline with its figures drawn; the Clustering sidebar's report and script
download through the same callbacks."""

import zipfile
from pathlib import Path

import pytest

from test_app import click, load_example, shot, wait_rendered, wait_until
from test_cells_tab import choose_typed
from views import cells, cells_callbacks, cells_downloads, cells_splits

pytestmark = pytest.mark.browser

ROW = cells_downloads.ROW


def _downloaded(dash_duo, name: str, timeout: float = 120) -> Path:
    target = Path(dash_duo.download_path) / name
    wait_until(lambda: target.exists() and target.stat().st_size > 0, timeout=timeout)
    return target


@pytest.mark.slow
def test_cells_tab_downloads_the_script_and_the_report(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    load_example(dash_duo, "cellbench")  # opens the Cells tab and runs it
    # the first analysis may compile UMAP (numba): minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=600)
    summary = dash_duo.find_element(f"#{cells.SUMMARY}").text
    n_clusters = int(summary.split(" PCs, ")[1].split(" clusters")[0])

    click(dash_duo, f"#{ROW.script_button}")
    bundle = zipfile.ZipFile(_downloaded(dash_duo, "rnaclust-dash-analysis.zip"))
    assert sorted(bundle.namelist()) == ["analysis.ipynb", "analysis.py", "params.json"]
    script = bundle.read("analysis.py").decode()
    assert "COUNTS = Path('counts.h5')" in script and "resolution=0.5" in script

    click(dash_duo, f"#{ROW.report_button}")
    report = _downloaded(dash_duo, "report.html")
    text = report.read_text(encoding="utf-8")
    assert "(single cells)" in text and f"into {n_clusters} clusters" in text
    assert "<script src" not in text
    # nothing went wrong: the row's alert stays closed (a closed dbc.Alert is not drawn)
    assert _alert_text(dash_duo) == ""
    dash_duo.driver.execute_script(
        f"document.getElementById('{ROW.script_button}').scrollIntoView({{block: 'center'}});")
    shot(dash_duo, "cells_downloads_row")

    # after a split, the script of the split map downloads (it replays the split)
    Path(dash_duo.download_path, "rnaclust-dash-analysis.zip").unlink()
    click(dash_duo, f"#{cells_splits.SPLIT_CLUSTER}")
    choose_typed(dash_duo, "1")
    click(dash_duo, f"#{cells_splits.SPLIT_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{cells_splits.SPLIT_MESSAGE}", "Splits: 1 at 0.5",
                                    timeout=30)
    wait_until(lambda: dash_duo.find_element(f"#{cells.SUMMARY}").text not in (
        summary, cells_callbacks.ANALYSING), timeout=300)  # the split map is drawn
    click(dash_duo, f"#{ROW.script_button}")
    bundle = zipfile.ZipFile(_downloaded(dash_duo, "rnaclust-dash-analysis.zip"))
    assert '"subclusters"' in bundle.read("params.json").decode()
    assert "graph_split_fit" in bundle.read("analysis.py").decode()
    assert _alert_text(dash_duo) == ""

    # the report opens offline with its four figures drawn
    dash_duo.driver.get(report.as_uri())
    wait_until(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('.js-plotly-plot .main-svg').length") >= 4,
        timeout=60)
    dash_duo.driver.set_window_size(1400, 2600)
    shot(dash_duo, "cells_report")
    dash_duo.driver.set_window_size(1400, 1000)


def _alert_text(dash_duo) -> str:
    alerts = dash_duo.driver.find_elements("css selector", f"#{ROW.alert}")
    return alerts[0].text if alerts and alerts[0].is_displayed() else ""


def test_sidebar_report_downloads_through_the_shared_row(dash_duo, app_factory):
    """The Clustering sidebar's downloads run on the same callbacks (report: a job)."""
    from layouts import ids

    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    click(dash_duo, f"#{ids.DOWNLOAD_REPORT_BUTTON}")
    text = _downloaded(dash_duo, "report.html").read_text(encoding="utf-8")
    assert "rnaclust-dash report: pasilla" in text and "Figure 3. Silhouette" in text
    click(dash_duo, f"#{ids.DOWNLOAD_SCRIPT_BUTTON}")
    bundle = zipfile.ZipFile(_downloaded(dash_duo, "rnaclust-dash-analysis.zip"))
    assert "analysis.py" in bundle.namelist()
