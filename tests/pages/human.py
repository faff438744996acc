"""Imitation IdPs for the human steps of a login, on 127.0.0.1, written from the vendors' public
behaviour (what their pages show and do), not from their ids:

  /ms      Entra-like: username page, password page (another URL), then number matching: "Open your
           Authenticator app, and enter the number shown to sign in." with a big 2-digit number;
           the page polls until the phone (the test) approves or denies
  /gg      Google-like: identifier, password, "Check your phone ... tap 47 on your phone"; moves on
           only when "I have responded" is pressed after the approval
  /okta    Okta-widget-like single-page app (o-form, data-se attributes, fetch to /idp/idx/...):
           identifier, password, then the Okta Verify number challenge
  /portal  a portal whose only control, "Sign in with SSO", opens /plain with window.open
  /plain   one form, username + password
  /f5      username + password, then a method dropdown defaulting to push next to a passcode field
  /adfs    ADFS-like: client-side check of the user ID format before anything is posted
  /pick    Google-like "Choose an account" with two accounts, then /plain
  /odd     a page nobody can read (a canvas)
  /key     username + password, then "Use your security key" (WebAuthn); the key is "touched" by
           the test calling /_test/key; with ``kmsi_after_key``, Entra's "Stay signed in?" follows

Users: alice (works), dora (account disabled). Every password POST is counted in
``password_posts``; the phone is the test: ``GET /_test/approve?number=N`` or ``/_test/deny``.
"""

from __future__ import annotations

import html
import json
import random
import threading
import time
from urllib.parse import parse_qs, urlsplit

from pages.idp import PAGE, SAML_POST
from pages.serving import QuietHandler, Served, send

PASSWORD = "s3cret-Pa55"
CODE = "135790"
USERS = {"alice": "active", "dora": "disabled"}
DISABLED = "Your account has been disabled. Contact your administrator."

PLAIN = """<h1>Sign in</h1>{error}
<form method="post" action="{action}">
  <label for="u">Username</label> <input id="u" name="username" autocomplete="username">
  <label for="p">Password</label> <input id="p" name="password" type="password">
  <button type="submit">Sign in</button>
</form>"""

MS_USER = """<div role="heading">Sign in</div>
<form method="post" action="/ms/user" novalidate>
  <input type="email" name="loginfmt" aria-label="Email, phone, or Skype" placeholder="Email, phone, or Skype">
  <a href="#">Can't access your account?</a>
  <input type="submit" value="Next">
</form>"""

MS_PASSWORD = """<div role="heading">Enter password</div><div>{who}</div>
<div id="passwordError" role="alert">{error}</div>
<form method="post" action="/ms/login">
  <input type="hidden" name="login" value="{who}">
  <input name="passwd" type="password" aria-label="Password" placeholder="Password">
  <a href="#">Forgot my password</a>
  <input type="submit" value="Sign in">
</form>"""

MS_NUMBER = """<div role="heading" class="title">Approve sign in request</div>
<div class="text-block">Open your Authenticator app, and enter the number shown to sign in.</div>
<div class="displaySign" style="font-size:40px;font-weight:600">{number}</div>
<div class="text-block">No numbers in your app? Make sure to upgrade to the latest version.</div>
<div id="idDiv_SAOTCAS_Error" class="alert-error" role="alert"></div>
<a href="/ms/proofs?tx={tx}" id="signInAnotherWay">I can't use my Microsoft Authenticator app right now</a>
<script>
fetch('/_seen?tx={tx}');
const timer = setInterval(async function () {{
  const state = await (await fetch('/poll?tx={tx}')).text();
  if (state === 'approved') {{ clearInterval(timer); location.href = '/done?tx={tx}'; }}
  if (state === 'denied') {{
    clearInterval(timer);
    document.getElementById('idDiv_SAOTCAS_Error').textContent =
      "Request denied. You've denied the sign in request.";
  }}
}}, 300);
</script>"""

