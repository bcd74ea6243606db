"""``python -m rnaclust_dash choose-k`` and ``stability``: files, agreement with the core.

Every run calls :func:`rnaclust_dash.cli.main` in-process, on the bundled pasilla/airway
counts or on a small synthetic table with three well-separated groups.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.assess import choose_k
from rnaclust_dash.cli import main
from rnaclust_dash.io import build_dataset
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import ResultStore

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "rnaclust_dash" / "data"
PASILLA = DATA / "pasilla" / "counts.csv.gz"
AIRWAY = DATA / "airway" / "counts.csv.gz"

INDEX_COLUMNS = ["k", "wss", "silhouette", "calinski_harabasz", "davies_bouldin"]
TREE_COLUMNS = ["from_k", "from_cluster", "to_k", "to_cluster", "n_items", "in_prop"]
CHOOSE_K_FILES = ["cluster_tree.csv", "k_selection.csv", "params.json", "suggested_k.json"]
STABILITY_FILES = ["cluster_stability.csv", "item_stability.csv", "params.json"]
CONSENSUS_FILES = ["consensus_cdf.csv", "consensus_delta_area.csv", "consensus_matrix.csv",
                   "item_consensus.csv"]


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main(list(map(str, args)))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


@pytest.fixture(scope="module")
def three_groups(tmp_path_factory) -> Path:
    """Counts of 300 genes x 24 samples in 3 groups of 8, each with 60 genes up 8-fold."""
    rng = np.random.default_rng(3)
    groups = np.repeat([0, 1, 2], 8)
    base = rng.gamma(4.0, 50.0, size=300)
    fold = np.ones((300, 3))
    for group in range(3):
        fold[100 * group:100 * group + 60, group] = 8.0
    mean = base[:, None] * fold[:, groups]
    counts = rng.negative_binomial(20, 20 / (20 + mean))
    path = tmp_path_factory.mktemp("synthetic") / "three_groups.csv"
    pd.DataFrame(counts, index=[f"g{i}" for i in range(300)],
                 columns=[f"group{g}_{i}" for i, g in enumerate(groups)]).to_csv(path)
    return path


# --- choose-k -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def airway_choice(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("choose") / "k"
    stdout = StringIO()
    with redirect_stdout(stdout):
        status = main(["choose-k", str(AIRWAY), "--out", str(out), "--k-min", "2",
                       "--k-max", "10", "--gap-refs", "5"])
    assert status == 0
    return out, stdout.getvalue()


def test_choose_k_writes_every_file(airway_choice):
    out, stdout = airway_choice
    assert files(out) == CHOOSE_K_FILES
    table = pd.read_csv(out / "k_selection.csv")
    assert list(table.columns) == INDEX_COLUMNS + ["gap", "gap_se"]
    assert list(table["k"]) == [2, 3, 4, 5, 6, 7]  # 8 samples: k above 7 is skipped
    assert table["silhouette"].between(-1, 1).all() and (table["gap_se"] > 0).all()
    assert np.all(np.diff(table["wss"]) < 0)
    suggested = json.loads((out / "suggested_k.json").read_text())
    assert list(suggested) == ["silhouette", "calinski_harabasz", "davies_bouldin", "elbow",
                               "gap"]
    assert all(2 <= suggested[index] <= 7 for index in suggested if index != "gap")
    assert 1 <= suggested["gap"] <= 7
    tree = pd.read_csv(out / "cluster_tree.csv")
    assert list(tree.columns) == TREE_COLUMNS
    assert sorted(set(zip(tree["from_k"], tree["to_k"]))) == [(k, k + 1) for k in range(2, 7)]
    for to_k, edges in tree.groupby("to_k"):  # every item of each child comes from a parent
        assert edges["n_items"].sum() == 8
    params = json.loads((out / "params.json").read_text())
    assert params["parameters"]["method"] == "hierarchical"
    assert params["dataset"]["name"] == "counts.csv.gz"
    lines = stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == list(suggested)
    assert lines[0].startswith(f"silhouette: k = {suggested['silhouette']} (silhouette ")
    assert lines[-1] == f"k = 2..7 for 8 samples; results in {out}"


def test_choose_k_suggestion_equals_assess(airway_choice):
    """The command's suggestion is what :func:`rnaclust_dash.assess.choose_k` gives."""
    out, _ = airway_choice
    dataset = build_dataset(AIRWAY.read_bytes(), AIRWAY.name)
    with tempfile.TemporaryDirectory() as directory:
        store = ResultStore(directory)
        key = put_dataset(store, dataset)
        direct = choose_k(store, key, AnalysisParams(), k_values=range(2, 11), gap_refs=5)
        store.cache.close()
    assert json.loads((out / "suggested_k.json").read_text()) == direct.suggested
    pd.testing.assert_frame_equal(pd.read_csv(out / "k_selection.csv"), direct.table,
                                  check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(out / "cluster_tree.csv"), direct.tree,
                                  check_dtype=False)


