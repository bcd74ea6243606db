"""The PCA/UMAP scatter callback and its background UMAP job."""

from __future__ import annotations

import pytest
from callback_helpers import (
    PASILLA_SAMPLES,
    assert_rejected,
    browser_json,
    guarded_embedding,
    out,
    registered,
    traces,
)
from dash import no_update

from views.clustering import embedding
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import compute_embedding, embedding_key


def scatter_ids(figure) -> list:
    return [i for t in traces(figure, "embedding") for i in t["customdata"]]


def annotation_texts(figure) -> list[str]:
    return [a["text"] for a in browser_json(figure)["layout"].get("annotations", [])]


def test_pca_shows_every_item_once(store, example_analysis_store):
    outputs = guarded_embedding(store, example_analysis_store, "pca", 15, 0.1, "cluster", [])
    figure = out(outputs, embedding, ids.EMBEDDING, "figure")
    assert sorted(scatter_ids(figure)) == sorted(PASILLA_SAMPLES)
    document = browser_json(figure)
    assert document["layout"]["xaxis"]["title"]["text"].startswith("PC1 (")
    assert document["layout"]["dragmode"] == "lasso"
    assert out(outputs, embedding, ids.EMBEDDING_STATUS, "children") == ""
    for prop in ("children", "is_open"):
        assert out(outputs, embedding, ids.ERROR, prop) is no_update
    assert out(outputs, embedding, ids.EMBEDDING_STORE, "data") is no_update
    # One trace per cluster when coloured by cluster.
    assert sorted(t["name"] for t in traces(figure, "embedding")) == ["cluster 1", "cluster 2"]


def test_pca_coloured_by_an_annotation_with_a_selection(store, example_analysis_store):
    outputs = guarded_embedding(store, example_analysis_store, "pca", 15, 0.1, "condition",
                                ["treated1", "untreated2"])
    figure = out(outputs, embedding, ids.EMBEDDING, "figure")
    by_name = {t["name"]: t for t in traces(figure, "embedding")}
    assert set(by_name) == {"treated", "untreated"}
    assert sorted(by_name["treated"]["customdata"]) == ["treated1", "treated2", "treated3"]
    highlighted = [t["customdata"][k] for t in by_name.values() for k in t["selectedpoints"]]
    assert sorted(highlighted) == ["treated1", "untreated2"]


def test_no_analysis_yet_changes_nothing(store):
    outputs = guarded_embedding(store, None, "pca", 15, 0.1, "cluster", [])
    assert all(o is no_update for o in outputs)


def test_bad_umap_setting_is_a_message(store, example_analysis_store):
    outputs = guarded_embedding(store, example_analysis_store, "umap", 1, 0.1, "cluster", [])
    assert "UMAP needs at least 2 neighbours" in assert_rejected(outputs, embedding)


def test_empty_umap_boxes_fall_back_to_the_defaults(store, example_analysis_store):
    outputs = guarded_embedding(store, example_analysis_store, "umap", None, None, "cluster", [])
    request = out(outputs, embedding, ids.EMBEDDING_STORE, "data")
    assert request["params"]["umap_neighbors"] == 15
    assert request["params"]["umap_min_dist"] == 0.1


@pytest.mark.slow
def test_umap_placeholder_then_the_computed_figure(store, example_analysis_store):
    args = (store, example_analysis_store, "umap", 5, 0.2, "cluster", [])
    first = guarded_embedding(*args)
    placeholder = out(first, embedding, ids.EMBEDDING, "figure")
    assert traces(placeholder, "embedding") == []
    assert annotation_texts(placeholder) == ["Computing UMAP..."]
    assert "Computing UMAP" in out(first, embedding, ids.EMBEDDING_STATUS, "children")
    request = out(first, embedding, ids.EMBEDDING_STORE, "data")
    assert request["analysis"] == example_analysis_store
    assert request["params"] == dict(example_analysis_store["params"], embedding="umap",
                                     umap_neighbors=5, umap_min_dist=0.2)
    params = AnalysisParams.from_dict(request["params"])
    assert embedding_key(example_analysis_store["key"], params) not in store

    # What the background job does (its own test below), done here directly.
    compute_embedding(store, example_analysis_store["key"], params)
    assert embedding_key(example_analysis_store["key"], params) in store
    second = guarded_embedding(*args)
    figure = out(second, embedding, ids.EMBEDDING, "figure")
    assert sorted(scatter_ids(figure)) == sorted(PASILLA_SAMPLES)
    assert browser_json(figure)["layout"]["xaxis"]["title"]["text"] == "UMAP1"
    assert out(second, embedding, ids.EMBEDDING_STORE, "data") is no_update
    assert out(second, embedding, ids.EMBEDDING_STATUS, "children") == ""

    # The background callback as registered: reports progress, returns the figure.
    job = registered(embedding, store).functions["compute_umap"]
    progress = []
    figure, status = job(progress.append, request, "cluster", ["treated3"])
    assert progress == [(15, "UMAP running"), (100, "done")]
    assert sorted(scatter_ids(figure)) == sorted(PASILLA_SAMPLES)
    assert status == "UMAP done."


@pytest.mark.slow
def test_umap_with_more_neighbours_than_items_says_so(store, example_analysis_store):
    job = registered(embedding, store).functions["compute_umap"]
    request = {"analysis": example_analysis_store,
               "params": dict(example_analysis_store["params"], embedding="umap")}
    figure, status = job(lambda _: None, request, "cluster", [])
    assert sorted(scatter_ids(figure)) == sorted(PASILLA_SAMPLES)
    assert status == "UMAP n_neighbors lowered from 15 to 6: there are only 7 items."


def test_background_job_without_a_request_changes_nothing(store):
    job = registered(embedding, store).functions["compute_umap"]
    assert job(lambda _: None, None, "cluster", []) == (no_update, no_update)


def test_negative_seed_is_refused_before_anything_runs(store, example, example_store):
    from callback_helpers import analysis_controls, guarded_analysis

    from views.clustering import analysis

    result = guarded_analysis(store, example_store, analysis_controls(example, seed=-1), [])
    assert "Seed must be a whole number from 0" in assert_rejected(result, analysis)


def test_tsne_runs_in_the_background_job_too(store, example_analysis_store):
    """t-SNE (seconds; minutes for many genes) is not drawn inside the callback."""
    args = (store, example_analysis_store, "tsne", 5, 0.2, "cluster", [])
    first = guarded_embedding(*args)
    assert "Computing t-SNE" in out(first, embedding, ids.EMBEDDING_STATUS, "children")
    request = out(first, embedding, ids.EMBEDDING_STORE, "data")
    assert request["params"]["embedding"] == "tsne"
    job = registered(embedding, store).functions["compute_umap"]
    progress = []
    figure, status = job(progress.append, request, "cluster", [])
    assert progress == [(15, "t-SNE running"), (100, "done")]
    assert sorted(scatter_ids(figure)) == sorted(PASILLA_SAMPLES)
    assert browser_json(figure)["layout"]["xaxis"]["title"]["text"] == "tSNE1"
    assert "perplexity lowered" in status  # 7 samples: the notice is shown
