"""Small builders shared by the tests of rnaclust_dash.io (tests/core/test_io_*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "data" / "io"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"


def table(rows: list[list[object]], sep: str = ",") -> bytes:
    """Bytes of a delimited table, one list per line."""
    return ("\n".join(sep.join(str(cell) for cell in row) for row in rows) + "\n").encode()


def counts_rows(n_genes: int = 4, n_samples: int = 3) -> list[list[object]]:
    """A small genes x samples table with distinct non-zero integer counts."""
    header = ["gene_id"] + [f"S{j + 1}" for j in range(n_samples)]
    return [header] + [
        [f"G{i + 1}"] + [10 * (i + 1) + j for j in range(n_samples)] for i in range(n_genes)
    ]


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path
