"""Glue of the Markers view to the core: which samples form which group, which matrix
each test reads, and the stored marker results (tables for the volcano, the dot plot and
the table). Dash only for the table's number format; :mod:`views.markers` holds the
view and its callbacks.

Groups and the matrix of each test come from :mod:`rnaclust_dash.pipeline.markers` (shared
with the ``markers`` command): Welch t and Wilcoxon read the normalized (batch-corrected)
log values of the filtered genes; DESeq2 the raw counts of the same genes. Results are
stored under a key of the dataset, every analysis parameter and the view's choices.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from dash.dash_table.Format import Format, Scheme

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import load_summary
from rnaclust_dash.pipeline.gene_map import gene_map
from rnaclust_dash.pipeline.markers import group_names, marker_inputs, run_markers
from rnaclust_dash.pipeline.markers import sample_groups as core_sample_groups
from rnaclust_dash.store import ResultStore, stage_key
from rnaclust_dash.tl.subcluster import steps_from_records

from callbacks.common import split_part

CLUSTERS = "__clusters__"  # group-by value of the clusters on screen
TESTS = {"wilcoxon": "Wilcoxon rank-sum (log values)", "t-test": "Welch t-test (log values)",
         "deseq2": "DESeq2 Wald test (counts)"}
TABLE_COLUMNS = ("gene", "symbol", "log2fc", "pvalue", "padj", "mean_in", "mean_out",
                 "base_mean", "statistic")


def group_by_choices(store: ResultStore, analysis_store: dict) -> tuple:
    """Options and default of the group-by menu, and options and default of the test
    menu (DESeq2 only, and by default, for count input; else the Welch t-test)."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    summary = load_summary(store, analysis_store["key"])
    options = []
    if params.target == "samples":
        options.append({"label": "clusters on screen", "value": CLUSTERS})
    metadata = summary["metadata"]
    columns = [] if metadata is None else [str(c) for c in metadata.columns]
    options += [{"label": f"sheet: {c}", "value": c} for c in columns]
    default = CLUSTERS if params.target == "samples" else (
        "group" if "group" in columns else (columns[0] if columns else None))
    counts = summary["value_kind"] == "counts"
    tests = [{"label": label, "value": test,
              "disabled": test == "deseq2" and not counts}
             for test, label in TESTS.items()]
    if not counts:
        tests[-1]["label"] += " - needs raw counts"
    return options, default, tests, "deseq2" if counts else "t-test"


def sample_groups(store: ResultStore, analysis_store: dict, group_by: str) -> pd.Series:
    """The group of each sample of the analysis (index: sample ids), as text."""
    return core_sample_groups(store, analysis_store["key"],
                              AnalysisParams.from_dict(analysis_store["params"]),
                              **_grouping(group_by, analysis_store))


def _grouping(group_by: str, analysis_store: dict) -> dict:
    """The core's group-by keywords for the menu's value (the clusters after the splits
    of the analysis on screen)."""
    if group_by == CLUSTERS:
        return {"group_by": None, "cluster_label": "cluster {}",
                "splits": steps_from_records(analysis_store.get("splits"))}
    return {"group_by": group_by}


def result_key(analysis_store: dict, request: dict) -> str:
    """Store key of a marker result: the dataset, every analysis parameter, the choices."""
    # a user's gene map names the genes of the result: part of the key when there is one
    extra = {"gene_map": request["gene_map"]} if request.get("gene_map") else {}
    return stage_key(analysis_store["key"], "markers", {
        "analysis": analysis_store["params"], **split_part(analysis_store),
        **{k: request[k] for k in
                                                 ("group_by", "test", "mode", "group",
                                                  "reference")}, **extra})


def compute_markers(store: ResultStore, analysis_store: dict, request: dict,
                    progress=None) -> dict:
    """Run the marker tests of a request and store the result; return what the view keeps
    (the key and a few names).

    ``request`` holds ``group_by``, ``test``, ``mode`` (``"rest"`` or ``"pair"``),
    ``group`` and ``reference``.
    """
    key = result_key(analysis_store, request)
    if key not in store:
        store.put(key, _marker_result(store, analysis_store, request, progress))
    result = store.get(key)
    return {"key": key, "groups": result["groups"], "mode": request["mode"],
            "out_name": result["out_name"], "test": request["test"],
            "target": result["target"]}


def _marker_result(store, analysis_store, request, progress) -> dict:
    params = AnalysisParams.from_dict(analysis_store["params"])
    inputs = marker_inputs(store, analysis_store["key"], params, test=request["test"],
                           mapping=gene_map(store, analysis_store["key"]),
                           **_grouping(request["group_by"], analysis_store))
    present = group_names(inputs.groups)
    if len(present) < 2:
        raise ParameterError(f"Markers need at least two groups of samples; "
                             f"{request['group_by']} has {len(present)} among the samples "
                             "of the analysis.")
    if request["mode"] == "pair":
        group, reference = request["group"], request["reference"]
        table = run_markers(inputs, test=request["test"], groups=[group], reference=reference)
        out_name, shown = reference, [group]
        dot_table = pd.concat([table, table.assign(group=reference,
                                                   log2fc=-table["log2fc"])])
        dot_groups = [group, reference]
    else:
        table = run_markers(inputs, test=request["test"], progress=progress)
        out_name, shown, dot_table, dot_groups = "rest", present, table, present
    if progress is not None:
        progress(1, 1)
    logs, groups = inputs.log_values, inputs.groups
    zscores = logs.sub(logs.mean(axis=1), axis=0).div(logs.std(axis=1, ddof=1)
                                                      .replace(0, np.nan), axis=0)
    means = pd.DataFrame({g: zscores.loc[:, (groups == g).to_numpy()].mean(axis=1)
                          for g in dot_groups})
    return {"table": table.reset_index(drop=True), "dot_table": dot_table,
            "group_means": means, "groups": shown, "out_name": out_name,
            "target": params.target, "symbol_report": inputs.symbol_report,
            "notices": inputs.notices, "universe": list(logs.index)}


