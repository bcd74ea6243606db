"""Genes you can read and the Gene clusters view, called as plain functions on airway
(human Ensembl ids) and pasilla (fly ids, no symbols): type-ahead suggestions, drill-in
from clicks and zooms, the heatmap with symbols, search marks and sample labels, the
scatter's highlight, the view's profiles, table and downloads."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from callback_helpers import (REPO, analysis_controls, assert_accepted, data_url, fake_ctx,
                              guarded_analysis, text_of,
                              guarded_data, out, registered, traces)
from dash import no_update

from callbacks import data, gene_search
from views.clustering import analysis, embedding
from layouts import ids
from rnaclust_dash import views as glue
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import normalized_matrix, run_analysis
from views import genes

FKBP5 = "ENSG00000096060"


def load(store, example: str, **changes) -> tuple[dict, dict, dict]:
    """(dataset store, control values, analysis store) after loading an example."""
    outputs = guarded_data(store, ids.EXAMPLE, example, None, None, None, None, None, None,
                           None)
    assert_accepted(outputs, data)
    dataset_store = out(outputs, data, ids.DATASET_STORE, "data")
    controls = analysis_controls(outputs, **changes)
    result = guarded_analysis(store, dataset_store, controls, [])
    assert_accepted(result, analysis)
    return dataset_store, controls, out(result, analysis, ids.ANALYSIS_STORE, "data")


@pytest.fixture
def airway_genes(store):
    return load(store, "airway", cluster_target="genes")


def analysis_of(store, analysis_store):
    return run_analysis(store, analysis_store["key"],
                        AnalysisParams.from_dict(analysis_store["params"]))


def test_suggestions_rank_symbols_then_ids(store, airway_genes):
    _, _, analysis_store = airway_genes
    options = gene_search.suggestions(store, analysis_store, "fkbp5", [])
    assert options[0] == {"label": f"FKBP5 \u00b7 {FKBP5}", "value": FKBP5}
    options = gene_search.suggestions(store, analysis_store, "fkbp", [FKBP5])
    assert options[0]["value"] == FKBP5  # the chosen gene stays first
    assert 1 < len(options) <= gene_search.MAX_SUGGESTIONS + 1
    assert all("FKBP" in o["label"].upper() for o in options)
    by_id = gene_search.suggestions(store, analysis_store, FKBP5.lower(), [])
    assert by_id[0]["value"] == FKBP5
    # every filtered gene can be found, not only the clustered ones
    universe = normalized_matrix(store, analysis_store["key"],
                                 AnalysisParams.from_dict(analysis_store["params"])).values
    assert len(universe) > 10_000 and len(analysis_of(store, analysis_store).labels) == 500


def test_click_on_gene_tree_node_or_cluster_bar_drills_in(store, airway_genes):
    _, _, analysis_store = airway_genes
    result = analysis_of(store, analysis_store)
    root = 2 * len(result.labels) - 2
    focus = gene_search.focus_from_click(
        result, {"points": [{"customdata": ["genes", root - 1], "curveNumber": 5}]}, None)
    from rnaclust_dash.pl.dendrogram import leaves_under
    expected = result.gene_ids[leaves_under(result.item_tree, root - 1)]
    assert focus["genes"] == expected.tolist() and focus["what"] == "a branch of the gene tree"
    bar = gene_search.focus_from_click(
        result, {"points": [{"customdata": [2], "curveNumber": 7}]}, None)
    assert set(bar["genes"]) == set(result.features.item_ids[result.labels == 2])
    # a cell of the matrix (its customdata is its cluster too) is no drill-in
    assert gene_search.focus_from_click(
        result, {"points": [{"customdata": 2, "curveNumber": 1}]}, None) is None
    assert gene_search.focus_from_click(result, {"points": [{"customdata": [2]}]},
                                        bar) is None  # already drilled in


def test_zoom_on_rows_drills_into_their_genes(store, airway_genes):
    _, _, analysis_store = airway_genes
    result = analysis_of(store, analysis_store)
    rows = glue.heatmap_rows(result)
    # 500 genes in 250 rows; a row never mixes two clusters
    assert len(rows) == 250 and sum(len(r) for r in rows) == 500
    assert all(len(set(result.labels[np.isin(result.gene_ids, r)])) == 1 for r in rows)
    focus = gene_search.focus_from_zoom(
        result, {"yaxis2.range[0]": 29.4, "yaxis2.range[1]": 9.6}, None)
    assert focus["genes"] == np.concatenate(rows[10:30]).tolist()
    assert focus["what"] == "rows 11-30"
    # rows of the drilled-in view map back to its own genes
    inner = gene_search.focus_from_zoom(result, {"yaxis.range[0]": 0, "yaxis.range[1]": 4.2},
                                        focus)
    assert inner["genes"] == focus["genes"][:5]
    assert gene_search.focus_from_zoom(result, {"xaxis.autorange": True}, focus) == "reset"
    assert gene_search.focus_from_zoom(result, {"autosize": True}, focus) is None
    assert gene_search.focus_from_zoom(
        result, {"yaxis.range[0]": -0.5, "yaxis.range[1]": 249.5}, None) is None


def test_heatmap_rows_are_symbols_and_drill_in_labels_every_gene(store, airway_genes):
    dataset_store, controls, analysis_store = airway_genes
    result = analysis_of(store, analysis_store)
    outputs = guarded_analysis(store, dataset_store, controls, [])
    (matrix,) = traces(out(outputs, analysis, ids.HEATMAP, "figure"), "heatmap")
    assert any("FKBP5" in str(name) for name in matrix["y"])  # "mean of genes ...: A..B"
    focus = {"genes": result.gene_ids[:37].tolist(), "what": "test"}
    outputs = analysis.update_analysis(store, dataset_store, controls, [], focus=focus,
                                       selection_only=True)
    figure = outputs[0]
    (matrix,) = traces(figure, "heatmap")
    symbols = glue.gene_symbols(focus["genes"])
    assert sorted(matrix["y"]) == sorted(glue.unique_gene_labels(focus["genes"], symbols))
    assert figure["layout"]["yaxis2"]["showticklabels"] is True
    assert any("Drill-in: 37 of 500 genes" in a["text"]
               for a in figure["layout"]["annotations"])


def test_search_outlines_gene_row_when_samples_are_clustered(store):
    dataset_store, controls, _ = load(store, "airway")
    outputs = analysis.update_analysis(store, dataset_store, controls, [], search=[FKBP5],
                                       sample_label_by="dex", selection_only=True)
    layout = outputs[0]["layout"]
    marks = [s for s in layout["shapes"] if s.get("name") == "gene-search"]
    names = [a for a in layout["annotations"] if a.get("name") == "gene-search"]
    assert len(marks) == 1 and names[0]["text"] == "<b>FKBP5</b>"
    assert names[0]["y"] == marks[0]["y0"] + 0.5  # the name points at the outlined row
    assert sorted(set(layout["xaxis2"]["ticktext"])) == ["trt", "untrt"]
    assert len(layout["xaxis2"]["tickvals"]) == 8


def test_scatter_marks_found_genes_only_when_genes_are_points(store, monkeypatch):
    show = registered(embedding, store).functions["show_embedding"]
    dataset_store, controls, _ = load(store, "airway")
    monkeypatch.setattr(embedding, "ctx", fake_ctx(f"{ids.GENE_SEARCH_STORE}.data", [FKBP5]))
    args = [controls[c] for c in analysis.ANALYSIS_CONTROLS]
    samples = show(dataset_store, *args, "pca", 15, 0.1, "cluster", [], [FKBP5], [], None,
                   None)
    # samples are the points: nothing to mark, no point faded
    patch = samples[0].to_plotly_json()["operations"]
    assert not [op for op in patch if op["location"][-1] == "selectedpoints"
                and op["params"]["value"] is not None]
    genes_controls = dict(controls, **{ids.TARGET: "genes"})
    args = [genes_controls[c] for c in analysis.ANALYSIS_CONTROLS]
    marked = show(dataset_store, *args, "pca", 15, 0.1, "cluster", [], [FKBP5], [], None,
                   None)
    patch = marked[0].to_plotly_json()["operations"]
    chosen = [op["params"]["value"] for op in patch
              if op["location"][-1] == "selectedpoints" and op["params"]["value"]]
    assert sum(len(v) for v in chosen) == 1


def test_gene_table_and_profiles_of_the_view(store, airway_genes):
    _, _, analysis_store = airway_genes
    table = genes.gene_table(store, analysis_store, "dex", search=[FKBP5])
    assert table.iloc[0]["gene_id"] == FKBP5 and table.iloc[0]["symbol"] == "FKBP5"
    assert len(table) == 500
    values = genes.gene_values(store, analysis_of(store, analysis_store))
    sheet = pd.read_csv(REPO / "rnaclust_dash" / "data" / "airway" / "samples.csv",
                        index_col=0)
    treated = sheet.index[sheet["dex"] == "trt"]
    assert table.iloc[0]["mean dex=trt"] == pytest.approx(values.loc[FKBP5, treated].mean())
    figure, info = genes.profiles_figure(store, analysis_store, "dex", "iqr", [FKBP5])
    # one mean line per gene cluster (airway's lesson loads k = 4)
    k = AnalysisParams.from_dict(analysis_store["params"]).k
    assert [t["meta"] for t in figure["data"]].count("mean") == k == 4
    (line,) = [t for t in figure["data"] if t["meta"] == "gene"]
    assert line["name"] == "FKBP5"
    # samples ordered by dex: the four treated first
    assert set(figure["layout"]["xaxis"]["ticktext"][:4]) == set(treated)
    assert "500 genes in 4 clusters" in info


def test_downloads_round_trip(store, airway_genes):
    _, _, analysis_store = airway_genes
    frame, index, name = genes.download_frame(store, analysis_store, "normalized", None)
    assert name == "normalized" and index and frame.columns[0] == "symbol"
    back = pd.read_csv(io.BytesIO(genes.table_bytes(frame, "csv", index=True)), index_col=0)
    np.testing.assert_allclose(back.drop(columns="symbol").to_numpy(),
                               frame.drop(columns="symbol").to_numpy(), rtol=1e-12)
    frame, index, name = genes.download_frame(store, analysis_store, "genes", "dex")
    xlsx = pd.read_excel(io.BytesIO(genes.table_bytes(frame, "xlsx", sheet_name=name)))
    assert xlsx["gene_id"].tolist() == frame["gene_id"].tolist()
    with pytest.raises(Exception, match="No batch correction"):
        genes.download_frame(store, analysis_store, "corrected", None)


def test_sample_sheet_download_has_the_sample_clusters(store):
    _, _, analysis_store = load(store, "pasilla")
    sheet, index, name = genes.download_frame(store, analysis_store, "sheet", None)
    result = analysis_of(store, analysis_store)
    assert name == "samples_with_clusters" and index
    assert sheet["cluster"].to_dict() == dict(zip(result.features.item_ids, result.labels))
    assert {"condition", "type"} <= set(sheet.columns)
    with pytest.raises(Exception, match="Cluster: genes"):
        genes.download_frame(store, analysis_store, "genes", None)


def test_view_says_what_to_do_when_samples_are_clustered(store):
    _, _, analysis_store = load(store, "pasilla")
    draw = registered(genes, store).functions["draw"]
    figure, info, *_ = draw(analysis_store, genes.TAB_ID, None, "sd", [])
    assert "Cluster: genes" in figure["layout"]["meta"]
    assert draw(analysis_store, "clustering", None, "sd", []) == genes.VIEW.unchanged()


def test_uploaded_gene_map_names_fly_genes_in_heatmap_search_and_table(store, monkeypatch):
    dataset_store, controls, _ = load(store, "pasilla", cluster_target="genes")
    outputs = guarded_analysis(store, dataset_store, controls, [])
    analysis_store = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    shown = analysis_of(store, analysis_store).gene_ids[:3].tolist()
    table = "gene_id\tsymbol\n" + "".join(f"{g}\tfly{i}\n" for i, g in enumerate(shown))
    monkeypatch.setattr(gene_search, "ctx", fake_ctx(f"{ids.UPLOAD_GENE_MAP}.contents", 1))
    stored, info = gene_search.upload_gene_map(
        store, data_url(table.encode(), "text/tab-separated-values"), "fly.tsv", dataset_store)
    assert stored["mapped"] and "3 of 12,359 FlyBase gene ids" in info
    assert "user table;" in info  # not "user table table"
    outputs = analysis.update_analysis(store, dataset_store, controls, [], focus={
        "genes": shown, "what": "test"}, selection_only=True)
    (matrix,) = traces(outputs[0], "heatmap")
    assert sorted(matrix["y"]) == ["fly0", "fly1", "fly2"]
    options = gene_search.suggestions(store, analysis_store, "fly1", [])
    assert options[0] == {"label": f"fly1 \u00b7 {shown[1]}", "value": shown[1]}
    gene_table = genes.gene_table(store, analysis_store, None)
    assert set(gene_table.loc[gene_table["gene_id"].isin(shown), "symbol"]) == {
        "fly0", "fly1", "fly2"}
    # a table of ids the data does not have is refused, and the old one stays
    bad = data_url(b"gene_id,symbol\nENSMUSG00000000001,Gnai3\n")
    stored, info = gene_search.upload_gene_map(store, bad, "mouse.csv", dataset_store)
    assert stored is no_update and "None of the 12,359 gene ids" in text_of(info)
    assert gene_search.gene_map(store, dataset_store["key"]).size == 3


def test_scatter_of_genes_hovers_with_symbols(store):
    _, _, analysis_store = load(store, "airway", cluster_target="genes")
    params = embedding.embedding_params(analysis_store, "pca", 15, 0.1)
    figure, _ = embedding.scatter(store, analysis_store, params, "cluster", [])
    texts = [t for trace in figure["data"] for t in (trace.get("text") or trace.get(
        "hovertext") or [])]
    fkbp5 = [t for t in texts if str(t).startswith(FKBP5)]
    assert fkbp5 and "symbol: FKBP5" in fkbp5[0]


def test_search_for_a_gene_not_shown_is_said_on_the_heatmap(store):
    dataset_store, controls, _ = load(store, "airway")
    gapdh = "ENSG00000111640"  # expressed everywhere: not among the most variable genes
    outputs = analysis.update_analysis(store, dataset_store, controls, [],
                                       search=[gapdh, FKBP5], selection_only=True)
    layout = outputs[0]["layout"]
    texts = [a["text"] for a in layout["annotations"]]
    assert any("GAPDH not among the genes shown (raise Most variable genes)" in t
               for t in texts)
    assert "<b>FKBP5</b>" in texts


def test_markers_name_genes_with_the_uploaded_gene_map(store, monkeypatch):
    from views import marker_results, markers
    _, _, analysis_store = load(store, "pasilla")

    def first_genes():
        outputs = markers.request_markers(store, analysis_store, markers.TAB_ID,
                                          "condition", "t-test", "rest", None, None)
        ref = outputs[0] if outputs[0] is not no_update else marker_results.compute_markers(
            store, analysis_store, outputs[1]["request"])
        return ref, marker_results.load_result(store, ref)["table"]

    before_ref, before = first_genes()
    assert not before["symbol"].astype(bool).any()  # fly ids: no symbol
    genes_tested = before["gene"].head(2).tolist()
    table = "id,symbol\n" + "".join(f"{g},fly{i}\n" for i, g in enumerate(genes_tested))
    monkeypatch.setattr(gene_search, "ctx", fake_ctx(f"{ids.UPLOAD_GENE_MAP}.contents", 1))
    gene_search.upload_gene_map(store, data_url(table.encode()), "fly.csv",
                                {"key": analysis_store["key"]})
    after_ref, after = first_genes()
    assert after_ref["key"] != before_ref["key"]  # not the result stored before the table
    named = after.set_index("gene").loc[genes_tested, "symbol"]
    assert sorted(set(named)) == ["fly0", "fly1"]


def test_found_genes_shade_their_table_rows(store):
    style = gene_search.found_rows_style([FKBP5, 'bad"id'], "gene")
    assert style == [{"if": {"filter_query": f'{{gene}} = "{FKBP5}"'},
                      **gene_search.FOUND_ROW}]
    callbacks = registered(gene_search, store).functions
    assert callbacks["mark_marker_rows"]([FKBP5]) == style
    assert registered(genes, store).functions["mark_found_rows"]([FKBP5])[0]["if"] == {
        "filter_query": f'{{gene_id}} = "{FKBP5}"'}
