"""Shared fixtures: tiny Folio projects made in tmp_path, and the command line run in-process."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SOURCE = REPO / "source"
SAMPLE_SLUG = "the-healing-power-of-the-therapeutic-relationship"


def article(title: str = "A Test Article", body: str = "One paragraph.\n", **meta: str) -> str:
    """Return the text of an article with front matter ``title`` and ``meta``, then ``body``."""
    lines = [f"title: {title!r}"] + [f"{key}: {value}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes ``files`` (path -> text or bytes) under a new project."""

    def make(files: dict[str, str | bytes] | None = None, *, sample: bool = False,
             settings: str = "site_title: Test site\nlang: en\n") -> Path:
        root = tmp_path / "project"
        (root / "source").mkdir(parents=True, exist_ok=True)
        (root / "source" / "folio.yaml").write_text(settings, encoding="utf-8")
        if sample:
            for path in SAMPLE_SOURCE.glob("*.md"):
                shutil.copy(path, root / "source" / path.name)
        write_files(root, files or {})
        return root

    return make


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (path -> text or bytes) under ``root``, making folders as needed."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


@pytest.fixture
def folio() -> Callable[..., Result]:
    """Return a function running ``folio -C root args...`` in-process."""

    def run(root: Path, *args: str) -> Result:
        return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)

    return run


def build_warnings(result: Result) -> list[str]:
    """Return the warning lines of a ``folio`` run's output, each a line of its own."""
    return [line for line in result.output.splitlines() if line.startswith("warning:")]


def pdf_figure_alts(reader: pypdf.PdfReader) -> list[str | None]:
    """Return the alternative text of every Figure (or Formula) in a PDF's structure tree."""
    alts: list[str | None] = []

    def walk(node: object) -> None:
        node = node.get_object()
        if node.get("/S") in {"/Figure", "/Formula"}:
            alts.append(node.get("/Alt"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, pypdf.generic.IndirectObject | pypdf.generic.DictionaryObject):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


def require_tool(command: str, why: str) -> str:
    """Return the path of ``command``; skip (or, in CI, fail) the test when it is missing."""
    found = shutil.which(command)
    if found:
        return found
    message = f"{command} is not installed, needed {why}; .ci/run installs it"
    if os.environ.get("FOLIO_REQUIRE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)