def load_result(store: ResultStore, reference: dict) -> dict:
    result = store.get(reference["key"])
    if result is None:
        raise ParameterError("The marker results are no longer on the server (the cache was "
                             "cleared): change any choice to compute them again.")
    return result


def group_table(result: dict, group: str | None) -> pd.DataFrame:
    """The rows of one group (the first group when ``group`` is not among them)."""
    table = result["table"]
    if group not in result["groups"]:
        group = result["groups"][0]
    return table[table["group"] == group]


_FILTER = re.compile(r"^\{(?P<column>[^}]+)\}\s+(?P<op>s?[<>]=?|s?!=|s?=|eq|ne|lt|le|gt|ge|"
                     r"[is]?contains|datestartswith)\s+(?P<value>.+)$")
_COMPARE = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "=": "eq", "!=": "ne"}


def filter_rows(table: pd.DataFrame, filter_query: str | None) -> pd.DataFrame:
    """The rows of ``table`` that pass a DataTable filter query (``{padj} < 0.01 &&
    {symbol} contains FKBP``): numbers compared, text matched without case. Parts the
    parser does not know are ignored."""
    for part in (filter_query or "").split(" && "):
        match = _FILTER.match(part.strip())
        if not match or match["column"] not in table.columns:
            continue
        column, value = table[match["column"]], match["value"].strip().strip("\"'")
        op = _COMPARE.get(match["op"].lstrip("s"), match["op"])
        if op in ("lt", "le", "gt", "ge", "eq", "ne") and pd.api.types.is_numeric_dtype(column):
            try:
                number = float(value)
            except ValueError:
                continue
            table = table[getattr(column, op)(number).to_numpy()]
        elif op in ("eq", "ne"):
            same = column.astype(str).str.lower() == value.lower()
            table = table[(same if op == "eq" else ~same).to_numpy()]
        else:
            table = table[column.astype(str).str.contains(value, case=False, regex=False)
                          .to_numpy()]
    return table


def sorted_page(table: pd.DataFrame, *, page: int, page_size: int, sort_by: list | None,
                filter_query: str | None) -> tuple[pd.DataFrame, int]:
    """The rows of one page of a DataTable filtered, sorted and paged on the server (the
    browser never holds tens of thousands of rows), and the page count."""
    shown = filter_rows(table, filter_query)
    for rule in reversed(sort_by or []):
        if rule.get("column_id") in shown.columns:
            shown = shown.sort_values(rule["column_id"], ascending=rule["direction"] == "asc",
                                      kind="stable", na_position="last")
    page_count = max(1, -(-len(shown) // page_size))
    page = min(max(int(page or 0), 0), page_count - 1)
    return shown.iloc[page * page_size:(page + 1) * page_size], page_count


def table_page(table: pd.DataFrame, *, page: int, page_size: int, sort_by: list | None,
               filter_query: str | None) -> tuple[list, list, int]:
    """One page of the marker table (:func:`sorted_page`): DataTable columns, rows and the
    page count."""
    rows, page_count = sorted_page(table, page=page, page_size=page_size, sort_by=sort_by,
                                   filter_query=filter_query)
    columns, records = table_records(rows, symbols=bool(table["symbol"].astype(bool).any())
                                     if "symbol" in table else False)
    return columns, records, page_count


def table_records(table: pd.DataFrame, *, symbols: bool | None = None) -> tuple[list, list]:
    """DataTable columns and rows (numbers to 4 significant digits; ``id`` = gene).
    ``symbols``: show the symbol column (default: when any gene has a symbol)."""
    columns = [c for c in TABLE_COLUMNS if c in table.columns]
    if symbols is None:
        symbols = "symbol" in columns and bool(table["symbol"].astype(bool).any())
    if "symbol" in columns and not symbols:
        columns.remove("symbol")  # no id mapped to a symbol (e.g. fly ids)
    shown = table[columns].copy()
    for column in [c for c in columns if c not in ("gene", "symbol")]:
        shown[column] = [float(f"{v:.4g}") if np.isfinite(v) else None
                         for v in shown[column].to_numpy(dtype=float)]
    records = shown.to_dict("records")
    for record in records:
        record["id"] = record["gene"]
    spec = [{"name": c, "id": c} if c in ("gene", "symbol") else
            {"name": c, "id": c, "type": "numeric",
             "format": Format(precision=3, scheme=Scheme.decimal_or_exponent)
             if c in ("pvalue", "padj") else Format(precision=2, scheme=Scheme.fixed)}
            for c in columns]
    return spec, records
