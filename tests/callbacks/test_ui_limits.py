"""Bounded work in the dashboard (issue 13 item 3): huge, infinite and NaN values of the
controls and panels get the spec's message (not a crash report), before any work."""

from __future__ import annotations

import math

import pytest
from callback_helpers import analysis_controls, assert_rejected, guarded_analysis, out

from layouts import ids
from rnaclust_dash.errors import ParameterError
from views.choose_k import k_panel
from views.clustering import analysis
from views.stability import stability_panel


@pytest.mark.parametrize("changes, expected", [
    ({"n-init": 10**7, "method": "kmeans"}, "more than allowed"),
    ({"pseudocount": 1e308}, "more than allowed"),
    ({"pseudocount": "NaN"}, "pseudocount must be a finite number"),
    ({"min-count": "-Infinity"}, "finite number"),
    ({"top-genes": 10**12}, "more than allowed"),
    ({"umap-neighbors": 10**9, "embedding-method": "umap"}, "more than allowed"),
    ({"resolution": 1e300, "method": "leiden"}, "more than allowed"),
    ({"exclude-samples": ["x" * 131_072]}, "131,072 characters long"),
    ({"n-clusters": "1e9"}, "more than allowed"),
])
def test_huge_and_non_finite_controls_get_the_spec_message(store, example_store,
                                                           example_controls, changes,
                                                           expected):
    outputs = guarded_analysis(store, example_store, dict(example_controls, **changes), [])
    assert expected in assert_rejected(outputs, analysis)


@pytest.fixture
def analysis_store(store, example, example_store):
    result = guarded_analysis(store, example_store, analysis_controls(example), [])
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


@pytest.mark.parametrize("k_min, k_max, gap_refs, expected", [
    (2, 1e10, 5, "more than allowed"),
    (2, math.inf, 5, "finite number"),
    (math.nan, 5, 5, "finite number"),
    (2, 5, 1e7, "more than allowed"),
    (2, 5.5, 5, "whole number"),
])
def test_k_panel_refuses_huge_ranges_and_references(store, analysis_store, k_min, k_max,
                                                    gap_refs, expected):
    with pytest.raises(ParameterError, match=expected):
        k_panel(store, analysis_store, k_min, k_max, gap_refs)


@pytest.mark.parametrize("resamples, expected", [
    (1e9, "more than allowed"), (math.inf, "finite number"), (-3, "at least 1")])
def test_stability_panel_refuses_huge_resamples(store, analysis_store, resamples, expected):
    with pytest.raises(ParameterError, match=expected):
        stability_panel(store, analysis_store, resamples, "bootstrap", False)
