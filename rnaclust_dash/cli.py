"""Command line: ``python -m rnaclust_dash COMMAND COUNTS --out DIR [options]``.

- ``run``: cluster a table; assignments, metrics, normalized matrix, embedding.
- ``choose-k``: validation indices and the gap statistic over a range of k, the k each
  index suggests and the cluster tree across k.
- ``stability``: bootstrap (or subsample) Jaccard stability of the clusters, and
  optionally consensus clustering.

All three run the same pipeline as the dashboard and share its options (a params.json
saved from the UI reproduces its assignments exactly). Bad input prints the same message
as the UI and exits with 2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .assess import assess_stability, choose_k
from .dataset import Dataset
from .errors import ParameterError, RnaclustError
from .export import (output_folder, write_choose_k, write_consensus, write_corrected,
                     write_params, write_results, write_stability)
from .io.single_cell import resolve_mode
from .params import (ASSESS_SPEC, COMMAND_SPEC, SPEC, AnalysisParams, Param, check_value,
                     default_params, params_from_document)
from .pipeline import compute_embedding, corrected_matrix, put_dataset, run_analysis
from .tl.stability import SCHEMES
from .store import ResultStore
from .tl.methods import get_method, method_fn

def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m rnaclust_dash``."""
    # the console command of `pip install .` says its own name in the help
    prog = "rnaclust-dash" if Path(sys.argv[0]).name == "rnaclust-dash" else \
        "python -m rnaclust_dash"
    parser = argparse.ArgumentParser(prog=prog,
                                     description="Cluster an RNA-seq count table.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = _add_command(commands, "run", run_command,
                       "cluster a table and write the results into a folder")
    run.add_argument("--compare-column", metavar="COL",
                     help="sample-sheet column to compare the clusters with (ARI, NMI)")
    run.add_argument("--write-corrected", action="store_true",
                     help="also write corrected.csv (the batch-corrected matrix)")
    run.add_argument("--resolutions", metavar="R[,R]",
                     help="single cells: also cluster at these resolutions (resolution "
                          "panel and cluster tree files)")
    run.add_argument("--stability-resamples", type=int, default=0, metavar="B",
                     help="single cells: stability of the clusters over B subsamples of 80%% "
                          "of the cells (default 0: not computed)")
    from .commands.trajectory import add_subcluster_options  # issue 12: splits in place
    add_subcluster_options(run)

    choose = _add_command(commands, "choose-k", choose_k_command,
                          "validation indices and the gap statistic over a range of k, "
                          "the k each suggests and the cluster tree")
    choose.add_argument("--k-min", type=spec_type("k_min"), default=2,
                        help="smallest k tried (default 2)")
    choose.add_argument("--k-max", type=spec_type("k_max"), default=10,
                        help="largest k tried (default 10)")
    choose.add_argument("--gap-refs", type=spec_type("gap_refs"), default=20, metavar="B",
                        help="reference sets of the gap statistic (default 20; 0 skips it)")

    stability = _add_command(commands, "stability", stability_command,
                             "bootstrap Jaccard stability of the k clusters, and optionally "
                             "consensus clustering")
    stability.add_argument("--resamples", type=spec_type("n_resamples"), required=True,
                           metavar="B",
                           help="number of resamples")
    stability.add_argument("--scheme", choices=list(SCHEMES), default="bootstrap",
                           help="bootstrap (duplicates dropped, as fpc::clusterboot) or "
                                "subsample (80%% of the items without replacement)")
    stability.add_argument("--consensus", action="store_true",
                           help="also run consensus clustering (ConsensusClusterPlus)")
    stability.add_argument("--consensus-k-max", type=spec_type("consensus_k_max"), default=6,
                           metavar="N",
                           help="consensus clustering for k = 2..N (default 6; up to --k "
                                "when that is larger)")
    from .commands import add_parsers  # markers, enrich, timecourse, modules (issues 10, 11)
    add_parsers(commands)
    return parser


