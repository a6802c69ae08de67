"""Live preview: build, serve build/ on this machine, rebuild on every change, reload open pages."""

from __future__ import annotations

import html
import http.server
import logging
import mimetypes
import os
import queue
import shutil
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import watchfiles

from pipeline.brand import watch_paths
from pipeline.build import build
from pipeline.errors import ConfigError, FolioError
from pipeline.project import Project, load_project
from pipeline.urls import split_url

if TYPE_CHECKING:
    import socket

log = logging.getLogger(__name__)

# Folio's own addresses; they cannot clash with outputs, whose names never start with "_".
EVENTS_PATH = "/__folio__/events"
CLIENT_PATH = "/__folio__/client.js"
SCRIPT_TAG = f'<script src="{CLIENT_PATH}"></script>'.encode()
# A comment line every so often lets a server thread notice a page that has gone away.
KEEPALIVE_SECONDS = 10
# The watcher reports "nothing changed" this often; the first report means it is watching.
WATCH_TIMEOUT_MS = 500
# Served only to this machine: a preview is a writer's tool, not a web server.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

# Injected into every served HTML page (never into the files on disk). "error" is also the
# name of EventSource's own connection-error event, which carries no data: EventSource then
# reconnects by itself, so only events with data are build errors.
CLIENT_JS = """\
// Folio live preview: reload when a build succeeds, show the errors when one fails.
(() => {
  const events = new EventSource("/__folio__/events");
  let overlay = null;
  // Marks the page as listening (the server subscribes it before answering).
  events.addEventListener("open", () => {
    document.documentElement.dataset.folioPreview = "live";
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("error", (event) => {
    if (typeof event.data !== "string") return;
    if (!overlay) {
      overlay = document.createElement("pre");
      overlay.id = "folio-build-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;" +
        "max-height:50vh;overflow:auto;margin:0;padding:1em 1.5em;background:#fff0f0;" +
        "color:#600;border-top:4px solid #c00;font:14px/1.4 monospace;white-space:pre-wrap";
      document.documentElement.append(overlay);
    }
    overlay.textContent = "Folio: the build failed; fix the source and save.\\n\\n" + event.data;
  });
})();
"""


class Events:
    """Server-Sent Events to every open page; the last build error is kept for later pages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[tuple[str, str] | None]] = []
        self.error: str | None = None

    def subscribe(self) -> queue.Queue[tuple[str, str] | None]:
        """Return a new page's queue of events, holding the current error if there is one."""
        client: queue.Queue[tuple[str, str] | None] = queue.Queue()
        with self._lock:
            if self.error is not None:
                client.put(("error", self.error))
            self._clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue[tuple[str, str] | None]) -> None:
        """Forget a page that has gone away."""
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def publish(self, event: str, data: str = "") -> None:
        """Send ``event`` ("reload" or "error") to every open page."""
        with self._lock:
            self.error = data if event == "error" else None
            for client in self._clients:
                client.put((event, data))

    def close(self) -> None:
        """End every page's event stream, so the server threads serving them can finish."""
        with self._lock:
            for client in self._clients:
                client.put(None)
            self._clients.clear()


