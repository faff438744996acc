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
what stops a forged post. Requests are bounded: body size, number of form fields, the time one
connection may take; connections are served by one thread (:mod:`loopback`), so idle ones
from a local process do not delay the IdP's post.

Environment: ``ASS_LISTEN_NO_BROWSER=1`` skips opening the system browser (tests, or people who
want to paste the URL into a particular browser themselves).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import urllib.parse
from collections.abc import Iterable

from awscli_saml_sso import loopback
from awscli_saml_sso.errors import CaptureTimeout, UsageError
from awscli_saml_sso.origins import origin_of
from awscli_saml_sso.sources.base import SourceUI

log = logging.getLogger(__name__)

HOST = loopback.HOST  # never 0.0.0.0: the assertion is a bearer token
PATH = "/saml"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_FIELDS = 50  # an IdP's form has SAMLResponse and RelayState, and perhaps a few more
# seconds one connection has to send its whole request, however slowly it sends; meanwhile the
# others are served (one thread serves them all, an idle connection holds nothing)
CONNECTION_DEADLINE = 30.0
NO_BROWSER_ENV = "ASS_LISTEN_NO_BROWSER"

DONE_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>awscli_saml_sso: signed in</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>Signed in</h1><p>awscli_saml_sso received the SAML response. You can close this window.</p>
</body></html>
"""


class _Listener:
    """The ACS endpoint: takes the first acceptable SAMLResponse, refuses everything else."""

    def __init__(self, port: int, origins: frozenset[str] = frozenset()) -> None:
        self.origins = origins
        self.server = loopback.Server(
            self.respond, loopback.listener(port), deadline=CONNECTION_DEADLINE, max_body=MAX_BODY_BYTES
        )
        self.received = threading.Event()
        self.saml_response: str | None = None
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server.address[1]

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"{HOST}:{self.port}", f"localhost:{self.port}"})

    def accept(self, value: str) -> bool:
        """Keep the first SAMLResponse only; later ones are refused."""
        with self._lock:
            if self.saml_response is not None:
                return False
            self.saml_response = value
        return True

    def respond(self, request: loopback.Request) -> loopback.Answer:
        path = urllib.parse.urlsplit(request.target).path
        if request.method != "POST":
            if path == PATH:
                return _refuse(request, 405, "only POST is accepted here", (("Allow", "POST"),))
            return _refuse(request, 404, "not found")
        if path != PATH:
            return _refuse(request, 404, "not found")
        why = refusal(
            request.header("host"), request.header("origin"), request.header("referer"), self.hosts, self.origins
        )
        if why is not None:
            return _refuse(request, 403, why)
        if "content-length" not in request.headers:
            return _refuse(request, 411, "Content-Length required")
        try:
            fields = urllib.parse.parse_qs(request.body.decode("ascii", errors="replace"), max_num_fields=MAX_FIELDS)
        except ValueError:  # more fields than MAX_FIELDS
            return _refuse(request, 400, f"more than {MAX_FIELDS} form fields")
        value = (fields.get("SAMLResponse") or [""])[0].strip()
        if not value:
            return _refuse(request, 400, "no SAMLResponse in the form")
        if not self.accept(value):
            return _refuse(request, 409, "a SAML response was already received")
        # the wait ends only once the page is sent: the person sees it before we stop
        return loopback.Answer(200, DONE_PAGE, "text/html; charset=utf-8", close=True, done=self.received.set)


def _refuse(request: loopback.Request, code: int, reason: str, headers: tuple = ()) -> loopback.Answer:
    log.info("listener: refused %s %s with %d (%s)", request.method[:10], request.target[:100], code, reason)
    return loopback.Answer(code, f"{code} {reason}\n".encode(), "text/plain; charset=utf-8", headers, close=True)


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


def _bind(port: int, origins: frozenset[str]) -> _Listener:
    try:
        return _Listener(port, origins)
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
    url = f"http://{HOST}:{server.port}{PATH}"
    thread = threading.Thread(target=server.server.serve, name="saml-listener", daemon=True)
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
        server.server.stop()
        thread.join(timeout=5)
