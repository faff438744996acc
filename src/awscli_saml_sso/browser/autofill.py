"""Log in on IdP pages never seen before, until the capture has the SAMLResponse.

A poll loop: follow the login into new windows, read the page (and one level of iframes) with one
script (:mod:`page_js`), and do the next sensible thing: type the username, the password (only
ever into a ``type=password`` field), the one-time code, or confirm "stay signed in?". Each form
is filled at most once: when the same kind of field comes back on the same page after a submit,
the IdP rejected the answer and we say so with the page's error text.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from awscli_saml_sso.browser import diagnostics, page_js
from awscli_saml_sso.browser.endpoints import strip_query
from awscli_saml_sso.errors import AuthError, BrowserError, CaptureTimeout

log = logging.getLogger(__name__)

POLL = 0.2  # seconds between looks at the page (also how long we wait on the capture)
STUCK_AFTER = 10.0  # seconds without progress on a settled page we cannot handle
MAX_ERROR = 120


@dataclasses.dataclass
class Done:
    """A form we submitted: where, in which document, and the error text shown before."""

    place: str
    doc: str
    error: str


class Autofill:
    def __init__(self, driver: Any, login: Any, capture: Any) -> None:
        self.driver = driver
        self.login = login
        self.capture = capture
        self.done: dict[str, Done] = {}
        self.secrets: list[str] = []  # what we typed, so diagnostics can scrub it
        self._password: str | None = None
        self.known_windows: set[str] = set()
        self.clicked: set[tuple[str, str]] = set()
        self.said: set[str] = set()
        self.signature: tuple[Any, ...] = ()
        self.last_change = time.monotonic()
        self.url = ""

    # ---- main loop ----------------------------------------------------------------------------

    def run(self, deadline: float) -> str:
        from awscli_saml_sso.browser.pageapi import PAGE_ERRORS

        failures, wait = 0, 0.0
        while True:
            value = self.capture.result(timeout=wait)
            wait = POLL
            if value is not None:
                return str(value)
            if self.capture.problem:
                raise BrowserError(self.capture.problem)
            if self.capture.failure:
                raise BrowserError(f"the browser stopped: {self.capture.failure}")
            if time.monotonic() >= deadline:
                self._timeout()
            try:
                if self.login.mode == "manual":
                    self._follow_windows()
                else:
                    self.step()
                failures = 0
            except PAGE_ERRORS as exc:  # pages change under our feet: look again
                failures += 1
                log.debug("page changed while reading it: %s", type(exc).__name__)
                if failures >= 25 or _browser_gone(exc):
                    late = self.capture.result(timeout=POLL)  # closed right after the capture?
                    if late is not None:
                        return str(late)
                    raise BrowserError("the browser closed or crashed before the login finished",
                                       hint="try again; with --show-browser to watch") from exc

    def step(self) -> None:
        self._follow_windows()
        page = self._read_page()
        self.url = page["url"]
        signature = (strip_query(page["url"]), page["doc"], page["error"],
                     *(bool(page[k]) for k in ("user", "password", "otp", "kmsi", "otpSplit")))
        if signature != self.signature:
            self.signature, self.last_change = signature, time.monotonic()
        if self._act(page):
            self.last_change = time.monotonic()
            return
        if page["waiting"]:
            self._say("waiting for you to approve the sign-in on your other device")
            return
        if page["ready"] == "complete" and time.monotonic() - self.last_change > STUCK_AFTER:
            files = diagnostics.save(self.driver, self.login.diagnostics_dir, self.secrets)
            what = _page_name(page)
            raise BrowserError(
                f"cannot handle the login page {what}{diagnostics.describe(files)}",
                hint="log in with --show-browser to watch, or --use-browser to do it yourself",
            )

    # ---- reading the page ---------------------------------------------------------------------

    def _follow_windows(self) -> None:
        from awscli_saml_sso.browser.pageapi import NO_SUCH_WINDOW

        handles = self.driver.window_handles
        if not handles:
            raise BrowserError("the browser window was closed before the login finished")
        new = [h for h in handles if h not in self.known_windows]
        self.known_windows = set(handles)
        try:
            current = self.driver.current_window_handle
        except NO_SUCH_WINDOW:  # the window we were on has closed
            current = None
        if new and new[-1] != current:
            self.driver.switch_to.window(new[-1])  # the login moved to a popup or a new tab
        elif current not in handles:
            self.driver.switch_to.window(handles[-1])

    def _read_page(self) -> dict[str, Any]:
        from awscli_saml_sso.browser.pageapi import CSS_SELECTOR, PAGE_ERRORS

        self.driver.switch_to.default_content()
        page = self._classify()
        if _actionable(page) or not page["frames"]:
            return page
        for frame in self.driver.find_elements(CSS_SELECTOR, "iframe, frame")[:5]:
            try:
                self.driver.switch_to.frame(frame)
                inner = self._classify()
            except PAGE_ERRORS:  # a frame that went away or cannot be read
                self.driver.switch_to.default_content()
                continue
            if _actionable(inner):
                return inner  # stay in the frame: its elements are used next
            self.driver.switch_to.default_content()
        return page

    def _classify(self) -> dict[str, Any]:
        from awscli_saml_sso.browser.cdp import CdpError

        page = self.driver.execute_script(page_js.CLASSIFY, self.login.username or "")
        if not isinstance(page, dict):
            # Firefox answers null when the document goes away under the script, as when the
            # SAML POST it was waiting on has just been answered: the page changed, look again.
            raise CdpError("the page was replaced while it was read")
        return page

    # ---- acting -------------------------------------------------------------------------------

    def _act(self, page: dict[str, Any]) -> bool:
        place = _place(page["url"])
        if page["otp"] or page["otpSplit"]:
            return self._fill_otp(page, place)
        if page["password"]:
            return self._fill_password(page, place)
        if page["user"]:
            return self._fill_username(page, place)
        if page["newPassword"]:
            raise BrowserError("the IdP asks for a new password",
                               hint="change it with --use-browser, then run again")
        if page["kmsi"] is not None and (place, page["doc"]) not in self.clicked:
            self.clicked.add((place, page["doc"]))
            self.login.status("answering the 'stay signed in?' question")
            self._click(page["kmsi"], None)
            return True
        return False

    def _fill_username(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "username"):
            return False
        if not page["userPrefilled"]:
            self._type(page["user"], self._username(), page["userFilled"])
        self.login.status("submitting the username")
        return self._submit(page, place, "username", page["user"])

    def _fill_password(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "password"):
            return False
        if page["user"] and not page["userPrefilled"]:
            if self.login.username or not page["userFilled"]:  # else keep what the page has
                self._type(page["user"], self._username(), page["userFilled"])
        password = self._get_password()
        self._type(page["password"], password, page["passwordFilled"])
        self.login.status("submitting the password")
        return self._submit(page, place, "password", page["password"])

    def _fill_otp(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "otp"):
            return False
        if self.login.mfa_code is None:
            raise BrowserError("the IdP asks for a one-time code", hint="pass --mfa-code")
        self.login.status("the IdP asks for a one-time code")
        code = self.login.mfa_code().strip()
        self.secrets.append(code)
        if page["otpSplit"]:  # one box per digit
            for box, digit in zip(page["otpSplit"], code):
                box.send_keys(digit)
            field = page["otpSplit"][-1]
        else:
            field = page["otp"]
            self._type(field, code)
        self.login.status("submitting the one-time code")
        return self._submit(page, place, "otp", field)

    def _already(self, page: dict[str, Any], place: str, kind: str) -> bool:
        """True when this form was submitted already; AuthError when the IdP sent it back."""
        done = self.done.get(kind)
        if done is None or done.place != place:
            return False
        if page["doc"] == done.doc and not (page["error"] and page["error"] != done.error):
            return True  # still submitting, or a script is thinking: wait
        reason = _trim(page["error"]) or f"it showed the {_KIND_NAMES[kind]} page again"
        raise AuthError(f"the IdP rejected the login: {reason}")

    def _submit(self, page: dict[str, Any], place: str, kind: str, field: Any) -> bool:
        self.done[kind] = Done(place, page["doc"], page["error"])
        self._click(page["submit"], field)
        return True

    def _click(self, button: Any, field: Any) -> None:
        from awscli_saml_sso.browser.pageapi import ENTER, PAGE_ERRORS

        if button is None:
            field.send_keys(ENTER)
            return
        try:
            button.click()
        except PAGE_ERRORS:  # covered by an overlay, or moving: click it in the page
            self.driver.execute_script("arguments[0].click()", button)

    def _type(self, field: Any, value: str, filled: bool = True) -> None:
        if filled:  # an empty field (as the page script saw it just now) needs no clear(): ~40 ms
            field.clear()
        field.send_keys(value)

    def _username(self) -> str:
        if not self.login.username:
            raise BrowserError("the IdP asks for a username but none was given",
                               hint="pass --username, or log in yourself with --use-browser")
        return str(self.login.username)

    def _get_password(self) -> str:
        if self._password is None:
            if self.login.password is None:
                raise BrowserError("the IdP asks for a password but none was given",
                                   hint="pass --password-stdin or use a stored IdP")
            self.login.status("the IdP asks for the password")
            self._password = self.login.password()
            self.secrets.append(self._password)
        return self._password

    def _say(self, message: str) -> None:
        if message not in self.said:
            self.said.add(message)
            self.login.status(message)

    def _timeout(self) -> None:
        files = diagnostics.save(self.driver, self.login.diagnostics_dir, self.secrets)
        where = f"; the browser was at {strip_query(self.url)}" if self.url else ""
        raise CaptureTimeout(
            f"no SAML response within {self.login.timeout:g} s{where}"
            f"{diagnostics.describe(files)}"
        )


_KIND_NAMES = {"username": "username", "password": "password", "otp": "one-time code"}


def _actionable(page: dict[str, Any]) -> bool:
    return any(page[k] for k in ("user", "password", "otp", "otpSplit", "kmsi", "newPassword"))


def _place(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def _page_name(page: dict[str, Any]) -> str:
    title = _trim(page.get("title") or "")
    return f"{title!r} at {strip_query(page['url'])}" if title else strip_query(page["url"])


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1].rstrip() + "…"


def _browser_gone(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("disconnected", "not reachable", "invalid session id",
                                   "session deleted", "connection refused"))
