"""The option groups and the SAML sources: no secret in a repr (they end up in logs and
tracebacks), and the source an entry point picks from the options."""

from __future__ import annotations

import pytest

from awscli_saml_sso import sources
from awscli_saml_sso.browser import BrowserLogin
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions, LoginOptions

SECRET = "hunter2-not-in-any-repr"


def test_no_repr_shows_a_secret_or_the_callables_that_fetch_one():
    def password() -> str:
        return SECRET

    answers = Answers(password=password, mfa_code=lambda: SECRET, remember_step=print, remember_origin=print)
    opts = LoginOptions(idp=IdpOptions(url="https://idp.example.com/sso", username="alice"), answers=answers)
    login = BrowserLogin(opts.idp, opts.browser, answers, status=print, check_origin=print, notice=print)
    given = sources.Given(b"PHNhbWxwOlJlc3BvbnNlIC8+" + SECRET.encode())
    for shown in (repr(answers), repr(opts), repr(login), repr(given)):
        assert SECRET not in shown and "function" not in shown and "lambda" not in shown, shown
    assert "alice" in repr(opts) and "https://idp.example.com/sso" in repr(login)


def test_the_source_follows_the_options():
    opts = LoginOptions(idp=IdpOptions(url="https://idp.example.com/sso"), browser=BrowserOptions(timeout=9.0))
    assert sources.pick(opts, b"response").given
    listen = sources.pick(opts, None, 8123)
    assert (type(listen), listen.port, listen.timeout, listen.given) == (sources.Listen, 8123, 9.0, False)
    browser = sources.pick(opts)
    assert (type(browser).__name__, browser.given) == ("BrowserSource", False)
    assert browser.opts is opts


@pytest.mark.parametrize("port", [None, 8123])
def test_a_login_without_an_idp_url_is_one_usage_error(port):
    class UI:
        def status(self, message: str) -> None:
            raise AssertionError(f"nothing should start: {message}")

    with pytest.raises(UsageError, match="no IdP to log in to"):
        sources.pick(LoginOptions(), None, port).obtain(UI())


@pytest.mark.parametrize(("given", "expected"), [(None, "AWS Production"), ("AWS Sandbox", "AWS Sandbox")])
def test_the_dashboard_app_comes_from_the_option_else_the_stored_idp(given, expected):
    import types

    from awscli_saml_sso.commands.login import build_options
    from awscli_saml_sso.models import StoredIdp

    stored = StoredIdp(nickname="corp", url="https://idp.example.org/sso", app="AWS Production")
    secret = types.SimpleNamespace(username=None)
    built = build_options({"username": "alice", "app": given}, None, {}, secret, stored)
    assert built.idp.app == expected