MS_PROOFS = """<div role="heading">Verify your identity</div>
<div class="tile" role="button" onclick="location.href='/ms/proof?tx={tx}&m=push'">Approve a request on my Microsoft Authenticator app</div>
<div class="tile" role="button" onclick="location.href='/ms/proof?tx={tx}&m=otp'">Use a verification code</div>
<div class="tile" role="button" onclick="location.href='/ms/proof?tx={tx}&m=sms'">Text +X XXXXXXXX12</div>
<a href="#">More information</a>"""

MS_OTP = """<div role="heading">Enter code</div>
<div>Enter the code displayed in the authenticator app on your mobile device</div>
<form method="post" action="/ms/otp"><input type="hidden" name="tx" value="{tx}">
  <input name="otc" type="tel" maxlength="6" aria-label="Code" placeholder="Code">
  <input type="submit" value="Verify"></form>"""

MS_ERROR = """<div role="heading">Sign in</div>
<div id="errorMessage" class="text-block">{message}</div>
<a href="/ms">Sign in with a different account</a>"""

GG_ID = """<h1>Sign in</h1><div>Use your Google Account</div>
<div><input type="email" name="identifier" aria-label="Email or phone"></div>
<div><button type="button">Create account</button> <button type="button" id="next"><span>Next</span></button></div>
<script>
document.getElementById('next').onclick = function () {
  const who = document.querySelector('input').value;
  setTimeout(function () { location.href = '/gg/pwd?who=' + encodeURIComponent(who); }, 100);
};
</script>"""

GG_PWD = """<h1>Welcome</h1><div>{who}</div>
<form method="post" action="/gg/pwd">
  <input type="hidden" name="who" value="{who}">
  <input type="password" name="Passwd" aria-label="Enter your password">
  <button type="button">Forgot password?</button> <button type="submit">Next</button>
</form>"""

GG_PHONE = """<h1>2-Step Verification</h1>
<p>To help keep your account safe, Google wants to make sure it's really you trying to sign in</p>
<h2>Check your phone</h2>
<p>Google sent a notification to your phone. Tap <b>Yes</b> on the notification, then tap
<span style="font-size:56px">{number}</span> on your phone to verify it's you.</p>
<div aria-live="polite" id="note"></div>
<label><input type="checkbox" checked> Don't ask again on this device</label>
<div><button type="button">Try another way</button> <button type="button" id="resp">I have responded</button></div>
<script>
fetch('/_seen?tx={tx}');
document.getElementById('resp').onclick = async function () {{
  const state = await (await fetch('/poll?tx={tx}')).text();
  if (state === 'approved') {{ location.href = '/done?tx={tx}'; return; }}
  document.getElementById('note').textContent = "We haven't received your response yet.";
}};
</script>"""

