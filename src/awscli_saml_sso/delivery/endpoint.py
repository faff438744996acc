"""A small HTTP/1.1 endpoint on loopback (``exec --server``): one thread, non-blocking sockets.

Why not ``http.server``: it writes an answer's headers and body in two writes, which meet the
peer's delayed ACK on a kept-alive connection (Nagle: 40 ms per request), parses headers with
``email``, and starts a thread per connection. Here one thread reads, checks and answers each
request with a single ``send`` on a TCP_NODELAY socket: a tenth of a millisecond.

Bounded, whatever a local process sends: loopback only; a request's line and headers at most
``MAX_HEAD`` bytes and ``MAX_HEADERS`` lines; no request body (anything but a plain GET is answered
and the connection closed); each connection has ``IDLE`` seconds to send each request, and at
most ``MAX_CONNECTIONS`` are held (the longest idle is dropped for a new one). A client that
resets or drops its connection at any moment only loses that connection, silently.
"""

from __future__ import annotations

import dataclasses
import logging
import selectors
import socket
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAX_HEAD = 16 * 1024  # an SDK's request is under 1 KiB
MAX_HEADERS = 100
MAX_CONNECTIONS = 128
MAX_UNSENT = 64 * 1024  # a client that pipelines without reading its answers is dropped
IDLE = 10.0  # seconds a connection has to send its (next) request
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: dict[str, bytes]  # lower-case names; values as sent (stripped)


Respond = Callable[[Request], "tuple[int, bytes]"]


class BadRequest(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def answer(code: int, body: bytes, close: bool) -> bytes:
    """Status line, headers and body as one buffer: one send, one segment."""
    connection = "Connection: close\r\n" if close else ""
    head = (
        f"HTTP/1.1 {code} {REASONS[code]}\r\nServer: awscli-saml-sso\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n{connection}\r\n"
    )
    return head.encode() + body


def parse(head: bytes) -> tuple[Request, bool]:
    """A request's line and headers (without the blank line) -> the request, and whether the
    connection closes after it. Duplicated framing or credential headers are refused."""
    lines = head.split(b"\r\n")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(431, "too many headers")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise BadRequest(400, "bad request line")
    headers: dict[str, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise BadRequest(400, "bad header line")
        key = name.decode("latin-1").lower()
        if key in headers and key in ("authorization", "content-length", "transfer-encoding", "host"):
            raise BadRequest(400, f"{key} given twice")
        headers[key] = value.strip()
    method, target = parts[0].decode("latin-1"), parts[1].decode("latin-1")
    close = parts[2] != b"HTTP/1.1" or headers.get("connection", b"").lower() == b"close"
    if method != "GET" or "transfer-encoding" in headers or headers.get("content-length", b"0") != b"0":
        close = True  # a body is never read: the connection cannot carry another request
    return Request(method, target, headers), close


@dataclasses.dataclass(eq=False)
class _Connection:
    sock: socket.socket
    deadline: float
    inbox: bytearray = dataclasses.field(default_factory=bytearray)
    outbox: bytearray = dataclasses.field(default_factory=bytearray)
    closing: bool = False
    writing: bool = False  # registered for EVENT_WRITE too (an answer waits for room)


class Endpoint:
    """``serve`` in a thread of its own until ``stop``; ``respond`` runs in that thread."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self._listener = socket.create_server((HOST, 0), backlog=128)
        self._listener.setblocking(False)
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._connections: dict[socket.socket, _Connection] = {}
        self._stopped = False
        self._next_check = float("inf")

    @property
    def address(self) -> tuple[str, int]:
        return self._listener.getsockname()[:2]

    def serve(self) -> None:
        try:
            while not self._stopped:
                timeout = None if not self._connections else max(0.0, self._next_check - time.monotonic())
                for key, events in self._selector.select(timeout):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._wake_read.recv(64)
                    else:
                        self._step(key.data, events)
                if time.monotonic() >= self._next_check:
                    self._expire()
        finally:
            for connection in list(self._connections.values()):
                self._drop(connection)
            self._selector.close()
            self._listener.close()
            self._wake_read.close()

    def stop(self) -> None:
        self._stopped = True
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass
        self._wake_write.close()

    # -- connections ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE and the like: the backlog keeps it for later
                log.debug("exec --server: accept failed: %s", exc)
                return
            if len(self._connections) >= MAX_CONNECTIONS:
                self._drop(min(self._connections.values(), key=lambda c: c.deadline))
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, time.monotonic() + IDLE)
            self._connections[sock] = connection
            self._selector.register(sock, selectors.EVENT_READ, connection)
            self._next_check = min(self._next_check, connection.deadline)

    def _step(self, connection: _Connection, events: int) -> None:
        try:
            if events & selectors.EVENT_READ and not self._receive(connection):
                return
            self._handle(connection)
            self._flush(connection)
        except OSError as exc:  # reset, broken pipe: that client is gone, the others are not
            log.debug("exec --server: connection dropped: %s", exc)
            self._drop(connection)
        except Exception as exc:  # never a traceback in the job's output, never a dead server
            log.debug("exec --server: connection failed", exc_info=exc)
            self._drop(connection)

    def _receive(self, connection: _Connection) -> bool:
        try:
            data = connection.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            self._drop(connection)
            return False
        connection.inbox += data
        return True

    def _handle(self, connection: _Connection) -> None:
        while not connection.closing:
            end = connection.inbox.find(b"\r\n\r\n")
            if end < 0:
                if len(connection.inbox) > MAX_HEAD:
                    self._reply(connection, 431, b'{"message": "request headers too large"}', close=True)
                return
            if end > MAX_HEAD:
                self._reply(connection, 431, b'{"message": "request headers too large"}', close=True)
                return
            head = bytes(connection.inbox[:end])
            del connection.inbox[: end + 4]
            try:
                request, close = parse(head)
            except BadRequest as exc:
                self._reply(connection, exc.code, b'{"message": "%s"}' % str(exc).encode(), close=True)
                return
            code, body = self.respond(request)
            self._reply(connection, code, body, close)
            connection.deadline = time.monotonic() + IDLE

    def _reply(self, connection: _Connection, code: int, body: bytes, close: bool) -> None:
        connection.outbox += answer(code, body, close)
        connection.closing = connection.closing or close
        if len(connection.outbox) > MAX_UNSENT:
            raise OSError("the client does not read its answers")

    def _flush(self, connection: _Connection) -> None:
        if connection.outbox:
            try:
                sent = connection.sock.send(connection.outbox)
            except (BlockingIOError, InterruptedError):
                sent = 0
            del connection.outbox[:sent]
        if not connection.outbox and connection.closing:
            self._drop(connection)
        elif bool(connection.outbox) != connection.writing:  # a system call only when it changes
            connection.writing = bool(connection.outbox)
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if connection.writing else 0)
            self._selector.modify(connection.sock, events, connection)

    def _expire(self) -> None:
        now = time.monotonic()
        for connection in [c for c in self._connections.values() if c.deadline <= now]:
            log.debug("exec --server: a connection sent no request in %.0f s: closed", IDLE)
            self._drop(connection)
        self._next_check = min((c.deadline for c in self._connections.values()), default=float("inf"))

    def _drop(self, connection: _Connection) -> None:
        if self._connections.pop(connection.sock, None) is None:
            return
        try:
            self._selector.unregister(connection.sock)
        except (KeyError, ValueError):
            pass
        connection.sock.close()
