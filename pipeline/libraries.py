"""Loading WeasyPrint's C libraries without asking the compiler where they are."""

from __future__ import annotations

import contextlib
import ctypes.util
import os
from collections.abc import Iterator

# CPython's find_library on Linux asks ldconfig's cache first, then runs gcc and ld for any
# name the cache lacks. WeasyPrint tries several spellings of each library (Windows and macOS
# ones too), so a fresh process ran the compiler and the linker about thirty times: a fifth of
# a second before the first page, in every process that imports it.
PROBES = ("_findLib_gcc", "_findLib_ld")


@contextlib.contextmanager
def linker_cache_only() -> Iterator[None]:
    """Within, ``ctypes.util.find_library`` answers from ldconfig's cache alone.

    The compiler and linker probes only find libraries the dynamic linker's cache does not
    list, that is ones reached through ``LD_LIBRARY_PATH``; when it is set, nothing changes.
    """
    saved = {name: getattr(ctypes.util, name) for name in PROBES if hasattr(ctypes.util, name)}
    if os.environ.get("LD_LIBRARY_PATH") or len(saved) != len(PROBES):
        yield
        return
    for name in PROBES:
        setattr(ctypes.util, name, _not_found)
    try:
        yield
    finally:
        for name, probe in saved.items():
            setattr(ctypes.util, name, probe)


def _not_found(name: str) -> None:
    """Stand in for a probe that would find nothing the linker's cache did not."""
    return None
