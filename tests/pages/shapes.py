"""Imitation IdP pages of shapes the page model had to learn (issue 23), on 127.0.0.1, written from
the vendors' public markup (their stock templates and widgets), not copied:

  /shib      Shibboleth IdP v4/v5: login.vm form, then attribute-release.vm ("Information to be
             Provided to Service", a table of attributes, three consent-duration radios with the
             second checked, Reject / Accept)
  /okta      Okta-style "My Apps" dashboard after login: tiles Slack, Salesforce, Amazon Web
             Services, GitHub (links, same tab)
  /onelogin  OneLogin-style portal: the AWS tile ("AWS") opens in a new tab (target=_blank)
  /jumpcloud a JumpCloud-style user console without any AWS tile; /twice: two tiles naming AWS
  /entra     Entra-style "Pick an account" with bob's tile and "Use another account", then the
             username and password pages
  /slow      every answer 1.5 s late; the submit buttons are disabled and enabled by script 1 s
             after the page loads
  /kc-ja     Keycloak (v2 theme, Japanese): a wrong password shows 無効なユーザー名またはパスワードです。
             in an aria-live span (marked by aria-live only: the stock theme's id="input-error" is
             left out, as other themes do)
  /f5        F5 APM logon page in German (a table); a wrong password shows red text in a cell
  /google    identifier page, then "This browser or app may not be secure"

User alice, password PASSWORD. ``password_posts`` counts every POST that carried a password.
"""

from __future__ import annotations

import html
import time
from urllib.parse import parse_qs, urlsplit

from pages.idp import PAGE, SAML_POST
from pages.serving import QuietHandler, Served, send

PASSWORD = "s3cret-Pa55"
KC_JA_ERROR = "無効なユーザー名またはパスワードです。"
F5_DE_ERROR = "Die Anmeldung ist nicht gelungen. Benutzername und Kennwort passen nicht zusammen."
ATTRIBUTES = ("uid", "mail", "eduPersonAffiliation")

PLAIN = """<h1>Sign in</h1>
<form method="post" action="{action}">
  <label for="u">Username</label> <input id="u" name="username" autocomplete="username">
  <label for="p">Password</label> <input id="p" name="password" type="password">
  <button type="submit">Sign in</button>
</form>"""

SHIB_LOGIN = """<div class="wrapper"><div class="container"><header><h1>Example University</h1></header>
<div class="content"><div class="column one">
<form action="/shib/login" method="post"><legend>Login to Example AWS</legend>
<div class="form-element-wrapper"><label for="username">Username</label>
<input class="form-element form-field" id="username" name="j_username" type="text" value=""></div>
<div class="form-element-wrapper"><label for="password">Password</label>
<input class="form-element form-field" id="password" name="j_password" type="password" value=""></div>
<div class="form-element-wrapper"><input type="checkbox" name="donotcache" value="1" id="donotcache">
<label for="donotcache">Don't Remember Login</label></div>
<div class="form-element-wrapper"><input id="_shib_idp_revokeConsent" type="checkbox" name="_shib_idp_revokeConsent"
 value="true"><label for="_shib_idp_revokeConsent">Clear prior granting of permission for release of your
 information to this service.</label></div>
<div class="form-element-wrapper"><button class="form-element form-button" type="submit"
 name="_eventId_proceed">Login</button></div>
</form></div></div></div></div>"""

