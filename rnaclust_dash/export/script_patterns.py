"""The steps of the time-course (Mfuzz / degPatterns) and co-expression module (WGCNA-style)
analyses as a runnable script (``export-script`` on the params.json of the ``timecourse``
and ``modules`` commands; issue 14 item 2).

Each calls the pipeline functions its command calls (:mod:`rnaclust_dash.pipeline.timecourse`,
:mod:`rnaclust_dash.pipeline.modules`) with the command's options written in, and writes
the command's files with the same bytes (tests/core/test_export_script_analyses.py).
"""

from __future__ import annotations

from .. import __version__
from ..errors import ParameterError
from .script import ScriptInputs, Step, _read_step


def _imports(lines: list[str]) -> Step:
    return Step("Imports", "The public API of rnaclust_dash "
                f"(made with rnaclust-dash {__version__}).",
                "\n".join(["from pathlib import Path", "", "import numpy as np",
                           "import pandas as pd", "",
                           "from rnaclust_dash.io import build_dataset",
                           "from rnaclust_dash.export.tables import write_csv", *lines]))


def _number_or_auto(text) -> float | None:
    """The option as the command reads it: ``auto`` -> None, else a number."""
    return None if str(text).strip().lower() == "auto" else float(text)


def timecourse_steps(options: dict, inputs: ScriptInputs) -> list[Step]:
    """The steps of the ``timecourse`` command.

    Parameters
    ----------
    options : dict
        The ``parameters`` of its params.json (time and group columns, gene choice, method,
        clusters, fuzzifier, minimum cluster size, seed).
    inputs : ScriptInputs
        The count table and sample sheet the script reads, the folder it writes to.

    Returns
    -------
    list of Step
        Imports, read, the values and genes, the clustering and the files.
    """
    if options.get("genes"):
        raise ParameterError("This time course clusters a gene list file: the script export "
                             "writes the LRT or variance gene choice only.")
    group, group_column = options.get("group"), options.get("group_column")
    side_by_side = group_column if group is None else None
    where = (f"time_column={options['time_column']!r}, group_column={side_by_side!r}")
    choose = ("chosen = timecourse_input(\n"
              f"    dataset, time_column={options['time_column']!r}, "
              f"group_column={group_column!r}, group={group!r},\n"
              f"    top_genes={options.get('top_genes')!r}, "
              f"lrt_padj={options.get('lrt_padj')!r})\n"
              "print(f\"{chosen.selection}: {len(chosen.genes)} genes\")\n"
              "expression = chosen.values.loc[chosen.genes]  # genes x samples, log scale")
    if options.get("method", "mfuzz") == "mfuzz":
        fuzzifier = _number_or_auto(options.get("fuzzifier", "auto"))
        cluster = (f"result = mfuzz_tables(expression, metadata, "
                   f"clusters={options.get('clusters') or 6!r}, m={fuzzifier!r},\n"
                   f"                      random_state={options.get('seed', 0)!r}, {where})")
        title = "Mfuzz: fuzzy c-means of the standardised replicate means"
    else:
        cluster = (f"result = degpatterns_tables(expression, metadata, "
                   f"min_cluster_size={options.get('min_cluster_size', 15)!r},\n"
                   f"                            {where})")
        title = "degPatterns: clusters of the profiles"
    write = ("OUT.mkdir(parents=True, exist_ok=True)\n"
             "write_csv(result.memberships, OUT / \"memberships.csv\")\n"
             "write_csv(result.centers.rename_axis(\"cluster\"), OUT / \"centers.csv\", "
             "index=True)\n"
             "write_csv(result.profiles.rename_axis(\"gene\"), OUT / \"profiles.csv\", "
             "index=True)")
    return [_imports(["from rnaclust_dash.pipeline.timecourse import (degpatterns_tables, "
                      "mfuzz_tables,", "                                             "
                      "timecourse_input)"]),
            _read_step(inputs),
            Step("The values and the genes that change with time",
                 "DESeq2's VST with the time design for counts (DEGreport's input); genes "
                 "by the likelihood-ratio test of time, or the most variable.", choose),
            Step(title, "As the timecourse command.", cluster),
            Step("Write memberships.csv, centers.csv and profiles.csv",
                 "The files of the timecourse command.", write)]


def modules_steps(options: dict, inputs: ScriptInputs) -> list[Step]:
    """The steps of the ``modules`` command (WGCNA-style co-expression modules).

    Parameters
    ----------
    options : dict
        The ``parameters`` of its params.json (normalization, top genes, power, network,
        module size, merge height, deep split, trait columns, seed).
    inputs : ScriptInputs
        The count table and sample sheet the script reads, the folder it writes to.

    Returns
    -------
    list of Step
        Imports, read, the values, the soft threshold, the modules and the files.
    """
    power = _number_or_auto(options.get("power", "auto"))
    network = options.get("network", "unsigned")
    values = (f"expression, notices = module_expression(\n"
              f"    dataset, normalization={options.get('normalization', 'vst')!r}, "
              f"top_genes={options.get('top_genes', 5000)!r})  # genes x samples\n"
              "traits = trait_table(metadata.loc[expression.columns], "
              f"{options.get('trait_columns')!r})")
    threshold = (f"table, suggested, why = soft_threshold(expression, network={network!r})\n"
                 + ("power = suggested\nprint(why)" if power is None
                    else f"power = {power!r}"))
    modules = ("tables = module_tables(\n"
               f"    expression, traits, power=power, network={network!r},\n"
               f"    min_module_size={options.get('min_module_size', 30)!r}, "
               f"deep_split={options.get('deep_split', 2)!r},\n"
               f"    merge_cut_height={options.get('merge_cut_height', 0.25)!r}, "
               f"random_state={options.get('seed', 0)!r})\n"
               "result = tables.result\n"
               "print(result.modules.value_counts().sort_index().to_string())")
    write = ("OUT.mkdir(parents=True, exist_ok=True)\n"
             "write_csv(table, OUT / \"soft_threshold.csv\")\n"
             "write_csv(result.modules.rename_axis(\"gene\").reset_index(), "
             "OUT / \"modules.csv\")\n"
             "write_csv(result.eigengenes.rename_axis(\"sample\"), OUT / \"eigengenes.csv\", "
             "index=True)\n"
             "write_csv(tables.module_trait, OUT / \"module_trait.csv\")\n"
             "write_csv(tables.hubs, OUT / \"hub_genes.csv\")")
    return [_imports(["from rnaclust_dash.pipeline.modules import (module_expression, "
                      "module_tables, soft_threshold,", "                                   "
                      "         trait_table)"]),
            _read_step(inputs),
            Step("The values and the traits", "Log-scale values of the most variable genes "
                 "(DESeq2's blind VST of counts, or log-CPM) and the sample-sheet traits "
                 "(text columns as 0/1 indicators).", values),
            Step("Soft-threshold power", "As WGCNA's pickSoftThreshold: the lowest power "
                 "with a scale-free fit R^2 above 0.85 unless one is set.", threshold),
            Step("Modules, eigengenes and their correlation with the traits",
                 "As WGCNA's blockwiseModules (dynamic tree cut, merged modules).", modules),
            Step("Write the module files", "The files of the modules command.", write)]
