"""Errors and notices belong to the view that raised them (issue 7, item 3).

A refused batch correction (batch confounded with biology) must be said on the QC and
Batch tabs themselves, in each tab's own alert, and their figures must say it too instead
of keeping stale plots or drawing empty ones. The same for choose k, stability and
agreement; notices (a narrowed k range) go to the tab's alert as well.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from callback_helpers import FakeApp, analysis_controls, guarded_analysis, out, text_of, walk
from dash import no_update

from views import batch, qc
from views.clustering import analysis
from views.choose_k import K_VIEW, k_panel
from views.stability import STABILITY_VIEW, stability_panel
from views.qc import MATRIX_CONTROLS
from layouts import ids
from layouts.main import build_layout

#: pasilla: the 'batch' column is the library type, so protecting 'type' confounds them.
CONFOUNDED = {"batch_column": ["batch"], "protect_columns": ["type"], "batch_method": "combat"}
QC_FIGURES = (ids.QC_LIBRARY, ids.QC_DETECTED, ids.QC_DISTRIBUTION, ids.QC_CORRELATION,
              ids.QC_PCA, ids.QC_MEAN_VARIANCE)


def registered(store) -> dict:
    """The QC and batch views' callbacks as register() defines them (with their guard)."""
    app = FakeApp()
    qc.register(app, store)
    batch.register(app, store)
    return app.functions


def value(view, outputs, component_id, prop):
    assert len(outputs) == len(view.all)
    return outputs[view.position(component_id, prop)]


def alert(view, outputs) -> tuple[str, bool, str]:
    """(text, is_open, color) of a view's alert in a callback's outputs."""
    return (text_of(value(view, outputs, view.alert, "children")),
            value(view, outputs, view.alert, "is_open"),
            value(view, outputs, view.alert, "color"))


def figure_message(figure) -> str:
    """What an explanatory empty figure says (no traces): its text, and the whole message
    it carries in ``layout.meta``."""
    assert figure is not no_update, "a stale figure"
    figure = go.Figure(figure)
    assert len(figure.data) == 0, "a real figure"
    shown = " ".join(a.text for a in figure.layout.annotations)
    assert shown.startswith("Not drawn: "), shown
    return shown + " | " + str(figure.layout.meta)


def matrix_values(example, **changes) -> list:
    controls = analysis_controls(example, **changes)
    return [controls[c] for c in MATRIX_CONTROLS]


def test_refused_batch_correction_is_said_on_the_qc_tab(store, example, example_store):
    outputs = registered(store)["show_qc"]("qc", example_store,
                                           *matrix_values(example, **CONFOUNDED), "cluster")
    text, is_open, color = alert(qc.QC_VIEW, outputs)
    assert is_open and color == "danger"
    assert "confounded" in text and "ComBat" in text
    for graph_id in QC_FIGURES:  # six figures that say why, not six blank plots
        message = figure_message(value(qc.QC_VIEW, outputs, graph_id, "figure"))
        assert "ComBat cannot run" in message and "confounded" in message
    assert value(qc.QC_VIEW, outputs, ids.QC_OUTLIERS, "children") is None


def test_refused_batch_correction_is_said_on_the_batch_tab(store, example, example_store):
    show_batch = registered(store)["show_batch"]
    # First a correction that works: plots and scores.
    good = show_batch("batch", example_store,
                      *matrix_values(example, batch_column=["batch"], protect_columns=["group"],
                                     batch_method="combat"))
    assert len(value(batch.BATCH_VIEW, good, ids.BATCH_VIEW, "figure").data) > 0
    assert alert(batch.BATCH_VIEW, good)[1] is False
    # Then the refused one: the old plots must not stay silently.
    outputs = show_batch("batch", example_store, *matrix_values(example, **CONFOUNDED))
    text, is_open, color = alert(batch.BATCH_VIEW, outputs)
    assert is_open and color == "danger" and "confounded" in text
    assert "confounded" in figure_message(value(batch.BATCH_VIEW, outputs, ids.BATCH_VIEW,
                                                "figure"))
    assert value(batch.BATCH_VIEW, outputs, ids.BATCH_SCORES, "children") is None


def test_the_clustering_tab_keeps_its_own_alert(store, example, example_store):
    outputs = guarded_analysis(store, example_store, analysis_controls(example, **CONFOUNDED),
                               [])
    # The Clustering view's alert (ids.ERROR) has it, with the views kept as they were.
    assert ids.VIEW_ALERTS["clustering"] == ids.ERROR
    assert "confounded" in text_of(out(outputs, analysis, ids.ERROR, "children"))
    assert out(outputs, analysis, ids.HEATMAP, "figure") is no_update


