"""Fetch a web page the user named: time and size limits, public addresses only, no file:."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from pipeline import __version__
from pipeline.importers.base import ImportFailed
from pipeline.urls import split_url

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
USER_AGENT = f"Folio/{__version__} (folio import)"


def public_only(address: Address) -> bool:
    """Tell whether ``address`` is on the public internet (not private, loopback or local)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _kind(address: Address) -> str:
    for attribute, name in (("is_loopback", "a loopback"), ("is_private", "a private"),
                            ("is_link_local", "a link-local"), ("is_multicast", "a multicast"),
                            ("is_reserved", "a reserved")):
        if getattr(address, attribute):
            return name
    return "a non-public"


class Fetcher:
    """Reads ``http(s)`` addresses; every connection, redirects included, is checked first.

    ``allow`` decides which IP addresses may be connected to; tests pass one that admits
    their own loopback server. The check is made on the address actually connected to, so a
    name that resolves differently a second time cannot slip past it.
    """

    def __init__(self, timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024,
                 allow: Callable[[Address], bool] = public_only) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow = allow
        # No proxies: a proxy would connect on our behalf, past the address check.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _Handler(self._connect),
            _SecureHandler(self._connect), _RedirectHandler())

    def fetch(self, url: str) -> tuple[str, bytes]:
        """Return the final address and the bytes at ``url``, or raise ``ImportFailed``."""
        if split_url(url).scheme.lower() not in {"http", "https"}:
            raise ImportFailed("only http and https addresses are fetched", url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        deadline = time.monotonic() + self.timeout * 3
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise ImportFailed(self._too_large(), url)
                chunks: list[bytes] = []
                size = 0
                while chunk := response.read(65536):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ImportFailed(self._too_large(), url)
                    if time.monotonic() > deadline:
                        raise ImportFailed(f"took longer than {self.timeout * 3:.0f} s", url)
                    chunks.append(chunk)
                return response.geturl(), b"".join(chunks)
        except urllib.error.HTTPError as exc:
            raise ImportFailed(f"the server answered {exc.code} {exc.reason}", url) from None
        except urllib.error.URLError as exc:
            raise ImportFailed(f"could not fetch it: {exc.reason}", url) from None
        except (OSError, http.client.HTTPException) as exc:
            raise ImportFailed(f"could not fetch it: {exc}", url) from None

    def _too_large(self) -> str:
        return f"larger than {self.max_bytes // 1024 // 1024} MB; not fetched"

    def _connect(self, address: tuple[str, int], timeout: Any = None,
                 source_address: Any = None) -> socket.socket:
        """Connect to the first allowed address ``address`` resolves to; refuse the others."""
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        refused: list[str] = []
        for family, kind, proto, _, sockaddr in infos:
            ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
            if not self.allow(ip):
                refused.append(f"{ip} is {_kind(ip)} address")
                continue
            sock = socket.socket(family, kind, proto)
            sock.settimeout(timeout if isinstance(timeout, int | float) else self.timeout)
            try:
                sock.connect(sockaddr)
            except OSError:
                sock.close()
                continue
            return sock
        if refused:
            raise ImportFailed(f"refusing to connect to {host}: {refused[0]}; Folio fetches "
                               "only public addresses", f"{host}:{port}")
        raise OSError(f"could not connect to {host}:{port}")


def _connection(base: type[http.client.HTTPConnection],
                connect: Callable[..., socket.socket]) -> Callable[..., Any]:
    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = base(host, **kwargs)
        # http.client opens every socket through this attribute, HTTPS's before its TLS wrap.
        conn._create_connection = connect  # type: ignore[attr-defined]
        return conn
    return make


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, connect: Callable[..., socket.socket]) -> None:
        super().__init__()
        self._make = _connection(http.client.HTTPConnection, connect)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._make, req)


class _SecureHandler(urllib.request.HTTPSHandler):
    def __init__(self, connect: Callable[..., socket.socket]) -> None:
        super().__init__()
        self._make = _connection(http.client.HTTPSConnection, connect)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._make, req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: Any) -> Any:
        # Checked before urllib's own test, to name the refused address in Folio's words.
        target = urljoin(req.full_url, headers.get("location") or headers.get("uri") or "")
        if split_url(target).scheme.lower() not in {"http", "https"}:
            raise ImportFailed(f"refusing the redirect to '{target}': only http and https "
                               "addresses are fetched", req.full_url)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        if split_url(newurl).scheme.lower() not in {"http", "https"}:
            raise ImportFailed(f"refusing the redirect to '{newurl}': only http and https "
                               "addresses are fetched", req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
