"""The loopback HTTP plumbing of the test pages, once: a quiet handler, one way to answer, and
a server on a free port of 127.0.0.1 run by a daemon thread."""

from __future__ import annotations

import http.server
import threading

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "text": "text/plain", "json": "application/json"}


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def send(handler: http.server.BaseHTTPRequestHandler, status: int, data: str | bytes, kind: str = "html") -> None:
    """Answer the request with ``data``: its length and type, never cached."""
    body = data.encode() if isinstance(data, str) else data
    handler.send_response(status)
    handler.send_header("Content-Type", CONTENT_TYPES[kind])
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    handler.wfile.write(body)


class Served:
    """Base of a test site: ``_serve(Handler)`` starts it; ``base`` is its URL, ``close`` stops it."""

    server: http.server.ThreadingHTTPServer
    base: str

    def _serve(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
