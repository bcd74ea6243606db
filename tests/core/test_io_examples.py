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


def test_fission_example_is_the_time_course_of_the_reference_files():
    """The bundled time course is the one the parity references were made from: 2 strains
    x 6 times x 3 replicates, the same counts as tests/data/reference/fission."""
    import pandas as pd

    from tests.core.reference_paths import BUNDLED, LOCAL_REFERENCE

    dataset = rio.load_example("fission")
    assert dataset.name == "fission" and "Leong et al. 2014" in dataset.description
    assert dataset.counts.shape[1] == 36
    sheet = dataset.metadata
    assert sorted(sheet["minute"].unique().tolist()) == [0, 15, 30, 60, 120, 180]
    assert sheet.groupby(["strain", "minute"]).size().eq(3).all()
    reference = pd.read_csv(LOCAL_REFERENCE / "fission" / "counts.csv.gz", index_col=0)
    assert dataset.counts.equals(reference.loc[dataset.counts.index, dataset.counts.columns]
                                 .astype(dataset.counts.dtypes.iloc[0]))
    assert (BUNDLED / "fission" / "counts.csv.gz").stat().st_size < 1_000_000