def spec_type(name: str | Param):
    """The argparse ``type`` of a parameter of the spec (:data:`SPEC`, :data:`ASSESS_SPEC`
    or :data:`COMMAND_SPEC`): the value checked against its type and bounds while the
    command line is read, before any file is, so that ``--resamples 1e9`` or
    ``--pseudocount inf`` stop at once with the spec's message (exit 2, by :func:`main`)."""
    param = name if isinstance(name, Param) else (
        SPEC.get(name) or ASSESS_SPEC.get(name) or COMMAND_SPEC[name])

    def parse(text: str):
        # A ParameterError is not argparse's to handle: main() prints it as any other.
        try:
            return check_value(param, text)
        except ParameterError as error:
            message = str(error)
            raise ParameterError(message if param.flag in message
                                 else f"{param.flag} {text[:40]}: {message}") from None

    parse.__name__ = param.type.__name__  # argparse names the type in its messages
    return parse


def _add_command(commands, name: str, handler, description: str) -> argparse.ArgumentParser:
    """A sub-command with the input and analysis options every command shares."""
    command = commands.add_parser(name, help=description, description=description)
    command.set_defaults(handler=handler)
    command.add_argument("counts", help="count table: CSV/TSV/TXT (.gz) or .xlsx, genes as "
                                        "rows; or single cells: a 10x folder, a .zip or .tar.gz "
                                        "of one, a 10x .h5 or an .h5ad")
    command.add_argument("--out", required=True, help="folder for the result files")
    command.add_argument("--metadata", help="sample sheet, first column = sample id (for "
                                            "single cells: cell sheet, first column = barcode)")
    command.add_argument("--gene-lengths", help="table of gene id, length in bp")
    command.add_argument("--params", help="params.json (as saved by the dashboard); options "
                                          "given here override it")
    add_param_options(command)
    command.add_argument("--cache-dir", help="where stage results are cached (default: a "
                                             "temporary folder, removed afterwards)")
    return command


def add_param_options(command: argparse.ArgumentParser) -> None:
    """One option per parameter of the spec (:data:`rnaclust_dash.params.SPEC`); unset
    options stay None so that ``--params`` or the dataset's defaults apply."""
    for name, param in SPEC.items():
        if param.type is bool:
            command.add_argument(param.flag, dest=name, action=argparse.BooleanOptionalAction,
                                 default=None, help=param.help)
            continue
        extra = ({"choices": list(param.choices), "type": param.type}
                 if param.choices is not None else {"type": spec_type(param)})
        help_text = param.help
        if param.choices is None and param.type is not str:
            help_text += f" ({param.interval_text()}; default {param.default:,})"
        command.add_argument(param.flag, dest=name, help=help_text,
                             metavar=param.metavar or _metavar(param), **extra)


def _metavar(param) -> str | None:
    if param.choices is not None:
        return None
    return {int: "N", float: "X"}.get(param.type, param.name.upper())


def _option_synopsis(param) -> str:
    if param.type is bool:
        return f"[{param.flag}|--no-{param.flag[2:]}]"
    value = "|".join(param.choices) if param.choices is not None else (
        param.metavar or _metavar(param))
    return f"[{param.flag} {value}]"


def run_synopsis(width: int = 88) -> str:
    """The usage of ``run`` as README shows it: every option, one per parameter of the
    spec (README is tested to contain this text)."""
    words = (["python -m rnaclust_dash run COUNTS --out DIR [--metadata F] [--gene-lengths F]",
              "[--params params.json]", "[--cache-dir DIR]", "[--compare-column COL]",
              "[--write-corrected]",
              "[--subcluster C [--subcluster-k K|--subcluster-resolution R]",
              "[--subcluster-members ID,ID]]...",
              "[--resolutions R[,R]]", "[--stability-resamples B]"]
             + [_option_synopsis(p) for p in SPEC.values()])
    lines, line = [], words[0]
    for word in words[1:]:
        if len(line) + len(word) + 3 > width:
            lines.append(line + " \\")
            line = "  " + word
        else:
            line += " " + word
    return "\n".join(lines + [line])


# --- what every command shares ------------------------------------------------------------

def analysis_params(args: argparse.Namespace, dataset: Dataset) -> AnalysisParams:
    """The parameters: ``--params``, or else the dashboard's defaults for this dataset
    (:func:`~rnaclust_dash.params.default_params`: no log or count filter for log-scale
    input, no count filter for normalized values), overridden by every option given."""
    if args.params:
        params = params_from_document(Path(args.params).read_text())
    else:
        params = default_params(dataset)
    return params.replace(**_explicit_options(args))


