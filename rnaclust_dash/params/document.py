"""params.json: write and read the parameters of an analysis, and a dataset's defaults."""

from __future__ import annotations

import json

from .. import __version__
from ..errors import ParameterError
from .analysis import AnalysisParams


def default_params(dataset) -> AnalysisParams:
    """Sensible starting parameters for a dataset (what the UI shows first).

    Parameters
    ----------
    dataset : rnaclust_dash.dataset.Dataset
        Its value kind and sample sheet (a ``group`` column sets k) decide.
    """
    n_groups = 2
    if dataset.metadata is not None and "group" in dataset.metadata:
        n_groups = max(2, int(dataset.metadata["group"].nunique()))
    n_groups = min(n_groups, max(2, dataset.n_samples - 1))
    if dataset.value_kind == "counts":
        return AnalysisParams(k=n_groups)
    return AnalysisParams(normalization="none", log_transform=dataset.value_kind == "normalized",
                          min_count=0, min_samples=0, k=n_groups)


def single_cell_defaults() -> AnalysisParams:
    """The starting parameters of single cells: as scanpy's usual calls (Leiden on the
    neighbour graph of the first 30 PCs, UMAP with scanpy's min_dist 0.5) and the
    single-cell parameters' own defaults (QC min_genes 200, min_cells 3; 2,000 seurat
    HVGs; Wilcoxon markers)."""
    from ..tl.embed import SCANPY_UMAP_MIN_DIST

    return AnalysisParams(mode="single-cell", method="leiden", embedding="umap", pcs=30,
                          umap_min_dist=SCANPY_UMAP_MIN_DIST)


def params_document(params: AnalysisParams, *, dataset_name: str = "", dataset_key: str = "") -> str:
    """The params.json text: parameters plus provenance (dataset, version)."""
    return json.dumps({"parameters": params.to_dict(),
                       "dataset": {"name": dataset_name, "key": dataset_key},
                       "rnaclust_dash_version": __version__}, indent=2)


def params_from_document(text: str) -> AnalysisParams:
    """Read params.json (a document from :func:`params_document`, or a bare dict)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParameterError(f"The parameters file is not valid JSON ({error}).") from None
    except RecursionError:  # thousands of nested brackets
        raise ParameterError("The parameters file is nested too deeply to be a params.json: "
                             "save the parameters from the dashboard again.") from None
    if not isinstance(document, dict):
        raise ParameterError("The parameters file must hold a JSON object.")
    parameters = document.get("parameters", document)
    if not isinstance(parameters, dict):
        raise ParameterError("The \"parameters\" of the parameters file must be a JSON object "
                             "of name: value pairs.")
    return AnalysisParams.from_dict(parameters)
