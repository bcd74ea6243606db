"""The example datasets bundled with the package (``rnaclust_dash/data/<name>/``)."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from types import MappingProxyType

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.io.build import build_dataset

#: Bundled example datasets: name -> one-line description (read-only mapping).
EXAMPLES = MappingProxyType(
    {
        "pasilla": (
            "pasilla: Drosophila S2 cells, pasilla knock-down (treated) vs untreated, "
            "single-read and paired-end libraries (Brooks et al. 2011, Genome Res; "
            "Bioconductor pasilla package, LGPL)"
        ),
        "airway": (
            "airway: human airway smooth muscle cells, 4 cell lines, "
            "dexamethasone-treated vs untreated (Himes et al. 2014, PLoS ONE; "
            "GEO GSE52778; Bioconductor airway package, LGPL)"
        ),
        "fission": (
            "fission: fission yeast time course after 1 M sorbitol, wild type and atf21 "
            "deletion (strain) x 0-180 min (minute) x 3 replicates (Leong et al. 2014, "
            "Nat Commun; GEO GSE56761; Bioconductor fission package, LGPL)"
        ),
    }
)


def load_example(name: str) -> Dataset:
    """Load a bundled example dataset.

    Parameters
    ----------
    name : {"pasilla", "airway", "fission"}
        Which example (the keys of :data:`EXAMPLES`).

    Returns
    -------
    Dataset
        Counts, sample sheet and (pasilla) gene lengths, read and validated like an
        upload; ``description`` from :data:`EXAMPLES`.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled example.
    """
    if name not in EXAMPLES:
        raise ParameterError(f'Unknown example "{name}": choose one of {", ".join(EXAMPLES)}.')
    folder = resources.files("rnaclust_dash") / "data" / name
    lengths = folder / "lengths.csv.gz"
    dataset = build_dataset(
        (folder / "counts.csv.gz").read_bytes(),
        f"{name}/counts.csv.gz",
        metadata_content=(folder / "samples.csv").read_bytes(),
        metadata_filename=f"{name}/samples.csv",
        lengths_content=lengths.read_bytes() if lengths.is_file() else None,
        lengths_filename=f"{name}/lengths.csv.gz",
        description=EXAMPLES[name],
    )
    return replace(dataset, name=name)
