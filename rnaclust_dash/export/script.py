"""A runnable Python script of an analysis (``export-script``; issue 14 item 2).

The script calls the public API step by step (read, exclude, normalize, correct, select,
cluster, split clusters, validate, embed) with every parameter and the seed written
inline, and writes ``assignments.csv``: the same bytes as ``python -m rnaclust_dash run``
and the dashboard's download with the same parameters (tests/core/test_export_script.py
and test_export_replay.py run it). The steps are made once, as a list of :class:`Step`,
so the notebook (:mod:`.notebook`) has the same code, one cell per step.

Only the steps the parameters use are written (no batch correction step for
``batch_method="none"``...). One builder per analysis kind: :func:`bulk_steps` for the bulk
clustering; single-cell, time-course and module analyses add theirs beside it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..params import AnalysisParams, split_list
from ..tl.hierarchical import EUCLIDEAN_LINKAGES
from ..tl.methods import get_method

if TYPE_CHECKING:
    from ..tl.subcluster import SplitStep

SCRIPT_FILE = "analysis.py"


@dataclass(frozen=True)
class Step:
    """One step of an exported analysis.

    Attributes
    ----------
    title : str
        What the step does, one line (a heading in the notebook).
    comment : str
        Why, or what to know, in a sentence or two (a comment in the script).
    code : str
        The Python code of the step.
    """

    title: str
    comment: str
    code: str


@dataclass(frozen=True)
class ScriptInputs:
    """The input files the script reads and the folder it writes to (paths as text)."""

    counts: str
    metadata: str | None = None
    gene_lengths: str | None = None
    out: str = "."


def _imports(params: AnalysisParams) -> str:
    lines = ["from pathlib import Path", "", "import numpy as np", "import pandas as pd",
             "from threadpoolctl import threadpool_limits", "",
             "from rnaclust_dash.io import build_dataset",
             "from rnaclust_dash.pp.normalization import normalize",
             "from rnaclust_dash.pp.features import top_variable_genes, zscore_rows",
             "from rnaclust_dash.tl.distance import pairwise_distances",
             "from rnaclust_dash.tl.hierarchical import hierarchical_tree, optimal_leaf_order",
             "from rnaclust_dash.tl.methods import get_method, partition_from_tree",
             "from rnaclust_dash.tl.validate import (sampled_validation_summary, "
             "validation_summary)",
             "from rnaclust_dash.tl.embed import pca_embedding, umap_embedding",
             "from rnaclust_dash.pipeline import LARGE_ITEMS, SILHOUETTE_SAMPLE"]
    if params.batch_method == "combat-seq":
        lines.append("from rnaclust_dash.pp.batch_counts import combat_seq")
    if params.batch_method in ("combat", "combat-np", "limma"):
        lines.append("from rnaclust_dash.pp.batch_log_scale import combat, remove_batch_effect")
    if params.batch_method == "harmony":
        lines.append("from rnaclust_dash.pp.batch_harmony import harmony_embedding")
    return "\n".join(lines)


def _read_step(inputs: ScriptInputs) -> Step:
    def optional(path: str | None) -> str:
        return "None" if path is None else repr(path)
    code = (f"COUNTS = Path({inputs.counts!r})\n"
            f"METADATA = {optional(inputs.metadata)}\n"
            f"GENE_LENGTHS = {optional(inputs.gene_lengths)}\n"
            f"OUT = Path({inputs.out!r})\n\n"
            "def read_optional(path):\n"
            "    return (None, None) if path is None else (Path(path).read_bytes(), "
            "Path(path).name)\n\n"
            "metadata_bytes, metadata_name = read_optional(METADATA)\n"
            "lengths_bytes, lengths_name = read_optional(GENE_LENGTHS)\n"
            "dataset = build_dataset(COUNTS.read_bytes(), COUNTS.name,\n"
            "                        metadata_content=metadata_bytes, "
            "metadata_filename=metadata_name,\n"
            "                        lengths_content=lengths_bytes, "
            "lengths_filename=lengths_name)\n"
            "counts = dataset.counts      # genes x samples\n"
            "metadata = dataset.metadata  # samples x columns (None without a sample sheet)\n"
            "print(f\"{counts.shape[0]} genes x {counts.shape[1]} samples\")")
    return Step("Read the count table", "The count table (genes as rows, samples as "
                "columns), the sample sheet and the gene lengths, as the dashboard reads "
                "them. Change the paths to run it on other files.", code)


def _exclude_step(params: AnalysisParams) -> Step | None:
    excluded = split_list(params.exclude)
    if not excluded:
        return None
    code = (f"excluded = {excluded!r}\n"
            "kept = [sample for sample in counts.columns if sample not in set(excluded)]\n"
            "counts = counts[kept]\n"
            "metadata = None if metadata is None else metadata.loc[kept]")
    return Step("Leave out samples", "The samples left out of the analysis.", code)


def _batch_columns(params: AnalysisParams) -> str:
    protect = split_list(params.protect)
    return (f"batch = metadata[{params.batch_column!r}].astype(str).to_numpy()\n"
            + (f"covariates = metadata[{protect!r}]\n" if protect else "covariates = None\n"))


def _combat_seq_step(params: AnalysisParams) -> Step | None:
    if params.batch_method != "combat-seq":
        return None
    code = (_batch_columns(params)
            + "group = None if covariates is None else covariates.astype(str).agg(\"|\".join, "
              "axis=1).to_numpy()\n"
            "counts = pd.DataFrame(combat_seq(counts.to_numpy(), batch, group=group),\n"
            "                      index=counts.index, columns=counts.columns)"
            ".astype(np.float64)")
    return Step("Correct the batch effect on the counts (ComBat-seq)",
                "sva::ComBat_seq on the integer counts, before the normalization.", code)


def _normalize_step(params: AnalysisParams) -> Step:
    code = (f"normalized = normalize(counts, method={params.normalization!r}, "
            "gene_lengths=dataset.gene_lengths,\n"
            f"                       log={params.log_transform!r}, "
            f"pseudocount={params.pseudocount!r},\n"
            f"                       min_count={params.min_count!r}, "
            f"min_samples={params.min_samples!r})\n"
            "values = normalized.values  # genes passing the filter x samples\n"
            "for notice in normalized.notices:\n"
            "    print(\"note:\", notice)")
    return Step("Normalize and filter the genes",
                f"{params.normalization} normalization"
                + (" and log2" if params.log_transform else "")
                + f"; genes need at least {params.min_count:g} counts in "
                  f"{params.min_samples} samples to stay.", code)


def _log_batch_step(params: AnalysisParams) -> Step | None:
    if params.batch_method not in ("combat", "combat-np", "limma"):
        return None
    if params.batch_method == "limma":
        call = "remove_batch_effect(values.to_numpy(), batch, covariates=covariates)"
    else:
        parametric = params.batch_method == "combat"
        call = (f"combat(values.to_numpy(), batch, covariates=covariates, "
                f"parametric={parametric!r})")
    code = (_batch_columns(params)
            + f"values = pd.DataFrame({call},\n"
              "                      index=values.index, columns=values.columns)")
    return Step(f"Correct the batch effect on the log values ({params.batch_method})",
                f"Batch column {params.batch_column!r}"
                + (f", protecting {params.protect!r}" if params.protect else "") + ".", code)


def _select_step(params: AnalysisParams) -> Step:
    if params.target == "samples":
        items = ("items = selected.to_numpy().T  # samples x genes\n"
                 "item_ids = selected.columns")
    else:
        matrix = "display" if params.zscore else "selected.to_numpy()"
        items = (f"items = {matrix}  # genes x samples"
                 + (" (z-scored rows)" if params.zscore else "") + "\nitem_ids = selected.index")
    code = (f"selected = top_variable_genes(values, {params.top_genes!r})\n"
            "display = zscore_rows(selected.to_numpy())  # what the heatmap shows\n" + items)
    if params.batch_method == "harmony":
        code += (f"\n{_batch_columns(params)}"
                 f"items = harmony_embedding(items, batch, random_state={params.seed!r})")
    code += "\nitems = np.ascontiguousarray(items, dtype=np.float64)"
    return Step("Select the most variable genes",
                f"The {params.top_genes} genes of largest variance; the {params.target} are "
                "clustered.", code)


def _cluster_step(params: AnalysisParams) -> Step:
    method = get_method(params.method)
    settings = method.settings(params)
    needs_distances = method.needs == "distances" or method.name == "hierarchical"
    if needs_distances:
        code = f"distances = pairwise_distances(items, metric={params.distance!r})\n"
    else:  # as the dashboard: distances (for the heatmap's tree) up to LARGE_ITEMS items
        code = (f"distances = (pairwise_distances(items, metric={params.distance!r})\n"
                "             if len(items) <= LARGE_ITEMS else None)\n")
    if method.name == "hierarchical":
        linkage = (params.linkage if params.linkage not in EUCLIDEAN_LINKAGES
                   or params.distance == "euclidean" else "average")
        code += ("# Ward, centroid and median need Euclidean distances; average stands in\n"
                 if linkage != params.linkage else "")
        code += (f"tree = hierarchical_tree(distances, linkage={linkage!r})\n"
                 + ("tree = optimal_leaf_order(tree, distances)\n" if params.optimal_order
                    else "")
                 + f"partition = partition_from_tree(tree, {params.k!r})")
    elif method.tree is not None:
        code += (f"method = get_method({method.name!r})\n"
                 f"own_tree = method.tree(distances, **{settings!r})\n"
                 f"partition = partition_from_tree(own_tree, {params.k!r})")
    else:
        size = f"k={params.k!r}" if method.uses == "k" else f"resolution={params.resolution!r}"
        data = "distances" if method.needs == "distances" else "items"
        code += (f"method = get_method({method.name!r})\n"
                 "with threadpool_limits(limits=1):  # one BLAS thread: the same numbers "
                 "everywhere\n"
                 f"    partition = method.fit({data}, {size}, random_state={params.seed!r},\n"
                 f"                           **{settings!r})")
    code += "\nlabels = partition.labels  # 1..k, numbered by first appearance"
    return Step(f"Cluster ({method.label})",
                f"{method.description} Distance: {params.distance}; seed {params.seed}.", code)


def _validate_step(params: AnalysisParams, *, split: bool = False) -> Step:
    if split:  # as run --subcluster: the exact indices of the split labels
        code = ("if distances is None:  # the silhouette of the split labels needs them all\n"
                f"    distances = pairwise_distances(items, metric={params.distance!r})\n"
                "validation = validation_summary(items, distances, labels)\n"
                "print(f\"mean silhouette {validation['silhouette']:.3f}\")")
        return Step("Validate the clusters", "Silhouette widths (as cluster::silhouette), "
                    "Calinski-Harabasz and Davies-Bouldin indices of the split clusters.",
                    code)
    code = ("if len(items) > LARGE_ITEMS:  # silhouette of a seeded sample of the items\n"
            "    validation = sampled_validation_summary(\n"
            f"        items, labels, metric={params.distance!r}, sample_size=SILHOUETTE_SAMPLE,\n"
            f"        random_state={params.seed!r})\n"
            "else:\n"
            "    validation = validation_summary(items, distances, labels)\n"
            "print(f\"mean silhouette {validation['silhouette']:.3f}\")")
    return Step("Validate the clusters", "Silhouette widths (as cluster::silhouette), "
                "Calinski-Harabasz and Davies-Bouldin indices.", code)


def _embed_step(params: AnalysisParams) -> Step:
    if params.embedding == "pca":
        call = f"pca_embedding(items, random_state={params.seed!r})"
    else:
        call = (f"umap_embedding(items, n_neighbors={params.umap_neighbors!r}, "
                f"min_dist={params.umap_min_dist!r},\n"
                f"                           metric={params.distance!r}, "
                f"random_state={params.seed!r})")
    return Step(f"Embed in two dimensions ({params.embedding.upper()})",
                "The coordinates of the scatter plot.", f"embedding = {call}")


def _write_step(params: AnalysisParams, *, split: bool = False) -> Step:
    # a soft method's confidence is that of the parent clusters: not written after splits
    soft = get_method(params.method).soft and not split
    code = ("assignments = pd.DataFrame({\"id\": np.asarray(item_ids, dtype=str), "
            "\"cluster\": labels,\n"
            "                            \"silhouette\": validation[\"silhouette_values\"]})\n"
            + ("assignments[\"confidence\"] = partition.confidence\n" if soft else "")
            + "OUT.mkdir(parents=True, exist_ok=True)\n"
              "assignments.to_csv(OUT / \"assignments.csv\", index=False)\n"
              "print(assignments[\"cluster\"].value_counts().sort_index().to_string())")
    return Step("Write assignments.csv", "One row per item: its cluster and silhouette "
                "width (the file the dashboard and `run` write).", code)


def bulk_steps(params: AnalysisParams, inputs: ScriptInputs, *,
               splits: Sequence[SplitStep] = ()) -> list[Step]:
    """The steps of a bulk clustering analysis.

    Parameters
    ----------
    params : AnalysisParams
        The analysis (as in params.json).
    inputs : ScriptInputs
        The files the script reads and the folder it writes to.
    splits : sequence of SplitStep, keyword-only
        Clusters split in place after the clustering (params.json ``subclusters``, as
        ``run --subcluster``; see :mod:`.script_splits`).

    Returns
    -------
    list of Step
        Imports first, then read, exclude, ComBat-seq, normalize, ComBat/limma, select,
        cluster, split, validate, embed and write; the steps the parameters do not use are
        left out.
    """
    from .script_splits import bulk_split_imports, bulk_split_step

    imports = _imports(params)
    split_step = None
    if splits:
        imports += "\n" + "\n".join(bulk_split_imports())
        split_step = bulk_split_step(params, splits)
    split = bool(splits)
    steps = [Step("Imports", "The public API of rnaclust_dash "
                  f"(made with rnaclust-dash {__version__}).", imports),
             _read_step(inputs), _exclude_step(params), _combat_seq_step(params),
             _normalize_step(params), _log_batch_step(params), _select_step(params),
             _cluster_step(params), split_step, _validate_step(params, split=split),
             _embed_step(params), _write_step(params, split=split)]
    return [step for step in steps if step is not None]


def analysis_title(params: AnalysisParams, dataset_name: str, *, n_splits: int = 0) -> str:
    """The first line of an exported script and the notebook's heading (``n_splits``:
    clusters split after the clustering)."""
    size = (f"k = {params.k}" if get_method(params.method).uses == "k"
            else f"resolution {params.resolution:g}")
    splits = f", {n_splits} split{'s' if n_splits > 1 else ''}" if n_splits else ""
    return f"rnaclust-dash analysis of {dataset_name}: {params.method}, {size}{splits}"


def written_files(steps: list[Step]) -> list[str]:
    """The files the steps write (``OUT / "name.csv"`` in their code), in order."""
    import re

    names = [name for step in steps
             for name in re.findall(r'OUT / "([\w.]+)"', step.code)]
    return list(dict.fromkeys(names))


def script_text(steps: list[Step], *, title: str) -> str:
    """The steps as one Python script: a docstring, then each step under a comment.

    Parameters
    ----------
    steps : list of Step
        From :func:`bulk_steps`.
    title : str
        First line of the script's docstring.
    """
    writes = textwrap.fill(
        f"It writes {', '.join(written_files(steps))}, identical to those of the dashboard "
        "and of `python -m rnaclust_dash` with the same parameters.", width=88)
    parts = [f'"""{title}\n\nMade by `python -m rnaclust_dash export-script`; run it with '
             f'`python {SCRIPT_FILE}`.\n{writes}\n"""']
    for number, step in enumerate(steps):
        heading = step.title if number == 0 else f"{number}. {step.title}"
        comment = textwrap.fill(step.comment, width=88, initial_indent="# ",
                                subsequent_indent="# ")
        parts.append(f"# --- {heading} ---\n{comment}\n{step.code}")
    return "\n\n".join(parts) + "\n"


def write_script(steps: list[Step], out_dir, *, title: str) -> Path:
    """Write :func:`script_text` as ``analysis.py`` into ``out_dir``; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / SCRIPT_FILE
    path.write_text(script_text(steps, title=title))
    return path
