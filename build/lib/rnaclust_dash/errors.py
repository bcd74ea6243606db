"""Errors that carry a message for a person.

The UI shows ``str(error)`` in an alert next to the control that caused it; the CLI
prints it and exits with status 2. Messages say what is wrong, where (file, row,
column, control) and what to do.
"""


class RnaclustError(Exception):
    """Base class of the errors whose message is meant for the user."""


class DataError(RnaclustError):
    """The uploaded data cannot be used as it is (parse failure, bad values, ...)."""


class ParameterError(RnaclustError):
    """A parameter value does not fit the data or the other parameters."""
