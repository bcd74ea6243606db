"""Tools: analyses built on a prepared expression matrix (clustering, time course, modules)."""
