"""The next step of a login, decided from one snapshot of the page: no browser, no clock, no I/O.

The snapshot is plain data (``page.js`` reads it in the browser; a fixture or static HTML can give
it too): element references are indices the executor (:mod:`autofill`) resolves. ``decide`` returns
the actions of this round and keeps its own bookkeeping in :class:`Memory` (what was submitted
where, what was clicked, when the page last changed: the time comes in as ``memory.now``).

A password or code is submitted at most once per run: when that kind of field comes back (on any
page) or an error page follows, the IdP rejected the answer and we say so with the page's own
sentence. The rules, in the order they apply, are listed in docs/page-model.md.
"""

from __future__ import annotations

import re
from typing import Any

from awscli_saml_sso.browser import fills, person, relay
from awscli_saml_sso.browser.endpoints import strip_query
from awscli_saml_sso.browser.steps import (  # noqa: F401 - the vocabulary, used through this module too
    ERROR_SETTLE,
    KIND_NAMES,
    MAX_ERROR,
    MAX_PORTAL_CLICKS,
    RESPOND_EVERY,
    SECRETS,
    STUCK_AFTER,
    WAIT,
    Action,
    Done,
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
    Snapshot,
    Stuck,
    Type,
    Wait,
    place_of,
    trim,
)
from awscli_saml_sso.errors import AuthError, BrowserError, UsageError

# ---- the rules ----------------------------------------------------------------------------------


def decide(snap: Snapshot, memory: Memory) -> list[Action]:
    """The actions of this round, in order (Wait: nothing to do yet)."""
    _observe(snap, memory)
    if memory.settings.attended:
        return _attended(snap, memory)
    try:
        if snap["refusesAutomation"]:
            raise BrowserError(
                f"this IdP refuses automated browsers: {trim(snap['refusesAutomation'])}",
                hint="log in with --listen (your own browser) or --use-browser",
            )
        steps = _act(snap, memory) or _human_step(snap, memory)
        if steps:
            memory.last_change = memory.now
            return steps
        if snap["number"] or snap["waiting"]:
            return [WAIT]
        fills.refused(snap, memory)
    except (AuthError, BrowserError, UsageError) as exc:
        return [Fail(exc)]
    quiet = memory.now - memory.last_change
    complete = snap["ready"] == "complete"
    if snap["handover"] and complete and quiet >= ERROR_SETTLE and not memory.settings.show:
        return [HandOver(person.step_name(snap["handover"]), snap["url"])]
    if complete and quiet > memory.settings.stuck_after:
        return [Stuck(page_name(snap), memory.settings.can_ask and not memory.settings.show)]
    return [WAIT]


def _attended(snap: Snapshot, memory: Memory) -> list[Action]:
    """After a hand-over, the person's window: the questions after their step (stay signed in,
    consent, our account's tile, the AWS tile) are ours; fields and anything else are theirs."""
    place, doc = place_of(snap["url"]), snap["doc"]
    if snap["user"] is not None or snap["password"] is not None or snap["otp"] is not None or snap["otpSplit"]:
        return [WAIT]
    if snap["tiles"]:
        try:
            return _open_app(snap, memory) or [WAIT]
        except BrowserError:  # not one AWS tile: the person chooses
            return [WAIT]
    if snap["kmsi"] is not None and _once(memory, place, doc):
        return [Say("answering the 'stay signed in?' question"), Press(snap["kmsi"])]
    if snap["consent"] and _once(memory, "consent", place, doc):
        return [Notice(_consented(snap["consent"])), Press(snap["consent"]["accept"])]
    if snap["account"] is not None and _once(memory, "account", place, doc):
        return [Say(f"choosing the account {memory.settings.username}"), Press(snap["account"])]
    return [WAIT]


def _observe(snap: Snapshot, memory: Memory) -> None:
    # "Authenticator app" on a page offering several factors is a choice, not a push sent
    if snap["tiles"]:
        snap["waiting"], snap["methods"] = False, []
    tiles = [m for m in snap["methods"] if m["kind"] == "button"]
    # and "waiting for your security key" is a step for the person, not a push
    snap["waiting"] = bool(snap["number"]) or (
        bool(snap["waiting"]) and len(tiles) < 2 and not (tiles and snap["choose"]) and not snap["handover"]
    )
    signature = (
        strip_query(snap["url"]),
        snap["doc"],
        snap["error"],
        snap["number"],
        *(_has(snap, k) for k in ("user", "password", "otp", "kmsi", "otpSplit", "waiting")),
    )
    if signature != memory.signature:
        memory.signature, memory.last_change = signature, memory.now


