"""The Markers tab's callbacks, called as plain functions on the bundled examples."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from callback_helpers import (REPO, analysis_controls, assert_accepted, data_url,
                              guarded_analysis, guarded_data, out, registered, text_of)
from dash import no_update
from scipy import stats

from callbacks import data
from views.clustering import analysis
from views import enrichment
from views import marker_results
from views import markers
from layouts import ids
from rnaclust_dash.errors import ParameterError

PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
AIRWAY = REPO / "rnaclust_dash" / "data" / "airway"


def load(store, example: str, **changes) -> dict:
    """The analysis-store after loading an example and running its analysis."""
    outputs = guarded_data(store, ids.EXAMPLE, example, None, None, None, None, None, None,
                           None)
    assert_accepted(outputs, data)
    dataset_store = out(outputs, data, ids.DATASET_STORE, "data")
    result = guarded_analysis(store, dataset_store, analysis_controls(outputs, **changes), [])
    assert_accepted(result, analysis)
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


def run(store, analysis_store, group_by, test, mode="rest", group=None, reference=None):
    """What the view does: ask, and compute when the result is not stored yet."""
    outputs = markers.request_markers(store, analysis_store, markers.TAB_ID, group_by, test,
                                      mode, group, reference)
    if outputs[0] is not no_update:
        return outputs[0]
    return marker_results.compute_markers(store, analysis_store, outputs[1]["request"])


def by_hand_log_values() -> pd.DataFrame:
    """pasilla normalized as the app's defaults say, computed here without the app: DESeq2
    median-of-ratios size factors, genes with >= 10 counts in >= 2 samples, log2(x + 1)."""
    counts = pd.read_csv(PASILLA / "counts.csv.gz", index_col=0)
    positive = counts[(counts > 0).all(axis=1)]
    log_geo = np.log(positive).mean(axis=1)
    size_factors = np.exp((np.log(positive).sub(log_geo, axis=0)).median(axis=0))
    kept = counts[(counts >= 10).sum(axis=1) >= 2]
    return np.log2(kept / size_factors + 1.0)


@pytest.fixture
def pasilla(store) -> dict:
    return load(store, "pasilla")


def test_menus_offer_the_clusters_the_sheet_columns_and_deseq2_for_counts(store, pasilla):
    group_by, value, tests, test, groups, group, refs, ref, ref_off = markers.choices(
        store, pasilla, None, "rest", None, None)
    values = [o["value"] for o in group_by]
    assert values[0] == marker_results.CLUSTERS and value == marker_results.CLUSTERS
    assert {"condition", "type"} <= set(values)
    assert test == "deseq2" and not [t for t in tests if t["value"] == "deseq2"][0]["disabled"]
    assert [o["value"] for o in groups] == ["cluster 1", "cluster 2"]
    assert ref_off is True  # one vs rest: no reference group
    *_, groups, group, refs, ref, ref_off = markers.choices(store, pasilla, "condition",
                                                            "pair", None, None)
    assert (group, ref, ref_off) == ("treated", "untreated", False)


def test_nothing_is_computed_until_the_markers_tab_is_open(store, pasilla):
    outputs = markers.request_markers(store, pasilla, "clustering", "condition", "t-test",
                                      "rest", None, None)
    assert outputs == tuple([no_update] * 5)
    outputs = markers.request_markers(store, pasilla, markers.TAB_ID, "condition", "t-test",
                                      "rest", None, None)
    assert outputs[0] is no_update and outputs[1]["request"]["test"] == "t-test"
    marker_results.compute_markers(store, pasilla, outputs[1]["request"])
    again = markers.request_markers(store, pasilla, markers.TAB_ID, "condition", "t-test",
                                    "rest", None, None)
    assert again[0]["groups"] == ["treated", "untreated"] and again[1] is no_update


def test_welch_t_markers_of_pasilla_equal_scipy_on_the_log_values(store, pasilla):
    reference = run(store, pasilla, "condition", "t-test")
    table = marker_results.load_result(store, reference)["table"]
    treated = table[table["group"] == "treated"].set_index("gene")
    logs = by_hand_log_values()
    assert set(treated.index) == set(logs.index)  # the universe: every filtered gene
    genes = treated.index[:50]
    t = stats.ttest_ind(logs.loc[genes, ["treated1", "treated2", "treated3"]],
                        logs.loc[genes, ["untreated1", "untreated2", "untreated3",
                                         "untreated4"]], axis=1, equal_var=False)
    np.testing.assert_allclose(treated.loc[genes, "pvalue"], t.pvalue, rtol=1e-6)
    np.testing.assert_allclose(treated.loc[genes, "statistic"], t.statistic, rtol=1e-6)
    columns, rows = marker_results.table_records(markers.group_table(
        marker_results.load_result(store, reference), "untreated"))
    assert [c["id"] for c in columns][:2] == ["gene", "log2fc"]  # fly ids: no symbols
    assert len(rows) == len(logs) and rows[0]["id"] == rows[0]["gene"]


def test_volcano_and_dot_plot_of_the_group_on_screen(store, pasilla):
    reference = run(store, pasilla, "condition", "t-test")
    volcano, dots = markers.figures(store, reference, "untreated", 0.05, 1.0, "FBgn0029167")
    assert volcano.layout.title.text.startswith("untreated vs rest (Welch t-test)")
    assert [t for t in volcano.data if t.meta == "volcano-selected"]
    assert list(dots.layout.xaxis.ticktext) == ["treated", "untreated"]


def test_deseq2_two_groups_fit_once_and_mirror_the_second(store, pasilla):
    reference = run(store, pasilla, "condition", "deseq2")
    table = marker_results.load_result(store, reference)["table"]
    first = table[table["group"] == "treated"].set_index("gene")
    second = table[table["group"] == "untreated"].set_index("gene")
    np.testing.assert_array_equal(second["log2fc"], -first["log2fc"])
    # the mirror equals fitting 'untreated' against the rest directly
    logs = by_hand_log_values()
    counts = pd.read_csv(PASILLA / "counts.csv.gz", index_col=0).loc[logs.index]
    from rnaclust_dash.tl.markers import compare_groups
    labels = ["treated"] * 3 + ["untreated"] * 4
    direct = compare_groups(counts, labels, group="untreated", test="deseq2")
    direct = direct.loc[second.index]
    finite = np.isfinite(direct["pvalue"])
    np.testing.assert_allclose(second.loc[finite, "log2fc"], direct.loc[finite, "log2fc"],
                               atol=1e-4)
    np.testing.assert_allclose(second.loc[finite, "pvalue"], direct.loc[finite, "pvalue"],
                               rtol=1e-3, atol=1e-12)


@pytest.mark.parametrize("test, expected", [
    ("t-test", "needs at least two samples in each group"),
    ("deseq2", "DESeq2 needs at least two samples in each compared group"),
])
def test_a_group_of_one_sample_is_said_in_this_view(store, test, expected):
    singletons = load(store, "pasilla", n_clusters=6)
    request = markers.request_markers(store, singletons, markers.TAB_ID,
                                      marker_results.CLUSTERS, test, "rest", None,
                                      None)[1]
    app = registered(markers, store)
    result, status, alert, is_open = app.functions["compute"](lambda _: None, request)
    assert result is no_update and is_open is True
    message = text_of(alert)
    assert expected in message and "Something went wrong" not in message
    assert message.startswith("Could not update:")


def test_picking_a_gene_selects_it_in_the_heatmap_when_genes_are_clustered(store, pasilla):
    genes = load(store, "pasilla", cluster_target="genes")
    reference = run(store, genes, "condition", "t-test")
    picked = markers.pick_gene(store, reference, genes, {"row_id": "FBgn0029167"}, None,
                               None, markers.TABLE)
    assert picked[0] == "FBgn0029167" and picked[1] == ["FBgn0029167"]
    assert "1 genes selected: FBgn0029167" == picked[2]
    # samples clustered: the heatmap's selection (samples) is left alone
    reference = run(store, pasilla, "condition", "t-test")
    click = {"points": [{"customdata": "FBgn0029167"}]}
    picked = markers.pick_gene(store, reference, pasilla, None, click, None, markers.VOLCANO)
    assert picked[0] == "FBgn0029167" and picked[1] is no_update
    assert "when genes are clustered" in picked[3]


def test_markers_csv_has_the_cli_columns(store, pasilla):
    reference = run(store, pasilla, "condition", "wilcoxon")
    sent = registered(markers, store).functions["download"](1, reference)
    assert sent["filename"] == "markers.csv"
    header = sent["content"].splitlines()[0]
    assert header == ("group,gene,symbol,base_mean,log2fc,statistic,pvalue,padj,mean_in,"
                      "mean_out")


def test_enrichment_of_airway_markers_tests_symbols_against_the_mapped_universe(store):
    airway = load(store, "airway")
    reference = run(store, airway, "dex", "t-test")
    table, note = enrichment.run_enrichment(
        store, airway, reference, source="markers", direction="up", top=200, sets="go-bp",
        min_size=10, max_size=500)
    # universe: the filtered genes with a human symbol (mapped here from the shipped table)
    counts = pd.read_csv(AIRWAY / "counts.csv.gz", index_col=0)
    tested = marker_results.load_result(store, reference)["table"]["gene"].unique()
    with gzip.open(REPO / "rnaclust_dash/data/genes/human_gene_ids.csv.gz", "rt") as handle:
        ids_table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    ensembl = ids_table[ids_table["kind"] == "ensembl"].set_index("id")["symbol"]
    symbols = pd.Series(tested).map(ensembl).dropna().unique()
    assert len(tested) < len(counts)
    assert (table["n_universe"] == len(symbols)).all()
    assert set(table["query"]) == {"trt up", "untrt up"}
    hit = table[table["n_overlap"] > 0].iloc[0]
    assert set(hit["genes"].split(";")) <= set(symbols)
    assert hit["pvalue"] == pytest.approx(stats.hypergeom.sf(
        hit["n_overlap"] - 1, hit["n_universe"], hit["n_term"], hit["n_query"]), rel=1e-10)
    assert "5,453 sets" in note or "sets of GO_BP" in note
    columns, rows = enrichment.table_records(table)
    assert "genes" in [c["id"] for c in columns] and ", " in rows[0]["genes"]


def test_go_sets_on_fly_ids_say_the_ids_map_to_nothing(store, pasilla):
    reference = run(store, pasilla, "condition", "t-test")
    app = registered(enrichment, store)
    outputs = app.functions["enrich"](1, pasilla, reference, "markers", "up", 100, "go-bp",
                                      None, None, 10, 500)
    assert outputs[-1] is True and outputs[0] is no_update
    message = text_of(outputs[-2])
    assert "FlyBase gene ids" in message and "human symbol" in message
    assert "Upload a GMT file" in message


def test_gene_cluster_enrichment_with_an_uploaded_gmt_of_the_data_ids(store):
    genes = load(store, "pasilla", cluster_target="genes")
    from rnaclust_dash.params import AnalysisParams
    from rnaclust_dash.pipeline import normalized_matrix, run_analysis
    params = AnalysisParams.from_dict(genes["params"])
    result = run_analysis(store, genes["key"], params)
    cluster_one = list(result.features.item_ids[result.labels == 1])
    universe = normalized_matrix(store, genes["key"], params).values.index
    others = [g for g in universe if g not in set(result.features.item_ids)][:10]
    gmt = ("SET_A\tfifteen of cluster 1 and ten unclustered genes\t"
           + "\t".join(cluster_one[:15] + others) + "\n"
           + "SET_B\tnot in the data\t" + "\t".join(f"FBgn9{i:06d}" for i in range(20)) + "\n")
    table, note = enrichment.run_enrichment(
        store, genes, None, source="clusters", direction="up", top=None, sets="upload",
        upload=data_url(gmt.encode(), "text/plain"), upload_name="mine.gmt", min_size=5,
        max_size=500)
    row = table[(table["query"] == "cluster 1") & (table["term"] == "SET_A")].iloc[0]
    assert (row["n_overlap"], row["n_term"], row["n_query"], row["n_universe"]) == (
        15, 25, len(cluster_one), len(universe))
    assert "SET_B" not in set(table["term"])  # no gene in the universe: not tested
    assert "data's gene ids" in note


def test_gene_clusters_need_genes_clustered(store, pasilla):
    assert enrichment.source_options(pasilla)[1]["disabled"] is True
    with pytest.raises(ParameterError, match="Gene clusters exist when genes are clustered"):
        enrichment.run_enrichment(store, pasilla, None, source="clusters", direction="up",
                                  top=None, sets="go-bp", min_size=10, max_size=500)


def test_the_markers_tab_is_in_the_page():
    from callback_helpers import walk
    from layouts.main import build_layout
    found = {getattr(c, "id", None) for c in walk(build_layout())}
    assert {markers.VOLCANO, markers.TABLE, enrichment.RUN, enrichment.TABLE} <= found
    assert Path(markers.__file__).name == "markers.py"


def test_group_versus_group_uses_only_the_two_groups(store):
    three = load(store, "pasilla", n_clusters=3)
    groups = marker_results.sample_groups(store, three, marker_results.CLUSTERS)
    sizes = groups.value_counts()
    pair = [g for g in marker_results.group_names(groups) if sizes[g] >= 2][:2]
    if len(pair) < 2:
        pytest.skip("k = 3 on pasilla left fewer than two clusters of 2+ samples")
    reference = run(store, three, marker_results.CLUSTERS, "t-test", "pair", *pair)
    table = marker_results.load_result(store, reference)["table"].set_index("gene")
    assert reference["groups"] == [pair[0]] and reference["out_name"] == pair[1]
    logs = by_hand_log_values()
    genes = table.index[:30]
    a = groups.index[groups == pair[0]]
    b = groups.index[groups == pair[1]]
    t = stats.ttest_ind(logs.loc[genes, a], logs.loc[genes, b], axis=1, equal_var=False)
    np.testing.assert_allclose(table.loc[genes, "pvalue"], t.pvalue, rtol=1e-6)
    np.testing.assert_allclose(table.loc[genes, "mean_out"], logs.loc[genes, b].mean(axis=1),
                               rtol=1e-9)


def test_the_table_is_filtered_sorted_and_paged_on_the_server():
    table = pd.DataFrame({"group": "a", "gene": ["g1", "g2", "g3", "g4"],
                          "symbol": ["FKBP5", "PER1", "fkbp4", ""],
                          "log2fc": [2.0, -1.0, 0.5, 3.0], "pvalue": [1e-3, 1e-2, 0.2, 1e-4],
                          "padj": [0.01, 0.05, 0.3, 0.002], "mean_in": 1.0, "mean_out": 1.0,
                          "base_mean": 1.0, "statistic": 1.0})
    _, rows, pages = marker_results.table_page(
        table, page=0, page_size=2, sort_by=[{"column_id": "padj", "direction": "asc"}],
        filter_query="")
    assert [r["gene"] for r in rows] == ["g4", "g1"] and pages == 2
    _, rows, _ = marker_results.table_page(
        table, page=1, page_size=2, sort_by=[{"column_id": "padj", "direction": "asc"}],
        filter_query="")
    assert [r["gene"] for r in rows] == ["g2", "g3"]
    _, rows, pages = marker_results.table_page(
        table, page=0, page_size=10, sort_by=[{"column_id": "log2fc", "direction": "desc"}],
        filter_query="{symbol} contains fkbp && {padj} s< 0.1")
    assert [r["gene"] for r in rows] == ["g1"] and pages == 1
    _, rows, _ = marker_results.table_page(table, page=0, page_size=10, sort_by=[],
                                           filter_query="{log2fc} < 0")
    assert [r["gene"] for r in rows] == ["g2"]


def test_genes_selected_in_the_heatmap_are_circled_in_the_volcano(store):
    genes = load(store, "pasilla", cluster_target="genes")
    reference = run(store, genes, "condition", "t-test")
    selection = ["FBgn0029167", "FBgn0035085"]
    draw = registered(markers, store).functions["draw"]
    volcano, _ = draw(reference, "treated", 0.05, 1.0, None, selection)
    circled = [t for t in volcano.data if t.meta == "volcano-selected"][0]
    assert len(circled.x) == 2
    # samples clustered: the selection holds samples, nothing is circled
    samples = run(store, load(store, "pasilla"), "condition", "t-test")
    volcano, _ = draw(samples, "treated", 0.05, 1.0, None, ["treated1"])
    assert not [t for t in volcano.data if t.meta == "volcano-selected"]


def test_deseq2_is_not_offered_for_normalized_values(store):
    rng = np.random.default_rng(1)
    samples = ["a1", "a2", "a3", "b1", "b2", "b3"]
    values = np.round(rng.lognormal(3, 1, size=(120, 6)), 3)
    table = pd.DataFrame(values, index=[f"gene{i}" for i in range(120)], columns=samples)
    content = table.rename_axis("gene_id").to_csv().encode()
    outputs = guarded_data(store, ids.UPLOAD_COUNTS, None, data_url(content), "tpm.csv",
                           None, None, None, None, None)
    assert_accepted(outputs, data)
    dataset_store = out(outputs, data, ids.DATASET_STORE, "data")
    result = guarded_analysis(store, dataset_store, analysis_controls(outputs), [])
    assert_accepted(result, analysis)
    analysis_store = out(result, analysis, ids.ANALYSIS_STORE, "data")
    _, _, tests, test, *_ = markers.choices(store, analysis_store, None, "rest", None, None)
    deseq2 = [t for t in tests if t["value"] == "deseq2"][0]
    assert deseq2["disabled"] is True and "needs raw counts" in deseq2["label"]
    assert test == "t-test"
