"""What the callbacks share: reading controls into parameters, and turning errors into
messages the user can act on (never a crash, never losing what is on screen)."""

from __future__ import annotations

import functools
import logging
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from dash import Output, html, no_update

from layouts import ids
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.params import SPEC, AnalysisParams

log = logging.getLogger("rnaclust_dash.ui")

# Control id -> (AnalysisParams field, its label). Order = callback args.
CONTROL_FIELDS = {control: (name, SPEC[name].label)
                  for control, name in ids.PARAM_CONTROLS.items()}

# The controls that decide the matrix (exclusions, normalization, filter, batch
# correction): the QC and batch-effect views redraw on these only.
MATRIX_CONTROLS = [control for control, (name, _) in CONTROL_FIELDS.items()
                   if SPEC[name].stage in ("prepare", "normalize", "batch")]

# Switches (checklists: on when not empty), and text parameters shown as dropdowns (a
# list of ids or columns, or one optional column), kept as comma-separated text.
SWITCHES = {name for name, param in SPEC.items() if param.type is bool}
# The value a switch has when on, where the layout chose another than "on".
SWITCH_ON_VALUES = {ids.LOG_TRANSFORM: "log"}
LISTS = {name for name, param in SPEC.items() if param.type is str and param.choices is None}


class IncompleteControl(Exception):
    """A number box is empty: the user is still typing, so nothing should change yet."""


def params_from_controls(values: dict[str, Any]) -> AnalysisParams:
    """Parameters from control values keyed by control id.

    Switches (checklists) count as on when their list is non-empty. An empty number box
    (or one the browser finds invalid) raises :class:`IncompleteControl`.
    """
    fields = {}
    for control_id, value in values.items():
        field, label = CONTROL_FIELDS[control_id]
        if field in SWITCHES:
            fields[field] = bool(value)
        elif field in LISTS:
            fields[field] = ",".join(value) if isinstance(value, list) else (value or "")
        elif value is None or value == "":
            raise IncompleteControl(label)
        else:
            fields[field] = value
    return AnalysisParams.from_dict(fields)


def controls_from_params(params: AnalysisParams, control_ids) -> dict[str, Any]:
    """Control values (keyed by control id) that :func:`params_from_controls` reads back
    as ``params``: the inverse, for scripts and tests."""
    values = {}
    for control_id in control_ids:
        field, _ = CONTROL_FIELDS[control_id]
        value = getattr(params, field)
        if field in SWITCHES:
            value = [SWITCH_ON_VALUES.get(control_id, "on")] if value else []
        elif field in LISTS:
            value = [part for part in value.split(",") if part]
        values[control_id] = value
    return values


def k_range_text(used, requested: tuple[int, int], *, reason: str) -> tuple[str, bool]:
    """'k 2–6', or 'k 2–6 (narrowed from 2–10: 7 samples)' when fewer k were possible
    than asked for; and whether it was narrowed (choose-k and consensus clustering)."""
    used = sorted(int(k) for k in used)
    shown = f"k {used[0]}\u2013{used[-1]}" if len(used) > 1 else f"k {used[0]}"
    low, high = requested
    if (used[0], used[-1]) == (low, high):
        return shown, False
    return f"{shown} (narrowed from {low}\u2013{high}: {reason})", True


def error_text(error: Exception) -> str:
    """The message of an error for the user (and a log entry for the admin on a bug)."""
    if isinstance(error, RnaclustError):
        return str(error)
    # A bug of ours: say so plainly, log the details for the admin.
    log.error("unexpected error in a callback\n%s", traceback.format_exc())
    return (f"Something went wrong on the server ({type(error).__name__}: {error}). "
            "Please report it with the file you used.")


def error_message(error: Exception, *, kept: bool = True) -> list:
    """Alert content for an error: its message (tables keep their line breaks), and
    whether the previous results stay on screen."""
    lines = [html.B("Could not update: "), html.Span(error_text(error), className="message")]
    if kept:
        lines.append(html.Div("What was shown before is kept.", className="small"))
    return lines


def guarded(n_outputs: int, error_slot: tuple[int, int]) -> Callable:
    """Wrap a callback body so that any error leaves every output unchanged except the
    error alert (children, is_open) at ``error_slot``.

    For the Clustering view, whose figures must keep matching the analysis stores; the
    other views use :class:`ViewOutputs`, which also says so in their figures.
    """
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except IncompleteControl:
                return tuple([no_update] * n_outputs)
            except Exception as error:  # noqa: BLE001 - the app must never crash
                outputs = [no_update] * n_outputs
                outputs[error_slot[0]] = error_message(error)
                outputs[error_slot[1]] = True
                return tuple(outputs)
        return wrapper
    return decorate


def error_figure(error: Exception):
    """An empty figure saying that it was not drawn and why, in short ("Not drawn: ComBat
    cannot run."); the view's alert, above it, has the whole message (and so has the
    figure's ``layout.meta``). Fits a half-width panel."""
    message = error_text(error)
    gist = message.splitlines()[0] if message else "an error"
    head, colon, _ = gist.partition(": ")
    if colon and len(head) <= 80:  # "ComBat cannot run: <why>" -> "ComBat cannot run"
        gist = head
    figure = empty_figure(f"Not drawn: {gist.rstrip('.')}.\n(The message above says why and "
                          "what to do.)", width=56, max_lines=6)
    figure["layout"]["meta"] = message
    return figure


