"""Folio's benchmark: ``python -m bench`` times real builds against a bare floor."""
