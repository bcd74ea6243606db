"""What the biology commands share beyond cli.py's helpers: inputs, log values, files."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..errors import DataError, ParameterError
from ..params import COMMAND_SPEC, check_value
# params.json of the commands: written by rnaclust_dash.export (the commands import it here)
from ..export import write_command_params as write_params  # noqa: F401
from ..tl.gene_ids import SymbolMapping, map_to_symbols, read_mapping_table


def new_command(commands, name: str, handler, description: str, *,
                inputs: bool = True) -> argparse.ArgumentParser:
    """A sub-command without run's options; with ``inputs``, COUNTS, ``--out`` and a
    required ``--metadata`` (it also sets the attributes
    :func:`rnaclust_dash.cli.stored_dataset` reads that these commands do not offer)."""
    command = commands.add_parser(name, help=description, description=description)
    command.set_defaults(handler=handler)
    if inputs:
        _add_input_arguments(command)
    return command


def _add_input_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("counts", help="count table: CSV/TSV/TXT (.gz) or .xlsx, genes as rows")
    command.add_argument("--out", required=True, help="folder for the result files")
    command.add_argument("--metadata", required=True,
                         help="sample sheet, first column = sample id")
    command.set_defaults(gene_lengths=None, cache_dir=None)


def require_metadata(dataset) -> pd.DataFrame:
    if dataset.metadata is None:
        raise ParameterError("This command needs a sample sheet: give it with --metadata.")
    return dataset.metadata


def read_gene_list(path: str) -> list[str]:
    """Genes of a text file: one per line (or the first column of a CSV/TSV); a header
    line such as ``gene`` or ``gene_id`` is skipped, blank lines and duplicates too."""
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8-sig").splitlines()]
    genes = [line.replace("\t", ",").split(",")[0].strip().strip('"') for line in lines if line]
    if genes and genes[0].lower() in ("gene", "genes", "gene_id", "id", "symbol"):
        genes = genes[1:]
    genes = list(dict.fromkeys(g for g in genes if g))
    if not genes:
        raise DataError(f"{Path(path).name} holds no gene ids: give one gene per line.")
    return genes


def number_or_auto(text: str, name: str) -> float | None:
    """``auto`` -> None, else the number checked against the bounds of option ``name`` of
    :data:`rnaclust_dash.params.COMMAND_SPEC` (a ParameterError otherwise)."""
    if text.strip().lower() == "auto":
        return None
    param = COMMAND_SPEC[name]
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{param.flag} takes 'auto' or a number; got {text!r}.") from None
    try:
        return check_value(param, value)
    except ParameterError as error:
        raise ParameterError(f"{param.flag}: {error}") from None


def add_gene_map_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--gene-map", metavar="FILE",
                         help="table of gene id, symbol (CSV/TSV) for species other than "
                              "human; human Ensembl, Entrez and RefSeq ids map without it")


def gene_symbols(ids, gene_map: str | None, *, if_none_mapped: str = "keep") -> SymbolMapping:
    """Symbols of ``ids``: through ``--gene-map`` when given, else the bundled human table."""
    mapping = read_mapping_table(Path(gene_map)) if gene_map else None
    return map_to_symbols(ids, mapping=mapping, if_none_mapped=if_none_mapped)