OKTA = """<div id="okta-sign-in" class="auth-container main-container">
<div class="okta-sign-in-header auth-header"><h1>Example Corp</h1></div>
<div class="auth-content"><div class="auth-content-inner"><div class="siw-main-view"></div></div></div></div>
<script>
const main = document.querySelector('.siw-main-view');
let state = null;
function form(title, field, button) {
  main.innerHTML = '<form class="ion-form o-form" data-se="o-form" novalidate>'
    + '<div class="o-form-content"><h2 class="okta-form-title o-form-head" data-se="o-form-head">' + title + '</h2>'
    + '<div class="o-form-error-container" data-se="o-form-error-container"></div>'
    + '<div class="o-form-fieldset-container" data-se="o-form-fieldset-container">' + field + '</div></div>'
    + '<div class="o-form-button-bar"><input class="button button-primary" type="submit" value="'
    + button + '" data-type="save"></div></form>';
  return main.querySelector('form');
}
function fieldset(label, name, type, id) {
  return '<div class="o-form-fieldset" data-se="o-form-fieldset-' + name + '"><div class="okta-form-label o-form-label">'
    + '<label for="' + id + '">' + label + '</label></div><div class="o-form-input"><span class="o-form-input-name-'
    + name + '"><input type="' + type + '" name="' + name + '" id="' + id + '"></span></div></div>';
}
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return r.json();
}
function identify() {
  const f = form('Sign In', fieldset('Username', 'identifier', 'text', 'input28'), 'Next');
  f.onsubmit = async function (e) {
    e.preventDefault();
    state = await post('/okta/idp/idx/identify', {identifier: f.identifier.value});
    password();
  };
}
function password() {
  const f = form('Verify with your password', fieldset('Password', 'credentials.passcode', 'password', 'input61'), 'Verify');
  f.onsubmit = async function (e) {
    e.preventDefault();
    const answer = await post('/okta/idp/idx/challenge/answer', {stateHandle: state.stateHandle, passcode: f.elements[0].value});
    if (answer.error) {
      f.querySelector('.o-form-error-container').innerHTML = '<div class="o-form-has-errors"><div class="okta-form-infobox-error infobox infobox-error" role="alert"><p></p></div></div>';
      f.querySelector('.o-form-error-container p').textContent = answer.error;
      return;
    }
    challenge(answer.tx, answer.number);
  };
}
function challenge(tx, number) {
  main.innerHTML = '<form class="ion-form o-form" data-se="o-form"><div class="o-form-content">'
    + '<h2 class="okta-form-title o-form-head" data-se="o-form-head">Get a push notification</h2>'
    + '<div class="o-form-explain okta-form-subtitle" data-se="o-form-explain">On your mobile device, open the Okta Verify prompt, then tap '
    + '<span class="phone--number" data-se="challenge-number" style="font-size:28px;font-weight:bold">' + number
    + '</span> in Okta Verify to continue.</div><div class="okta-waiting-spinner"></div></div>'
    + '<a data-se="switchAuthenticator" class="link js-switchAuthenticator" href="#">Verify with something else</a>'
    + '</form>';
  fetch('/_seen?tx=' + tx);
  const timer = setInterval(async function () {
    const s = await (await fetch('/poll?tx=' + tx)).text();
    if (s === 'approved') { clearInterval(timer); location.href = '/done?tx=' + tx; }
  }, 300);
}
identify();
</script>"""

PICK = """<h1>Choose an account</h1><div>to continue to Amazon Web Services</div>
<ul><li><div role="link" tabindex="0" onclick="location.href='/plain'">Bob Example<br>bob@example.com</div></li>
<li><div role="link" tabindex="0" onclick="location.href='/plain'">Alice Example<br>alice@example.com</div></li>
<li><div role="link" tabindex="0">Use another account</div></li></ul>"""

PORTAL = """<h1>Acme intranet</h1><p>Welcome. This site needs your company account.</p>
<button type="button" onclick="window.open('/plain', 'idp', 'width=520,height=640')">Sign in with SSO</button>
<p><a href="/privacy">Privacy</a></p>"""

F5_MFA = """<h1>Secure Logon for Example Corp</h1>{error}
<form method="post" action="/f5/mfa">
  <label for="m">Authentication method</label>
  <select id="m" name="method">
    <option value="push" selected>Duo Push</option>
    <option value="passcode">Passcode</option>
    <option value="sms">SMS passcodes</option>
  </select>
  <label for="pc">Passcode</label> <input id="pc" name="passcode" type="text">
  <input type="submit" value="Logon">
</form>"""

F5_PUSH = """<h1>Duo Push sent</h1><p>We sent a push notification to your phone. Approve it to continue.</p>
<script>
setInterval(async function () {{
  const s = await (await fetch('/poll?tx={tx}')).text();
  if (s === 'approved') location.href = '/done?tx={tx}';
}}, 300);
</script>"""

