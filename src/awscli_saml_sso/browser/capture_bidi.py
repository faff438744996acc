"""Catch the SAMLResponse POST in Firefox through WebDriver BiDi.

Session-wide, so popups and new tabs are covered from their first request: a subscription to
``network.beforeRequestSent``, a data collector for request bodies, and an intercept that holds
*every* request before it is sent (BiDi URL patterns match host names exactly and cannot say
"any region" as in ``eu-west-1.signin.aws.amazon.com``; the handler decides instead). A request
that is not for an AWS sign-in host or an endpoint's host goes on at once. A POST of
``SAMLResponse`` to an endpoint is read (``network.getData``) and answered with a local page
(``network.provideResponse``); every other request to those hosts fails in the browser. Nothing
reaches AWS, and no TLS is touched.

The network guard (:meth:`Capture.protect`) needs nothing more: every request is held already.
Once a secret has been typed, one that carries it (URL, header or body, read with
``network.getData``) to an untrusted origin fails (``network.failRequest``) before it is sent,
and so does a WebSocket handshake to an untrusted origin (its frames are never seen).

If our connection dies, the intercept stays with the session: held requests wait, unsent, until
the browser is shut down.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

from awscli_saml_sso.browser import endpoints as ep
from awscli_saml_sso.browser import firefox
from awscli_saml_sso.browser.bidi import BidiConnection, BidiError
from awscli_saml_sso.browser.capture import DONE_PAGE, Capture, saml_response_from
from awscli_saml_sso.errors import BrowserError

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024  # request bodies the browser keeps for us (AWS takes 100,000 chars)


def start_firefox(
    binary: str | None, driver: str | None, mode: str, profile: Path, env: dict[str, str] | None = None
) -> Any:
    """Firefox with a BiDi websocket: ``(driver, service)``; see :mod:`firefox`."""
    return firefox.start(binary, driver, mode, profile, env)


class BidiCapture(Capture):
    """Holds the BiDi connection; :meth:`result` hands the captured value to the caller."""

    def __init__(self, websocket_url: str, endpoints: tuple[str, ...]) -> None:
        super().__init__()
        self.endpoints = endpoints
        self._origins = ep.guarded_origins(endpoints)
        self._conn = BidiConnection(websocket_url, self._on_event)
        self._collector: str | None = None

    @property
    def failure(self) -> str | None:
        return self._conn.failure

    def start(self) -> None:
        self._conn.open()
        self._conn.call("session.subscribe", {"events": ["network.beforeRequestSent"]})
        self._collector = self._conn.call(
            "network.addDataCollector",
            {
                "dataTypes": ["request"],
                "maxEncodedDataSize": MAX_BODY,
            },
        )["collector"]
        self._conn.call("network.addIntercept", {"phases": ["beforeRequestSent"]})

    def close(self) -> None:
        self._conn.close()

    def sandboxed(self, driver: Any) -> Any:
        """The driver autofill uses: our scripts in a BiDi sandbox, over this connection."""
        from awscli_saml_sso.browser.bidipage import SandboxDriver

        return SandboxDriver(driver, self._conn)

    # ---- held requests ------------------------------------------------------------------------

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method != "network.beforeRequestSent" or not params.get("isBlocked"):
            return
        request = params["request"]
        url, request_id = str(request["url"]), request["request"]
        if self.guarding and not ep.is_saml_endpoint(url, self._origins):  # AWS: never sent, below
            body = self._body(request_id) if request.get("bodySize") else b""
            headers = [_value(h.get("value") or {}) for h in request.get("headers") or []]
            # a WebSocket's frames are never seen: its handshake to an untrusted origin fails
            websocket = url.lower().startswith(("ws:", "wss:")) or _header(request, "upgrade").lower() == "websocket"
            stopped = self.leak(url, None if body is None or websocket else [*headers, body], websocket)
            if stopped is not None:
                log.debug("stopped a request carrying a secret to %s", stopped)
                self._conn.send("network.failRequest", {"request": request_id})
                return
        if not ep.is_saml_endpoint(url, self._origins):
            self._conn.send("network.continueRequest", {"request": request_id})
            return
        log.debug("held %s %s", request["method"], ep.strip_query(url))
        value = None
        if request["method"] == "POST" and ep.is_saml_endpoint(url, self.endpoints):
            value = saml_response_from(self._body(request_id), _header(request, "content-type"))
            if value is None:
                self.problem = f"the browser posted to {ep.strip_query(url)} without a readable SAMLResponse"
        if value is None:
            self.blocked.append(f"{request['method']} {ep.strip_query(url)}")
            self._conn.send("network.failRequest", {"request": request_id})
            return
        # Answer first, hand over second: once the caller has the value it shuts the browser
        # down, and no request should still be held (undecided) at that moment.
        try:
            self._conn.call(
                "network.provideResponse",
                {
                    "request": request_id,
                    "statusCode": 200,
                    "reasonPhrase": "OK",
                    "headers": [
                        _bidi_header("Content-Type", "text/html; charset=utf-8"),
                        _bidi_header("Cache-Control", "no-store"),
                    ],
                    "body": {"type": "string", "value": DONE_PAGE},
                },
            )
        except BidiError:  # a Firefox that cannot answer with a body: an error page will do
            self._conn.send("network.failRequest", {"request": request_id})
            raise
        finally:
            self._deliver(value)

    def _body(self, request_id: str) -> bytes | None:
        try:
            data = self._conn.call(
                "network.getData",
                {
                    "dataType": "request",
                    "collector": self._collector,
                    "request": request_id,
                    "disown": True,
                },
            )["bytes"]
        except BidiError as exc:
            log.debug("reading the SAML POST's body failed: %s", exc)
            return None
        if data.get("type") == "base64":
            return base64.b64decode(data.get("value", ""))
        return str(data.get("value", "")).encode("utf-8")


def _header(request: dict[str, Any], name: str) -> str:
    for header in request.get("headers") or []:
        if str(header.get("name", "")).lower() == name:
            return _value(header.get("value") or {})
    return ""


def _value(value: dict[str, Any]) -> str:
    """A BiDi ``network.BytesValue`` as text."""
    if value.get("type") == "base64":
        return base64.b64decode(value.get("value", "")).decode("latin-1")
    return str(value.get("value", ""))


def _bidi_header(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": {"type": "string", "value": value}}


def start_capture(driver: Any, endpoints: tuple[str, ...]) -> BidiCapture:
    url = (getattr(driver, "capabilities", None) or {}).get("webSocketUrl")
    if not url:
        raise BrowserError(
            "Firefox did not expose its WebDriver BiDi websocket",
            hint="update Firefox and geckodriver, or use --browser chromium",
        )
    capture = BidiCapture(str(url), endpoints)
    version = driver.capabilities.get("browserVersion", "?")
    capture.start_or_close(
        lambda exc: BrowserError(
            f"could not guard the SAML endpoints through Firefox {version}'s WebDriver BiDi: {exc}",
            hint="update Firefox and geckodriver (Firefox 153 ESR works), or use --browser chromium",
        )
    )
    return capture