class PreviewServer(http.server.ThreadingHTTPServer):
    """Serve one output folder and the live-reload events."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path, events: Events) -> None:
        super().__init__(address, PreviewHandler)
        self.root = root
        self.events = events
        # The Host headers a browser sends for this server (the port is known once bound).
        self.hosts = {f"{host}:{self.server_address[1]}" for host in LOOPBACK_HOSTS}

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket],
                     client_address: Any) -> None:
        """Ignore pages that closed their connection early; report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("connection from %s closed early", client_address)
        else:
            super().handle_error(request, client_address)


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """Answer GET and HEAD: outputs from the folder, the reload script and its event stream."""

    server: PreviewServer

    def do_GET(self) -> None:
        """Send the resource and its body."""
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        """Send the resource's headers only."""
        self._respond(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Log requests at debug level: the terminal is for build messages."""
        log.debug("%s %s", self.address_string(), format % args)

    def _respond(self, with_body: bool) -> None:
        # A page from another site that has its name point at 127.0.0.1 ("DNS rebinding")
        # sends its own name as Host: refusing it keeps the preview unreadable to that site.
        if self.headers.get("Host", "").lower() not in self.server.hosts:
            self.send_error(403, "unexpected Host header")
            return
        path = split_url(self.path).path
        if path == EVENTS_PATH:
            self._stream_events(with_body)
            return
        if path == CLIENT_PATH:
            self._send(200, "text/javascript; charset=utf-8", CLIENT_JS.encode(), with_body)
            return
        found = locate(self.server.root, path)
        if isinstance(found, int):
            self.send_error(found)
        elif found.is_dir() and not path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", quote(unquote(path)) + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif found.is_dir() and not (found / "index.html").is_file():
            self._send(200, "text/html; charset=utf-8", inject(listing(found, path)), with_body)
        else:
            self._send_file(found / "index.html" if found.is_dir() else found, with_body)

    def _send_file(self, path: Path, with_body: bool) -> None:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            data = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):  # removed by a rebuild meanwhile
            self.send_error(404)
            return
        with data:
            if path.suffix in (".html", ".htm"):
                self._send(200, f"{content_type}; charset=utf-8", inject(data.read()), with_body)
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            # The size of the file opened: a rebuild may replace the path meanwhile.
            self.send_header("Content-Length", str(os.fstat(data.fileno()).st_size))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if with_body:
                shutil.copyfileobj(data, self.wfile)

    def _send(self, status: int, content_type: str, body: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Never cached: after a rebuild the browser must fetch the new output.
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _stream_events(self, with_body: bool) -> None:
        # Subscribe before answering: once the page has the headers, no event can be missed.
        client = self.server.events.subscribe()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not with_body:
                return
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    item = client.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    continue
                if item is None:
                    return
                event, data = item
                lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
                self.wfile.write(f"event: {event}\n{lines}\n".encode())
        except ConnectionError:
            log.debug("event stream to %s closed by the page", self.address_string())
        finally:
            self.server.events.unsubscribe(client)


def locate(root: Path, url_path: str) -> Path | int:
    """Return the file or folder under ``root`` that ``url_path`` names, or an HTTP status.

    Nothing outside ``root`` is ever served: ``..`` (also percent-encoded), backslashes and
    links leading out are refused with 403; hidden names (Folio's cache) are not found (404).
    """
    try:
        text = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return 400
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if "\\" in text or "\0" in text or ".." in parts:
        return 403
    if any(part.startswith(".") for part in parts):
        return 404
    real_root = root.resolve()
    path = root.joinpath(*parts)
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop or an unreadable path: nothing to serve
        return 404
    if not real.is_relative_to(real_root):
        return 403
    return path if real.exists() else 404


def inject(page: bytes) -> bytes:
    """Return ``page`` with the live-reload script before its ``</body>`` (or at its end)."""
    end = page.lower().rfind(b"</body>")
    return page[:end] + SCRIPT_TAG + page[end:] if end >= 0 else page + SCRIPT_TAG


def listing(folder: Path, url_path: str) -> bytes:
    """Return an HTML list of the visible entries of ``folder`` (inside the output folder)."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    items = "".join(
        f'<li><a href="{quote(p.name)}{"/" if p.is_dir() else ""}">'
        f'{html.escape(p.name)}{"/" if p.is_dir() else ""}</a></li>' for p in entries)
    title = html.escape(unquote(url_path))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"</head><body><h1>{title}</h1><ul>{items}</ul></body></html>").encode()


