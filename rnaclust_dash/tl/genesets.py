"""Gene sets: GMT files (plain or gzip) and the bundled GO collections for human.

A GMT line is ``name<TAB>description<TAB>gene<TAB>gene...``. The bundled sets are the
Gene Ontology BP / MF / CC terms for human gene symbols (see ``rnaclust_dash/data/README.md``
for their version and licence).
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import DataError, ParameterError

_DATA = Path(__file__).resolve().parents[1] / "data" / "genesets"

#: Bundled collections: key -> (file, label).
BUNDLED_GENE_SETS = {
    "go-bp": ("GO_BP_human_symbols.gmt.gz", "GO biological process (human, symbols)"),
    "go-mf": ("GO_MF_human_symbols.gmt.gz", "GO molecular function (human, symbols)"),
    "go-cc": ("GO_CC_human_symbols.gmt.gz", "GO cellular component (human, symbols)"),
}


@dataclass(frozen=True)
class GeneSets:
    """A collection of named gene sets.

    Attributes
    ----------
    names : tuple of str
        Term ids (the GMT's first field), unique, in file order.
    descriptions : tuple of str
        The GMT's second field (a term name or a URL), one per set.
    members : tuple of tuple of str
        The genes of each set, unique, in file order.
    source : str
        Where the sets came from (file name or bundled collection), for messages.
    """

    names: tuple
    descriptions: tuple
    members: tuple
    source: str

    def __len__(self) -> int:
        return len(self.names)


def bundled_gene_sets(key: str) -> GeneSets:
    """One of the bundled collections: ``"go-bp"``, ``"go-mf"`` or ``"go-cc"``.

    Parameters
    ----------
    key : str
        A key of :data:`BUNDLED_GENE_SETS`.

    Returns
    -------
    GeneSets
        The collection as :func:`read_gmt` reads it (human gene symbols).
    """
    if key not in BUNDLED_GENE_SETS:
        raise ParameterError(f"Unknown gene set collection {key!r}: choose one of "
                             f"{', '.join(BUNDLED_GENE_SETS)} or upload a GMT file.")
    file_name, _ = BUNDLED_GENE_SETS[key]
    return read_gmt((_DATA / file_name).read_bytes(), filename=file_name)


def read_gmt(content, *, filename: str = "gene sets") -> GeneSets:
    """Parse a GMT file.

    Parameters
    ----------
    content : bytes or str or pathlib.Path
        The file's bytes (gzip is detected from its first bytes), its text, or a path.
    filename : str, keyword-only
        Name used in messages.

    Returns
    -------
    GeneSets

    Raises
    ------
    DataError
        Not gzip or text, a line without a name, a set without genes, a name used twice,
        or no set at all. The message names the line.
    """
    if isinstance(content, Path):
        filename, content = content.name, content.read_bytes()
    text = content if isinstance(content, str) else _decode(content, filename)
    names, descriptions, members = [], [], []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        name = fields[0].strip()
        if not name:
            raise DataError(f"{filename}, line {number}: the gene set has no name (first "
                            "field). A GMT line is name<TAB>description<TAB>genes...")
        if name in first_line:
            raise DataError(f"{filename}: the gene set {name!r} appears twice (lines "
                            f"{first_line[name]} and {number}). Give each set its own name "
                            "or merge them.")
        genes = tuple(dict.fromkeys(g.strip() for g in fields[2:] if g.strip()))
        if not genes:
            raise DataError(f"{filename}, line {number}: the gene set {name!r} has no genes. "
                            "A GMT line is name<TAB>description<TAB>gene<TAB>gene...; is the "
                            "file tab-separated?")
        first_line[name] = number
        names.append(name)
        descriptions.append(fields[1].strip() if len(fields) > 1 else "")
        members.append(genes)
    if not names:
        raise DataError(f"{filename} has no gene sets: it is empty or not a GMT file.")
    return GeneSets(tuple(names), tuple(descriptions), tuple(members), filename)


def membership_matrix(gene_sets: GeneSets, genes: pd.Index) -> sparse.csr_matrix:
    """Sets x genes 0/1 matrix (CSR, column indices sorted) of the set genes in ``genes``.

    Set genes missing from ``genes`` are left out; ``genes`` must be unique.
    """
    sizes = np.fromiter((len(members) for members in gene_sets.members), dtype=np.int64,
                        count=len(gene_sets))
    rows = np.repeat(np.arange(len(gene_sets)), sizes)
    flat = np.fromiter((gene for members in gene_sets.members for gene in members),
                       dtype=object, count=int(sizes.sum()))
    columns = genes.get_indexer(flat)
    found = columns >= 0
    matrix = sparse.csr_matrix((np.ones(int(found.sum())), (rows[found], columns[found])),
                               shape=(len(gene_sets), genes.size))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0  # a gene listed twice in a set counts once
    return matrix


def _decode(content: bytes, filename: str) -> str:
    if content[:2] == b"\x1f\x8b":
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            raise DataError(f"{filename} looks gzip-compressed but cannot be unpacked "
                            f"({error}). Upload the file again or unpack it first.") from None
    try:
        return io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig").read()
    except UnicodeDecodeError:
        raise DataError(f"{filename} is not a text GMT file (it is not UTF-8). Save it as "
                        "plain text, one gene set per line.") from None
