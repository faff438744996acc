"""The client of the ``exec --server`` bench, run as the child: what an SDK does, without its cost.

    server_client.py N   # prints {"kept": [ms...], "new": [ms...]} as JSON

``kept``: N requests on one kept-alive connection (as botocore's pooled session does);
``new``: N requests each on a new connection (connect, request, read, close). A raw socket, so
that the figures are the server's and the loopback's, not an HTTP library's parsing.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.parse


def _read_answer(sock: socket.socket, pending: bytearray) -> bytes:
    """One HTTP/1.1 answer (status, headers, Content-Length body); what follows stays in pending."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer's headers")
        pending += chunk
    head, _, _ = bytes(pending).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200 "):
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    end = len(head) + 4 + length
    while len(pending) < end:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the end of the body")
        pending += chunk
    body = bytes(pending[len(head) + 4 : end])
    del pending[:end]
    return body


def main() -> None:
    count = int(sys.argv[1])
    url = urllib.parse.urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    address = (url.hostname, url.port)
    request = (
        f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nAccept-Encoding: identity\r\n"
        f"Authorization: {os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}\r\n\r\n"
    ).encode()
    kept: list[float] = []
    with socket.create_connection(address, timeout=10) as sock:
        pending = bytearray()
        for _ in range(count + 1):  # the first warms the server's thread up: not counted
            began = time.perf_counter()
            sock.sendall(request)
            assert json.loads(_read_answer(sock, pending))["AccessKeyId"]
            kept.append((time.perf_counter() - began) * 1000)
    new: list[float] = []
    for _ in range(count):
        began = time.perf_counter()
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(request)
            assert json.loads(_read_answer(sock, bytearray()))["AccessKeyId"]
        new.append((time.perf_counter() - began) * 1000)
    print(json.dumps({"kept": kept[1:], "new": new}))


if __name__ == "__main__":
    main()
