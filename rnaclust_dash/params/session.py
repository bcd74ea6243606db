"""Sessions: what changed between two sets of parameters, an undo/redo history of
parameter dicts, and the view state (dataset key + parameters) as a shareable URL query.

Everything here works on plain dicts (``AnalysisParams.to_dict()``), so that the browser
can keep them in a ``dcc.Store``; every value read back from a URL or a file is validated
through the spec (:meth:`AnalysisParams.from_dict`).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

from ..errors import ParameterError
from .analysis import AnalysisParams
from .document import params_from_document
from .spec import SPEC

#: Most parameter sets an undo history keeps (the oldest go first).
HISTORY_LIMIT = 50

#: The URL query key that holds the dataset key (no parameter has this name).
DATASET_KEY = "dataset"

#: Longest URL query read back (a shared link, not a data transfer).
MAX_QUERY_LENGTH = 20_000


class Change(NamedTuple):
    """One parameter that differs: its name, label, old and new value."""
    name: str
    label: str
    old: Any
    new: Any

    def text(self) -> str:
        """'Number of clusters (k): 2 -> 3'."""
        return f"{self.label}: {_shown(self.old)} -> {_shown(self.new)}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value == "":
        return "(none)"
    return str(value)


def param_changes(old: dict, new: dict) -> list[Change]:
    """The parameters whose value differs between ``old`` and ``new``, in spec order.

    Parameters
    ----------
    old, new : dict
        Parameter dicts (``AnalysisParams.to_dict()``); a name missing from one side
        counts as its default.
    """
    changes = []
    for name, param in SPEC.items():
        before, after = old.get(name, param.default), new.get(name, param.default)
        if before != after:
            changes.append(Change(name, param.label, before, after))
    return changes


# -- undo / redo -------------------------------------------------------------------------

def new_history(dataset_key: str, params: dict) -> dict:
    """A history holding one parameter set: ``{"key", "entries", "index"}``."""
    return {"key": dataset_key, "entries": [dict(params)], "index": 0}


def record(history: dict | None, dataset_key: str, params: dict, *,
           limit: int = HISTORY_LIMIT) -> dict:
    """The history after an analysis ran with ``params`` on dataset ``dataset_key``.

    The same parameters as the current entry change nothing (an undo that ran); new ones
    drop the entries after the current one (as any editor's redo does) and become the
    current entry. Another dataset starts a new history (its samples differ).
    """
    if not history or history.get("key") != dataset_key:
        return new_history(dataset_key, params)
    entries, index = history["entries"], history["index"]
    if entries[index] == params:
        return history
    kept = [*entries[:index + 1], dict(params)][-limit:]
    return {"key": dataset_key, "entries": kept, "index": len(kept) - 1}


def step(history: dict | None, offset: int) -> tuple[dict | None, dict | None]:
    """Undo (``offset=-1``) or redo (``+1``): the moved history and the parameters to
    restore, or ``(history, None)`` when there is nothing to undo or redo."""
    if not history:
        return history, None
    index = history["index"] + offset
    if not 0 <= index < len(history["entries"]):
        return history, None
    return {**history, "index": index}, history["entries"][index]


def can_step(history: dict | None) -> tuple[bool, bool]:
    """(undo possible, redo possible)."""
    if not history:
        return False, False
    return history["index"] > 0, history["index"] < len(history["entries"]) - 1


def history_lines(history: dict | None) -> list[tuple[bool, str]]:
    """One line per step of the history, newest first: (is the current entry, what that
    step changed, e.g. 'k: 2 -> 3; Distance: euclidean -> pearson')."""
    if not history:
        return []
    entries = history["entries"]
    lines = []
    for position, params in enumerate(entries):
        if position == 0:
            text = "start"
        else:
            changes = param_changes(entries[position - 1], params)
            text = "; ".join(change.text() for change in changes) or "(no change)"
        lines.append((position == history["index"], text))
    return lines[::-1]


# -- shareable URL -----------------------------------------------------------------------

def encode_state(dataset_key: str, params: AnalysisParams) -> str:
    """The view state as a URL query ('?dataset=KEY&k=3&distance=pearson'): the dataset
    key and the parameters that differ from their defaults (short links)."""
    values = params.to_dict()
    changed = {name: _query_value(values[name]) for name, param in SPEC.items()
               if values[name] != param.default}
    return "?" + urlencode({DATASET_KEY: dataset_key, **changed})


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decode_state(query: str) -> tuple[str, AnalysisParams] | None:
    """(dataset key, parameters) from a URL query made by :func:`encode_state`; ``None``
    when the query holds no view state (a plain link).

    Raises
    ------
    ParameterError
        A parameter is unknown or invalid (the spec's message), a name is repeated, or the
        query is too long.
    """
    query = (query or "").lstrip("?")
    if not query:
        return None
    if len(query) > MAX_QUERY_LENGTH:
        raise ParameterError(f"The link's settings are {len(query):,} characters long, more "
                             f"than the {MAX_QUERY_LENGTH:,} a shared link may hold.")
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ParameterError(f"The link sets {', '.join(repeated)} more than once: use a "
                             "link copied from the app.")
    values = dict(pairs)
    dataset_key = values.pop(DATASET_KEY, "")
    if not dataset_key:
        if values:
            raise ParameterError("The link has settings but does not say which dataset they "
                                 "are for: use a link copied from the app.")
        return None
    return dataset_key, AnalysisParams.from_dict(values)


# -- params.json -------------------------------------------------------------------------

class SessionFile(NamedTuple):
    """A params.json read for restoring: its parameters and the dataset it names."""
    params: AnalysisParams
    dataset_key: str
    dataset_name: str


def read_session_file(text: str) -> SessionFile:
    """The parameters and dataset of a params.json (:func:`.document.params_document`).

    Raises
    ------
    ParameterError
        Not JSON, or a parameter is unknown or invalid (the spec's message).
    """
    params = params_from_document(text)
    document = json.loads(text)
    dataset = document.get("dataset") if isinstance(document, dict) else None
    dataset = dataset if isinstance(dataset, dict) else {}
    return SessionFile(params, str(dataset.get("key") or ""), str(dataset.get("name") or ""))
