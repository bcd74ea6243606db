"""The result files of a single-cell run (the CLI's ``run`` on cells; README)."""

from __future__ import annotations

import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse

from .tables import write_csv
from ..dataset import _portable
from ..params import params_document
from ..pp import cell_gene_blocks
from .files import _plain, package_versions

#: Packages the single-cell numbers also depend on (beside the bulk ones).
SC_PACKAGES = ("anndata", "igraph", "pynndescent", "harmonypy", "scikit-misc")

#: Files written by :func:`write_single_cell_results`.
SC_RESULT_FILES = ("assignments.csv", "qc.csv", "hvg.csv", "markers.csv", "embedding.csv",
                   "result.h5ad", "metrics.json", "params.json")


def write_single_cell_results(result, dataset, out_dir, *,
                              extra_metrics: dict | None = None) -> None:
    """Write :data:`SC_RESULT_FILES` of a single-cell analysis into ``out_dir``.

    Parameters
    ----------
    result : SingleCellResult
        From :func:`~.single_cell.run_single_cell`.
    dataset : rnaclust_dash.dataset.Dataset
        Its input (cell sheet, gene symbols, raw counts for the h5ad).
    out_dir : str or Path
        Created when missing.
    extra_metrics : dict, optional
        Added to metrics.json (e.g. the agreement with a cell-sheet column).

    Notes
    -----
    ``assignments.csv`` ``id,cluster`` (kept cells); ``qc.csv`` ``id,n_genes,
    total_counts,pct_mito,kept,pct_ribo`` (every input cell); ``hvg.csv`` ``gene,
    highly_variable,means,...,symbol`` (kept genes); ``markers.csv`` ``group,gene,rank,
    score,log2fc,pvalue,padj,pct_in,pct_out,symbol``; ``embedding.csv`` ``id,x,y``;
    ``result.h5ad``: X log-normalized values, ``layers["counts"]``, obs ``cluster`` + QC +
    the cell sheet, obsm ``X_pca`` and ``X_umap`` / ``X_tsne``, var ``gene_symbol`` and
    the HVG table, uns ``rnaclust_dash`` (parameters, versions); ``metrics.json``;
    ``params.json`` (as the dashboard saves it: ``--params`` reproduces the run).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(result.assignments(), out / "assignments.csv")
    qc = result.qc.metrics
    qc_columns = ["n_genes", "total_counts", "pct_mito", "kept"] + (
        ["pct_ribo"] if "pct_ribo" in qc.columns else [])
    write_csv(qc[qc_columns].rename_axis("id").reset_index(), out / "qc.csv")
    symbols = _kept_symbols(result, dataset)
    hvg = result.hvg.assign(symbol=symbols)
    write_csv(hvg.rename_axis("gene").reset_index(), out / "hvg.csv")
    write_csv(result.markers, out / "markers.csv")
    coords = result.embedding.coords
    write_csv(pd.DataFrame({"id": result.cell_ids, "x": coords[:, 0], "y": coords[:, 1]}),
              out / "embedding.csv")
    versions = package_versions(SC_PACKAGES)
    _result_h5ad(result, dataset, symbols, versions).write_h5ad(out / "result.h5ad")
    _append_counts_layer(out / "result.h5ad", result, dataset)
    metrics = result.metrics() | (extra_metrics or {}) | {
        "parameters": result.params.to_dict(), "versions": versions}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=_plain))
    (out / "params.json").write_text(params_document(
        result.params, dataset_name=dataset.name, dataset_key=result.dataset_key))


def _append_counts_layer(path: Path, result, dataset) -> None:
    """``layers["counts"]`` (the kept cells x kept genes raw counts) written into the
    .h5ad a chunk of cells at a time: a copy of a million cells' counts is several GB."""
    import h5py
    from anndata.io import sparse_dataset, write_elem

    adata = dataset.adata
    cells = adata.obs_names.get_indexer(result.cell_ids)
    genes = adata.var_names.get_indexer(result.gene_ids)
    with h5py.File(path, "a") as handle:
        layers = handle.require_group("layers")
        blocks = cell_gene_blocks(sparse.csr_matrix(adata.X), cells=cells, genes=genes)
        write_elem(layers, "counts", next(blocks))
        counts = sparse_dataset(layers["counts"])
        for block in blocks:
            counts.append(block)


def _kept_symbols(result, dataset) -> np.ndarray:
    var = dataset.adata.var
    if "gene_symbol" not in var.columns:
        return result.gene_ids.astype(object)
    symbols = var["gene_symbol"].reindex(result.gene_ids).to_numpy(dtype=object)
    return np.where(pd.isna(symbols), result.gene_ids.astype(object), symbols)


def _cluster_categories(labels: np.ndarray) -> pd.Categorical:
    """The labels as a categorical in natural order (2 before 10; split clusters ``3.1``,
    ``3.2`` after ``3``'s place, ``3.10`` after ``3.9``)."""
    from ..tl.labels import natural_codes

    names, codes = natural_codes(labels)
    return pd.Categorical.from_codes(codes, categories=names)


def _result_h5ad(result, dataset, symbols, versions: dict) -> ad.AnnData:
    """The analysis as an AnnData scanpy reads (kept cells x kept genes)."""
    adata = dataset.adata
    obs = adata.obs.iloc[adata.obs_names.get_indexer(result.cell_ids)].copy()
    qc = result.qc.metrics.loc[result.cell_ids]
    for column in ("n_genes", "total_counts", "pct_mito", "pct_ribo"):
        if column in qc.columns:
            obs[column] = qc[column].to_numpy()
    obs["cluster"] = _cluster_categories(result.labels)
    var = result.hvg.copy()
    var.insert(0, "gene_symbol", symbols)
    obsm = {"X_pca": np.asarray(result.pca.scores, dtype=np.float32)}
    if result.params.embedding != "pca":
        obsm[f"X_{result.params.embedding}"] = result.embedding.coords
    params = {name: value for name, value in result.params.to_dict().items()}
    return ad.AnnData(X=result.log_values, obs=_portable(obs), var=_portable(var), obsm=obsm,
                      uns={"rnaclust_dash": {"parameters": params,
                                             "versions": {k: str(v) for k, v in
                                                          versions.items()},
                                             "marker_groups": result.marker_groups}})