@dataclass(frozen=True)
class ViewOutputs:
    """The outputs of one view's callback (a tab or a card), followed by that view's own
    alert (children, is_open, color): errors and notices show where they arose.

    On an error the alert gives the message, each figure of the view is replaced by an
    empty figure that says what went wrong (never stale plots that no longer match the
    controls, never blank ones), and text outputs are emptied. With ``keep_on_error``
    (the data card: a bad file must not unload the data) nothing else changes and the
    alert says that what was shown is kept.

    Parameters
    ----------
    view : str
        A key of :data:`layouts.ids.VIEW_ALERTS`.
    outputs : sequence of dash.Output
        The view's other outputs, in the order the callback returns them.
    duplicate : bool
        The alert is also written by another callback (``allow_duplicate``).
    keep_on_error : bool
        On an error leave every other output as it is.
    """

    view: str
    outputs: tuple
    duplicate: bool = False
    keep_on_error: bool = False

    @property
    def alert(self) -> str:
        """Component id of the view's alert."""
        return ids.VIEW_ALERTS[self.view]

    @property
    def all(self) -> list:
        """Every output of the callback: the view's, then the alert's three."""
        flag = {"allow_duplicate": True} if self.duplicate else {}
        return [*self.outputs, Output(self.alert, "children", **flag),
                Output(self.alert, "is_open", **flag), Output(self.alert, "color", **flag)]

    def position(self, component_id: str, prop: str) -> int:
        """Index of an output (component id, property) in :attr:`all`."""
        for index, output in enumerate(self.all):
            if (output.component_id, output.component_property) == (component_id, prop):
                return index
        raise KeyError((component_id, prop))

    def shown(self, *values, notice=None, color: str = "info") -> tuple:
        """The outputs of a success: ``values`` (one per output) and the alert, open with
        ``notice`` when there is one (e.g. a narrowed range), else closed."""
        if len(values) != len(self.outputs):
            raise ValueError(f"{len(values)} values for {len(self.outputs)} outputs")
        return (*values, notice or None, bool(notice), color)

    def unchanged(self) -> tuple:
        """Every output left as it is (nothing to do yet)."""
        return tuple([no_update] * len(self.all))

    def failed(self, error: Exception) -> tuple:
        """The outputs of an error: message in the alert and in every figure."""
        if self.keep_on_error:
            return (*[no_update] * len(self.outputs), error_message(error, kept=True), True,
                    "danger")
        values = []
        for output in self.outputs:
            if output.component_property == "figure":
                values.append(error_figure(error))
            elif output.component_property == "children":
                values.append(None)
            else:
                values.append(no_update)
        return (*values, error_message(error, kept=False), True, "danger")

    def guard(self, function: Callable) -> Callable:
        """Wrap a callback body: an empty number box changes nothing, an error goes to
        :meth:`failed` (the app never crashes)."""
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except IncompleteControl:
                return self.unchanged()
            except Exception as error:  # noqa: BLE001 - the app must never crash
                return self.failed(error)
        return wrapper


def stored_analysis(store, analysis_store: dict):
    """The analysis the ``ids.ANALYSIS_STORE`` describes: its dataset key, its parameters
    and its splits (``"splits"``: records of
    :func:`rnaclust_dash.tl.subcluster.steps_to_records`; labels such as ``"3.1"``).
    Every view reads the analysis on screen through this, so all show the same clusters;
    the split labels and their validation are fitted once and read back from the store
    (:func:`rnaclust_dash.pipeline.subcluster.split_analysis_present`)."""
    from rnaclust_dash.pipeline import run_analysis
    from rnaclust_dash.pipeline.subcluster import split_analysis_present
    from rnaclust_dash.tl.subcluster import steps_from_records

    analysis = run_analysis(store, analysis_store["key"],
                            AnalysisParams.from_dict(analysis_store["params"]))
    # splits of a cluster gone are dropped (the scatter may run before the analysis
    # callback has dropped them from the store)
    return split_analysis_present(store, analysis,
                                  steps_from_records(analysis_store.get("splits")))[0]


def split_part(analysis_store: dict) -> dict:
    """``{"splits": [...]}`` when the analysis on screen has splits, else ``{}``: the part of
    a stage key that makes results of the split clusters differ from the unsplit ones
    (keys of analyses without splits stay as they were)."""
    splits = (analysis_store or {}).get("splits")
    return {"splits": list(splits)} if splits else {}


def current_splits(dataset_store: dict | None, split_records: list | None,
                   previous: dict | None, fired: set) -> list:
    """The splits to apply: the Split/Undo buttons' new history when they fired, else the
    splits the analysis on screen kept (so a split dropped by a k change stays dropped),
    none for another dataset."""
    if ids.SPLITS_STORE in fired:
        return list(split_records or [])
    if not previous or not dataset_store or previous.get("key") != dataset_store.get("key"):
        return []
    return list(previous.get("splits") or [])
