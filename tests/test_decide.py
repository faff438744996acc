"""decide(snapshot, memory), rule by rule, on snapshots recorded from the imitation pages
(tests/fixtures/snapshots/*.json, rewritten by ``python tests/pages/record.py``) and on small
builders. No browser: the whole file runs in well under a second.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from awscli_saml_sso.browser import relay
from awscli_saml_sso.browser.decide import (
    WAIT,
    Fail,
    HandOver,
    Memory,
    Notice,
    Press,
    RelayNumber,
    Remember,
    Say,
    Select,
    Settings,
    Stuck,
    Type,
    decide,
)
from awscli_saml_sso.errors import AuthError, BrowserError, UsageError

SNAPSHOTS = Path(__file__).parent / "fixtures" / "snapshots"


def recorded(name: str, **overrides) -> dict:
    snap = json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))
    snap.update(overrides)
    return snap


def page(**overrides) -> dict:
    """A snapshot with nothing on it but what the test gives (the keys page.js returns)."""
    snap = recorded("security_key", choose=False, title="", headings=[], buttons=[], fields=[], forms=[])
    snap.update(overrides)
    return snap


def memory(now: float = 100.0, **settings) -> Memory:
    values = {"username": "alice", **settings}
    return Memory(Settings(**values), now=now, last_change=now)


def run(snap: dict, mem: Memory, now: float | None = None) -> list:
    if now is not None:
        mem.now = now
    return decide(copy.deepcopy(snap), mem)


def failure(actions: list) -> Exception:
    assert len(actions) == 1 and isinstance(actions[0], Fail), actions
    return actions[0].error


def pressed(actions: list) -> list:
    return [a.element for a in actions if isinstance(a, Press)]


# ---- refusals of automated browsers -------------------------------------------------------------


def test_automation_refused_says_listen_or_use_browser():
    error = failure(run(recorded("google_refused"), memory()))
    assert isinstance(error, BrowserError)
    assert str(error) == "this IdP refuses automated browsers: This browser or app may not be secure. Learn more"
    assert "--listen" in error.hint and "--use-browser" in error.hint


# ---- filling in: username, password, code; each secret submitted once ---------------------------


def test_login_form_types_username_and_password_and_presses_sign_in():
    snap = recorded("plain_login")
    actions = run(snap, memory(remember_me=True))
    assert actions == [
        Type(snap["user"], "username", False),
        Type(snap["password"], "password", False),
        Remember(snap["password"]),
        Say("submitting the password"),
        Press(snap["submit"], snap["password"]),
    ]


def test_username_page_without_a_username_fails_with_the_option():
    error = failure(run(recorded("ms_user"), memory(username=None)))
    assert "asks for a username" in str(error) and "--username" in error.hint


def test_password_page_again_is_the_answer_never_a_second_try():
    mem = memory()
    run(recorded("plain_login"), mem)
    assert run(recorded("plain_login"), mem) == [WAIT]  # the same document: still submitting
    error = failure(run(recorded("plain_login", doc="doc-2"), mem))
    assert str(error) == "the IdP rejected the login: it showed the password page again"


def test_password_rejected_quoted_from_an_alert():
    mem = memory()
    run(recorded("ms_password_wrong", doc="before", error="", messages=[]), mem)
    error = failure(run(recorded("ms_password_wrong"), mem))
    assert str(error) == (
        "the IdP rejected the login (wrong username or password): Your account or password is incorrect. "
        "If you don't remember your password, reset it now."
    )


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("kc_ja_wrong", "無効なユーザー名またはパスワードです。"),
        ("f5_de_wrong", "Die Anmeldung ist nicht gelungen. Benutzername und Kennwort passen nicht zusammen."),
    ],
)
def test_error_by_structure_quoted_in_the_pages_language(name, sentence):
    mem = memory()
    run(recorded(name, doc="before", error="", messages=[]), mem)
    error = failure(run(recorded(name), mem))
    assert str(error) == f"the IdP rejected the login (wrong username or password): {sentence}"


def test_red_text_already_there_when_we_submitted_is_not_the_answer():
    wrong = recorded("f5_de_wrong")
    mem = memory()
    run(wrong, mem)  # submitted on a page that already showed the red sentence
    assert run(wrong, mem) == [WAIT]


def test_keycloak_wrong_password_is_not_a_format_error():
    error = relay.rejection("Invalid username or password.", "password")
    assert str(error) == "the IdP rejected the login (wrong username or password): Invalid username or password."
    assert "(format)" in str(relay.rejection("Please enter a valid email address.", "username"))


def test_code_typed_once_and_without_a_code_the_option_is_named():
    snap = page(otp=3, submit=4)
    assert "--mfa-code" in failure(run(snap, memory())).hint
    mem = memory(has_code=True)
    assert run(snap, mem)[1:] == [Type(3, "otp"), Say("submitting the one-time code"), Press(4, 3)]
    assert isinstance(failure(run(page(otp=3, submit=4, doc="doc-2"), mem)), AuthError)


def test_new_password_asked_fails():
    assert "new password" in str(failure(run(page(newPassword=True), memory())))


# ---- a disabled button: wait, then press once ---------------------------------------------------


def test_disabled_button_waited_for_then_pressed_once():
    mem = memory()
    held = recorded("slow_username", submit=None, submitDisabled=True)
    assert run(held, mem) == [Type(held["user"], "username", False), WAIT]
    assert run(recorded("slow_username", submit=None, submitDisabled=True, userFilled=True), mem) == [WAIT]
    enabled = recorded("slow_username", userFilled=True)
    assert run(enabled, mem) == [Say("submitting the username"), Press(enabled["submit"])]
    assert run(enabled, mem) == [WAIT]


# ---- factor choice ------------------------------------------------------------------------------


def test_factor_choice_code_selected_when_a_code_is_at_hand():
    snap = recorded("f5_methods")
    actions = run(snap, memory(prefer_code=True, has_code=True))
    assert actions[:2] == [Say("choosing the one-time code method"), Select(snap["methods"][1]["el"], 1)]
    assert Type(snap["otp"], "otp") in actions


def test_factor_choice_push_already_selected_asks_for_the_push():
    snap = recorded("f5_methods")
    assert run(snap, memory()) == [Say("asking the IdP for a push"), Press(snap["submit"])]


def test_factor_not_offered_fails_listing_the_offer():
    error = failure(run(recorded("f5_methods"), memory(mfa_method="call")))
    assert isinstance(error, UsageError) and "push (Duo Push)" in str(error)


def test_push_page_with_a_code_at_hand_asks_for_another_way():
    snap = page(waiting=True, another=2)
    assert pressed(run(snap, memory(prefer_code=True))) == [2]
    assert pressed(run(snap, memory())) == []


# ---- the person's steps: number, push, pickers, hand-over ---------------------------------------


def test_number_relayed_once_then_responded_pressed_now_and_then():
    mem = memory()
    snap = page(number="42", responded=5)
    assert run(snap, mem) == [RelayNumber("approve the sign-in on your phone: 42", "waiting for your approval of 42")]
    assert run(snap, mem, now=101.0) == [WAIT]
    assert run(snap, mem, now=103.0) == [Press(5)]


def test_push_denied_after_relay_fails():
    mem = memory()
    run(page(waiting=True), mem)
    error = failure(run(page(waiting=True, error="Request denied. You've denied the sign in request."), mem))
    assert str(error).startswith("the sign-in request was denied")


def test_account_picker_with_our_tile_presses_it():
    snap = recorded("pick_account", account=7)
    assert pressed(run(snap, memory())) == [7]


def test_account_picker_without_our_tile_uses_another_account_then_hands_over():
    snap = recorded("entra_picker")
    mem = memory(username="carol")
    assert pressed(run(snap, mem)) == [snap["anotherAccount"]]
    assert run(snap, mem, now=100.5) == [WAIT]
    assert run(snap, mem, now=101.5) == [HandOver("a choice of account", snap["url"])]


def test_security_key_handed_over_once_settled_not_when_watching():
    snap = page(handover="security key")
    mem, watched = memory(), memory(show=True)
    assert run(snap, mem) == run(snap, watched) == [WAIT]  # just appeared
    assert run(snap, mem, now=101.5) == [HandOver("a security key", snap["url"])]
    assert run(snap, watched, now=101.5) == [WAIT]


def test_stay_signed_in_answered_once():
    mem = memory()
    assert run(page(kmsi=1), mem) == [Say("answering the 'stay signed in?' question"), Press(1)]
    assert run(page(kmsi=1), mem) == [WAIT]


def test_portal_followed_once():
    mem = memory()
    assert pressed(run(page(portal=0), mem)) == [0]
    assert run(page(portal=0), mem) == [WAIT]


# ---- consent and dashboards ---------------------------------------------------------------------


def test_attribute_release_accepted_with_its_default_and_said():
    snap = recorded("shib_consent")
    mem = memory()
    actions = run(snap, mem)
    assert actions == [
        Notice(
            "accepting 'Information to be Provided to Service' with the page's default (Ask me again if "
            "information to be provided to this service changes): uid, mail, eduPersonAffiliation"
        ),
        Press(snap["consent"]["accept"]),
    ]
    assert run(snap, mem) == [WAIT]


@pytest.mark.parametrize(("name", "tile"), [("okta_dashboard", "Amazon Web Services"), ("onelogin_dashboard", "AWS")])
def test_dashboard_opens_the_tile_naming_aws(name, tile):
    snap = recorded(name)
    wanted = next(t["el"] for t in snap["tiles"] if t["text"] == tile)
    assert run(snap, memory()) == [Say(f"opening the app '{tile}' on the dashboard"), Press(wanted)]


def test_dashboard_app_option_wins():
    snap = recorded("okta_dashboard")
    wanted = next(t["el"] for t in snap["tiles"] if t["text"] == "Salesforce")
    assert pressed(run(snap, memory(app="salesforce"))) == [wanted]


def test_dashboard_without_an_aws_tile_lists_the_tiles():
    error = failure(run(recorded("jumpcloud_dashboard"), memory()))
    assert str(error) == "the IdP shows an app dashboard with no tile(s) naming AWS: Slack, Zoom, GitHub"
    assert "--app" in error.hint and "sign-in URL" in error.hint


# ---- errors after a submit, and pages nobody understands ----------------------------------------


def test_error_page_without_fields_after_a_password_is_the_answer_once_settled():
    mem = memory()
    run(recorded("plain_login"), mem)
    snap = page(error="Your account has been disabled.", doc="doc-9")
    assert run(snap, mem, now=100.5) == [WAIT]
    error = failure(run(snap, mem, now=101.6))
    assert str(error) == "the IdP rejected the login (account disabled): Your account has been disabled."


def test_page_nobody_understands_is_stuck_after_the_delay():
    snap = recorded("security_key")
    mem = memory(can_ask=True)
    assert run(snap, mem) == [WAIT]
    assert run(snap, mem, now=105.0) == [WAIT]
    assert run(snap, mem, now=110.5) == [Stuck("'Pick one' at https://idp.example.org/odd", True)]


# ---- after a hand-over: the person's window ------------------------------------------------------


def test_attended_window_answers_what_follows_the_persons_step_and_never_types():
    mem = memory(attended=True)
    assert run(recorded("plain_login"), mem) == [WAIT]  # the person's fields
    assert run(page(handover="security key"), mem, now=200.0) == [WAIT]  # never stuck, never handed over
    assert run(page(kmsi=1, doc="doc-5"), mem) == [Say("answering the 'stay signed in?' question"), Press(1)]
    assert pressed(run(recorded("shib_consent"), mem)) == [recorded("shib_consent")["consent"]["accept"]]
    assert run(recorded("jumpcloud_dashboard"), mem) == [WAIT]  # not one AWS tile: the person chooses
