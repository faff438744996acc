"""The pure decisions behind the human steps (browser/relay.py), the line the person must see
(ui.Terminal.notice), --mfa-method on the command line, and the stored IdP's note that its login
needed a person's step."""

from __future__ import annotations

import io
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from clirun import run_cli

from awscli_saml_sso import idps
from awscli_saml_sso.browser import relay
from awscli_saml_sso.errors import AuthError, ExitCode, UsageError
from awscli_saml_sso.idps import StoredIdp
from awscli_saml_sso.ui import Terminal


@pytest.mark.parametrize(
    "sentence, kind, label",
    [
        ("Your account has been disabled. Contact your administrator.", "password", "account disabled"),
        ("Your account is temporarily locked to prevent unauthorized use.", "password", "account locked"),
        ("Your password has expired and must be changed.", "password", "password expired"),
        ("We couldn't find an account with that username.", "username", "unknown user"),
        ("Your account or password is incorrect.", "password", "wrong username or password"),
        ("That code didn't work. Check the code and try again.", "otp", "wrong one-time code"),
        ("Enter your user ID in the format domain\\user or user@domain.", "username", "format"),
    ],
)
def test_refusals_are_classified_and_quoted(sentence, kind, label):
    error = relay.rejection(sentence, kind)
    assert isinstance(error, AuthError) and error.exit_code == ExitCode.AUTH
    assert str(error) == f"the IdP rejected the login ({label}): {sentence}"


def test_a_form_sent_back_without_a_word_says_so():
    assert str(relay.rejection("", "password")) == "the IdP rejected the login: it showed the password page again"


@pytest.mark.parametrize(
    "error, start",
    [
        ("Request denied. You've denied the sign in request.", "the sign-in request was denied: "),
        ("We didn't hear from you. The request timed out.", "the sign-in request timed out: "),
        ("", None),
        ("Loading...", None),
    ],
)
def test_push_outcomes(error, start):
    failure = relay.push_failure(error)
    assert (failure is None) if start is None else str(failure).startswith(start + error)


def test_the_approval_line():
    assert relay.approval_line("47") == "approve the sign-in on your phone: 47"
    assert relay.approval_line("") == "approve the sign-in request sent to your phone"


METHODS = [
    {"method": "push", "label": "Duo Push"},
    {"method": "totp", "label": "Passcode"},
    {"method": "sms", "label": "SMS passcodes"},
]


def test_method_preference():
    assert relay.pick_method(METHODS, None, has_code=False)["method"] == "push"
    assert relay.pick_method(METHODS, None, has_code=True)["method"] == "totp"
    assert relay.pick_method(METHODS, "sms", has_code=False)["method"] == "sms"
    assert relay.pick_method(METHODS[2:], None, has_code=False) is None  # never SMS unasked


def test_an_unavailable_method_lists_what_the_page_offers():
    with pytest.raises(UsageError) as err:
        relay.pick_method(METHODS, "call", has_code=False)
    assert str(err.value) == (
        "the IdP does not offer --mfa-method call; it offers: push (Duo Push), sms (SMS passcodes), totp (Passcode)"
    )


def test_the_notice_is_shown_without_a_terminal_too():
    pipe = io.StringIO()
    term = Terminal(pipe, {})
    term.status("progress, for terminals only")
    term.notice("approve the sign-in on your phone: 47")
    assert pipe.getvalue() == "approve the sign-in on your phone: 47\n"


def test_mfa_method_is_a_fixed_choice(cli_env):
    result = run_cli(["--idp-url", "https://idp.example.com/x", "--mfa-method", "fax"], env=cli_env)
    assert result.code == ExitCode.USAGE and "--mfa-method" in result.err


def test_the_stored_idp_remembers_a_step_for_a_person(home):
    env = dict(os.environ)
    idps.save(StoredIdp("corp", "https://idp.example.com/sso"), env)
    idps.remember_step("corp", "a security key", env)
    assert idps.get("corp", env).needs_person == "a security key"
    assert idps.load_all(env)["corp"].to_json() == {
        "url": "https://idp.example.com/sso",
        "needs_person": "a security key",
    }


def test_the_next_login_says_what_the_idp_asked_for_last_time(cli_env):
    env = dict(cli_env)
    idps.save(StoredIdp("corp", "http://127.0.0.1:9/sso", needs_person="a security key"), env)
    result = run_cli(
        ["--idp-nickname", "corp", "--username", "alice", "--password-stdin", "--timeout", "20"], env=env, stdin="pw\n"
    )
    assert "warning: last time, corp asked for a security key" in result.err, result
