"""AnalysisParams: the frozen set of choices of one analysis, built from :data:`.spec.SPEC`.

Every field, its default, its type and its bounds come from the spec; the rules that tie
two fields together (Ward needs Euclidean, batch correction needs a batch column) are
written out below as rules.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

from ..tl.hierarchical import EUCLIDEAN_LINKAGES
from ..errors import ParameterError
from .spec import ASSESS_SPEC, COMMAND_SPEC, SPEC, Param

_TRUE_TEXT = ("1", "true", "yes", "on")
_FALSE_TEXT = ("0", "false", "no", "off", "")


def split_list(text: str) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c'] (the comma-separated parameters)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def as_bool(value: Any) -> bool:
    """A switch from JSON, a form or the command line: true/false, yes/no, on/off, 1/0."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text not in _TRUE_TEXT + _FALSE_TEXT:
            raise ValueError(value)
        return text in _TRUE_TEXT
    return bool(value)


def _checked_value(param: Param, value: Any) -> Any:
    """``value`` as the parameter's type, or a ParameterError (no silent rounding)."""
    name, kind = param.name, param.type
    if kind is bool:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise ParameterError(f"Parameter {name} must be true or false; got {value!r}.")
    if kind is str:
        if not isinstance(value, str):
            raise ParameterError(f"Parameter {name} must be text; got {value!r}.")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"Parameter {name}={value!r} is not a valid {kind.__name__}.")
    if not math.isfinite(value):
        raise ParameterError(f"Parameter {name} must be a finite number; got {value}. "
                             f"Give a number {param.interval_text()}.")
    if kind is int:
        if value != int(value):  # 2.5 must not become 2
            raise ParameterError(f"Parameter {name} must be a whole number; got {value}.")
        return int(value)
    return float(value)


def _check_range(param: Param, value: Any) -> None:
    if param.choices is not None:
        if value not in param.choices:
            raise ParameterError(f"'{value}' is not a valid {param.name}; choose one of: "
                                 f"{', '.join(param.choices)}.")
        return
    if param.type is str:
        if param.max is not None and len(value) > param.max:
            raise ParameterError(f"{param.label} is {len(value):,} characters long, more "
                                 f"than the {param.max:,g} allowed: shorten it.")
        return
    if param.type is bool or value in param.also:
        return
    below = param.min is not None and (value <= param.min if param.min_open
                                       else value < param.min)
    if below:
        raise ParameterError(param.low_message.format(value=value) if param.low_message else
                             f"{param.label} must be {param.interval_text()}; got {value}.")
    if param.max is not None and value > param.max:
        raise ParameterError(param.high_message.format(value=value) if param.high_message else
                             f"{param.label} is {value:,}, more than allowed: {param.name} "
                             f"must be {param.interval_text()}.")


def check_value(param: Param, value: Any) -> Any:
    """``value`` (a number, or text as typed on a command line or in a form) checked
    against the type and interval of ``param``: the value, or a ParameterError."""
    value = _checked_value(param, _from_text(param, value))
    _check_range(param, value)
    return value


def check_option(name: str, value: Any) -> Any:
    """An option of choose-k or stability (:data:`.spec.ASSESS_SPEC`) or of a biology
    command (:data:`.spec.COMMAND_SPEC`) checked against its type and interval: the
    value, or a ParameterError."""
    return check_value(ASSESS_SPEC[name] if name in ASSESS_SPEC else COMMAND_SPEC[name], value)


def _cross_field_rules(params: Any) -> None:
    """The rules that tie two parameters together."""
    if params.batch_method != "none" and not params.batch_column:
        raise ParameterError("Batch correction needs the sample-sheet column that holds the "
                             "batch: choose it, or set the batch method to none.")
    if (params.method == "hierarchical" and params.linkage in EUCLIDEAN_LINKAGES
            and params.distance != "euclidean"):
        raise ParameterError(f"{params.linkage.capitalize()} linkage needs Euclidean distance "
                             "(it works with cluster centres or variances). Choose the "
                             "Euclidean distance, or another linkage.")


class _ParamsMethods:
    """Validation and conversions shared by :class:`AnalysisParams`."""

    def __post_init__(self) -> None:
        for name, param in SPEC.items():
            value = _checked_value(param, getattr(self, name))
            _check_range(param, value)
            object.__setattr__(self, name, value)
        _cross_field_rules(self)

    def to_dict(self) -> dict:
        """The parameters as a plain dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "AnalysisParams":
        """Parameters from a dict (as in params.json: numbers may come as text); unknown
        names are an error."""
        unknown = sorted(set(values) - set(SPEC))
        if unknown:
            raise ParameterError(f"Unknown parameter(s) {', '.join(unknown)}; known ones: "
                                 f"{', '.join(SPEC)}.")
        return cls(**{name: _from_text(SPEC[name], value) for name, value in values.items()})

    def replace(self, **changes: Any) -> "AnalysisParams":
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _from_text(param: Param, value: Any) -> Any:
    """JSON and form values: '3' -> 3, 'false' -> False, 3.0 -> 3 (checked afterwards)."""
    kind = param.type
    if kind is str or not isinstance(value, (str, bool)) and kind is not bool:
        return value
    try:
        if kind is bool:
            return as_bool(value)
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value) if kind is float else _whole(value)
    except (TypeError, ValueError):
        raise ParameterError(f"Parameter {param.name}={value!r} is not a valid "
                             f"{kind.__name__}.") from None


def _whole(text: str) -> int | float:
    """'3' -> 3; '2.5' -> 2.5 (refused later as not whole)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def _docstring() -> str:
    lines = ["Every choice that decides an analysis; saved as params.json.", "",
             "Built from :data:`rnaclust_dash.params.spec.SPEC` (one attribute per entry).",
             "", "Attributes", "----------"]
    for param in SPEC.values():
        lines += [f"{param.name} : {param.type.__name__}", f"    {param.help} "
                  f"(stage {param.stage}; default {param.default!r})."]
    return "\n".join(lines)


AnalysisParams = dataclasses.make_dataclass(
    "AnalysisParams", [(p.name, p.type, dataclasses.field(default=p.default))
                       for p in SPEC.values()],
    bases=(_ParamsMethods,), frozen=True,
    namespace={"__doc__": _docstring(), "__module__": __name__})
