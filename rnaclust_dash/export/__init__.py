"""What rnaclust-dash writes out: one home for the result files of the command line and
the downloads of the dashboard (:mod:`.files`), so both give the same files."""

from .files import package_versions, write_results

__all__ = ["package_versions", "write_results"]