def test_k_selection_silhouette_is_the_silhouette_of_run(tmp_path, capsys):
    """Same matrix: choose-k's silhouette at each k is what ``run --k k`` reports."""
    options = ["--distance", "spearman", "--linkage", "complete", "--top-genes", 300]
    status, _, err = cli(capsys, "choose-k", PASILLA, "--out", tmp_path / "k", "--k-max", 6,
                         "--gap-refs", 0, *options)
    assert status == 0, err
    table = pd.read_csv(tmp_path / "k" / "k_selection.csv").set_index("k")
    assert list(table.index) == [2, 3, 4, 5, 6]
    for k in table.index:
        status, _, err = cli(capsys, "run", PASILLA, "--out", tmp_path / f"run{k}", "--k", k,
                             *options)
        assert status == 0, err
        metrics = json.loads((tmp_path / f"run{k}" / "metrics.json").read_text())
        assert table.loc[k, "silhouette"] == pytest.approx(metrics["silhouette"], abs=1e-12)
        assert table.loc[k, "calinski_harabasz"] == pytest.approx(
            metrics["calinski_harabasz"], rel=1e-12)


def test_choose_k_without_gap(tmp_path, capsys):
    status, out, err = cli(capsys, "choose-k", PASILLA, "--out", tmp_path, "--k-max", 4,
                           "--gap-refs", 0)
    assert status == 0, err
    assert list(pd.read_csv(tmp_path / "k_selection.csv").columns) == INDEX_COLUMNS
    assert "gap" not in json.loads((tmp_path / "suggested_k.json").read_text())
    assert "gap:" not in out


def test_choose_k_gaussian_mixture_adds_bic_and_icl(tmp_path, capsys):
    status, out, err = cli(capsys, "choose-k", PASILLA, "--out", tmp_path, "--method", "gmm",
                           "--covariance", "spherical", "--pcs", 3, "--k-max", 4,
                           "--gap-refs", 5)
    assert status == 0, err
    table = pd.read_csv(tmp_path / "k_selection.csv")
    assert list(table.columns) == INDEX_COLUMNS + ["gap", "gap_se", "bic", "icl"]
    assert table[["bic", "icl"]].notna().all().all()
    suggested = json.loads((tmp_path / "suggested_k.json").read_text())
    assert suggested["bic"] == table.loc[table["bic"].idxmax(), "k"]
    assert suggested["icl"] == table.loc[table["icl"].idxmax(), "k"]
    assert "\nbic: k = " in out and "\nicl: k = " in out


# --- stability ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stable_run(three_groups, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stability") / "s"
    status = main(["stability", str(three_groups), "--out", str(out), "--k", "3",
                   "--resamples", "20", "--consensus", "--consensus-k-max", "5"])
    assert status == 0
    return out


