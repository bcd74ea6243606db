"""Command line: ``python -m rnaclust_dash run COUNTS --out DIR [options]``.

The same pipeline as the dashboard; a params.json saved from the UI reproduces its
assignments exactly. Bad input prints the same message as the UI and exits with 2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .batch import BATCH_METHODS
from .cluster import LINKAGES, METHODS
from .methods import COVARIANCES
from .distance import DISTANCES
from .embed import EMBEDDINGS
from .errors import ParameterError, RnaclustError
from .pipeline import (TARGETS, AnalysisParams, compute_embedding, corrected_matrix,
                       params_from_document, put_dataset, run_analysis, write_results)
from .preprocess import NORMALIZATIONS
from .store import ResultStore

# Option name -> AnalysisParams field, for the options that map one to one.
_PARAM_OPTIONS = {"target": "target", "normalization": "normalization",
                  "min_count": "min_count", "min_samples": "min_samples",
                  "top_genes": "top_genes", "distance": "distance", "method": "method",
                  "linkage": "linkage", "k": "k", "seed": "seed", "embedding": "embedding",
                  "batch_column": "batch_column", "batch_method": "batch_method",
                  "protect": "protect", "exclude": "exclude", "resolution": "resolution",
                  "neighbors": "neighbors", "fuzzifier": "fuzzifier",
                  "covariance": "covariance", "pcs": "pcs"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m rnaclust_dash``."""
    parser = argparse.ArgumentParser(prog="python -m rnaclust_dash",
                                     description="Cluster an RNA-seq count table.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="cluster a table and write the results into a folder")
    run.add_argument("counts", help="count table: CSV/TSV/TXT (.gz) or .xlsx, genes as rows")
    run.add_argument("--out", required=True, help="folder for the result files")
    run.add_argument("--metadata", help="sample sheet, first column = sample id")
    run.add_argument("--gene-lengths", help="table of gene id, length in bp")
    run.add_argument("--params", help="params.json (as saved by the dashboard); options "
                                      "given here override it")
    run.add_argument("--target", choices=list(TARGETS))
    run.add_argument("--normalization", choices=list(NORMALIZATIONS))
    run.add_argument("--min-count", type=float)
    run.add_argument("--min-samples", type=int)
    run.add_argument("--top-genes", type=int)
    run.add_argument("--distance", choices=list(DISTANCES))
    run.add_argument("--method", choices=list(METHODS))
    run.add_argument("--linkage", choices=list(LINKAGES))
    run.add_argument("--k", type=int)
    run.add_argument("--seed", type=int)
    run.add_argument("--embedding", choices=list(EMBEDDINGS))
    run.add_argument("--resolution", type=float, help="Leiden/Louvain resolution")
    run.add_argument("--neighbors", type=int, help="neighbours of the kNN graph (Leiden/Louvain)")
    run.add_argument("--fuzzifier", type=float, help="fuzzy c-means exponent m (> 1)")
    run.add_argument("--covariance", choices=list(COVARIANCES),
                     help="Gaussian mixture covariance model")
    run.add_argument("--pcs", type=int, help="principal components used by mixture and graph "
                                             "methods (0: the values themselves)")
    run.add_argument("--compare-column", metavar="COL",
                     help="sample-sheet column to compare the clusters with (ARI, NMI)")
    run.add_argument("--batch-column", help="sample-sheet column holding the batch")
    run.add_argument("--batch-method", choices=list(BATCH_METHODS))
    run.add_argument("--protect", metavar="COL[,COL]",
                     help="sample-sheet columns of biology that batch correction keeps")
    run.add_argument("--exclude", metavar="ID[,ID]", help="samples to leave out")
    run.add_argument("--write-corrected", action="store_true",
                     help="also write corrected.csv (the batch-corrected matrix)")
    run.add_argument("--cache-dir", help="where stage results are cached (default: a "
                                         "temporary folder, removed afterwards)")
    return parser


def _read(path: str | None) -> tuple[bytes | None, str | None]:
    if path is None:
        return None, None
    return Path(path).read_bytes(), Path(path).name


def compare_with_column(analysis, dataset, column: str) -> dict:
    """ARI and NMI of the clusters against a sample-sheet column (samples only)."""
    from .stability import agreement

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
    from .io import build_dataset

    params = AnalysisParams()
    if args.params:
        params = params_from_document(Path(args.params).read_text())
    overrides = {field: getattr(args, option) for option, field in _PARAM_OPTIONS.items()
                 if getattr(args, option) is not None}
    params = params.replace(**overrides)
    counts, counts_name = _read(args.counts)
    metadata, metadata_name = _read(args.metadata)
    lengths, lengths_name = _read(args.gene_lengths)
    dataset = build_dataset(counts, counts_name, metadata_content=metadata,
                            metadata_filename=metadata_name, lengths_content=lengths,
                            lengths_filename=lengths_name)
    with tempfile.TemporaryDirectory() as scratch:
        store = ResultStore(args.cache_dir or scratch)
        key = put_dataset(store, dataset)
        analysis = run_analysis(store, key, params)
        embedding = compute_embedding(store, key, params)
        agreement = None
        if args.compare_column:
            agreement = compare_with_column(analysis, dataset, args.compare_column)
        write_results(analysis, embedding, args.out, dataset_name=dataset.name,
                      extra_metrics=agreement)
        if args.write_corrected:
            corrected_matrix(store, key, params).rename_axis("gene_id").to_csv(
                Path(args.out) / "corrected.csv")
        store.cache.close()
    for notice in dataset.notices + analysis.notices + embedding.notices:
        print(f"note: {notice}", file=sys.stderr)
    metrics = analysis.metrics()
    n_clusters = len(set(analysis.labels.tolist()))
    print(f"{metrics['n_items']} {params.target} in {n_clusters} clusters; mean silhouette "
          f"{metrics['silhouette']:.3f}; results in {args.out}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        run_command(args)
    except RnaclustError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read or write a file: {error}", file=sys.stderr)
        return 2
    return 0
