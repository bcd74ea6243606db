"""The steps of a single-cell analysis as a runnable script (``export-script`` on the
params.json of ``run --mode single-cell``; issue 14 item 2).

The steps are those of :func:`rnaclust_dash.pipeline.single_cell.run_single_cell`, written
out with the public functions it calls (read the 10x folder / h5ad, QC, normalize_total +
log1p, highly variable genes, scale + PCA, Harmony, neighbours, Leiden / Louvain or k-means /
GMM on the PCs, UMAP / t-SNE, Wilcoxon or t-test markers), each with one BLAS thread as the
pipeline runs them, so that the script writes the same assignments.csv and markers.csv as
the CLI (tests/core/test_export_script_analyses.py runs it). Orientation: cells x genes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import __version__
from ..params import AnalysisParams
from ..pipeline.single_cell import PCA_COMPONENTS, SCALE_CLIP
from ..tl.methods import get_method
from .script import ScriptInputs, Step

if TYPE_CHECKING:
    from ..tl.subcluster import SplitStep

#: HVG flavours computed on the raw counts (the others on the log values).
_COUNT_FLAVORS = ("seurat_v3", "pearson_residuals")


def _imports(params: AnalysisParams) -> str:
    lines = ["from pathlib import Path", "", "import anndata as ad", "import numpy as np",
             "import pandas as pd", "from scipy import sparse",
             "from threadpoolctl import threadpool_limits", "",
             "from rnaclust_dash.io import attach_cell_sheet, read_single_cell",
             "from rnaclust_dash.pp import (cell_qc_metrics, filter_cells_and_genes, "
             "highly_variable_genes,",
             "                              neighbors, normalize_total_log1p, pca, scale)",
             "from rnaclust_dash.tl.sc_markers import rank_genes_groups",
             "from rnaclust_dash.export.tables import write_csv"]
    if params.batch_method == "harmony":
        lines.append("from rnaclust_dash.pp import harmony_components")
    if params.method in ("leiden", "louvain"):
        lines.append("from rnaclust_dash.tl.graph import cluster_graph")
    else:
        lines += ["from rnaclust_dash.tl.methods import get_method",
                  "from rnaclust_dash.tl.labels import number_by_first_appearance"]
    if params.embedding == "umap":
        lines.append("from rnaclust_dash.tl.embed import umap_from_graph")
    elif params.embedding == "tsne":
        lines.append("from rnaclust_dash.tl.embed import tsne_embedding")
    return "\n".join(lines)


def _read_step(inputs: ScriptInputs) -> Step:
    sheet = ("" if inputs.metadata is None else
             f"CELL_SHEET = Path({inputs.metadata!r})\n"
             "dataset = attach_cell_sheet(dataset, CELL_SHEET.read_bytes(), CELL_SHEET.name)\n")
    code = (f"COUNTS = Path({inputs.counts!r})  # a 10x folder, .h5, .h5ad or .zip/.tar.gz\n"
            f"OUT = Path({inputs.out!r})\n"
            "dataset = read_single_cell(path=COUNTS)\n" + sheet +
            "adata = dataset.adata  # cells x genes, raw counts in X\n"
            "print(f\"{adata.n_obs} cells x {adata.n_vars} genes\")")
    return Step("Read the cells", "The count matrix (cells as rows, genes as columns)"
                + (" and the cell sheet" if inputs.metadata else "")
                + ", as the dashboard reads them. Change the paths to run it on other files.",
                code)


def _qc_step(params: AnalysisParams) -> Step:
    max_genes = params.max_genes or None
    max_mito = None if params.max_pct_mito >= 100 else params.max_pct_mito
    code = ("metrics = cell_qc_metrics(adata)  # genes, counts, % mitochondrial per cell\n"
            "qc = filter_cells_and_genes(\n"
            f"    adata, min_genes={params.min_genes!r}, max_genes={max_genes!r}, "
            f"min_counts={params.min_counts!r},\n"
            f"    max_pct_mito={max_mito!r}, min_cells={params.min_cells!r}, "
            "metrics=metrics)\n"
            "kept_cells = np.flatnonzero(qc.kept_cells)\n"
            "kept_genes = np.flatnonzero(qc.kept_genes)\n"
            "cell_ids = adata.obs_names.to_numpy()[kept_cells]\n"
            "counts = sparse.csr_matrix(adata.X)[kept_cells][:, kept_genes]\n"
            "print(f\"QC kept {len(kept_cells)} cells and {len(kept_genes)} genes\")")
    return Step("Quality control", "Cells with too few (or too many) genes or counts, or too "
                "high a share of mitochondrial reads, are removed; so are genes seen in too "
                "few cells (scanpy's filter_cells / filter_genes).", code)


def _normalize_step(params: AnalysisParams) -> Step:
    code = ("with threadpool_limits(limits=1):\n"
            f"    log_values = normalize_total_log1p(counts, target_sum={params.target_sum!r})")
    return Step("Normalize", "Each cell scaled to the same total, then log1p (scanpy's "
                "normalize_total + log1p).", code)


def _hvg_step(params: AnalysisParams) -> Step:
    layers = ('{"counts": counts}' if params.hvg_flavor in _COUNT_FLAVORS else "{}")
    layer = '"counts"' if params.hvg_flavor in _COUNT_FLAVORS else "None"
    code = ("n_genes = log_values.shape[1]\n"
            f"n_top = n_genes if {params.hvg!r} == 0 else min({params.hvg!r}, n_genes)\n"
            "var = pd.DataFrame(index=adata.var_names[kept_genes])\n"
            "with threadpool_limits(limits=1):\n"
            "    hvg = highly_variable_genes(\n"
            f"        ad.AnnData(X=log_values, var=var, layers={layers}),\n"
            f"        flavor={params.hvg_flavor!r}, n_top_genes=n_top, layer_counts={layer})\n"
            "if n_top == n_genes:  # every gene kept\n"
            "    hvg[\"highly_variable\"] = True\n"
            "selected = np.flatnonzero(hvg[\"highly_variable\"].to_numpy())")
    return Step("Select the highly variable genes",
                f"The {params.hvg or 'all'} most variable genes ({params.hvg_flavor} "
                "flavour, as scanpy's highly_variable_genes).", code)


def _pca_step(params: AnalysisParams) -> Step:
    n_comps = max(PCA_COMPONENTS, params.pcs)
    code = ("with threadpool_limits(limits=1):\n"
            f"    scaled = scale(log_values[:, selected], max_value={SCALE_CLIP!r})\n"
            f"    principal = pca(scaled, n_comps={n_comps!r}, random_state={params.seed!r})\n"
            f"representation = principal.scores[:, :{params.pcs!r}]  # cells x PCs")
    if params.batch_method == "harmony":
        code += ("\nbatch = adata.obs["
                 f"{params.batch_column!r}].to_numpy()[kept_cells]\n"
                 "with threadpool_limits(limits=1):\n"
                 "    representation = harmony_components(representation, batch, "
                 f"random_state={params.seed!r}).astype(np.float32)")
    return Step("Principal components", "The highly variable genes scaled to unit variance "
                f"(clipped at {SCALE_CLIP:g}), then PCA; the first {params.pcs} components "
                "are kept" + (", corrected for the batch by Harmony"
                              if params.batch_method == "harmony" else "") + ".", code)


def _graph_step(params: AnalysisParams) -> Step:
    code = ("with threadpool_limits(limits=1):\n"
            "    graph = neighbors(representation, "
            f"n_neighbors=min({params.neighbors!r}, representation.shape[0]),\n"
            f"                      random_state={params.seed!r})")
    if params.method in ("leiden", "louvain"):
        code += ("\n    labels = cluster_graph(graph.connectivities, "
                 f"method={params.method!r},\n"
                 f"                           resolution={params.resolution!r}, "
                 f"random_state={params.seed!r})")
        how = f"{params.method.capitalize()} at resolution {params.resolution:g}"
    else:
        settings = get_method(params.method).settings(params)
        # GMM reduces to its own PCs: on PCs already, it keeps as many as it is given
        settings_code = ", ".join(
            f"{name}={'representation.shape[1]' if name == 'pcs' else repr(value)}"
            for name, value in settings.items())
        code += (f"\n    method = get_method({params.method!r})\n"
                 f"    partition = method.fit(representation, k={params.k!r}, "
                 f"random_state={params.seed!r}"
                 + (f", {settings_code}" if settings_code else "") + ")\n"
                 "labels = number_by_first_appearance(partition.labels)")
        how = f"{get_method(params.method).label} of the PCs, k = {params.k}"
    code += "\nprint(pd.Series(labels).value_counts().sort_index().to_string())"
    return Step("Neighbour graph and clusters", f"The {params.neighbors} nearest neighbours "
                f"of each cell (as scanpy's neighbors); {how}; seed {params.seed}.", code)


def _embed_step(params: AnalysisParams) -> Step:
    if params.embedding == "umap":
        call = ("umap_from_graph(graph.connectivities, data=representation,\n"
                f"                                min_dist={params.umap_min_dist!r}, "
                f"random_state={params.seed!r})")
    elif params.embedding == "tsne":
        call = f"tsne_embedding(representation, random_state={params.seed!r})"
    else:
        return Step("Embed in two dimensions (PCA)", "The first two principal components.",
                    "coords = principal.scores[:, :2]")
    code = f"with threadpool_limits(limits=1):\n    embedding = {call}\ncoords = embedding.coords"
    return Step(f"Embed in two dimensions ({params.embedding.upper()})",
                "The coordinates of the cell map.", code)


def _markers_step(params: AnalysisParams) -> Step:
    groups = (f"adata.obs[{params.group_by!r}].to_numpy()[kept_cells]" if params.group_by
              else "labels")
    code = ("gene_ids = adata.var_names.to_numpy()[kept_genes]\n"
            "symbols = adata.var_names.to_numpy(dtype=object)[kept_genes]\n"
            "if \"gene_symbol\" in adata.var.columns:  # the symbol, else the id\n"
            "    known = adata.var[\"gene_symbol\"].to_numpy(dtype=object)[kept_genes]\n"
            "    symbols = np.where(pd.isna(known), symbols, known)\n"
            "with threadpool_limits(limits=1):\n"
            f"    markers = rank_genes_groups(log_values, {groups}, "
            f"method={params.markers!r},\n"
            f"                                gene_names=gene_ids, "
            f"tie_correct={params.tie_correct!r})\n"
            "lookup = pd.Series(symbols, index=gene_ids)\n"
            "markers = markers.assign(symbol=lookup.loc[markers[\"gene\"].to_numpy()]"
            ".to_numpy())")
    return Step(f"Marker genes ({params.markers})",
                f"Each {'group of ' + params.group_by if params.group_by else 'cluster'} "
                "against the rest of the cells on the log values (scanpy's "
                "rank_genes_groups).", code)


def _write_step() -> Step:
    code = ("OUT.mkdir(parents=True, exist_ok=True)\n"
            "write_csv(pd.DataFrame({\"id\": cell_ids, \"cluster\": labels}), "
            "OUT / \"assignments.csv\")\n"
            "write_csv(markers, OUT / \"markers.csv\")\n"
            "write_csv(pd.DataFrame({\"id\": cell_ids, \"x\": coords[:, 0], "
            "\"y\": coords[:, 1]}), OUT / \"embedding.csv\")")
    return Step("Write assignments.csv, markers.csv and embedding.csv",
                "The files `run` writes for single cells, with the same bytes.", code)


def single_cell_steps(params: AnalysisParams, inputs: ScriptInputs, *,
                      splits: Sequence[SplitStep] = ()) -> list[Step]:
    """The steps of a single-cell analysis (cells x genes).

    Parameters
    ----------
    params : AnalysisParams
        The analysis, ``mode="single-cell"`` (as in params.json).
    inputs : ScriptInputs
        The cells the script reads (``counts``: a 10x folder, .h5 or .h5ad; ``metadata``:
        the cell sheet) and the folder it writes to.
    splits : sequence of SplitStep, keyword-only
        Clusters split in place on the kNN graph after the clustering (params.json
        ``subclusters``, as ``run --mode single-cell --subcluster``).

    Returns
    -------
    list of Step
        Imports, read, QC, normalize, HVG, PCA (and Harmony), graph and clusters, splits,
        embedding, markers and write.
    """
    from .script_splits import cell_split_imports, cell_split_step

    imports = _imports(params)
    split_step = None
    if splits:
        split_step = cell_split_step(params, splits)
        imports += "\n" + "\n".join(cell_split_imports())
    steps = [Step("Imports", "The public API of rnaclust_dash "
                  f"(made with rnaclust-dash {__version__}).", imports),
             _read_step(inputs), _qc_step(params), _normalize_step(params), _hvg_step(params),
             _pca_step(params), _graph_step(params), split_step, _embed_step(params),
             _markers_step(params), _write_step()]
    return [step for step in steps if step is not None]
