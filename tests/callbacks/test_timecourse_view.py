"""The Time course and Modules views' callbacks, called as plain functions on the bundled
fission time course. The numbers are compared with R (tests/data/reference/fission:
Mfuzz 2.31.2 with e1071 1.7-13, DESeq2 1.38.3, WGCNA 1.72-1; see versions_and_params.txt
and wgcna_params.txt there)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from callback_helpers import (REPO, analysis_controls, assert_accepted, data_url,
                              guarded_analysis, guarded_data, out, registered)
from dash import no_update
from scipy.optimize import linear_sum_assignment
from scipy.stats import hypergeom
from sklearn.metrics import adjusted_rand_score

from callbacks import data
from views.clustering import analysis
from layouts import ids
from rnaclust_dash.errors import DataError, ParameterError
from views import modules as modules_view
from views.pattern_enrichment import enrich_groups
from views import timecourse as tc_view

FISSION = REPO / "tests" / "data" / "reference" / "fission"


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    from rnaclust_dash.store import ResultStore
    store = ResultStore(tmp_path_factory.mktemp("store"))
    yield store
    store.cache.close()


@pytest.fixture(scope="module")
def fission(module_store) -> dict:
    """The analysis-store after loading the fission example and running its analysis."""
    outputs = guarded_data(module_store, ids.EXAMPLE, "fission", None, None, None, None, None,
                           None, None)
    assert_accepted(outputs, data)
    dataset_store = out(outputs, data, ids.DATASET_STORE, "data")
    result = guarded_analysis(module_store, dataset_store, analysis_controls(outputs), [])
    assert_accepted(result, analysis)
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


def choices(**changes) -> list:
    """The Time course controls in build_request's order: wt samples, LRT padj < 0.01,
    Mfuzz c = 4, m by mestimate, Dmin up to 6, seed 0."""
    values = {"time_column": "minute", "group_column": "strain", "group": "wt",
              "selection": "lrt", "padj": 0.01, "top": 1000, "method": "mfuzz",
              "clusters": 4, "fuzzifier": None, "dmin_max": 6, "seed": 0, "min_size": 15,
              "merge": None}
    values.update(changes)
    return list(values.values())


def run(store, analysis_store, **changes) -> dict:
    """What the view does: ask, and compute when the result is not stored yet."""
    outputs = tc_view.request_patterns(store, analysis_store, *choices(**changes))
    if outputs[0] is not no_update:
        return outputs[0]
    return tc_view.compute_patterns(store, analysis_store, outputs[1]["request"])


def matched_centers(ours: pd.DataFrame, theirs: pd.DataFrame) -> np.ndarray:
    """Correlation of each R centre with its best-matching centre of ours."""
    r = np.corrcoef(ours.to_numpy(), theirs.to_numpy())[:len(ours), len(ours):]
    rows, cols = linear_sum_assignment(-r)
    return r[rows, cols]


# --- Time course ------------------------------------------------------------------------


def test_menus_offer_minute_and_the_strains_side_by_side(module_store, fission):
    time_options, time, columns, column, groups, group = tc_view.menus(
        module_store, fission, tc_view.TAB_ID, None, None, None)
    assert [o["value"] for o in time_options] == ["minute"] and time == "minute"
    assert column == "strain" and "replicate" in [o["value"] for o in columns]
    assert [o["value"] for o in groups] == [tc_view.SIDE_BY_SIDE, "mut", "wt"]
    assert group == tc_view.SIDE_BY_SIDE
    assert tc_view.menus(module_store, fission, "clustering", None, None, None) == \
        tuple([no_update] * 6)


def test_mfuzz_of_the_wt_time_course_equals_r(module_store, fission):
    reference = run(module_store, fission)
    result = module_store.get(reference["key"])
    tables = result["tables"]
    assert len(tables.profiles) == 2845  # R: 2,845 genes with LRT padj < 0.01
    assert abs(tables.fit.m - 1.7395) < 5e-5  # R's mestimate, printed to 4 decimals
    r_centers = pd.read_csv(FISSION / "mfuzz_wt_vstmean_padj0.01_c4_centers.csv",
                            index_col="cluster").drop(columns="size")
    assert matched_centers(tables.centers, r_centers).min() >= 0.99
    hard = pd.read_csv(FISSION / "mfuzz_wt_vstmean_padj0.01_hard_clusters.csv",
                       index_col="gene_id")["c4"]
    labels = tables.memberships.set_index("gene")["cluster"]
    assert adjusted_rand_score(hard.loc[labels.index], labels) >= 0.9
    assert "DESeq2 LRT of time, padj < 0.01: 2,845 genes; 4 clusters" in reference["summary"]
    assert list(result["dmin"].index) == [2, 3, 4, 5, 6]


def test_a_new_c_reuses_the_test_of_time_and_a_stored_result_needs_no_job(
        module_store, fission, monkeypatch):
    run(module_store, fission)

    def no_test(*args, **kwargs):
        raise AssertionError("the test of time ran again")
    monkeypatch.setattr(tc_view, "timecourse_input", no_test)
    outputs = tc_view.request_patterns(module_store, fission, *choices(clusters=3))
    assert outputs[0] is no_update and outputs[1]["request"]["clusters"] == 3
    reference = tc_view.compute_patterns(module_store, fission, outputs[1]["request"])
    assert reference["clusters"] == [1, 2, 3]
    again = tc_view.request_patterns(module_store, fission, *choices(clusters=3))
    assert again[0]["key"] == reference["key"] and again[1] is no_update


def test_profiles_table_and_click_of_a_cluster(module_store, fission):
    reference = run(module_store, fission)
    tables = module_store.get(reference["key"])["tables"]
    profile, dmin, overlap = tc_view.figures(module_store, reference, 0.5, None)
    assert len(profile.layout.annotations) >= 4  # one title per cluster panel
    assert dmin.data[0].meta == "dmin" and overlap.data[0].meta == "overlap"
    columns, rows, options = tc_view.gene_rows(module_store, reference, "2", 0.7)
    assert {c["id"] for c in columns} == {"gene", "cluster", "membership", "core", "padj"}
    expected = tables.memberships[tables.memberships["cluster"] == 2]
    assert len(rows) == len(expected) and {r["cluster"] for r in rows} == {2}
    first = expected.set_index("gene")["membership_2"].idxmax()
    assert rows[0]["gene"] == first and rows[0]["core"] == "yes"  # highest membership first
    assert all((r["membership"] > 0.7) == (r["core"] == "yes") for r in rows)
    assert [o["value"] for o in options] == [tc_view.ALL, "1", "2", "3", "4"]
    click = {"points": [{"customdata": 3}]}
    assert tc_view.pick_cluster(module_store, reference, fission, click) == \
        ("3", no_update, no_update)  # samples are clustered: the heatmap is not touched
    genes_clustered = {**fission, "params": {**fission["params"], "target": "genes"}}
    value, selection, info = tc_view.pick_cluster(module_store, reference, genes_clustered,
                                                  click)
    expected = tables.memberships.loc[tables.memberships["cluster"] == 3, "gene"].tolist()
    assert value == "3" and selection == expected and info.startswith(f"{len(expected):,} genes")


def test_other_data_puts_the_patterns_of_the_data_before_away(module_store, fission):
    reference = run(module_store, fission)
    assert reference["dataset"] == fission["key"]
    reset = registered(tc_view, module_store).functions["reset"]
    assert reset(fission, reference) == tuple([no_update] * 6)  # same data: kept
    outputs = reset({**fission, "key": "another-dataset"}, reference)
    assert outputs[0] is None and outputs[-2:] == ([], "")
    assert "New data" in str(outputs[1]["layout"])


def test_degpatterns_in_the_view_is_hard_and_says_dmin_is_mfuzz(module_store, fission):
    reference = run(module_store, fission, method="degpatterns")
    tables = module_store.get(reference["key"])["tables"]
    r = pd.read_csv(FISSION / "degreport_degPatterns_wt_padj0.01.csv")
    r = r.drop_duplicates("genes").set_index("genes")["cluster"]
    ours = tables.memberships.set_index("gene")["cluster"]
    common = ours.index.intersection(r.index)
    assert adjusted_rand_score(r.loc[common], ours.loc[common]) >= 0.8
    profile, dmin, _ = tc_view.figures(module_store, reference, 0.5, None)
    assert "with membership" not in profile.layout.annotations[0].text
    assert "Mfuzz" in str(dmin["layout"])


def test_bad_time_course_choices_say_what_to_do(module_store, fission):
    with pytest.raises(DataError, match="must hold numbers"):
        run(module_store, fission, time_column="replicate", group_column=tc_view.NO_GROUP)
    with pytest.raises(ParameterError, match="Choose the time"):
        tc_view.request_patterns(module_store, fission, *choices(time_column=None))
    with pytest.raises(DataError, match="pass the selection"):
        run(module_store, fission, padj=1e-300)


def test_enrichment_of_a_cluster_in_an_uploaded_gmt_equals_the_hypergeometric_tail(
        module_store, fission):
    reference = run(module_store, fission)
    queries, universe = tc_view.cluster_genes(module_store, reference)
    assert len(universe) == 6760 and sum(map(len, queries.values())) == 2845
    inside = queries["cluster 1"][:20]
    outside = [g for g in universe if g not in set(queries["cluster 1"])][:10]
    gmt = "pulse\tgenes of cluster 1 and others\t" + "\t".join(inside + outside) + "\n"
    table, note = enrich_groups(queries, universe, sets="upload",
                                upload=data_url(gmt.encode(), "text/plain"),
                                upload_name="pulse.gmt")
    row = table[table["query"] == "cluster 1"].iloc[0]
    # P(X >= 20) drawing cluster 1's genes from the universe, 30 of which are in the set
    expected = hypergeom.sf(19, len(universe), 30, len(queries["cluster 1"]))
    assert row["n_overlap"] == 20 and row["pvalue"] == pytest.approx(expected, rel=1e-9)
    assert "6,760 genes" in note
    with pytest.raises(DataError, match="for this species"):  # yeast ids, human GO
        enrich_groups(queries, universe, sets="go-bp")


# --- Modules ----------------------------------------------------------------------------


def test_modules_view_equals_wgcna_on_the_top_5000_genes(module_store, fission):
    outputs = modules_view.request_modules(module_store, fission, modules_view.RUN, None,
                                           5000, "unsigned", None, 30, 2, 0.25)
    assert outputs[0] is no_update
    reference = modules_view.compute_modules(module_store, fission, outputs[1]["request"])
    assert reference["power"] == 5  # R's powerEstimate
    soft = module_store.get(reference["soft_key"])["table"]
    expected = pd.read_csv(FISSION / "wgcna_soft_threshold.csv")
    np.testing.assert_allclose(soft.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-6)
    modules = module_store.get(reference["key"])["tables"].result.modules
    r = pd.read_csv(FISSION / "wgcna_modules.csv", index_col="gene")["module"]
    assert adjusted_rand_score(r.loc[modules.index], modules) >= 0.8
    # traits: strain and minute (replicate too, as the CLI's default); ME-trait within 0.02
    options, traits = modules_view.trait_menu(module_store, fission, modules_view.TAB_ID, [])
    assert traits == ["strain", "minute", "replicate"]
    soft_fig, tree, trait_map, eigengenes = modules_view.figures(
        module_store, reference, fission, ["strain", "minute"])
    assert list(trait_map.data[0].x) == ["strain=mut", "strain=wt", "minute"]
    # the heatmap's correlations are R's (modules matched by their genes) within 0.02
    heat = trait_map.data[0]
    rows = {name.split()[0]: i for i, name in enumerate(heat.y)}
    r_modules = r.groupby(r).apply(lambda g: set(g.index))
    r_trait = pd.read_csv(FISSION / "wgcna_module_trait.csv")
    for _, row in r_trait.iterrows():
        genes = r_modules[int(row["module"][2:])]
        ours = modules.loc[list(genes)].mode().iat[0]  # our module holding R's genes
        column = list(heat.x).index({"strain_mut1": "strain=mut"}.get(row["trait"],
                                                                      row["trait"]))
        assert abs(heat.z[rows[f"ME{ours}"]][column] - row["cor"]) <= 0.02
    columns, rows, _ = modules_view.gene_rows(module_store, reference, "1")
    kme = [row["kME"] for row in rows]
    assert kme == sorted(kme, reverse=True) and rows[0]["hub_rank"] == 1
    assert len(rows) == int((modules == 1).sum())
    # kME by hand: the correlation of the hub gene with module 1's eigengene
    expression = module_store.get(reference["soft_key"])["expression"]
    eigengene = module_store.get(reference["key"])["tables"].result.eigengenes["ME1"]
    by_hand = np.corrcoef(expression.loc[rows[0]["gene"]], eigengene)[0, 1]
    assert abs(rows[0]["kME"] - by_hand) < 1e-3  # the table shows 4 significant digits
    _, every, _ = modules_view.gene_rows(module_store, reference, modules_view.ALL)
    assert every[0]["module"] == 1 and every[-1]["module"] == 0  # unassigned genes last
    assert every[-1]["kME"] is None and every[-1]["hub_rank"] is None


def test_a_click_on_the_soft_threshold_plot_runs_that_power(module_store, fission):
    click = {"points": [{"customdata": 7.0}]}
    outputs = modules_view.request_modules(module_store, fission, modules_view.SOFT, click,
                                           500, "unsigned", None, 20, 2, 0.25)
    assert outputs[-1] == 7.0 and outputs[1]["request"]["power"] == 7.0
    reference = modules_view.compute_modules(module_store, fission, outputs[1]["request"])
    assert reference["power"] == 7.0
