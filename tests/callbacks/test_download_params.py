"""The parameters the dashboard downloads re-run the same analysis on the command line.

The UI's example is ``io.load_example("pasilla")``: the bundled counts, sample sheet and
gene lengths read like an upload. The CLI gets the same three files.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from callback_helpers import (
    PASILLA,
    analysis_controls,
    assert_accepted,
    guarded_analysis,
    out,
    registered,
)

from views.clustering import analysis
from callbacks.common import CONTROL_FIELDS
from layouts import ids
from rnaclust_dash import io as rio
from rnaclust_dash.cli import main
from rnaclust_dash.params import AnalysisParams, params_from_document


def test_cli_inputs_are_the_example():
    """The files handed to the CLI give the dataset the UI loads (values and ids)."""
    example = rio.load_example("pasilla")
    cli = rio.build_dataset((PASILLA / "counts.csv.gz").read_bytes(), "counts.csv.gz",
                            metadata_content=(PASILLA / "samples.csv").read_bytes(),
                            lengths_content=(PASILLA / "lengths.csv.gz").read_bytes())
    pd.testing.assert_frame_equal(cli.counts, example.counts)
    pd.testing.assert_frame_equal(cli.metadata, example.metadata)
    pd.testing.assert_series_equal(cli.gene_lengths, example.gene_lengths)


@pytest.mark.parametrize("changes", [
    {},
    {"method": "kmeans", "n-clusters": 3, "seed": 7, "distance": "euclidean", "n-init": 5},
    {"normalization": "tpm", "linkage": "complete", "n-clusters": 3, "top-genes": 1000},
    {"cluster-target": "genes", "n-clusters": 4, "top-genes": 300, "distance": "spearman"},
], ids=["defaults", "kmeans", "tpm-complete", "genes"])
def test_downloaded_params_reproduce_the_assignments(store, example, example_store, tmp_path,
                                                     capsys, changes):
    controls = analysis_controls(example, **{k.replace("-", "_"): v for k, v in changes.items()})
    outputs = guarded_analysis(store, example_store, controls, [])
    assert_accepted(outputs, analysis)
    analysis_store = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    for control, value in changes.items():
        assert analysis_store["params"][CONTROL_FIELDS[control][0]] == value, control

    callbacks = registered(analysis, store).functions
    sent = callbacks["download_params"](1, analysis_store, "pca", 15, 0.1)
    assert sent["filename"] == "params.json"
    document = json.loads(sent["content"])
    assert document["dataset"] == {"name": "pasilla", "key": example_store["key"]}
    assert params_from_document(sent["content"]) == AnalysisParams.from_dict(
        analysis_store["params"])
    params_file = tmp_path / "params.json"
    params_file.write_text(sent["content"])

    results = tmp_path / "results"
    status = main(["run", str(PASILLA / "counts.csv.gz"), "--params", str(params_file),
                   "--metadata", str(PASILLA / "samples.csv"),
                   "--gene-lengths", str(PASILLA / "lengths.csv.gz"), "--out", str(results)])
    assert status == 0, capsys.readouterr().err

    cli = pd.read_csv(results / "assignments.csv")
    sent_assignments = callbacks["download_assignments"](1, analysis_store)
    assert sent_assignments["filename"] == "assignments.csv"
    # One writer (rnaclust_dash.export): the download is the file, byte for byte.
    assert sent_assignments["content"] == (results / "assignments.csv").read_text()
    ui = pd.read_csv(io.StringIO(sent_assignments["content"]))
    assert cli["id"].astype(str).tolist() == ui["id"].astype(str).tolist()
    assert cli["cluster"].tolist() == ui["cluster"].tolist()
    assert cli["silhouette"].tolist() == pytest.approx(ui["silhouette"].tolist(), abs=1e-12)
    assert len(cli) == analysis_store["n_items"]
    written = json.loads((results / "params.json").read_text())
    assert written["parameters"] == document["parameters"]
    # The CLI read the very dataset the UI clustered (same content key).
    assert written["dataset"]["key"] == example_store["key"]


def test_params_without_a_dataset_store_download_nothing(store):
    from dash import no_update
    download = registered(analysis, store).functions["download_params"]
    assert download(1, None, "pca", 15, 0.1) is no_update


def test_params_carry_the_embedding_controls(store, example_analysis_store):
    download = registered(analysis, store).functions["download_params"]
    sent = download(1, example_analysis_store, "umap", None, 0.0)
    params = params_from_document(sent["content"])
    assert (params.embedding, params.umap_neighbors, params.umap_min_dist) == ("umap", 15, 0.0)
