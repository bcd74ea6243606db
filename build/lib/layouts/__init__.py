"""Component trees of the dashboard (no callbacks here; ids live in :mod:`layouts.ids`)."""
