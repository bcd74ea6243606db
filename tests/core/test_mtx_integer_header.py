"""A Matrix Market file whose header says "integer" but whose values have decimals: scipy
reads it by truncating every value (0.37 -> 0, 3.9 -> 3) without a word, so the counts
would silently change. It is refused with the place of the first decimal (bad-input
catalogue, issue 13 item 7; issue 9 item 10)."""

from __future__ import annotations

import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError

from sc_builders import COUNTS, tenx_files, write_folder


@pytest.mark.parametrize("value", [0.37, 3.9, 2.5e-3])
def test_decimals_under_an_integer_header_are_refused(tmp_path, value):
    values = COUNTS.astype(float)
    values[2, 1] = value
    folder = write_folder(tmp_path / "m", tenx_files(values, field="integer"))
    with pytest.raises(DataError, match=r'says its values are integers .*"' + f"{value:g}"):
        rio.read_single_cell(path=folder)

