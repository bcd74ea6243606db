"""``run --mode single-cell --subcluster C --subcluster-resolution R`` (issue 12 item 1 on
single cells): a cluster holding two planted types at a low resolution is split in place on
the kNN graph, the children reach every file, and ``--params`` replays the split."""

import html
import json

import anndata as ad
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.cli import main
from tests.core.sc_synthetic import nested_cells, write_tenx

OPTIONS = ["--mode", "single-cell", "--min-genes", "50", "--hvg", "300", "--pcs", "10",
           "--resolution", "0.05"]


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    root = tmp_path_factory.mktemp("nested")
    adata = nested_cells()
    return write_tenx(adata, root / "filtered_feature_bc_matrix"), adata


def _run(folder, out, *options):
    return main(["run", str(folder), "--out", str(out), *options])


@pytest.fixture(scope="module")
def runs(cells, tmp_path_factory):
    folder, _ = cells
    plain, split = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("split")
    assert _run(folder, plain, *OPTIONS) == 0
    labels = pd.read_csv(plain / "assignments.csv", dtype=str)
    truth = cells[1].obs["cell_type"].loc[labels["id"]]
    parent = labels["cluster"][truth.str.startswith("type3").to_numpy()].mode()[0]
    assert _run(folder, split, *OPTIONS, "--subcluster", parent,
                "--subcluster-resolution", "0.5") == 0
    return plain, split, parent


def test_the_low_resolution_keeps_the_two_subtypes_together(runs, cells):
    plain, _, parent = runs
    labels = pd.read_csv(plain / "assignments.csv", dtype=str).set_index("id")["cluster"]
    truth = cells[1].obs["cell_type"].loc[labels.index]
    type3 = truth.str.startswith("type3").to_numpy()
    assert (labels[type3] == parent).mean() > 0.95  # one cluster before the split


def test_the_split_separates_the_planted_subtypes(runs, cells):
    _, split, parent = runs
    labels = pd.read_csv(split / "assignments.csv", dtype=str).set_index("id")["cluster"]
    truth = cells[1].obs["cell_type"].loc[labels.index]
    children = labels[labels.str.startswith(f"{parent}.")]
    assert sorted(set(children)) == [f"{parent}.1", f"{parent}.2"]
    assert adjusted_rand_score(children, truth.loc[children.index]) > 0.95
    # the other clusters are untouched
    plain = pd.read_csv(runs[0] / "assignments.csv", dtype=str).set_index("id")["cluster"]
    rest = ~plain.eq(parent)
    assert plain[rest].equals(labels[rest.to_numpy()])


def test_the_children_reach_markers_h5ad_metrics_and_params(runs):
    _, split, parent = runs
    groups = set(pd.read_csv(split / "markers.csv", dtype={"group": str})["group"])
    assert {f"{parent}.1", f"{parent}.2"} <= groups and parent not in groups
    obs = ad.read_h5ad(split / "result.h5ad").obs
    assert {f"{parent}.1", f"{parent}.2"} <= set(obs["cluster"].cat.categories)
    assert json.loads((split / "metrics.json").read_text())["n_clusters"] == 4
    recorded = json.loads((split / "params.json").read_text())["subclusters"]
    assert recorded == [{"cluster": parent, "resolution": 0.5}]


def test_params_json_replays_the_split_byte_for_byte(runs, cells, tmp_path):
    _, split, _ = runs
    assert _run(cells[0], tmp_path, "--params", str(split / "params.json")) == 0
    for name in ("assignments.csv", "markers.csv", "params.json"):
        assert (tmp_path / name).read_bytes() == (split / name).read_bytes(), name


@pytest.mark.parametrize("options, message", [
    (["--subcluster", "99", "--subcluster-resolution", "0.5"], "no cluster '99'"),
    (["--subcluster", "1", "--subcluster-k", "2"], "resolution"),
])
def test_bad_splits_exit_2_with_a_message(cells, tmp_path, capsys, options, message):
    assert _run(cells[0], tmp_path, *OPTIONS, *options) == 2
    assert message in capsys.readouterr().err


def test_the_report_of_a_split_run_shows_its_children(runs, cells, tmp_path):
    _, split, parent = runs
    assert main(["report", str(cells[0]), "--params", str(split / "params.json"),
                 "--out", str(tmp_path)]) == 0
    text = html.unescape((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert '"subclusters": [' in text  # the parameters shown replay the split
    assert f'"{parent}.1"' in text and f'"{parent}.2"' in text
