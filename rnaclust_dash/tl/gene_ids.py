"""Gene ids to readable symbols, offline.

Human Ensembl gene, Entrez Gene and RefSeq transcript ids map through a table shipped in
``rnaclust_dash/data/genes/`` (built from Bioconductor org.Hs.eg.db 3.16 by
``make_human_gene_map.R``; its versions are in ``human_gene_ids_source.txt``). Other
species map through a table the user gives (id -> symbol). Version suffixes
(``ENSG00000141510.17``, ``NM_000546.6``, GENCODE's ``_PAR_Y``) are dropped before mapping.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError

_MAP_FILE = Path(__file__).resolve().parents[1] / "data" / "genes" / "human_gene_ids.csv.gz"

#: Id kinds :func:`detect_id_kind` tells apart, and how each is described in messages.
ID_KINDS = {
    "ensembl": "Ensembl gene ids",
    "ensembl_transcript": "Ensembl transcript ids",
    "entrez": "Entrez Gene ids",
    "refseq": "RefSeq transcript ids",
    "flybase": "FlyBase gene ids",
    "symbol": "gene symbols",
}
#: Kinds the bundled human table maps.
HUMAN_KINDS = ("ensembl", "entrez", "refseq")

_PATTERNS = (
    ("ensembl", re.compile(r"^ENS[A-Z]*G\d{6,}$")),
    ("ensembl_transcript", re.compile(r"^ENS[A-Z]*T\d{6,}$")),
    ("refseq", re.compile(r"^[NX][MR]_\d+$")),
    ("entrez", re.compile(r"^\d+$")),
    ("flybase", re.compile(r"^FBgn\d+$")),
)
_VERSION = re.compile(r"^((?:ENS[A-Z]*[GT]\d{6,})|(?:[NX][MR]_\d+))\.\d+(?:_PAR_Y)?$")
_ENSEMBL_SPECIES = {"ENSG": "human", "ENSMUSG": "mouse", "ENSRNOG": "rat",
                    "ENSDARG": "zebrafish", "ENSGALG": "chicken", "ENSSSCG": "pig",
                    "ENSBTAG": "cow", "ENSMMUG": "macaque"}


@dataclass(frozen=True)
class SymbolMapping:
    """Symbols for a list of gene ids and a report of how the mapping went.

    Attributes
    ----------
    symbols : numpy.ndarray of object
        One label per input id, shape (n,): the symbol, or the id itself (version
        dropped) where nothing maps.
    mapped : numpy.ndarray of bool
        Whether each id found a symbol, shape (n,).
    kind : str
        The id kind detected (a key of :data:`ID_KINDS`).
    source : str
        ``"org.Hs.eg.db"``, ``"user table"`` or ``"none"`` (ids already symbols).
    report : str
        One sentence for the user: how many ids mapped, of which kind, from where.
    """

    symbols: np.ndarray
    mapped: np.ndarray
    kind: str
    source: str
    report: str

    @property
    def n_mapped(self) -> int:
        return int(self.mapped.sum())


def strip_version(ids) -> np.ndarray:
    """Drop version suffixes of Ensembl and RefSeq ids (``ENSG0000014151.17`` -> ``ENSG...``).

    Other ids are returned unchanged. Input shape (n,), output a new object array (n,).
    """
    ids = np.asarray([str(i).strip() for i in ids], dtype=object)
    # only ids with a dot can carry a version (most have none: skip the regex)
    return np.array([_VERSION.sub(r"\1", i) if "." in i else i for i in ids], dtype=object)


def detect_id_kind(ids) -> tuple[str, float]:
    """The most common id kind in ``ids`` (version suffixes dropped) and its share.

    Parameters
    ----------
    ids : array-like of str
        Gene ids, shape (n_genes,).

    Returns
    -------
    kind : str
        A key of :data:`ID_KINDS`; ``"symbol"`` when no pattern fits most ids.
    share : float
        Share of the ids of that kind (0..1).
    """
    return _detect_kind(strip_version(ids))


def _detect_kind(ids: np.ndarray) -> tuple[str, float]:
    """:func:`detect_id_kind` of ids whose versions are dropped already."""
    if ids.size == 0:
        raise DataError("There are no gene ids to map.")
    counts = {kind: 0 for kind, _ in _PATTERNS}
    for gene in ids:
        for kind, pattern in _PATTERNS:
            if pattern.match(gene):
                counts[kind] += 1
                break
    kind, count = max(counts.items(), key=lambda item: item[1])
    if count * 2 <= ids.size:
        return "symbol", 1.0 - sum(counts.values()) / ids.size
    return kind, count / ids.size


def map_to_symbols(ids, *, mapping=None, if_none_mapped: str = "raise") -> SymbolMapping:
    """Gene symbols for ``ids``, with a report of what mapped.

    Parameters
    ----------
    ids : array-like of str
        Gene ids, shape (n,), of one kind (Ensembl, Entrez, RefSeq, symbols, ...).
    mapping : pandas.Series or dict or pandas.DataFrame, optional, keyword-only
        A user table id -> symbol (any species); a DataFrame's first two columns. When
        omitted, human ids map through the bundled org.Hs.eg.db table.
    if_none_mapped : {"raise", "keep"}, keyword-only
        When no id maps: raise a DataError that says how many ids and which kind, or
        keep the ids as labels (the report says so).

    Returns
    -------
    SymbolMapping

    Raises
    ------
    DataError
        No id maps (with ``if_none_mapped="raise"``): e.g. mouse Ensembl ids without a
        user table, or ids of a kind the human table does not hold.
    """
    if if_none_mapped not in ("raise", "keep"):
        raise ParameterError("if_none_mapped must be 'raise' or 'keep'.")
    clean = strip_version(ids)
    kind, share = _detect_kind(clean)
    if mapping is not None:
        table, source = _user_series(mapping), "user table"
    elif kind == "symbol":
        note = f"The {clean.size} gene ids look like gene symbols already; they are shown as given."
        return SymbolMapping(clean, np.ones(clean.size, dtype=bool), kind, "none", note)
    elif kind in HUMAN_KINDS:
        # the cached table itself: Series.map only reads it (and keeps its hash index)
        table, source = _human_series(kind), "org.Hs.eg.db 3.16"
    else:
        table, source = pd.Series(dtype=object), "org.Hs.eg.db 3.16"
    found = pd.Series(clean).map(table)
    mapped = found.notna().to_numpy()
    symbols = np.where(mapped, found.to_numpy(dtype=object), clean)
    report = (f"{int(mapped.sum()):,} of {clean.size:,} {ID_KINDS[kind]} "
              f"({share:.0%} of the ids look like that) mapped to symbols with the "
              f"{_table_name(source)}")
    if not mapped.any():
        message = _none_mapped_message(clean, kind, source)
        if if_none_mapped == "raise":
            raise DataError(message)
        report = message
    elif not mapped.all():
        examples = ", ".join(clean[~mapped][:3])
        report += f"; {int((~mapped).sum()):,} kept their id (e.g. {examples})."
    else:
        report += "."
    return SymbolMapping(symbols.astype(object), mapped, kind, source, report)


def read_mapping_table(content, *, filename: str = "mapping table") -> pd.Series:
    """A user's id -> symbol table (CSV or TSV, plain or gzip; first two columns).

    Parameters
    ----------
    content : bytes or str or pathlib.Path
    filename : str, keyword-only
        Name used in messages.

    Returns
    -------
    pandas.Series
        Symbols indexed by id (versions dropped); empty symbols are left out.

    Raises
    ------
    DataError
        Fewer than two columns, no row with a symbol, or an id given two symbols.
    """
    if isinstance(content, Path):
        filename, content = content.name, content.read_bytes()
    if isinstance(content, str):
        content = content.encode()
    try:
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        first_line = content.split(b"\n", 1)[0]
        separator = "\t" if b"\t" in first_line else ";" if b";" in first_line else ","
        frame = pd.read_csv(io.BytesIO(content), sep=separator, dtype=str)
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as error:
        raise DataError(f"{filename} could not be read as a table of id and symbol "
                        f"columns ({error}).") from None
    if frame.shape[1] < 2:
        raise DataError(f"{filename} needs two columns: gene id, then symbol (it has "
                        f"{frame.shape[1]}).")
    return _user_series(frame, filename=filename)


def _user_series(mapping, *, filename: str = "the mapping table") -> pd.Series:
    if isinstance(mapping, dict):
        mapping = pd.Series(mapping, dtype=object)
    if isinstance(mapping, pd.DataFrame):
        mapping = pd.Series(mapping.iloc[:, 1].to_numpy(), index=mapping.iloc[:, 0].to_numpy())
    ids = strip_version(mapping.index)
    symbols = mapping.astype(object).to_numpy()
    keep = np.array([isinstance(s, str) and s.strip() != "" for s in symbols])
    series = pd.Series([s.strip() for s in symbols[keep]], index=ids[keep], dtype=object)
    if series.empty:
        raise DataError(f"{filename} has no row with both a gene id and a symbol.")
    conflicts = series.groupby(level=0).nunique()
    conflicts = conflicts[conflicts > 1]
    if not conflicts.empty:
        raise DataError(f"{filename} gives {conflicts.size} ids more than one symbol (e.g. "
                        f"{', '.join(map(str, conflicts.index[:3]))}): keep one row per id.")
    return series[~series.index.duplicated()]


def _table_name(source: str) -> str:
    """'org.Hs.eg.db 3.16 table', 'user table' (not 'user table table')."""
    return source if source.endswith("table") else f"{source} table"


def _none_mapped_message(ids: np.ndarray, kind: str, source: str) -> str:
    described = ID_KINDS[kind]
    species = ""
    if kind == "ensembl":
        prefix = re.match(r"^(ENS[A-Z]*G)", ids[0]).group(1)
        species = f" of {_ENSEMBL_SPECIES.get(prefix, 'another species')}"
    if source == "user table":
        hint = "Check that the table's first column holds ids of this kind"
    elif kind in HUMAN_KINDS and species in ("", " of human"):
        hint = ("Check that these are human ids, or upload a table of id and symbol for "
                "their species")
    else:
        hint = "Upload a table of id and symbol for this species"
    return (f"None of the {ids.size:,} gene ids (detected: {described}{species}, e.g. "
            f"{', '.join(ids[:3])}) maps to a symbol with the {_table_name(source)}. {hint}; "
            "until then the ids are shown as they are.")


@lru_cache(maxsize=len(HUMAN_KINDS))
def _human_series(kind: str) -> pd.Series:
    # read-only data loaded once per process: callers only read it (never change it)
    table = pd.read_csv(_MAP_FILE, dtype=str, keep_default_na=False)
    table = table[table["kind"] == kind]
    return pd.Series(table["symbol"].to_numpy(), index=table["id"].to_numpy(), dtype=object)