ADFS = """<div id="header"><h1>Example Corp</h1></div><div>Sign in with your organizational account</div>
<form method="post" id="loginForm" action="/adfs" novalidate="novalidate">
  <div id="error" class="fieldMargin error smallText"><span id="errorText" for=""></span></div>
  <input id="userNameInput" name="UserName" type="email" placeholder="someone@example.com" autocomplete="off">
  <input id="passwordInput" name="Password" type="password" placeholder="Password" autocomplete="off">
  <span id="submitButton" class="submit" role="button" tabindex="4">Sign in</span>
</form>
<script>
document.getElementById('submitButton').onclick = function () {
  const u = document.getElementById('userNameInput').value;
  if (u.indexOf('\\\\') < 0 && u.indexOf('@') < 0) {
    document.getElementById('errorText').textContent =
      'Enter your user ID in the format domain\\\\user or user@domain.';
    return false;
  }
  document.getElementById('loginForm').submit();
};
</script>"""

KEY = """<h1>Use your security key</h1>
<p>Insert your security key into the USB port and touch it when it flashes.</p>
<div id="status">Waiting for your security key...</div>
<script>
fetch('/_seen?tx={tx}');
if (window.PublicKeyCredential && navigator.credentials) {{
  navigator.credentials.get({{publicKey: {{challenge: new Uint8Array(32), timeout: 600000,
                                           userVerification: 'discouraged'}}}}).catch(function () {{}});
}}
setInterval(async function () {{
  const s = await (await fetch('/poll?tx={tx}')).text();
  if (s === 'approved') location.href = '/done?tx={tx}';
}}, 300);
</script>"""

KMSI = """<div role="heading">Stay signed in?</div>
<div>Do this to reduce the number of times you are asked to sign in.</div>
<form method="post" action="/kmsi"><input type="hidden" name="LoginOptions" value="1">
  <input type="button" value="No" onclick="this.form.LoginOptions.value='0'; this.form.submit()">
  <input type="submit" value="Yes">
</form>"""