def test_each_view_alert_sits_in_its_own_tab():
    tabs = {c.tab_id: c for c in walk(build_layout()) if type(c).__name__ == "Tab"}
    alert_ids = set(ids.VIEW_ALERTS.values())
    for tab_id, view in (("clustering", "clustering"), ("qc", "qc"), ("batch", "batch"),
                         ("choose-k", "choose-k"), ("stability", "stability")):
        inside = {getattr(c, "id", None) for c in walk(tabs[tab_id])} & alert_ids
        expected = {ids.VIEW_ALERTS[view]}
        if tab_id == "clustering":  # the agreement card is in the Clustering tab
            expected.add(ids.VIEW_ALERTS["agreement"])
        assert inside == expected, (tab_id, inside)
    # Upload errors show in the data card (the sidebar), next to the upload boxes.
    in_tabs = {getattr(c, "id", None) for tab in tabs.values() for c in walk(tab)}
    everywhere = {getattr(c, "id", None) for c in walk(build_layout())}
    assert ids.VIEW_ALERTS["data"] in everywhere - in_tabs


def _analysis_store(store, example, example_store, **changes):
    result = guarded_analysis(store, example_store, analysis_controls(example, **changes), [])
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


def test_choose_k_errors_show_in_the_choose_k_tab(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store)
    outputs = K_VIEW.guard(k_panel)(store, analysis_store, 5, 2, 0)
    text, is_open, color = alert(K_VIEW, outputs)
    assert is_open and color == "danger" and "k range" in text
    for graph_id in (ids.K_FIGURE, ids.K_TREE):
        assert "k range" in figure_message(value(K_VIEW, outputs, graph_id, "figure"))


def test_a_narrowed_k_range_is_said_in_the_choose_k_tab(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store)
    outputs = k_panel(store, analysis_store, 2, 10, 0)
    text, is_open, color = alert(K_VIEW, outputs)
    # pasilla has 7 samples: k can be 2 to 6 only.
    assert is_open and color == "info"
    assert "k 2\u20136 (narrowed from 2\u201310: 7 samples" in text
    figure = value(K_VIEW, outputs, ids.K_FIGURE, "figure")
    assert figure.layout.title.text.startswith("k 2\u20136 (narrowed from 2\u201310")
    # Asked within what the data allow: no notice, the range is still named.
    within = k_panel(store, analysis_store, 2, 5, 0)
    assert alert(K_VIEW, within)[1] is False
    assert value(K_VIEW, within, ids.K_FIGURE, "figure").layout.title.text == "k 2\u20135"


def test_stability_errors_show_in_the_stability_tab(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store, method="leiden",
                                     neighbors=3, pcs=3)
    outputs = STABILITY_VIEW.guard(stability_panel)(store, analysis_store, 10, "bootstrap",
                                                    True)
    text, is_open, color = alert(STABILITY_VIEW, outputs)
    assert is_open and color == "danger" and "resolution" in text
    for graph_id in (ids.STABILITY_FIGURE, ids.CONSENSUS_FIGURE):
        assert "resolution" in figure_message(value(STABILITY_VIEW, outputs, graph_id,
                                                    "figure"))


def test_a_narrowed_consensus_range_is_said(store, example, example_store):
    analysis_store = _analysis_store(store, example, example_store)
    outputs = stability_panel(store, analysis_store, 10, "bootstrap", True)
    text, is_open, _ = alert(STABILITY_VIEW, outputs)
    # 80% of 7 samples is 5 per resample: consensus k up to 4, not 6.
    assert is_open and "k 2\u20134 (narrowed from 2\u20136" in text
    figure = value(STABILITY_VIEW, outputs, ids.CONSENSUS_FIGURE, "figure")
    assert "k 2\u20134 (narrowed from 2\u20136" in figure.layout.title.text


@pytest.mark.parametrize("choice, other_k, expected", [
    ("method:kmeans", 50, "k"),
])
def test_agreement_errors_show_in_the_agreement_card(store, example, example_store, choice,
                                                     other_k, expected):
    from views.clustering import agreement

    analysis_store = _analysis_store(store, example, example_store)
    outputs = agreement.VIEW.guard(agreement.agreement_view)(store, analysis_store, choice,
                                                             other_k)
    text, is_open, color = alert(agreement.VIEW, outputs)
    assert is_open and color == "danger" and expected in text
    assert "Something went wrong" not in text
    assert figure_message(value(agreement.VIEW, outputs, ids.AGREEMENT_FIGURE, "figure"))


def test_confounding_without_correction_is_a_notice_of_the_batch_tab(store, example,
                                                                     example_store):
    # No correction asked for: the plots are drawn, and the tab warns that batch and the
    # protected column cannot be told apart.
    outputs = registered(store)["show_batch"]("batch", example_store, *matrix_values(
        example, batch_column=["batch"], protect_columns=["type"], batch_method="none"))
    assert len(value(batch.BATCH_VIEW, outputs, ids.BATCH_VIEW, "figure").data) > 0
    text, is_open, color = alert(batch.BATCH_VIEW, outputs)
    assert is_open and color == "warning" and "confounded" in text
