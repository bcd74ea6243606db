"""The cluster splits of an analysis as steps of the exported script (``export-script`` on
a params.json with ``subclusters``; issue 14 item 2, issue 12 item 1).

A split re-clusters the items of one cluster (or a selection inside it) and names the
children after the parent (``3`` -> ``3.1``, ``3.2``); the script replays the splits in
the order params.json records them, with the functions ``run --subcluster`` calls:

- bulk: :func:`rnaclust_dash.pipeline.subcluster.selection_fit` (the clustering's method
  and choices on the cluster's items) and
  :func:`rnaclust_dash.tl.subcluster.replay_splits`, then the validation indices of the
  new labels;
- single cells: :func:`rnaclust_dash.tl.subcluster.graph_split_fit` (Leiden/Louvain on
  the kNN graph restricted to the cluster's cells, as scanpy's ``restrict_to``).

Each split is one ``SplitStep(...)`` line of the script with a comment saying what it
does; a long selection of items is written as its own list above.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Sequence

from ..errors import ParameterError
from ..params import AnalysisParams
from ..tl.methods import get_method
from ..tl.subcluster import SplitStep
from .script import Step

#: Members written inline in ``SplitStep(...)`` up to this many; more go in a list above.
INLINE_MEMBERS = 4


def split_description(step: SplitStep, *, method: str, items: str = "items",
                      top_genes: int | None = None) -> str:
    """What one split does, in a sentence (the script's comment, the report's table).

    Parameters
    ----------
    step : SplitStep
        The split.
    method : str
        The clustering method's name as shown (e.g. ``"hierarchical"``, ``"Leiden"``).
    items : str, keyword-only
        What is clustered (``"samples"``, ``"genes"``, ``"cells"``).
    top_genes : int, optional, keyword-only
        The number of genes re-selected on the cluster (a step with
        ``features="selection"``).

    Returns
    -------
    str
        E.g. ``"cluster 3 into 2 sub-clusters (3.1, 3.2) by hierarchical on the parent's
        features"``.
    """
    parent = step.cluster
    chosen = "" if step.members is None else f"{len(step.members)} selected {items} of "
    if step.k is None and step.resolution is None:
        return (f"{chosen}cluster {parent} split off as {parent}.1; the rest of {parent} "
                f"becomes {parent}.2")
    if step.k is not None:
        children = (", ".join(f"{parent}.{i}" for i in range(1, step.k + 1)) if step.k <= 4
                    else f"{parent}.1..{parent}.{step.k}")
        how = f"into {step.k} sub-clusters ({children})"
    else:
        how = f"at resolution {step.resolution:g} ({parent}.1, {parent}.2, ...)"
    rest = "" if step.members is None else f"; the rest of {parent} becomes the last child"
    return (f"{chosen}cluster {parent} {how} by "
            f"{split_method(step, method=method, items=items, top_genes=top_genes)}{rest}")


def split_method(step: SplitStep, *, method: str, items: str = "items",
                 top_genes: int | None = None) -> str:
    """How one split clusters its items: the method and what it reads (the report's
    table; parameters as :func:`split_description`).

    Parameters
    ----------
    step : SplitStep
    method : str, keyword-only
    items : str, keyword-only
    top_genes : int, optional, keyword-only

    Returns
    -------
    str
        E.g. ``"K-means on the parent's features"``, ``"Leiden on the kNN graph
        restricted to its cells"``, ``"the selection split off"``.
    """
    if step.k is None and step.resolution is None:
        return "the selection split off"
    if items == "cells":
        return f"{method} on the kNN graph restricted to its cells"
    if step.features == "parent":
        return f"{method} on the parent's features"
    return f"{method} on the {top_genes or 'most'} most variable genes among its {items}"


def wrapped(tokens: Sequence[str], *, indent: str = "    ", width: int = 88) -> str:
    """``tokens`` joined by commas into indented lines of at most ``width`` characters,
    never breaking inside a token (a string literal stays on one line).

    Parameters
    ----------
    tokens : sequence of str
        Python expressions (e.g. ``repr`` of ids, ``name=value``).
    indent : str, keyword-only
    width : int, keyword-only

    Returns
    -------
    str
        The lines, without a final newline.
    """
    lines, line = [], ""
    for token in tokens:
        piece = f"{token},"
        if line and len(indent) + len(line) + 1 + len(piece) > width:
            lines.append(indent + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(indent + line)
    return "\n".join(lines)


def _members_code(steps: Sequence[SplitStep], items: str) -> tuple[str, dict[int, str]]:
    """Lists of the long selections (``selection_1 = [...]``) and, per step index, the
    text of its ``members=`` argument."""
    lists, arguments = [], {}
    for number, step in enumerate(steps, start=1):
        if step.members is None:
            continue
        if len(step.members) <= INLINE_MEMBERS:
            arguments[number] = repr(step.members)
            continue
        name = f"selection_{number}"
        body = wrapped([repr(member) for member in step.members])
        lists.append(f"{name} = [  # the {len(step.members)} {items} selected in cluster "
                     f"{step.cluster}\n{body}\n]")
        arguments[number] = name
    return "".join(f"{text}\n" for text in lists), arguments


def splits_code(steps: Sequence[SplitStep], *, method: str, items: str,
                top_genes: int | None = None) -> str:
    """``splits = [SplitStep(...), ...]`` with one commented line per split."""
    lists, members = _members_code(steps, items)
    lines = []
    for number, step in enumerate(steps, start=1):
        arguments = [repr(step.cluster)]
        if step.k is not None:
            arguments.append(f"k={step.k!r}")
        if step.resolution is not None:
            arguments.append(f"resolution={step.resolution!r}")
        if step.features != "parent":
            arguments.append(f"features={step.features!r}")
        if step.members is not None:
            arguments.append(f"members={members[number]}")
        comment = textwrap.fill(split_description(step, method=method, items=items,
                                                  top_genes=top_genes),
                                width=88, initial_indent="    # ", subsequent_indent="    # ")
        lines.append(f"{comment}\n    SplitStep({', '.join(arguments)}),")
    return lists + "splits = [\n" + "\n".join(lines) + "\n]\n"


def _changed_params_code(params: AnalysisParams) -> str:
    """``AnalysisParams(...)`` with the parameters that differ from the defaults."""
    defaults = AnalysisParams()
    changed = [f"{field.name}={getattr(params, field.name)!r}"
               for field in dataclasses.fields(params)
               if getattr(params, field.name) != getattr(defaults, field.name)]
    body = wrapped(changed)
    return f"clustering = AnalysisParams(\n{body}\n)\n" if changed else \
        "clustering = AnalysisParams()\n"


def bulk_split_imports() -> list[str]:
    """The import lines the bulk split step needs."""
    return ["from rnaclust_dash.params import AnalysisParams",
            "from rnaclust_dash.pipeline.subcluster import selection_fit",
            "from rnaclust_dash.tl.subcluster import SplitStep, replay_splits"]


def bulk_split_step(params: AnalysisParams, steps: Sequence[SplitStep]) -> Step:
    """The step that splits clusters of a bulk analysis, after the clustering.

    Parameters
    ----------
    params : AnalysisParams
        The clustering: each split re-runs its method with its choices on the items of
        one cluster (``run --subcluster``).
    steps : sequence of SplitStep
        The splits, in order (params.json ``subclusters``).

    Returns
    -------
    Step
        Reads ``items``, ``values``, ``item_ids`` and ``labels``; leaves the split
        ``labels`` (text such as ``"3.1"``).
    """
    method = get_method(params.method)
    reselect = any(step.features == "selection" for step in steps)
    code = ("# the clustering's choices (those not at their default); every split re-uses "
            "them\n" + _changed_params_code(params)
            + ("# all the genes' values: a split re-selects the most variable among its "
               f"{params.target}\nfit_selection = selection_fit(items, clustering, "
               "all_genes=values.loc[:, item_ids])\n" if reselect else
               "fit_selection = selection_fit(items, clustering)\n")
            + splits_code(steps, method=method.label, items=params.target,
                          top_genes=params.top_genes)
            + "labels = replay_splits(labels, splits, fit_selection, item_ids=item_ids)\n"
              "print(pd.Series(labels).value_counts().sort_index().to_string())")
    return Step("Split clusters in place",
                f"Each split re-runs {method.label} on the {params.target} of one cluster "
                f"only (seed {params.seed}), in the order recorded; the children keep the "
                f"parent's name (3 -> 3.1, 3.2) and every other {params.target[:-1]} keeps "
                "its cluster.", code)


def cell_split_imports() -> list[str]:
    """The import lines the single-cell split step needs."""
    return ["from rnaclust_dash.tl.subcluster import SplitStep, graph_split_fit, "
            "replay_splits"]


def cell_split_step(params: AnalysisParams, steps: Sequence[SplitStep]) -> Step:
    """The step that splits clusters of cells on their kNN graph, after the clustering.

    Parameters
    ----------
    params : AnalysisParams
        The single-cell analysis (Leiden or Louvain).
    steps : sequence of SplitStep
        The splits, in order (params.json ``subclusters``).

    Returns
    -------
    Step
        Reads ``graph``, ``labels`` and ``cell_ids``; leaves the split ``labels``.

    Raises
    ------
    ParameterError
        For a method that is not a graph method (the pipeline refuses the same).
    """
    if params.method not in ("leiden", "louvain"):
        raise ParameterError(f"Splitting a cluster of cells re-runs Leiden or Louvain on the "
                             f"cells' graph; {params.method} clusters the principal "
                             "components: choose leiden or louvain to split clusters.")
    label = params.method.capitalize()
    code = (f"fit_selection = graph_split_fit(graph.connectivities, method={params.method!r},"
            f"\n                                random_state={params.seed!r})\n"
            + splits_code(steps, method=label, items="cells")
            + "labels = replay_splits(labels, splits, fit_selection, item_ids=cell_ids)\n"
              "print(pd.Series(labels).value_counts().sort_index().to_string())")
    return Step("Split clusters in place",
                f"Each split re-runs {label} on the kNN graph restricted to the cells of one "
                f"cluster (scanpy's restrict_to; seed {params.seed}), in the order recorded; "
                "the children keep the parent's name (3 -> 3.1, 3.2) and every other cell "
                "keeps its cluster.", code)
