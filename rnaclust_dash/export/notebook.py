"""A Jupyter notebook of an analysis (``export-script``; issue 14 item 2): the steps of
:mod:`.script`, one markdown cell (what and why) and one code cell per step, so the
notebook and the script run the same code."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import nbformat

from .script import SCRIPT_FILE, ScriptInputs, Step, script_text, written_files
from .script_analyses import analysis_steps

NOTEBOOK_FILE = "analysis.ipynb"


def notebook(steps: list[Step], *, title: str) -> nbformat.NotebookNode:
    """The steps as a notebook (nbformat 4, Python 3 kernel).

    Parameters
    ----------
    steps : list of Step
        From :func:`~rnaclust_dash.export.script.bulk_steps`.
    title : str
        The notebook's heading.

    Returns
    -------
    nbformat.NotebookNode
        A title cell, then a markdown and a code cell per step.
    """
    cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\nMade by `python -m rnaclust_dash export-script`. Run all cells: they "
        f"write {', '.join(written_files(steps))}, identical to those of the dashboard and "
        "of `python -m rnaclust_dash` with the same parameters.")]
    for number, step in enumerate(steps):
        heading = step.title if number == 0 else f"{number}. {step.title}"
        cells.append(nbformat.v4.new_markdown_cell(f"## {heading}\n\n{step.comment}"))
        cells.append(nbformat.v4.new_code_cell(step.code))
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    book.metadata["language_info"] = {"name": "python"}
    return book


def write_notebook(steps: list[Step], out_dir, *, title: str) -> Path:
    """Write :func:`notebook` as ``analysis.ipynb`` into ``out_dir``; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / NOTEBOOK_FILE
    nbformat.write(notebook(steps, title=title), path)
    return path


def script_bundle(params_text: str, inputs: ScriptInputs) -> bytes:
    """A zip of analysis.py, analysis.ipynb and params.json (the dashboard's download):
    what ``export-script --params params.json`` writes, with that params.json beside it.

    Parameters
    ----------
    params_text : str
        params.json of the analysis (bulk or single cells, with what it records).
    inputs : ScriptInputs
        The file names the script reads (put the files next to it).

    Returns
    -------
    bytes
        The zip.

    Raises
    ------
    ParameterError
        The script export does not write what params.json records (e.g. splits it cannot
        replay yet): :func:`~.script_analyses.analysis_steps` says which.
    """
    steps, title = analysis_steps(params_text, inputs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(SCRIPT_FILE, script_text(steps, title=title))
        bundle.writestr(NOTEBOOK_FILE, nbformat.writes(notebook(steps, title=title)))
        bundle.writestr("params.json", params_text)
    return buffer.getvalue()
