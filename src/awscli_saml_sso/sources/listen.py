"""``--listen [PORT]``: be the SAML ACS ourselves, on loopback, for IdPs we cannot drive.

The IdP is configured with ``http://127.0.0.1:PORT/saml`` as an Assertion Consumer Service URL;
the person logs in in their own browser, and the IdP's auto-submitted form posts the
SAMLResponse here instead of to AWS. We answer one valid POST and stop. Anything else (other
paths, other methods, a form without SAMLResponse, a huge body) gets a 4xx and we keep waiting,
so a stray request or a favicon fetch cannot end the wait.

Forgery (docs/security.md, "--listen"): any web page open in the person's browser can post a
form to 127.0.0.1. So a POST is taken only when

- its ``Host`` is this listener's own address and port (``127.0.0.1:PORT`` or
  ``localhost:PORT``): a DNS-rebinding page's host is refused;
- its ``Origin`` (else the origin of its ``Referer``) is the IdP's: the origin of the IdP URL,
  or one the stored IdP was allowed (``allowed_origins``). ``Origin: null`` (an opaque origin: a
  sandboxed frame, a ``data:`` page, a no-referrer redirect) proves nothing and is refused: no
  IdP we know posts its SAML form from an opaque origin.

The path stays ``/saml``, not a secret per run: with IdP-initiated sign-on the ACS URL is the
one registered for the app at the IdP (and the local SimpleSAMLphp test SP has
``http://127.0.0.1:PORT/saml``), so it cannot change from run to run. The ``Origin`` check is
what stops a forged post. Requests are bounded: body size, number of form fields, concurrent
connections, and the time one connection may take.

Environment: ``ASS_LISTEN_NO_BROWSER=1`` skips opening the system browser (tests, or people who
want to paste the URL into a particular browser themselves).
"""

from __future__ import annotations

import errno
import http.server
import logging
import os
import socket
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Any

from awscli_saml_sso.errors import CaptureTimeout, UsageError
from awscli_saml_sso.origins import origin_of
from awscli_saml_sso.sources.base import SourceUI

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never 0.0.0.0: the assertion is a bearer token
PATH = "/saml"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_FIELDS = 50  # an IdP's form has SAMLResponse and RelayState, and perhaps a few more
MAX_CONNECTIONS = 16  # at once; more are closed unanswered
CONNECTION_DEADLINE = 30.0  # seconds one connection may take, however slowly it sends
NO_BROWSER_ENV = "ASS_LISTEN_NO_BROWSER"
REQUEST_SOCKET_TIMEOUT = 15.0  # a stalled client must not hold the shutdown

