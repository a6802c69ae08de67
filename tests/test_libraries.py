"""Finding C libraries from the linker's cache: the same answers, without running a compiler."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from pipeline.libraries import PROBES, linker_cache_only

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the compiler and linker probes are Linux's")


def test_libraries_in_the_cache_are_found_and_the_probes_come_back(monkeypatch):
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    probes = [getattr(ctypes.util, name) for name in PROBES]
    expected = ctypes.util.find_library("c")
    with linker_cache_only():
        assert [getattr(ctypes.util, name) for name in PROBES] != probes
        assert ctypes.util.find_library("c") == expected
        assert ctypes.util.find_library("no-such-library-anywhere") is None
    assert [getattr(ctypes.util, name) for name in PROBES] == probes


def test_libraries_outside_the_cache_are_still_probed(monkeypatch):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/somewhere/lib")
    probes = [getattr(ctypes.util, name) for name in PROBES]
    with linker_cache_only():
        assert [getattr(ctypes.util, name) for name in PROBES] == probes
