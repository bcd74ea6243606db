"""Agreement of the clusters with a sample-sheet column or another method."""

from __future__ import annotations

from callback_helpers import analysis_controls, guarded_analysis, out

from views.clustering import analysis
from views.clustering.agreement import agreement_view, compare_options
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import load_summary, run_analysis
from rnaclust_dash.tl.agreement import agreement


def test_agreement_with_a_sample_sheet_column(store, example, example_store):
    result = guarded_analysis(store, example_store, analysis_controls(example), [])
    analysis_store = out(result, analysis, ids.ANALYSIS_STORE, "data")
    summary, figure, style, *_ = agreement_view(store, analysis_store, "column:type", None)
    params = AnalysisParams.from_dict(analysis_store["params"])
    labels = run_analysis(store, example_store["key"], params).labels
    truth = load_summary(store, example_store["key"])["metadata"]["type"].to_numpy()
    expected = agreement(labels, truth)
    assert f"ARI {expected['ari']:.3f}" in str(summary)
    assert figure.data[0].type == "sankey" and sum(figure.data[0].link.value) == 7
    assert style == {"height": "320px"}


def test_agreement_with_another_method_and_the_options(store, example, example_store):
    result = guarded_analysis(store, example_store, analysis_controls(example), [])
    analysis_store = out(result, analysis, ids.ANALYSIS_STORE, "data")
    options = [o["value"] for o in compare_options(
        load_summary(store, example_store["key"])["metadata"], "samples", "hierarchical")]
    assert "column:group" in options and "method:kmeans" in options
    assert "method:hierarchical" not in options
    summary, figure, *_ = agreement_view(store, analysis_store, "method:diana", 2)
    # DIANA and average linkage agree on pasilla at k = 2 (both R references say so).
    assert "ARI 1.000" in str(summary)
