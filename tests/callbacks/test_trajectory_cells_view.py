"""The Trajectory tab on single cells, called as plain functions: it follows the Cells
tab's analysis (its stored result), runs DPT and PAGA on that kNN graph, draws them over
the Cells map with WebGL, takes a clicked cell as root, and enriches the genes rising and
falling along pseudotime through the shared enrichment block."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from callback_helpers import data_url, run_cells_analysis
from scipy.stats import spearmanr

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.pipeline.trajectory import RootChoice
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.trajectory.genes import DIRECTION_QUERIES
from views import trajectory
from views import cells_results as results
from views.enrichment import UPLOADED
from views.pattern_enrichment import enrich_groups

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from test_trajectory_cells import differentiation, hand_made_gmt, two_populations  # noqa: E402,E501

CONTROLS = {name: None for name in results.CELL_PARAMS} | {
    "min_genes": 10, "min_cells": 1, "hvg": 0, "pcs": 10, "neighbors": 15,
    "embedding": "pca"}


@pytest.fixture(scope="module")
def cells_store(tmp_path_factory):
    """A store with the simulated differentiation analysed by the Cells tab, and the
    analysis store the Trajectory tab sees (the Cells result, marked as cells)."""
    store = ResultStore(tmp_path_factory.mktemp("trajectory_cells") / "store")
    adata = differentiation()
    key = put_dataset(store, Dataset.from_anndata(adata, value_kind="counts"))
    result_store = run_cells_analysis(store, {"key": key, "mode": "single-cell"}, CONTROLS)
    yield store, dict(result_store, cells=True), adata.obs
    store.cache.close()


def _computed(store, analysis_store, root, groups=trajectory.CLUSTERS):
    result, job, status, _, _ = trajectory.request(store, analysis_store, trajectory.TAB_ID,
                                                   groups, root)
    if job is not None and job is not trajectory.no_update:
        assert "Ordering the cells" in status
        result = trajectory.compute(store, job)
    return result


def test_menus_offer_the_cells_clusters_and_few_valued_columns(cells_store):
    store, analysis_store, obs = cells_store
    groups, value, roots, root, columns, column = trajectory.choices(
        store, analysis_store, None)
    values = [o["value"] for o in groups]
    assert value == trajectory.CLUSTERS and "day" in values
    assert "t" not in values  # 300 distinct values are no groups
    assert root == "1" and {"t", "day"} <= {o["value"] for o in columns}


def test_cells_ordered_from_a_column_drawn_with_webgl_over_the_cells_map(cells_store):
    store, analysis_store, obs = cells_store
    result = _computed(store, analysis_store, RootChoice(column="day"), groups="day")
    _, found, genes = store.get(result["key"])
    assert spearmanr(found.pseudotime, obs.loc[found.ids, "t"])[0] >= 0.9
    assert list(found.paga.index) == ["0", "1", "2", "3", "4"]
    main, heatmap, status, notices = trajectory.figures(store, result, "pca", 0.1)
    points = [t for t in main["data"] if t.get("meta") == "embedding"]
    assert points and all(t["type"] == "scattergl" for t in points)
    assert sum(len(t["x"]) for t in points) == 300
    assert "pseudotime for 300 of 300 cells" in status and notices == ""
    assert any(t.get("meta") == "paga-node" for t in main["data"])
    # the heatmap names genes by symbol
    assert {g[:4] for g in heatmap["data"][0]["y"]} <= {"RISE", "FALL"}


def test_a_clicked_cell_is_the_root(cells_store):
    store, analysis_store, obs = cells_store
    cell = str(obs.index[150])
    root_cell, mode, _ = trajectory.clicked_root({"points": [{"customdata": cell}]})
    assert (root_cell, mode) == (cell, "cell")
    root = trajectory.root_choice(mode, root_cell, None, None, trajectory.CLUSTERS)
    result = _computed(store, analysis_store, root)
    _, found, _ = store.get(result["key"])
    assert found.ids[found.root] == cell and found.pseudotime[found.root] == 0
    # from the middle of the process, both ends are far
    ends = found.pseudotime[[0, len(found.ids) - 1]]
    assert (ends > np.median(found.pseudotime)).all()


def test_enrichment_of_rising_and_falling_genes_in_the_shared_block(cells_store, tmp_path):
    store, analysis_store, obs = cells_store
    first = str(obs.index[np.argmin(obs["t"].to_numpy())])
    result = _computed(store, analysis_store, RootChoice(item=first))
    lists, universe = trajectory.trend_genes(store, result)
    assert set(lists) == set(DIRECTION_QUERIES.values()) and len(universe) == 300
    gmt = hand_made_gmt(tmp_path / "sets.gmt").read_bytes()
    table, note = enrich_groups(lists, universe, sets=UPLOADED,
                                upload=data_url(gmt, "text/plain"), upload_name="sets.gmt")
    best = table.sort_values("pvalue").groupby("query").head(1).set_index("query")["term"]
    assert best[DIRECTION_QUERIES["up"]] == "RISING"
    assert best[DIRECTION_QUERIES["down"]] == "FALLING"
    assert "2 gene lists" in note


def test_a_bulk_analysis_store_is_not_taken_for_cells(cells_store):
    store, analysis_store, _ = cells_store
    assert trajectory.is_cells(analysis_store)
    assert not trajectory.is_cells({k: v for k, v in analysis_store.items() if k != "cells"})


def test_cells_the_root_cannot_reach_are_named_and_drawn_grey(tmp_path):
    store = ResultStore(tmp_path / "store")
    key = put_dataset(store, Dataset.from_anndata(two_populations(), value_kind="counts"))
    analysis_store = dict(run_cells_analysis(store, {"key": key, "mode": "single-cell"},
                                             CONTROLS), cells=True)
    result = _computed(store, analysis_store, RootChoice(item="A000"))
    main, _, status, notices = trajectory.figures(store, result, "pca", 0.1)
    assert "pseudotime for 60 of 120 cells" in status
    assert "60 of 120 items cannot be reached from the root" in notices and "B000" in notices
    grey = [t for t in main["data"] if t.get("name", "").startswith("no pseudotime")]
    assert grey and sum(len(t["x"]) for t in grey) == 60
    store.cache.close()
