"""What rnaclust-dash writes out: one home for the result files of the command line and
the downloads of the dashboard (:mod:`.files`), so both give the same bytes; tables as CSV
or XLSX (:mod:`.tables`)."""

from .files import (ASSIGNMENTS_FILE, PARAMS_FILE, assignments_csv, output_folder,
                    package_versions, params_json, write_choose_k, write_command_params,
                    write_consensus, write_corrected, write_params, write_results,
                    write_stability)

__all__ = ["ASSIGNMENTS_FILE", "PARAMS_FILE", "assignments_csv", "output_folder",
           "package_versions", "params_json", "write_choose_k", "write_command_params",
           "write_consensus", "write_corrected", "write_params", "write_results",
           "write_stability"]
