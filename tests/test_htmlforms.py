"""htmlforms: the browser's successful-controls rule on static HTML (pure, no network)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from awscli_saml_sso import htmlforms

LOGIN = b"""<!doctype html><html><head><title>Sign in</title><base href="/idp/"></head><body>
<form id="f" method="post" action="login?x=1">
  <input type="hidden" name="AuthState" value="s&amp;1">
  <label for="u">User name</label><input id="u" name="username" autocomplete="username">
  <label>Password <input type="password" name="password" autocomplete="current-password"></label>
  <input type="checkbox" name="remember" value="yes">
  <input type="checkbox" name="checked" checked>
  <fieldset disabled><input name="off" value="x"><legend><input name="inlegend" value="y"></legend></fieldset>
  <select name="lang"><option value="en">English</option><option value="de" selected>Deutsch</option></select>
  <select name="first"><option disabled>-</option><option>One</option></select>
  <input name="gone" value="x" disabled>
  <button name="action" value="login">Sign in</button>
  <button name="action" value="other" formaction="https://elsewhere.example/x" formmethod="get">Other</button>
  <button type="button" name="js" value="1">Show</button>
</form>
<input name="outside" value="o" form="f">
<input name="stray" value="s">
</body></html>"""


def test_parse_resolves_base_labels_and_owner():
    page = htmlforms.parse(LOGIN, "https://idp.example/start/page")
    assert page.title == "Sign in"
    (form,) = page.forms
    assert form.action == "https://idp.example/idp/login?x=1"
    assert form.method == "POST"
    user = form.field("username")
    assert user.label == "User name" and user.autocomplete == "username"
    assert form.field("password").label.startswith("Password")
    assert form.field("outside") is not None and form.field("stray") is None
    assert form.field("off").disabled and not form.field("inlegend").disabled


def test_successful_controls_follow_the_browser():
    (form,) = htmlforms.parse(LOGIN, "https://idp.example/").forms
    sub = htmlforms.encode(form, {"username": "me", "password": "p w&"})
    assert sub.method == "POST" and sub.url == "https://idp.example/idp/login?x=1"
    pairs = parse_qsl(sub.body.decode(), keep_blank_values=True)
    assert pairs == [
        ("AuthState", "s&1"),
        ("username", "me"),
        ("password", "p w&"),
        ("checked", "on"),
        ("inlegend", "y"),
        ("lang", "de"),
        ("first", "One"),
        ("action", "login"),
        ("outside", "o"),
    ]


def test_formaction_and_formmethod_of_the_clicked_button():
    (form,) = htmlforms.parse(LOGIN, "https://idp.example/").forms
    other = [c for c in form.submitters if c.value == "other"][0]
    sub = htmlforms.encode(form, {}, other)
    assert sub.method == "GET" and sub.body is None
    assert sub.url.startswith("https://elsewhere.example/x?") and "action=other" in sub.url


def test_saml_post_and_auto_submit():
    post = b"""<html><body onload="document.forms[0].submit()"><noscript><p>Press</p></noscript>
    <form method="POST" action="https://signin.aws.amazon.com/saml">
    <input type="hidden" name="SAMLResponse" value="PHNhbWw+"/><input type="hidden" name="RelayState" value="r"/>
    <noscript><input type="submit" value="Continue"/></noscript></form></body></html>"""
    page = htmlforms.parse(post, "https://idp.example/sso")
    form, response, relay = htmlforms.saml_post(page)
    assert (response, relay) == ("PHNhbWw+", "r")
    assert form.action == "https://signin.aws.amazon.com/saml"
    assert htmlforms.auto_submit(page) is form
    assert htmlforms.auto_submit(htmlforms.parse(LOGIN, "https://idp.example/")) is None


def test_meta_refresh_and_garbage():
    page = htmlforms.parse(b'<meta http-equiv="Refresh" content="0; URL=\'/next?a=1\'">', "https://i.example/a/b")
    assert page.refresh == "https://i.example/next?a=1"
    for garbage in (b"", b"\x00\xff\xfe", b"<<<>>>", "\ud800".encode("utf-8", "surrogatepass")):
        assert htmlforms.parse(garbage, "https://i.example/").forms == ()


KEYCLOAK_LIKE = b"""<html><body><form id="kc-form-login" onsubmit="login.disabled = true; return true;"
 action="/auth/realms/master/login-actions/authenticate?session_code=a" method="post">
<input id="username" name="username" type="text" autocomplete="username">
<input id="password" name="password" type="password" autocomplete="current-password">
<input type="hidden" id="id-hidden-input" name="credentialId"/>
<input type="submit" name="login" id="kc-login" value="Sign In"></form></body></html>"""


def _needs(html: bytes, secret=("password",)):
    page = htmlforms.parse(html, "https://idp.example/a")
    return htmlforms.needs_script(page, page.forms[0], secret)


def test_plain_forms_need_no_script():
    assert _needs(KEYCLOAK_LIKE) is None  # its onsubmit only stops a second press
    assert _needs(LOGIN) is None


def test_forms_that_script_changes_go_to_the_browser():
    base = KEYCLOAK_LIKE
    cases = {
        "encrypts": base.replace(b"login.disabled = true; return true;", b"this.p.value = enc(this.password.value)"),
        "cancels": base.replace(b"return true;", b"event.preventDefault(); send();"),
        "get": base.replace(b'method="post"', b'method="get"'),
        "js action": base.replace(b'action="/auth', b'action="javascript:go()" data-x="'),
        "nameless secret": base.replace(b'name="password" ', b""),
        "button only": base.replace(b'type="submit"', b'type="button"'),
        "onclick submit": base.replace(b'type="submit"', b'type="submit" onclick="go()"'),
        "filled by script": base.replace(
            b"</form>", b"</form><script>document.getElementById('id-hidden-input').value = fp();</script>"
        ),
        "noscript": base.replace(b"<form", b"<noscript>Please enable JavaScript to sign in.</noscript><form"),
    }
    for name, html in cases.items():
        assert _needs(html) is not None, name
