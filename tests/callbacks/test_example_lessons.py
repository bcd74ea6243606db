"""Choosing a bundled example applies its lesson's settings and shows its story, source
and licence in the data card; an upload afterwards starts from plain defaults again."""

from __future__ import annotations

import pytest
from callback_helpers import (assert_accepted, count_table, data_url, guarded_data, out,
                              text_of)

from callbacks import data
from layouts import ids
from layouts.main import LESSON
from rnaclust_dash.io import LESSONS
from views.cells import CONTROL_IDS as CELLS_CONTROLS

#: Where each lesson setting shows: parameter -> (component, value as the control holds it).
SETTING_CONTROLS = {
    "k": (ids.N_CLUSTERS, lambda v: v),
    "batch_column": (ids.BATCH_COLUMN, lambda v: v),
    "protect": (ids.PROTECT, lambda v: v.split(",")),
    "batch_method": (ids.BATCH_METHOD, lambda v: v),
    "normalization": (ids.NORMALIZATION, lambda v: v),
    "resolution": (CELLS_CONTROLS["resolution"], lambda v: v),
}


def choose_example(store, name: str) -> tuple:
    outputs = guarded_data(store, ids.EXAMPLE, name, None, None, None, None, None, None,
                           None)
    assert_accepted(outputs, data)
    return outputs


@pytest.mark.parametrize("name", list(LESSONS))
def test_choosing_an_example_applies_its_settings_and_tells_its_story(store, name):
    lesson = LESSONS[name]
    outputs = choose_example(store, name)
    for setting, value in lesson.settings.items():
        assert setting in SETTING_CONTROLS, f"{name}: {setting} has no control set on load"
        component, shown = SETTING_CONTROLS[setting]
        assert out(outputs, data, component, "value") == shown(value), (name, setting)
    card = text_of(out(outputs, data, LESSON, "children"))
    for line in (lesson.lesson, *lesson.story, lesson.licence):
        assert line in card, (name, line)
    mode = out(outputs, data, ids.DATASET_STORE, "data")["mode"]
    assert mode == ("single-cell" if lesson.single_cell else "bulk")
    if not lesson.single_cell:
        assert out(outputs, data, ids.COLOR_BY, "value") == lesson.color_by


def test_the_airway_lesson_sets_batch_column_and_protects_the_group(store):
    outputs = choose_example(store, "airway")
    assert out(outputs, data, ids.N_CLUSTERS, "value") == 4
    assert out(outputs, data, ids.BATCH_COLUMN, "value") == "batch"
    assert out(outputs, data, ids.PROTECT, "value") == ["group"]
    assert out(outputs, data, ids.BATCH_METHOD, "value") == "none"  # the class turns it on


def test_the_single_cell_example_opens_the_cells_tab_at_its_resolution(store):
    outputs = choose_example(store, "cellbench")
    assert out(outputs, data, ids.VIEW_TABS, "active_tab") == "cells"
    assert out(outputs, data, CELLS_CONTROLS["resolution"], "value") == 0.5
    assert out(outputs, data, ids.COLOR_BY, "value") == "cluster"


def test_an_upload_after_an_example_has_no_lesson_and_plain_defaults(store):
    airway = out(choose_example(store, "airway"), data, ids.DATASET_STORE, "data")
    outputs = guarded_data(store, ids.UPLOAD_COUNTS, None, data_url(count_table()),
                           "mine.csv", None, None, None, None, airway)
    assert_accepted(outputs, data)
    assert out(outputs, data, LESSON, "children") is None
    assert out(outputs, data, ids.BATCH_COLUMN, "value") is None
    assert out(outputs, data, ids.PROTECT, "value") == []
    assert out(outputs, data, ids.N_CLUSTERS, "value") == 2
    assert out(outputs, data, ids.COLOR_BY, "value") == "cluster"
