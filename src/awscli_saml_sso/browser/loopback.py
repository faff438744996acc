"""Connections to the browser and its driver on loopback: never through the environment's proxy.

websocket-client takes ``HTTP(S)_PROXY`` from the environment (its ``http_no_proxy`` is read only
when a proxy is also passed explicitly), and a proxy cannot reach this machine's 127.0.0.1: the
socket is opened here and handed over.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit


def open_websocket(url: str, timeout: float = 10.0) -> Any:
    """A websocket to ``url`` (a loopback DevTools or BiDi address), connected directly."""
    import websocket  # comes with selenium

    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    try:
        ws = websocket.create_connection(
            url, timeout=timeout, suppress_origin=True, enable_multithread=True, socket=sock
        )
    except BaseException:
        sock.close()
        raise
    ws.settimeout(None)
    return ws