class Preview:
    """The rebuild loop: build the project, watch its sources, tell open pages what happened."""

    def __init__(self, project: Project, formats: list[str], options: dict[str, Any] | None,
                 jobs: int | None) -> None:
        self.project = project
        self.formats = formats
        self.options = options
        self.jobs = jobs
        self.events = Events()

    def rebuild(self) -> None:
        """Build what changed; print errors and show them in the pages, or reload the pages."""
        started = time.perf_counter()
        try:
            # Read the project file again: editing it is one of the changes being previewed.
            self.project = load_project(self.project.root, self.project.out_dir)
            report = build(self.project, self.formats, options=self.options, jobs=self.jobs)
        except FolioError as exc:
            self._failed([exc.format_message()])
            return
        except Exception as exc:
            # A bug must not end the preview the writer is working in: report it and go on.
            log.debug("internal error while building", exc_info=True)
            self._failed([f"internal error: {type(exc).__name__}: {exc}"])
            return
        written = report.count("written")
        if report.errors:
            # One broken output leaves the others made: their pages show them, and every page
            # (the reloaded ones as they reconnect) shows what failed.
            if written:
                self.events.publish("reload")
            self._failed([error.format_message() for error in report.errors])
            return
        log.info("built in %.1f s: %d written, %d up to date", time.perf_counter() - started,
                 written, report.count("skipped"))
        # Pages showing an error reload even if nothing was written: the error is gone.
        if written or self.events.error is not None:
            self.events.publish("reload")

    def _failed(self, errors: list[str]) -> None:
        """Print the one-line messages and show them in every open page."""
        for error in errors:
            log.error("%s", error)
        self.events.publish("error", "\n".join(errors))

    def watch(self, stop: threading.Event | None, ready: Callable[[], None]) -> None:
        """Rebuild after every change to sources or templates; call ``ready`` once watching."""
        folders = [p for p in (self.project.source_dir, self.project.templates_dir) if p.is_dir()]
        folders += watch_paths(self.project)  # the brand file and its fonts and logos
        build_dir = self.project.build_dir.resolve()
        default_filter = watchfiles.DefaultFilter()

        def relevant(change: watchfiles.Change, path: str) -> bool:
            # An output folder inside source/ must not make every build trigger the next one.
            return default_filter(change, path) and not Path(path).is_relative_to(build_dir)

        watching = False
        for changes in watchfiles.watch(*folders, watch_filter=relevant, stop_event=stop,
                                        rust_timeout=WATCH_TIMEOUT_MS, yield_on_timeout=True):
            if not watching:
                watching = True
                ready()
            if changes:
                names = sorted({Path(path).name for _, path in changes})
                log.info("changed: %s", ", ".join(names))
                self.rebuild()


def serve(project: Project, *, formats: list[str], host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = False, options: dict[str, Any] | None = None,
          jobs: int | None = None, stop: threading.Event | None = None,
          ready: Callable[[str], None] | None = None) -> None:
    """Build, then serve the outputs at http://host:port/ and rebuild on change until stopped.

    Runs until Ctrl-C or until ``stop`` is set; ``ready(url)`` is called once the first build
    is done and changes are being watched (``port=0`` picks a free port).
    """
    if host not in LOOPBACK_HOSTS:
        raise ConfigError(f"the preview is served to this machine only; host '{host}' is not "
                          f"one of {', '.join(LOOPBACK_HOSTS)}")
    preview = Preview(project, formats, options, jobs)
    try:
        server = PreviewServer((host, port), project.build_dir, preview.events)
    except OSError as exc:
        raise FolioError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; "
                         "choose another port") from None
    url = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, name="folio-serve", daemon=True)

    def on_ready() -> None:
        page = url + ("html/" if (project.build_dir / "html" / "index.html").is_file() else "")
        log.info("serving %s (Ctrl-C stops)", page)
        if ready:
            ready(url)
        if open_browser:
            webbrowser.open(page)

    try:
        preview.rebuild()
        project.build_dir.mkdir(parents=True, exist_ok=True)
        thread.start()
        preview.watch(stop, on_ready)
    except KeyboardInterrupt:
        log.info("stopped")  # Ctrl-C is how a writer ends the preview: not an error
    finally:
        preview.events.close()
        if thread.is_alive():
            server.shutdown()
        server.server_close()