DONE_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>awscli_saml_sso: signed in</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>Signed in</h1><p>awscli_saml_sso received the SAML response. You can close this window.</p>
</body></html>
"""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # POSIX SO_REUSEADDR lets us rebind while old connections of a previous run sit in
    # TIME_WAIT (a second `--listen` within a minute), but still refuses a port that another
    # socket listens on: "port in use" is still reported. Windows' SO_REUSEADDR would let two
    # listeners share the port, so there SO_EXCLUSIVEADDRUSE is set instead.
    allow_reuse_address = os.name == "posix"

    def __init__(self, port: int, origins: frozenset[str] = frozenset()) -> None:
        super().__init__((HOST, port), _Handler, bind_and_activate=False)
        self.origins = origins
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        try:
            self.server_bind()
            self.server_activate()
        except OSError:
            self.server_close()
            raise
        self.received = threading.Event()
        self.saml_response: str | None = None
        self._lock = threading.Lock()

    @property
    def hosts(self) -> frozenset[str]:
        port = self.server_address[1]
        return frozenset({f"{HOST}:{port}", f"localhost:{port}"})

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):  # too many at once: close, unanswered
            log.info("listener: more than %d connections at once: one closed", MAX_CONNECTIONS)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        # however slowly a client sends (a byte just within each socket timeout), its
        # connection is cut at the deadline
        deadline = threading.Timer(CONNECTION_DEADLINE, _cut, (request,))
        deadline.daemon = True
        deadline.start()
        try:
            super().process_request_thread(request, client_address)
        finally:
            deadline.cancel()
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client cut at the deadline or gone mid-answer: a debug line, never a traceback on
        # the person's terminal (socketserver's default prints one)
        log.debug("listener: a connection from %s ended with an error", client_address, exc_info=True)

    def accept(self, value: str) -> bool:
        """Keep the first SAMLResponse only; later ones are refused."""
        with self._lock:
            if self.saml_response is not None:
                return False
            self.saml_response = value
        return True


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def refusal(
    host: str | None, origin: str | None, referer: str | None, hosts: frozenset[str], origins: frozenset[str]
) -> str | None:
    """Why a POST is not the IdP's (None: it is). Pure: headers in, a reason out."""
    if (host or "").strip().lower() not in hosts:
        return f"Host {host!r} is not this listener"
    if origin is not None:
        sender = origin.strip().lower()
        if sender == "null":
            return "Origin is null (an opaque origin, not the IdP)"
    elif referer:
        sender = origin_of(referer) or ""
    else:
        return "neither Origin nor Referer: the sender is unknown"
    if sender not in origins:
        return f"posted from {sender[:100]!r}, not from the IdP ({', '.join(sorted(origins))})"
    return None


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = REQUEST_SOCKET_TIMEOUT
    server_version = "awscli_saml_sso"
    sys_version = ""

    def do_POST(self) -> None:  # http.server's naming
        if urllib.parse.urlsplit(self.path).path != PATH:
            self._refuse(404, "not found")
            return
        why = refusal(
            self.headers.get("Host"),
            self.headers.get("Origin"),
            self.headers.get("Referer"),
            self.server.hosts,
            self.server.origins,
        )
        if why is not None:
            self._refuse(403, why)
            return
        body = self._read_body()
        if body is None:
            return
        try:
            fields = urllib.parse.parse_qs(body.decode("ascii", errors="replace"), max_num_fields=MAX_FIELDS)
        except ValueError:  # more fields than MAX_FIELDS
            self._refuse(400, f"more than {MAX_FIELDS} form fields")
            return
        value = (fields.get("SAMLResponse") or [""])[0].strip()
        if not value:
            self._refuse(400, "no SAMLResponse in the form")
            return
        if not self.server.accept(value):
            self._refuse(409, "a SAML response was already received")
            return
        self._answer(200, DONE_PAGE)
        self.wfile.flush()
        self.server.received.set()  # only now: the person sees the page before we stop

    def do_GET(self) -> None:
        self._wrong_method()

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _wrong_method(self) -> None:
        if urllib.parse.urlsplit(self.path).path == PATH:
            self._refuse(405, "only POST is accepted here", extra={"Allow": "POST"})
        else:
            self._refuse(404, "not found")

    def _read_body(self) -> bytes | None:
        raw_length = self.headers.get("Content-Length")
        if raw_length is None or not raw_length.strip().isdigit():
            self._refuse(411, "Content-Length required")
            return None
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self._refuse(413, "body too large")
            return None
        return self.rfile.read(length)

    def _refuse(self, code: int, reason: str, extra: dict[str, str] | None = None) -> None:
        log.info("listener: refused %s %s with %d (%s)", self.command, self.path[:100], code, reason)
        self.close_connection = True
        self._answer(code, f"{code} {reason}\n".encode(), content_type="text/plain; charset=utf-8", extra=extra)

    def _answer(
        self,
        code: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
        log.debug("listener: " + format, *args)


def _bind(port: int, origins: frozenset[str]) -> _Server:
    try:
        return _Server(port, origins)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise UsageError(f"port {port} is in use", hint="pick another one: --listen OTHER_PORT") from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(
                f"not allowed to listen on port {port}", hint="use a port above 1023: --listen PORT"
            ) from exc
        raise


def _open_browser(idp_url: str, ui: SourceUI) -> None:
    if os.environ.get(NO_BROWSER_ENV, "") not in ("", "0"):
        ui.status(f"{NO_BROWSER_ENV} is set: open {idp_url} yourself")
        return
    import webbrowser  # only here

    if webbrowser.open(idp_url):
        ui.status(f"opened the browser at {idp_url}")
    else:
        ui.warn(f"could not open a browser; open this URL yourself: {idp_url}")


def receive_saml_response(
    idp_url: str, port: int, timeout: float, ui: SourceUI, allowed_origins: Iterable[str] = ()
) -> str:
    """Serve ``http://127.0.0.1:PORT/saml`` until one form with a SAMLResponse, posted from the
    IdP's origin (or one of ``allowed_origins``), arrives; return it."""
    origins = frozenset(o for o in (origin_of(u) for u in (idp_url, *allowed_origins)) if o)
    server = _bind(port, origins)
    url = f"http://{HOST}:{server.server_address[1]}{PATH}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="saml-listener", daemon=True
    )
    thread.start()
    try:
        ui.status(f"listening on {url}")
        _open_browser(idp_url, ui)
        with ui.waiting(f"waiting for the IdP to post to {url}"):
            got = server.received.wait(timeout)
        if not got or server.saml_response is None:
            raise CaptureTimeout(
                f"no SAML response was posted to {url} within {timeout:g} s",
                hint=f"the IdP's ACS URL for this app must be {url}; or raise --timeout",
            )
        ui.status("SAML response received by the listener")
        return server.saml_response
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
