"""A tiny threaded IdP on 127.0.0.1 with login pages shaped like the big IdPs'.

Every flow ends in the SAML "auto-post" page: a form that posts ``SAMLResponse`` to
``server.saml_target`` (a recording listener, or the real AWS URL) by script, as real IdPs do.

Flows (path prefix):
  /a  one page, username + password (SimpleSAMLphp/Keycloak style); wrong password: same form
      again with an error text
  /b  username, then password in the same document (Entra ID style; random ids, labels only)
  /c  username + password, then a one-time-code page (the code is checked)
  /d  username + password, then "Stay signed in?" (Yes/No)
  /e  the login happens in a popup opened with window.open
  /f  fields without ids or names, German labels and placeholders only, submitted by script
  /h  a smart-card page nobody can fill in
  /i  "approve the notification on your phone", forever
  /m  a login form that must be left alone: "the person" logs in (a script moves on after 1.5 s)
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

from pages.serving import QuietHandler, Served, send

USERS = {"alice": "s3cret-Pa55"}
OTP = "246810"

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}} .hidden{{display:none}} .err{{color:#b00}}</style>
</head><body>{body}</body></html>"""

LOGIN_FORM = """<h1>Sign in to Example Corp</h1>{error}
<form method="post" action="{action}">
  <label for="username">Username</label> <input id="username" name="username" type="text">
  <label for="password">Password</label> <input id="password" name="password" type="password">
  <button type="button">Forgot password?</button>
  <button type="submit" name="login">Sign in</button>
</form>"""

ENTRA = """<div role="heading">Sign in</div>
<div id="x7" role="alert" class="hidden"></div>
<div id="s1">
  <label for="q81z">Email, phone, or Skype</label> <input id="q81z" type="text">
  <a href="#">Can't access your account?</a>
  <input type="button" id="zz9" value="Next">
</div>
<form id="s2" class="hidden" method="post" action="/b/finish">
  <div id="who"></div>
  <input type="hidden" name="u" id="k1">
  <label for="m3v">Enter password</label> <input id="m3v" name="p" type="password">
  <input type="submit" id="v0" value="Sign in">
</form>
<script>
document.getElementById('zz9').onclick = function () {
  const who = document.getElementById('q81z').value;
  setTimeout(function () {  // as if asking the server
    if (!%(users)s.includes(who)) {
      const e = document.getElementById('x7');
      e.textContent = "We couldn't find an account with that username.";
      e.className = '';
      return;
    }
    document.getElementById('s1').className = 'hidden';
    document.getElementById('s2').className = '';
    document.getElementById('who').textContent = who;
    document.getElementById('k1').value = who;
  }, 150);
};
</script>"""

OTP_FORM = """<h1>Two-step verification</h1>{error}
<form method="post" action="/c/otp">
  <label for="q">Verification code</label>
  <input id="q" name="otc" inputmode="numeric" maxlength="6" autocomplete="one-time-code">
  <button type="submit">Verify</button>
</form>"""

KMSI = """<h1>Stay signed in?</h1><p>Do this to reduce the number of times you are asked to sign in.</p>
<form method="post" action="/d/kmsi">
  <label><input type="checkbox" name="dontshow"> Don't show this again</label>
  <input type="submit" name="no" value="No"> <input type="submit" name="yes" value="Yes">
</form>"""

POPUP_OPENER = """<h1>Example portal</h1><p>Your sign-in continues in a new window.</p>
<script>window.open('/a', 'login', 'width=520,height=640');</script>"""

NO_NAMES = """<h1>Anmelden</h1>
<form onsubmit="return go(this)">
  <label>Benutzername <input type="text"></label>
  <input type="password" placeholder="Kennwort">
  <button>Anmelden</button>
</form>
<script>
function go(f) {
  const ins = f.querySelectorAll('input');
  const g = document.createElement('form');
  g.method = 'post'; g.action = '/a';
  for (const [n, v] of [['username', ins[0].value], ['password', ins[1].value]]) {
    const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v;
    g.appendChild(i);
  }
  document.body.appendChild(g); g.submit();
  return false;
}
</script>"""

