"""export-script replays cluster splits and single-cell trajectories (issue 14 items 2, 7;
issue 12 items 1, 5): the script (and the notebook, with nbclient) made from the
params.json of ``run --subcluster`` / ``trajectory`` writes the same assignments.csv (split
labels ``1.1``, ``1.2``), markers and pseudotime files as the CLI, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rnaclust_dash.cli import main
from tests.core.sc_synthetic import nested_cells, write_tenx
from tests.core.test_export_script_analyses import _time_course
from tests.core.test_report_analyses import _assert_cited, _assert_offline, _figures, _methods
from tests.core.test_trajectory_cells import SMALL, differentiation

REPO = Path(__file__).resolve().parents[2]
PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
TRAJECTORY_FILES = ("pseudotime.csv", "paga.csv", "diffmap.csv", "groups.csv",
                    "pseudotime_genes.csv")


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _cli(*args) -> None:
    assert main([str(arg) for arg in args]) == 0


def _export(params: Path, out: Path, counts: Path, metadata: Path | None) -> Path:
    """export-script of ``params`` into ``out``/export; the script writes ``out``/script."""
    sheet = ["--metadata", metadata] if metadata else []
    _cli("export-script", "--params", params, "--out", out / "export", "--counts", counts,
         *sheet, "--results", out / "script")
    return out / "export"


def _run_script(export: Path) -> None:
    done = subprocess.run([sys.executable, str(export / "analysis.py")], cwd=export,
                          env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _run_notebook(export: Path, monkeypatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    book = nbformat.read(export / "analysis.ipynb", as_version=4)
    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])  # the kernel inherits it
    nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(export)}}).execute()


def _assert_same_files(expected: Path, actual: Path, names) -> None:
    for name in names:
        assert (actual / name).read_bytes() == (expected / name).read_bytes(), name


def _clusters(path: Path) -> pd.Series:
    return pd.read_csv(path / "assignments.csv", dtype={"id": str, "cluster": str}).set_index(
        "id")["cluster"]


# --- bulk splits ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pasilla_split(tmp_path_factory):
    """pasilla, hierarchical k = 2, cluster 1 split into 2: run and its export."""
    root = tmp_path_factory.mktemp("pasilla_split")
    counts, sheet = PASILLA / "counts.csv.gz", PASILLA / "samples.csv"
    _cli("run", counts, "--metadata", sheet, "--out", root / "run", "--k", "2",
         "--subcluster", "1", "--subcluster-k", "2")
    return root, _export(root / "run" / "params.json", root, counts, sheet)


def test_script_of_a_split_reproduces_assignments_with_the_child_labels(pasilla_split):
    root, export = pasilla_split
    _run_script(export)
    _assert_same_files(root / "run", root / "script", ("assignments.csv",))
    clusters = set(_clusters(root / "script"))
    assert {"1.1", "1.2"} <= clusters and "1" not in clusters
    text = (export / "analysis.py").read_text()
    for snippet in ("SplitStep('1', k=2)", "replay_splits(labels, splits, fit_selection",
                    "# cluster 1 into 2 sub-clusters (1.1, 1.2)"):
        assert snippet in text


def test_notebook_of_a_split_reproduces_assignments(pasilla_split, monkeypatch):
    root, export = pasilla_split
    (root / "script" / "assignments.csv").unlink(missing_ok=True)
    _run_notebook(export, monkeypatch)
    _assert_same_files(root / "run", root / "script", ("assignments.csv",))


def test_dashboard_bundle_replays_the_splits_on_screen(pasilla_split, tmp_path):
    import io
    import zipfile

    from rnaclust_dash.export.notebook import script_bundle
    from rnaclust_dash.export.script import ScriptInputs

    root, _ = pasilla_split
    text = (root / "run" / "params.json").read_text()  # the splits as "subclusters"
    inputs = ScriptInputs(counts=str(PASILLA / "counts.csv.gz"),
                          metadata=str(PASILLA / "samples.csv"), out=str(tmp_path / "script"))
    bundle = script_bundle(text, inputs)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        archive.extractall(tmp_path / "bundle")
    assert ": hierarchical, k = 2, 1 split" in (
        tmp_path / "bundle" / "analysis.py").read_text()
    _run_script(tmp_path / "bundle")
    _assert_same_files(root / "run", tmp_path / "script", ("assignments.csv",))


@pytest.fixture(scope="module")
def time_course(tmp_path_factory):
    """60 samples along a process (hours known), 200 genes (values, sheet)."""
    return _time_course(tmp_path_factory.mktemp("time_course"))


def _members_of(run: Path, cluster: str, n: int) -> str:
    clusters = _clusters(run)
    return ",".join(clusters.index[clusters == cluster][:n])


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_nested_splits_a_selection_and_reselected_genes_replay(time_course, tmp_path, method):
    """k-means (and GMM, whose confidence the split drops): cluster 1 into 3, its child
    1.2 on its own most variable genes, and six samples of cluster 2 split off."""
    values, sheet = time_course
    base = [values, "--metadata", sheet, "--method", method, "--k", "2", "--seed", "4",
            "--top-genes", "100"]
    _cli("run", *base, "--out", tmp_path / "parent")
    members = _members_of(tmp_path / "parent", "2", 6)
    _cli("run", *base, "--out", tmp_path / "run", "--subcluster", "1", "--subcluster-k", "3",
         "--subcluster", "1.2", "--subcluster-features", "selection",
         "--subcluster", "2", "--subcluster-members", members)
    recorded = json.loads((tmp_path / "run" / "params.json").read_text())["subclusters"]
    assert [step["cluster"] for step in recorded] == ["1", "1.2", "2"]
    export = _export(tmp_path / "run" / "params.json", tmp_path, values, sheet)
    _run_script(export)
    _assert_same_files(tmp_path / "run", tmp_path / "script", ("assignments.csv",))
    clusters = _clusters(tmp_path / "script")
    assert (clusters.loc[members.split(",")] == "2.1").all()
    assert {"1.1", "1.2.1", "1.2.2", "1.3", "2.1", "2.2"} == set(clusters)
    text = (export / "analysis.py").read_text()
    assert "selection_3 = [" in text and "all_genes=values.loc[:, item_ids]" in text
    assert "confidence" not in pd.read_csv(tmp_path / "script" / "assignments.csv").columns


def test_leiden_split_at_a_resolution_replays(time_course, tmp_path):
    values, sheet = time_course
    _cli("run", values, "--metadata", sheet, "--out", tmp_path / "run", "--method", "leiden",
         "--pcs", "5", "--resolution", "0.3", "--subcluster", "1",
         "--subcluster-resolution", "1.0")
    export = _export(tmp_path / "run" / "params.json", tmp_path, values, sheet)
    assert "SplitStep('1', resolution=1.0)" in (export / "analysis.py").read_text()
    _run_script(export)
    _assert_same_files(tmp_path / "run", tmp_path / "script", ("assignments.csv",))
    assert {"1.1", "1.2"} <= set(_clusters(tmp_path / "script"))


def test_trajectory_of_split_clusters_reproduces_pseudotime_and_paga(time_course, tmp_path):
    values, sheet = time_course
    _cli("trajectory", values, "--metadata", sheet, "--out", tmp_path / "trajectory",
         "--method", "hierarchical", "--k", "2", "--root-cluster", "1.1",
         "--subcluster", "1", "--subcluster-k", "2")
    document = json.loads((tmp_path / "trajectory" / "params.json").read_text())
    assert document["subclusters"] == [{"cluster": "1", "k": 2}]
    export = _export(tmp_path / "trajectory" / "params.json", tmp_path, values, sheet)
    _run_script(export)
    _assert_same_files(tmp_path / "trajectory", tmp_path / "script", TRAJECTORY_FILES)
    groups = pd.read_csv(tmp_path / "script" / "groups.csv", dtype=str)["group"]
    assert {"1.1", "1.2"} <= set(groups)
    # the report replays the split under the trajectory, and lists it
    text = _report(tmp_path / "report", values, sheet, tmp_path / "trajectory" / "params.json")
    assert [row[0] for row in _splits_rows(text)] == ["1"]
    assert "Pseudotime and PAGA on the diffusion map" in _figures(text)
    paga = text[text.index("<h3>PAGA edges</h3>"):text.index("<h3>Pseudotime</h3>")]
    assert "<td>1.1</td>" in paga


# --- single cells ---------------------------------------------------------------------------

CELL_OPTIONS = ["--mode", "single-cell", "--min-genes", "50", "--hvg", "300", "--pcs", "10",
                "--resolution", "0.05"]


@pytest.fixture(scope="module")
def cell_split(tmp_path_factory):
    """Nested cells at a low resolution (type3 whole); the type3 cluster split on the
    graph at 0.5 and eight cells of another cluster split off; run and export."""
    root = tmp_path_factory.mktemp("cell_split")
    adata = nested_cells()
    tenx = write_tenx(adata, root / "filtered_feature_bc_matrix")
    sheet = root / "cells.csv"
    _cli("run", tenx, "--metadata", sheet, "--out", root / "parent", *CELL_OPTIONS)
    parent = _clusters(root / "parent")
    type3 = parent[adata.obs["cell_type"].loc[parent.index].str.startswith("type3")].mode()[0]
    other = sorted(set(parent) - {type3})[0]
    members = _members_of(root / "parent", other, 8)
    _cli("run", tenx, "--metadata", sheet, "--out", root / "run", *CELL_OPTIONS,
         "--subcluster", type3, "--subcluster-resolution", "0.5",
         "--subcluster", other, "--subcluster-members", members)
    return root, _export(root / "run" / "params.json", root, tenx, sheet), type3, other


def test_single_cell_script_replays_splits_on_the_graph(cell_split):
    root, export, type3, other = cell_split
    _run_script(export)
    _assert_same_files(root / "run", root / "script",
                       ("assignments.csv", "markers.csv", "embedding.csv"))
    clusters = set(_clusters(root / "script"))
    assert {f"{type3}.1", f"{type3}.2", f"{other}.1", f"{other}.2"} <= clusters
    assert not {type3, other} & clusters
    markers = set(pd.read_csv(root / "script" / "markers.csv", dtype={"group": str})["group"])
    assert f"{type3}.1" in markers
    text = (export / "analysis.py").read_text()
    assert "graph_split_fit(graph.connectivities, method='leiden'" in text
    assert f"SplitStep('{type3}', resolution=0.5)" in text


def test_single_cell_notebook_replays_splits(cell_split, monkeypatch):
    root, export, _, _ = cell_split
    (root / "script" / "assignments.csv").unlink(missing_ok=True)
    _run_notebook(export, monkeypatch)
    _assert_same_files(root / "run", root / "script", ("assignments.csv",))


@pytest.fixture(scope="module")
def differentiating_cells(tmp_path_factory):
    """300 cells along a known time (10x folder and cells.csv)."""
    folder = write_tenx(differentiation(), tmp_path_factory.mktemp("diff") / "tenx")
    return folder, folder.parent / "cells.csv"


@pytest.mark.parametrize("options", [
    ["--root-cell", "CELL0000-1", "--groups-column", "day"],
    ["--root-column", "day", "--paga-threshold", "0.05", "--n-dcs", "8"]],
    ids=["root-cell-groups-column", "root-column"])
def test_single_cell_trajectory_script_reproduces_pseudotime(differentiating_cells, tmp_path,
                                                             options):
    tenx, sheet = differentiating_cells
    _cli("trajectory", tenx, "--metadata", sheet, "--out", tmp_path / "trajectory", *options,
         *SMALL)
    export = _export(tmp_path / "trajectory" / "params.json", tmp_path, tenx, sheet)
    _run_script(export)
    _assert_same_files(tmp_path / "trajectory", tmp_path / "script", TRAJECTORY_FILES)
    text = (export / "analysis.py").read_text()
    assert "graph_trajectory(graph, cell_ids.astype(str), paga_groups" in text


def test_enrichment_along_pseudotime_of_cells_and_samples_replays(differentiating_cells,
                                                                 time_course, tmp_path):
    from tests.core.test_trajectory_cells import hand_made_gmt

    tenx, sheet = differentiating_cells
    cells = tmp_path / "cells"
    _cli("trajectory", tenx, "--metadata", sheet, "--out", cells / "trajectory",
         "--root-cell", "CELL0000-1", "--enrich", hand_made_gmt(tmp_path / "cells.gmt"),
         "--enrich-top", "40", *SMALL)
    export = _export(cells / "trajectory" / "params.json", cells, tenx, sheet)
    _run_script(export)
    _assert_same_files(cells / "trajectory", cells / "script",
                       ("enrichment.csv", "pseudotime.csv"))
    assert "RISING" in (cells / "script" / "enrichment.csv").read_text()
    # samples: sets of the time course's gene ids (G000.. rise, fall or peak with time)
    values, sample_sheet = time_course
    gmt = tmp_path / "samples.gmt"
    gmt.write_text("".join(f"SHAPE{shape}\tgenes of shape {shape}\t"
                           + "\t".join(f"G{g:03d}" for g in range(shape, 90, 3)) + "\n"
                           for shape in range(3)))
    samples = tmp_path / "samples"
    _cli("trajectory", values, "--metadata", sample_sheet, "--out", samples / "trajectory",
         "--root-column", "hours", "--k", "3", "--enrich", gmt)
    export = _export(samples / "trajectory" / "params.json", samples, values, sample_sheet)
    _run_script(export)
    _assert_same_files(samples / "trajectory", samples / "script", ("enrichment.csv",))


def test_single_cell_trajectory_notebook_reproduces_pseudotime(differentiating_cells,
                                                               tmp_path, monkeypatch):
    tenx, sheet = differentiating_cells
    _cli("trajectory", tenx, "--metadata", sheet, "--out", tmp_path / "trajectory",
         "--root-cluster", "1", *SMALL)
    export = _export(tmp_path / "trajectory" / "params.json", tmp_path, tenx, sheet)
    _run_notebook(export, monkeypatch)
    _assert_same_files(tmp_path / "trajectory", tmp_path / "script", TRAJECTORY_FILES)


def test_single_cell_markers_entry_sets_the_test_and_groups(cell_split, tmp_path):
    root, _, _, _ = cell_split
    tenx, sheet = root / "filtered_feature_bc_matrix", root / "cells.csv"
    document = json.loads((root / "parent" / "params.json").read_text())
    document["markers"] = {"group_by": "cell_type", "test": "t-test"}
    (tmp_path / "params.json").write_text(json.dumps(document))
    _cli("run", tenx, "--metadata", sheet, "--out", tmp_path / "run", *CELL_OPTIONS,
         "--markers", "t-test", "--group-by", "cell_type")
    export = _export(tmp_path / "params.json", tmp_path, tenx, sheet)
    _run_script(export)
    _assert_same_files(tmp_path / "run", tmp_path / "script", ("markers.csv",))
    groups = set(pd.read_csv(tmp_path / "script" / "markers.csv")["group"])
    assert groups == {"type1", "type2", "type3a", "type3b"}


def _refused(tmp_path, capsys, document: dict) -> str:
    params = tmp_path / "params.json"
    params.write_text(json.dumps(document))
    assert main(["export-script", "--params", str(params), "--out", str(tmp_path)]) == 2
    assert not (tmp_path / "analysis.py").exists()
    return capsys.readouterr().err


def test_what_the_script_cannot_replay_is_refused_with_a_message(tmp_path, capsys):
    err = _refused(tmp_path, capsys, {
        "parameters": {"mode": "single-cell"}, "trajectory": {"root_cluster": "1"},
        "subclusters": [{"cluster": "1", "resolution": 0.5}]})
    assert "does not split their clusters" in err
    err = _refused(tmp_path, capsys, {"parameters": {"mode": "single-cell", "method": "kmeans"},
                                      "subclusters": [{"cluster": "1", "resolution": 0.5}]})
    assert "choose leiden or louvain to split clusters" in err
    err = _refused(tmp_path, capsys, {"parameters": {"mode": "single-cell"},
                                      "markers": {"test": "deseq2"}})
    assert "this params.json asks for 'deseq2'" in err
    err = _refused(tmp_path, capsys, {"parameters": {}, "subclusters": [{"k": 2}]})
    assert "has no 'cluster'" in err


def test_every_name_the_split_and_trajectory_scripts_import_is_documented(
        pasilla_split, cell_split, tmp_path):
    import importlib
    import inspect

    from tests.core.test_export_script import _called_api

    trajectory = {"parameters": {"mode": "single-cell", "method": "leiden"},
                  "trajectory": {"root_column": "day", "groups_column": "day"}}
    (tmp_path / "params.json").write_text(json.dumps(trajectory))
    exports = [pasilla_split[1], cell_split[1],
               _export(tmp_path / "params.json", tmp_path, tmp_path / "tenx", None)]
    names = set()
    for export in exports:
        names |= _called_api((export / "analysis.py").read_text())
    for expected in (("rnaclust_dash.pipeline.subcluster", "selection_fit"),
                     ("rnaclust_dash.tl.subcluster", "graph_split_fit"),
                     ("rnaclust_dash.pipeline.trajectory", "graph_trajectory")):
        assert expected in names
    for module_name, name in sorted(names):
        module = importlib.import_module(module_name)
        assert not name.startswith("_"), f"{module_name}.{name} is private"
        assert name in getattr(module, "__all__", [name]), f"{name} not in __all__"
        value = getattr(module, name)
        doc = inspect.getdoc(value) or ""
        assert len(doc) > 40, f"{module_name}.{name} has no docstring"
        if inspect.isfunction(value):
            for section in ("Parameters\n----------", "Returns\n-------"):
                assert section in doc, f"{module_name}.{name}: no {section.split()[0]}"


# --- reports --------------------------------------------------------------------------------

def _report(tmp_path: Path, counts: Path, sheet: Path, params: Path) -> str:
    _cli("report", counts, "--metadata", sheet, "--params", params, "--out", tmp_path)
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    _assert_offline(text)
    return text


def _splits_rows(text: str) -> list[list[str]]:
    """The cells of the report's table of splits (parent, method, parameter, children)."""
    import re

    section = text[text.index("<h2>Cluster splits</h2>"):]
    body = section[section.index("<tbody>"):section.index("</tbody>")]
    return [re.findall(r"<td>(.*?)</td>", row) for row in
            re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def _children(run: Path, parent: str) -> str:
    """``"1.1 (n), 1.2 (m)"`` counted from the CLI's assignments.csv."""
    clusters = _clusters(run)
    sizes = clusters[clusters.str.startswith(f"{parent}.")].value_counts().sort_index()
    return ", ".join(f"{child} ({n:,})" for child, n in sizes.items())


def test_bulk_report_shows_the_splits_and_the_split_clusters(pasilla_split, tmp_path):
    root, _ = pasilla_split
    text = _report(tmp_path, PASILLA / "counts.csv.gz", PASILLA / "samples.csv",
                   root / "run" / "params.json")
    rows = _splits_rows(text)
    assert len(rows) == 1
    parent, method, parameter, children = rows[0]
    assert (parent, parameter) == ("1", "k = 2")
    assert method == "Hierarchical (agglomerative) on the parent's features"
    assert children == _children(root / "run", "1")
    methods, _ = _methods(text)
    assert "Clusters were then split in place, in this order: 1" in methods
    assignments = text[text.index("<h2>Assignments</h2>"):]
    assert "<td>1.1</td>" in assignments and "<td>1.2</td>" in assignments


def test_single_cell_report_shows_the_splits(cell_split, tmp_path):
    root, _, type3, other = cell_split
    text = _report(tmp_path, root / "filtered_feature_bc_matrix", root / "cells.csv",
                   root / "run" / "params.json")
    rows = _splits_rows(text)
    assert [row[0] for row in rows] == [type3, other]
    assert rows[0][1:3] == ["Leiden on the kNN graph restricted to its cells",
                            "resolution 0.5"]
    assert rows[1][1:3] == ["the selection split off", "8 selected cells"]
    assert [row[3] for row in rows] == [_children(root / "run", type3),
                                        _children(root / "run", other)]
    methods = _methods(text)[0]
    assert "kNN graph restricted to the cluster's cells" in methods
    n_parents, n_all = len(set(_clusters(root / "parent"))), len(set(_clusters(root / "run")))
    assert f"into {n_parents} clusters." in methods
    assert f"({n_all} clusters in all)." in methods


def test_single_cell_trajectory_report_draws_pseudotime_and_trends(differentiating_cells,
                                                                   tmp_path):
    tenx, sheet = differentiating_cells
    _cli("trajectory", tenx, "--metadata", sheet, "--out", tmp_path / "trajectory",
         "--root-cell", "CELL0000-1", "--groups-column", "day", *SMALL)
    text = _report(tmp_path / "report", tenx, sheet, tmp_path / "trajectory" / "params.json")
    titles = _figures(text)
    assert titles[-2:] == ["Pseudotime and PAGA on the diffusion map",
                           "Top genes along pseudotime"]
    _assert_cited(text, ("diffusion_pseudotime", "paga", "spearman", "leiden"))
    assert "The cells were ordered by" in _methods(text)[0]
    trends = text[text.index('"figure-6"'):]
    trends = trends[:trends.index("</script>")]
    assert "\"RISE" in trends and "\"FALL" in trends and "numbers of cells" in trends
    genes = pd.read_csv(tmp_path / "trajectory" / "pseudotime_genes.csv")
    section = text[text.index("<h2>Trajectory</h2>"):]
    assert "Root: <code>CELL0000-1</code>" in section
    assert f"<td>{genes['gene'].iloc[0]}</td>" in section
