"""``--listen [PORT]``: be the SAML ACS ourselves, on loopback, for IdPs we cannot drive.

The IdP is configured with ``http://127.0.0.1:PORT/saml`` as an Assertion Consumer Service URL;
the person logs in in their own browser, and the IdP's auto-submitted form posts the
SAMLResponse here instead of to AWS. We answer one valid POST and stop. Anything else (other
paths, other methods, a form without SAMLResponse, a huge body) gets a 4xx and we keep waiting,
so a stray request or a favicon fetch cannot end the wait.

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
from typing import Any, Protocol

from awscli_saml_sso.errors import CaptureTimeout, UsageError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never 0.0.0.0: the assertion is a bearer token
PATH = "/saml"
MAX_BODY_BYTES = 2 * 1024 * 1024
NO_BROWSER_ENV = "ASS_LISTEN_NO_BROWSER"
REQUEST_SOCKET_TIMEOUT = 15.0  # a stalled client must not hold the shutdown

DONE_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>awscli_saml_sso: signed in</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>Signed in</h1><p>awscli_saml_sso received the SAML response. You can close this window.</p>
</body></html>
"""


class ListenUI(Protocol):
    def status(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def waiting(self, label: str) -> Any: ...  # context manager


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # POSIX SO_REUSEADDR lets us rebind while old connections of a previous run sit in
    # TIME_WAIT (a second `--listen` within a minute), but still refuses a port that another
    # socket listens on: "port in use" is still reported. Windows' SO_REUSEADDR would let two
    # listeners share the port, so there SO_EXCLUSIVEADDRUSE is set instead.
    allow_reuse_address = os.name == "posix"

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), _Handler, bind_and_activate=False)
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

    def accept(self, value: str) -> bool:
        """Keep the first SAMLResponse only; later ones are refused."""
        with self._lock:
            if self.saml_response is not None:
                return False
            self.saml_response = value
        return True


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = REQUEST_SOCKET_TIMEOUT
    server_version = "awscli_saml_sso"
    sys_version = ""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if urllib.parse.urlsplit(self.path).path != PATH:
            self._refuse(404, "not found")
            return
        body = self._read_body()
        if body is None:
            return
        fields = urllib.parse.parse_qs(body.decode("ascii", errors="replace"), max_num_fields=50)
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

    def do_GET(self) -> None:  # noqa: N802
        self._wrong_method()

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET  # noqa: N815

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

    def _answer(self, code: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                extra: dict[str, str] | None = None) -> None:
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

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("listener: " + format, *args)


def _bind(port: int) -> _Server:
    try:
        return _Server(port)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise UsageError(f"port {port} is in use", hint="pick another one: --listen OTHER_PORT") from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(f"not allowed to listen on port {port}", hint="use a port above 1023: --listen PORT") from exc
        raise


def _open_browser(idp_url: str, ui: ListenUI) -> None:
    if os.environ.get(NO_BROWSER_ENV, "") not in ("", "0"):
        ui.status(f"{NO_BROWSER_ENV} is set: open {idp_url} yourself")
        return
    import webbrowser  # noqa: PLC0415 - only here

    if webbrowser.open(idp_url):
        ui.status(f"opened the browser at {idp_url}")
    else:
        ui.warn(f"could not open a browser; open this URL yourself: {idp_url}")


def receive_saml_response(idp_url: str, port: int, timeout: float, ui: ListenUI) -> str:
    """Serve ``http://127.0.0.1:PORT/saml`` until one form with a SAMLResponse arrives; return it."""
    server = _bind(port)
    url = f"http://{HOST}:{server.server_address[1]}{PATH}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="saml-listener", daemon=True)
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
