"""Gene and sample ids: what gene ids look like, and checks for blank or repeated ids.

Messages name ids by where the user sees them: ``("row", file line of each id)`` or
``("column", column number of each id)``.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.messages import _and_join, _has, _n

# Gene ids of the common annotation systems, optionally with a version suffix.
_GENE_ID = re.compile(
    r"^(?:ENS[A-Z]*G\d{6,}|FBgn\d{7}|WBGene\d{8}|AT[1-5CM]G\d{5}|"
    r"Y[A-P][LR]\d{3}[WC](?:-[A-Z])?|[NX][MR]_\d+|ZDB-GENE-[\d-]+|MGI:\d+)(?:\.\d+)?$"
)
_ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*\d+)\.\d+$")

# What spreadsheet programs turn gene names such as SEPT1 or MARCH1 into.
_DATE_LIKE = re.compile(
    r"^(?:\d{1,2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|\d{4}-\d{2}-\d{2}.*)$",
    re.IGNORECASE,
)


def _gene_like_share(ids: list[str] | np.ndarray) -> float:
    """Share of (up to 200 evenly spaced) ids that look like gene ids."""
    if len(ids) == 0:
        return 0.0
    picked = [ids[k] for k in np.linspace(0, len(ids) - 1, min(len(ids), 200)).astype(int)]
    return sum(bool(_GENE_ID.match(str(i))) for i in picked) / len(picked)


def _unversioned(gene_id: str) -> str:
    """``ENSG00000000003.14`` -> ``ENSG00000000003``; other ids unchanged."""
    return _ENSEMBL_VERSION.sub(r"\1", gene_id)


def _check_ids(
    ids: list[str] | np.ndarray,
    places: tuple[str, np.ndarray],
    kind: str,
    filename: str,
    *,
    unique: bool = True,
) -> None:
    """Raise on blank ids and, if ``unique``, on duplicated ids, naming their rows or columns.

    ``places`` is ``("row", file line of each id)`` or ``("column", column number)``.
    """
    ids = np.asarray(ids, dtype=object)
    unit, numbers = places
    blank = np.flatnonzero(ids == "")
    if blank.size:
        where = f"{unit.capitalize()}{'s' if blank.size > 1 else ''} " + _and_join(
            [str(numbers[k]) for k in blank[:3]]
        )
        verb = _has(blank.size)
        if unit == "column":
            raise DataError(
                f'{where} of "{filename}" {verb} no {kind} id in the header row: '
                f"give every {kind} a name."
            )
        raise DataError(
            f'{where} of "{filename}" {verb} no {kind} id in the first column: every row '
            "needs an id (or delete the row)."
        )
    if unique and pd.Index(ids).has_duplicates:
        spots = _duplicate_places(ids, numbers)
        more = f" and {len(spots) - 5} more" if len(spots) > 5 else ""
        verb = "appears" if len(spots) == 1 else "appear"
        raise DataError(
            f'{_n(len(spots), kind + " id")} {verb} more than once in "{filename}": '
            f"{_listed_places(spots, unit)}{more}. {kind.capitalize()} ids must be unique: "
            f"rename or remove the duplicated {kind}s."
        )


def _duplicate_places(ids: list[str] | np.ndarray, numbers: np.ndarray) -> dict[str, list[str]]:
    """Each id that occurs more than once -> its row or column numbers, in file order."""
    ids = np.asarray(ids, dtype=object)
    spots: dict[str, list[str]] = defaultdict(list)
    for k in np.flatnonzero(pd.Index(ids).duplicated(keep=False)):
        spots[ids[k]].append(str(numbers[k]))
    return spots


def _listed_places(spots: dict[str, list[str]], unit: str, limit: int = 5) -> str:
    """'"A" (rows 2, 5), "B" (rows 3, 9)' for the first ``limit`` repeated ids."""
    listed = list(spots.items())[:limit]
    return ", ".join(f'"{name}" ({unit}s {", ".join(at)})' for name, at in listed)
