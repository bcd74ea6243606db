"""A lasso over part of a cluster in headless Chromium (issue 12 item 1): the split card
says what Split will do, Split makes the lassoed samples C.1 and the rest of the cluster
C.2 (in the scatter, with the right members), Undo brings cluster C back."""

import pytest

from layouts import ids
from test_app import colour_by_cluster
from test_markers_tab import click, graph_js, shot, wait_until
from views.clustering import splits

pytestmark = [pytest.mark.browser]

LASSO_SHOT = "clustering_split_lasso"

MEMBERS_JS = ("Object.fromEntries(g.data.filter(t => t.name && t.customdata)"
              ".map(t => [t.name, Array.from(t.customdata).map(String).sort()]))")


def _members(dash_duo) -> dict:
    return graph_js(dash_duo, ids.EMBEDDING, MEMBERS_JS) or {}


def test_lasso_part_of_a_cluster_split_it_off_then_undo(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    colour_by_cluster(dash_duo)
    wait_until(lambda: any(len(v) >= 3 for v in _members(dash_duo).values()))
    before = _members(dash_duo)
    name = max(before, key=lambda n: len(before[n]))
    cluster = name.removeprefix("cluster ")
    lassoed = before[name][:2]
    rest = before[name][2:]
    # a lasso over two of the cluster's samples: plotly emits plotly_selected
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.EMBEDDING} .js-plotly-plot');"
        f"const wanted = {lassoed!r};"
        "const pts = [];"
        "g.data.forEach((t, c) => (t.customdata || []).forEach((id, i) => {"
        "  if (wanted.includes(String(id))) pts.push({curveNumber: c, pointNumber: i,"
        "    pointIndex: i, customdata: id, data: t}); }));"
        "g.emit('plotly_selected', {points: pts});")
    dash_duo.wait_for_contains_text(f"#{ids.SELECTION_INFO}", "2 samples selected", timeout=30)
    dash_duo.wait_for_contains_text(
        f"#{splits.ACTION}", f"Split makes the 2 selected samples cluster {cluster}.1 and the "
        f"rest of cluster {cluster} cluster {cluster}.2", timeout=30)
    assert dash_duo.find_element(f"#{splits.MODE_BOX}").is_displayed()
    shot(dash_duo, LASSO_SHOT + "_before", height=1000)
    click(dash_duo, f"#{splits.SPLIT_BUTTON}")
    wait_until(lambda: f"cluster {cluster}.1" in _members(dash_duo))
    after = _members(dash_duo)
    assert after[f"cluster {cluster}.1"] == lassoed
    assert after[f"cluster {cluster}.2"] == rest
    assert name not in after
    dash_duo.wait_for_contains_text(f"#{splits.HISTORY}",
                                    f"Splits: {cluster} (2 selected split off)", timeout=30)
    shot(dash_duo, LASSO_SHOT, height=1600)
    click(dash_duo, f"#{splits.UNDO_BUTTON}")
    wait_until(lambda: name in _members(dash_duo))
    assert _members(dash_duo)[name] == before[name]
    assert f"cluster {cluster}.1" not in _members(dash_duo)
