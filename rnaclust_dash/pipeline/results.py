"""The CLI's result files and the versions the numbers depend on."""

from __future__ import annotations

import io
import json

import pandas as pd

from .. import __version__
from ..tl.embed import Embedding
from ..params import params_document
from .run import Analysis


def write_results(analysis: Analysis, embedding: Embedding, out_dir, *,
                  dataset_name: str = "", extra_metrics: dict | None = None) -> None:
    """Write the CLI's result files into ``out_dir`` (see README, "Command line")."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis.assignments().to_csv(out / "assignments.csv", index=False)
    metrics = analysis.metrics() | (extra_metrics or {}) | {
        "parameters": analysis.params.to_dict(), "versions": package_versions()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if analysis.size_factors is not None:
        factors = pd.concat([analysis.size_factors, analysis.norm_factors], axis=1)
        factors.rename_axis("id").reset_index().to_csv(out / "size_factors.csv", index=False)
    buffer = io.StringIO()
    analysis.features.values.rename_axis("gene_id").to_csv(buffer)
    (out / "normalized.csv").write_text(buffer.getvalue())
    pd.DataFrame({"id": analysis.features.item_ids, "x": embedding.coords[:, 0],
                  "y": embedding.coords[:, 1]}).to_csv(out / "embedding.csv", index=False)
    (out / "params.json").write_text(params_document(analysis.params, dataset_name=dataset_name,
                                                     dataset_key=analysis.dataset_key))


def package_versions(extra: tuple[str, ...] = ()) -> dict:
    """Versions of the packages whose numbers the results depend on (and of ``extra``
    packages, e.g. igraph for single cells)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"rnaclust_dash": __version__}
    for name in ("numpy", "scipy", "pandas", "scikit-learn", "fastcluster", "umap-learn",
                 *extra):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions
