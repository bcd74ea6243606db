"""Tools: methods that turn a prepared matrix into results (markers, enrichment, ...)."""