SHIB_CONSENT = """<div class="box"><form action="/shib/consent" method="post">
<div class="box-header"><h1>Information to be Provided to Service</h1></div>
<table><tbody><tr><th colspan="2">Example AWS</th></tr>{rows}</tbody></table>
<p>The information above would be shared with the service if you proceed. Do you agree to release
this information to the service every time you access it?</p>
<fieldset><legend>Select an information release consent duration:</legend>
<div><input id="c1" type="radio" name="_shib_idp_consentOptions" value="_shib_idp_doNotRememberConsent">
<label for="c1">Ask me again at next login</label><ul><li>I agree to send my information this time.</li></ul></div>
<div><input id="c2" type="radio" name="_shib_idp_consentOptions" value="_shib_idp_rememberConsent" checked>
<label for="c2">Ask me again if information to be provided to this service changes</label></div>
<div><input id="c3" type="radio" name="_shib_idp_consentOptions" value="_shib_idp_globalConsent">
<label for="c3">Do not ask me again</label></div></fieldset>
<p>This setting can be revoked at any time with the checkbox on the login page.</p>
<div class="form-element-wrapper"><input type="submit" name="_eventId_AttributeReleaseRejected" value="Reject"
 style="margin-right: 30px;"><input type="submit" name="_eventId_proceed" value="Accept"></div>
</form></div>"""

DASHBOARD = """<header><nav><a href="#">Home</a> <a href="#">Notifications</a> <a href="#">Sign out</a></nav></header>
<main><h1>{heading}</h1><section class="dashboard--apps">{tiles}</section></main>"""
TILE = """<a class="app-button" href="{href}" {target} aria-label="{name}"><span class="app-button-logo"></span>
<span class="app-button-name">{name}</span></a>"""

ENTRA_PICK = """<div role="heading">Pick an account</div>
<div role="list"><div role="listitem"><div class="table" role="button" tabindex="0"
 onclick="location.href='/entra/user?u=bob'"><div>Bob Builder</div><div>bob@example.com</div>
 <div>Signed in</div></div></div>
<div role="listitem"><div class="table" role="button" tabindex="0" id="otherTile"
 onclick="location.href='/entra/user'"><div>Use another account</div></div></div></div>"""
ENTRA_USER = """<div role="heading">Sign in</div>
<form method="post" action="/entra/password" novalidate>
  <input type="email" name="loginfmt" aria-label="Email, phone, or Skype" placeholder="Email, phone, or Skype">
  <input type="submit" value="Next">
</form>"""
ENTRA_PASSWORD = """<div role="heading">Enter password</div>
<form method="post" action="/entra/login"><input type="hidden" name="login" value="{who}">
  <input name="passwd" type="password" aria-label="Password" placeholder="Password">
  <input type="submit" value="Sign in">
</form>"""

SLOW = """<h1>Sign On</h1>
<form method="post" action="{action}">{hidden}
  <label for="f">{label}</label> <input id="f" name="{name}" type="{kind}">
  <button type="submit" id="go" disabled>{button}</button>
</form>
<script>setTimeout(function () {{ document.getElementById('go').disabled = false; }}, 1000);</script>"""

KC_JA = """<div class="pf-v5-c-login"><div class="pf-v5-c-login__main">
<header class="pf-v5-c-login__main-header"><h1 class="pf-v5-c-title" id="kc-page-title">アカウントにサインイン</h1></header>
<div class="pf-v5-c-login__main-body"><form id="kc-form-login" action="/kc-ja/login" method="post" novalidate>
<div class="pf-v5-c-form__group"><label for="username" class="pf-v5-c-form__label">
<span class="pf-v5-c-form__label-text">ユーザー名またはメールアドレス</span></label>
<span class="pf-v5-c-form-control"><input id="username" name="username" value="" type="text" autocomplete="username"
 aria-invalid="{invalid}"></span>{error}</div>
<div class="pf-v5-c-form__group"><label for="password" class="pf-v5-c-form__label">
<span class="pf-v5-c-form__label-text">パスワード</span></label>
<span class="pf-v5-c-form-control"><input id="password" name="password" type="password" autocomplete="current-password"
 aria-invalid="{invalid}"></span></div>
<div class="pf-v5-c-form__actions"><button class="pf-v5-c-button pf-m-primary pf-m-block" name="login" id="kc-login"
 type="submit">サインイン</button></div></form></div></div></div>"""
