"""The example datasets bundled with the package (``rnaclust_dash/data/<name>/``).

Each example is chosen to teach one lesson (a clean split, a batch effect, a time course,
single cells). :data:`LESSONS` is the one home of what the app and the README say about
them: a three-line story (what it is, what to try, what you should see), the source and
licence, and the settings applied when the example loads. Every number a story quotes is
checked by ``tests/core/test_io_examples.py`` (the story must be true).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from types import MappingProxyType

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.io.build import build_dataset
from rnaclust_dash.io.cells import attach_cell_sheet
from rnaclust_dash.io.single_cell import read_single_cell


@dataclass(frozen=True)
class Lesson:
    """One bundled example and the lesson it shows.

    Attributes
    ----------
    description : str
        One line: organism, design, citation, licence (the dataset's ``description``).
    lesson : str
        The lesson in a few words ("a batch effect").
    story : tuple of str
        Three lines: what it is, what to try, what you should see.
    source : str
        Citation and where the files come from.
    licence : str
        The licence the files are redistributed under.
    settings : mapping
        Parameter name (:data:`~rnaclust_dash.params.SPEC`) -> value, set in the
        controls when the example loads (on top of the dataset's defaults).
    color_by : str
        The sample-sheet column the map is coloured by when it loads.
    single_cell : bool
        Whether it is single cells (analysed in the Cells tab).
    """

    description: str
    lesson: str
    story: tuple[str, str, str]
    source: str
    licence: str
    settings: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    color_by: str = "cluster"
    single_cell: bool = False


#: Bundled examples: name -> :class:`Lesson` (read-only; the first is the default).
LESSONS = MappingProxyType({
    "pasilla": Lesson(
        description=(
            "pasilla: Drosophila S2 cells, pasilla knock-down (treated) vs untreated, "
            "single-read and paired-end libraries (Brooks et al. 2011, Genome Res; "
            "Bioconductor pasilla package, LGPL)"),
        lesson="a clean split",
        story=(
            "7 samples of fly cells: pasilla knock-down (treated) vs untreated, sequenced "
            "as single-read or paired-end libraries (batch).",
            "Compare tab: Normalization, DESeq2 median-of-ratios (A) vs none (B).",
            "Normalized, the 2 clusters are knock-down vs control (ARI 1.0 with group, "
            "whatever the distance or method); raw counts split by library type instead.",
        ),
        source=("Brooks AN et al. (2011) Genome Research 21:193-202; Bioconductor package "
                "pasilla, as shipped in the PyPI sdist of inmoose 0.9.1"),
        licence="LGPL",
        settings=MappingProxyType({"k": 2}),
        color_by="group",
    ),
    "airway": Lesson(
        description=(
            "airway: human airway smooth muscle cells, 4 cell lines, "
            "dexamethasone-treated vs untreated (Himes et al. 2014, PLoS ONE; "
            "GEO GSE52778; Bioconductor airway package, LGPL)"),
        lesson="a batch effect",
        story=(
            "8 samples: airway smooth muscle cells of 4 donors (cell lines, the batch), "
            "each treated with dexamethasone or not (group).",
            "Loaded with k = 4, coloured by group: the 4 clusters are the 4 donors. Now "
            "choose Batch correction = ComBat (batch column and protected group are set) "
            "and k = 2.",
            "Before correction samples cluster by donor (ARI 1.0 with batch); after "
            "ComBat the 2 clusters are treated vs untreated (ARI 1.0 with group).",
        ),
        source=("Himes BE et al. (2014) PLoS ONE 9:e99625; GEO GSE52778; Bioconductor "
                "package airway, as shipped in the PyPI sdist of inmoose 0.9.1"),
        licence="LGPL",
        settings=MappingProxyType({"k": 4, "batch_column": "batch", "protect": "group"}),
        color_by="group",
    ),
    "fission": Lesson(
        description=(
            "fission: fission yeast time course after 1 M sorbitol, wild type and atf21 "
            "deletion (strain) x 0-180 min (minute) x 3 replicates (Leong et al. 2014, "
            "Nat Commun; GEO GSE56761; Bioconductor fission package, LGPL)"),
        lesson="a time course",
        story=(
            "36 samples of fission yeast after osmotic stress (1 M sorbitol): wild type "
            "and atf21 deletion x 0, 15, 30, 60, 120, 180 min x 3 replicates.",
            "Loaded with k = 2 and the map coloured by minute; then open the Time course "
            "tab (time = minute, groups = strain) for the genes' patterns.",
            "The 2 sample clusters are the stress peak (15 and 30 min) against before and "
            "after, not one strain against the other (ARI about 0 with strain).",
        ),
        source=("Leong HS et al. (2014) Nat Commun 5:3947; GEO GSE56761; Bioconductor "
                "package fission 1.27.0"),
        licence="LGPL",
        settings=MappingProxyType({"k": 2}),
        color_by="minute",
    ),
    "cellbench": Lesson(
        description=(
            "cellbench: 909 single cells of 5 human lung cancer cell lines mixed on three "
            "CEL-seq2 plates, 4,000 most detected genes (Tian et al. 2019, Nat Methods; "
            "GEO GSE118767; CellBench sc_mixology, MIT)"),
        lesson="single cells",
        story=(
            "909 cells from 5 lung cancer cell lines (A549, H1975, H2228, H838, HCC827) on "
            "3 plates; cell_type is each cell's line, called from its genotype.",
            "Cells tab: loaded with Leiden resolution 0.5; colour the map by the cell "
            "sheet column cell_type, then set Resolution 1.0 and press Run.",
            "At 0.5 the 5 clusters are the 5 cell lines (ARI above 0.9; the plates do not "
            "show); at 1.0 some lines split in two (ARI about 0.6).",
        ),
        source=("Tian L et al. (2019) Benchmarking single cell RNA-sequencing analysis "
                "pipelines using mixture control experiments. Nat Methods 16:479-487; GEO "
                "GSE118767; github.com/LuyiTian/sc_mixology (commit 7d00ffb0bd04)"),
        licence="MIT",
        settings=MappingProxyType({"resolution": 0.5}),
        color_by="cell_type",
        single_cell=True,
    ),
})

#: Bundled example datasets: name -> one-line description (read-only mapping).
EXAMPLES = MappingProxyType({name: lesson.description for name, lesson in LESSONS.items()})


def _folder(name: str):
    return resources.files("rnaclust_dash") / "data" / name


def _load_single_cell(name: str) -> Dataset:
    """A bundled 10x ``counts.h5`` with its ``cells.csv`` joined."""
    folder = _folder(name)
    dataset = read_single_cell((folder / "counts.h5").read_bytes(), f"{name}/counts.h5")
    return attach_cell_sheet(dataset, (folder / "cells.csv").read_bytes(), f"{name}/cells.csv")


def load_example(name: str) -> Dataset:
    """Load a bundled example dataset.

    Parameters
    ----------
    name : {"pasilla", "airway", "fission", "cellbench"}
        Which example (the keys of :data:`LESSONS`).

    Returns
    -------
    Dataset
        Bulk examples: counts (genes x samples), sample sheet and (pasilla) gene lengths,
        read and validated like an upload. ``cellbench``: cells x genes sparse counts with
        the cell sheet in ``obs``, read like a 10x ``.h5`` upload. ``description`` from
        :data:`EXAMPLES`.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled example.
    """
    if name not in LESSONS:
        raise ParameterError(f'Unknown example "{name}": choose one of {", ".join(LESSONS)}.')
    if LESSONS[name].single_cell:
        return replace(_load_single_cell(name), name=name, description=EXAMPLES[name])
    folder = _folder(name)
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
