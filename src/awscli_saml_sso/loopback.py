"""A small HTTP/1.1 server on loopback (``exec --server``, ``--listen``): one thread, non-blocking.

Why not ``http.server``: it writes an answer's headers and body in two writes, which meet the
peer's delayed ACK on a kept-alive connection (Nagle: 40 ms per request), parses headers with
``email``, and holds a thread per connection, so that idle connections from any local process
(a thread and a slot each) delay the one request that matters. Here one thread reads, checks and
answers every connection, each answer in a single ``send`` on a TCP_NODELAY socket: a tenth of
a millisecond, and an idle connection costs nothing but its descriptor.

Bounded, whatever a local process sends: loopback only; a request's line and headers at most
``MAX_HEAD`` bytes and ``MAX_HEADERS`` lines; a body only with a Content-Length up to the
server's ``max_body``; each connection has ``deadline`` seconds to send each request; at most
``MAX_CONNECTIONS`` are held (the longest waiting is dropped for a new one, so a flood cannot
shut the door on the real client). A client that resets or drops its connection at any moment
only loses that connection, silently: no traceback.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import selectors
import socket
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never 0.0.0.0: what is served are bearer credentials
MAX_HEAD = 16 * 1024  # a browser's or an SDK's request head is a few KiB at most
MAX_HEADERS = 100
MAX_CONNECTIONS = 128
MAX_UNSENT = 64 * 1024  # a client that pipelines without reading its answers is dropped
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: dict[str, bytes]  # lower-case names; values as sent (stripped)
    body: bytes = b""
    keep_alive: bool = True  # HTTP/1.1 without "Connection: close"

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")


@dataclasses.dataclass(frozen=True)
class Answer:
    code: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False  # the connection closes once it is sent
    done: Callable[[], None] | None = None  # called once it is sent in full, or the client has left


Respond = Callable[[Request], Answer]


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def encode(answer: Answer, head_only: bool = False) -> bytes:
    """Status line, headers and body as one buffer: one send, one segment."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in answer.headers)
    close = "Connection: close\r\n" if answer.close else ""
    head = (
        f"HTTP/1.1 {answer.code} {REASONS[answer.code]}\r\nServer: awscli-saml-sso\r\n"
        f"Content-Type: {answer.content_type}\r\nContent-Length: {len(answer.body)}\r\n"
        f"Cache-Control: no-store\r\n{extra}{close}\r\n"
    )
    return head.encode() if head_only else head.encode() + answer.body


