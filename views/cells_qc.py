"""The Cells tab's QC card (:mod:`views.cells`): the removed-cell counts, violins and
scatter follow the threshold boxes at once, and the threshold lines can be dragged.

A line dragged on the violins or the scatter (plotly's editable shapes: ``relayoutData``
like ``{"shapes[2].y0": 812.4, ...}``) writes its value into its number box; the box
then redraws the lines and the counts as if typed. A new dataset draws the figures;
after that a threshold sends only the lines (a Patch of ``layout.shapes``). Which threshold a shape is follows
from its position in ``layout.shapes`` (:data:`~rnaclust_dash.pl.cells.VIOLIN_LINES`,
:data:`~rnaclust_dash.pl.cells.SCATTER_LINES`).
"""

from __future__ import annotations

import math
import re

from dash import Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import ViewOutputs
from layouts import ids
from rnaclust_dash.params import SPEC
from rnaclust_dash.pl import cells as figures
from rnaclust_dash.pp.sc_qc import mito_notices
from rnaclust_dash.store import ResultStore

from . import cells as view
from . import cells_results as results

QC_VIEW = ViewOutputs("cells", (Output(view.QC_TEXT, "children"),
                                Output(view.QC_VIOLINS, "figure"),
                                Output(view.QC_SCATTER, "figure")), duplicate=True)

#: The thresholds a line can set, in the order of the boxes the drag callback writes.
DRAGGABLE = tuple(figures.VIOLIN_LINES)

_SHAPE_KEY = re.compile(r"^shapes\[(\d+)\]\.([xy])([01])$")


def qc_panel(store: ResultStore, dataset_store, values: dict, *,
             lines_only: bool = False) -> tuple:
    """QC text, violins and scatter for the thresholds typed (outputs of :data:`QC_VIEW`).

    ``values``: QC parameter name -> box value (None while typing: the default). With
    ``lines_only`` the figures are Patches of their threshold lines alone: at 100,000
    cells a drag then sends a few hundred bytes instead of 2 MB of points."""
    if not results.is_single_cell(dataset_store):
        return QC_VIEW.unchanged()
    params = results.cell_params(values)
    metrics = results.qc_metrics(store, dataset_store["key"])
    thresholds = {name: getattr(params, name) for name in DRAGGABLE}
    text = " ".join([results.qc_preview_text(results.qc_preview(metrics, params)),
                     *mito_notices(metrics)])
    if lines_only:
        violins, scatter = Patch(), Patch()
        violins["layout"]["shapes"] = figures.qc_violin_lines(metrics, thresholds)
        scatter["layout"]["shapes"] = figures.qc_scatter_lines(metrics, thresholds)
        return QC_VIEW.shown(text, violins, scatter)
    return QC_VIEW.shown(text, figures.qc_violins(metrics, thresholds),
                         figures.qc_scatter(metrics, thresholds))


def qc_outputs(store: ResultStore, dataset_store, values: dict, drawn) -> tuple:
    """The QC callback's outputs (:data:`QC_VIEW`'s, then the drawn-dataset store).

    The figures are drawn whole when ``drawn`` (the dataset whose figures are shown) is
    not the dataset loaded, else only their lines move; after an error (the figures then
    say what went wrong) the next call draws them whole again."""
    key = (dataset_store or {}).get("key")
    full = drawn is None or drawn != key
    outputs = QC_VIEW.guard(qc_panel)(store, dataset_store, values, lines_only=not full)
    if outputs[-1] == "danger":
        return (*outputs, None)
    if all(value is no_update for value in outputs):
        return (*outputs, no_update)
    return (*outputs, key if full else no_update)


def as_threshold(name: str, value: float):
    """A dragged position as the threshold's value: within the parameter's bounds (a
    line dragged below 0 is 0: no limit), whole for counts, one decimal for %."""
    param = SPEC[name]
    low = param.min + (0.1 if param.min_open else 0)
    value = min(max(float(value), low), param.max)
    return int(round(value)) if param.type is int else round(value, 1)


def dragged_thresholds(relayout: dict | None, lines: dict) -> dict:
    """The thresholds a drag moved: threshold name -> new value.

    Parameters
    ----------
    relayout : dict or None
        A figure's ``relayoutData`` (a zoom or anything else gives ``{}``).
    lines : dict
        The figure's lines in shape order: threshold name -> the axis its position is on
        ("y" for a horizontal line, "x" for a vertical one).
    """
    names = list(lines)
    moved: dict = {}
    for key, value in sorted((relayout or {}).items()):
        match = _SHAPE_KEY.match(key)
        if not match or int(match[1]) >= len(names) or value is None:
            continue
        name = names[int(match[1])]
        # a line dragged whole moves both ends; an end dragged alone tilts it: take the
        # first end given on the line's own axis
        if match[2] == lines[name] and name not in moved and math.isfinite(float(value)):
            moved[name] = as_threshold(name, value)
    return moved


def box_values(figure_id: str, violins: dict | None, scatter: dict | None) -> list:
    """The QC boxes' new values (:data:`DRAGGABLE` order) after a drag on ``figure_id``
    (no_update for the boxes whose line did not move)."""
    if figure_id == view.QC_VIOLINS:
        moved = dragged_thresholds(violins, dict.fromkeys(figures.VIOLIN_LINES, "y"))
    else:
        moved = dragged_thresholds(scatter, figures.SCATTER_LINES)
    if not moved:
        raise PreventUpdate
    return [moved.get(name, no_update) for name in DRAGGABLE]


def register(app, store: ResultStore) -> None:
    """Register the QC preview and the dragging of its lines."""
    boxes = [view.CONTROL_IDS[name] for name in results.QC_PARAMS]

    @app.callback(*QC_VIEW.all, Output(view.QC_DRAWN, "data"),
                  Input(ids.DATASET_STORE, "data"), *[Input(box, "value") for box in boxes],
                  State(view.QC_DRAWN, "data"), prevent_initial_call=True)
    def show_qc(dataset_store, *values_and_drawn):
        *values, drawn = values_and_drawn
        return qc_outputs(store, dataset_store, dict(zip(results.QC_PARAMS, values)), drawn)

    @app.callback(*[Output(view.CONTROL_IDS[name], "value") for name in DRAGGABLE],
                  Input(view.QC_VIOLINS, "relayoutData"),
                  Input(view.QC_SCATTER, "relayoutData"), prevent_initial_call=True)
    def drag_threshold(violins, scatter):
        return box_values(ctx.triggered_id, violins, scatter)
