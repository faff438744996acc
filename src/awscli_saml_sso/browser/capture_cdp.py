"""Catch the SAMLResponse POST in Chrome/Chromium/Edge with the DevTools protocol's Fetch domain.

It rides on the page driver's pipe connection (:mod:`pagedriver`), whose auto-attach covers the
first tab, popups, new tabs and out-of-process iframes: each new target waits until our attach
hook has ``Fetch.enable``d it for the AWS sign-in hosts and the SAML endpoints (Request stage).
A POST of ``SAMLResponse`` to an endpoint is recorded and answered with a local page; every other
request to an AWS sign-in host fails in the browser. Nothing reaches AWS, and no TLS is touched.

The network guard: once a secret is about to be typed (:meth:`Capture.protect`), every session's
``Fetch.enable`` is widened to every URL (one ``Fetch.enable`` per session: a second one would
replace the first's patterns), so every request of every tab, popup and frame (and of the
dedicated workers they start) is held, and one carrying the secret to an untrusted origin fails
with ``BlockedByClient`` before it leaves. Before that, only the AWS hosts are held: the IdP's
pages load untouched.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from awscli_saml_sso.browser import endpoints as ep
from awscli_saml_sso.browser.capture import DONE_PAGE, Capture, saml_response_from
from awscli_saml_sso.browser.cdp import CdpError
from awscli_saml_sso.errors import BrowserError

log = logging.getLogger(__name__)

ATTACH_TYPES = {"page", "iframe"}  # targets whose network requests Fetch can hold
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
MAX_POST_DATA = 1 << 20  # bodies Network keeps for getRequestPostData (past that: unreadable)


class CdpCapture(Capture):
    """Guards every target of the driver's browser; :meth:`result` hands over the value."""

    def __init__(self, driver: Any, endpoints: tuple[str, ...]) -> None:
        super().__init__()
        self.endpoints = endpoints
        self._driver = driver
        self._connection = driver.connection
        self._crashed: str | None = None
        self._closed = False
        self._sessions: list[str] = []  # the guarded targets' sessions
        self._guarded = ep.guarded_origins(endpoints)
        self._serve: dict[str, Any] | None = None  # the plain-HTTP engine's last page, to show once

    def start(self) -> None:
        self._connection.on("Fetch.requestPaused", self._on_request)
        self._connection.on("Inspector.targetCrashed", self._on_crash)
        self._connection.on("Network.webSocketCreated", self._on_websocket)
        self._driver.add_attach_hook(self._guard)  # also guards the tab already open
        if self._connection.failure or not self._driver.window_handles:
            raise CdpError(self._connection.failure or "the browser has no tab to guard")

    @property
    def failure(self) -> str | None:
        """Why capturing stopped: the connection died, or the tab crashed."""
        if self._closed:
            return None
        return self._connection.failure or self._crashed

    def close(self) -> None:
        self._closed = True  # the driver owns the connection; it goes with the browser

    def _guard(self, session: str, info: dict[str, Any]) -> None:
        if info["type"] not in ATTACH_TYPES:
            return
        self._sessions.append(session)  # first: protect() then covers it, or we see its flag
        self._connection.send("Inspector.enable", None, session)
        self._fetch(session)

    def serve_once(self, url: str, status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        """The next navigation to ``url`` is answered with this response (the page the plain-HTTP
        engine received), so the browser carries on from it without asking the IdP again."""
        kept = [
            {"name": name, "value": value}
            for name, value in headers
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding", "set-cookie")
        ]
        self._serve = {"url": url.split("#")[0], "status": status or 200, "headers": kept, "body": body}
        self._guard_everything()  # every session's Fetch.enable now includes the page's URL

    def _fetch(self, session: str) -> None:
        patterns = ep.fetch_patterns(self.endpoints)
        if self._serve is not None:  # Fetch's wildcards are * and ?, escaped with a backslash
            escaped = "".join("\\" + c if c in "*?\\" else c for c in self._serve["url"])
            patterns.append({"urlPattern": escaped, "requestStage": "Request"})
        if self.guarding:
            patterns.append({"urlPattern": "*", "requestStage": "Request"})
            self._no_websockets(session)
        self._connection.call("Fetch.enable", {"patterns": patterns}, session, timeout=10)

    def _no_websockets(self, session: str) -> None:
        """Fetch never holds a WebSocket handshake (nor sees its frames), and Network's blocked
        URLs skip it too. "Offline" emulation scoped by rules to ws/wss URLs stops it in the
        renderer (measured on Chromium 156: the global flag applies to the WebSockets a rule
        matches; the page's own requests go on, held by the guard). So no WebSocket opens while
        a secret is on the page, to any origin. An older Chromium without the command: they do.
        Sent without waiting: a session runs its commands in order, so the Fetch.enable whose
        answer we wait for next comes after both."""
        send = self._connection.send
        send("Network.enable", {"maxPostDataSize": MAX_POST_DATA}, session)
        rules = [{"urlPattern": f"{scheme}://*:*/*", **OFFLINE} for scheme in ("ws", "wss")]
        send("Network.emulateNetworkConditionsByRule", {"offline": True, "matchedNetworkConditions": rules}, session)

    def _guard_everything(self) -> None:
        for session in list(self._sessions):
            try:
                self._fetch(session)
            except CdpError as exc:  # a target that is gone meanwhile
                if self._connection.failure:
                    raise BrowserError(f"could not guard the browser's tabs: {exc}") from exc
                log.debug("guarding a target: %s", exc)

    def _on_websocket(self, event: dict[str, Any]) -> None:
        """A WebSocket the page tried to open while a secret is on it (it cannot open, see
        _no_websockets): to an untrusted origin, that ends the login like a leak."""
        url = str(event["params"].get("url", ""))
        if self.leak(url, None, websocket=True) is None:
            log.debug("a WebSocket to %s cannot open while a secret is on the page", ep.strip_query(url))

    def _on_crash(self, event: dict[str, Any]) -> None:
        self._crashed = "the browser tab crashed"

    def _on_request(self, event: dict[str, Any]) -> None:
        session, params = event.get("sessionId"), event["params"]
        request, request_id = params["request"], params["requestId"]
        url, method = request["url"], request["method"]
        served = self._serve
        if served is not None and method == "GET" and url.split("#")[0] == served["url"]:
            self._serve = None  # once: a reload later asks the IdP
            body = base64.b64encode(served["body"]).decode()
            params = {"requestId": request_id, "responseCode": served["status"], "body": body}
            self._connection.send("Fetch.fulfillRequest", {**params, "responseHeaders": served["headers"]}, session)
            return
        # A request to an AWS host never leaves the browser (answered here or failed, below);
        # any other request is held only for the guard.
        if self.guarding and not ep.is_saml_endpoint(url, self._guarded):
            stopped = self.leak(url, self._parts(request, params, session))
            if stopped is not None:
                log.debug("stopped a request carrying a secret to %s", stopped)
                self._fail(request_id, session)
            else:
                self._connection.send("Fetch.continueRequest", {"requestId": request_id}, session)
            return
        if not ep.is_saml_endpoint(url, self._guarded):  # held for the served page's pattern only
            self._connection.send("Fetch.continueRequest", {"requestId": request_id}, session)
            return
        log.debug("held %s %s (%s)", method, ep.strip_query(url), params.get("resourceType"))
        value = None
        if method == "POST" and ep.is_saml_endpoint(url, self.endpoints):
            value = saml_response_from(_body(request), _header(request, "content-type"))
        if value is None and method == "POST" and ep.is_saml_endpoint(url, self.endpoints):
            self.problem = f"the browser posted to {ep.strip_query(url)} without a readable SAMLResponse"
        if value is None:
            self.blocked.append(f"{method} {ep.strip_query(url)}")
            self._fail(request_id, session)
            return
        # Answer first, hand over second: once the caller has the value it shuts the browser
        # down, and no request should still be held (undecided) at that moment.
        try:
            self._connection.call(
                "Fetch.fulfillRequest",
                {
                    "requestId": request_id,
                    "responseCode": 200,
                    "responseHeaders": [
                        {"name": "Content-Type", "value": "text/html; charset=utf-8"},
                        {"name": "Cache-Control", "value": "no-store"},
                    ],
                    "body": base64.b64encode(DONE_PAGE.encode()).decode(),
                },
                session,
                timeout=10,
            )
        finally:
            self._deliver(value)

    def _fail(self, request_id: str, session: str | None) -> None:
        self._connection.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"}, session)

    def _parts(self, request: dict[str, Any], params: dict[str, Any], session: str | None) -> list[bytes | str] | None:
        """What of a held request may carry a secret besides its URL: the body and the header
        values. None when it has a body we cannot read (it may carry one)."""
        headers = [str(v) for v in (request.get("headers") or {}).values()]
        body = _body(request)
        if body is None and request.get("hasPostData"):  # too large or a file: ask for it
            try:
                data = self._connection.call(
                    "Network.getRequestPostData", {"requestId": params.get("networkId", "")}, session, timeout=10
                )
                text = str(data.get("postData", ""))
                body = base64.b64decode(text) if data.get("base64Encoded") else text.encode("utf-8", "surrogatepass")
            except (CdpError, ValueError):
                return None
        return [*headers, body or b""]


def _header(request: dict[str, Any], name: str) -> str:
    for key, value in (request.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def _body(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:  # exact bytes, base64 per chunk
        return b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
    if "postData" in request:
        return str(request["postData"]).encode("utf-8")
    return None


def start_capture(driver: Any, endpoints: tuple[str, ...]) -> CdpCapture:
    capture = CdpCapture(driver, endpoints)
    capture.start_or_close(lambda exc: BrowserError(f"could not guard the browser's tabs: {exc}"))
    return capture
