"""A WebDriver BiDi connection: commands with answers, and events in order, over one websocket.

Our own connection to the session's ``webSocketUrl`` (Selenium's BiDi helpers cannot hold a
request and read its body); the message plumbing is :mod:`wsrpc`, shared with DevTools.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from awscli_saml_sso.browser import wsrpc


class BidiError(Exception):
    pass


class BidiConnection:
    """``open`` / ``call`` / ``send`` / ``close`` and ``failure``, over :class:`wsrpc.WsRpc`."""

    def __init__(self, url: str, on_event: Callable[[str, dict[str, Any]], None]) -> None:
        self._url = url
        self._rpc = wsrpc.WsRpc(
            "BiDi",
            on_event=lambda event: on_event(str(event.get("method")), dict(event.get("params") or {})),
            is_event=lambda message: message.get("type") == "event",
            error_answer=lambda why: {"type": "error", "error": "closed", "message": why},
            error_type=BidiError,
        )

    @property
    def failure(self) -> str | None:
        return self._rpc.failure

    def open(self) -> None:
        self._rpc.open(self._url)

    def close(self) -> None:
        self._rpc.close()

    def call(self, method: str, params: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        answer = self._rpc.request({"method": method, "params": params}, timeout)
        if answer.get("type") == "error":
            raise BidiError(f"{method}: {answer.get('error')}: {answer.get('message', '')}"[:300])
        return dict(answer.get("result") or {})

    def send(self, method: str, params: dict[str, Any]) -> int:
        """Fire and forget: the answer is not awaited."""
        return self._rpc.send({"method": method, "params": params})
