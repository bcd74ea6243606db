"""A file over the upload limit (RNACLUST_MAX_UPLOAD_MB) in headless Chromium: the
browser refuses it before reading or sending it and the data card says how big it is,
what the server accepts and what to do (issue 13 item 3); a file under the limit loads."""

import numpy as np
import pandas as pd
import pytest

from layouts import ids
from test_app import shot, upload, wait_rendered

pytestmark = pytest.mark.browser


def count_table(path, n_genes):
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(50, size=(n_genes, 6)),
                          index=[f"gene{i}" for i in range(n_genes)],
                          columns=[f"s{j}" for j in range(6)])
    counts.rename_axis("gene_id").to_csv(path)
    return path


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(
        dash_duo, app_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "0.1")
    big = count_table(tmp_path / "big_counts.csv", 12_000)
    size_mb = big.stat().st_size / 1e6
    assert 0.2 < size_mb < 10
    small = count_table(tmp_path / "small_counts.csv", 200)
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    before = dash_duo.find_element(f"#{ids.DATASET_INFO}").text
    # count the callback requests that carry the big file from here on
    dash_duo.driver.execute_script(
        "window.__posts = 0; const f = window.fetch; window.fetch = function(url, ...rest) {"
        "  if (String(url).includes('_dash-update-component') &&"
        "      String((rest[0] || {}).body).includes('_counts.csv')) { window.__posts += 1; }"
        "  return f.call(this, url, ...rest); };")
    upload(dash_duo, ids.UPLOAD_COUNTS, big)
    alert = f"#{ids.VIEW_ALERTS['data']}"
    dash_duo.wait_for_contains_text(alert, "big_counts.csv", timeout=20)
    text = dash_duo.find_element(alert).text
    assert f"is {size_mb:.1f} MB" in text
    assert "accepts up to 0.1 MB per file" in text
    assert "RNACLUST_DATA_DIR" in text and "RNACLUST_MAX_UPLOAD_MB" in text
    shot(dash_duo, "upload_too_large")
    # the file was not sent (no callback request carried it); the loaded dataset stays
    assert dash_duo.driver.execute_script("return window.__posts") == 0
    assert dash_duo.find_element(f"#{ids.DATASET_INFO}").text == before
    upload(dash_duo, ids.UPLOAD_COUNTS, small)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "small_counts.csv", timeout=60)
    assert dash_duo.driver.execute_script("return window.__posts") > 0  # the count counts
    assert dash_duo.get_logs() == []
