"""The live preview: serving build/ safely, reloading pages on change, showing build errors."""

from __future__ import annotations

import http.client
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.errors import ConfigError
from pipeline.project import load_project
from pipeline.serve import CLIENT_PATH, EVENTS_PATH, SCRIPT_TAG, locate, serve
from tests.conftest import article, require_tool

# Every wait is bounded: a first build, a rebuild, an event, a stop.
WAIT = 60.0
SLUG = "a-test-article"
PAGE = f"/html/{SLUG}.html"


@dataclass
class Running:
    """A preview serving a project in a background thread."""

    root: Path
    url: str
    stop: threading.Event
    thread: threading.Thread

    @property
    def source(self) -> Path:
        """Return the test article's source."""
        return self.root / "source" / f"{SLUG}.md"

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        """Return the status and body of a GET of ``path``, sent exactly as given."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
        try:
            conn.request("GET", path, headers={"Host": host or parts.netloc})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


class EventStream:
    """A minimal Server-Sent-Events client on a plain socket, with bounded reads."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT)
        self.sock.sendall(f"GET {EVENTS_PATH} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status = self.file.readline()
        assert b" 200 " in status, status
        headers = []
        while (line := self.file.readline().strip()):
            headers.append(line.lower())
        assert b"content-type: text/event-stream" in headers

    def next(self, timeout: float = WAIT) -> tuple[str, str]:
        """Return the next (event, data) within ``timeout`` seconds, skipping comments."""
        deadline = time.monotonic() + timeout
        event, data = "", []
        while True:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            line = self.file.readline()
            if not line:
                raise EOFError("the server closed the event stream")
            text = line.decode("utf-8").rstrip("\r\n")
            if not text:
                if event or data:
                    return event or "message", "\n".join(data)
                continue
            name, _, value = text.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)

    def close(self) -> None:
        """Hang up, as a closed page would."""
        self.file.close()
        self.sock.close()


@pytest.fixture
def running(make_project: Callable[..., Path]) -> Iterator[Running]:
    """Serve a one-article project (HTML only, for speed) on a free port; stop it afterwards."""
    root = make_project({f"source/{SLUG}.md": article(body="The first paragraph.\n")})
    stop = threading.Event()
    urls: queue.Queue[str] = queue.Queue()
    thread = threading.Thread(target=serve, args=(load_project(root),), kwargs={
        "formats": ["html"], "port": 0, "stop": stop, "ready": urls.put, "jobs": 1})
    thread.start()
    try:
        url = urls.get(timeout=WAIT)
        yield Running(root, url, stop, thread)
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive(), "serve() did not stop when asked"


def wait_for(stream: EventStream, wanted: str) -> str:
    """Return the data of the next ``wanted`` event, failing on any other event."""
    event, data = stream.next()
    assert event == wanted, (event, data)
    return data


def test_pages_get_the_reload_script_but_files_on_disk_do_not(running: Running) -> None:
    status, body = running.get(PAGE)
    assert status == 200
    assert SCRIPT_TAG + b"</body>" in body
    assert b"The first paragraph." in body
    on_disk = (running.root / "build" / PAGE.lstrip("/")).read_bytes()
    assert b"__folio__" not in on_disk
    assert body.replace(SCRIPT_TAG, b"") == on_disk
    status, script = running.get(CLIENT_PATH)
    assert status == 200 and b"new EventSource" in script
    # Only HTML is touched: the stylesheet is served as written.
    status, css = running.get("/html/folio.css")
    assert status == 200 and css == (running.root / "build/html/folio.css").read_bytes()


def test_folders_redirect_and_list_their_outputs(running: Running) -> None:
    status, _ = running.get("/html")
    assert status == 301
    status, body = running.get("/")
    assert status == 200
    assert b'<a href="html/">html/</a>' in body
    assert b".folio-cache" not in body
    # A folder with an index page shows it.
    status, body = running.get("/html/")
    assert status == 200 and b"<title>Test site</title>" in body and SCRIPT_TAG in body


TRAVERSALS = (
    "/../../etc/passwd",
    "/html/../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/html/..%2f..%2f..%2f..%2fetc/passwd",
    "/..%5c..%5cetc%5cpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "//etc/passwd",
    "/%00/etc/passwd",
    "/%ff%fe",
    "/.folio-cache/",
)