def _explicit_options(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in SPEC if getattr(args, name) is not None}


def _read(path: str | None) -> tuple[bytes | None, str | None]:
    if path is None:
        return None, None
    return Path(path).read_bytes(), Path(path).name


def read_input(args: argparse.Namespace) -> Dataset:
    """The Dataset of COUNTS with ``--metadata`` and ``--gene-lengths``: a bulk table, or
    single cells (a 10x folder, .zip / .tar.gz, .h5 or .h5ad; ``--metadata`` is then the
    cell sheet)."""
    from .io import attach_cell_sheet, build_dataset, is_single_cell_input, read_single_cell

    if is_single_cell_input(path=args.counts):
        if args.gene_lengths:
            raise ParameterError("--gene-lengths is for bulk count tables (TPM, RPKM); "
                                 "single-cell counts are normalized without gene lengths.")
        dataset = read_single_cell(path=args.counts)
        if args.metadata:
            dataset = attach_cell_sheet(dataset, *_read(args.metadata))
        return dataset
    counts, counts_name = _read(args.counts)
    metadata, metadata_name = _read(args.metadata)
    lengths, lengths_name = _read(args.gene_lengths)
    return build_dataset(counts, counts_name, metadata_content=metadata,
                         metadata_filename=metadata_name, lengths_content=lengths,
                         lengths_filename=lengths_name)


@contextmanager
def stored_dataset(args: argparse.Namespace) -> Iterator[tuple[Dataset, ResultStore, str]]:
    """Read COUNTS (with ``--metadata`` and ``--gene-lengths``) into a result store.

    Yields
    ------
    tuple
        ``(dataset, store, key)``. The store lives in ``--cache-dir``, or in a temporary
        folder removed on leaving the block.
    """
    dataset = read_input(args)
    with tempfile.TemporaryDirectory() as scratch:
        store = ResultStore(args.cache_dir or scratch)
        try:
            yield dataset, store, put_dataset(store, dataset)
        finally:
            store.cache.close()


def _output_folder(args: argparse.Namespace) -> Path:
    return output_folder(args.out)


def _print_notices(notices) -> None:
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


def _check_has_k(args: argparse.Namespace) -> None:
    """Fail before reading the table when the method has no k (Leiden, Louvain)."""
    if args.method is not None:
        name = args.method
    elif args.params:
        name = params_from_document(Path(args.params).read_text()).method
    else:
        name = AnalysisParams().method
    method_fn(get_method(name))  # raises for a method without k


# --- run ----------------------------------------------------------------------------------

def compare_with_column(analysis, dataset, column: str) -> dict:
    """ARI and NMI of the clusters against a sample-sheet column (samples only)."""
    from .tl.agreement import agreement

    if analysis.params.target != "samples":
        raise ParameterError("--compare-column compares sample clusters with a sample-sheet "
                             "column: use it with --target samples.")
    if dataset.metadata is None or column not in dataset.metadata.columns:
        raise ParameterError(f"--compare-column {column}: the sample sheet has no such column "
                             "(give it with --metadata).")
    truth = dataset.metadata[column].reindex(analysis.features.item_ids).to_numpy()
    result = agreement(analysis.labels, truth)
    return {"ari": result["ari"], "nmi": result["nmi"], "compare_column": column}


def run_command(args: argparse.Namespace) -> None:
    """Run the ``run`` command (raises RnaclustError / OSError on bad input)."""
    from .commands.trajectory import params_with_splits, split_steps
    from .pipeline.subcluster import split_analysis

    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        if resolve_mode(params.mode, dataset) == "single-cell":
            from .commands.single_cell_run import run_single_cell_command

            run_single_cell_command(args, dataset, store, key)
            return
        steps = split_steps(args, params)
        analysis = split_analysis(store, run_analysis(store, key, params), steps)
        embedding = compute_embedding(store, key, params)
        agreement = None
        if args.compare_column:
            agreement = compare_with_column(analysis, dataset, args.compare_column)
        write_results(analysis, embedding, args.out, dataset_name=dataset.name,
                      extra_metrics=agreement)
        if steps:  # params.json records the splits; --params replays them
            path = Path(args.out) / "params.json"
            path.write_text(params_with_splits(path.read_text(), steps))
        if args.write_corrected:
            write_corrected(corrected_matrix(store, key, params), args.out)
    _print_notices(dataset.notices + analysis.notices + embedding.notices)
    metrics = analysis.metrics()
    n_clusters = len(set(analysis.labels.tolist()))
    print(f"{metrics['n_items']} {params.target} in {n_clusters} clusters; mean silhouette "
          f"{metrics['silhouette']:.3f}; results in {args.out}")


