"""staticpage: the browser's snapshot read from static HTML (recorded SimpleSAMLphp pages)."""

from __future__ import annotations

from pathlib import Path

from awscli_saml_sso import staticpage

HTML = Path(__file__).parent / "fixtures" / "html"
URL = "http://127.0.0.1:8080/simplesaml/module.php/core/loginuserpass.php?AuthState=x"


def _read(name: str, body: bytes | None = None):
    return staticpage.read(body if body is not None else (HTML / name).read_bytes(), URL, "aws_user")


def test_login_page_fields_and_submit():
    snap, refs = _read("simplesamlphp-login.html")
    assert refs[snap["user"]][0] == "control" and refs[snap["password"]][0] == "control"
    assert snap["submit"] is not None and snap["otp"] is None
    assert snap["error"] == "" and snap["title"] == "Enter your username and password"
    assert not snap["userFilled"] and not snap["passwordFilled"]


def test_wrong_password_page_quotes_the_idp():
    snap, _ = _read("simplesamlphp-wrong.html")
    assert snap["error"] == "Incorrect username or password"
    assert snap["userFilled"] and snap["password"] is not None


def test_messages_by_structure_in_any_language():
    page = """<html><body><form method=post action=/x>
      <span id="input-error" aria-live="polite">無効なユーザー名またはパスワードです。</span>
      <input name=username><input type=password name=password><button>ログイン</button></form></body></html>"""
    snap, _ = _read("", page.encode())
    assert snap["error"] == "無効なユーザー名またはパスワードです。"
    red = b"""<html><body><table><tr><td><font color="red">Anmeldung nicht m\xc3\xb6glich.</font></td></tr></table>
      <form method=post action=/x><input name=username><input type=password name=password></form></body></html>"""
    assert _read("", red)[0]["error"] == "Anmeldung nicht möglich."


def test_hidden_fields_are_not_typed_into():
    page = b"""<form method=post action=/x><div style="display:none"><input name=trap type=password></div>
      <input name=username autocomplete=username><input type=password name=pw></form>"""
    snap, refs = _read("", page)
    assert refs[snap["password"]] == ("control", "0", "2")
    assert snap["passwords"] == 1


def test_garbage_is_an_empty_page():
    for body in (b"", b"\x00\x01", b"<html"):
        snap, refs = _read("", body)
        assert snap["user"] is None and snap["password"] is None and refs == []


def test_keycloak_pages():
    from awscli_saml_sso import htmlforms

    url = "http://127.0.0.1:8080/auth/realms/master/protocol/saml/clients/amazon-aws"
    body = (HTML / "keycloak-login.html").read_bytes()
    snap, refs = staticpage.read(body, url, "aws_user")
    page = htmlforms.parse(body, url)
    (form,) = page.forms
    assert htmlforms.needs_script(page, form, ("username", "password")) is None
    assert refs[snap["user"]] == ("control", "0", "0") and refs[snap["password"]] == ("control", "0", "1")
    assert form.controls[int(refs[snap["submit"]][2])].name == "login"
    box = htmlforms.remember_box(form)
    assert box is not None and box.name == "rememberMe"
    sent = htmlforms.successful(form, {"username": "u", "password": "p", box.name: box.value}, form.field("login"))
    assert ("rememberMe", "on") in sent and ("login", "") in sent
    wrong, _ = staticpage.read((HTML / "keycloak-wrong.html").read_bytes(), url, "aws_user")
    assert wrong["error"] == "Invalid username or password."
