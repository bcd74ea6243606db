"""Agreement of two labelings as a Sankey diagram (clusters against a sample-sheet column
or another clustering). No Dash in here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .common import ANNOTATION_PALETTES
from .common import cluster_colors


def sankey_figure(labels_a, labels_b, *, name_a: str, name_b: str) -> go.Figure:
    """Alluvial (Sankey) view of how the items of each group of ``labels_a`` spread over
    the groups of ``labels_b`` (items with a missing label are left out)."""
    table = pd.DataFrame({"a": pd.Series(labels_a, dtype=object),
                          "b": pd.Series(labels_b, dtype=object)}).dropna()
    left = sorted(table["a"].unique(), key=str)
    right = sorted(table["b"].unique(), key=str)
    flows = table.groupby(["a", "b"]).size()
    node_index = {("a", v): i for i, v in enumerate(left)}
    node_index |= {("b", v): len(left) + i for i, v in enumerate(right)}

    def colour(side, value):
        """Cluster labels in cluster colours; sample-sheet groups in annotation colours."""
        if isinstance(value, (int, np.integer)):
            return cluster_colors([int(value)])[int(value)]
        groups = left if side == "a" else right
        palette = ANNOTATION_PALETTES[0]
        return palette[groups.index(value) % len(palette)]

    fig = go.Figure(go.Sankey(
        node=dict(label=[f"{name_a}: {v}" for v in left] + [f"{name_b}: {v}" for v in right],
                  color=[colour("a", v) for v in left] + [colour("b", v) for v in right],
                  pad=12, thickness=16),
        link=dict(source=[node_index[("a", a)] for a, _ in flows.index],
                  target=[node_index[("b", b)] for _, b in flows.index],
                  value=flows.to_numpy(dtype=np.float64),
                  hovertemplate="%{value} items<extra></extra>"),
        meta="agreement-sankey"))
    fig.update_layout(height=320, margin=dict(l=20, r=20, t=30, b=20),
                      title=f"{name_a} (left) vs {name_b} (right)")
    return fig
