"""The HTML report of a time course (Mfuzz / degPatterns) or of co-expression modules
(WGCNA-style), made from the files the ``timecourse`` or ``modules`` command wrote beside
its params.json (issue 14 item 3): their figures, tables, a methods paragraph with its
citations, and the checksums of the inputs and of the result files read.

These analyses are not re-run: the report shows the results of the command, as written.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import DataError
from .report import (References, Section, _pairs, _table, closing_sections, figure_list,
                     figures_html, methods_section, report_html)

#: The files each command writes and the report reads.
PATTERN_FILES = {
    "timecourse": ("memberships.csv", "centers.csv", "profiles.csv"),
    "modules": ("soft_threshold.csv", "modules.csv", "eigengenes.csv", "module_trait.csv",
                "hub_genes.csv"),
}


def read_pattern_files(command: str, folder) -> dict[str, bytes]:
    """The bytes of the result files of ``command`` in ``folder`` (a DataError naming the
    missing ones)."""
    folder = Path(folder)
    missing = [name for name in PATTERN_FILES[command] if not (folder / name).is_file()]
    if missing:
        raise DataError(f"The report of {command} reads the files it wrote beside "
                        f"params.json; {', '.join(missing)} are not in {folder}. Give the "
                        "params.json of that folder, or run the command again.")
    return {name: (folder / name).read_bytes() for name in PATTERN_FILES[command]}


def _frame(files: dict, name: str, **options) -> pd.DataFrame:
    import io

    return pd.read_csv(io.BytesIO(files[name]), **options)


def _timecourse(document: dict, files: dict, refs: References) -> tuple[str, dict, list]:
    from ..pl.timecourse import profile_figure

    options, results = document.get("parameters", {}), document.get("results", {})
    memberships = _frame(files, "memberships.csv", dtype={"gene": str}).set_index("gene")
    centers = _frame(files, "centers.csv", index_col="cluster")
    profiles = _frame(files, "profiles.csv", dtype={"gene": str}).set_index("gene")
    membership = memberships.drop(columns="cluster")
    membership.columns = [int(c.removeprefix("membership_")) for c in membership.columns]
    hard = options.get("method") == "degpatterns"
    figure = profile_figure(profiles.loc[memberships.index], membership,
                            memberships["cluster"], centers, hard=hard)
    selection = results.get("gene_selection", "the chosen genes")
    if options.get("lrt_padj") is not None or "LRT" in selection:
        selection += " ({deseq2-lrt})"
    sizes = memberships["cluster"].value_counts().sort_index()
    how = ("{degpatterns}" if hard else
           f"{{mfuzz}} with c = {results.get('clusters')} and fuzzifier m = "
           f"{results.get('fuzzifier', 0):.3g} (random seed {options.get('seed', 0)})")
    methods = (f"Time profiles along '{options.get('time_column')}' of {selection} "
               f"({len(memberships):,} genes, replicate means standardised) were clustered "
               f"by {how} with rnaclust-dash {__version__}.")
    body = ("<h3>Cluster sizes</h3>" + _table(sizes.rename("genes").rename_axis("cluster")
                                               .reset_index())
            + "<h3>Genes and their memberships</h3>"
            + _table(memberships.reset_index(), max_rows=300, all_rows="memberships.csv"))
    return refs.fill(methods), {"Time profiles of each cluster": figure}, [
        Section("Time-course clusters", body)]


def _modules(document: dict, files: dict, refs: References) -> tuple[str, dict, list]:
    from ..pl.modules import eigengene_figure, module_trait_figure, soft_threshold_figure

    options, results = document.get("parameters", {}), document.get("results", {})
    table = _frame(files, "soft_threshold.csv")
    modules = _frame(files, "modules.csv", dtype={"gene": str}).set_index("gene")["module"]
    eigengenes = _frame(files, "eigengenes.csv", index_col="sample")
    module_trait = _frame(files, "module_trait.csv")
    hubs = _frame(files, "hub_genes.csv", dtype={"gene": str})
    network = options.get("network", "unsigned")
    figures = {"Soft-threshold power: scale-free fit and mean connectivity":
                   soft_threshold_figure(table, power=results.get("power"),
                                         suggested=results.get("suggested_power"),
                                         network=network),
               "Module eigengenes": eigengene_figure(eigengenes)}
    if len(module_trait):
        sizes = modules.value_counts()
        sizes.index = [f"ME{m}" for m in sizes.index]
        figures["Module-trait correlations"] = module_trait_figure(module_trait, sizes=sizes)
    sizes = modules.value_counts().sort_index()
    methods = (f"Co-expression modules of {len(modules):,} genes "
               f"({options.get('normalization', 'vst')} values) were found by {{wgcna}} "
               f"with rnaclust-dash {__version__}: "
               f"{'an' if network.startswith('u') else 'a'} {network} network at soft-threshold "
               f"power {results.get('power')}, modules of at least "
               f"{options.get('min_module_size')} genes cut by {{dynamic_tree_cut}} (deep "
               f"split {options.get('deep_split')}) and merged at height "
               f"{options.get('merge_cut_height')}; {int((sizes.index > 0).sum())} modules "
               "were found; their eigengenes were correlated with the sample traits "
               "(Pearson).")
    body = ("<h3>Module sizes (0: unassigned)</h3>"
            + _table(sizes.rename("genes").rename_axis("module").reset_index())
            + "<h3>Module-trait correlations</h3>" + _table(module_trait)
            + "<h3>Hub genes</h3>" + _table(hubs, max_rows=300, all_rows="hub_genes.csv"))
    return refs.fill(methods), figures, [Section("Modules", body)]


def pattern_report(command: str, document: dict, folder, dataset, *,
                   inputs: dict, params_text: str = "", dataset_key: str = "") -> str:
    """The HTML report of a ``timecourse`` or ``modules`` run, from its files.

    Parameters
    ----------
    command : {"timecourse", "modules"}
    document : dict
        The command's params.json (its ``parameters`` and ``results``).
    folder : str or Path
        Where params.json and the result files are.
    dataset : Dataset
        The input (its name and notices).
    inputs : dict of str to bytes
        File name -> content of each input file (their sha256 checksums); the result
        files read are added.
    params_text : str
        params.json as is.
    dataset_key : str
        The dataset's content key.

    Returns
    -------
    str
        The HTML document.
    """
    files = read_pattern_files(command, folder)
    refs = References()
    build = _timecourse if command == "timecourse" else _modules
    paragraph, figures, sections = build(document, files, refs)
    read_from = (f"<p>Results read from the files of <code>{html.escape(command)}</code> in "
                 f"<code>{html.escape(str(folder))}</code>.</p>")
    sections = [methods_section([paragraph], refs), figure_list(figures),
                Section("Figures", figures_html(figures))] + sections + [
        Section("What the command chose", read_from + _pairs(document.get("results", {})))]
    sections += closing_sections(notices=dataset.notices,
                                 inputs=inputs | {f"{Path(folder).name}/{n}": c
                                                  for n, c in files.items()},
                                 dataset_key=dataset_key, params_text=params_text,
                                 parameters=document.get("parameters", {}))
    return report_html(f"rnaclust-dash report: {dataset.name} ({command})", sections)