def test_nothing_outside_the_output_folder_is_served(running: Running) -> None:
    for path in TRAVERSALS:
        status, body = running.get(path)
        assert status in (400, 403, 404), (path, status)
        assert b"root:" not in body, path


def test_other_sites_cannot_read_the_preview_by_dns_rebinding(running: Running) -> None:
    port = urlsplit(running.url).port
    assert running.get(PAGE, host=f"localhost:{port}")[0] == 200
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}"):
        status, body = running.get(PAGE, host=host)
        assert status == 403 and b"first paragraph" not in body, host


def test_links_leading_out_of_the_output_folder_are_refused(running: Running,
                                                           tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("do not serve", encoding="utf-8")
    (running.root / "build" / "out").symlink_to(secret)
    status, body = running.get("/out/key.txt")
    assert status == 403 and b"do not serve" not in body


def test_locate_keeps_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "a.html").write_text("a", encoding="utf-8")
    assert locate(tmp_path, "/html/a.html") == tmp_path / "html" / "a.html"
    assert locate(tmp_path, "/html/%61.html") == tmp_path / "html" / "a.html"
    assert locate(tmp_path, "/html/missing.html") == 404
    assert locate(tmp_path, "/html/%2e%2e/%2e%2e/x") == 403


def test_an_edit_reloads_open_pages_with_the_new_text(running: Running) -> None:
    stream = EventStream(running.url)
    try:
        running.source.write_text(article(body="A rewritten paragraph.\n"), encoding="utf-8")
        wait_for(stream, "reload")
    finally:
        stream.close()
    status, body = running.get(PAGE)
    assert status == 200
    assert b"A rewritten paragraph." in body and b"The first paragraph." not in body


def test_a_build_error_is_shown_in_pages_and_serving_goes_on(running: Running) -> None:
    stream = EventStream(running.url)
    try:
        running.source.write_text(article(body="Broken.\n", date="2023-13-45"),
                                  encoding="utf-8")
        message = wait_for(stream, "error")
        assert message.startswith(f"{running.source}:")
        assert "date" in message and "\n" not in message
        # The error is kept for pages opened later, and the server still serves.
        later = EventStream(running.url)
        try:
            assert later.next() == ("error", message)
        finally:
            later.close()
        assert running.get(PAGE)[0] == 200
        running.source.write_text(article(body="Fixed again.\n"), encoding="utf-8")
        wait_for(stream, "reload")
    finally:
        stream.close()
    assert b"Fixed again." in running.get(PAGE)[1]


def test_the_project_file_is_read_again_on_change(running: Running) -> None:
    project_file = running.root / "source" / "folio.yaml"
    stream = EventStream(running.url)
    try:
        project_file.write_text("site_title: Test site\npaper: a5\n", encoding="utf-8")
        assert wait_for(stream, "error").startswith(f"{project_file}:")
        project_file.write_text("site_title: Renamed site\n", encoding="utf-8")
        wait_for(stream, "reload")
    finally:
        stream.close()
    assert b"<title>Renamed site</title>" in running.get("/html/")[1]


def test_only_this_machine_may_connect(make_project: Callable[..., Path]) -> None:
    project = load_project(make_project())
    with pytest.raises(ConfigError, match="this machine only"):
        serve(project, formats=["html"], host="0.0.0.0")


def test_a_browser_shows_the_error_overlay_then_reloads(running: Running) -> None:
    chromium = require_tool("chromium", "to run the reload script in a browser")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(running.url + PAGE.lstrip("/"))
            # The page is listening once its event stream is open: wait for that, then edit.
            page.wait_for_selector("html[data-folio-preview=live]", state="attached",
                                   timeout=WAIT * 1000)
            running.source.write_text(article(body="Broken.\n", date="2023-13-45"),
                                      encoding="utf-8")
            overlay = page.wait_for_selector("#folio-build-error", timeout=WAIT * 1000)
            assert overlay is not None
            assert str(running.source) in overlay.inner_text()
            running.source.write_text(article(body="Fixed in the browser.\n"),
                                      encoding="utf-8")
            page.wait_for_selector("text=Fixed in the browser.", timeout=WAIT * 1000)
            assert page.query_selector("#folio-build-error") is None
        finally:
            browser.close()