SMARTCARD = """<h1>Certificate sign-in</h1><p>Insert your smart card and choose a certificate.</p>
<canvas width="200" height="80"></canvas>"""

PUSH = """<h1>Approve sign in request</h1>
<p>We sent a notification to your phone. Open your Authenticator app and approve the request.</p>"""

PERSON = """<h1>Sign in</h1>
<form method="post" action="/a">
  <label for="u">Username</label> <input id="u" name="username">
  <label for="p">Password</label> <input id="p" name="password" type="password">
  <button type="submit">Sign in</button>
</form>
<script>setTimeout(function () { location.href = '/m/done'; }, 1500);</script>"""

SAML_POST = """<form method="post" action="{target}">
<input type="hidden" name="SAMLResponse" value="{value}">
<input type="hidden" name="RelayState" value="">
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.forms[0].submit();</script>"""


class IdpServer(Served):
    def __init__(self) -> None:
        self.saml_target = "http://127.0.0.1:9/saml"
        self.saml_value = "PHNhbWxwOlJlc3BvbnNlLz4="
        self.seen: list[tuple[str, str]] = []  # (method, path) of every request
        self.codes: list[str] = []  # one-time codes received
        self.kmsi_answers: list[str] = []
        outer = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                outer.seen.append(("GET", self.path))
                self._send(*outer.get(urlsplit(self.path).path))

            def do_POST(self) -> None:
                outer.seen.append(("POST", self.path))
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
                self._send(*outer.post(urlsplit(self.path).path, form))

            def _send(self, status: int, title: str, body: str) -> None:
                send(self, status, PAGE.format(title=title, body=body))

        self._serve(Handler)

    # ---- pages --------------------------------------------------------------------------------

    def saml_page(self) -> tuple[int, str, str]:
        value = html.escape(self.saml_value, quote=True)
        return 200, "Working...", SAML_POST.format(target=self.saml_target, value=value)

    def login_form(self, action: str, error: str = "") -> tuple[int, str, str]:
        shown = f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
        return 200, "Sign in", LOGIN_FORM.format(action=action, error=shown)

    def get(self, path: str) -> tuple[int, str, str]:
        pages = {
            "/a": lambda: self.login_form("/a"),
            "/b": lambda: (200, "Sign in to your account", ENTRA % {"users": list(USERS)}),
            "/c": lambda: self.login_form("/c"),
            "/d": lambda: self.login_form("/d"),
            "/e": lambda: (200, "Portal", POPUP_OPENER),
            "/f": lambda: (200, "Anmelden", NO_NAMES),
            "/h": lambda: (200, "Certificate", SMARTCARD),
            "/i": lambda: (200, "Approve", PUSH),
            "/m": lambda: (200, "Sign in", PERSON),
            "/m/done": self.saml_page,
        }
        page = pages.get(path)
        return page() if page else (404, "Not found", "<h1>Not found</h1>")

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        if path in ("/a", "/c", "/d"):
            if USERS.get(form.get("username", "")) != form.get("password"):
                return self.login_form(path, "Incorrect username or password.")
            if path == "/c":
                return 200, "Verify", OTP_FORM.format(error="")
            if path == "/d":
                return 200, "Stay signed in?", KMSI
            return self.saml_page()
        if path == "/b/finish":
            if USERS.get(form.get("u", "")) != form.get("p"):
                return 200, "Sign in", "<p role=alert>Your password is incorrect.</p>"
            return self.saml_page()
        if path == "/c/otp":
            self.codes.append(form.get("otc", ""))
            if form.get("otc") != OTP:
                return 200, "Verify", OTP_FORM.format(error='<p class="err">That code is invalid. Try again.</p>')
            return self.saml_page()
        if path == "/d/kmsi":
            self.kmsi_answers.append("yes" if "yes" in form else "no" if "no" in form else "?")
            return self.saml_page()
        return 404, "Not found", "<h1>Not found</h1>"
