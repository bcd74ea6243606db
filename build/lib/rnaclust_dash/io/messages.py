"""Wording shared by the readers' messages and notices: plurals, lists, sizes."""

from __future__ import annotations

# Decimal megabytes, as browsers and file managers mostly show them.
_MB = 1_000_000

_ACCEPTED = (
    "Accepted formats: CSV, TSV or TXT (tab, comma, semicolon or space separated, "
    "optionally gzip-compressed .gz) and Excel .xlsx (first sheet)."
)


def _quote_list(items: list[str], limit: int = 5) -> str:
    """'"a", "b", "c"' or '"a", "b" and 3 more' (at most ``limit`` shown)."""
    shown = ", ".join(f'"{item}"' for item in items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _megabytes(n_bytes: int) -> str:
    """'1', '1.04', '0.01': enough decimals that a file just over the limit shows it."""
    return f"{n_bytes / _MB:.2f}".rstrip("0").rstrip(".")


def _n(count: int, word: str) -> str:
    """'1 gene', '2 genes', '1,234 genes'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _has(count: int) -> str:
    return "has" if count == 1 else "have"


def _and_join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

