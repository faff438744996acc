"""Reading the browser for the executor (:mod:`autofill`): follow the login into new windows, and
read the page (and one level of frames) into a snapshot with ``page.js``. The snapshot is plain
data for :func:`decide.decide`; the elements it refers to (by index) stay here, beside it.
"""

from __future__ import annotations

from typing import Any

from awscli_saml_sso.browser import decide, page_js
from awscli_saml_sso.browser.request import BrowserLogin
from awscli_saml_sso.defaults import SHOW
from awscli_saml_sso.errors import BrowserError
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions


def follow_windows(driver: Any, known: set[str]) -> set[str]:
    """Switch to a window the login just opened (a popup, a new tab); the windows now known."""
    from awscli_saml_sso.browser.pageapi import NO_SUCH_WINDOW

    handles = driver.window_handles
    if not handles:
        raise BrowserError("the browser window was closed before the login finished")
    new = [h for h in handles if h not in known]
    try:
        current = driver.current_window_handle
    except NO_SUCH_WINDOW:  # the window we were on has closed
        current = None
    if new and new[-1] != current:
        driver.switch_to.window(new[-1])  # the login moved to a popup or a new tab
    elif current not in handles:
        driver.switch_to.window(handles[-1])
    return set(handles)


def read_page(driver: Any, username: str) -> tuple[decide.Snapshot, list[Any]]:
    """The snapshot of the document to act on (the page, or the first frame with a step in it),
    and its elements; the driver stays in that document."""
    from awscli_saml_sso.browser.pageapi import CSS_SELECTOR, PAGE_ERRORS

    driver.switch_to.default_content()
    page = read_document(driver, username)
    if decide.actionable(page[0]) or not page[0]["frames"]:
        return page
    for frame in driver.find_elements(CSS_SELECTOR, "iframe, frame")[:5]:
        try:
            driver.switch_to.frame(frame)
            inner = read_document(driver, username)
        except PAGE_ERRORS:  # a frame that went away or cannot be read
            driver.switch_to.default_content()
            continue
        if decide.actionable(inner[0]):
            return inner  # stay in the frame: its elements are used next
        driver.switch_to.default_content()
    return page


def read_document(driver: Any, username: str) -> tuple[decide.Snapshot, list[Any]]:
    from awscli_saml_sso.browser.cdp import CdpError

    read = driver.execute_script(page_js.CLASSIFY, username)
    if not isinstance(read, dict) or not isinstance(read.get("snap"), dict):
        # Firefox answers null when the document goes away under the script, as when the
        # SAML POST it was waiting on has just been answered: the page changed, look again.
        raise CdpError("the page was replaced while it was read")
    return read["snap"], list(read.get("els") or [])


def browser_gone(exc: Exception) -> bool:
    """Whether a driver error means the browser itself is gone (not just the page)."""
    text = str(exc).lower()
    gone = ("disconnected", "not reachable", "invalid session id", "session deleted", "connection refused")
    return any(s in text for s in gone)


def settings_of(login: BrowserLogin, stuck_after: float, attended: bool = False) -> decide.Settings:
    """What decide needs to know of the person's options (never a secret, only whether one is at hand)."""
    return settings(
        login.idp, login.answers, login.browser, login.confirm is not None, stuck_after=stuck_after, attended=attended
    )


def settings(
    idp: IdpOptions,
    answers: Answers,
    browser: BrowserOptions,
    can_ask: bool = False,
    stuck_after: float = decide.STUCK_AFTER,
    attended: bool = False,
) -> decide.Settings:
    """The same from the option groups: the plain-HTTP engine asks the same decide()."""
    return decide.Settings(
        username=idp.username,
        mfa_method=idp.mfa_method,
        prefer_code=bool(idp.prefer_code),
        has_password=answers.password is not None,
        has_code=answers.mfa_code is not None,
        show=browser.mode == SHOW,
        can_ask=can_ask,
        remember_me=browser.profile_dir is not None,
        stuck_after=stuck_after,
        app=idp.app,
        attended=attended,
    )
