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