def _act(snap: Snapshot, memory: Memory) -> list[Action]:
    place = place_of(snap["url"])
    if snap["tiles"]:  # an app dashboard: its "Notifications" is no push, its tiles no factors
        return _open_app(snap, memory) or [WAIT]
    chosen: list[Action] = []  # a factor chosen on a page whose field comes next in this round
    if snap["methods"]:
        chosen, moved = _choose_method(snap, memory, place)
        if moved:
            return chosen
    if snap["waiting"] and snap["another"] is not None and (steps := _another_way(snap, memory, place)):
        return steps
    if snap["otp"] is not None or snap["otpSplit"]:
        return [*chosen, *fills.fill_otp(snap, memory, place)]
    if snap["password"] is not None:
        return [*chosen, *fills.fill_password(snap, memory, place)]
    if snap["user"] is not None:
        return [*chosen, *fills.fill_username(snap, memory, place)]
    if snap["newPassword"]:
        raise BrowserError("the IdP asks for a new password", hint="change it with --use-browser, then run again")
    if snap["kmsi"] is not None and _once(memory, place, snap["doc"]):
        return [Say("answering the 'stay signed in?' question"), Press(snap["kmsi"])]
    if snap["consent"] and _once(memory, "consent", place, snap["doc"]):
        return [Notice(_consented(snap["consent"])), Press(snap["consent"]["accept"])]
    return []


def _consented(consent: dict[str, Any]) -> str:
    """What is accepted on the person's behalf, said on the terminal (the page's default choice)."""
    what = f": {', '.join(consent['attributes'])}" if consent["attributes"] else ""
    choice = f" ({consent['choice']})" if consent["choice"] else ""
    return f"accepting '{trim(consent['title'])}' with the page's default{choice}{what}"


def _human_step(snap: Snapshot, memory: Memory) -> list[Action]:
    if snap["account"] is not None:
        if not _once(memory, "account", place_of(snap["url"]), snap["doc"]):
            return []
        return [Say(f"choosing the account {memory.settings.username}"), Press(snap["account"])]
    if snap["anotherAccount"] is not None and _once(memory, "account", place_of(snap["url"]), snap["doc"]):
        return [Say("choosing 'use another account'"), Press(snap["anotherAccount"])]
    if snap["number"] or snap["waiting"]:
        return _relay(snap, memory)
    refusing = memory.last_kind is not None and bool(snap["error"])
    if snap["portal"] is not None and not refusing and memory.portal_clicks < MAX_PORTAL_CLICKS:
        if not _once(memory, place_of(snap["url"]), snap["doc"]):
            return []
        memory.portal_clicks += 1  # a page without fields whose one way on is a sign-in control
        return [Say("following the page's only sign-in control"), Press(snap["portal"])]
    return []


def _relay(snap: Snapshot, memory: Memory) -> list[Action]:
    """Tell the person the number (or that a push is waiting) once per challenge, at once; press
    "I have responded" now and then where the page has one; end when the push was refused."""
    if memory.relayed and (failure := relay.push_failure(trim(snap["error"]))):
        raise failure
    line = relay.approval_line(snap["number"])
    if line != memory.relayed:
        memory.relayed, memory.last_respond = line, memory.now
        number = snap["number"]
        return [RelayNumber(line, f"waiting for your approval{' of ' + number if number else ''}")]
    if snap["responded"] is not None and memory.now - memory.last_respond >= RESPOND_EVERY:
        memory.last_respond = memory.now
        return [Press(snap["responded"])]
    return []


AWS_APP = re.compile(r"amazon web services|\baws\b", re.I)


def _open_app(snap: Snapshot, memory: Memory) -> list[Action]:
    """An app dashboard: open the one tile naming AWS (or --app), in this tab or a new one."""
    want = memory.settings.app
    names = list(dict.fromkeys(t["text"] for t in snap["tiles"]))
    found = [n for n in names if (want.lower() in n.lower() if want else AWS_APP.search(n))]
    if len(found) != 1:
        which = f"'{want}'" if want else "naming AWS"
        raise BrowserError(
            f"the IdP shows an app dashboard with {'no' if not found else 'several'} tile(s) {which}: "
            + ", ".join(names),
            hint="pass --app TEXT naming the AWS tile, or use the AWS app's own sign-in URL as the IdP URL",
        )
    if not _once(memory, "app", place_of(snap["url"]), snap["doc"]):
        return []
    tile = next(t for t in snap["tiles"] if t["text"] == found[0])
    return [Say(f"opening the app '{found[0]}' on the dashboard"), Press(tile["el"])]