def test_stability_writes_every_file(stable_run, three_groups):
    assert files(stable_run) == sorted(STABILITY_FILES + CONSENSUS_FILES)
    ids = list(pd.read_csv(three_groups, index_col=0).columns)
    clusters = pd.read_csv(stable_run / "cluster_stability.csv")
    assert list(clusters.columns) == ["cluster", "jaccard_mean"]
    assert list(clusters["cluster"]) == [1, 2, 3]
    items = pd.read_csv(stable_run / "item_stability.csv")
    assert list(items.columns) == ["id", "cluster", "stability"]  # cluster: issue 7 item 8
    assert list(items["id"]) == ids
    cdf = pd.read_csv(stable_run / "consensus_cdf.csv")
    assert list(cdf.columns) == ["k", "consensus_index", "cdf"]
    assert sorted(cdf["k"].unique()) == [2, 3, 4, 5]
    assert (cdf.groupby("k")["cdf"].last() == 1.0).all()
    area = pd.read_csv(stable_run / "consensus_delta_area.csv")
    assert list(area.columns) == ["k", "area", "delta_area"]
    assert list(area["k"]) == [2, 3, 4, 5]
    assert area["delta_area"].iloc[0] == area["area"].iloc[0]
    item_consensus = pd.read_csv(stable_run / "item_consensus.csv")
    assert list(item_consensus.columns) == ["k", "id", "cluster", "item_consensus"]
    assert len(item_consensus) == len(ids) * (2 + 3 + 4 + 5)
    # NaN: the item alone in its consensus cluster has no partner there
    assert item_consensus["item_consensus"].dropna().between(0, 1).all()
    params = json.loads((stable_run / "params.json").read_text())["parameters"]
    assert params["k"] == 3


def test_three_separated_groups_are_stable(stable_run, three_groups):
    clusters = pd.read_csv(stable_run / "cluster_stability.csv")
    assert (clusters["jaccard_mean"] > 0.95).all()
    assert (pd.read_csv(stable_run / "item_stability.csv")["stability"] > 0.95).all()
    matrix = pd.read_csv(stable_run / "consensus_matrix.csv", index_col=0)
    ids = list(pd.read_csv(three_groups, index_col=0).columns)
    assert list(matrix.index) == ids and list(matrix.columns) == ids
    values = matrix.to_numpy()
    np.testing.assert_array_equal(values, values.T)
    np.testing.assert_array_equal(np.diag(values), 1.0)
    group = np.array([name.split("_")[0] for name in ids])
    same = group[:, None] == group[None, :]
    assert values[same].min() > 0.95 and values[~same].max() < 0.05


def test_stability_prints_a_line_per_cluster(three_groups, tmp_path, capsys):
    status, out, err = cli(capsys, "stability", three_groups, "--out", tmp_path, "--k", 3,
                           "--resamples", 5, "--scheme", "subsample")
    assert status == 0, err
    assert files(tmp_path) == STABILITY_FILES
    lines = out.splitlines()
    assert [line.split(" (")[0] for line in lines[:3]] == ["cluster 1", "cluster 2",
                                                           "cluster 3"]
    assert "(8 samples): mean Jaccard " in lines[0]
    assert lines[3] == (f"5 subsample resamples of 24 samples in k = 3 clusters; results in "
                        f"{tmp_path}")


def test_consensus_k_max_reaches_up_to_k(three_groups, tmp_path, capsys):
    status, _, err = cli(capsys, "stability", three_groups, "--out", tmp_path, "--k", 4,
                         "--resamples", 3, "--consensus", "--consensus-k-max", 3)
    assert status == 0, err
    assert list(pd.read_csv(tmp_path / "consensus_delta_area.csv")["k"]) == [2, 3, 4]


