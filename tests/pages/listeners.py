"""Listeners that stand where AWS would be: they record everything that reaches them.

A browser test passes when these stay empty: the capture must answer the SAML POST inside the
browser.
"""

from __future__ import annotations

import socket
import threading

from pages.serving import QuietHandler, Served


class RecordingHttp(Served):
    """An HTTP server on 127.0.0.1 that records every request (method, path, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(QuietHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = _record

        self._serve(Handler)
        self.port = self.server.server_address[1]
        self.url = f"{self.base}/saml"


class RecordingTcp:
    """A bare TCP listener that counts connections (for a host mapped here by resolver rules)."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


class RecordingProxy:
    """An HTTP proxy that records the first line of every request (``CONNECT host:443 ...`` or an
    absolute URL) and forwards nothing (403): where a browser or a client would have sent
    anything for a host that is not loopback."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.silent = 0  # connections that named nothing: opened ahead (preconnect), then closed
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(2)
                first = conn.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
            except OSError:
                first = ""
            try:
                if first:
                    self.asked.append(first)
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                else:  # no request line, no host name: nothing was asked of anyone
                    self.silent += 1
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()
