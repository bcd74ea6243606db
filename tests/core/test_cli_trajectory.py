"""``python -m rnaclust_dash trajectory`` and ``run --subcluster`` end to end (issue 12
items 1, 5, 6): a simulated time course of samples with a known order, the files and
their columns, the splits recorded in params.json and replayed, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from rnaclust_dash.cli import main


@pytest.fixture(scope="module")
def time_course(tmp_path_factory):
    """80 samples along a process (hours 0..70, known), 300 genes: 120 follow smooth
    curves of time (rising, falling, transient), the rest noise; FPKM-like values."""
    rng = np.random.default_rng(5)
    hours = np.sort(rng.uniform(0, 70, 80))
    t = hours / 70
    shapes = [t, 1 - t, np.exp(-((t - 0.5) ** 2) / 0.05)]
    log_values = rng.normal(3, 0.3, (300, 80))
    for gene in range(120):
        log_values[gene] += 3 * shapes[gene % 3] * rng.uniform(0.7, 1.3)
    samples = [f"S{i:02d}" for i in range(80)]
    table = pd.DataFrame(np.round(2 ** log_values - 1, 4), columns=samples,
                         index=[f"G{g:03d}" for g in range(300)]).rename_axis("gene_id")
    folder = tmp_path_factory.mktemp("time_course")
    table.to_csv(folder / "values.csv")
    sheet = pd.DataFrame({"sample_id": samples, "hours": hours.round(2),
                          "stage": np.where(hours < 35, "early", "late")})
    sheet.to_csv(folder / "samples.csv", index=False)
    return folder, sheet.set_index("sample_id")


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main(list(map(str, args)))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_trajectory_orders_a_known_time_course_and_writes_its_files(time_course, tmp_path,
                                                                   capsys):
    folder, sheet = time_course
    status, out, err = cli(capsys, "trajectory", folder / "values.csv", "--metadata",
                           folder / "samples.csv", "--out", tmp_path, "--root-column", "hours",
                           "--groups-column", "stage", "--method", "leiden", "--pcs", "5")
    assert status == 0, err
    assert "pseudotime of 80 of 80 samples" in out
    pseudotime = pd.read_csv(tmp_path / "pseudotime.csv", index_col="id")
    assert list(pseudotime.columns) == ["pseudotime"]
    assert spearmanr(pseudotime["pseudotime"], sheet.loc[pseudotime.index, "hours"])[0] >= 0.95
    paga = pd.read_csv(tmp_path / "paga.csv")
    assert list(paga.columns) == ["from", "to", "connectivity"]
    assert paga[["from", "to"]].values.tolist() == [["early", "late"]]
    diffmap = pd.read_csv(tmp_path / "diffmap.csv")
    assert list(diffmap.columns[:3]) == ["id", "DC0", "DC1"] and len(diffmap) == 80
    genes = pd.read_csv(tmp_path / "pseudotime_genes.csv")
    top = set(genes.loc[genes["padj"] < 1e-6, "gene"])
    planted = {f"G{g:03d}" for g in range(120) if g % 3 != 2}  # monotone ones
    assert len(planted & top) >= 0.9 * len(planted)
    document = json.loads((tmp_path / "params.json").read_text())
    assert document["trajectory"]["root_column"] == "hours"
    assert sheet.loc[document["trajectory"]["root"], "hours"] == sheet["hours"].min()
    assert len(document["trajectory"]["eigenvalues"]) == 15


def test_root_cell_and_root_cluster(time_course, tmp_path, capsys):
    folder, sheet = time_course
    base = [folder / "values.csv", "--metadata", folder / "samples.csv", "--method", "leiden",
            "--pcs", "5"]
    status, out, err = cli(capsys, "trajectory", *base, "--out", tmp_path / "cell",
                           "--root-cell", "S00")
    assert status == 0, err
    assert "from S00" in out
    from_cell = pd.read_csv(tmp_path / "cell" / "pseudotime.csv", index_col="id")
    assert from_cell.loc["S00", "pseudotime"] == 0
    groups = pd.read_csv(tmp_path / "cell" / "groups.csv", index_col="id")["group"]
    first = str(groups.loc["S00"])
    status, _, err = cli(capsys, "trajectory", *base, "--out", tmp_path / "cluster",
                         "--root-cluster", first)
    assert status == 0, err
    document = json.loads((tmp_path / "cluster" / "params.json").read_text())
    assert str(groups.loc[document["trajectory"]["root"]]) == first


def test_run_subcluster_splits_in_place_records_and_replays(time_course, tmp_path, capsys):
    folder, _ = time_course
    base = [folder / "values.csv", "--method", "hierarchical", "--k", "2"]
    assert cli(capsys, "run", *base, "--out", tmp_path / "parent")[0] == 0
    parent = pd.read_csv(tmp_path / "parent" / "assignments.csv", dtype={"cluster": str})
    status, _, err = cli(capsys, "run", *base, "--out", tmp_path / "split", "--subcluster", "1",
                         "--subcluster-k", "3", "--subcluster", "1.2")
    assert status == 0, err
    split = pd.read_csv(tmp_path / "split" / "assignments.csv", dtype={"cluster": str})
    in_one = parent["cluster"] == "1"
    assert (split.loc[~in_one, "cluster"] == parent.loc[~in_one, "cluster"]).all()
    assert set(split.loc[in_one, "cluster"]) == {"1.1", "1.2.1", "1.2.2", "1.3"}
    document = json.loads((tmp_path / "split" / "params.json").read_text())
    assert document["subclusters"] == [{"cluster": "1", "k": 3}, {"cluster": "1.2", "k": 2}]
    status, _, err = cli(capsys, "run", folder / "values.csv", "--params",
                         tmp_path / "split" / "params.json", "--out", tmp_path / "replay")
    assert status == 0, err
    replay = pd.read_csv(tmp_path / "replay" / "assignments.csv", dtype={"cluster": str})
    assert replay["cluster"].tolist() == split["cluster"].tolist()


def test_subcluster_on_the_selections_own_variable_genes(time_course, tmp_path, capsys):
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import adjusted_rand_score

    folder, _ = time_course
    base = [folder / "values.csv", "--method", "hierarchical", "--k", "2", "--top-genes",
            "50"]
    status, _, err = cli(capsys, "run", *base, "--out", tmp_path, "--subcluster", "1",
                         "--subcluster-features", "selection")
    assert status == 0, err
    split = pd.read_csv(tmp_path / "assignments.csv", dtype={"cluster": str})
    document = json.loads((tmp_path / "params.json").read_text())
    assert document["subclusters"] == [{"cluster": "1", "k": 2, "features": "selection"}]
    # By hand: log2(x + 1), the 50 genes of highest variance among cluster 1's samples,
    # 1 - Pearson, average linkage, 2 clusters.
    table = pd.read_csv(folder / "values.csv", index_col=0)
    members = split.loc[split["cluster"].str.startswith("1."), "id"]
    log_values = np.log2(table[members] + 1)
    top = log_values.loc[log_values.var(axis=1).sort_values(ascending=False).index[:50]]
    tree = linkage(top.T.to_numpy(), method="average", metric="correlation")
    expected = fcluster(tree, 2, criterion="maxclust")
    found = split.set_index("id").loc[members, "cluster"]
    assert adjusted_rand_score(expected, found) == 1.0


def test_bad_trajectory_and_split_input_says_what_to_do(time_course, tmp_path, capsys):
    folder, _ = time_course
    base = [folder / "values.csv", "--metadata", folder / "samples.csv", "--out", tmp_path]
    status, _, err = cli(capsys, "trajectory", *base, "--root-cell", "S99")
    assert status == 2 and "'S99' is not among the 80 items" in err
    status, _, err = cli(capsys, "trajectory", *base, "--root-column", "nope")
    assert status == 2 and "root column 'nope' is not in the sample or cell sheet" in err
    status, _, err = cli(capsys, "trajectory", *base, "--root-column", "stage")
    assert status == 2 and "holds no numbers" in err
    status, _, err = cli(capsys, "run", *base, "--method", "hierarchical", "--k", "2",
                         "--subcluster", "7")
    assert status == 2 and "no cluster '7' to split" in err
    status, _, err = cli(capsys, "run", *base, "--method", "kmeans", "--k", "2",
                         "--subcluster", "1", "--subcluster-resolution", "0.5")
    assert status == 2 and "split cluster 1 into k sub-clusters" in err
    with pytest.raises(SystemExit):
        main(["run", str(folder / "values.csv"), "--out", str(tmp_path), "--subcluster-k", "2"])
    assert "give --subcluster CLUSTER before it" in capsys.readouterr().err