def parse(head: bytes) -> Request:
    """A request's line and headers (without the blank line). Duplicated framing or credential
    headers are refused: two readers could take different ones."""
    lines = head.split(b"\r\n")
    if len(lines) - 1 > MAX_HEADERS:
        raise _Refused(431, "too many headers")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise _Refused(400, "bad request line")
    headers: dict[str, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise _Refused(400, "bad header line")
        key = name.decode("latin-1").lower()
        if key in headers and key in ("authorization", "content-length", "transfer-encoding", "host", "origin"):
            raise _Refused(400, f"{key} given twice")
        headers[key] = value.strip()
    if "transfer-encoding" in headers:
        raise _Refused(411, "Content-Length required (no chunked bodies)")
    length = headers.get("content-length", b"0")
    if not length.isdigit():
        raise _Refused(411, "Content-Length required")
    keep_alive = parts[2] == b"HTTP/1.1" and headers.get("connection", b"").lower() != b"close"
    return Request(parts[0].decode("latin-1"), parts[1].decode("latin-1"), headers, keep_alive=keep_alive)


def listener(port: int = 0) -> socket.socket:
    """A listening socket on ``HOST:port``. POSIX SO_REUSEADDR lets a port be bound again while
    a previous run's connections sit in TIME_WAIT, and still refuses one another socket listens
    on; Windows' would let two listeners share it, so there SO_EXCLUSIVEADDRUSE instead."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


@dataclasses.dataclass(eq=False)
class _Connection:
    sock: socket.socket
    deadline: float
    inbox: bytearray = dataclasses.field(default_factory=bytearray)
    outbox: bytearray = dataclasses.field(default_factory=bytearray)
    request: Request | None = None  # its head is in, its body is coming
    closing: bool = False
    writing: bool = False  # registered for EVENT_WRITE too (an answer waits for room)
    done: list = dataclasses.field(default_factory=list)  # callbacks once the outbox is empty


class Server:
    """``serve`` in a thread of its own until ``stop``; ``respond`` runs in that thread."""

    def __init__(
        self, respond: Respond, sock: socket.socket | None = None, *, deadline: float = 10.0, max_body: int = 0
    ) -> None:
        self.respond, self.deadline, self.max_body = respond, deadline, max_body
        self._listener = sock if sock is not None else listener()
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
        """From another thread: ``serve`` returns, the port and every connection are closed."""
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
                log.debug("loopback: accept failed: %s", exc)
                return
            if len(self._connections) >= MAX_CONNECTIONS:
                log.info("loopback: more than %d connections at once: the longest waiting closed", MAX_CONNECTIONS)
                self._drop(min(self._connections.values(), key=lambda c: c.deadline))
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, time.monotonic() + self.deadline)
            self._connections[sock] = connection
            self._selector.register(sock, selectors.EVENT_READ, connection)
            self._next_check = min(self._next_check, connection.deadline)
            # the request has often arrived with the connection: read it now, not one select later
            self._step(connection, selectors.EVENT_READ)

    def _step(self, connection: _Connection, events: int) -> None:
        try:
            if events & selectors.EVENT_READ and not self._receive(connection):
                return
            self._handle(connection)
            self._flush(connection)
        except OSError as exc:  # reset, broken pipe: that client is gone, the others are not
            log.debug("loopback: connection dropped: %s", exc)
            self._drop(connection)
        except Exception as exc:  # never a traceback on the person's terminal, never a dead server
            log.debug("loopback: connection failed", exc_info=exc)
            self._drop(connection)

    def _receive(self, connection: _Connection) -> bool:
        try:
            data = connection.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            self._drop(connection)
            return False
        if not connection.closing:  # after an answer that closes, what comes is not read
            connection.inbox += data
        return True

    def _handle(self, connection: _Connection) -> None:
        while not connection.closing:
            request = connection.request or self._head(connection)
            if request is None:
                return
            length = int(request.headers.get("content-length", b"0"))
            if len(connection.inbox) < length:
                connection.request = request  # the body is still coming
                return
            connection.request = None
            body = bytes(connection.inbox[:length])
            del connection.inbox[:length]
            answer = self.respond(dataclasses.replace(request, body=body) if length else request)
            if not request.keep_alive and not answer.close:  # HTTP/1.0, or the client asked
                answer = dataclasses.replace(answer, close=True)
            self._reply(connection, answer, head_only=request.method == "HEAD")
            connection.deadline = time.monotonic() + self.deadline

    def _head(self, connection: _Connection) -> Request | None:
        end = connection.inbox.find(b"\r\n\r\n")
        if end < 0 and len(connection.inbox) <= MAX_HEAD:
            return None
        try:
            if end < 0 or end > MAX_HEAD:
                raise _Refused(431, "request headers too large")
            request = parse(bytes(connection.inbox[:end]))
            if int(request.headers.get("content-length", b"0")) > self.max_body:
                raise _Refused(413, "body too large")
        except _Refused as exc:
            message = f"{exc.code} {exc}\n".encode()
            self._reply(connection, Answer(exc.code, message, "text/plain; charset=utf-8", close=True))
            log.info("loopback: refused a request with %d (%s)", exc.code, exc)
            return None
        del connection.inbox[: end + 4]
        return request

    def _reply(self, connection: _Connection, answer: Answer, head_only: bool = False) -> None:
        if len(connection.outbox) > MAX_UNSENT:  # answers pile up: it pipelines and does not read
            raise OSError("the client does not read its answers")
        connection.outbox += encode(answer, head_only)
        connection.closing = connection.closing or answer.close
        if answer.done is not None:
            connection.done.append(answer.done)

    def _flush(self, connection: _Connection) -> None:
        if connection.outbox:
            try:
                sent = connection.sock.send(connection.outbox)
            except (BlockingIOError, InterruptedError):
                sent = 0
            del connection.outbox[:sent]
        if not connection.outbox:
            _call(connection.done)
            if connection.closing:
                self._drop(connection)
                return
        if bool(connection.outbox) != connection.writing:  # a system call only when it changes
            connection.writing = bool(connection.outbox)
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if connection.writing else 0)
            self._selector.modify(connection.sock, events, connection)

    def _expire(self) -> None:
        now = time.monotonic()
        for connection in [c for c in self._connections.values() if c.deadline <= now]:
            log.debug("loopback: a connection sent no (whole) request in %.0f s: closed", self.deadline)
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
        _call(connection.done)


def _call(callbacks: list) -> None:
    while callbacks:
        callbacks.pop(0)()
