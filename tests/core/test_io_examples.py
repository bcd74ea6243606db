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


# --- the lessons: each example's story must be true ------------------------------------

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from rnaclust_dash.params import SPEC, AnalysisParams, default_params  # noqa: E402
from rnaclust_dash.pipeline import put_dataset, run_analysis  # noqa: E402
from rnaclust_dash.store import ResultStore  # noqa: E402


def test_every_example_teaches_one_lesson_with_story_source_licence_and_settings():
    assert set(rio.LESSONS) == {"pasilla", "airway", "fission", "cellbench"}
    for name, lesson in rio.LESSONS.items():
        assert len(lesson.story) == 3 and all(len(line) > 30 for line in lesson.story), name
        assert lesson.source and lesson.licence in ("LGPL", "MIT"), name
        assert set(lesson.settings) <= set(SPEC), name
        AnalysisParams.from_dict(lesson.settings)  # valid values
        assert rio.EXAMPLES[name] == lesson.description
    dataset = rio.load_example("fission")
    assert rio.LESSONS["fission"].color_by in dataset.metadata.columns
    assert rio.LESSONS["airway"].settings["batch_column"] in rio.load_example("airway").metadata


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ResultStore(tmp_path_factory.mktemp("lessons"))


def _clusters(store, name: str, **changes):
    """(cluster labels, sample sheet in their order) of the example's lesson settings."""
    dataset = rio.load_example(name)
    params = default_params(dataset).replace(**(dict(rio.LESSONS[name].settings) | changes))
    analysis = run_analysis(store, put_dataset(store, dataset), params)
    return analysis.labels, dataset.metadata.loc[list(analysis.features.item_ids)]


def test_pasilla_splits_by_treatment_once_normalized_and_by_library_type_raw(store):
    for changes in ({}, {"distance": "spearman"}, {"method": "kmeans"}):
        labels, sheet = _clusters(store, "pasilla", **changes)
        assert adjusted_rand_score(sheet["group"], labels) == 1.0, changes
    labels, sheet = _clusters(store, "pasilla", normalization="none")
    assert adjusted_rand_score(sheet["batch"], labels) == 1.0
    assert adjusted_rand_score(sheet["group"], labels) < 0


def test_airway_clusters_by_donor_before_combat_and_by_treatment_after(store):
    labels, sheet = _clusters(store, "airway")
    assert adjusted_rand_score(sheet["batch"], labels) == 1.0
    assert adjusted_rand_score(sheet["group"], labels) < 0
    labels, sheet = _clusters(store, "airway", k=2)
    assert adjusted_rand_score(sheet["group"], labels) < 0.3
    labels, sheet = _clusters(store, "airway", k=2, batch_method="combat")
    assert adjusted_rand_score(sheet["group"], labels) == 1.0


def test_fission_clusters_are_the_stress_peak_not_the_strain(store):
    labels, sheet = _clusters(store, "fission")
    peak = sheet["minute"].isin([15, 30])
    assert adjusted_rand_score(peak, labels) == 1.0
    assert abs(adjusted_rand_score(sheet["strain"], labels)) < 0.1


def test_cellbench_is_a_small_copy_of_the_shared_cells():
    from tests.core.reference_paths import BUNDLED, SHARED_DATA

    folder = BUNDLED / "cellbench"
    assert sum(f.stat().st_size for f in folder.iterdir()) < 3_000_000
    dataset = rio.load_example("cellbench")
    assert dataset.adata.shape == (909, 4000) and rio.detect_mode(dataset) == "single-cell"
    assert dataset.adata.obs["cell_type"].nunique() == 5
    source = SHARED_DATA / "cellbench_5cl_celseq2_3plates"
    if not source.is_dir():
        pytest.skip("../shared/data/cellbench_5cl_celseq2_3plates is absent")
    import pandas as pd
    import scipy.io

    genes_by_cells = scipy.io.mmread(source / "counts.mtx.gz").tocsr()
    ids = pd.read_csv(source / "features.tsv.gz", sep="\t", header=None)[0]
    rows = pd.Index(ids).get_indexer(dataset.adata.var_names)
    assert (rows >= 0).all()
    expected = genes_by_cells[rows].T.toarray()
    assert (dataset.adata.X.toarray() == expected).all()
    sheet = pd.read_csv(source / "cells.csv", index_col=0).loc[dataset.adata.obs_names]
    assert (sheet["cell_type"].to_numpy() == dataset.adata.obs["cell_type"].to_numpy()).all()


def test_cellbench_leiden_finds_the_five_cell_lines_at_resolution_half(store):
    from rnaclust_dash.params import single_cell_defaults
    from rnaclust_dash.pipeline.single_cell import run_single_cell

    dataset = rio.load_example("cellbench")
    params = single_cell_defaults().replace(**rio.LESSONS["cellbench"].settings)
    result = run_single_cell(dataset, params)
    obs = dataset.adata.obs.loc[result.cell_ids]
    assert len(set(result.labels)) == 5
    assert adjusted_rand_score(obs["cell_type"], result.labels) > 0.9
    assert abs(adjusted_rand_score(obs["batch"], result.labels)) < 0.05
    finer = run_single_cell(dataset, params.replace(resolution=1.0))
    assert len(set(finer.labels)) > 5
    assert 0.5 < adjusted_rand_score(obs["cell_type"], finer.labels) < 0.75


def test_the_readme_lists_every_lesson_and_its_licence():
    from tests.core.reference_paths import REPO

    readme = (REPO / "README.md").read_text()
    lessons = readme.split("## Lessons", 1)[1].split("\n## ", 1)[0]
    for name, lesson in rio.LESSONS.items():
        assert f"**{name}: {lesson.lesson}.**" in lessons, name
    licences = readme.split("## Data and licences", 1)[1]
    assert all(name in licences for name in rio.LESSONS)
