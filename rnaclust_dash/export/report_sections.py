"""What the analyses after a clustering add to the HTML report (issue 14 item 3): marker
genes (table, volcano per group, dot plot), enrichment (table with the genes, dot plot)
and the trajectory (pseudotime and PAGA on the diffusion map, genes along pseudotime).

Each builder returns a :class:`~.report.ReportPart`: a methods sentence whose ``{key}``
marks are cited from :mod:`.citations`, the figures and the tables.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .report import ReportPart, Section, _table

#: Groups drawn as a volcano each (the table has them all).
MAX_VOLCANOES = 6
#: Rows of a long table shown in the report (the CSV files hold them all).
MAX_TABLE_ROWS = 200
#: Genes whose trends along pseudotime the report draws.
TREND_GENES = 30

_TEST_KEYS = {"t-test": "t-test", "wilcoxon": "wilcoxon", "deseq2": "deseq2-wald"}


def _group_means(log_values: pd.DataFrame, groups: pd.Series, names) -> pd.DataFrame:
    """Mean row z-score of each gene in each group (the dot plot's colours)."""
    spread = log_values.std(axis=1, ddof=1).replace(0, np.nan)
    zscores = log_values.sub(log_values.mean(axis=1), axis=0).div(spread, axis=0)
    return pd.DataFrame({g: zscores.loc[:, (groups == g).to_numpy()].mean(axis=1)
                         for g in names})


def markers_part(table: pd.DataFrame, inputs, *, test: str, versus: str | None = None,
                 group_by: str = "clusters") -> ReportPart:
    """The marker genes of each group in the report.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`rnaclust_dash.pipeline.markers.run_markers` (markers.csv).
    inputs : MarkerInputs
        What the test read (log values and groups, for the dot plot).
    test : {"t-test", "wilcoxon", "deseq2"}, keyword-only
    versus : str, optional, keyword-only
        The group every other one was compared with (None: the rest).
    group_by : str, keyword-only
        ``"clusters"`` or the sheet column whose values are the groups.

    Returns
    -------
    ReportPart
        A volcano per group (at most :data:`MAX_VOLCANOES`), a dot plot of the top
        markers (one-vs-rest only) and the table of genes with padj < 0.05.
    """
    from ..pl.markers import marker_dotplot, volcano_figure

    groups = list(pd.unique(table["group"]))
    out_name = f"group {versus}" if versus else "rest"
    figures = {f"Volcano plot: {group} vs {out_name}": volcano_figure(
        table[table["group"] == group], title=f"{group} vs {out_name}", in_name=str(group),
        out_name=out_name) for group in groups[:MAX_VOLCANOES]}
    if versus is None:
        means = _group_means(inputs.log_values, inputs.groups, groups)
        figures["Top marker genes of each group"] = marker_dotplot(table, means)
    significant = table[table["padj"] < 0.05]
    shown = significant.sort_values(["group", "pvalue"], kind="stable")
    what = "cluster" if group_by == "clusters" else f"group of '{group_by}'"
    against = f"group {versus}" if versus else "the rest of the samples"
    counts = "; ".join(f"{g}: {int((significant['group'] == g).sum()):,}" for g in groups)
    body = (f"<p>Genes with padj &lt; 0.05 per group ({html.escape(counts)}); all tested "
            "genes are in markers.csv.</p>"
            + _table(shown, max_rows=MAX_TABLE_ROWS, all_rows="markers.csv"))
    return ReportPart(
        methods=(f"Marker genes of each {what} against {against} were found with "
                 f"{{{_TEST_KEYS[test]}}} on {inputs.values.shape[0]:,} genes "
                 + ("(raw counts)." if test == "deseq2" else "(normalized log2 values).")),
        figures=figures, sections=(Section("Marker genes", body),))


def enrichment_part(table: pd.DataFrame, *, source: str = "") -> ReportPart:
    """The enrichment of gene lists in the report.

    Parameters
    ----------
    table : pandas.DataFrame
        enrichment.csv of the ``enrich`` command (``query, term, description, n_overlap,
        n_term, n_query, n_universe, pvalue, padj, genes``).
    source : str, keyword-only
        The gene sets (a bundled collection or a GMT file name).

    Returns
    -------
    ReportPart
        A dot plot of the top terms per query and the table of terms with padj < 0.05 and
        their genes (the best 10 per query when none passes).
    """
    from ..pl.markers import enrichment_dotplot

    kept = table[table["padj"] < 0.05]
    if kept.empty:
        kept = table.sort_values("pvalue", kind="stable").groupby("query", sort=False).head(10)
    queries = table["query"].nunique()
    body = (f"<p>{len(table[table['padj'] < 0.05]):,} of {len(table):,} tests with padj "
            f"&lt; 0.05 over {queries} gene lists; all tests are in enrichment.csv.</p>"
            + _table(kept, max_rows=MAX_TABLE_ROWS, all_rows="enrichment.csv"))
    sets = "{go}" if source.lower().startswith(("go", "go_")) else f"the sets of {source}"
    return ReportPart(
        methods=f"Over-representation of the gene lists in {sets} was tested with "
                "{hypergeometric}.",
        figures={"Enriched terms": enrichment_dotplot(table)},
        sections=(Section("Enrichment", body),))


def trend_genes(genes: pd.DataFrame) -> pd.DataFrame:
    """The rows of the pseudotime gene table (``gene, ..., rho``; best first) whose trends
    the report draws: the first :data:`TREND_GENES` with a correlation.

    Parameters
    ----------
    genes : pandas.DataFrame
        pseudotime_genes.csv.

    Returns
    -------
    pandas.DataFrame
        At most :data:`TREND_GENES` rows of ``genes``.
    """
    return genes.dropna(subset=["rho"]).head(TREND_GENES)


def _gene_labels(genes: pd.DataFrame) -> list[str]:
    """Row labels of genes: the symbol where the table has one (cells), else the id; the
    ids when symbols repeat."""
    ids = genes["gene"].astype(str)
    if "symbol" not in genes.columns:
        return ids.tolist()
    symbols = genes["symbol"].where(genes["symbol"].notna(), ids).astype(str)
    return symbols.tolist() if symbols.is_unique else ids.tolist()


def trajectory_part(trajectory, genes: pd.DataFrame, values: pd.DataFrame, *,
                    groups_column: str | None = None, threshold: float = 0.0,
                    items: str = "samples") -> ReportPart:
    """The trajectory in the report.

    Parameters
    ----------
    trajectory : Trajectory
        :func:`rnaclust_dash.pipeline.trajectory.analysis_trajectory`'s.
    genes : pandas.DataFrame
        The genes along pseudotime (pseudotime_genes.csv).
    values : pandas.DataFrame
        Genes x items log values the genes were tested on (for the trends heatmap; the
        :data:`TREND_GENES` first genes of ``genes`` are enough).
    groups_column : str, optional, keyword-only
        The sheet column whose values are PAGA's groups (None: the clusters).
    threshold : float, keyword-only
        PAGA edges at or below it are not drawn.
    items : str, keyword-only
        What was ordered (``"samples"`` or ``"cells"``), for the methods sentence.

    Returns
    -------
    ReportPart
        Items on the diffusion map coloured by pseudotime with the PAGA graph, the top
        genes' trends, and the tables of pseudotime and PAGA edges.
    """
    from ..pl.trajectory import trajectory_figure, trends_figure
    from ..tl.trajectory.genes import smoothed_trends
    from ..tl.trajectory.paga import group_positions, paga_edges

    coords = np.asarray(trajectory.diffmap.components[:, 1:3], dtype=np.float64)
    positions = group_positions(coords, trajectory.groups).loc[list(trajectory.paga.index)]
    main = trajectory_figure(coords, ids=trajectory.ids, pseudotime=trajectory.pseudotime,
                             paga=trajectory.paga, positions=positions, root=trajectory.root,
                             threshold=threshold, axis_titles=("DC1", "DC2"))
    figures = {"Pseudotime and PAGA on the diffusion map": main}
    top = trend_genes(genes)
    if len(top):
        trend_values = values.loc[top["gene"], list(trajectory.ids)].to_numpy().T
        top = top.assign(gene=_gene_labels(top))
        trends = smoothed_trends(trend_values, list(top["gene"]), trajectory.pseudotime,
                                 n_bins=min(30, len(trajectory.ids)))
        figures["Top genes along pseudotime"] = trends_figure(trends, top, items=items)
    pseudotime = pd.DataFrame({"id": trajectory.ids, "group": trajectory.groups,
                               "pseudotime": np.where(np.isfinite(trajectory.pseudotime),
                                                      trajectory.pseudotime, np.nan)})
    body = (f"<p>Root: <code>{html.escape(str(trajectory.ids[trajectory.root]))}</code>; "
            f"{trajectory.n_neighbors} neighbours per item.</p><h3>PAGA edges</h3>"
            + _table(paga_edges(trajectory.paga, threshold=threshold))
            + "<h3>Pseudotime</h3>"
            + _table(pseudotime.sort_values("pseudotime", kind="stable"),
                     max_rows=MAX_TABLE_ROWS, all_rows="pseudotime.csv")
            + "<h3>Genes along pseudotime</h3>"
            + _table(genes, max_rows=50, all_rows="pseudotime_genes.csv"))
    nodes = f"the groups of '{groups_column}'" if groups_column else "the clusters"
    return ReportPart(
        methods=(f"The {items} were ordered by {{diffusion_pseudotime}} from "
                 f"{trajectory.ids[trajectory.root]} on a {trajectory.n_neighbors}-nearest-"
                 f"neighbour graph; {nodes} were joined by {{paga}}; genes that change along "
                 "pseudotime were found by {spearman}."),
        figures=figures, sections=(Section("Trajectory", body),))


def _child_sizes(parent: str, labels) -> dict[str, int]:
    """Items in each child of ``parent`` right after its split (the children of later
    splits of a child counted in that child), children in numeric order."""
    prefix = f"{parent}."
    sizes: dict[str, int] = {}
    for label in np.asarray(labels).astype(str):
        if label.startswith(prefix):
            child = prefix + label[len(prefix):].split(".")[0]
            sizes[child] = sizes.get(child, 0) + 1
    return dict(sorted(sizes.items(), key=lambda item: int(item[0].rsplit(".", 1)[1])))


def splits_table(steps, labels, *, method: str, items: str = "samples",
                 top_genes: int | None = None) -> pd.DataFrame:
    """One row per split: the parent, the method and what it read, the k or resolution,
    and the children with their sizes.

    Parameters
    ----------
    steps : sequence of SplitStep
        The splits, in order (params.json ``subclusters``).
    labels : array-like
        (n_items,) the labels after every split.
    method : str, keyword-only
        The clustering method as shown (each split re-runs it).
    items : str, keyword-only
        What was clustered (``"samples"``, ``"genes"``, ``"cells"``).
    top_genes : int, optional, keyword-only
        Genes re-selected on a cluster (steps with ``features="selection"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``parent, method, parameter, children``; ``children`` as ``"3.1 (12),
        3.2 (8)"``.
    """
    from .script_splits import split_method

    rows = []
    for step in steps:
        settings = ([f"k = {step.k}"] if step.k is not None else []) + (
            [f"resolution {step.resolution:g}"] if step.resolution is not None else []) + (
            [f"{len(step.members)} selected {items}"] if step.members is not None else [])
        parameter = "; ".join(settings)
        sizes = _child_sizes(step.cluster, labels)
        rows.append({"parent": step.cluster,
                     "method": split_method(step, method=method, items=items,
                                            top_genes=top_genes),
                     "parameter": parameter,
                     "children": ", ".join(f"{child} ({n:,})" for child, n in sizes.items())})
    return pd.DataFrame(rows, columns=["parent", "method", "parameter", "children"])


def splits_part(steps, labels, *, method: str, items: str = "samples",
                top_genes: int | None = None) -> ReportPart:
    """The cluster splits in the report: a methods sentence and the table of
    :func:`splits_table` (same parameters).

    Parameters
    ----------
    steps : sequence of SplitStep
    labels : array-like
        (n_items,) the labels after every split.
    method : str, keyword-only
    items : str, keyword-only
    top_genes : int, optional, keyword-only

    Returns
    -------
    ReportPart
        No figure (the split labels colour the clustering's figures).
    """
    table = splits_table(steps, labels, method=method, items=items, top_genes=top_genes)
    where = ("on the kNN graph restricted to the cluster's cells" if items == "cells"
             else f"on the cluster's {items} alone")
    parents = ", ".join(table["parent"])
    methods = (f"Clusters were then split in place, in this order: {parents}; each split "
               f"re-ran {method} {where}, the children named after the parent (e.g. "
               f"{steps[0].cluster}.1) and the other {items} keeping their cluster "
               f"({len(set(np.asarray(labels).astype(str).tolist()))} clusters in all).")
    body = (f"<p>{len(table)} split{'s' if len(table) > 1 else ''}, in the order applied "
            "(params.json <code>subclusters</code>).</p>" + _table(table))
    return ReportPart(methods=methods, figures={}, sections=(Section("Cluster splits",
                                                                      body),))


def analysis_splits_part(analysis, steps) -> ReportPart:
    """:func:`splits_part` of a bulk analysis whose clusters ``steps`` split (the report
    command's and the dashboard's report).

    Parameters
    ----------
    analysis : Analysis
        The analysis after the splits
        (:func:`rnaclust_dash.pipeline.subcluster.split_analysis`).
    steps : sequence of SplitStep
        The splits, in order (at least one).

    Returns
    -------
    ReportPart
    """
    from ..tl.methods import get_method

    params = analysis.params
    return splits_part(steps, analysis.labels, method=get_method(params.method).label,
                       items=params.target, top_genes=params.top_genes)
