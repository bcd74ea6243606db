"""The steps of the analyses that follow a clustering, and the choice of the steps a
params.json asks for (``export-script``; issue 14 item 2).

- markers (params.json of the ``markers`` command, its ``markers`` entry): each sample
  cluster (or group of a sheet column) against the rest, as
  :func:`rnaclust_dash.pipeline.markers.run_markers` (markers.csv, groups.csv);
- enrichment (params.json of the ``enrich`` command): over-representation of the marker
  genes of each group, or of each gene cluster, in GO or GMT gene sets (enrichment.csv);
- trajectory (params.json of the ``trajectory`` command, its ``trajectory`` entry):
  diffusion pseudotime and PAGA of the clustered samples (pseudotime.csv, paga.csv,
  diffmap.csv, groups.csv, pseudotime_genes.csv), or of single cells on their kNN graph;
- cluster splits (``subclusters``, of samples or cells): :mod:`.script_splits`;
- single cells (``mode: single-cell``): :mod:`.script_single_cell` (with a ``markers``
  entry, its test and groups);
- time course and modules (params.json of ``timecourse`` / ``modules``):
  :mod:`.script_patterns`.

The steps continue the variables of :func:`.script.bulk_steps` (``values``, ``selected``,
``items``, ``item_ids``, ``labels``, ``counts``, ``metadata``, ``OUT``). Every step writes the
same bytes as the command it stands for.
"""

from __future__ import annotations

import json

from ..errors import ParameterError
from ..params import AnalysisParams, params_from_document
from ..tl.subcluster import steps_from_records
from ..pp.normalization import LOG_SCALE_METHODS
from .script import ScriptInputs, Step, analysis_title, bulk_steps
from .script_patterns import modules_steps, timecourse_steps
from .script_single_cell import single_cell_steps

#: Commands whose params.json is a script of its own: name -> step builder.
PATTERN_COMMANDS = {"timecourse": timecourse_steps, "modules": modules_steps}


def _imports_step(lines: list[str]) -> Step:
    return Step("Imports", "", "\n".join(lines))


def marker_steps(params: AnalysisParams, markers: dict) -> list[Step]:
    """The marker steps of the ``markers`` command's params.json.

    Parameters
    ----------
    params : AnalysisParams
        The clustering (samples as items).
    markers : dict
        The ``markers`` entry of params.json: ``group_by`` (``"clusters"`` or a sheet
        column), ``test`` and ``versus``.

    Returns
    -------
    list of Step
        Imports, then the matrix and groups the test reads, the test, and the files.
    """
    test, versus = markers.get("test", "t-test"), markers.get("versus")
    column = markers.get("group_by", "clusters")
    on_log = params.log_transform or params.normalization in LOG_SCALE_METHODS
    code = ("# the normalized (batch-corrected) values of every gene passing the filter\n"
            "marker_values = values\n"
            + ("" if on_log else
               "if dataset.value_kind != \"log\":  # the tests compare log2(x + 1)\n"
               "    marker_values = np.log2(values.clip(lower=0) + 1.0)\n")
            + "marker_values = marker_values[np.isfinite(marker_values.to_numpy()).all(axis=1)]\n")
    if column == "clusters":
        code += ("groups = pd.Series([str(label) for label in labels], index=item_ids, "
                 "dtype=object)\ngroups = groups.reindex(marker_values.columns)\n")
    else:
        code += (f"sheet_values = metadata[{column!r}].reindex(marker_values.columns)\n"
                 "groups = pd.Series([None if pd.isna(v) else str(v) for v in sheet_values],\n"
                 "                   index=marker_values.columns, dtype=object)\n")
    code += ("tested = "
             + ("counts.reindex(index=marker_values.index, columns=groups.index)  # DESeq2: "
                "raw counts\n" if test == "deseq2" else "marker_values\n")
             + "mapped = map_to_symbols(tested.index, if_none_mapped=\"keep\")\n"
             "marker_inputs = MarkerInputs(\n"
             "    values=tested, log_values=marker_values, groups=groups,\n"
             "    symbols=np.where(mapped.mapped, mapped.symbols, \"\").astype(object),\n"
             "    symbol_report=mapped.report)\n"
             f"markers = run_markers(marker_inputs, test={test!r}, reference={versus!r})\n"
             "OUT.mkdir(parents=True, exist_ok=True)\n"
             "write_csv(markers, OUT / \"markers.csv\")\n"
             "write_csv(groups.dropna().rename_axis(\"sample\").rename(\"group\")"
             ".reset_index(), OUT / \"groups.csv\")")
    against = f"group {versus}" if versus else "the rest of the samples"
    return [_imports_step(["from rnaclust_dash.pipeline.markers import MarkerInputs, "
                           "run_markers",
                           "from rnaclust_dash.tl.gene_ids import map_to_symbols",
                           "from rnaclust_dash.export.tables import write_csv"]),
            Step(f"Marker genes ({test})",
                 f"Each {'cluster' if column == 'clusters' else 'group of ' + column} against "
                 f"{against}; writes markers.csv and groups.csv (as the markers command).",
                 code)]