# --- choose-k -----------------------------------------------------------------------------

def choose_k_command(args: argparse.Namespace) -> None:
    """Run the ``choose-k`` command (raises RnaclustError / OSError on bad input).

    Writes k_selection.csv, suggested_k.json, cluster_tree.csv and params.json; prints the
    k each index suggests.
    """
    _check_has_k(args)
    if args.k_min > args.k_max:
        raise ParameterError(f"--k-min ({args.k_min}) is larger than --k-max ({args.k_max}): "
                             "no k to try.")
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        analysis = run_analysis(store, key, params)  # for its notices; choose_k reads it back
        choice = choose_k(store, key, params, k_values=range(args.k_min, args.k_max + 1),
                          gap_refs=args.gap_refs)
    write_choose_k(choice, args.out)
    write_params(args.out, params, dataset_name=dataset.name, dataset_key=key)
    n_items = len(analysis.features.item_ids)
    notices = [*dataset.notices, *analysis.notices]
    if args.k_max >= n_items:
        notices.append(f"k above {n_items - 1} skipped: {n_items} {params.target} make at "
                       f"most {n_items - 1} clusters.")
    _print_notices(notices)
    for index, k in choice.suggested.items():
        print(_suggestion_line(choice.table, index, k))
    tried = choice.table["k"]
    print(f"k = {tried.min()}..{tried.max()} for {n_items} {params.target}; results in "
          f"{args.out}")


def _suggestion_line(table: pd.DataFrame, index: str, k: int | None) -> str:
    """``silhouette: k = 3 (silhouette 0.512)``: an index, its k and its value there."""
    if k is None:
        return f"{index}: no suggestion (no value at any k)"
    column = "wss" if index == "elbow" else index
    value = table.loc[table["k"] == k, column]
    return f"{index}: k = {k}" + (f" ({column} {value.iloc[0]:.4g})" if len(value) else "")


# --- stability ----------------------------------------------------------------------------

def stability_command(args: argparse.Namespace) -> None:
    """Run the ``stability`` command (raises RnaclustError / OSError on bad input).

    Writes cluster_stability.csv (``cluster, jaccard_mean``), item_stability.csv (``id,
    cluster, stability``; clusters numbered as ``run``'s assignments.csv), params.json and, with
    ``--consensus``, the consensus files (see :func:`rnaclust_dash.export.write_consensus`).
    """
    _check_has_k(args)
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        analysis, result, consensus = assess_stability(
            store, key, params, n_resamples=args.resamples, scheme=args.scheme,
            consensus_k_max=args.consensus_k_max if args.consensus else None)
    ids = analysis.features.item_ids
    write_stability(analysis, result, args.out)
    if consensus is not None:
        write_consensus(consensus, ids, params.k, args.out)
    write_params(args.out, params, dataset_name=dataset.name, dataset_key=key)
    _print_notices(dataset.notices + analysis.notices)
    for cluster, value in result.cluster_jaccard.items():
        size = int((result.labels == cluster).sum())
        print(f"cluster {cluster} ({size} {params.target}): mean Jaccard {value:.3f}")
    print(f"{result.n_resamples_done} {args.scheme} resamples of {len(ids)} {params.target} "
          f"in k = {params.k} clusters; results in {args.out}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input)."""
    try:
        # The spec's options are checked while they are read (ParameterError).
        args = build_parser().parse_args(argv)
        args.handler(args)
    except RnaclustError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read or write a file: {error}", file=sys.stderr)
        return 2
    return 0
