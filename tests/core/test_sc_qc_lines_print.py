"""QC threshold lines: on screen an off threshold says it can be dragged; in a report
(nothing to drag) it only says "none"."""

import numpy as np
import pandas as pd

from rnaclust_dash.pl import cells


def _metrics() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"n_genes": rng.integers(200, 3000, 50),
                         "total_counts": rng.integers(500, 20000, 50),
                         "pct_mito": rng.uniform(0, 12, 50)})


THRESHOLDS = {"min_genes": 300, "max_genes": 0, "min_counts": 0, "max_pct_mito": 100}


def _labels(figure) -> list[str]:
    return [shape.label.text for shape in figure.layout.shapes]


def test_screen_lines_invite_a_drag_and_report_lines_do_not():
    for draw in (cells.qc_violins, cells.qc_scatter):
        screen = _labels(draw(_metrics(), THRESHOLDS))
        printed = _labels(draw(_metrics(), THRESHOLDS, draggable=False))
        assert "max genes: none (drag)" in screen
        assert "max genes: none" in printed
        assert not any("drag" in text for text in printed)
        # a threshold that is set reads the same in both
        assert "min genes 300" in screen and "min genes 300" in printed
