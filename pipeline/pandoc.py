"""Find the pandoc Folio runs: the one the pypandoc-binary wheel ships, else one on PATH."""

from __future__ import annotations

import importlib.util
import os
import shutil
from functools import cache
from pathlib import Path

from pipeline.errors import BuildError


@cache
def pandoc_path() -> str:
    """Return the path of the pandoc executable Folio runs.

    pypandoc's own search tries a bare "pandoc" first, so a folder of that name in the working
    directory makes it log a traceback on every call; and it prefers whichever pandoc is newest,
    so the same project could parse differently on two machines. The bundled one is the
    pandoc Folio is tested with.
    """
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "files" / "pandoc"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    found = shutil.which("pandoc")
    if found is None:
        raise BuildError("pandoc is not installed: install Folio with its dependencies "
                         "(pip install folio brings pypandoc-binary, which includes pandoc)")
    return found
