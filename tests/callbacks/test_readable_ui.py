"""Readable UI text (issue 7, item 10): the data card's file name, help icons that need
no extra font, words instead of column codes."""

from __future__ import annotations

import pandas as pd
from callback_helpers import FakeApp, count_table, data_url, guarded_data, out, text_of, walk
from dash import Input

from callbacks import data
from views.batch import scores_table
from layouts import ids
from layouts.main import build_layout


def upload_counts(store, current_store, content: bytes, name: str):
    return guarded_data(store, ids.UPLOAD_COUNTS, None, data_url(content), name, None, None,
                        None, None, current_store)


def test_the_data_card_names_the_last_file_even_with_the_same_content(store, example_store):
    table = count_table()
    first = upload_counts(store, example_store, table, "first_run.csv")
    first_store = out(first, data, ids.DATASET_STORE, "data")
    second = upload_counts(store, first_store, table, "second_run.csv")
    info = text_of(out(second, data, ids.DATASET_INFO, "children"))
    assert "second_run" in info and "first_run" not in info


def test_a_new_file_name_alone_reloads_the_data():
    # dcc.Upload sets `contents` and `filename`; when the content equals the last upload's
    # only `filename` changes, so it must be an Input or nothing happens.
    app = FakeApp()
    data.register(app, store=None)
    args, _ = app.specs["load_data"]
    inputs = {(a.component_id, a.component_property) for a in args if type(a) is Input}
    for upload in (ids.UPLOAD_COUNTS, ids.UPLOAD_METADATA, ids.UPLOAD_LENGTHS):
        assert (upload, "filename") in inputs, upload


def test_help_icons_are_plain_text():
    icons = [c for c in walk(build_layout()) if getattr(c, "className", None) == "help-icon"]
    assert len(icons) > 10
    # Plain ASCII renders with any font; U+24D8 showed as an empty box in Chromium here.
    assert all(str(icon.children).isascii() and str(icon.children).strip()
               for icon in icons)


def test_batch_scores_are_named_in_words():
    scores = pd.DataFrame({"silhouette_batch": [0.2, 0.0], "lisi_batch": [1.2, 1.7],
                           "silhouette_biology": [0.2, 0.4]}, index=["before", "after"])
    text = text_of(scores_table({"scores": scores, "message": "Batch silhouette ..."}))
    assert "batch silhouette" in text and "batch LISI" in text
    assert "silhouette_batch" not in text and "lisi_batch" not in text