def _choose_method(snap: Snapshot, memory: Memory, place: str) -> tuple[list[Action], bool]:
    """Choose the factor where the page offers a choice: the steps, and whether they move the
    page on (else the page's field is filled next, in the same round)."""
    key = ("method", place, snap["doc"])
    if key in memory.clicked:
        return [], False
    wanted, has_code = memory.settings.mfa_method, memory.settings.prefer_code or memory.settings.mfa_method == "totp"
    methods = snap["methods"]
    if all(m["kind"] == "button" for m in methods):
        steps = _choose_tile(snap, memory, key, wanted, has_code)
        return steps, bool(steps)
    choice = relay.pick_method(methods, wanted, has_code)
    memory.clicked.add(key)
    if choice is None:
        return [], False
    steps: list[Action] = []
    if not choice["selected"]:
        steps.append(Say(f"choosing the {relay.METHOD_NAMES[choice['method']]} method"))
        steps.append(Select(choice["el"], choice["index"]) if choice["kind"] == "select" else Press(choice["el"]))
    code_here = snap["otp"] is not None or bool(snap["otpSplit"])
    if choice["method"] == "push" and code_here and snap["submit"] is not None:
        return [*steps, Say("asking the IdP for a push"), Press(snap["submit"])], True  # the code field stays empty
    if code_here or snap["password"] is not None or snap["user"] is not None:
        return steps, False  # the code field is on this page: fill it in next
    if snap["submit"] is not None:
        steps.append(Press(snap["submit"]))
    return steps or [WAIT], True


def _choose_tile(
    snap: Snapshot, memory: Memory, key: tuple[str, ...], wanted: str | None, has_code: bool
) -> list[Action]:
    methods = snap["methods"]
    pushing = bool(snap["number"] or snap["waiting"])
    want = wanted or ("totp" if has_code and pushing else None)
    if pushing and want in (None, "push"):
        return []  # a push is on its way, as preferred: relay it
    if not pushing and len(methods) < 2 and not snap["choose"]:
        return []
    try:
        if pushing:
            choice = next((m for m in methods if m["method"] == want), None)
        else:
            choice = relay.pick_method(methods, wanted, has_code)
    except UsageError:
        if snap["another"] is None:
            raise
        choice = None
    memory.clicked.add(key)
    if choice is None:
        if snap["another"] is not None and (want or not pushing):
            return [Say("asking the IdP for another way to sign in"), Press(snap["another"])]
        return []
    return [Say(f"choosing the {relay.METHOD_NAMES[choice['method']]} method"), Press(choice["el"])]


def _another_way(snap: Snapshot, memory: Memory, place: str) -> list[Action]:
    """A push page with a code at hand (or another --mfa-method): ask for the other ways."""
    wanted = memory.settings.mfa_method
    if not ((wanted or "push") != "push" or (wanted is None and memory.settings.prefer_code)):
        return []
    if not _once(memory, "another", place, snap["doc"]):
        return []
    return [Say("asking the IdP for another way to sign in"), Press(snap["another"])]


def _once(memory: Memory, *key: str) -> bool:
    """True the first time for this key (a control pressed once per page)."""
    if key in memory.clicked:
        return False
    memory.clicked.add(key)
    return True


def _has(snap: Snapshot, key: str) -> bool:
    value = snap[key]
    return value is not None and value is not False and value != [] and value != ""


def actionable(snap: Snapshot) -> bool:
    """Whether this document (of the page or a frame) is the one to act on."""
    keys = ("user", "password", "otp", "otpSplit", "kmsi", "newPassword", "number", "waiting", "portal")
    return any(_has(snap, k) for k in (*keys, "methods", "account", "anotherAccount", "consent", "tiles"))


def page_name(snap: Snapshot) -> str:
    title = trim(snap.get("title") or "")
    return f"{title!r} at {strip_query(snap['url'])}" if title else strip_query(snap["url"])
