"""Co-expression modules from a Dataset, as WGCNA (the one home of the ``modules`` command
and the dashboard's Modules view): the values, the traits, the soft threshold, and the
modules with their eigengenes, trait correlations, kME and hub genes.

Orientation: expression genes x samples; the sample sheet and traits samples x columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import ParameterError
from ..params import split_list
from ..pp.features import top_variable_genes
from ..tl.blockwise import find_modules
from ..tl.modules import (ModulesResult, hub_genes, module_membership,
                          module_trait_correlation, pick_soft_threshold, suggest_power)
from .log_scale import log_values

#: pickSoftThreshold's RsquaredCut.
R_SQUARED_CUT = 0.85


def module_expression(dataset, *, normalization: str = "vst", top_genes: int = 5000
                      ) -> tuple[pd.DataFrame, list[str]]:
    """The ``top_genes`` genes of highest variance (0 = all) on a log scale (counts by
    ``normalization``), genes x samples, and notices.

    Parameters
    ----------
    dataset : Dataset
        Genes x samples counts (or normalized / log values).
    normalization : {"vst", "logcpm-tmm", "logcpm"}, keyword-only
        The log scale of counts (DESeq2's blind VST or edgeR's log-CPM).
    top_genes : int, keyword-only
        Genes of highest variance kept; 0 keeps all.

    Returns
    -------
    tuple
        ``(values, notices)``: genes x samples log values and what the user should know.
    """
    if top_genes < 0:
        raise ParameterError(f"The number of genes must be 0 (all) or more; got {top_genes}.")
    values, notices = log_values(dataset, method=normalization)
    return top_variable_genes(values, top_genes), notices


def soft_threshold(expression: pd.DataFrame, *, network: str = "unsigned"
                   ) -> tuple[pd.DataFrame, int | float, str]:
    """``pickSoftThreshold``'s table, the suggested power and a sentence saying why.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples log values.
    network : {"unsigned", "signed", "signed hybrid"}, keyword-only

    Returns
    -------
    tuple
        ``(table, power, why)``: the fit of each power, the suggested power (the lowest
        with R^2 above :data:`R_SQUARED_CUT`, else the WGCNA FAQ's) and why.
    """
    table, _ = pick_soft_threshold(expression, network=network)
    power, why = suggest_power(table, network=network, n_samples=expression.shape[1],
                               r_squared_cut=R_SQUARED_CUT)
    return table, power, why


def fit_of_chosen_power(table: pd.DataFrame, power: float, suggested) -> list[str]:
    """A notice when the chosen power has no scale-free fit (or was not in the table)."""
    row = table[table["Power"] == power]
    if row.empty:
        return []
    r_squared = float(row["SFT.R.sq"].iloc[0])
    if r_squared > R_SQUARED_CUT and float(row["slope"].iloc[0]) < 0:
        return []
    return [f"Power {power:g} has a scale-free fit R^2 of {r_squared:.2f} (below "
            f"{R_SQUARED_CUT}): the network is not scale-free there. Consider power "
            f"{suggested} (see the soft-threshold table)."]


def trait_table(sheet: pd.DataFrame, columns: str | list | None) -> pd.DataFrame:
    """Samples x numeric traits: numeric columns as they are, text columns one 0/1
    indicator per value (``column=value``).

    Parameters
    ----------
    sheet : pandas.DataFrame
        Samples x columns (the sample sheet of the samples analysed).
    columns : str, list or None
        Comma-separated text or a list of columns; None: every column that varies and is
        not a sample id.

    Returns
    -------
    pandas.DataFrame
        Samples x traits, float.
    """
    if columns:
        names = split_list(columns) if isinstance(columns, str) else list(columns)
        unknown = [c for c in names if c not in sheet.columns]
        if unknown:
            raise ParameterError(f"Traits: the sample sheet has no column "
                                 f"{', '.join(unknown)}; its columns are "
                                 f"{', '.join(map(str, sheet.columns))}.")
    else:
        names = [c for c in sheet.columns if 1 < sheet[c].nunique() and not
                 (sheet[c].nunique() == len(sheet) and not _numeric(sheet[c]))]
    traits = {}
    for name in names:
        column = sheet[name]
        if _numeric(column):
            traits[name] = column.astype(float)
            continue
        for value in sorted(column.dropna().astype(str).unique()):
            traits[f"{name}={value}"] = (column.astype(str) == value).astype(float)
    return pd.DataFrame(traits, index=sheet.index)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


@dataclass(frozen=True)
class ModuleTables:
    """``result`` the modules (labels, eigengenes, trees); ``module_trait`` (``module,
    trait, correlation, pvalue``); ``kme`` genes x ``kME<module>``; ``hubs`` (``module,
    gene, kME``, the top genes of each module)."""

    result: ModulesResult
    module_trait: pd.DataFrame
    kme: pd.DataFrame
    hubs: pd.DataFrame


def module_tables(expression: pd.DataFrame, traits: pd.DataFrame, *, power: float,
                  network: str = "unsigned", min_module_size: int = 30, deep_split: int = 2,
                  merge_cut_height: float = 0.25, n_hubs: int = 10,
                  random_state: int = 0) -> ModuleTables:
    """``blockwiseModules`` (TOM of the same type as the network), eigengene-trait
    correlations (Student p), kME and the ``n_hubs`` hub genes of each module.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples log values.
    traits : pandas.DataFrame
        Samples x traits (:func:`trait_table`); may have no column.
    power : float, keyword-only
        Soft-threshold power.
    network, min_module_size, deep_split, merge_cut_height : keyword-only
        As WGCNA's blockwiseModules (``networkType``, ``minModuleSize``, ``deepSplit``,
        ``mergeCutHeight``).
    n_hubs : int, keyword-only
        Hub genes listed per module.
    random_state : int, keyword-only
        Seed of the pre-clustering into blocks.

    Returns
    -------
    ModuleTables
    """
    result = find_modules(expression, power=power, network=network, tom_type=network,
                          min_module_size=min_module_size, deep_split=deep_split,
                          merge_cut_height=merge_cut_height, random_state=random_state)
    correlations = module_trait_correlation(result.eigengenes, traits) if traits.shape[1] \
        else pd.DataFrame(columns=["module", "trait", "correlation", "pvalue"])
    kme = module_membership(expression, result.eigengenes)
    return ModuleTables(result, correlations, kme, hub_genes(kme, result.modules, top=n_hubs))
