"""The HTML deck in a real browser: Debian's Chromium driven by Playwright, opened from disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_SLUG, require_tool

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Screenshots land here so a person can look at them after the run.
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "test-screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Yield a headless system Chromium (no browser download)."""
    executable = require_tool("chromium", "to test the HTML deck in a browser")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=executable, headless=True,
                                          args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def deck_url(make_project: Callable[..., Path], folio: Callable[..., object]) -> str:
    """Build the sample's deck and return its file:// address."""
    root = make_project(sample=True)
    result = folio(root, "build", "--format", "slides")
    assert result.exit_code == 0, result.output
    return (root / "build" / "slides" / f"{SAMPLE_SLUG}.html").as_uri()


def current(page: object) -> str:
    """Return the id of the slide the deck shows."""
    return page.evaluate("document.querySelector('.slide.current').id")  # type: ignore[attr-defined]


def test_keys_fragment_and_visible_slide(browser: object, deck_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(deck_url)
    assert current(page) == "slide-1"
    assert page.is_visible("#slide-1 h1") and not page.is_visible("#slide-2 h2")

    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.hash") == "#slide-2"
    assert current(page) == "slide-2"
    page.wait_for_function("getComputedStyle(document.getElementById('slide-1')).visibility"
                           " === 'hidden'")
    assert page.is_visible("#slide-2 h2") and not page.is_visible("#slide-1 h1")
    assert page.get_attribute("#slide-1", "aria-hidden") == "true"
    assert page.text_content(".deck-count") == "2 / 5"
    assert "Slide 2 of 5" in page.text_content(".deck-status")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let the fade end before the picture
    page.screenshot(path=str(SCREENSHOTS / "deck-slide-2.png"))

    page.keyboard.press("ArrowLeft")
    assert page.evaluate("location.hash") == "#slide-1"
    for key, expected in (("End", "slide-5"), ("Home", "slide-1"), ("PageDown", "slide-2"),
                          (" ", "slide-3"), ("PageUp", "slide-2"), ("ArrowDown", "slide-3")):
        page.keyboard.press(key)
        assert current(page) == expected, key

    page.keyboard.press("Escape")  # overview: every slide visible, pick one by clicking
    assert page.evaluate("document.documentElement.classList.contains('overview')")
    assert page.is_visible("#slide-5 h2")
    page.screenshot(path=str(SCREENSHOTS / "deck-overview.png"))
    page.click("#slide-4")
    assert current(page) == "slide-4"
    assert not page.evaluate("document.documentElement.classList.contains('overview')")
    # Everything came from the one file on disk.
    assert requests and all(url.startswith(("file:", "data:")) for url in requests)
    page.close()


def test_fragment_opens_its_slide(browser: object, deck_url: str) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 600})  # type: ignore[attr-defined]
    page.goto(deck_url + "#slide-3")
    assert current(page) == "slide-3"
    page.close()


def test_speaker_view_follows(browser: object, deck_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(deck_url)
    with context.expect_page() as opened:
        page.keyboard.press("s")
    speaker = opened.value
    speaker.wait_for_load_state()
    assert "speaker" in speaker.url
    assert speaker.evaluate("document.documentElement.classList.contains('speaker')")
    page.keyboard.press("ArrowRight")
    speaker.wait_for_function("document.querySelector('.slide.current').id === 'slide-2'")
    # The speaker sees the next slide and the article's own words for this one.
    assert speaker.evaluate("document.querySelector('.slide.upcoming').id") == "slide-3"
    notes = speaker.text_content(".speaker-notes")
    assert "How can a relationship heal?" in notes and len(notes.split()) > 100
    speaker.wait_for_timeout(1100)
    assert speaker.text_content(".speaker-timer") != ""
    speaker.screenshot(path=str(SCREENSHOTS / "deck-speaker.png"))
    # And the other way round: the speaker window steers the audience's.
    speaker.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.slide.current').id === 'slide-3'")
    context.close()


def test_reduced_motion_and_print(browser: object, deck_url: str) -> None:
    context = browser.new_context(reduced_motion="reduce")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(deck_url)
    assert page.evaluate("getComputedStyle(document.querySelector('.slide')).transitionDuration"
                         ) == "0s"
    page.emulate_media(media="print")
    # Printed, every slide is on the page (one per sheet through the print styles).
    assert all(page.is_visible(f"#slide-{n}") for n in range(1, 6))
    assert page.evaluate("getComputedStyle(document.getElementById('slide-2')).breakAfter"
                         ) == "page"
    context.close()
