"""Filling in the login fields (username, password, one-time code), each secret submitted once,
and reading the IdP's answer: the rules of :func:`decide.decide` for pages with fields."""

from __future__ import annotations

from awscli_saml_sso.browser import relay
from awscli_saml_sso.browser.steps import (
    ERROR_SETTLE,
    KIND_NAMES,
    WAIT,
    Action,
    Done,
    Memory,
    Press,
    Remember,
    Say,
    Snapshot,
    Type,
    trim,
)
from awscli_saml_sso.errors import BrowserError


def fill_username(snap: Snapshot, memory: Memory, place: str) -> list[Action]:
    if pending := _pending(snap, memory, place, "username"):
        return pending
    if _already(snap, memory, place, "username"):
        return [WAIT]
    steps: list[Action] = []
    if not snap["userPrefilled"]:
        steps.append(_username(snap, memory))
    return [*steps, *_submit(snap, memory, place, "username", snap["user"])]


def _username(snap: Snapshot, memory: Memory) -> Type:
    if not memory.settings.username:
        raise BrowserError(
            "the IdP asks for a username but none was given",
            hint="pass --username, or log in yourself with --use-browser",
        )
    return Type(snap["user"], "username", snap["userFilled"])


def fill_password(snap: Snapshot, memory: Memory, place: str) -> list[Action]:
    if pending := _pending(snap, memory, place, "password"):
        return pending
    if _already(snap, memory, place, "password"):
        return [WAIT]
    if not memory.settings.has_password:
        raise BrowserError(
            "the IdP asks for a password but none was given", hint="pass --password-stdin or use a stored IdP"
        )
    steps: list[Action] = []
    if snap["user"] is not None and not snap["userPrefilled"]:
        if memory.settings.username or not snap["userFilled"]:  # else keep what the page has
            steps.append(_username(snap, memory))
    steps.append(Type(snap["password"], "password", snap["passwordFilled"]))
    if memory.settings.remember_me:
        steps.append(Remember(snap["password"]))
    return [*steps, *_submit(snap, memory, place, "password", snap["password"])]


def fill_otp(snap: Snapshot, memory: Memory, place: str) -> list[Action]:
    if pending := _pending(snap, memory, place, "otp"):
        return pending
    if _already(snap, memory, place, "otp"):
        return [WAIT]
    if not memory.settings.has_code:
        raise BrowserError("the IdP asks for a one-time code", hint="pass --mfa-code")
    steps: list[Action] = [Say("the IdP asks for a one-time code")]
    if snap["otpSplit"]:  # one box per digit
        field = snap["otpSplit"][-1]
        steps.append(Type(snap["otpSplit"][0], "otp", False, tuple(snap["otpSplit"])))
    else:
        field = snap["otp"]
        steps.append(Type(field, "otp"))
    return [*steps, *_submit(snap, memory, place, "otp", field)]


def _already(snap: Snapshot, memory: Memory, place: str, kind: str) -> bool:
    """True when this form was submitted already; AuthError when the IdP sent it back.

    A password or code is given at most once per run, wherever the form comes back (an error
    page at another URL is still the answer): typing it again only counts against the
    account's lockout. A username page may come back elsewhere (a portal, then the IdP)."""
    done = memory.done.get(kind)
    if done is None or (kind == "username" and done.place != place):
        return False
    error = snap["error"] or _new_message(snap, done)
    if snap["doc"] == done.doc and not snap["invalid"] and not (error and error != done.error):
        return True  # still submitting, or a script is thinking: wait
    raise relay.rejection(trim(error or snap["invalid"]), kind)


def _pending(snap: Snapshot, memory: Memory, place: str, kind: str) -> list[Action]:
    """Typed, but the page kept its button disabled: wait for it (until the timeout), press once."""
    done = memory.done.get(kind)
    if done is None or done.pressed or done.doc != snap["doc"] or done.place != place:
        return []
    if snap["submit"] is None:
        return [WAIT]
    done.pressed = True
    return [Say(f"submitting the {KIND_NAMES[kind]}"), Press(snap["submit"])]


def _new_message(snap: Snapshot, done: Done) -> str:
    """A message by its structure, in any language, that was not on the page when we submitted:
    on a new document any signal counts (alert, live region, error-like class, red, invalid
    field); in the same document (a script's answer) not a live region alone ("Signing in...")."""
    for m in snap["messages"]:
        if m["text"] in done.messages:
            continue
        strong = m["alert"] or m["errorLike"] or m["red"] or m["invalid"] or m["words"]
        if strong or (m["live"] and snap["doc"] != done.doc):
            return str(m["text"])
    return ""


def refused(snap: Snapshot, memory: Memory) -> None:
    """A page without fields that shows an error after we submitted something: the answer."""
    if memory.last_kind is None or not snap["error"] or snap["ready"] != "complete":
        return
    done = memory.done.get(memory.last_kind)
    if done is not None and snap["doc"] == done.doc and snap["error"] == done.error:
        return
    if memory.relayed and (failure := relay.push_failure(trim(snap["error"]))):
        raise failure
    if memory.now - memory.last_change >= ERROR_SETTLE:
        raise relay.rejection(trim(snap["error"]), memory.last_kind)


def _submit(snap: Snapshot, memory: Memory, place: str, kind: str, field: int) -> list[Action]:
    seen = tuple(m["text"] for m in snap["messages"])
    held = snap["submit"] is None and snap["submitDisabled"]  # pressed once the page enables it
    memory.done[kind] = Done(place, snap["doc"], snap["error"], seen, pressed=not held)
    memory.last_kind = kind
    if held:
        return [WAIT]
    return [Say(f"submitting the {KIND_NAMES[kind]}"), Press(snap["submit"], field)]
