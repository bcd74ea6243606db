"""Which parameters each pipeline stage's cache key holds, derived from the spec.

A stage's key is the hash of its parent's key and :func:`stage_params`: every parameter
the spec assigns to the stage (None where it cannot matter under the other choices) plus
the few it reads from other stages (below, as rules). A field added to the spec is in its
stage's key without further code, so no result is reused after it changes.
"""

from __future__ import annotations

from typing import Any

from .spec import SPEC, STAGES


def _reads(params: Any, stage: str) -> tuple[str, ...]:
    """Parameters of other stages that a stage also reads (where the order of the stages
    and the order of the work differ)."""
    batch = ("batch_method", "batch_column", "protect")
    if stage == "prepare" and params.batch_method == "combat-seq":
        return batch  # ComBat-seq corrects the counts, before normalization
    if stage == "features" and params.batch_method == "harmony":
        return batch + ("seed",)  # Harmony corrects the items (principal components)
    if stage == "embedding":
        return ("seed", "distance") if params.embedding == "umap" else ("seed",)
    return ()


def stage_fields(stage: str) -> tuple[str, ...]:
    """The parameters the spec assigns to ``stage``."""
    if stage not in STAGES:
        raise ValueError(f"Unknown stage {stage!r}; stages: {', '.join(STAGES)}.")
    return tuple(name for name, param in SPEC.items() if param.stage == stage)


def stage_params(params: Any, stage: str) -> dict:
    """The values that decide ``stage`` (an AnalysisParams in), for its cache key.

    Returns
    -------
    dict
        Field -> value for every field of the stage (None where the spec says it does not
        apply, e.g. ``n_init`` for Leiden) and the fields of other stages it reads.
    """
    values = {}
    for name in stage_fields(stage):
        applies = SPEC[name].applies
        values[name] = getattr(params, name) if applies is None or applies(params) else None
    return values | {name: getattr(params, name) for name in _reads(params, stage)}