KC_JA_MESSAGE = """<div class="pf-v5-c-form__helper-text" aria-live="polite"><div class="pf-v5-c-helper-text">
<div class="pf-v5-c-helper-text__item pf-m-danger"><span class="pf-v5-c-helper-text__item-text"
 id="input-feedback">{message}</span></div></div></div>"""

F5 = """<table id="main_table" class="logon_page"><tr><td id="main_table_info_cell">
<form id="auth_form" name="e1" method="post" action="/f5/my.policy">
<table id="credentials_table">{error}
<tr><td class="credentials_table_label_cell"><label for="input_1" id="label_input_1">Benutzername</label></td>
<td class="credentials_table_field_cell"><input type="text" name="username" id="input_1" value=""
 autocomplete="off"></td></tr>
<tr><td class="credentials_table_label_cell"><label for="input_2" id="label_input_2">Kennwort</label></td>
<td class="credentials_table_field_cell"><input type="password" name="password" id="input_2" value=""
 autocomplete="off"></td></tr>
<tr id="submit_row"><td class="credentials_table_unified_cell" colspan="2"><input type="submit" class="credentials_input_submit"
 value="Anmelden"></td></tr></table></form></td></tr></table>"""
F5_ERROR = """<tr><td colspan="2" class="credentials_table_unified_cell" style="color:#d00000">{message}</td></tr>"""

GOOGLE_ID = """<h1>Sign in</h1><div>to continue to Example</div>
<form method="post" action="/google/id" novalidate><input type="email" name="identifier" aria-label="Email or phone">
<button type="submit">Next</button></form>"""
GOOGLE_REFUSED = """<h1>Couldn't sign you in</h1>
<div>This browser or app may not be secure. <a href="#">Learn more</a></div>
<div>Try using a different browser. If you're already using a supported browser, you can try again to sign in.</div>
<button type="button">Try again</button>"""


