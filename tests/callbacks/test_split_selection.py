"""Sub-clustering a selection in place (issue 12 item 1): split labels stored once,
stability on the selection, a lasso over part of a cluster."""

from __future__ import annotations

import numpy as np
from callback_helpers import out

from callbacks.common import stored_analysis
from layouts import ids
from rnaclust_dash.pipeline import subcluster
from views.clustering import analysis


def test_split_labels_are_fitted_once_then_read_back(store, example_analysis, monkeypatch):
    """Every view reads the analysis on screen: the second read fits no split again and
    gives the same labels; other splits are other results."""
    analysis_store = out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
    one = analysis_store | {"splits": [{"cluster": "1", "k": 2}]}
    first = stored_analysis(store, one)
    fits = []
    real_fit = subcluster.fit_method
    monkeypatch.setattr(subcluster, "fit_method",
                        lambda *args, **kwargs: fits.append(1) or real_fit(*args, **kwargs))
    again = stored_analysis(store, one)
    assert fits == []
    np.testing.assert_array_equal(again.labels, first.labels)
    assert again.validation["silhouette"] == first.validation["silhouette"]
    other = stored_analysis(store, analysis_store | {"splits": [{"cluster": "2", "k": 2}]})
    assert fits and "2.1" in set(other.labels.tolist())
