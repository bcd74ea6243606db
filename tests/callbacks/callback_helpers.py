"""Helpers shared by the callback tests (plain functions; fixtures live in conftest.py).

The callbacks are called as plain functions, wrapped with ``callbacks.common.guarded``
exactly as their ``register`` does, so the tests see what the browser would get.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from dash import no_update

from callbacks import common, data
from views.clustering import analysis, embedding
from layouts import ids
from layouts.main import build_layout

REPO = Path(__file__).resolve().parents[2]
PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
PASILLA_SAMPLES = ["treated1", "treated2", "treated3", "untreated1", "untreated2",
                   "untreated3", "untreated4"]

# The guarded bodies, as register() wraps them.
guarded_data = data.VIEW.guard(data.update_data)
guarded_analysis = common.guarded(len(analysis.OUTPUTS), analysis.ERROR_SLOT)(
    analysis.update_analysis)
guarded_embedding = common.guarded(len(embedding.OUTPUTS), embedding.ERROR_SLOT)(
    embedding.update_embedding)


def data_url(content: bytes, mime: str = "text/csv") -> str:
    """What dcc.Upload puts in ``contents`` for a file."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def csv_bytes(header: list[str], rows: list[list[Any]], sep: str = ",") -> bytes:
    """A small delimited table."""
    lines = [sep.join(map(str, header))] + [sep.join(map(str, row)) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def count_table(n_genes: int = 200, samples=("a1", "a2", "a3", "b1", "b2", "b3"),
                seed: int = 0, prefix: str = "gene") -> bytes:
    """A CSV of integer counts with two groups of samples (seeded)."""
    rng = np.random.default_rng(seed)
    n = len(samples)
    base = rng.gamma(2.0, 60.0, size=n_genes)
    effect = np.where(rng.random(n_genes) < 0.3, rng.lognormal(0, 1, n_genes), 1.0)
    groups = np.arange(n) >= n // 2
    mean = base[:, None] * np.where(groups[None, :], effect[:, None], 1.0)
    counts = rng.poisson(mean) + 1  # no all-zero gene or sample
    rows = [[f"{prefix}{i:04d}", *counts[i].tolist()] for i in range(n_genes)]
    return csv_bytes(["gene_id", *samples], rows)


def _raw_text(node: Any) -> str:
    if node is None or node is no_update:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(_raw_text(child) for child in node)
    return _raw_text(getattr(node, "children", None))


def text_of(node: Any) -> str:
    """The visible text of a Dash component tree (or a string / list of them), with the
    pieces joined by single spaces."""
    return " ".join(_raw_text(node).split())


def walk(node: Any):
    """Every component in a layout tree."""
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from walk(children)


def layout_values() -> dict:
    """Initial ``value`` of every component of the page, by id."""
    return {c.id: c.value for c in walk(build_layout())
            if isinstance(getattr(c, "id", None), str) and hasattr(c, "value")}


def find_slot(module, component_id: str, prop: str) -> int | None:
    """Position of an output (component id, property) in a callback module's OUTPUTS."""
    found = [i for i, o in enumerate(module.OUTPUTS)
             if o.component_id == component_id and o.component_property == prop]
    return found[0] if len(found) == 1 else None


def slot(module, component_id: str, prop: str) -> int:
    position = find_slot(module, component_id, prop)
    assert position is not None, (module.__name__, component_id, prop)
    return position


def out(outputs: tuple, module, component_id: str, prop: str):
    """One output of a callback's result, by component id and property."""
    assert len(outputs) == len(module.OUTPUTS)
    return outputs[slot(module, component_id, prop)]


def alert_of(module) -> str:
    """Id of the alert a callback module reports its errors in (its view's alert)."""
    return getattr(module, "ALERT", ids.ERROR)


def error_text(outputs: tuple, module) -> str:
    return text_of(out(outputs, module, alert_of(module), "children"))


def assert_rejected(outputs: tuple, module) -> str:
    """The guarded callback showed an error and changed nothing else; return its text."""
    error_slots = {i for i, o in enumerate(module.OUTPUTS) if o.component_id == alert_of(module)}
    assert out(outputs, module, alert_of(module), "is_open") is True
    message = error_text(outputs, module)
    assert message.startswith("Could not update:")
    assert "What was shown before is kept." in message
    # A message for the user, not a crash report.
    assert "Something went wrong on the server" not in message, message
    changed = [str(module.OUTPUTS[i]) for i, value in enumerate(outputs)
               if i not in error_slots and value is not no_update]
    assert changed == [], f"outputs changed on an error: {changed}"
    return message


def assert_accepted(outputs: tuple, module) -> None:
    """No error: the alert is closed and emptied."""
    assert out(outputs, module, alert_of(module), "is_open") is False, error_text(outputs, module)
    assert out(outputs, module, alert_of(module), "children") is None


def analysis_controls(data_outputs: tuple | None = None, **changes) -> dict:
    """Analysis control values keyed by control id, as the page holds them: the layout's
    initial values, then what the data callback set (unless no_update), then ``changes``
    (keyword names use ``_`` for ``-``)."""
    initial = layout_values()
    controls = {c: initial[c] for c in analysis.ANALYSIS_CONTROLS}
    if data_outputs is not None:
        for control in analysis.ANALYSIS_CONTROLS:
            position = find_slot(data, control, "value")
            if position is not None and data_outputs[position] is not no_update:
                controls[control] = data_outputs[position]
    for name, value in changes.items():
        control = name.replace("_", "-")
        assert control in controls, control
        controls[control] = value
    return controls


def _decode_typed_arrays(node: Any) -> Any:
    """Plotly sends numpy arrays as ``{"dtype", "bdata", "shape"}``; plotly.js turns them
    back into (nested) arrays, which is what event data carry. Do the same."""
    if isinstance(node, dict):
        if set(node) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            if "shape" in node:
                values = values.reshape([int(n) for n in str(node["shape"]).split(",")])
            return values.tolist()
        return {k: _decode_typed_arrays(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decode_typed_arrays(v) for v in node]
    return node


def browser_json(figure) -> dict:
    """A figure (go.Figure or plain dict) as the browser receives it: serialised as Dash
    does, typed arrays decoded."""
    from plotly.io.json import to_json_plotly

    text = figure.to_json() if hasattr(figure, "to_json") else to_json_plotly(figure)
    return _decode_typed_arrays(json.loads(text))


def traces(figure, meta: str) -> list[dict]:
    """Traces of a figure (as JSON) with a given ``meta``."""
    return [t for t in browser_json(figure)["data"] if t.get("meta") == meta]


class FakeApp:
    """Records the functions a module's register() decorates, undecorated by Dash (the
    ``guarded`` wrapper they carry is kept), so registered bodies can be called."""

    def __init__(self):
        self.functions: dict[str, Any] = {}
        self.specs: dict[str, tuple] = {}

    def callback(self, *args, **kwargs):
        def decorate(function):
            self.functions[function.__name__] = function
            self.specs[function.__name__] = (args, kwargs)
            return function
        return decorate

    def clientside_callback(self, function: str, *args, **kwargs):
        """Browser-side callbacks (JavaScript): recorded, not callable here."""
        self.specs.setdefault("clientside", []).append((function, args, kwargs))


def registered(module, store) -> FakeApp:
    app = FakeApp()
    module.register(app, store)
    return app


def fake_ctx(prop_id: str, value: Any) -> SimpleNamespace:
    """What dash.ctx holds while a callback runs for one triggered property."""
    return SimpleNamespace(triggered_id=prop_id.rsplit(".", 1)[0],
                           triggered=[{"prop_id": prop_id, "value": value}])


def run_cells_analysis(store, dataset_store: dict, controls: dict) -> dict:
    """The Cells tab's Run as its callbacks do it: the request (guarded), then the job's
    body in this process; returns the map's reference (``{"key", "params", "map"}``)."""
    from views import cells_callbacks

    request = cells_callbacks.ASK_VIEW.guard(cells_callbacks.request_analysis)(
        store, dataset_store, controls)[0]
    outputs = cells_callbacks.job_outputs(store, lambda value: None, request)
    assert outputs[-1] != "danger", outputs[-3]
    return outputs[0]
