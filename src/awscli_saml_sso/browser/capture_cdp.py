"""Catch the SAMLResponse POST in Chrome/Chromium/Edge with the DevTools protocol's Fetch domain.

One browser-level DevTools websocket (not Selenium's per-tab one) auto-attaches to every target,
so popups and new tabs are covered: each new target waits for us (``waitForDebuggerOnStart``)
until ``Fetch.enable`` holds requests to the AWS sign-in hosts and the SAML endpoints. A POST of
``SAMLResponse`` to an endpoint is recorded and answered with a local page; every other request
to an AWS sign-in host fails in the browser. Nothing reaches AWS, and no TLS is touched.

The message plumbing (threads, pending answers, a dying connection) is :mod:`wsrpc`, shared
with the Firefox capture.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import logging
import threading
import urllib.request
from typing import Any
from urllib.parse import parse_qs

from awscli_saml_sso.browser import endpoints as ep
from awscli_saml_sso.errors import BrowserError
from awscli_saml_sso.browser import wsrpc
from awscli_saml_sso.browser.capture import Capture

log = logging.getLogger(__name__)

DONE_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Signed in</title><link rel=icon href='data:,'>"
    "<body style='font-family:sans-serif;margin:3em'><h1>Signed in</h1>"
    "<p>awscli-saml-sso has the SAML response. You can close this window.</p>"
)
ATTACH_TYPES = {"page", "iframe"}  # targets whose network requests Fetch can hold


class CdpError(Exception):
    pass


def _command(method: str, params: dict[str, Any] | None, session: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    return message


def browser_websocket_url(debugger_address: str, timeout: float = 5.0) -> str:
    """``/json/version`` on the browser's debugging port gives the browser-level websocket."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    with opener.open(f"http://{debugger_address}/json/version", timeout=timeout) as answer:
        return str(json.load(answer)["webSocketDebuggerUrl"])


class CdpCapture(Capture):
    """Holds the DevTools connection; :meth:`result` hands the captured value to the caller."""

    def __init__(self, debugger_address: str, endpoints: tuple[str, ...]) -> None:
        super().__init__()
        self.endpoints = endpoints
        self._address = debugger_address
        self._rpc = wsrpc.WsRpc(
            "DevTools",
            on_event=self._on_event,
            is_event=lambda message: "id" not in message,
            error_answer=lambda why: {"error": {"message": why}},
            error_type=CdpError,
        )
        self._sessions: dict[str, str] = {}  # sessionId -> targetId
        self._ready: set[str] = set()  # targetIds whose requests Fetch holds
        self._ready_cond = threading.Condition()
        self._crashed: str | None = None

    # ---- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._rpc.open(browser_websocket_url(self._address))
        pages = {
            info["targetId"]
            for info in self.call("Target.getTargets")["targetInfos"]
            if info["type"] == "page"
        }
        # At browser level, auto-attach also attaches the targets that already exist (measured on
        # Chromium 156), so one call covers the first tab, popups and new tabs alike.
        self.call(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
        )
        with self._ready_cond:  # the first tab must be guarded before the caller navigates it
            self._ready_cond.wait_for(lambda: pages <= self._ready or self.failure, timeout=10)
        if not pages <= self._ready:
            raise CdpError(self.failure or "the open tab could not be guarded")

    @property
    def failure(self) -> str | None:
        """Why capturing stopped: the connection died, or the tab crashed."""
        return self._rpc.failure or self._crashed

    def close(self) -> None:
        self._rpc.close()

    # ---- protocol plumbing --------------------------------------------------------------------

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        answer = self._rpc.request(_command(method, params, session), timeout)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error'].get('message')}")
        return dict(answer.get("result", {}))

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        """Fire and forget: the answer is not awaited."""
        return self._rpc.send(_command(method, params, session))

    # ---- events -------------------------------------------------------------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Target.attachedToTarget":
            self._setup_session(params["sessionId"], params["targetInfo"],
                                params.get("waitingForDebugger", False))
        elif method == "Target.detachedFromTarget":
            self._sessions.pop(params.get("sessionId", ""), None)
        elif method == "Fetch.requestPaused":
            self._on_request(event.get("sessionId"), params)
        elif method == "Inspector.targetCrashed":
            self._crashed = "the browser tab crashed"

    def _setup_session(self, session: str, info: dict[str, Any], waiting: bool) -> None:
        duplicate = info["targetId"] in self._sessions.values()
        log.debug("attached to %s %s%s", info["type"], ep.strip_query(info.get("url", "")),
                  " (again)" if duplicate else "")
        try:
            if info["type"] in ATTACH_TYPES and not duplicate:
                self._sessions[session] = info["targetId"]
                self.call("Fetch.enable", {"patterns": ep.fetch_patterns(self.endpoints)}, session)
                self._send("Inspector.enable", None, session)
                # Out-of-process iframes are separate targets: attach to them as well.
                self.call("Target.setAutoAttach", {"autoAttach": True,
                          "waitForDebuggerOnStart": True, "flatten": True}, session)
                with self._ready_cond:
                    self._ready.add(info["targetId"])
                    self._ready_cond.notify_all()
        finally:
            if waiting:
                self._send("Runtime.runIfWaitingForDebugger", None, session)
            if duplicate:
                self._send("Target.detachFromTarget", {"sessionId": session}, None)

    def _on_request(self, session: str | None, params: dict[str, Any]) -> None:
        request, request_id = params["request"], params["requestId"]
        url, method = request["url"], request["method"]
        log.debug("held %s %s (%s)", method, ep.strip_query(url), params.get("resourceType"))
        value = None
        if method == "POST" and ep.is_saml_endpoint(url, self.endpoints):
            value = saml_response_from(_body(request), _header(request, "content-type"))
        if value is None and method == "POST" and ep.is_saml_endpoint(url, self.endpoints):
            self.problem = (f"the browser posted to {ep.strip_query(url)} without a readable "
                            "SAMLResponse")
        if value is None:
            self.blocked.append(f"{method} {ep.strip_query(url)}")
            self._send("Fetch.failRequest", {"requestId": request_id,
                       "errorReason": "BlockedByClient"}, session)
            return
        # Answer first, hand over second: once the caller has the value it shuts the browser
        # down, and no request should still be held (undecided) at that moment.
        try:
            self.call("Fetch.fulfillRequest", {
                "requestId": request_id, "responseCode": 200,
                "responseHeaders": [
                    {"name": "Content-Type", "value": "text/html; charset=utf-8"},
                    {"name": "Cache-Control", "value": "no-store"},
                ],
                "body": base64.b64encode(DONE_PAGE.encode()).decode(),
            }, session)
        finally:
            self._deliver(value)


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


def start_capture(debugger_address: str | None, endpoints: tuple[str, ...]) -> CdpCapture:
    if not debugger_address:
        raise BrowserError("the browser did not expose its DevTools address")
    capture = CdpCapture(debugger_address, endpoints)
    capture.start_or_close(lambda exc: BrowserError(f"could not connect to the browser's DevTools: {exc}"))
    return capture
