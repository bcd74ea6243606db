"""The compare view: one choice, two values, two analyses and the ARI between them."""

import pytest
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import SPEC, AnalysisParams
from rnaclust_dash.pipeline import run_analysis
from views.compare import COMPARED, compare_settings, comparison_figures, value_options


def test_ari_is_that_of_the_two_analyses_run_separately(store, example_store):
    key, base = example_store["key"], AnalysisParams(k=2)
    result = compare_settings(store, key, base, "k", 2, 4)
    labels = [run_analysis(store, key, base.replace(k=k, embedding="pca")).labels
              for k in (2, 4)]
    assert result["agreement"]["ari"] == pytest.approx(adjusted_rand_score(*labels))
    assert result["agreement"]["ari"] < 1
    figure_a, figure_b = comparison_figures(result, "k")
    assert "= 2" in figure_a["layout"]["title"]["text"]
    assert "= 4" in figure_b["layout"]["title"]["text"]


def test_same_setting_twice_agrees_fully(store, example_store):
    result = compare_settings(store, example_store["key"], AnalysisParams(k=3),
                              "distance", "spearman", "spearman")
    assert result["agreement"]["ari"] == 1


def test_a_setting_the_rules_refuse_names_itself(store, example_store):
    base = AnalysisParams(k=2, method="hierarchical", distance="pearson")
    with pytest.raises(ParameterError, match="Linkage = ward"):
        compare_settings(store, example_store["key"], base, "linkage", "average", "ward")


def test_every_compared_choice_offers_values():
    for name in COMPARED:
        assert len(value_options(name)) >= 2, name
    assert [o["value"] for o in value_options("distance")] == list(SPEC["distance"].choices)


def test_before_compare_the_tab_says_what_to_do_and_shows_no_empty_axes():
    from callback_helpers import walk

    from views import compare

    nodes = {getattr(n, "id", None): n for n in walk(compare.layout())}
    assert nodes[compare.PLACEHOLDER].is_open is True
    assert "press Compare" in nodes[compare.PLACEHOLDER].children
    assert nodes[compare.RESULTS].style == {"display": "none"}
    for graph in (compare.FIGURE_A, compare.FIGURE_B, compare.HEATMAP_A, compare.HEATMAP_B):
        assert graph in nodes  # inside RESULTS: hidden until a comparison fills them


def test_compare_shows_two_clustered_heatmaps_maps_and_the_contingency_table(
        store, example_store):
    import pandas as pd
    from callback_helpers import text_of

    from views import compare

    analysis_store = {"key": example_store["key"], "params": AnalysisParams(k=2).to_dict()}
    (summary, heatmap_a, heatmap_b, map_a, map_b, title_a, title_b, style, placeholder,
     alert, alert_open) = compare.comparison_outputs(store, analysis_store, "k", 2, 4)
    assert style == {"display": "block"} and placeholder is False and alert_open is False
    assert title_a.startswith("A: Number of clusters (k) = 2")
    assert title_b.startswith("B: Number of clusters (k) = 4")
    for heatmap in (heatmap_a, heatmap_b):
        kinds = {trace["type"] for trace in heatmap["data"]}
        assert "heatmap" in kinds
        # dendrograms are line traces beside the matrix
        assert any(t["type"] == "scatter" and t.get("mode") == "lines" for t in heatmap["data"])
    # the contingency table counts, computed here from the two analyses run on their own
    labels = [run_analysis(store, example_store["key"], AnalysisParams(k=k, embedding="pca"))
              for k in (2, 4)]
    expected = pd.crosstab(labels[0].labels, labels[1].labels)
    text = text_of(summary)
    for a_cluster, row in expected.iterrows():
        cells = " ".join(str(v) for v in row.to_numpy())
        assert f"A cluster {a_cluster} {cells}" in text
    assert text.count("B cluster") == expected.shape[1]


def test_compare_without_data_says_to_load_it(store):
    from views import compare

    outputs = compare.comparison_outputs(store, None, "k", 2, 3)
    assert outputs[-1] is True and outputs[-2] == compare.NO_ANALYSIS
    assert "Cells tab" in compare.NO_ANALYSIS


def test_side_by_side_heatmaps_write_sample_names_upwards(store, example_store):
    from views import compare

    analysis_store = {"key": example_store["key"], "params": AnalysisParams(k=2).to_dict()}
    heatmap = compare.comparison_outputs(store, analysis_store, "k", 2, 3)[1]
    names_axis = heatmap["layout"]["xaxis2"]
    assert names_axis["showticklabels"] and names_axis["tickangle"] == -90
    assert heatmap["layout"]["margin"]["b"] >= 7 * max(len("untreated1"), 10)