def enrichment_steps(document: dict) -> list[Step]:
    """The enrichment steps of the ``enrich`` command's params.json (``parameters``): the
    marker genes (``--markers``) or the gene clusters (``--assignments``) of the steps
    before, over-represented in GO or GMT gene sets; writes enrichment.csv."""
    options = document.get("parameters", {})
    if options.get("genes") or options.get("universe") or options.get("gene_map"):
        raise ParameterError("export-script writes the enrichment of marker genes or gene "
                             "clusters with the default universe; gene list files, "
                             "--universe and --gene-map are not in the script yet.")
    sets = options.get("gene_sets", "go-bp")
    if options.get("markers"):
        query = ("table = pd.read_csv(OUT / \"markers.csv\", dtype={\"id\": str, \"gene\": str})\n"
                 f"queries = marker_queries(table, direction={options.get('direction', 'up')!r}, "
                 f"top={options.get('top')!r})\n"
                 "universe = table[\"gene\"].drop_duplicates().tolist()  # every gene tested\n")
    elif options.get("assignments"):
        query = ("table = pd.read_csv(OUT / \"assignments.csv\", dtype={\"id\": str, \"gene\": "
                 "str})\nqueries = cluster_queries(table[\"id\"], table[\"cluster\"])\n"
                 "universe = table[\"id\"].tolist()  # every gene clustered\n")
    else:
        raise ParameterError("This enrich params.json has no --markers or --assignments query.")
    code = (query + _enrich_code(sets, min_size=options.get("min_size", 10),
                                 max_size=options.get("max_size", 500)))
    return [_imports_step(["from rnaclust_dash.tl.enrichment import cluster_queries, "
                           "enrich_queries, marker_queries",
                           "from rnaclust_dash.tl.genesets import bundled_gene_sets, read_gmt",
                           "from rnaclust_dash.tl.gene_ids import detect_id_kind, "
                           "map_to_symbols",
                           "from rnaclust_dash.export.tables import write_csv"]),
            Step(f"Enrichment of the gene lists ({sets})",
                 "Hypergeometric over-representation with Benjamini-Hochberg adjustment; "
                 "writes enrichment.csv (as the enrich command).", code)]


def _enrich_code(sets: str, *, min_size: int, max_size: int, indent: str = "") -> str:
    """Code reading the gene sets, mapping ``queries`` and ``universe`` to symbols when the
    sets hold symbols and the ids do not (as the enrich command), and writing
    enrichment.csv; every line starts with ``indent``."""
    read_sets = (f"gene_sets = bundled_gene_sets({sets!r})\n" if sets in ("go-bp", "go-mf",
                                                                            "go-cc")
                 else f"gene_sets = read_gmt(Path({sets!r}))\n")
    code = (read_sets +
            "# the sets hold symbols and the ids are not: map ids to symbols (as enrich)\n"
            "set_genes = [g for members in gene_sets.members[:200] for g in members]\n"
            "ids = list(dict.fromkeys([*universe, *(g for genes in queries.values() "
            "for g in genes)]))\n"
            "if detect_id_kind(set_genes)[0] == \"symbol\" and detect_id_kind(ids)[0] != "
            "\"symbol\":\n"
            "    symbol = dict(zip(ids, map_to_symbols(ids, if_none_mapped=\"raise\").symbols))\n"
            "    queries = {name: [symbol[g] for g in genes] for name, genes in "
            "queries.items()}\n"
            "    universe = [symbol[g] for g in universe]\n"
            "enrichment = enrich_queries(queries, gene_sets, universe=universe, "
            f"min_size={min_size!r},\n"
            f"                            max_size={max_size!r})\n"
            "write_csv(enrichment, OUT / \"enrichment.csv\")")
    return "\n".join(indent + line for line in code.splitlines())


