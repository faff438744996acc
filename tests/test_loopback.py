"""loopback.Server (``exec --server``, ``--listen``) driven over real loopback sockets: framing,
bounds, deadlines and misbehaving clients."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from awscli_saml_sso import loopback


def echo(request: loopback.Request) -> loopback.Answer:
    if request.target == "/boom":
        raise RuntimeError("a bug in a handler")
    return loopback.Answer(200, f"{request.method} {request.target} {len(request.body)}".encode())


@pytest.fixture
def server():
    running = loopback.Server(echo, deadline=1.0, max_body=100)
    thread = threading.Thread(target=running.serve, daemon=True)
    thread.start()
    yield running
    running.stop()
    thread.join(10)
    assert not thread.is_alive()


def connect(server: loopback.Server) -> socket.socket:
    return socket.create_connection(server.address, timeout=10)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()


def test_pipelined_requests_are_answered_in_order_each_in_one_piece(server) -> None:
    with connect(server) as sock:
        sock.sendall(
            get("/a") + b"POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + get("/c", "Connection: close\r\n")
        )
        data = read_all(sock)
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in data.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b"GET /a 0", b"POST /b 3", b"GET /c 0"], data
    assert data.count(b"Connection: close") == 1


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        (get("/", "X: " + "y" * (loopback.MAX_HEAD + 10) + "\r\n"), b"431"),
        (get("/", "Authorization: a\r\nAuthorization: b\r\n"), b"400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", b"413"),
        (b"GARBAGE\r\n\r\n", b"400"),
        (get("/", " folded: header\r\n"), b"400"),
    ],
    ids=["head-too-large", "two-authorizations", "chunked", "body-too-large", "bad-line", "bad-header"],
)
def test_what_cannot_be_read_safely_is_refused_and_closed(server, sent, status) -> None:
    with connect(server) as sock:
        sock.sendall(sent)
        data = read_all(sock)  # ends: the connection is closed after the refusal
    assert data.startswith(b"HTTP/1.1 " + status), data


def test_head_gets_no_body_and_http_1_0_is_closed(server) -> None:
    with connect(server) as sock:
        sock.sendall(b"HEAD /h HTTP/1.0\r\n\r\n")
        data = read_all(sock)
    assert data.endswith(b"Connection: close\r\n\r\n") and b"Content-Length: 9" in data


def test_a_silent_or_slow_connection_is_cut_at_its_deadline_others_are_served(server) -> None:
    with connect(server) as silent, connect(server) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\n")  # and never the end of its head
        began = time.monotonic()
        with connect(server) as other:
            other.sendall(get("/ok", "Connection: close\r\n"))
            assert b"GET /ok 0" in read_all(other)
        assert silent.recv(10) == b"" and slow.recv(10) == b""
        assert time.monotonic() - began < 8  # the 1 s deadline, not the 10 s socket timeout


def test_resets_and_handler_bugs_cost_only_their_connection(server, capfd) -> None:
    for sent in (b"GET / HT", get("/"), get("/boom")):
        sock = connect(server)
        sock.sendall(sent)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST
    with connect(server) as sock:
        sock.sendall(get("/boom"))
        assert sock.recv(10) == b""  # the handler's bug: that connection is dropped, quietly
    with connect(server) as sock:  # and the others are served
        sock.sendall(get("/after", "Connection: close\r\n"))
        assert b"GET /after 0" in read_all(sock)
    assert "Traceback" not in capfd.readouterr().err


def test_a_flood_of_connections_drops_the_longest_waiting_not_the_newest(server) -> None:
    flood = [connect(server) for _ in range(loopback.MAX_CONNECTIONS + 5)]
    try:
        with connect(server) as newest:
            newest.sendall(get("/new", "Connection: close\r\n"))
            assert b"GET /new 0" in read_all(newest)
        assert flood[0].recv(10) == b""
    finally:
        for sock in flood:
            sock.close()
