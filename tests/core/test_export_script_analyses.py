"""export-script for the analyses beyond the bulk clustering (issue 14 items 2, 7): the
exported script (and one notebook) of single cells, markers + enrichment and trajectory
write the same files as the CLI commands, byte for byte; every name the scripts import is
public (in its module's ``__all__`` where the module has one) and documented."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cli import main
from tests.core.sc_synthetic import planted_cells, write_tenx
from tests.core.test_export_script import _called_api

REPO = Path(__file__).resolve().parents[2]
AIRWAY = REPO / "rnaclust_dash" / "data" / "airway"
PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
FISSION = REPO / "rnaclust_dash" / "data" / "fission"


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _export(params: Path, out: Path, counts: Path, metadata: Path, results: Path,
            *extra: str) -> Path:
    assert main(["export-script", "--params", str(params), "--out", str(out),
                 "--counts", str(counts), "--metadata", str(metadata),
                 "--results", str(results), *extra]) == 0
    return out


def _run_script(export: Path, cwd: Path) -> None:
    done = subprocess.run([sys.executable, str(export / "analysis.py")], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _assert_same_files(expected: Path, actual: Path, names) -> None:
    for name in names:
        assert (actual / name).read_bytes() == (expected / name).read_bytes(), name


@pytest.fixture(scope="module")
def single_cell(tmp_path_factory):
    """A synthetic 10x folder (306 cells, 3 planted types), run, and the exported script."""
    root = tmp_path_factory.mktemp("sc")
    tenx = write_tenx(planted_cells(), root / "filtered_feature_bc_matrix")
    sheet = root / "cells.csv"
    assert main(["run", str(tenx), "--metadata", str(sheet), "--out", str(root / "run"),
                 "--min-genes", "50", "--hvg", "200", "--pcs", "10", "--resolution", "0.5",
                 "--seed", "3"]) == 0
    export = _export(root / "run" / "params.json", root / "export", tenx, sheet,
                     root / "script")
    return root, export


def test_single_cell_script_reproduces_assignments_and_markers(single_cell):
    root, export = single_cell
    _run_script(export, root)
    _assert_same_files(root / "run", root / "script",
                       ("assignments.csv", "markers.csv", "embedding.csv"))
    text = (export / "analysis.py").read_text()
    for snippet in ("read_single_cell(path=COUNTS)", "min_genes=50", "random_state=3",
                    "cluster_graph(", "resolution=0.5", "rank_genes_groups("):
        assert snippet in text


@pytest.mark.parametrize("options", [
    ["--hvg", "0", "--pcs", "8", "--method", "kmeans", "--k", "3", "--embedding", "pca",
     "--markers", "t-test", "--group-by", "cell_type"],
    ["--hvg", "150", "--hvg-flavor", "seurat_v3", "--pcs", "8", "--method", "louvain",
     "--batch-method", "harmony", "--batch-column", "plate", "--embedding", "tsne"]],
    ids=["kmeans-pca-all-genes-by-column", "louvain-harmony-tsne-seurat-v3"])
def test_other_single_cell_branches_reproduce_the_files(tmp_path, options):
    tenx = write_tenx(planted_cells(n_per_group=40), tmp_path / "tenx")
    sheet = tmp_path / "cells.csv"
    assert main(["run", str(tenx), "--metadata", str(sheet), "--out", str(tmp_path / "run"),
                 "--mode", "single-cell", "--min-genes", "50", *options]) == 0
    export = _export(tmp_path / "run" / "params.json", tmp_path / "export", tenx, sheet,
                     tmp_path / "script")
    _run_script(export, tmp_path)
    _assert_same_files(tmp_path / "run", tmp_path / "script",
                       ("assignments.csv", "markers.csv", "embedding.csv"))


@pytest.fixture(scope="module")
def markers_enrich(tmp_path_factory):
    """airway: markers of k = 2 sample clusters, GO-BP enrichment of their up genes, and
    the exported script of both."""
    root = tmp_path_factory.mktemp("markers")
    counts, sheet = AIRWAY / "counts.csv.gz", AIRWAY / "samples.csv"
    assert main(["markers", str(counts), "--metadata", str(sheet), "--out",
                 str(root / "markers"), "--k", "2"]) == 0
    assert main(["enrich", "--markers", str(root / "markers" / "markers.csv"),
                 "--gene-sets", "go-bp", "--out", str(root / "enrich")]) == 0
    export = _export(root / "markers" / "params.json", root / "export", counts, sheet,
                     root / "script", "--enrich-params", str(root / "enrich" / "params.json"))
    return root, export


def test_markers_and_enrichment_script_reproduces_both_tables(markers_enrich):
    root, export = markers_enrich
    _run_script(export, root)
    _assert_same_files(root / "markers", root / "script", ("markers.csv", "groups.csv"))
    _assert_same_files(root / "enrich", root / "script", ("enrichment.csv",))
    assert len(pd.read_csv(root / "script" / "enrichment.csv")) > 100
    text = (export / "analysis.py").read_text()
    modules = re.findall(r"^from (\S+) import", text, flags=re.M)
    assert len(modules) == len(set(modules))  # one import line per module
    assert "It writes assignments.csv, markers.csv, groups.csv, enrichment.csv" in text


def test_markers_and_enrichment_notebook_reproduces_both_tables(markers_enrich, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    root, export = markers_enrich
    book = nbformat.read(export / "analysis.ipynb", as_version=4)
    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])
    work = root / "notebook"
    work.mkdir()
    results = root / "script"
    for name in ("markers.csv", "enrichment.csv"):
        (results / name).unlink(missing_ok=True)
    nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}).execute()
    _assert_same_files(root / "markers", results, ("markers.csv",))
    _assert_same_files(root / "enrich", results, ("enrichment.csv",))


def test_deseq2_markers_of_a_sheet_column_against_one_group(tmp_path):
    counts, sheet = PASILLA / "counts.csv.gz", PASILLA / "samples.csv"
    column = pd.read_csv(sheet).columns[1]
    groups = pd.read_csv(sheet)[column].astype(str)
    assert main(["markers", str(counts), "--metadata", str(sheet), "--out",
                 str(tmp_path / "markers"), "--test", "deseq2", "--group-by", column,
                 "--versus", groups.iloc[0], "--k", "2"]) == 0
    export = _export(tmp_path / "markers" / "params.json", tmp_path / "export", counts,
                     sheet, tmp_path / "script")
    _run_script(export, tmp_path)
    _assert_same_files(tmp_path / "markers", tmp_path / "script",
                       ("markers.csv", "groups.csv"))


def _time_course(folder: Path) -> tuple[Path, Path]:
    """60 samples along a process (hours known), 200 genes of which 90 follow time."""
    rng = np.random.default_rng(11)
    hours = np.sort(rng.uniform(0, 70, 60))
    t = hours / 70
    log_values = rng.normal(3, 0.3, (200, 60))
    for gene in range(90):
        log_values[gene] += 3 * [t, 1 - t, np.exp(-((t - 0.5) ** 2) / 0.05)][gene % 3]
    samples = [f"S{i:02d}" for i in range(60)]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(np.round(2 ** log_values - 1, 4), columns=samples,
                 index=[f"G{g:03d}" for g in range(200)]).rename_axis("gene_id").to_csv(
        folder / "values.csv")
    pd.DataFrame({"sample_id": samples, "hours": hours.round(2),
                  "stage": np.where(hours < 35, "early", "late")}).to_csv(
        folder / "samples.csv", index=False)
    return folder / "values.csv", folder / "samples.csv"


@pytest.mark.parametrize("options", [
    ["--root-column", "hours", "--k", "3", "--paga-threshold", "0.05"],
    ["--root-cluster", "early", "--groups-column", "stage", "--method", "kmeans", "--k", "4",
     "--pcs", "5", "--seed", "2"]], ids=["root-column", "root-cluster-groups"])
def test_trajectory_script_reproduces_pseudotime_and_paga(tmp_path, options):
    values, sheet = _time_course(tmp_path / "data")
    assert main(["trajectory", str(values), "--metadata", str(sheet), "--out",
                 str(tmp_path / "trajectory"), *options]) == 0
    export = _export(tmp_path / "trajectory" / "params.json", tmp_path / "export", values,
                     sheet, tmp_path / "script")
    _run_script(export, tmp_path)
    _assert_same_files(tmp_path / "trajectory", tmp_path / "script",
                       ("pseudotime.csv", "paga.csv", "diffmap.csv", "groups.csv",
                        "pseudotime_genes.csv"))


PATTERN_CASES = {
    "mfuzz-one-strain": (["timecourse", "--time-column", "minute", "--group-column", "strain",
                          "--group", "wt", "--top-genes", "300", "--clusters", "4",
                          "--fuzzifier", "1.6", "--seed", "4"],
                         ("memberships.csv", "centers.csv", "profiles.csv")),
    "degpatterns-side-by-side": (["timecourse", "--time-column", "minute", "--group-column",
                                  "strain", "--method", "degpatterns", "--top-genes", "300"],
                                 ("memberships.csv", "centers.csv", "profiles.csv")),
    "modules-auto-power": (["modules", "--top-genes", "600", "--min-module-size", "20",
                            "--trait-columns", "strain,minute"],
                           ("soft_threshold.csv", "modules.csv", "eigengenes.csv",
                            "module_trait.csv", "hub_genes.csv")),
}


def _pattern_export(root: Path, case: str) -> tuple[Path, tuple]:
    """Run the case's command on the fission example and export its script."""
    (command, *options), files = PATTERN_CASES[case]
    counts, sheet = FISSION / "counts.csv.gz", FISSION / "samples.csv"
    assert main([command, str(counts), "--metadata", str(sheet), "--out",
                 str(root / "command"), *options]) == 0
    return _export(root / "command" / "params.json", root / "export", counts, sheet,
                   root / "script"), files