def _pseudotime_enrichment(trajectory: dict, *, column: str) -> tuple[list[str], str]:
    """Import lines and code of the enrichment of the genes rising and falling along
    pseudotime (``trajectory --enrich``; nothing when the entry has no ``enrich``)."""
    sets = trajectory.get("enrich")
    if not sets:
        return [], ""
    from ..params import COMMAND_SPEC

    code = ("\n# genes rising / falling along pseudotime (padj < 0.05), every gene tested as "
            "the universe\n"
            f"queries = pseudotime_gene_lists(genes, top={trajectory.get('enrich_top')!r}, "
            f"column={column!r})\n"
            "if queries:  # none changes along pseudotime: no enrichment.csv (as the command)\n"
            f"    universe = genes[{column!r}].astype(str).drop_duplicates().tolist()\n"
            + _enrich_code(sets, min_size=COMMAND_SPEC["enrich_min_size"].default,
                           max_size=COMMAND_SPEC["enrich_max_size"].default, indent="    "))
    return (["from rnaclust_dash.tl.trajectory.genes import pseudotime_gene_lists",
             "from rnaclust_dash.tl.enrichment import enrich_queries",
             "from rnaclust_dash.tl.genesets import bundled_gene_sets, read_gmt",
             "from rnaclust_dash.tl.gene_ids import detect_id_kind, map_to_symbols",
             "from rnaclust_dash.export.tables import write_csv"], code)


def trajectory_steps(params: AnalysisParams, trajectory: dict) -> list[Step]:
    """The trajectory steps of the ``trajectory`` command's params.json.

    Parameters
    ----------
    params : AnalysisParams
        The clustering (samples as items): its ``pcs``, ``neighbors`` and ``seed`` build
        the graph.
    trajectory : dict
        The ``trajectory`` entry of params.json (root, groups column, diffusion
        components, PAGA threshold).

    Returns
    -------
    list of Step
    """
    groups_column = trajectory.get("groups_column")
    root, groups = _root_and_groups_code(trajectory, sheet="metadata",
                                         ids="pd.Index(item_ids)")
    code = (f"root = {root}\npaga_groups = {groups}\n"
            "trajectory = item_trajectory(items, item_ids, paga_groups, root,\n"
            f"                             n_pcs={params.pcs!r}, "
            f"n_neighbors={params.neighbors!r}, n_comps={trajectory.get('n_comps', 15)!r},\n"
            f"                             n_dcs={trajectory.get('n_dcs', 10)!r}, "
            f"random_state={params.seed!r})\n"
            "genes = trajectory_genes(selected, trajectory)\n")
    return _trajectory_with_files(
        ["from rnaclust_dash.pipeline.trajectory import RootChoice, item_trajectory, "
         "trajectory_genes", "from rnaclust_dash.export.tables import write_csv"],
        "A kNN graph of the samples as clustered, its diffusion map, pseudotime from the root "
        "and PAGA connectivities between the "
        + (f"groups of {groups_column}" if groups_column else "clusters"),
        code, trajectory, column="gene")


def _trajectory_with_files(imports: list[str], comment: str, code: str, trajectory: dict,
                           *, column: str) -> list[Step]:
    """The imports step and the trajectory step: ``code`` (which leaves ``trajectory``
    and ``genes``), then the command's files and the enrichment along pseudotime of the
    genes named by ``column``."""
    enrich_imports, enrich_code = _pseudotime_enrichment(trajectory, column=column)
    return [_imports_step([*imports, "from rnaclust_dash.tl.trajectory.paga import paga_edges",
                           *enrich_imports]),
            Step("Trajectory: diffusion pseudotime and PAGA",
                 comment + "; writes the files of the trajectory command"
                 + _enriched(trajectory),
                 code + _trajectory_files_code(trajectory) + enrich_code)]


def _root_and_groups_code(trajectory: dict, *, sheet: str, ids: str) -> tuple[str, str]:
    """Code of the trajectory's root (a ``RootChoice``) and of PAGA's groups (a sheet
    column, else the clusters), reading the sheet ``sheet`` and the item ids ``ids``."""
    column, groups_column = trajectory.get("root_column"), trajectory.get("groups_column")
    if column:
        root = (f"RootChoice(column={column!r}, values={sheet}.get({column!r}))  # the "
                f"earliest {column}")
    elif trajectory.get("root_cell"):
        root = f"RootChoice(item={trajectory['root_cell']!r})  # this item"
    else:
        root = (f"RootChoice(group={trajectory.get('root_cluster')!r})  # the centre of "
                "this cluster")
    groups = (f"{sheet}[{groups_column!r}].reindex({ids}).astype(str).to_numpy()"
              if groups_column else "np.asarray(labels).astype(str)")
    return root, groups


