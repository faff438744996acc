"""Hand a headless login over to the person for the one step only a person can do (a security
key, a CAPTCHA, a page we do not understand): a visible window with the same cookies, at the same
page; the capture there ends the login as usual.

A headless Chromium cannot become visible, and a restarted one on the same profile loses the
session cookies IdPs keep their login state in (STACK.md): the cookies move over CDP
(``Storage.getCookies`` / ``Storage.setCookies``) into a second, visible browser, which opens
the headless one's current URL. A page that was the answer to a POST may not load again by URL;
the IdP then restarts the step from its cookies (most put such steps behind a redirect anyway).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from typing import Any

from awscli_saml_sso.errors import BrowserError, MissingAnswerError


class NeedsPerson(Exception):
    """Raised by autofill: the page wants ``step`` from the person (e.g. "a security key")."""

    def __init__(self, step: str, url: str, fallback: Exception | None = None) -> None:
        super().__init__(step)
        self.step, self.url = step, url
        self.fallback = fallback  # the error to raise when no window can be offered


def step_name(found: str) -> str:
    """What the page asks for, in words for the person, from the phrase that gave it away."""
    found = found.lower()
    if "captcha" in found or "robot" in found or "images" in found or "pictures" in found:
        return "a CAPTCHA"
    if "passkey" in found:
        return "a passkey"
    if any(w in found for w in ("hello", "touch id", "face id")):
        return "the device's own sign-in (Windows Hello, Touch ID or Face ID)"
    if found == "account":
        return "a choice of account"
    if found == "unknown":
        return "a step the tool does not understand"
    return "a security key"


def unavailable(step: str) -> BrowserError:
    return BrowserError(
        f"the IdP asks for {step}, which cannot be done in a headless browser",
        hint="log in with --show-browser and do that step in the window",
    )


def take_over(login: Any, session: Any, need: NeedsPerson, deadline: float, start_capture: Any, close: Any) -> str:
    """Offer the visible window (terminal and display needed); return the captured SAMLResponse."""
    remember = getattr(login, "remember_step", None)
    if remember is not None and need.fallback is None:  # a named step, not a page we misread
        with contextlib.suppress(Exception):  # a note for next time must not end this login
            remember(need.step)
    failure = need.fallback or unavailable(need.step)
    confirm = getattr(login, "confirm", None)
    if confirm is None or not _has_display() or not session.kind.chromium_family:
        raise failure
    try:
        wanted = confirm(
            f"the IdP asks for {need.step}, which cannot be done headless. "
            "Open this sign-in in a visible window to do it there?"
        )
    except MissingAnswerError:
        raise failure from None
    if not wanted:
        raise failure
    cookies = session.driver.execute_cdp_cmd("Storage.getCookies", {}).get("cookies", [])
    from awscli_saml_sso.browser import autofill, drivers

    login.status("opening a visible window: do the step there, the tool takes over afterwards")
    visible = drivers.start(login.browser, login.browser_path, login.driver_path, "show", None, login.status)
    capture = None
    try:
        capture = start_capture(visible)
        if cookies:
            visible.driver.execute_cdp_cmd("Storage.setCookies", {"cookies": cookies})
        visible.driver.get(need.url)
        # The person acts in this window: the tool only follows it and waits for the capture
        person = dataclasses.replace(login, mode="manual")
        return autofill.Autofill(visible.driver, person, capture).run(deadline)
    finally:
        close(visible, capture)


def _has_display() -> bool:
    if sys.platform != "linux":
        return True  # macOS and Windows always have one where a person sits
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
