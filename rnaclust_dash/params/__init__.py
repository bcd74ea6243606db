"""The analysis parameters: one declarative spec (:mod:`.spec`), the validated
:class:`AnalysisParams` built from it, params.json documents and stage keys."""

from .analysis import AnalysisParams, as_bool, check_option, check_value, split_list
from .document import (default_params, params_document, params_from_document,
                       single_cell_defaults)
from .spec import (ASSESS_SPEC, COMMAND_SPEC, MAX_SEED, SPEC, STAGES, TARGETS, Param,
                   input_bounds)
from .stages import sc_stage_params, stage_fields, stage_params

__all__ = ["ASSESS_SPEC", "AnalysisParams", "COMMAND_SPEC", "MAX_SEED", "Param", "SPEC", "STAGES",
           "TARGETS", "as_bool", "check_option", "check_value",
           "default_params", "input_bounds", "params_document", "params_from_document",
           "sc_stage_params", "single_cell_defaults", "split_list", "stage_fields", "stage_params"]
