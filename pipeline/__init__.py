"""Folio: one article in, handouts, ebook, slides and web page out."""

__version__ = "0.1.0"