class ShapesIdp(Served):
    def __init__(self) -> None:
        self.saml_target = "http://127.0.0.1:9/saml"
        self.saml_value = "PHNhbWxwOlJlc3BvbnNlLz4="
        self.password_posts: list[str] = []
        self.consent: list[dict[str, str]] = []  # the consent forms posted
        self.opened: list[str] = []  # the apps opened on a dashboard
        outer = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                self._send(*outer.get(url.path, query))

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                self._send(*outer.post(url.path, form))

            def _send(self, status: int, title: str, body: str) -> None:
                if self.path.startswith("/slow"):
                    time.sleep(1.5)  # a slow IdP: every answer takes its time
                send(self, status, PAGE.format(title=title, body=body))

        self._serve(Handler)

    def reset(self) -> None:
        self.password_posts.clear()
        self.consent.clear()
        self.opened.clear()

    def saml_page(self) -> tuple[int, str, str]:
        value = html.escape(self.saml_value, quote=True)
        return 200, "Working...", SAML_POST.format(target=self.saml_target, value=value)

    def _ok(self, path: str, user: str, password: str) -> bool:
        self.password_posts.append(path)
        return user == "alice" and password == PASSWORD

    def get(self, path: str, query: dict[str, str]) -> tuple[int, str, str]:
        tiles = {
            "/okta": ("My Apps", ["Slack", "Salesforce", "Amazon Web Services", "GitHub"], ""),
            "/onelogin": ("Portal", ["Zoom", "AWS", "Workday"], 'target="_blank"'),
            "/jumpcloud": ("Applications", ["Slack", "Zoom", "GitHub"], ""),
            "/twice": ("My Apps", ["AWS Production", "AWS Sandbox", "Slack"], ""),
        }
        if path in tiles:
            return 200, "Sign in", PLAIN.format(action=f"{path}/login")
        if path.startswith("/app/"):
            self.opened.append(path[len("/app/") :])
            return self.saml_page() if path == "/app/aws" else (200, "App", "<h1>Some other app</h1>")
        if path.endswith("/apps") and path[: -len("/apps")] in tiles:
            heading, names, target = tiles[path[: -len("/apps")]]
            links = "".join(TILE.format(href=f"/app/{_app_path(n)}", name=n, target=target) for n in names)
            return 200, f"{heading} Dashboard | Example Corp", DASHBOARD.format(heading=heading, tiles=links)
        pages = {
            "/shib": lambda: (200, "Web Login Service", SHIB_LOGIN),
            "/entra": lambda: (200, "Sign in to your account", ENTRA_PICK),
            "/entra/user": lambda: (200, "Sign in to your account", ENTRA_USER),
            "/slow": lambda: (
                200,
                "Sign On",
                SLOW.format(
                    action="/slow/user", hidden="", label="Username", name="username", kind="text", button="Next"
                ),
            ),
            "/kc-ja": lambda: (200, "サインイン", KC_JA.format(error="", invalid="false")),
            "/f5": lambda: (200, "Example Corp", F5.format(error="")),
            "/google": lambda: (200, "Sign in - Google Accounts", GOOGLE_ID),
        }
        page = pages.get(path)
        return page() if page else (404, "Not found", "<h1>Not found</h1>")

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        if path == "/shib/login":
            if not self._ok(path, form.get("j_username", ""), form.get("j_password", "")):
                return (
                    200,
                    "Web Login Service",
                    SHIB_LOGIN.replace(
                        "<legend>",
                        '<p class="output-message output--error">The password you entered was incorrect.</p><legend>',
                    ),
                )
            rows = "".join(f"<tr><td>{a}</td><td>alice-{a}</td></tr>" for a in ATTRIBUTES)
            return 200, "Information Release", SHIB_CONSENT.format(rows=rows)
        if path == "/shib/consent":
            self.consent.append(form)
            return self.saml_page() if "_eventId_proceed" in form else (200, "Rejected", "<h1>Release rejected</h1>")
        if path.endswith("/login") and path[: -len("/login")] in ("/okta", "/onelogin", "/jumpcloud", "/twice"):
            if not self._ok(path, form.get("username", ""), form.get("password", "")):
                return 200, "Sign in", PLAIN.format(action=path)
            base = path[: -len("/login")]
            return 200, "Redirecting", f'<p>Signing in...</p><script>location.href = "{base}/apps";</script>'
        if path == "/entra/password":
            who = html.escape(form.get("loginfmt", ""))
            return 200, "Sign in to your account", ENTRA_PASSWORD.format(who=who)
        if path == "/entra/login":
            if not self._ok(path, form.get("login", ""), form.get("passwd", "")):
                return 200, "Sign in to your account", "<h1>Your account or password is incorrect.</h1>"
            return self.saml_page()
        if path == "/slow/user":
            who = html.escape(form.get("username", ""))
            hidden = f'<input type="hidden" name="username" value="{who}">'
            return (
                200,
                "Sign On",
                SLOW.format(
                    action="/slow/login",
                    hidden=hidden,
                    label="Password",
                    name="password",
                    kind="password",
                    button="Sign On",
                ),
            )
        if path == "/slow/login":
            return (
                self.saml_page()
                if self._ok(path, form.get("username", ""), form.get("password", ""))
                else (200, "Sign On", "<h1>Sign On</h1><p>Wrong.</p>")
            )
        if path == "/kc-ja/login":
            if not self._ok(path, form.get("username", ""), form.get("password", "")):
                error = KC_JA_MESSAGE.format(message=KC_JA_ERROR)
                return 200, "サインイン", KC_JA.format(error=error, invalid="true")
            return self.saml_page()
        if path == "/f5/my.policy":
            if not self._ok(path, form.get("username", ""), form.get("password", "")):
                return 200, "Example Corp", F5.format(error=F5_ERROR.format(message=F5_DE_ERROR))
            return self.saml_page()
        if path == "/google/id":
            return 200, "Sign in - Google Accounts", GOOGLE_REFUSED
        return 404, "Not found", "<h1>Not found</h1>"


def _app_path(name: str) -> str:
    return "aws" if name == "Amazon Web Services" or name.startswith("AWS") else name.lower()