class HumanIdp(Served):
    def __init__(self) -> None:
        self.saml_target = "http://127.0.0.1:9/saml"
        self.saml_value = "PHNhbWxwOlJlc3BvbnNlLz4="
        self.password_posts: list[str] = []  # path of every request that carried a password
        self.mfa: list[tuple[str, str]] = []  # (method, code) posted on the F5 page
        self.key_pages: list[str] = []  # the User-Agent of each browser that showed the key page
        self.challenges: dict[str, dict[str, object]] = {}  # tx -> number, state, seen
        self.kmsi_after_key = False  # /done asks "Stay signed in?" first
        self.kmsi_answered: list[float] = []  # when "Stay signed in?" was answered
        self.lock = threading.Lock()
        outer = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/key/verify":  # the security-key page, after a redirect
                    cookie = self.headers.get("Cookie", "")
                    tx = cookie.split("keysession=", 1)[1].split(";")[0] if "keysession=" in cookie else ""
                    if tx not in outer.challenges:  # no session: start again
                        self._redirect("/key")
                        return
                    outer.key_pages.append(self.headers.get("User-Agent", ""))
                    self._send(200, "Security key", KEY.format(tx=tx))
                    return
                self._send(*outer.get(url.path, query))

            def _redirect(self, where: str, cookie: str = "") -> None:
                self.send_response(303)
                self.send_header("Location", where)
                if cookie:  # a session cookie, as IdPs keep their login state
                    self.send_header("Set-Cookie", f"keysession={cookie}; Path=/; HttpOnly")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    form = json.loads(raw or "{}")
                else:
                    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                answer = outer.post(url.path, form)
                if answer[0] == 303:
                    self._redirect(answer[1], answer[2])
                    return
                self._send(*answer)

            def _send(self, status: int, title: str, body: str, kind: str = "html") -> None:
                send(self, status, PAGE.format(title=title, body=body) if kind == "html" else body, kind)

        self._serve(Handler)

    def reset(self) -> None:
        self.password_posts.clear()
        self.mfa.clear()
        self.challenges.clear()
        self.key_pages.clear()
        self.kmsi_after_key = False
        self.kmsi_answered.clear()

    # ---- the phone ----------------------------------------------------------------------------

    def _challenge(self) -> tuple[str, str]:
        tx = str(random.randrange(10**9))
        number = str(random.randrange(10, 100))
        with self.lock:
            self.challenges[tx] = {"number": number, "state": "pending", "seen": None}
        return tx, number

    def _answer(self, query: dict[str, str], answer: str) -> str:
        """The person on the phone: approves the challenge showing this number (or the only one)."""
        with self.lock:
            for challenge in self.challenges.values():
                if challenge["state"] == "pending" and query.get("number", challenge["number"]) == challenge["number"]:
                    challenge["state"] = answer
                    return "ok"
        return "no such challenge"

    def seen_at(self) -> float | None:
        with self.lock:
            return next((c["seen"] for c in self.challenges.values() if c["seen"]), None)

    # ---- pages --------------------------------------------------------------------------------

    def saml_page(self) -> tuple[int, str, str]:
        value = html.escape(self.saml_value, quote=True)
        return 200, "Working...", SAML_POST.format(target=self.saml_target, value=value)

    def get(self, path: str, query: dict[str, str]) -> tuple[int, str, str] | tuple[int, str, str, str]:
        if path == "/_seen":
            with self.lock:
                challenge = self.challenges.get(query.get("tx", ""))
                if challenge is not None and challenge["seen"] is None:
                    challenge["seen"] = time.monotonic()
            return 200, "", "", "text"
        if path == "/poll":
            with self.lock:
                challenge = self.challenges.get(query.get("tx", ""), {"state": "unknown"})
            return 200, "", str(challenge["state"]), "text"
        if path in ("/_test/approve", "/_test/key"):
            return 200, "", self._answer(query, "approved"), "text"
        if path == "/_test/deny":
            return 200, "", self._answer(query, "denied"), "text"
        if path == "/done":
            with self.lock:
                approved = self.challenges.get(query.get("tx", ""), {}).get("state") == "approved"
            if approved and self.kmsi_after_key:  # Entra: "Stay signed in?" after the person's step
                return 200, "Sign in to your account", KMSI
            return self.saml_page() if approved else (403, "No", "<h1>Not approved</h1>")
        if path == "/ms/proofs":
            return 200, "Sign in to your account", MS_PROOFS.format(tx=html.escape(query.get("tx", "")))
        if path == "/ms/proof":
            if query.get("m") != "otp":
                return 200, "Sign in", "<h1>Not in this imitation</h1>"
            return 200, "Sign in to your account", MS_OTP.format(tx=html.escape(query.get("tx", "")))
        pages = {
            "/ms": lambda: (200, "Sign in to your account", MS_USER),
            "/gg": lambda: (200, "Sign in - Google Accounts", GG_ID),
            "/gg/pwd": lambda: (200, "Sign in - Google Accounts", GG_PWD.format(who=html.escape(query.get("who", "")))),
            "/okta": lambda: (200, "Example Corp - Sign In", OKTA),
            "/portal": lambda: (200, "Acme intranet", PORTAL),
            "/plain": lambda: (200, "Sign in", PLAIN.format(error="", action="/plain")),
            "/f5": lambda: (200, "Example Corp", PLAIN.format(error="", action="/f5")),
            "/adfs": lambda: (200, "Sign In", ADFS),
            "/key": lambda: (200, "Sign in", PLAIN.format(error="", action="/key")),
            "/pick": lambda: (200, "Choose an account", PICK),
            "/odd": lambda: (200, "Pick one", '<h1>Pick one</h1><canvas width="300" height="90"></canvas>'),
        }
        page = pages.get(path)
        return page() if page else (404, "Not found", "<h1>Not found</h1>")

    def _password_ok(self, path: str, user: str, password: str) -> str:
        """'ok', 'wrong' or 'disabled'; counts the POST."""
        self.password_posts.append(path)
        if user not in USERS or password != PASSWORD:
            return "wrong"
        return "ok" if USERS[user] == "active" else "disabled"

    def post(self, path: str, form: dict[str, str]):
        if path == "/ms/user":
            who = html.escape(form.get("loginfmt", ""))
            return 200, "Sign in to your account", MS_PASSWORD.format(who=who, error="")
        if path == "/ms/login":
            verdict = self._password_ok(path, form.get("login", ""), form.get("passwd", ""))
            if verdict == "disabled":
                return 200, "Sign in to your account", MS_ERROR.format(message=DISABLED)
            if verdict == "wrong":
                return (
                    200,
                    "Sign in to your account",
                    MS_PASSWORD.format(
                        who=html.escape(form.get("login", "")),
                        error="Your account or password is incorrect. If you don't remember your password, reset it now.",
                    ),
                )
            tx, number = self._challenge()
            return 200, "Sign in to your account", MS_NUMBER.format(tx=tx, number=number)
        if path == "/gg/pwd":
            verdict = self._password_ok(path, form.get("who", ""), form.get("Passwd", ""))
            if verdict != "ok":
                return (
                    200,
                    "Sign in",
                    GG_PWD.format(who=html.escape(form.get("who", ""))).replace(
                        "<form",
                        '<div role="alert">Wrong password. Try again or click Forgot password to reset it.</div><form',
                    ),
                )
            tx, number = self._challenge()
            return 200, "2-Step Verification", GG_PHONE.format(tx=tx, number=number)
        if path == "/okta/idp/idx/identify":
            return 200, "", json.dumps({"stateHandle": "02" + form.get("identifier", "")}), "json"
        if path == "/okta/idp/idx/challenge/answer":
            verdict = self._password_ok(path, form.get("stateHandle", "")[2:], form.get("passcode", ""))
            if verdict != "ok":
                return 200, "", json.dumps({"error": "Password is incorrect"}), "json"
            tx, number = self._challenge()
            return 200, "", json.dumps({"tx": tx, "number": number}), "json"
        if path in ("/plain", "/f5", "/adfs", "/key"):
            user = form.get("username", form.get("UserName", "")).split("@")[0].split("\\")[-1]
            verdict = self._password_ok(path, user, form.get("password", form.get("Password", "")))
            if verdict != "ok":
                message = DISABLED if verdict == "disabled" else "Incorrect user ID or password."
                return 200, "Sign in", PLAIN.format(error=f'<p class="error">{message}</p>', action=path + "/again")
            if path == "/f5":
                return 200, "Example Corp", F5_MFA.format(error="")
            if path == "/key":
                tx, _ = self._challenge()
                return 303, "/key/verify", tx
            return self.saml_page()
        if path == "/ms/otp":
            self.mfa.append(("otp", form.get("otc", "")))
            if form.get("otc") == CODE and form.get("tx") in self.challenges:
                return self.saml_page()
            return (
                200,
                "Sign in to your account",
                MS_OTP.format(tx=html.escape(form.get("tx", ""))).replace(
                    "<form",
                    '<div role="alert">You didn\'t enter the expected verification code. Please try again.</div><form',
                ),
            )
        if path == "/kmsi":
            self.kmsi_answered.append(time.monotonic())
            return self.saml_page()
        if path == "/f5/mfa":
            self.mfa.append((form.get("method", ""), form.get("passcode", "")))
            if form.get("method") == "push":
                tx, _ = self._challenge()
                return 200, "Example Corp", F5_PUSH.format(tx=tx)
            if form.get("method") == "passcode" and form.get("passcode") == CODE:
                return self.saml_page()
            return 200, "Example Corp", F5_MFA.format(error='<p class="error">Invalid passcode. Try again.</p>')
        if path.endswith("/again"):  # the error page's own form: a second try would land here
            return self.post(path[: -len("/again")], form)
        return 404, "Not found", "<h1>Not found</h1>"
