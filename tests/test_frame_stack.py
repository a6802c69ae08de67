"""Making a target keeps its Python frames in one chunk of memory (see executors.base.roomy)."""

from __future__ import annotations

import resource
from collections.abc import Callable

import pytest

from pipeline.executors.base import roomy

pytestmark = pytest.mark.skipif(not hasattr(resource, "RUSAGE_THREAD"),
                                reason="counting a thread's page faults needs Linux")


def _down(depth: int) -> int:
    return _down(depth - 1) if depth else 0


def _climbs(out: object) -> None:
    """Go down and up a stack of up to 400 frames, as a layout's recursion does, 3,000 times."""
    for _ in range(300):
        for depth in range(0, 400, 40):
            _down(depth)


def _faults(call: Callable[..., object], *args: object) -> int:
    """Return the page faults of this thread while ``call(*args)`` runs."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    call(*args)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


def test_deep_calls_under_roomy_map_no_new_memory():
    # Plain, CPython 3.11 maps a fresh chunk each time the stack crosses a chunk's edge
    # (6,600 faults here); within roomy's chunk, the pages are touched once.
    _faults(roomy, _climbs, None)  # the first call may find pymalloc's pools to fill
    assert _faults(roomy, _climbs, None) < 100
