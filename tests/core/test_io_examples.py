"""Tests of rnaclust_dash.io: the bundled example datasets."""

from __future__ import annotations

import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import ParameterError


@pytest.mark.parametrize(
    ("name", "n_samples", "has_lengths"), [("pasilla", 7, True), ("airway", 8, False)]
)
def test_load_example(name, n_samples, has_lengths):
    dataset = rio.load_example(name)
    assert dataset.name == name
    assert dataset.description == rio.EXAMPLES[name]
    assert dataset.value_kind == "counts"
    assert dataset.counts.shape[1] == n_samples
    assert dataset.counts.shape[0] > 10_000
    assert dataset.metadata.index.equals(dataset.counts.columns)
    assert dataset.metadata["group"].notna().all()
    assert (dataset.gene_lengths is not None) == has_lengths


def test_examples_descriptions_and_unknown_name():
    assert rio.EXAMPLES["airway"].startswith("airway: human airway smooth muscle cells")
    assert "Brooks et al. 2011" in rio.EXAMPLES["pasilla"]
    with pytest.raises(ParameterError, match='Unknown example "nope"'):
        rio.load_example("nope")
