"""A small DevTools-protocol client over the pipe the browser was started with.

Shaped like Puppeteer's and Playwright's: a transport that frames messages (NUL-terminated JSON
on the pipe), a :class:`Connection` that matches answers to commands by id and hands events to
listeners, and flattened sessions (a ``sessionId`` on each message) for the targets we attach to.

Threads: a reader (transport -> answers, and events onto a queue) and a worker that hands each
event to its listeners one at a time, so a listener may itself send commands and wait for their
answers. When the pipe closes, every pending command fails at once: no call can hang on a dead
browser, and every call has a timeout besides. So does a listener's unexpected exception (a bug):
it is logged at ERROR and ends the connection's use (``failure``), instead of showing up later as
a misleading timeout.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Message = dict[str, Any]
Listener = Callable[[Message], None]


class CdpError(Exception):
    """A command failed, or the connection to the browser is gone."""

    def __init__(self, message: str, closed: bool = False) -> None:
        super().__init__(message)
        self.msg = message
        self.closed = closed  # the browser is gone, not just this command


class CdpTimeout(CdpError):
    """A command got no answer within its timeout (the browser is still there)."""


class Transport(Protocol):
    def send(self, data: str) -> None: ...

    def recv(self) -> str | None: ...  # one message, None at the end

    def close(self) -> None: ...


class PipeTransport:
    """``--remote-debugging-pipe``: we write to the browser's fd 3, read from its fd 4; each
    message is JSON followed by a NUL byte."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self._write_fd = write_fd
        self._read_fd = read_fd
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._closed = False

    def send(self, data: str) -> None:
        payload = data.encode("utf-8") + b"\0"
        with self._lock:
            if self._closed:
                raise OSError("pipe closed")
            view = memoryview(payload)
            while view:
                written = os.write(self._write_fd, view)
                view = view[written:]

    def recv(self) -> str | None:
        while True:
            end = self._buffer.find(b"\0")
            if end >= 0:
                message = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                return message.decode("utf-8")
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._close_read()
                return None
            self._buffer += chunk

    def close(self) -> None:
        """Close our write end: the browser sees end-of-file and exits. The read end is closed
        by the reader once the browser's end is closed (never under a thread still reading it:
        the fd number could be reused by another file meanwhile)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                os.close(self._write_fd)
            except OSError:
                pass

    def _close_read(self) -> None:
        fd, self._read_fd = self._read_fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


class WebSocketTransport:
    """The loopback-port fallback (Windows): one browser-level DevTools websocket."""

    def __init__(self, url: str) -> None:
        from awscli_saml_sso.browser import loopback

        self._ws = loopback.open_websocket(url)
        self._lock = threading.Lock()

    def send(self, data: str) -> None:
        with self._lock:
            self._ws.send(data)

    def recv(self) -> str | None:
        try:
            raw = self._ws.recv()
        except Exception:  # the socket died: the end of the stream
            return None
        return raw or None

    def close(self) -> None:
        try:
            self._ws.abort()
            self._ws.shutdown()
        except Exception:  # closing must never raise
            pass


class Connection:
    """Commands by id, events to listeners; one per browser."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._ids = itertools.count(1)
        self._pending: dict[int, queue.Queue[Message]] = {}
        self._pending_lock = threading.Lock()
        self._listeners: dict[str, list[Listener]] = {}
        self._events: queue.Queue[Message | None] = queue.Queue()
        self._closing = threading.Event()
        self.failure: str | None = None  # why the connection ended, when it has
        for name, loop in (("cdp-reader", self._read_loop), ("cdp-events", self._event_loop)):
            threading.Thread(target=loop, name=name, daemon=True).start()

    # ---- commands -----------------------------------------------------------------------------

    def send(
        self,
        method: str,
        params: Message | None = None,
        session: str | None = None,
        box: queue.Queue[Message] | None = None,
    ) -> int:
        """Send a command; its answer goes to ``box``, or nowhere (fire and forget)."""
        if self.failure:
            raise CdpError(f"{method}: {self.failure}", closed=True)
        msg_id = next(self._ids)
        message: Message = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        if box is not None:
            with self._pending_lock:
                self._pending[msg_id] = box
        try:
            self._transport.send(json.dumps(message))
        except OSError as exc:
            with self._pending_lock:
                self._pending.pop(msg_id, None)
            self._fail(f"browser connection lost ({type(exc).__name__})")
            raise CdpError(f"{method}: {self.failure}", closed=True) from None
        return msg_id

    def call(
        self, method: str, params: Message | None = None, session: str | None = None, timeout: float = 30.0
    ) -> Message:
        """Send a command and wait for its result; CdpError for an error answer, a timeout or a
        connection that closes meanwhile."""
        box: queue.Queue[Message] = queue.Queue(1)
        msg_id = self.send(method, params, session, box)
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            raise CdpTimeout(f"{method}: no answer within {timeout:g} s") from None
        finally:
            with self._pending_lock:
                self._pending.pop(msg_id, None)
        if "error" in answer:
            error = answer["error"]
            raise CdpError(f"{method}: {error.get('message')}", closed=bool(error.get("closed")))
        return dict(answer.get("result") or {})

    # ---- events -------------------------------------------------------------------------------

    def on(self, method: str, listener: Listener) -> None:
        """Call ``listener(message)`` (with ``params`` and ``sessionId``) for each such event,
        on the event thread, in order."""
        self._listeners.setdefault(method, []).append(listener)

    def close(self) -> None:
        self._closing.set()
        self._fail("browser connection closed")
        self._transport.close()

    # ---- threads ------------------------------------------------------------------------------

    def _fail(self, why: str) -> None:
        if self.failure is None:
            self.failure = why
        with self._pending_lock:
            boxes, self._pending = list(self._pending.values()), {}
        for box in boxes:
            box.put({"error": {"message": self.failure, "closed": True}})
        self._events.put(None)

    def _read_loop(self) -> None:
        try:
            while True:
                raw = self._transport.recv()
                if raw is None:
                    break
                message = json.loads(raw)
                if "id" not in message:
                    self._events.put(message)
                    continue
                with self._pending_lock:
                    box = self._pending.pop(message["id"], None)
                if box is not None:
                    box.put(message)
        except Exception as exc:  # a broken stream ends the connection
            log.debug("DevTools reader stopped: %s", type(exc).__name__)
        self._fail(
            "browser connection closed"
            if self._closing.is_set()
            else "the browser closed the connection (disconnected)"
        )

    def _event_loop(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            for listener in self._listeners.get(event.get("method", ""), ()):
                try:
                    listener(event)
                except CdpError as exc:
                    log.debug("DevTools event %s: %s", event.get("method"), exc)
                except Exception as exc:  # a bug: fail now, not at the caller's timeout
                    log.error("DevTools event %s: its handler failed (%s)", event.get("method"), type(exc).__name__)
                    log.debug("DevTools event handler failure", exc_info=True)
                    self._fail(f"a DevTools event handler failed ({type(exc).__name__})")
                    return