def _enriched(trajectory: dict) -> str:
    """The end of a trajectory step's comment: the enrichment along pseudotime, if any."""
    if not trajectory.get("enrich"):
        return "."
    return (f", and the enrichment of the genes rising and falling along pseudotime in "
            f"{trajectory['enrich']} (enrichment.csv; ids mapped to symbols with the bundled "
            "human table: a --gene-map of the command is not recorded in params.json).")


def _trajectory_files_code(trajectory: dict) -> str:
    """Code writing the trajectory command's files from ``trajectory`` (a Trajectory)
    and ``genes``."""
    return ("pseudotime = np.where(np.isfinite(trajectory.pseudotime), "
            "trajectory.pseudotime, np.nan)\n"
            "OUT.mkdir(parents=True, exist_ok=True)\n"
            "write_csv(pd.DataFrame({\"id\": trajectory.ids, \"pseudotime\": pseudotime}),\n"
            "          OUT / \"pseudotime.csv\")\n"
            "write_csv(paga_edges(trajectory.paga, "
            f"threshold={trajectory.get('paga_threshold', 0.0)!r}), OUT / \"paga.csv\")\n"
            "components = trajectory.diffmap.components\n"
            "diffmap = pd.DataFrame(components, columns=[f\"DC{i}\" for i in "
            "range(components.shape[1])])\n"
            "diffmap.insert(0, \"id\", trajectory.ids)\n"
            "write_csv(diffmap, OUT / \"diffmap.csv\")\n"
            "write_csv(pd.DataFrame({\"id\": trajectory.ids, \"group\": trajectory.groups}), "
            "OUT / \"groups.csv\")\n"
            "write_csv(genes, OUT / \"pseudotime_genes.csv\")")


def cell_trajectory_steps(params: AnalysisParams, trajectory: dict) -> list[Step]:
    """The trajectory steps of the ``trajectory`` command's params.json on single cells.

    They follow :func:`~.script_single_cell.single_cell_steps` and read its variables
    (``graph``, ``labels``, ``cell_ids``, ``log_values``, ``lookup``, ``adata``): diffusion
    map, pseudotime and PAGA on the cells' kNN graph, as
    :func:`rnaclust_dash.pipeline.trajectory.cell_trajectory`.

    Parameters
    ----------
    params : AnalysisParams
        The single-cell analysis (its seed starts the eigen solver).
    trajectory : dict
        As in :func:`trajectory_steps`.

    Returns
    -------
    list of Step
        Imports, then the trajectory and its files.
    """
    groups_column = trajectory.get("groups_column")
    root, groups = _root_and_groups_code(trajectory, sheet="adata.obs",
                                         ids="pd.Index(cell_ids.astype(str))")
    code = (f"root = {root}\npaga_groups = {groups}\n"
            "trajectory = graph_trajectory(graph, cell_ids.astype(str), paga_groups, root,\n"
            f"                              n_comps={trajectory.get('n_comps', 15)!r}, "
            f"n_dcs={trajectory.get('n_dcs', 10)!r}, random_state={params.seed!r})\n"
            "# Spearman correlation of each gene's log values with pseudotime\n"
            "genes = pseudotime_genes(log_values, gene_ids.astype(str), trajectory.pseudotime)\n"
            "genes.insert(1, \"symbol\", lookup.loc[genes[\"gene\"]].to_numpy())\n")
    return _trajectory_with_files(
        ["from rnaclust_dash.pipeline.trajectory import RootChoice, graph_trajectory",
         "from rnaclust_dash.tl.trajectory.genes import pseudotime_genes"],
        "The diffusion map of the cells' kNN graph, pseudotime from the root and PAGA "
        "connectivities between the "
        + (f"groups of {groups_column}" if groups_column else "clusters")
        + " (scanpy's tl.diffmap, tl.dpt and tl.paga)", code, trajectory, column="symbol")


