"""Page shapes the page model learned (issue 23), against imitation vendor pages
(tests/pages/shapes.py) in a real headless Chromium: attribute release, app dashboards, an account
picker without our account, a slow page with a late-enabled button, errors in other languages and
as red text, and an IdP that refuses automated browsers.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from browserlogins import browser_login
from pages.fixtures import sink  # noqa: F401 - fixture, used by name
from pages.shapes import ATTRIBUTES, F5_DE_ERROR, KC_JA_ERROR, PASSWORD, ShapesIdp
from test_browser_capture import leftovers

from awscli_saml_sso.browser import capture_saml_response
from awscli_saml_sso.errors import AuthError, BrowserError

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="needs Chromium"),
]


@pytest.fixture(scope="module")
def shapes():
    server = ShapesIdp()
    yield server
    server.close()


@pytest.fixture
def saml(shapes, sink):
    shapes.saml_target = sink.url
    shapes.saml_value = base64.b64encode(secrets.token_bytes(2000)).decode()
    shapes.reset()
    sink.requests.clear()
    yield shapes.saml_value
    time.sleep(0.1)
    assert sink.requests == [], "a request reached the listener standing in for AWS"


@pytest.fixture
def login(shapes, sink, tmp_path):
    profile = tmp_path / "profile"
    said: list[str] = []

    def make(path: str, **overrides):
        values = dict(
            idp_url=shapes.base + path,
            endpoints=(sink.url,),
            username="alice",
            password=lambda: PASSWORD,
            timeout=30.0,
            profile_dir=profile,
            diagnostics_dir=tmp_path / "diag",
            status=said.append,
        )
        values.update(overrides)
        return browser_login(**values)

    make.said = said
    yield make
    assert leftovers(str(profile)) == []


def test_attribute_release_accepted_with_the_pages_default_and_said(login, saml, shapes):
    assert capture_saml_response(login("/shib")) == saml
    assert len(shapes.consent) == 1
    assert shapes.consent[0]["_shib_idp_consentOptions"] == "_shib_idp_rememberConsent"  # the page's default
    assert "_eventId_AttributeReleaseRejected" not in shapes.consent[0]
    line = next(s for s in login.said if s.startswith("accepting"))
    assert "Information to be Provided to Service" in line
    assert all(a in line for a in ATTRIBUTES)
    assert "Ask me again if information to be provided to this service changes" in line


@pytest.mark.parametrize(("path", "tile"), [("/okta", "amazon web services"), ("/onelogin", "aws")])
def test_dashboard_opens_the_aws_tile_same_tab_or_new_tab(login, saml, shapes, path, tile):
    assert capture_saml_response(login(path)) == saml
    assert shapes.opened == ["aws"]
    assert len(shapes.password_posts) == 1


def test_dashboard_app_option_names_the_tile(login, saml, shapes):
    assert capture_saml_response(login("/twice", app="AWS Production")) == saml
    assert shapes.opened == ["aws"]


@pytest.mark.parametrize(("path", "what"), [("/jumpcloud", "no tile"), ("/twice", "several tile")])
def test_dashboard_without_one_aws_tile_lists_the_tiles(login, saml, shapes, path, what):
    with pytest.raises(BrowserError) as caught:
        capture_saml_response(login(path))
    message = str(caught.value)
    assert what in message
    tiles = {"/jumpcloud": ("Slack", "Zoom", "GitHub"), "/twice": ("AWS Production", "AWS Sandbox", "Slack")}[path]
    assert all(t in message for t in tiles), message
    assert "--app" in caught.value.hint and "sign-in URL" in caught.value.hint
    assert "Sign out" not in message and shapes.opened == []


def test_account_picker_without_our_account_uses_another_account(login, saml, shapes):
    assert capture_saml_response(login("/entra")) == saml
    assert shapes.password_posts == ["/entra/login"]


def test_slow_page_with_a_late_enabled_button_is_pressed_once(login, saml, shapes):
    started = time.monotonic()
    assert capture_saml_response(login("/slow")) == saml
    assert shapes.password_posts == ["/slow/login"]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("path", "sentence"), [("/kc-ja", KC_JA_ERROR), ("/f5", F5_DE_ERROR)], ids=["keycloak-japanese", "f5-german-red"]
)
def test_error_in_another_language_is_quoted(login, saml, shapes, path, sentence):
    with pytest.raises(AuthError) as caught:
        capture_saml_response(login(path, password=lambda: "wrong-password"))
    assert str(caught.value) == f"the IdP rejected the login (wrong username or password): {sentence}"
    assert len(shapes.password_posts) == 1


def test_idp_refusing_automated_browsers_says_listen_or_use_browser(login, saml, shapes):
    started = time.monotonic()
    with pytest.raises(BrowserError) as caught:
        capture_saml_response(login("/google"))
    assert "refuses automated browsers" in str(caught.value)
    assert "This browser or app may not be secure" in str(caught.value)
    assert "--listen" in caught.value.hint and "--use-browser" in caught.value.hint
    assert time.monotonic() - started < 8, "said at once, not after the stuck-page delay"
