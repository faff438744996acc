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

from awscli_saml_sso.browser.person import NeedsPerson
from awscli_saml_sso.browser.request import BrowserLogin
from awscli_saml_sso.defaults import MANUAL, SHOW
from awscli_saml_sso.errors import BrowserError, MissingAnswerError


def unavailable(step: str) -> BrowserError:
    return BrowserError(
        f"the IdP asks for {step}, which cannot be done in a headless browser",
        hint="log in with --show-browser and do that step in the window",
    )


def take_over(
    login: BrowserLogin, session: Any, need: NeedsPerson, deadline: float, start_capture: Any, close: Any
) -> str:
    """Offer the visible window (terminal and display needed); return the captured SAMLResponse."""
    remember = login.answers.remember_step
    if remember is not None and need.fallback is None:  # a named step, not a page we misread
        with contextlib.suppress(Exception):  # a note for next time must not end this login
            remember(need.step)
    failure = need.fallback or unavailable(need.step)
    confirm = login.confirm
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
    options = login.browser
    visible = drivers.start(options.name, options.path, options.driver_path, SHOW, None, login.status)
    capture = None
    try:
        capture = start_capture(visible)
        if cookies:
            visible.driver.execute_cdp_cmd("Storage.setCookies", {"cookies": cookies})
        visible.driver.get(need.url)
        # The person does their step in this window; the same engine answers what follows it
        # (stay signed in, consent, our account's tile) until the capture, never typing a secret
        person = dataclasses.replace(login, browser=dataclasses.replace(options, mode=MANUAL))
        return autofill.Autofill(visible.driver, person, capture, attended=True).run(deadline)
    finally:
        close(visible, capture)


def _has_display() -> bool:
    if sys.platform != "linux":
        return True  # macOS and Windows always have one where a person sits
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