def join_steps(*parts: list[Step]) -> list[Step]:
    """One list of steps from several builders: their Imports steps merged into the first
    (one ``from ... import`` line per module, each name once), the other steps in
    order."""
    first = parts[0][0]
    lines = first.code.splitlines()
    for part in parts[1:]:
        for line in part[0].code.splitlines():
            module, _, names = line.removeprefix("from ").partition(" import ")
            same = [i for i, old in enumerate(lines) if old.startswith(f"from {module} import ")]
            if not same:
                lines.append(line)
                continue
            had = lines[same[0]].partition(" import ")[2].strip("()").split(", ")
            added = [n for n in names.split(", ") if n not in had]
            lines[same[0]] = f"from {module} import " + ", ".join(had + added)
    return [Step(first.title, first.comment, "\n".join(lines))] + [
        step for part in parts for step in part[1:]]


def analysis_steps(params_text: str, inputs: ScriptInputs, *,
                   enrich_text: str | None = None) -> tuple[list[Step], str]:
    """The steps of the analysis a params.json records, and the script's title.

    Parameters
    ----------
    params_text : str
        params.json of ``run`` (bulk or single cells), ``markers``, ``trajectory``,
        ``timecourse`` or ``modules``.
    inputs : ScriptInputs
        The files the script reads and the folder it writes to.
    enrich_text : str, optional, keyword-only
        params.json of an ``enrich`` run on the markers (or gene clusters) of the first.

    Returns
    -------
    tuple
        ``(steps, title)``.
    """
    document = json.loads(params_text)
    name = (document.get("dataset", {}) or {}).get("name") or "an RNA-seq table"
    command = document.get("command")
    if command in PATTERN_COMMANDS:
        if enrich_text is not None:
            raise ParameterError(f"--enrich-params follows a markers run, not {command}.")
        return (PATTERN_COMMANDS[command](document.get("parameters", {}), inputs),
                f"rnaclust-dash {command} analysis of {name}")
    if command is not None:
        raise ParameterError(f"This is the params.json of {command}: give it with "
                             "--enrich-params after --params of the markers run"
                             if command == "enrich" else
                             f"export-script does not write the {command} command.")
    params = params_from_document(params_text)
    splits = steps_from_records(document.get("subclusters"))
    title = analysis_title(params, name, n_splits=len(splits))
    if params.mode == "single-cell":
        return _single_cell_analysis(document, params, inputs, splits, title,
                                     enrich_text=enrich_text)
    parts = [bulk_steps(params, inputs, splits=splits)]
    if "markers" in document:
        parts.append(marker_steps(params, document["markers"]))
        title += ", markers"
    if "trajectory" in document:
        parts.append(trajectory_steps(params, document["trajectory"]))
        title += ", trajectory"
    if enrich_text is not None:
        parts.append(enrichment_steps(json.loads(enrich_text)))
        title += ", enrichment"
    return join_steps(*parts), title


def _single_cell_analysis(document: dict, params: AnalysisParams, inputs: ScriptInputs,
                          splits: tuple, title: str, *, enrich_text: str | None):
    """``(steps, title)`` of single cells: the pipeline of ``run``, its splits, and the
    trajectory of the ``trajectory`` command's params.json."""
    if enrich_text is not None:
        raise ParameterError("The single-cell script writes the markers of each cluster; "
                             "--enrich-params follows a bulk markers run.")
    if "markers" in document:  # the markers of the cells: the pipeline's marker step
        params = _cell_marker_params(params, document["markers"] or {})
    if "trajectory" not in document:
        return single_cell_steps(params, inputs, splits=splits), title
    if splits:
        raise ParameterError("The trajectory command of single cells does not split their "
                             "clusters, yet this params.json has 'subclusters': export the "
                             "params.json of run (the splits) or of trajectory (without "
                             "them).")
    return (join_steps(single_cell_steps(params, inputs),
                       cell_trajectory_steps(params, document["trajectory"])),
            title + ", trajectory")


def _cell_marker_params(params: AnalysisParams, markers: dict) -> AnalysisParams:
    """The single-cell parameters with a ``markers`` entry's test and groups (``group_by``
    ``"clusters"``: the clusters)."""
    from ..params import SPEC

    test = markers.get("test", params.markers)
    if test not in SPEC["markers"].choices:
        raise ParameterError(f"The markers of single cells are tested with "
                             f"{', '.join(SPEC['markers'].choices)}; this params.json asks "
                             f"for {test!r}.")
    column = markers.get("group_by", "clusters")
    return params.replace(markers=test, group_by="" if column == "clusters" else column)
