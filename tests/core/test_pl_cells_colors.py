"""The Cells map's colour encoding: category codes and names (each cell keeps its
category, labels at the medians), gene levels, and typed arrays that decode to the
same values plotly.js reads."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from rnaclust_dash.pl.cells import MISSING, embedding_colors, typed_array, \
    typed_array_values


@pytest.mark.parametrize("values", [np.array([3, 10, 2, 10, 3, 3]),
                                    np.array(["b", "a10", "a2", "a10", "b", "b"]),
                                    ["x", "y", "x", None, "y", "x"]])
def test_each_cell_keeps_its_category(values):
    coords = np.arange(12, dtype=np.float32).reshape(6, 2)
    colors = embedding_colors(values, title="t", categorical=True, coords=coords)
    names = np.array([MISSING if v is None else str(v) for v in values])  # empty: a category
    categories = sorted(set(names))
    codes = colors["marker"]["color"]
    assert codes.dtype == np.uint8
    assert [categories[c] for c in codes] == list(names)
    assert list(colors["customdata"]) == list(names)
    labels = {a["text"]: (a["x"], a["y"]) for a in colors["annotations"]}
    for name in categories:  # each label at the median of its cells
        chosen = names == name
        assert labels[f"<b>{name}</b>"] == (np.median(coords[chosen, 0]),
                                            np.median(coords[chosen, 1]))


@pytest.mark.parametrize("values", [np.array([0, 7, 255], dtype=np.uint8),
                                    np.arange(300, dtype=np.uint16),
                                    np.array([0.5, -1.25, 3e8], dtype=np.float32)])
def test_typed_arrays_decode_to_the_values(values):
    spec = typed_array(values)
    assert spec["dtype"] == {1: "u1", 2: "u2", 4: "f4"}[values.itemsize]
    raw = base64.b64decode(spec["bdata"])  # what plotly.js reads: little-endian bytes
    assert len(raw) == values.nbytes
    np.testing.assert_array_equal(typed_array_values(spec), values)


def test_arrays_plotly_cannot_type_are_refused():
    with pytest.raises(ValueError):
        typed_array(np.array(["a", "b"]))
    with pytest.raises(ValueError):
        typed_array(np.zeros((2, 2), dtype=np.uint8))
