"""A WebDriver BiDi connection: commands with answers, and events in order, over one websocket.

Our own connection to the session's ``webSocketUrl`` (Selenium's BiDi helpers cannot hold a
request and read its body). Threads: a reader (websocket -> answers and an event queue) and a
worker that hands each event to a callback, both daemons, both ended by :meth:`close`.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from typing import Any, Callable
from awscli_saml_sso.browser import loopback

log = logging.getLogger(__name__)


class BidiError(Exception):
    pass


class BidiConnection:
    def __init__(self, url: str, on_event: Callable[[str, dict[str, Any]], None]) -> None:
        self._url = url
        self._on_event = on_event
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._pending: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._closing = threading.Event()
        self.failure: str | None = None  # why the connection died, if it did

    def open(self) -> None:
        self._ws = loopback.open_websocket(self._url)
        for name, fn in (("bidi-reader", self._read_loop), ("bidi-worker", self._work_loop)):
            threading.Thread(target=fn, name=name, daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        self._events.put(None)
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.abort()
                ws.shutdown()
            except Exception:  # noqa: BLE001 - closing must never raise
                log.debug("closing the BiDi websocket failed", exc_info=True)

    def call(self, method: str, params: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        box: queue.Queue[dict[str, Any]] = queue.Queue(1)
        msg_id = self.send(method, params, box)
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            raise BidiError(f"{method}: no answer within {timeout} s") from None
        finally:
            self._pending.pop(msg_id, None)
        if answer.get("type") == "error":
            raise BidiError(f"{method}: {answer.get('error')}: {answer.get('message', '')}"[:300])
        return dict(answer.get("result") or {})

    def send(self, method: str, params: dict[str, Any],
             box: queue.Queue[dict[str, Any]] | None = None) -> int:
        """Send a command; its answer goes to ``box`` (or nowhere: fire and forget)."""
        if self.failure or self._ws is None:
            raise BidiError(self.failure or "BiDi connection closed")
        msg_id = next(self._ids)
        if box is not None:
            self._pending[msg_id] = box
        with self._lock:
            self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        return msg_id

    def _read_loop(self) -> None:
        try:
            while not self._closing.is_set():
                raw = self._ws.recv() if self._ws is not None else ""
                if not raw:
                    break
                message = json.loads(raw)
                if message.get("type") == "event":
                    self._events.put(message)
                    continue
                box = self._pending.get(message.get("id", -1))
                if box is not None:
                    box.put(message)
                elif message.get("type") == "error":  # an answer to a fire-and-forget command
                    log.debug("BiDi: %s: %s", message.get("error"), message.get("message"))
        except Exception as exc:  # noqa: BLE001 - the connection died; report, don't crash
            if not self._closing.is_set():
                self.failure = f"BiDi connection lost ({type(exc).__name__})"
        if not self._closing.is_set() and not self.failure:
            self.failure = "BiDi connection closed by the browser"
        for box in list(self._pending.values()):
            box.put({"type": "error", "error": "closed", "message": self.failure or ""})
        self._events.put(None)

    def _work_loop(self) -> None:
        while True:
            event = self._events.get()
            if event is None or self._closing.is_set():
                return
            try:
                self._on_event(str(event.get("method")), dict(event.get("params") or {}))
            except BidiError as exc:
                log.debug("BiDi: %s", exc)
            except Exception:  # noqa: BLE001 - keep serving the other requests
                log.debug("BiDi event handling failed", exc_info=True)
