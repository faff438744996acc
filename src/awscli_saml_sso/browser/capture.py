"""What the login flow reads from a capture backend, whichever the protocol (DevTools for the
Chromium family, WebDriver BiDi for Firefox): the captured value, a SAML POST it saw but could
not use, and the requests it failed on the guarded hosts. Also what both backends share: the
page the browser shows instead of AWS, and how a posted form's SAMLResponse is read."""

from __future__ import annotations

import abc
import email.parser
import email.policy
import queue
from collections.abc import Callable
from urllib.parse import parse_qs

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

    @property
    def failure(self) -> str | None:
        """Why the connection to the browser ended, once it has."""
        return None

    def result(self, timeout: float = 0.0) -> str | None:
        """The captured SAMLResponse, or None if none (yet)."""
        try:
            return self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
        except queue.Empty:
            return None

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
