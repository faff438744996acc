"""What the login flow reads from a capture backend, whichever the protocol (DevTools for the
Chromium family, WebDriver BiDi for Firefox): the captured value, a SAML POST it saw but could
not use, and the requests it failed on the guarded hosts. Also what both backends share: the
page the browser shows instead of AWS, how a posted form's SAMLResponse is read, and the
network guard's state: the secrets typed so far, and the origin a request carrying one was
stopped on its way to (:mod:`awscli_saml_sso.netguard` decides)."""

from __future__ import annotations

import abc
import email.parser
import email.policy
import queue
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from awscli_saml_sso import netguard
from awscli_saml_sso.errors import BrowserError, SamlSsoError

DONE_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Signed in</title><link rel=icon href='data:,'>"
    "<body style='font-family:sans-serif;margin:3em'><h1>Signed in</h1>"
    "<p>awscli-saml-sso has the SAML response. You can close this window.</p>"
)


def saml_response_from(body: bytes | None, content_type: str) -> str | None:
    """The ``SAMLResponse`` value of a form body (urlencoded or multipart), URL-decoded."""
    if not body:
        return None
    if content_type.lower().startswith("multipart/"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "SAMLResponse":
                return str(part.get_payload(decode=True).decode("utf-8", "replace"))
        return None
    values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).get("SAMLResponse")
    return values[0] if values else None


class Capture(abc.ABC):
    def __init__(self) -> None:
        self._results: queue.Queue[str] = queue.Queue()
        self.problem: str | None = None  # a SAML POST we saw but could not use
        self.blocked: list[str] = []  # URLs (without query) failed on the guarded hosts
        self._secrets: list[tuple[str, tuple[bytes, ...]]] = []  # (what, its encodings) typed so far
        self._trusted: Callable[[], Any] = tuple  # origins a secret may go to
        self._nickname: str | None = None
        self._lock = threading.Lock()
        self.stopped: tuple[str, str, bool] | None = None  # (what, origin, by WebSocket) kept in

    @property
    def failure(self) -> str | None:
        """Why the connection to the browser ended, once it has."""
        return None

    def result(self, timeout: float = 0.0) -> str | None:
        """The captured SAMLResponse, or None if none (yet). Raises once a page tried to send a
        typed secret to an untrusted origin: that ends the login, whatever else happened."""
        self._raise_if_stopped()
        try:
            value = self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
        except queue.Empty:
            value = None
        self._raise_if_stopped()
        return value

    # ---- the network guard --------------------------------------------------------------------

    def protect(self, secret: str, login: Any, what: str = "password") -> None:
        """Called right before ``secret`` is typed into a page of ``login`` (a BrowserLogin):
        from now on a request carrying it goes only to an origin the login trusts."""
        found = netguard.needles(secret)
        if not found:
            return
        idp = login.idp
        trusted = getattr(login, "trusted_origins", None)
        with self._lock:
            self._trusted = trusted or (lambda what="password": (idp.url or "", *idp.allowed_origins))
            self._nickname = idp.nickname
            first = not self._secrets
            self._secrets.append((what, found))
        if first:
            self._guard_everything()

    def _guard_everything(self) -> None:  # noqa: B027 (optional: a backend may hold all already)
        """Hold every request of the browser from now on (protocol-specific); before it returns."""

    @property
    def guarding(self) -> bool:
        return bool(self._secrets)

    def leak(self, url: str, parts: list[bytes | str] | None, websocket: bool = False) -> str | None:
        """The origin to stop a request to ``url`` at, or None to let it go. ``parts`` are its
        body and header values; None: the body could not be read (so it may carry a secret)."""
        if not self._secrets:
            return None
        origin = netguard.request_origin(url) or url.partition(":")[0] + ":"
        for what, found in list(self._secrets):
            # a one-time code may go where the person allowed codes (a Duo-style origin), the
            # password only where the password may go
            if netguard.is_trusted(url, self._trusted(what)):
                continue
            if parts is None or any(netguard.carries(p, found) for p in (url, *parts)):
                if self.stopped is None:
                    self.stopped = (what, origin, websocket)
                return origin
        return None

    def _raise_if_stopped(self) -> None:
        if self.stopped is not None:
            what, origin, websocket = self.stopped
            raise netguard.refusal(what, origin, self._nickname, websocket)

    def _deliver(self, value: str) -> None:
        """Called from the protocol's thread once the POST has been answered in the browser."""
        self._results.put(value)

    @abc.abstractmethod
    def start(self) -> None:
        """Begin guarding the browser; raises if it cannot."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop guarding (idempotent)."""

    def start_or_close(self, failure: Callable[[Exception], BrowserError]) -> None:
        """``start``; if that fails, ``close`` and raise ``failure(exc)``. Our own errors and
        interruptions (Interrupted, KeyboardInterrupt) go through as they are."""
        try:
            self.start()
        except BaseException as exc:
            self.close()
            if isinstance(exc, SamlSsoError) or not isinstance(exc, Exception):
                raise
            raise failure(exc) from exc