@pytest.mark.parametrize("case", list(PATTERN_CASES))
def test_time_course_and_modules_scripts_reproduce_their_files(tmp_path, case):
    export, files = _pattern_export(tmp_path, case)
    _run_script(export, tmp_path)
    _assert_same_files(tmp_path / "command", tmp_path / "script", files)


def test_every_name_the_scripts_import_is_public_and_documented(single_cell, markers_enrich,
                                                                tmp_path):
    import json

    from rnaclust_dash.params import AnalysisParams, params_document
    trajectory = json.loads(params_document(AnalysisParams())) | {"trajectory": {
        "root_column": "hours", "groups_column": "stage", "n_comps": 15, "n_dcs": 10}}
    (tmp_path / "params.json").write_text(json.dumps(trajectory))
    exports = [export for _, export in (single_cell, markers_enrich)]
    exports.append(_export(tmp_path / "params.json", tmp_path / "export", tmp_path / "v.csv",
                           tmp_path / "s.csv", tmp_path / "script"))
    exports += [_pattern_export(tmp_path / case, case)[0]  # exported, not run
                for case in ("mfuzz-one-strain", "degpatterns-side-by-side",
                             "modules-auto-power")]
    names = set()
    for export in exports:
        names |= _called_api((export / "analysis.py").read_text())
    assert len(names) >= 30 and ("rnaclust_dash.pipeline.trajectory", "item_trajectory") in names
    assert ("rnaclust_dash.pipeline.modules", "module_tables") in names
    for module_name, name in sorted(names):
        module = importlib.import_module(module_name)
        assert not name.startswith("_"), f"{module_name}.{name} is private"
        public = getattr(module, "__all__", None)
        if public is not None:
            assert name in public, f"{name} is not in {module_name}.__all__"
        value = getattr(module, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            doc = inspect.getdoc(value) or ""
            assert len(doc) > 40, f"{module_name}.{name} has no docstring"
        if inspect.isfunction(value):
            assert "Parameters\n----------" in doc, f"{module_name}.{name}: no Parameters"
