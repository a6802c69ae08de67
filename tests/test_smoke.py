"""The sample project builds HTML from the seed article."""

from __future__ import annotations

from lxml import html as lxml_html

from tests.conftest import SAMPLE_SLUG


def test_sample_builds_html(make_project, folio):
    root = make_project(sample=True)
    result = folio(root, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / f"{SAMPLE_SLUG}.html"))
    assert page.getroot().get("lang") == "en"
    assert page.findtext(".//h1") == "The Healing Power of the Therapeutic Relationship"
