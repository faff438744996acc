"""JSON commands and events over one loopback websocket, as the DevTools protocol (Chromium) and
WebDriver BiDi (Firefox) both speak them: commands carry an ``id`` and get one answer; events
arrive in order and are handled one at a time.

Threads: a reader (websocket -> answers, and events onto a queue) and a worker that hands each
event to a callback, both daemons, both ended by :meth:`WsRpc.close`. The two protocols differ
only in how an event is told from an answer and in the shape of an error answer: both are passed
in. When the connection dies, every pending command gets an error answer at once; so it does
when an event handler fails unexpectedly (a bug): ``failure`` says so, the waiting caller stops
at once instead of timing out, and the error is logged at ERROR.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from awscli_saml_sso.browser import loopback

log = logging.getLogger(__name__)

Message = dict[str, Any]


class WsRpc:
    def __init__(
        self,
        name: str,
        on_event: Callable[[Message], None],
        is_event: Callable[[Message], bool],
        error_answer: Callable[[str], Message],
        error_type: type[Exception],
    ) -> None:
        self.name = name  # "DevTools" or "BiDi", for messages
        self._on_event = on_event
        self._is_event = is_event
        self._error_answer = error_answer
        self._error_type = error_type
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._pending: dict[int, queue.Queue[Message]] = {}
        self._lock = threading.Lock()
        self._events: queue.Queue[Message | None] = queue.Queue()
        self._closing = threading.Event()
        self.failure: str | None = None  # why the connection died, if it did

    def open(self, url: str) -> None:
        self._ws = loopback.open_websocket(url)
        for suffix, loop in (("reader", self._read_loop), ("worker", self._work_loop)):
            threading.Thread(target=loop, name=f"{self.name}-{suffix}", daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        self._events.put(None)
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.abort()
                ws.shutdown()
            except Exception:  # closing must never raise
                log.debug("closing the %s websocket failed", self.name, exc_info=True)

    def send(self, message: Message, box: queue.Queue[Message] | None = None) -> int:
        """Send a command (an ``id`` is added); its answer goes to ``box``, or nowhere."""
        if self.failure or self._ws is None:
            raise self._error_type(self.failure or f"{self.name} connection closed")
        msg_id = next(self._ids)
        if box is not None:
            self._pending[msg_id] = box
        with self._lock:
            self._ws.send(json.dumps({"id": msg_id, **message}))
        return msg_id

    def request(self, message: Message, timeout: float) -> Message:
        """Send a command and wait for its answer (an error answer is returned, not raised)."""
        box: queue.Queue[Message] = queue.Queue(1)
        msg_id = self.send(message, box)
        try:
            return box.get(timeout=timeout)
        except queue.Empty:
            raise self._error_type(f"{message.get('method')}: no answer within {timeout} s") from None
        finally:
            self._pending.pop(msg_id, None)

    def _read_loop(self) -> None:
        try:
            while not self._closing.is_set():
                raw = self._ws.recv() if self._ws is not None else ""
                if not raw:
                    break
                message = json.loads(raw)
                if self._is_event(message):
                    self._events.put(message)
                    continue
                box = self._pending.get(message.get("id", -1))
                if box is not None:
                    box.put(message)
                elif "error" in message:  # a fire-and-forget command failed (no content logged)
                    log.debug("%s: command %s failed", self.name, message.get("id"))
        except Exception as exc:  # the connection died; report, don't crash
            if not self._closing.is_set():
                self.failure = f"{self.name} connection lost ({type(exc).__name__})"
        if not self._closing.is_set() and not self.failure:
            self.failure = f"{self.name} connection closed by the browser"
        self._fail_pending()
        self._events.put(None)

    def _fail_pending(self) -> None:
        for box in list(self._pending.values()):
            box.put(self._error_answer(self.failure or "closed"))

    def _work_loop(self) -> None:
        while True:
            event = self._events.get()
            if event is None or self._closing.is_set():
                return
            try:
                self._on_event(event)
            except self._error_type as exc:
                log.debug("%s: %s", self.name, exc)
            except Exception as exc:  # a bug: end the connection's use now, not at the timeout
                log.error("%s: an event handler failed (%s)", self.name, type(exc).__name__)
                log.debug("%s event handler failure", self.name, exc_info=True)
                if self.failure is None:
                    self.failure = f"{self.name} event handler failed ({type(exc).__name__})"
                self._fail_pending()
                return
