"""Find the pandoc Folio runs: the one the pypandoc-binary wheel ships, else one on PATH."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
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


# pandoc's runtime reserves a 64 MB heap up front (-H64m); a Lua writer's run needs far less.
# 16 MB takes a sixth off its memory (145 -> 123 MB) and the page faults with it: less
# CPU, not more. Two pandoc processes at once were most of a build's peak memory.
HEAP = ["+RTS", "-H16m", "-RTS"]


@cache
def pandoc_command() -> list[str]:
    """Return the command that starts pandoc: its path, with a smaller heap when it takes one.

    Only a pandoc built to accept runtime options does (the bundled one is); asked once.
    """
    path = pandoc_path()
    probe = subprocess.run([path, *HEAP, "--version"], capture_output=True, check=False)
    return [path, *HEAP] if probe.returncode == 0 else [path]
