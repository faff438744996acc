"""The page model's vocabulary: the snapshot (plain JSON from ``page.js``), the actions
:func:`decide.decide` returns, and its memory. Plain data: no browser, no I/O."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

STUCK_AFTER = 10.0  # seconds without progress on a settled page we cannot handle
ERROR_SETTLE = 1.0  # seconds an error page without fields must stay before it counts as the answer
RESPOND_EVERY = 2.5  # seconds between presses of "I have responded" on a push page
MAX_PORTAL_CLICKS = 3
MAX_ERROR = 120
SECRETS = ("password", "otp")
KIND_NAMES = {"username": "username", "password": "password", "otp": "one-time code"}

Snapshot = dict[str, Any]  # the JSON page.js returns (see docs/page-model.md)


# ---- actions ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Type:
    """Type ``what`` (username, password, otp: a name, never the value) into a field; ``digits``:
    one box per digit of a code."""

    field: int
    what: str
    clear: bool = True
    digits: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Press:
    """Press a button; None: press Enter in ``field``."""

    element: int | None
    field: int | None = None


@dataclasses.dataclass(frozen=True)
class Select:
    element: int
    index: int


@dataclasses.dataclass(frozen=True)
class Remember:
    """Tick "remember me" in this field's form (a persistent profile keeps the IdP's session)."""

    field: int


@dataclasses.dataclass(frozen=True)
class Say:
    text: str


@dataclasses.dataclass(frozen=True)
class Notice:
    """A line the person must see whatever the log level (what was accepted on their behalf)."""

    text: str


@dataclasses.dataclass(frozen=True)
class RelayNumber:
    """The line the person must see at once (the number to approve), then a progress line."""

    line: str
    status: str


@dataclasses.dataclass(frozen=True)
class Wait:
    pass


@dataclasses.dataclass(frozen=True)
class HandOver:
    step: str
    url: str


@dataclasses.dataclass(frozen=True)
class Stuck:
    """A settled page we cannot handle: diagnostics, then fail (or offer the person the window)."""

    what: str
    hand_over: bool


@dataclasses.dataclass(frozen=True)
class Fail:
    error: Exception


Action = Type | Press | Select | Remember | Say | Notice | RelayNumber | Wait | HandOver | Stuck | Fail
WAIT = Wait()


# ---- memory -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the person asked for, as far as the decisions need it."""

    username: str | None = None
    mfa_method: str | None = None
    prefer_code: bool = False
    has_password: bool = True
    has_code: bool = False
    show: bool = False  # a visible window the person watches
    can_ask: bool = False  # a terminal to offer the visible window on
    remember_me: bool = False  # a persistent profile
    stuck_after: float = STUCK_AFTER
    attended: bool = False  # handed over: the person acts in the visible window, we answer the rest
    app: str | None = None  # the dashboard tile to open (--app); None: the one naming AWS


@dataclasses.dataclass
class Done:
    """A form we submitted: where, in which document, and the error text shown before."""

    place: str
    doc: str
    error: str
    messages: tuple[str, ...] = ()  # the page's messages then: a message after them is new
    pressed: bool = True  # False: typed, the page's button still disabled


@dataclasses.dataclass
class Memory:
    settings: Settings
    now: float = 0.0
    done: dict[str, Done] = dataclasses.field(default_factory=dict)
    clicked: set[tuple[str, ...]] = dataclasses.field(default_factory=set)
    signature: tuple[Any, ...] = ()
    last_change: float = 0.0
    relayed: str = ""  # the approval line last shown to the person
    last_respond: float = 0.0
    portal_clicks: int = 0
    last_kind: str | None = None  # what we submitted last: password, otp, ...


def place_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1].rstrip() + "…"