# --- same seed, same files ------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["choose-k", PASILLA, "--method", "kmeans", "--k-max", 5, "--gap-refs", 5],
    ["stability", PASILLA, "--method", "kmeans", "--k", 2, "--resamples", 10, "--consensus",
     "--consensus-k-max", 3],
])
def test_same_seed_same_outputs(tmp_path, capsys, command):
    for name in ("a", "b"):
        status, _, err = cli(capsys, *command, "--seed", 11, "--out", tmp_path / name)
        assert status == 0, err
    assert files(tmp_path / "a") == files(tmp_path / "b")
    for name in files(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# --- bad input: status 2 and "error: <message>" -----------------------------------------------

@pytest.mark.parametrize("command, message", [
    (["choose-k", "--method", "leiden"], "Leiden sets the number of clusters by its resolution"),
    (["stability", "--method", "louvain", "--resamples", 5],
     "Louvain sets the number of clusters by its resolution"),
    (["choose-k", "--k-min", 5, "--k-max", 3], "--k-min (5) is larger than --k-max (3)"),
    (["choose-k", "--k-min", 1], "--k-min must be at least 2"),
    (["choose-k", "--k-min", 7, "--k-max", 9], "No k to try: with 7 items k can be 2 to 6."),
    (["stability", "--k", 9, "--resamples", 5], "k = 9 is too large for 7 samples"),
    (["stability", "--k", 2, "--resamples", 0], "The number of resamples must be at least 1"),
    (["stability", "--k", 2, "--resamples", 5, "--method", "leiden"],
     "Leiden sets the number of clusters by its resolution"),
])
def test_bad_input_exits_2(tmp_path, capsys, command, message):
    name, *options = command
    status, out, err = cli(capsys, name, PASILLA, "--out", tmp_path / "o", *options)
    assert status == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err
    assert out == ""
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["choose-k", "stability"])
def test_garbage_and_missing_files_exit_2(tmp_path, capsys, name):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    options = ["--resamples", 5] if name == "stability" else []
    status, _, err = cli(capsys, name, garbage, "--out", tmp_path / "o", *options)
    assert status == 2 and err.startswith("error: ")
    status, _, err = cli(capsys, name, tmp_path / "nope.csv", "--out", tmp_path / "o", *options)
    assert status == 2 and err.startswith("error: cannot read or write a file")


def test_stability_needs_resamples(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["stability", str(PASILLA), "--out", str(tmp_path)])
    assert exit_info.value.code == 2


def test_consensus_k_range_fits_small_studies(tmp_path, capsys):
    """7 samples: 80% resamples hold 5 items, so consensus runs for k = 2..4 (not 6)."""
    status, _, err = cli(capsys, "stability", PASILLA, "--out", tmp_path, "--k", 2,
                         "--resamples", 5, "--consensus")
    assert status == 0, err
    delta = pd.read_csv(tmp_path / "consensus_delta_area.csv")
    assert delta["k"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("method", ["kmeans", "fuzzy-cmeans", "hierarchical"])
def test_item_stability_clusters_are_run_assignments(tmp_path, capsys, three_groups, method):
    """item_stability.csv's cluster column equals run's assignments.csv for the same
    parameters, and cluster_stability.csv uses that numbering (issue 7 item 8)."""
    options = ["--method", method, "--k", "3", "--seed", "4", "--top-genes", "60"]
    assert cli(capsys, "run", three_groups, "--out", tmp_path / "run", *options)[0] == 0
    assert cli(capsys, "stability", three_groups, "--out", tmp_path / "st", "--resamples",
               "3", *options)[0] == 0
    assignments = pd.read_csv(tmp_path / "run" / "assignments.csv")
    items = pd.read_csv(tmp_path / "st" / "item_stability.csv")
    assert list(items["id"]) == list(assignments["id"])
    assert list(items["cluster"]) == list(assignments["cluster"])
    clusters = pd.read_csv(tmp_path / "st" / "cluster_stability.csv")
    assert list(clusters["cluster"]) == sorted(assignments["cluster"].unique())
