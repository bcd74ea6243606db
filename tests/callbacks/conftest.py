"""Fixtures of the callback tests: a result store in tmp_path and the loaded example."""

from __future__ import annotations

import pytest
from callback_helpers import (
    analysis_controls,
    assert_accepted,
    guarded_analysis,
    guarded_data,
    out,
)

from callbacks import data
from views.clustering import analysis
from layouts import ids
from rnaclust_dash.store import ResultStore


@pytest.fixture(autouse=True)
def _default_upload_limit(monkeypatch):
    """Tests that need a limit set it; none inherits one from the environment."""
    monkeypatch.delenv("RNACLUST_MAX_UPLOAD_MB", raising=False)


@pytest.fixture
def store(tmp_path) -> ResultStore:
    result_store = ResultStore(tmp_path / "store")
    yield result_store
    if result_store._cache is not None:
        result_store.cache.close()


@pytest.fixture
def example(store) -> tuple:
    """Outputs of the data callback choosing the pasilla example (the page's first load)."""
    outputs = guarded_data(store, ids.EXAMPLE, "pasilla", None, None, None, None, None,
                           None, None)
    assert_accepted(outputs, data)
    return outputs


@pytest.fixture
def example_store(example) -> dict:
    """The dataset-store after loading the example."""
    return out(example, data, ids.DATASET_STORE, "data")


@pytest.fixture
def example_controls(example) -> dict:
    """Analysis control values after loading the example."""
    return analysis_controls(example)


@pytest.fixture
def example_analysis(store, example_store, example_controls) -> tuple:
    """Outputs of the analysis callback on the example with its default controls."""
    outputs = guarded_analysis(store, example_store, example_controls, [])
    assert_accepted(outputs, analysis)
    return outputs


@pytest.fixture
def example_analysis_store(example_analysis) -> dict:
    return out(example_analysis, analysis, ids.ANALYSIS_STORE, "data")
