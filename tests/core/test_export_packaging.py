"""``pip install .`` (issue 14 item 1): the wheel holds the core with its bundled data, the
dashboard (app.py, layouts, callbacks, views, assets) for ``rnaclust-dash serve``, and the
console command; the console command has every sub-command, ``serve`` included.

The wheel is built without network or build isolation from a copy of the tracked files;
a full install in a fresh venv with ``serve`` answering HTTP 200 was checked by hand (see
the report of branch ``reproduce``)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from rnaclust_dash.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git checkout (the tracked files are what the wheel holds)")
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("rnaclust_dash-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    return names | {"entry_points: " + archive.read(entry_points).decode()}


def test_wheel_holds_core_data_dashboard_and_console_command(wheel_files):
    for name in ("rnaclust_dash/cli.py", "rnaclust_dash/export/report.py",
                 "rnaclust_dash/data/pasilla/counts.csv.gz",
                 "rnaclust_dash/data/genesets/GO_BP_human_symbols.gmt.gz",
                 "app.py", "layouts/main.py", "callbacks/jobs.py",
                 "views/clustering/reproduce.py", "assets/style.css",
                 "assets/00-bootstrap-flatly.min.css"):
        assert name in wheel_files, name
    (entry_points,) = [n for n in wheel_files if n.startswith("entry_points: ")]
    assert "[console_scripts]\nrnaclust-dash = rnaclust_dash.cli:main" in entry_points
    assert not any(n.startswith("tests/") for n in wheel_files)


def test_wheel_holds_every_module_the_dashboard_imports(wheel_files):
    """Each top-level package app.py, callbacks/ and views/ import from this repository."""
    local = {path.stem if path.suffix == ".py" else path.name for path in REPO.iterdir()
             if (path.suffix == ".py" or (path / "__init__.py").exists())}
    imported = set()
    for path in [REPO / "app.py", *REPO.glob("callbacks/**/*.py"), *REPO.glob("views/**/*.py"),
                 *REPO.glob("layouts/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
    needed = imported & local
    assert {"callbacks", "layouts", "rnaclust_dash"} <= needed
    for module in needed:
        assert f"{module}.py" in wheel_files or f"{module}/__init__.py" in wheel_files, module


def test_console_command_and_dependencies_are_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"rnaclust-dash": "rnaclust_dash.cli:main"}
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"] == {
        "file": ["requirements.txt"]}
    requirements = (REPO / "requirements.txt").read_text()
    assert "\nanndata" not in requirements  # installed with --no-deps (README)


def test_every_sub_command_is_there_serve_included(capsys):
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"run", "choose-k", "stability", "export-script", "report", "serve"} <= set(commands)
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--help"])
    assert stop.value.code == 0
    assert "--port" in capsys.readouterr().out
